//! Key bindings as data: the same table maps keys to commands and generates the help screen
//! and the footer hints, so what the screen says can never drift from what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for in the main view (tables). Forms and dialogs read keys themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    NextTab,
    PrevTab,
    TabActive,
    TabInactive,
    TabPending,
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    Filter,
    CycleSort,
    ReverseSort,
    Mark,
    MarkAll,
    Back,
    ClearMarks,
    Detail,
    Invite,
    Edit,
    Deactivate,
    Reactivate,
    ToggleBeta,
    ChangeRoles,
    ChangeTeam,
    Teams,
    Delete,
    Resend,
    CancelInvite,
    CopyLink,
    Undo,
    ActivityLog,
    Reload,
    Help,
    Quit,
}

/// Where a binding applies, for help and hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    Users,
    Active,
    Inactive,
    Pending,
}

pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the keys are written on screen.
    pub label: &'static str,
    pub command: Command,
    pub scope: Scope,
    pub help: &'static str,
    /// Shown in the footer hints of its scope.
    pub hint: Option<&'static str>,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

use KeyCode::*;

pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[(Tab, NONE)],
        label: "Tab",
        command: Command::NextTab,
        scope: Scope::Everywhere,
        help: "next tab",
        hint: None,
    },
    Binding {
        keys: &[(BackTab, SHIFT), (BackTab, NONE)],
        label: "Shift-Tab",
        command: Command::PrevTab,
        scope: Scope::Everywhere,
        help: "previous tab",
        hint: None,
    },
    Binding {
        keys: &[(Char('1'), NONE)],
        label: "1",
        command: Command::TabActive,
        scope: Scope::Everywhere,
        help: "Active tab",
        hint: None,
    },
    Binding {
        keys: &[(Char('2'), NONE)],
        label: "2",
        command: Command::TabInactive,
        scope: Scope::Everywhere,
        help: "Inactive tab",
        hint: None,
    },
    Binding {
        keys: &[(Char('3'), NONE)],
        label: "3",
        command: Command::TabPending,
        scope: Scope::Everywhere,
        help: "Pending Invites tab",
        hint: None,
    },
    Binding {
        keys: &[(Up, NONE), (Char('k'), NONE)],
        label: "↑ k",
        command: Command::Up,
        scope: Scope::Everywhere,
        help: "move up",
        hint: None,
    },
    Binding {
        keys: &[(Down, NONE), (Char('j'), NONE)],
        label: "↓ j",
        command: Command::Down,
        scope: Scope::Everywhere,
        help: "move down",
        hint: None,
    },
    Binding {
        keys: &[(PageUp, NONE), (Char('b'), CTRL), (Char('u'), CTRL)],
        label: "PgUp",
        command: Command::PageUp,
        scope: Scope::Everywhere,
        help: "page up",
        hint: None,
    },
    Binding {
        keys: &[(PageDown, NONE), (Char('f'), CTRL), (Char('d'), CTRL)],
        label: "PgDn",
        command: Command::PageDown,
        scope: Scope::Everywhere,
        help: "page down",
        hint: None,
    },
    Binding {
        keys: &[(Home, NONE), (Char('g'), NONE)],
        label: "g Home",
        command: Command::First,
        scope: Scope::Everywhere,
        help: "first row",
        hint: None,
    },
    Binding {
        keys: &[(End, NONE), (Char('G'), SHIFT), (Char('G'), NONE)],
        label: "G End",
        command: Command::Last,
        scope: Scope::Everywhere,
        help: "last row",
        hint: None,
    },
    Binding {
        keys: &[(Char('/'), NONE)],
        label: "/",
        command: Command::Filter,
        scope: Scope::Everywhere,
        help: "filter: words, role:, team:, -team:, beta:, status: (below; Enter keeps, Esc clears)",
        hint: Some("filter"),
    },
    Binding {
        keys: &[(Char('s'), NONE)],
        label: "s",
        command: Command::CycleSort,
        scope: Scope::Everywhere,
        help: "sort by the next column",
        hint: None,
    },
    Binding {
        keys: &[(Char('S'), SHIFT), (Char('S'), NONE)],
        label: "S",
        command: Command::ReverseSort,
        scope: Scope::Everywhere,
        help: "reverse the sort order",
        hint: None,
    },
    Binding {
        keys: &[(Char(' '), NONE)],
        label: "Space",
        command: Command::Mark,
        scope: Scope::Everywhere,
        help: "mark or unmark the row and move down",
        hint: Some("mark"),
    },
    Binding {
        keys: &[(Char('a'), NONE)],
        label: "a",
        command: Command::MarkAll,
        scope: Scope::Everywhere,
        help: "mark every row the filter shows",
        hint: None,
    },
    Binding {
        keys: &[(Esc, NONE)],
        label: "Esc",
        command: Command::Back,
        scope: Scope::Everywhere,
        help: "back one level: clear the filter (marks stay)",
        hint: None,
    },
    Binding {
        keys: &[(Char('c'), NONE)],
        label: "c",
        command: Command::ClearMarks,
        scope: Scope::Everywhere,
        help: "clear every mark, hidden ones too (u puts them back)",
        hint: None,
    },
    Binding {
        keys: &[(Enter, NONE)],
        label: "Enter",
        command: Command::Detail,
        scope: Scope::Everywhere,
        help: "details and access check of the current user",
        hint: Some("details"),
    },
    Binding {
        keys: &[(Char('i'), NONE)],
        label: "i",
        command: Command::Invite,
        scope: Scope::Everywhere,
        help: "invite a user",
        hint: Some("invite"),
    },
    Binding {
        keys: &[(Char('e'), NONE)],
        label: "e",
        command: Command::Edit,
        scope: Scope::Users,
        help: "edit the current user",
        hint: Some("edit"),
    },
    Binding {
        keys: &[(Char('d'), NONE)],
        label: "d",
        command: Command::Deactivate,
        scope: Scope::Active,
        help: "deactivate the marked users (or the current one)",
        hint: Some("deactivate"),
    },
    Binding {
        keys: &[(Char('r'), NONE)],
        label: "r",
        command: Command::Reactivate,
        scope: Scope::Inactive,
        help: "reactivate the marked users (or the current one)",
        hint: Some("reactivate"),
    },
    Binding {
        keys: &[(Char('b'), NONE)],
        label: "b",
        command: Command::ToggleBeta,
        scope: Scope::Users,
        help: "toggle beta access for the marked users (or the current one)",
        hint: None,
    },
    Binding {
        keys: &[(Char('T'), SHIFT), (Char('T'), NONE)],
        label: "T",
        command: Command::Teams,
        scope: Scope::Everywhere,
        help: "teams: create, rename, delete",
        hint: None,
    },
    Binding {
        keys: &[(Char('o'), NONE)],
        label: "o",
        command: Command::ChangeRoles,
        scope: Scope::Everywhere,
        help: "set the roles of the marked users (or the current one)",
        hint: None,
    },
    Binding {
        keys: &[(Char('t'), NONE)],
        label: "t",
        command: Command::ChangeTeam,
        scope: Scope::Everywhere,
        help: "add the marked users (or the current one) to a team, or remove them",
        hint: None,
    },
    Binding {
        keys: &[(Char('D'), SHIFT), (Char('D'), NONE)],
        label: "D",
        command: Command::Delete,
        scope: Scope::Everywhere,
        help: "delete the current user for good (asks you to type the email)",
        hint: None,
    },
    Binding {
        keys: &[(Char('R'), SHIFT), (Char('R'), NONE)],
        label: "R",
        command: Command::Resend,
        scope: Scope::Pending,
        help: "resend the marked invites (or the current one)",
        hint: Some("resend"),
    },
    Binding {
        keys: &[(Char('x'), NONE)],
        label: "x",
        command: Command::CancelInvite,
        scope: Scope::Pending,
        help: "cancel the marked invites (or the current one)",
        hint: Some("cancel"),
    },
    Binding {
        keys: &[(Char('y'), NONE)],
        label: "y",
        command: Command::CopyLink,
        scope: Scope::Pending,
        help: "copy the current invite's link (OSC 52), when known",
        hint: None,
    },
    Binding {
        keys: &[(Char('u'), NONE)],
        label: "u",
        command: Command::Undo,
        scope: Scope::Everywhere,
        help: "undo the last bulk deactivation or reactivation, or put back cleared marks",
        hint: None,
    },
    Binding {
        keys: &[(Char('L'), SHIFT), (Char('L'), NONE)],
        label: "L",
        command: Command::ActivityLog,
        scope: Scope::Everywhere,
        help: "activity log (newest first)",
        hint: None,
    },
    Binding {
        keys: &[(Char('r'), CTRL)],
        label: "Ctrl-R",
        command: Command::Reload,
        scope: Scope::Everywhere,
        help: "reload",
        hint: None,
    },
    Binding {
        keys: &[(Char('?'), NONE), (Char('?'), SHIFT)],
        label: "?",
        command: Command::Help,
        scope: Scope::Everywhere,
        help: "help: every key",
        hint: Some("help"),
    },
    Binding {
        keys: &[(Char('q'), NONE), (Char('c'), CTRL)],
        label: "q",
        command: Command::Quit,
        scope: Scope::Everywhere,
        help: "quit (Ctrl-C too)",
        hint: Some("quit"),
    },
];

