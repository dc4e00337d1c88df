//! The edit form: a user's names, roles and teams, saved with the version it was opened at.

use super::{FormOutcome, advance, common_keys, recheck, show_error};
use super::{LABEL, builder, close};
use crate::Error;
use crate::domain::Refusal;
use crate::domain::{Field, Role, Team, TeamId, TeamSet, User};
use crate::service::UserPatch;
use crate::text::safe;
use crate::tui::components::{Action, Component, ConfirmAction, Ctx, EventState, Queue};
use crate::tui::effects::{Effect, Reply};
use crate::tui::keys::{DialogKey as K, Hint, Keymap};
use crate::tui::theme::Theme;
use crate::tui::widgets::{CheckList, paste_into, role_list, team_list};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use std::collections::HashMap;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditField {
    FullName,
    DisplayName,
    Roles,
    Teams,
    Beta,
    Save,
}

const EDIT_ORDER: [EditField; 6] = [
    EditField::FullName,
    EditField::DisplayName,
    EditField::Roles,
    EditField::Teams,
    EditField::Beta,
    EditField::Save,
];

#[derive(Debug, Clone)]
pub struct EditForm {
    pub user: User,
    pub full_name: Input,
    pub display_name: Input,
    pub display_follows: bool,
    pub roles: CheckList<Role>,
    pub teams: CheckList<TeamId>,
    pub beta: bool,
    pub focus: EditField,
    pub errors: HashMap<Field, String>,
    pub error: Option<String>,
    /// The user changed since the form opened; Ctrl-R loads the new version.
    pub conflict: bool,
    pub busy: bool,
}

impl EditForm {
    pub fn new(user: &User, teams: &[Team]) -> Self {
        EditForm {
            full_name: Input::new(user.full_name.as_str().to_string()),
            display_name: Input::new(user.display_name.as_str().to_string()),
            display_follows: user.display_name == user.full_name,
            roles: role_list(&user.roles.iter().collect::<Vec<_>>()),
            teams: team_list(teams, &user.teams),
            beta: user.beta,
            focus: EditField::FullName,
            errors: HashMap::new(),
            error: None,
            conflict: false,
            busy: false,
            user: user.clone(),
        }
    }

    /// The fields that differ from the user as loaded.
    pub fn patch(&self) -> UserPatch {
        let u = &self.user;
        let full = self.full_name.value();
        let display = self.display_name.value();
        let roles = self.roles.checked();
        let teams: TeamSet = self.teams.checked().into_iter().collect();
        UserPatch {
            full_name: (full != u.full_name.as_str()).then(|| full.to_string()),
            display_name: (display != u.display_name.as_str()).then(|| display.to_string()),
            roles: (roles != u.roles.iter().collect::<Vec<_>>()).then_some(roles),
            teams: (teams != u.teams).then(|| teams.into_iter().collect()),
            beta: (self.beta != u.beta).then_some(self.beta),
        }
    }

    pub fn has_changes(&self) -> bool {
        self.patch() != UserPatch::default()
    }

    /// Takes the user's current data, keeping the admin's own changes on top where they can.
    pub fn rebase(&mut self, fresh: &User, teams: &[Team]) {
        let mine = self.patch();
        let mut form = EditForm::new(fresh, teams);
        if let Some(f) = mine.full_name {
            form.full_name = Input::new(f);
        }
        if let Some(d) = mine.display_name {
            form.display_name = Input::new(d);
        }
        if let Some(roles) = mine.roles {
            for (role, _, on) in &mut form.roles.items {
                *on = roles.contains(role);
            }
        }
        if let Some(t) = mine.teams {
            for (id, _, on) in &mut form.teams.items {
                *on = t.contains(id);
            }
        }
        if let Some(b) = mine.beta {
            form.beta = b;
        }
        form.focus = self.focus;
        *self = form;
    }

