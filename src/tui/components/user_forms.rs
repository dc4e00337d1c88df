//! The invite and edit forms as components: the fields and their keys live in `forms`, the
//! drawing in `ui::forms`; here, what a form asks of the console and the answers it takes.

use super::{Action, Binding, Component, ConfirmAction, Ctx, EventState, Queue, change, key};
use crate::domain::Error;
use crate::text::safe;
use crate::tui::effects::{Effect, Msg};
use crate::tui::forms::{EditForm, FormOutcome, InviteForm};
use crate::tui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

pub const BINDINGS: &[Binding] = &[
    key("Tab S-Tab", "move"),
    key("Space", "toggle"),
    key("↑↓ j k", "lists"),
    change("Ctrl-S", "save"),
    key(
        "Ctrl-R",
        "edit: load the current version, keeping your changes",
    ),
    key("Esc", "cancel"),
];

/// The hint line of the forms, from their bindings.
pub fn hint(cx: &Ctx) -> String {
    super::shown(BINDINGS, cx)
        .iter()
        .filter(|b| b.keys != "Ctrl-R")
        .map(|b| format!("{} {}", b.keys, b.what))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Esc on a form: close it, asking first if it holds input.
fn close(has_input: bool, out: &mut Queue) {
    if has_input {
        out.push(Action::Open(Box::new(
            super::super::state::Overlay::Confirm(super::Confirm::new(
                ConfirmAction::DiscardForm,
                "Discard what you typed?",
                vec!["The form will close and its input is lost.".into()],
            )),
        )));
    } else {
        out.push(Action::Close);
    }
}

impl Component for InviteForm {
    fn on_key(&mut self, key: &KeyEvent, _cx: &Ctx, out: &mut Queue) -> EventState {
        if self.busy {
            return EventState::Consumed;
        }
        match self.handle(key) {
            FormOutcome::Stay | FormOutcome::Reload => {}
            FormOutcome::Close => close(self.has_input(), out),
            FormOutcome::Submit => {
                self.busy = true;
                out.push(Action::Request(Effect::Invite(self.request())));
            }
            FormOutcome::CreateTeam(name) => {
                self.busy = true;
                out.push(Action::Request(Effect::CreateTeam(name)));
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

    fn on_reply(&mut self, msg: Msg, cx: &Ctx, out: &mut Queue) -> Option<Msg> {
        match msg {
            Msg::Invited(Ok(issued)) => {
                let link = cx.link(&issued.token);
                let email = issued.user.email.to_string();
                out.push(Action::Close);
                out.push(Action::Link(issued.user.id, link.clone()));
                let notice = format!("invited {}", safe(&email));
                out.push(Action::Open(Box::new(super::super::state::Overlay::Link(
                    super::links::Links::one(email, link),
                ))));
                // After the link's dialog opened, so the footer says it beside the link.
                out.push(Action::Notice(notice));
                out.push(Action::Reload);
            }
            Msg::Invited(Err(e)) => self.failed(&e),
            Msg::TeamCreated(result) => {
                self.busy = false;
                match result {
                    Ok(team) => {
                        self.add_team(&team);
                        out.push(Action::Reload);
                    }
                    Err(e) => self.show_error(&e),
                }
            }
            other => return Some(other),
        }
        None
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Binding> {
        super::shown(BINDINGS, cx)
            .into_iter()
            .filter(|b| b.keys != "Ctrl-R")
            .collect()
    }

    fn has_input(&self) -> bool {
        InviteForm::has_input(self)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        crate::tui::ui::forms::draw_invite(frame, area, self, cx, theme);
    }
}

impl InviteForm {
    fn failed(&mut self, e: &Error) {
        self.busy = false;
        self.show_error(e);
    }
}

impl Component for EditForm {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        if self.busy {
            return EventState::Consumed;
        }
        match self.handle(key) {
            FormOutcome::Stay | FormOutcome::CreateTeam(_) => {}
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

    fn on_reply(&mut self, msg: Msg, cx: &Ctx, out: &mut Queue) -> Option<Msg> {
        match msg {
            Msg::Updated(Ok(user)) => {
                out.push(Action::Close);
                out.push(Action::Notice(format!(
                    "saved {}",
                    safe(user.email.as_str())
                )));
                out.push(Action::Reload);
            }
            Msg::Updated(Err(e)) => {
                self.busy = false;
                self.show_error(&e);
            }
            Msg::FormRefreshed(result) => {
                self.busy = false;
                match result {
                    Ok(detail) => {
                        let teams = cx.data.map(|d| d.teams.as_slice()).unwrap_or_default();
                        self.rebase(&detail.user, teams);
                        self.error = Some(
                            "loaded the current version; your changes are kept on top: save again"
                                .into(),
                        );
                    }
                    Err(e) => self.show_error(&e),
                }
            }
            other => return Some(other),
        }
        None
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Binding> {
        super::shown(BINDINGS, cx)
    }

    fn has_input(&self) -> bool {
        self.has_changes()
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        crate::tui::ui::forms::draw_edit(frame, area, self, cx, theme);
    }
}
