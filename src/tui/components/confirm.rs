//! The one confirmation every change that needs a yes goes through (gitui's `ConfirmAction`):
//! a question defaulting to No, with the core's dry run under it where the core has one, and
//! for what cannot be undone (deleting a user, a team with members) a name to type instead of a
//! key to press.

use super::{Action, Component, Ctx, EventState, Queue};
use crate::Result;
use crate::domain::{TeamId, UserId};
use crate::service::{BulkChange, Outcome};
use crate::text::safe;
use crate::tui::effects::{self, Effect};
use crate::tui::keys::{Dialog, DialogKey as K, Hint, HintSpec, Keymap, dialogs::hint};
use crate::tui::model::UndoStep;
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, hint_line, paste_into, popup};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use std::collections::BTreeMap;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// A change waiting for the admin's yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmAction {
    Bulk {
        change: BulkChange,
        ids: Vec<UserId>,
        /// The version of each user as the dry run found them, filled in on Yes: what runs
        /// is what was previewed, and a user changed in between is left as they are.
        seen: BTreeMap<UserId, u64>,
    },
    Resend {
        ids: Vec<UserId>,
    },
    Cancel {
        ids: Vec<UserId>,
    },
    /// Make this user the Owner, removing Owner from the acting one.
    TransferOwnership {
        to: UserId,
    },
    /// Put back one of the admin's own changes.
    Undo(UndoStep),
    /// Delete a user for good (their history too).
    DeleteUser {
        id: UserId,
        email: String,
    },
    /// Delete a team; its members lose it.
    DeleteTeam {
        id: TeamId,
        name: String,
    },
    /// Save an edit form that takes roles away.
    Update {
        id: UserId,
        version: u64,
        patch: crate::service::UserPatch,
    },
    /// Close the top form and drop what was typed.
    DiscardForm,
    Quit,
}

impl ConfirmAction {
    /// Whether it changes the workspace (read-only mode refuses it).
    pub fn changes(&self) -> bool {
        !matches!(self, ConfirmAction::DiscardForm | ConfirmAction::Quit)
    }
}

#[derive(Debug, Clone)]
pub struct Confirm {
    pub action: ConfirmAction,
    pub title: String,
    pub lines: Vec<String>,
    /// A dry run was asked for: "checking…" until it answers.
    pub checking: bool,
    /// The refusals a dry run predicts, once it has answered.
    pub preview: Option<Vec<Outcome>>,
    pub preview_error: Option<String>,
    pub yes: bool,
    /// For what cannot be undone: the text to type before Enter does anything.
    pub typed: Option<TypedConfirm>,
    /// Everyone it affects, when there are more than its lines name (`a` lists them).
    pub everyone: Vec<String>,
}

/// A confirmation answered by typing a name (an email, a team's name), not by a key that a
/// slip can press.
#[derive(Debug, Clone)]
pub struct TypedConfirm {
    pub expected: String,
    /// What to type, in words: "the user's email".
    pub what: &'static str,
    pub input: Input,
    pub error: Option<String>,
}

/// What a key did to the confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Still open (a move between buttons, a typed letter, a wrong name).
    Stay,
    Yes,
    No,
}

pub const BUTTONS: &[HintSpec] = &[
    hint(&[K::Yes], "y", "yes"),
    hint(&[K::No], "n Esc", "no"),
    hint(&[K::ToYes, K::ToNo], "← →", "choose"),
    hint(&[K::Chosen], "Enter", "the chosen one"),
    hint(&[K::ConfirmEveryone], "a", "everyone"),
];
pub const TYPED: &[HintSpec] = &[
    hint(&[K::TypedConfirm], "Enter", "confirm the typed name"),
    hint(&[K::TypedKeep], "Esc", "keep"),
];

impl Confirm {
    /// A question defaulting to No, before any preview has answered.
    pub fn new(action: ConfirmAction, title: impl Into<String>, lines: Vec<String>) -> Self {
        Confirm {
            action,
            title: title.into(),
            lines,
            checking: false,
            preview: None,
            preview_error: None,
            yes: false,
            typed: None,
            everyone: Vec::new(),
        }
    }

    /// Asks for `expected` to be typed (ignoring case and surrounding spaces) before it goes on.
    pub fn typed(mut self, expected: impl Into<String>, what: &'static str) -> Self {
        self.typed = Some(TypedConfirm {
            expected: expected.into(),
            what,
            input: Input::default(),
            error: None,
        });
        self
    }

