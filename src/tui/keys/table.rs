//! The table's commands, one row each: keys, how they are written, name in keys.toml, where it
//! applies, help and hint, and whether it writes.

use super::key::{CTRL, NONE, SHIFT};
use crossterm::event::{KeyCode, KeyModifiers};

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

impl Command {
    /// Every table command (tests check that each has exactly one row).
    pub const ALL: [Command; 36] = [
        Command::NextTab,
        Command::PrevTab,
        Command::TabActive,
        Command::TabInactive,
        Command::TabPending,
        Command::Up,
        Command::Down,
        Command::PageUp,
        Command::PageDown,
        Command::First,
        Command::Last,
        Command::Filter,
        Command::CycleSort,
        Command::ReverseSort,
        Command::Mark,
        Command::MarkAll,
        Command::Back,
        Command::ClearMarks,
        Command::Detail,
        Command::Invite,
        Command::Edit,
        Command::Deactivate,
        Command::Reactivate,
        Command::ToggleBeta,
        Command::ChangeRoles,
        Command::ChangeTeam,
        Command::Teams,
        Command::Delete,
        Command::Resend,
        Command::CancelInvite,
        Command::CopyLink,
        Command::Undo,
        Command::ActivityLog,
        Command::Reload,
        Command::Help,
        Command::Quit,
    ];
}

/// Fails to compile when a command is added without adding it to `ALL` above.
#[allow(dead_code)]
fn all_are_listed(command: Command) {
    match command {
        Command::NextTab
        | Command::PrevTab
        | Command::TabActive
        | Command::TabInactive
        | Command::TabPending
        | Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::First
        | Command::Last
        | Command::Filter
        | Command::CycleSort
        | Command::ReverseSort
        | Command::Mark
        | Command::MarkAll
        | Command::Back
        | Command::ClearMarks
        | Command::Detail
        | Command::Invite
        | Command::Edit
        | Command::Deactivate
        | Command::Reactivate
        | Command::ToggleBeta
        | Command::ChangeRoles
        | Command::ChangeTeam
        | Command::Teams
        | Command::Delete
        | Command::Resend
        | Command::CancelInvite
        | Command::CopyLink
        | Command::Undo
        | Command::ActivityLog
        | Command::Reload
        | Command::Help
        | Command::Quit => {}
    }
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

/// One row per command of the tables: everything about it is here, once.
pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the keys are written on screen.
    pub label: &'static str,
    pub command: Command,
    /// Its name in `keys.toml`.
    pub name: &'static str,
    /// It changes the workspace: hidden and refused in read-only mode.
    pub changes: bool,
    pub scope: Scope,
    pub help: &'static str,
    /// Shown in the footer hints of its scope.
    pub hint: Option<&'static str>,
}

use KeyCode::*;

pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[(Tab, NONE)],
        label: "Tab",
        command: Command::NextTab,
        name: "next-tab",
        changes: false,
        scope: Scope::Everywhere,
        help: "next tab",
        hint: None,
    },
    Binding {
        keys: &[(BackTab, SHIFT), (BackTab, NONE)],
        label: "Shift-Tab",
        command: Command::PrevTab,
        name: "previous-tab",
        changes: false,
        scope: Scope::Everywhere,
        help: "previous tab",
        hint: None,
    },
    Binding {
        keys: &[(Char('1'), NONE)],
        label: "1",
        command: Command::TabActive,
        name: "tab-active",
        changes: false,
        scope: Scope::Everywhere,
        help: "Active tab",
        hint: None,
    },
    Binding {
        keys: &[(Char('2'), NONE)],
        label: "2",
        command: Command::TabInactive,
        name: "tab-inactive",
        changes: false,
        scope: Scope::Everywhere,
        help: "Inactive tab",
        hint: None,
    },
    Binding {
        keys: &[(Char('3'), NONE)],
        label: "3",
        command: Command::TabPending,
        name: "tab-pending",
        changes: false,
        scope: Scope::Everywhere,
        help: "Pending Invites tab",
        hint: None,
    },
    Binding {
        keys: &[(Up, NONE), (Char('k'), NONE)],
        label: "↑ k",
        command: Command::Up,
        name: "up",
        changes: false,
        scope: Scope::Everywhere,
        help: "move up",
        hint: None,
    },
    Binding {
        keys: &[(Down, NONE), (Char('j'), NONE)],
        label: "↓ j",
        command: Command::Down,
        name: "down",
        changes: false,
        scope: Scope::Everywhere,
        help: "move down",
        hint: None,
    },
    Binding {
        keys: &[(PageUp, NONE), (Char('b'), CTRL), (Char('u'), CTRL)],
        label: "PgUp",
        command: Command::PageUp,
        name: "page-up",
        changes: false,
        scope: Scope::Everywhere,
        help: "page up",
        hint: None,
    },
    Binding {
        keys: &[(PageDown, NONE), (Char('f'), CTRL), (Char('d'), CTRL)],
        label: "PgDn",
        command: Command::PageDown,
        name: "page-down",
        changes: false,
        scope: Scope::Everywhere,
        help: "page down",
        hint: None,
    },
    Binding {
        keys: &[(Home, NONE), (Char('g'), NONE)],
        label: "g Home",
        command: Command::First,
        name: "first",
        changes: false,
        scope: Scope::Everywhere,
        help: "first row",
        hint: None,
    },
    Binding {
        keys: &[(End, NONE), (Char('G'), SHIFT), (Char('G'), NONE)],
        label: "G End",
        command: Command::Last,
        name: "last",
        changes: false,
        scope: Scope::Everywhere,
        help: "last row",
        hint: None,
    },
    Binding {
        keys: &[(Char('/'), NONE)],
        label: "/",
        command: Command::Filter,
        name: "filter",
        changes: false,
        scope: Scope::Everywhere,
        help: "filter: words, role:, team:, -team:, beta:, status: (below; Enter keeps, Esc clears)",
        hint: Some("filter"),
    },
    Binding {
        keys: &[(Char('s'), NONE)],
        label: "s",
        command: Command::CycleSort,
        name: "sort",
        changes: false,
        scope: Scope::Everywhere,
        help: "sort by the next column",
        hint: None,
    },
    Binding {
        keys: &[(Char('S'), SHIFT), (Char('S'), NONE)],
        label: "S",
        command: Command::ReverseSort,
        name: "reverse-sort",
        changes: false,
        scope: Scope::Everywhere,
        help: "reverse the sort order",
        hint: None,
    },
    Binding {
        keys: &[(Char(' '), NONE)],
        label: "Space",
        command: Command::Mark,
        name: "mark",
        changes: false,
        scope: Scope::Everywhere,
        help: "mark or unmark the row and move down",
        hint: Some("mark"),
    },
    Binding {
        keys: &[(Char('a'), NONE)],
        label: "a",
        command: Command::MarkAll,
        name: "mark-all",
        changes: false,
        scope: Scope::Everywhere,
        help: "mark every row the filter shows",
        hint: None,
    },
    Binding {
        keys: &[(Esc, NONE)],
        label: "Esc",
        command: Command::Back,
        name: "back",
        changes: false,
        scope: Scope::Everywhere,
        help: "back one level: clear the filter (marks stay)",
        hint: None,
    },
    Binding {
        keys: &[(Char('c'), NONE)],
        label: "c",
        command: Command::ClearMarks,
        name: "clear-marks",
        changes: false,
        scope: Scope::Everywhere,
        help: "clear every mark, hidden ones too (u puts them back)",
        hint: None,
    },
    Binding {
        keys: &[(Enter, NONE)],
        label: "Enter",
        command: Command::Detail,
        name: "details",
        changes: false,
        scope: Scope::Everywhere,
        help: "details and access check of the current user",
        hint: Some("details"),
    },
    Binding {
        keys: &[(Char('i'), NONE)],
        label: "i",
        command: Command::Invite,
        name: "invite",
        changes: true,
        scope: Scope::Everywhere,
        help: "invite a user",
        hint: Some("invite"),
    },
    Binding {
        keys: &[(Char('e'), NONE)],
        label: "e",
        command: Command::Edit,
        name: "edit",
        changes: true,
        scope: Scope::Users,
        help: "edit the current user",
        hint: Some("edit"),
    },
    Binding {
        keys: &[(Char('d'), NONE)],
        label: "d",
        command: Command::Deactivate,
        name: "deactivate",
        changes: true,
        scope: Scope::Active,
        help: "deactivate the marked users (or the current one)",
        hint: Some("deactivate"),
    },
    Binding {
        keys: &[(Char('r'), NONE)],
        label: "r",
        command: Command::Reactivate,
        name: "reactivate",
        changes: true,
        scope: Scope::Inactive,
        help: "reactivate the marked users (or the current one)",
        hint: Some("reactivate"),
    },
    Binding {
        keys: &[(Char('b'), NONE)],
        label: "b",
        command: Command::ToggleBeta,
        name: "beta",
        changes: true,
        scope: Scope::Users,
        help: "toggle beta access for the marked users (or the current one)",
        hint: None,
    },
    Binding {
        keys: &[(Char('T'), SHIFT), (Char('T'), NONE)],
        label: "T",
        command: Command::Teams,
        name: "teams",
        changes: false,
        scope: Scope::Everywhere,
        help: "teams: create, rename, delete",
        hint: None,
    },
    Binding {
        keys: &[(Char('o'), NONE)],
        label: "o",
        command: Command::ChangeRoles,
        name: "roles",
        changes: true,
        scope: Scope::Everywhere,
        help: "set the roles of the marked users (or the current one)",
        hint: None,
    },
    Binding {
        keys: &[(Char('t'), NONE)],
        label: "t",
        command: Command::ChangeTeam,
        name: "team",
        changes: true,
        scope: Scope::Everywhere,
        help: "add the marked users (or the current one) to a team, or remove them",
        hint: None,
    },
    Binding {
        keys: &[(Char('D'), SHIFT), (Char('D'), NONE)],
        label: "D",
        command: Command::Delete,
        name: "delete",
        changes: true,
        scope: Scope::Everywhere,
        help: "delete the current user for good (asks you to type the email)",
        hint: None,
    },
    Binding {
        keys: &[(Char('R'), SHIFT), (Char('R'), NONE)],
        label: "R",
        command: Command::Resend,
        name: "resend",
        changes: true,
        scope: Scope::Pending,
        help: "resend the marked invites (or the current one)",
        hint: Some("resend"),
    },
    Binding {
        keys: &[(Char('x'), NONE)],
        label: "x",
        command: Command::CancelInvite,
        name: "cancel-invite",
        changes: true,
        scope: Scope::Pending,
        help: "cancel the marked invites (or the current one)",
        hint: Some("cancel"),
    },
    Binding {
        keys: &[(Char('y'), NONE)],
        label: "y",
        command: Command::CopyLink,
        name: "copy-link",
        changes: false,
        scope: Scope::Pending,
        help: "copy the current invite's link (OSC 52), when known",
        hint: None,
    },
    Binding {
        keys: &[(Char('u'), NONE)],
        label: "u",
        command: Command::Undo,
        name: "undo",
        changes: false,
        scope: Scope::Everywhere,
        help: "undo your newest change here (again for the one before), or put back cleared marks",
        hint: None,
    },
    Binding {
        keys: &[(Char('L'), SHIFT), (Char('L'), NONE)],
        label: "L",
        command: Command::ActivityLog,
        name: "activity-log",
        changes: false,
        scope: Scope::Everywhere,
        help: "activity log (newest first)",
        hint: None,
    },
    Binding {
        keys: &[(Char('r'), CTRL)],
        label: "Ctrl-R",
        command: Command::Reload,
        name: "reload",
        changes: false,
        scope: Scope::Everywhere,
        help: "reload",
        hint: None,
    },
    Binding {
        keys: &[(Char('?'), NONE), (Char('?'), SHIFT)],
        label: "?",
        command: Command::Help,
        name: "help",
        changes: false,
        scope: Scope::Everywhere,
        help: "help: every key",
        hint: Some("help"),
    },
    Binding {
        keys: &[(Char('q'), NONE), (Char('c'), CTRL)],
        label: "q",
        command: Command::Quit,
        name: "quit",
        changes: false,
        scope: Scope::Everywhere,
        help: "quit (Ctrl-C too)",
        hint: Some("quit"),
    },
];

impl Scope {
    pub fn applies_to(self, tab: crate::tui::model::Tab) -> bool {
        use crate::tui::model::Tab;
        match self {
            Scope::Everywhere => true,
            Scope::Users => tab != Tab::Pending,
            Scope::Active => tab == Tab::Active,
            Scope::Inactive => tab == Tab::Inactive,
            Scope::Pending => tab == Tab::Pending,
        }
    }
}
/// The name an action has in `keys.toml`.
pub fn action_name(command: Command) -> &'static str {
    row(command).name
}

/// Whether a table command changes the workspace (hidden and refused when read-only).
pub fn changes(command: Command) -> bool {
    row(command).changes
}

/// The row of a command (every command has exactly one: a test checks it).
pub fn row(command: Command) -> &'static Binding {
    BINDINGS
        .iter()
        .find(|b| b.command == command)
        .unwrap_or(&BINDINGS[0])
}