    pub fn show_error(&mut self, e: &Error) {
        self.conflict = matches!(e, Error::Refused(Refusal::Conflict { .. }));
        if self.conflict {
            self.error = Some("changed by someone else since you opened it: Ctrl-R loads their version (your changes are kept on top), then save again".into());
            self.errors.clear();
            return;
        }
        show_error(&mut self.errors, &mut self.error, e);
        if let Some(field) = e.field() {
            self.focus = match field {
                Field::FullName => EditField::FullName,
                Field::DisplayName => EditField::DisplayName,
                Field::Roles => EditField::Roles,
                Field::Teams => EditField::Teams,
                _ => self.focus,
            };
        }
    }

    fn text_field(&mut self) -> Option<&mut Input> {
        match self.focus {
            EditField::FullName => Some(&mut self.full_name),
            EditField::DisplayName => Some(&mut self.display_name),
            _ => None,
        }
    }

    fn text_changed(&mut self) {
        match self.focus {
            EditField::FullName => {
                if self.display_follows {
                    self.display_name = Input::new(self.full_name.value().to_string());
                    recheck(
                        &mut self.errors,
                        Field::DisplayName,
                        self.display_name.value(),
                    );
                }
                recheck(&mut self.errors, Field::FullName, self.full_name.value());
            }
            EditField::DisplayName => {
                self.display_follows = false;
                recheck(
                    &mut self.errors,
                    Field::DisplayName,
                    self.display_name.value(),
                );
            }
            _ => {}
        }
    }

    /// Pasted text goes into the focused text field as one line.
    pub fn paste(&mut self, text: &str) {
        if self
            .text_field()
            .is_some_and(|input| paste_into(input, text))
        {
            self.text_changed();
        }
    }

    pub fn handle(&mut self, key: &KeyEvent, keymap: &Keymap) -> FormOutcome {
        let on_list = matches!(
            self.focus,
            EditField::Roles | EditField::Teams | EditField::Beta
        );
        let list_command = keymap.dialog(super::scope(on_list), key);
        if keymap.is(K::FormRefresh, key) {
            return FormOutcome::Reload;
        }
        if let Some(o) = common_keys(
            key,
            keymap,
            super::scope(on_list),
            &mut self.focus,
            &EDIT_ORDER,
            EditField::Save,
        ) {
            return o;
        }
        let event = crossterm::event::Event::Key(*key);
        match self.focus {
            EditField::FullName | EditField::DisplayName => {
                let Some(input) = self.text_field() else {
                    return FormOutcome::Stay;
                };
                if input.handle_event(&event).is_some_and(|c| c.value) {
                    self.text_changed();
                }
            }
            EditField::Roles => {
                self.roles.handle(list_command);
            }
            EditField::Teams => {
                self.teams.handle(list_command);
            }
            EditField::Beta => {
                if list_command == Some(K::FormListToggle) {
                    self.beta = !self.beta;
                }
            }
            EditField::Save => {
                if matches!(key.code, KeyCode::Enter | KeyCode::Char(' ')) {
                    return FormOutcome::Submit;
                }
            }
        }
        if key.code == KeyCode::Enter {
            advance(&mut self.focus, &EDIT_ORDER, 1);
        }
        FormOutcome::Stay
    }
}