    /// The buttons read `[ Yes ]   [ No ]`: ← (h, Shift-Tab) moves to Yes, → (l, Tab) to No,
    /// and each stops at its end, so no arrow ever turns the default No into Yes by wrapping.
    pub fn answer(&mut self, key: &KeyEvent, keymap: &Keymap) -> Reply {
        if let Some(typed) = &mut self.typed {
            return typed.on_key(key, keymap);
        }
        match keymap.dialog(Dialog::Confirm, key) {
            Some(K::ToYes) => self.yes = true,
            Some(K::ToNo) => self.yes = false,
            // Until the rules have answered, a yes would be to something nobody has seen.
            Some(K::Yes) if self.waiting() => {}
            Some(K::Chosen) if self.yes && self.waiting() => {}
            Some(K::Yes) => return Reply::Yes,
            Some(K::Chosen) if self.yes => return Reply::Yes,
            Some(K::Chosen | K::No) => return Reply::No,
            _ => {}
        }
        Reply::Stay
    }

    /// The action as the admin saw it: a bulk change pinned to the versions its dry run found.
    fn pinned(&self) -> ConfirmAction {
        let mut action = self.action.clone();
        if let (ConfirmAction::Bulk { seen, .. }, Some(preview)) = (&mut action, &self.preview) {
            seen.extend(preview.iter().filter_map(|o| Some((o.id, o.version?))));
        }
        action
    }

    /// A dry run was asked for and has not answered: only cancelling is possible yet.
    pub fn waiting(&self) -> bool {
        self.checking && self.preview.is_none() && self.preview_error.is_none()
    }

    /// The keys this confirmation answers to, as its hint line shows them.
    pub fn keys(&self) -> &'static [HintSpec] {
        if self.typed.is_some() { TYPED } else { BUTTONS }
    }
}

impl Component for Confirm {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        if self.typed.is_none()
            && !self.everyone.is_empty()
            && cx.keymap.is(K::ConfirmEveryone, key)
        {
            out.push(Action::Open(Box::new(super::People::new(
                "Everyone it affects",
                self.everyone.clone(),
            ))));
            return EventState::Consumed;
        }
        match self.answer(key, cx.keymap) {
            Reply::Stay => {}
            Reply::Yes => {
                out.push(Action::Close);
                out.push(Action::Confirmed(self.pinned()));
            }
            Reply::No => out.push(Action::Close),
        }
        EventState::Consumed
    }

    /// Pasted text goes into the name to type, never into a button.
    fn on_paste(&mut self, text: &str) -> EventState {
        match &mut self.typed {
            Some(typed) => {
                paste_into(&mut typed.input, text);
                typed.error = None;
                EventState::Consumed
            }
            None => EventState::NotConsumed,
        }
    }

    /// Its dry run (the only request a confirmation makes).
    fn on_reply(
        &mut self,
        _asked: &Effect,
        result: Result<effects::Reply>,
        _cx: &Ctx,
        _out: &mut Queue,
    ) -> Option<Result<effects::Reply>> {
        match result {
            Ok(effects::Reply::Preview(outcomes)) => self.preview = Some(outcomes),
            Ok(other) => return Some(Ok(other)),
            Err(e) => self.preview_error = Some(e.to_string()),
        }
        None
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Hint> {
        let specs: Vec<HintSpec> = self
            .keys()
            .iter()
            .filter(|s| !self.everyone.is_empty() || s.rows != [K::ConfirmEveryone])
            .copied()
            .collect();
        cx.keymap.dialog_hints(&specs)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        let mut lines: Vec<Line> = vec![
            Line::styled(safe(&self.title), theme.title()),
            Line::raw(""),
        ];
        lines.extend(self.lines.iter().map(|l| Line::raw(safe(l))));
        self.preview_lines(&mut lines, cx, theme);
        lines.push(Line::raw(""));
        let mut cursor_row = None;
        match &self.typed {
            Some(t) => {
                lines.push(Line::from(vec![
                    Span::raw(format!("Type {} to confirm: ", t.what)),
                    Span::styled(safe(&t.expected), theme.title()),
                ]));
                cursor_row = Some((lines.len(), t.input.visual_cursor()));
                lines.push(Line::from(vec![
                    Span::styled("> ", theme.key()),
                    Span::raw(safe(t.input.value())),
                ]));
                if let Some(e) = &t.error {
                    lines.push(Line::styled(format!("✗ {}", safe(e)), theme.error()));
                }
            }
            None => lines.push(buttons(self.yes, theme)),
        }
        lines.push(hint_line(&self.bindings(cx), theme));
        let width = area.width.saturating_sub(4).min(76);
        // Wrapped lines count: long names must not push the buttons out of the box.
        let inner_width = usize::from(width.saturating_sub(2)).max(1);
        let h: usize = lines
            .iter()
            .map(|l| l.width().max(1).div_ceil(inner_width))
            .sum();
        let rect = centered(area, width, h as u16 + 2);
        let (inner, block) = popup(frame, rect, "Confirm", theme);
        frame.render_widget(block, rect);
        frame.render_widget(
            Paragraph::new(lines.clone()).wrap(Wrap { trim: false }),
            inner,
        );
        if let Some((row, col)) = cursor_row {
            // The row on screen: every line above it may have wrapped.
            let y: usize = lines[..row]
                .iter()
                .map(|l| l.width().max(1).div_ceil(inner_width))
                .sum();
            let x = inner.x + 2 + col as u16;
            frame.set_cursor_position((
                x.min(inner.right().saturating_sub(1)),
                (inner.y + y as u16).min(inner.bottom().saturating_sub(1)),
            ));
        }
    }
}

