//! The invite form: who to invite, their roles and teams, whether to email the link.

use super::{FormOutcome, advance, common_keys, recheck, show_error};
use super::{builder, close};
use crate::Error;
use crate::domain::{Field, Role, Team, TeamId, TeamName, TeamSet};
use crate::service::NewInvite;
use crate::text::safe;
use crate::tui::components::{Action, Component, Ctx, EventState, Links, Queue};
use crate::tui::effects::{Effect, Reply};
use crate::tui::keys::{DialogKey as K, Hint, Keymap};
use crate::tui::theme::Theme;
use crate::tui::widgets::{CheckList, paste_into, role_list, team_list};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::collections::HashMap;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteField {
    Email,
    FullName,
    DisplayName,
    Roles,
    Teams,
    NewTeam,
    Send,
    Save,
}

const INVITE_ORDER: [InviteField; 8] = [
    InviteField::Email,
    InviteField::FullName,
    InviteField::DisplayName,
    InviteField::Roles,
    InviteField::Teams,
    InviteField::NewTeam,
    InviteField::Send,
    InviteField::Save,
];

#[derive(Debug, Clone)]
pub struct InviteForm {
    pub email: Input,
    pub full_name: Input,
    pub display_name: Input,
    /// The display name follows the full name until edited.
    pub display_edited: bool,
    pub roles: CheckList<Role>,
    pub teams: CheckList<TeamId>,
    pub new_team: Input,
    /// Teams typed under "New team", ticked in the list with a stand-in id, created only when
    /// the form is saved (an Esc leaves none behind).
    pub pending_teams: Vec<(TeamId, String)>,
    pub send: bool,
    pub focus: InviteField,
    pub errors: HashMap<Field, String>,
    pub error: Option<String>,
    pub busy: bool,
}

impl InviteForm {
    pub fn new(teams: &[Team]) -> Self {
        InviteForm {
            email: Input::default(),
            full_name: Input::default(),
            display_name: Input::default(),
            display_edited: false,
            roles: role_list(&[Role::Agent]),
            teams: team_list(teams, &TeamSet::new()),
            new_team: Input::default(),
            pending_teams: Vec::new(),
            send: true,
            focus: InviteField::Email,
            errors: HashMap::new(),
            error: None,
            busy: false,
        }
    }

    pub fn has_input(&self) -> bool {
        !self.email.value().trim().is_empty()
            || !self.full_name.value().trim().is_empty()
            || self.display_edited
            || !self.teams.checked().is_empty()
            || !self.pending_teams.is_empty()
    }

    pub fn request(&self) -> NewInvite {
        NewInvite {
            email: self.email.value().to_string(),
            full_name: self.full_name.value().to_string(),
            display_name: Some(self.display_name.value().to_string()),
            roles: self.roles.checked(),
            teams: self.teams.checked(),
            send_invite: self.send,
        }
    }

    pub fn show_error(&mut self, e: &Error) {
        show_error(&mut self.errors, &mut self.error, e);
        if let Some(field) = e.field() {
            self.focus = match field {
                Field::Email => InviteField::Email,
                Field::FullName => InviteField::FullName,
                Field::DisplayName => InviteField::DisplayName,
                Field::Roles => InviteField::Roles,
                Field::Teams => InviteField::Teams,
                Field::TeamName => InviteField::NewTeam,
                _ => self.focus,
            };
        }
    }

    /// A team typed under "New team": listed and ticked now, created when the form is saved.
    fn add_pending_team(&mut self, name: String) {
        let id = TeamId::new();
        self.teams.items.push((id, name.clone(), true));
        self.teams.cursor = self.teams.items.len() - 1;
        self.pending_teams.push((id, name));
        self.new_team = Input::default();
        self.errors.remove(&Field::TeamName);
    }

    /// A pending team the core has created: its stand-in id becomes the team's own.
    fn pending_team_created(&mut self, team: &Team) {
        if let Some(at) = self.pending_teams.iter().position(|(_, name)| {
            TeamName::parse(name).is_ok_and(|n| n.folded() == team.name.folded())
        }) {
            let (stand_in, _) = self.pending_teams.remove(at);
            if let Some(item) = self.teams.items.iter_mut().find(|i| i.0 == stand_in) {
                item.0 = team.id;
                item.1 = team.name.as_str().to_string();
            }
        }
    }

