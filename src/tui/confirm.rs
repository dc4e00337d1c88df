//! The one confirmation every change that needs a yes goes through: a question defaulting to
//! No, with the core's dry run under it for bulk changes, and for what cannot be undone
//! (deleting a user, a team with members) a name to type instead of a key to press.
//! It reads its own keys and says what it offers, so its hints are generated, not written.

use super::state::{Confirm, TypedConfirm};
use crossterm::event::{KeyCode, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

/// What a key did to the confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Still open (a move between buttons, a typed letter, a wrong name).
    Stay,
    Yes,
    No,
}

/// A key the dialog answers to, for its hint line and for help.
pub type Binding = (&'static str, &'static str);

const BUTTONS: &[Binding] = &[
    ("y", "yes"),
    ("n Esc", "no"),
    ("← →", "choose"),
    ("Enter", "the chosen one"),
];
const TYPED: &[Binding] = &[("Enter", "confirm the typed name"), ("Esc", "keep")];

impl Confirm {
    /// The buttons read `[ Yes ]   [ No ]`: ← (h, Shift-Tab) moves to Yes, → (l, Tab) to No,
    /// and each stops at its end, so no arrow ever turns the default No into Yes by wrapping.
    pub fn on_key(&mut self, key: &KeyEvent) -> Reply {
        if let Some(typed) = &mut self.typed {
            return typed.on_key(key);
        }
        match key.code {
            KeyCode::Left | KeyCode::Char('h') | KeyCode::BackTab => self.yes = true,
            KeyCode::Right | KeyCode::Char('l') | KeyCode::Tab => self.yes = false,
            KeyCode::Char('y') | KeyCode::Char('Y') => return Reply::Yes,
            KeyCode::Enter if self.yes => return Reply::Yes,
            KeyCode::Enter
            | KeyCode::Esc
            | KeyCode::Char('n')
            | KeyCode::Char('N')
            | KeyCode::Char('q') => return Reply::No,
            _ => {}
        }
        Reply::Stay
    }

    /// Pasted text goes into the name to type, never into a button.
    pub fn on_paste(&mut self, text: &str) {
        if let Some(typed) = &mut self.typed {
            super::forms::paste_into(&mut typed.input, text);
            typed.error = None;
        }
    }

    /// The keys this confirmation answers to, as its hint line shows them.
    pub fn bindings(&self) -> &'static [Binding] {
        if self.typed.is_some() { TYPED } else { BUTTONS }
    }
}

impl TypedConfirm {
    fn on_key(&mut self, key: &KeyEvent) -> Reply {
        match key.code {
            KeyCode::Esc => Reply::No,
            KeyCode::Enter if self.matches() => Reply::Yes,
            KeyCode::Enter => {
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
    use crate::tui::state::Pending;
    use crossterm::event::KeyModifiers;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn question() -> Confirm {
        Confirm::new(Pending::Quit, "Quit?", vec![])
    }

    #[test]
    fn right_arrow_from_the_default_no_stays_on_no() {
        let mut c = question();
        for k in [KeyCode::Right, KeyCode::Tab, KeyCode::Char('l')] {
            assert_eq!(c.on_key(&key(k)), Reply::Stay);
            assert!(!c.yes, "{k:?} turned No into Yes");
        }
        assert_eq!(c.on_key(&key(KeyCode::Enter)), Reply::No);
    }

    #[test]
    fn arrows_stop_at_the_ends_instead_of_toggling() {
        let mut c = question();
        c.on_key(&key(KeyCode::Left));
        assert!(c.yes);
        c.on_key(&key(KeyCode::Left));
        assert!(c.yes, "a second ← stays on Yes");
        c.on_key(&key(KeyCode::Right));
        c.on_key(&key(KeyCode::Right));
        assert!(!c.yes, "→ → ends on No");
        c.on_key(&key(KeyCode::Left));
        assert_eq!(c.on_key(&key(KeyCode::Enter)), Reply::Yes);
    }

    #[test]
    fn a_typed_confirmation_ignores_y_and_wants_the_name() {
        let mut c = question().typed("Enterprise", "the team's name");
        assert_eq!(c.on_key(&key(KeyCode::Char('y'))), Reply::Stay);
        assert_eq!(c.on_key(&key(KeyCode::Enter)), Reply::Stay);
        assert!(c.typed.as_ref().unwrap().error.is_some());
        c.on_key(&key(KeyCode::Backspace));
        c.on_paste("  enterprise ");
        assert!(c.typed.as_ref().unwrap().error.is_none());
        assert_eq!(c.on_key(&key(KeyCode::Enter)), Reply::Yes);
        assert_eq!(c.bindings(), TYPED);
    }
}