impl Confirm {
    /// What the core's dry run said: who is refused and why, who is already so.
    fn preview_lines(&self, lines: &mut Vec<Line<'static>>, cx: &Ctx, theme: &Theme) {
        match (&self.preview, &self.preview_error) {
            (Some(outcomes), _) => {
                let refused: Vec<_> = outcomes
                    .iter()
                    .filter_map(|o| o.refusal().map(|e| (o.id, e)))
                    .collect();
                let already = outcomes
                    .iter()
                    .filter(|o| o.is_done() && !o.is_changed())
                    .count();
                let n = outcomes.len();
                if already > 0 {
                    lines.push(Line::styled(
                        if n == 1 {
                            "Already so: nothing to change.".to_string()
                        } else {
                            format!("{already} of {n} already so: nothing to change for them.")
                        },
                        theme.dim(),
                    ));
                }
                if refused.is_empty() && already == 0 {
                    lines.push(Line::styled(
                        match n {
                            1 => "The rules allow it.".to_string(),
                            2 => "The rules allow both.".to_string(),
                            _ => format!("The rules allow all {n}."),
                        },
                        theme.ok(),
                    ));
                } else if !refused.is_empty() {
                    lines.push(Line::styled(
                        if n == 1 {
                            "It will be refused:".to_string()
                        } else {
                            format!("{} of {n} will be refused:", refused.len())
                        },
                        theme.warn(),
                    ));
                    for (id, e) in refused.iter().take(5) {
                        let who = cx.person(*id).map(|p| format!("{p}: ")).unwrap_or_default();
                        lines.push(Line::styled(
                            format!("  ✗ {who}{}", safe(&e.to_string())),
                            theme.error(),
                        ));
                    }
                    if refused.len() > 5 {
                        lines.push(Line::raw(format!("  … and {} more", refused.len() - 5)));
                    }
                }
            }
            (None, Some(e)) => lines.push(Line::styled(
                format!("could not check: {}", safe(e)),
                theme.error(),
            )),
            (None, None) if self.checking => {
                lines.push(Line::styled(
                    "checking what the rules allow… (Yes waits for it; Esc cancels)",
                    theme.dim(),
                ));
            }
            _ => {}
        }
    }
}

fn buttons(yes: bool, theme: &Theme) -> Line<'static> {
    // Brackets and a pointer as well as colour: the choice shows under NO_COLOR too.
    let button = |on: bool, label: &str| {
        let text = if on {
            format!("▶[ {label} ]")
        } else {
            format!(" [ {label} ]")
        };
        Span::styled(text, if on { theme.focus() } else { theme.plain() })
    };
    Line::from(vec![
        button(yes, "Yes"),
        Span::raw("   "),
        button(!yes, "No"),
    ])
}

impl TypedConfirm {
    fn on_key(&mut self, key: &KeyEvent, keymap: &Keymap) -> Reply {
        match keymap.dialog(Dialog::Typed, key) {
            Some(K::TypedKeep) => Reply::No,
            Some(K::TypedConfirm) if self.matches() => Reply::Yes,
            Some(_) => {
                self.error = Some(format!(
                    "type {} exactly to confirm, or Esc to keep it",
                    self.what
                ));
                Reply::Stay
            }
            _ => {
                if self
                    .input
                    .handle_event(&crossterm::event::Event::Key(*key))
                    .is_some_and(|c| c.value)
                {
                    self.error = None;
                }
                Reply::Stay
            }
        }
    }