impl Component for EditForm {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        if self.busy {
            return EventState::Consumed;
        }
        match self.handle(key, cx.keymap) {
            FormOutcome::Stay => {}
            FormOutcome::Close => close(self.has_changes(), out),
            FormOutcome::Reload => {
                self.busy = true;
                out.push(Action::Request(Effect::RefreshForm(self.user.id)));
            }
            FormOutcome::Submit => {
                if !self.has_changes() {
                    out.push(Action::Close);
                    out.push(Action::Notice("nothing changed".into()));
                    return EventState::Consumed;
                }
                let (id, version, patch) = (self.user.id, self.user.version, self.patch());
                let removes_roles = patch
                    .roles
                    .as_ref()
                    .is_some_and(|roles| self.user.roles.iter().any(|r| !roles.contains(&r)));
                let me = cx.data.is_some_and(|d| d.me.id == id);
                if removes_roles || me && patch.roles.is_some() {
                    // Taking roles away goes through the one confirmation, with the core's
                    // verdict on the new roles.
                    out.push(Action::Ask(ConfirmAction::Update { id, version, patch }));
                } else {
                    self.busy = true;
                    out.push(Action::Request(Effect::Update { id, version, patch }));
                }
            }
        }
        EventState::Consumed
    }

    fn on_paste(&mut self, text: &str) -> EventState {
        if !self.busy {
            self.paste(text);
        }
        EventState::Consumed
    }

    fn on_reply(
        &mut self,
        asked: &Effect,
        result: crate::Result<Reply>,
        cx: &Ctx,
        out: &mut Queue,
    ) -> Option<crate::Result<Reply>> {
        match (asked, result) {
            (_, Ok(Reply::Updated(user))) => {
                out.push(Action::Close);
                out.push(Action::Notice(format!(
                    "saved {}",
                    safe(user.email.as_str())
                )));
                out.push(Action::Reload);
            }
            (_, Ok(Reply::FormRefreshed(detail))) => {
                self.busy = false;
                let teams = cx.data.map(|d| d.teams.as_slice()).unwrap_or_default();
                self.rebase(&detail.user, teams);
                self.error = Some(
                    "loaded the current version; your changes are kept on top: save again".into(),
                );
            }
            // Saving or loading the current version failed: the form stays, with what was typed.
            (Effect::Update { .. } | Effect::RefreshForm(_), Err(e)) => {
                self.busy = false;
                self.show_error(&e);
            }
            (_, other) => return Some(other),
        }
        None
    }

    /// Its own save that takes roles away, once the admin said yes.
    fn on_confirmed(&mut self, action: ConfirmAction, out: &mut Queue) {
        if let ConfirmAction::Update { id, version, patch } = action {
            self.busy = true;
            out.push(Action::Request(Effect::Update { id, version, patch }));
        }
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Hint> {
        crate::tui::components::shown(cx.keymap.dialog_hints(super::BINDINGS), cx)
    }

    fn has_input(&self) -> bool {
        self.has_changes()
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        draw_edit(frame, area, self, cx, theme);
    }
}

pub fn draw_edit(frame: &mut Frame, area: Rect, f: &EditForm, cx: &Ctx, theme: &Theme) {
    let mut b = builder(area, theme);
    let at = |field| f.focus == field;
    b.lines.push(Line::from(vec![
        Span::styled(
            format!("  {:<width$}", "Email", width = LABEL - 2),
            theme.dim(),
        ),
        Span::raw(safe(f.user.email.as_str())),
        Span::styled(
            format!("  ({}, version {})", f.user.status, f.user.version),
            theme.dim(),
        ),
    ]));
    b.input("Full name", &f.full_name, at(EditField::FullName), None);
    b.error(&f.errors, Field::FullName);
    let note = f
        .display_follows
        .then_some("(follows the full name until edited)");
    b.input(
        "Display name",
        &f.display_name,
        at(EditField::DisplayName),
        note,
    );
    b.error(&f.errors, Field::DisplayName);
    b.checklist("Roles", &f.roles, at(EditField::Roles), "");
    b.error(&f.errors, Field::Roles);
    b.checklist(
        "Teams",
        &f.teams,
        at(EditField::Teams),
        "no teams in this workspace",
    );
    b.error(&f.errors, Field::Teams);
    b.checkbox(
        "Beta access",
        f.beta,
        at(EditField::Beta),
        "per-user access to beta features",
    );
    b.footer(
        f.error.as_deref(),
        f.busy,
        at(EditField::Save),
        &super::hint_text(cx),
    );
    b.render(frame, area, "Edit user");
}