impl Scope {
    pub fn applies_to(self, tab: super::state::Tab) -> bool {
        use super::state::Tab;
        match self {
            Scope::Everywhere => true,
            Scope::Users => tab != Tab::Pending,
            Scope::Active => tab == Tab::Active,
            Scope::Inactive => tab == Tab::Inactive,
            Scope::Pending => tab == Tab::Pending,
        }
    }
}

/// The command a key asks for on the given tab, if any.
pub fn lookup(key: &KeyEvent, tab: super::state::Tab) -> Option<Command> {
    // Shifted letters arrive as upper-case chars with or without SHIFT, depending on the terminal.
    let mods = key.modifiers & (KeyModifiers::SHIFT | KeyModifiers::CONTROL | KeyModifiers::ALT);
    BINDINGS
        .iter()
        .filter(|b| b.scope.applies_to(tab))
        .find(|b| {
            b.keys
                .iter()
                .any(|&(code, m)| code == key.code && m == mods)
        })
        .map(|b| b.command)
}

/// The footer hints of a tab, from the table.
pub fn hints(tab: super::state::Tab) -> Vec<(&'static str, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| b.scope.applies_to(tab))
        .filter_map(|b| b.hint.map(|h| (b.label, h)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::state::Tab;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn arrows_and_vim_keys_both_move() {
        for k in [key(Down, NONE), key(Char('j'), NONE)] {
            assert_eq!(lookup(&k, Tab::Active), Some(Command::Down));
        }
        assert_eq!(
            lookup(&key(Char('G'), SHIFT), Tab::Active),
            Some(Command::Last)
        );
        assert_eq!(
            lookup(&key(Char('G'), NONE), Tab::Active),
            Some(Command::Last)
        );
    }

    #[test]
    fn tab_specific_keys_only_act_on_their_tab() {
        assert_eq!(
            lookup(&key(Char('d'), NONE), Tab::Active),
            Some(Command::Deactivate)
        );
        assert_eq!(lookup(&key(Char('d'), NONE), Tab::Inactive), None);
        assert_eq!(
            lookup(&key(Char('r'), NONE), Tab::Inactive),
            Some(Command::Reactivate)
        );
        assert_eq!(
            lookup(&key(Char('r'), CTRL), Tab::Inactive),
            Some(Command::Reload)
        );
        assert_eq!(
            lookup(&key(Char('x'), NONE), Tab::Pending),
            Some(Command::CancelInvite)
        );
        assert_eq!(lookup(&key(Char('e'), NONE), Tab::Pending), None);
    }

    #[test]
    fn no_key_is_bound_twice_in_one_scope() {
        for tab in [Tab::Active, Tab::Inactive, Tab::Pending] {
            let mut seen = std::collections::HashSet::new();
            for b in BINDINGS.iter().filter(|b| b.scope.applies_to(tab)) {
                for k in b.keys {
                    assert!(seen.insert(*k), "{k:?} bound twice on {tab:?}");
                }
            }
        }
    }
}