    /// Emails and team names are matched ignoring case and surrounding spaces, as everywhere.
    pub fn matches(&self) -> bool {
        self.input
            .value()
            .trim()
            .to_lowercase()
            .eq(&self.expected.trim().to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyCode;
    use crossterm::event::KeyModifiers;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn question() -> Confirm {
        Confirm::new(ConfirmAction::Quit, "Quit?", vec![])
    }

    #[test]
    fn right_arrow_from_the_default_no_stays_on_no() {
        let mut c = question();
        for k in [KeyCode::Right, KeyCode::Tab, KeyCode::Char('l')] {
            assert_eq!(c.answer(&key(k), &Keymap::default()), Reply::Stay);
            assert!(!c.yes, "{k:?} turned No into Yes");
        }
        assert_eq!(
            c.answer(&key(KeyCode::Enter), &Keymap::default()),
            Reply::No
        );
    }

    /// One rule for every key that moves (issue 20, point 12): the keys on ←'s side all move
    /// to Yes and stop there, the keys on →'s side all move to No; none toggles.
    #[test]
    fn every_moving_key_follows_the_arrows_rule() {
        let back_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        for to_yes in [key(KeyCode::Left), key(KeyCode::Char('h')), back_tab] {
            for to_no in [
                key(KeyCode::Right),
                key(KeyCode::Char('l')),
                key(KeyCode::Tab),
            ] {
                let mut c = question();
                c.answer(&to_yes, &Keymap::default());
                c.answer(&to_yes, &Keymap::default());
                assert!(c.yes, "{to_yes:?} twice ends on Yes");
                c.answer(&to_no, &Keymap::default());
                c.answer(&to_no, &Keymap::default());
                assert!(!c.yes, "{to_no:?} twice ends on No");
            }
        }
    }

    #[test]
    fn arrows_stop_at_the_ends_instead_of_toggling() {
        let mut c = question();
        c.answer(&key(KeyCode::Left), &Keymap::default());
        assert!(c.yes);
        c.answer(&key(KeyCode::Left), &Keymap::default());
        assert!(c.yes, "a second ← stays on Yes");
        c.answer(&key(KeyCode::Right), &Keymap::default());
        c.answer(&key(KeyCode::Right), &Keymap::default());
        assert!(!c.yes, "→ → ends on No");
        c.answer(&key(KeyCode::Left), &Keymap::default());
        assert_eq!(
            c.answer(&key(KeyCode::Enter), &Keymap::default()),
            Reply::Yes
        );
    }

    #[test]
    fn a_typed_confirmation_ignores_y_and_wants_the_name() {
        let mut c = question().typed("Enterprise", "the team's name");
        assert_eq!(
            c.answer(&key(KeyCode::Char('y')), &Keymap::default()),
            Reply::Stay
        );
        assert_eq!(
            c.answer(&key(KeyCode::Enter), &Keymap::default()),
            Reply::Stay
        );
        assert!(c.typed.as_ref().unwrap().error.is_some());
        c.answer(&key(KeyCode::Backspace), &Keymap::default());
        c.on_paste("  enterprise ");
        assert!(c.typed.as_ref().unwrap().error.is_none());
        assert_eq!(
            c.answer(&key(KeyCode::Enter), &Keymap::default()),
            Reply::Yes
        );
        assert_eq!(c.keys()[0].what, TYPED[0].what);
    }

    #[test]
    fn yes_closes_and_queues_the_action_no_only_closes() {
        let keymap = crate::tui::keys::Keymap::default();
        let cx = Ctx {
            data: None,
            now: time::OffsetDateTime::UNIX_EPOCH,
            public_url: "",
            connected: false,
            read_only: false,
            keymap: &keymap,
        };
        let mut out = Vec::new();
        let mut c = question();
        assert!(
            c.on_key(&key(KeyCode::Char('x')), &cx, &mut out)
                .is_consumed()
        );
        assert!(out.is_empty());
        c.on_key(&key(KeyCode::Char('y')), &cx, &mut out);
        assert!(matches!(
            out.as_slice(),
            [Action::Close, Action::Confirmed(ConfirmAction::Quit)]
        ));
        out.clear();
        c.on_key(&key(KeyCode::Esc), &cx, &mut out);
        assert!(matches!(out.as_slice(), [Action::Close]));
    }
}
