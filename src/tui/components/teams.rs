//! The workspace's teams: create, rename, delete (through the one confirmation, which asks for
//! the name typed when the team has members).

use super::{Action, Component, ConfirmAction, Ctx, EventState, Queue};
use crate::domain::TeamId;
use crate::text::safe;
use crate::tui::effects::{Effect, Reply};
use crate::tui::keys::dialogs::{change, hint};
use crate::tui::keys::{Dialog, DialogKey as K, Hint, HintSpec, Keymap};
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, hint_line, paste_into, popup};
use crate::{Error, Result};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

#[derive(Debug, Clone, Default)]
pub struct TeamsView {
    pub cursor: usize,
    pub editing: Option<TeamEdit>,
    pub error: Option<String>,
    pub busy: bool,
}

/// What the teams screen is asking for, if anything.
#[derive(Debug, Clone)]
pub enum TeamEdit {
    New(Input),
    Rename(TeamId, Input),
}

pub const BINDINGS: &[HintSpec] = &[
    change(&[K::TeamNew], "n", "new"),
    change(&[K::TeamRename], "r", "rename"),
    change(&[K::TeamDelete], "D", "delete"),
    hint(&[K::Up, K::Down], "↑↓ j k", "move"),
    hint(&[K::TeamsClose], "Esc", "close"),
];
pub const EDIT_BINDINGS: &[HintSpec] = &[
    hint(&[K::TeamNameSave], "Enter", "save"),
    hint(&[K::TeamNameCancel], "Esc", "cancel"),
];

impl TeamsView {
    fn edit_key(&mut self, key: &KeyEvent, keymap: &Keymap, out: &mut Queue) {
        let Some(TeamEdit::New(input) | TeamEdit::Rename(_, input)) = &mut self.editing else {
            return;
        };
        match keymap.dialog(Dialog::TeamName, key) {
            Some(K::TeamNameCancel) => self.editing = None,
            Some(_) => {
                let name = input.value().to_string();
                let effect = match &self.editing {
                    Some(TeamEdit::Rename(id, _)) => Effect::RenameTeam { id: *id, name },
                    _ => Effect::CreateTeam(name),
                };
                self.busy = true;
                self.error = None;
                out.push(Action::Request(effect));
            }
            _ => {
                if input
                    .handle_event(&crossterm::event::Event::Key(*key))
                    .is_some_and(|c| c.value)
                {
                    self.error = None;
                }
            }
        }
    }