    /// Saving: the teams typed here are created first, one by one, then the invite is sent
    /// (with only the pending teams that are still ticked).
    fn submit(&mut self, out: &mut Queue) {
        self.busy = true;
        self.pending_teams
            .retain(|(id, _)| self.teams.items.iter().any(|i| i.0 == *id && i.2));
        self.teams
            .items
            .retain(|i| i.2 || !self.pending_teams.iter().any(|(id, _)| *id == i.0));
        match self.pending_teams.first() {
            Some((_, name)) => out.push(Action::Request(Effect::CreateTeam(name.clone()))),
            None => out.push(Action::Request(Effect::Invite(self.request()))),
        }
    }

    /// The text field with focus, if the focus is on one.
    fn text_field(&mut self) -> Option<&mut Input> {
        match self.focus {
            InviteField::Email => Some(&mut self.email),
            InviteField::FullName => Some(&mut self.full_name),
            InviteField::DisplayName => Some(&mut self.display_name),
            InviteField::NewTeam => Some(&mut self.new_team),
            _ => None,
        }
    }

    /// After the focused text field changed: the display name follows the full name until
    /// edited, and the field's error is checked again.
    fn text_changed(&mut self) {
        match self.focus {
            InviteField::FullName if !self.display_edited => {
                self.display_name = Input::new(self.full_name.value().to_string());
                recheck(
                    &mut self.errors,
                    Field::DisplayName,
                    self.display_name.value(),
                );
            }
            InviteField::DisplayName => self.display_edited = true,
            _ => {}
        }
        let (field, value) = match self.focus {
            InviteField::Email => (Field::Email, self.email.value()),
            InviteField::FullName => (Field::FullName, self.full_name.value()),
            InviteField::DisplayName => (Field::DisplayName, self.display_name.value()),
            InviteField::NewTeam => (Field::TeamName, self.new_team.value()),
            _ => return,
        };
        recheck(&mut self.errors, field, value);
    }

    /// Enter in "New team": a name the workspace already has ticks that team; another creates it.
    fn new_team_entered(&mut self, name: String) -> FormOutcome {
        if name.is_empty() {
            return FormOutcome::Stay;
        }
        let existing = TeamName::parse(&name).ok().and_then(|wanted| {
            self.teams.items.iter().position(|(_, n, _)| {
                TeamName::parse(n).is_ok_and(|n| n.folded() == wanted.folded())
            })
        });
        match existing {
            Some(i) => {
                self.teams.items[i].2 = true;
                self.teams.cursor = i;
                self.new_team = Input::default();
                self.errors.remove(&Field::TeamName);
                self.error = Some(format!(
                    "{} already exists: ticked it under Teams",
                    self.teams.items[i].1
                ));
                FormOutcome::Stay
            }
            None => {
                self.add_pending_team(name);
                FormOutcome::Stay
            }
        }
    }

    /// Pasted text goes into the focused text field as one line: a pasted newline never
    /// moves on to the next field.
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
            InviteField::Roles | InviteField::Teams | InviteField::Send
        );
        let list_command = keymap.dialog(super::scope(on_list), key);
        if let Some(o) = common_keys(
            key,
            keymap,
            super::scope(on_list),
            &mut self.focus,
            &INVITE_ORDER,
            InviteField::Save,
        ) {
            return o;
        }
        let event = crossterm::event::Event::Key(*key);
        match self.focus {
            InviteField::Email | InviteField::FullName | InviteField::DisplayName => {
                let Some(input) = self.text_field() else {
                    return FormOutcome::Stay;
                };
                if input.handle_event(&event).is_some_and(|c| c.value) {
                    self.text_changed();
                }
            }
            InviteField::Roles => {
                self.roles.handle(list_command);
            }
            InviteField::Teams => {
                self.teams.handle(list_command);
            }
            InviteField::NewTeam => {
                if key.code == KeyCode::Enter {
                    let name = self.new_team.value().trim().to_string();
                    return self.new_team_entered(name);
                }
                if self.new_team.handle_event(&event).is_some_and(|c| c.value) {
                    self.text_changed();
                }
            }
            InviteField::Send => {
                if list_command == Some(K::FormListToggle) {
                    self.send = !self.send;
                }
            }
            InviteField::Save => {
                if matches!(key.code, KeyCode::Enter | KeyCode::Char(' ')) {
                    return FormOutcome::Submit;
                }
            }
        }
        if key.code == KeyCode::Enter && self.focus != InviteField::NewTeam {
            // Enter in a text field moves on, like Tab; on Save it submits (above).
            advance(&mut self.focus, &INVITE_ORDER, 1);
        }
        FormOutcome::Stay
    }
}