    /// The core's answer: done (close the edit, reload) or refused (keep the typing).
    fn answer(&mut self, result: Result<String, Error>, out: &mut Queue) {
        self.busy = false;
        match result {
            Ok(done) => {
                self.editing = None;
                self.error = None;
                out.push(Action::Notice(done));
                out.push(Action::Reload);
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }
}

impl Component for TeamsView {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        if self.busy {
            return EventState::Consumed;
        }
        if self.editing.is_some() {
            self.edit_key(key, cx.keymap, out);
            return EventState::Consumed;
        }
        let teams = cx.data.map(|d| d.teams.as_slice()).unwrap_or_default();
        let command = cx.keymap.dialog(Dialog::Teams, key);
        match command {
            Some(K::TeamsClose) => out.push(Action::Close),
            Some(K::Down) => {
                self.cursor = (self.cursor + 1).min(teams.len().saturating_sub(1));
            }
            Some(K::Up) => self.cursor = self.cursor.saturating_sub(1),
            Some(K::Top) => self.cursor = 0,
            Some(K::Bottom) => self.cursor = teams.len().saturating_sub(1),
            Some(K::TeamNew) if !cx.read_only => {
                self.error = None;
                self.editing = Some(TeamEdit::New(Input::default()));
            }
            Some(K::TeamRename | K::TeamDelete) if !cx.read_only => {
                let Some(team) = teams.get(self.cursor) else {
                    self.error = Some("no team yet: press n to create one".into());
                    return EventState::Consumed;
                };
                self.error = None;
                if command == Some(K::TeamRename) {
                    let name = team.name.as_str().to_string();
                    self.editing = Some(TeamEdit::Rename(team.id, Input::new(name)));
                } else {
                    out.push(Action::Ask(ConfirmAction::DeleteTeam {
                        id: team.id,
                        name: team.name.as_str().to_string(),
                    }));
                }
            }
            Some(K::TeamNew | K::TeamRename | K::TeamDelete) => out.push(Action::Error(
                "read-only: teams can be looked at here, not changed".into(),
            )),
            _ => return EventState::NotConsumed,
        }
        EventState::Consumed
    }

    fn on_paste(&mut self, text: &str) -> EventState {
        match &mut self.editing {
            Some(TeamEdit::New(input) | TeamEdit::Rename(_, input)) if !self.busy => {
                paste_into(input, text);
                EventState::Consumed
            }
            _ => EventState::NotConsumed,
        }
    }

    fn on_reply(
        &mut self,
        asked: &Effect,
        result: Result<Reply>,
        _cx: &Ctx,
        out: &mut Queue,
    ) -> Option<Result<Reply>> {
        let said = match (asked, result) {
            (_, Ok(Reply::TeamCreated(t))) => {
                Ok(format!("created the team {}", safe(t.name.as_str())))
            }
            (_, Ok(Reply::TeamRenamed(t))) => {
                Ok(format!("renamed the team to {}", safe(t.name.as_str())))
            }
            (Effect::DeleteTeam { name, .. }, Ok(Reply::TeamDeleted)) => Ok(format!(
                "deleted the team {} and removed it from its members",
                safe(name)
            )),
            (_, Ok(other)) => return Some(Ok(other)),
            (_, Err(e)) => Err(e),
        };
        self.answer(said, out);
        None
    }

    /// Its own deletion, once the admin said yes.
    fn on_confirmed(&mut self, action: ConfirmAction, out: &mut Queue) {
        if let ConfirmAction::DeleteTeam { id, name } = action {
            self.busy = true;
            out.push(Action::Request(Effect::DeleteTeam { id, name }));
        }
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Hint> {
        if self.editing.is_some() {
            cx.keymap.dialog_hints(EDIT_BINDINGS)
        } else {
            super::shown(cx.keymap.dialog_hints(BINDINGS), cx)
        }
    }

    fn has_input(&self) -> bool {
        self.editing.is_some()
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        let list: &[crate::domain::Team] = cx.data.map(|d| d.teams.as_slice()).unwrap_or_default();
        let mut lines = Vec::new();
        if list.is_empty() {
            lines.push(Line::styled("no teams yet", theme.dim()));
        }
        for (i, t) in list.iter().enumerate() {
            let here = i == self.cursor;
            let members = format!(
                "{} member{}",
                t.member_count,
                if t.member_count == 1 { "" } else { "s" }
            );
            lines.push(Line::from(vec![
                Span::raw(if here { "▶ " } else { "  " }),
                Span::styled(
                    format!("{:<40}", safe(t.name.as_str())),
                    if here { theme.focus() } else { theme.plain() },
                ),
                Span::styled(format!("  {members}"), theme.dim()),
            ]));
        }
        lines.push(Line::raw(""));
        let mut cursor = None;
        if let Some(TeamEdit::New(input) | TeamEdit::Rename(_, input)) = &self.editing {
            let label = if matches!(self.editing, Some(TeamEdit::New(_))) {
                "New team: "
            } else {
                "Rename to: "
            };
            cursor = Some((label.chars().count() + input.visual_cursor(), lines.len()));
            lines.push(Line::from(vec![
                Span::styled(label, theme.title()),
                Span::styled(safe(input.value()), theme.focus()),
            ]));
        }
        lines.push(hint_line(&self.bindings(cx), theme));
        if let Some(e) = &self.error {
            lines.push(Line::styled(format!("✗ {}", safe(e)), theme.error()));
        }
        if self.busy {
            lines.push(Line::styled("saving…", theme.accent()));
        }
        let rect = centered(area, 80, lines.len() as u16 + 2);
        let (inner, block) = popup(frame, rect, "Teams", theme);
        frame.render_widget(block, rect);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Some((x, y)) = cursor {
            let pos = (
                (inner.x + x as u16).min(inner.right().saturating_sub(1)),
                inner.y + y as u16,
            );
            frame.set_cursor_position(pos);
        }
    }
}