impl Component for InviteForm {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        if self.busy {
            return EventState::Consumed;
        }
        match self.handle(key, cx.keymap) {
            FormOutcome::Stay | FormOutcome::Reload => {}
            FormOutcome::Close => close(self.has_input(), out),
            FormOutcome::Submit => self.submit(out),
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
            (_, Ok(Reply::Invited(issued))) => {
                let link = cx.link(&issued.token);
                let email = issued.user.email.to_string();
                out.push(Action::Close);
                out.push(Action::Link(issued.user.id, link.clone()));
                let notice = format!("invited {}", safe(&email));
                out.push(Action::Open(Box::new(Links::one(email, link))));
                // After the link's dialog opened, so the footer says it beside the link.
                out.push(Action::Notice(notice));
                out.push(Action::Reload);
            }
            (Effect::Invite(_), Err(e)) => self.failed(&e),
            // One of the teams typed here, created on saving: the next, or the invite.
            (_, Ok(Reply::TeamCreated(team))) => {
                self.pending_team_created(&team);
                out.push(Action::Reload);
                self.submit(out);
            }
            (_, Err(e)) => {
                self.busy = false;
                self.show_error(&e);
            }
            (_, other) => return Some(other),
        }
        None
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Hint> {
        let specs: Vec<_> = super::BINDINGS
            .iter()
            .filter(|s| s.rows != [K::FormRefresh])
            .copied()
            .collect();
        crate::tui::components::shown(cx.keymap.dialog_hints(&specs), cx)
    }

    fn has_input(&self) -> bool {
        InviteForm::has_input(self)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        draw_invite(frame, area, self, cx, theme);
    }
}

impl InviteForm {
    fn failed(&mut self, e: &Error) {
        self.busy = false;
        self.show_error(e);
    }
}

pub fn draw_invite(frame: &mut Frame, area: Rect, f: &InviteForm, cx: &Ctx, theme: &Theme) {
    let mut b = builder(area, theme);
    let at = |field| f.focus == field;
    b.input("Email", &f.email, at(InviteField::Email), None);
    b.error(&f.errors, Field::Email);
    b.input("Full name", &f.full_name, at(InviteField::FullName), None);
    b.error(&f.errors, Field::FullName);
    let note = (!f.display_edited).then_some("(follows the full name until edited)");
    b.input(
        "Display name",
        &f.display_name,
        at(InviteField::DisplayName),
        note,
    );
    b.error(&f.errors, Field::DisplayName);
    b.checklist("Roles", &f.roles, at(InviteField::Roles), "");
    b.error(&f.errors, Field::Roles);
    b.checklist(
        "Teams",
        &f.teams,
        at(InviteField::Teams),
        "no teams yet: create one below",
    );
    b.error(&f.errors, Field::Teams);
    b.input(
        "New team",
        &f.new_team,
        at(InviteField::NewTeam),
        Some("Enter adds it, ticked; it is created when you save"),
    );
    b.error(&f.errors, Field::TeamName);
    let offline = !cx.connected;
    let send_note = if offline {
        "offline: no email can be sent here; you get the link to deliver"
    } else {
        "email the invite link"
    };
    b.checkbox("Send invite", f.send, at(InviteField::Send), send_note);
    b.footer(
        f.error.as_deref(),
        f.busy,
        at(InviteField::Save),
        &super::hint_text(cx),
    );
    b.render(frame, area, "Invite a user");
}
