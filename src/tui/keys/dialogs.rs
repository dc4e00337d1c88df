//! The dialogs' and forms' keys, one row per command, like the table's: its name in
//! `keys.toml` (`confirm.yes`, written `[confirm]` then `yes = "Y"`), where it applies, its
//! default keys and what it does. Components ask the key map which command a key is
//! (`Keymap::dialog`) and build their hint lines from `HintSpec`s over these rows, so a
//! rebound key works and is shown at once.

use crossterm::event::{KeyCode, KeyModifiers};

/// Where a dialog key applies: a dialog, or one mode of it (typing a name is not choosing a
/// button). One key may mean two commands only where they never apply together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialog {
    Confirm,
    /// A confirmation answered by typing a name.
    Typed,
    Detail,
    Help,
    /// The invite and edit forms.
    Form,
    /// A list field of a form (roles, teams, send the invite).
    FormList,
    Roles,
    Team,
    Teams,
    /// A team's name being typed.
    TeamName,
    Log,
    /// The activity log's filter being typed.
    LogFilter,
    Links,
    /// The path to write invite links to, being typed.
    LinksPath,
    SignIn,
    /// Everyone a confirmation affects, listed.
    People,
}

/// A command of a dialog or form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialogKey {
    // Moving in a list or a text that scrolls.
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    // Confirmations.
    Yes,
    No,
    ToYes,
    ToNo,
    Chosen,
    ConfirmEveryone,
    TypedConfirm,
    TypedKeep,
    // Closing.
    HelpClose,
    DetailClose,
    LinksClose,
    PeopleClose,
    LogClose,
    TeamsClose,
    PickerCancel,
    // The detail pane.
    MakeOwner,
    // Invite links.
    CopyLinks,
    WriteLinks,
    LinksPathWrite,
    LinksPathBack,
    // The activity log.
    LogFilter,
    LogFilterKeep,
    LogFilterClear,
    // Pickers.
    PickerToggle,
    RolesContinue,
    TeamAdd,
    TeamRemove,
    // Teams.
    TeamNew,
    TeamRename,
    TeamDelete,
    TeamNameSave,
    TeamNameCancel,
    // Forms.
    FormNext,
    FormPrevious,
    FormSave,
    FormRefresh,
    FormClose,
    FormListUp,
    FormListDown,
    FormListTop,
    FormListBottom,
    FormListToggle,
    // Signing in.
    SignInNext,
    SignInPrevious,
    SignIn,
}

impl DialogKey {
    /// Every dialog command (tests check that each has exactly one row).
    pub const ALL: [DialogKey; 51] = [
        DialogKey::ConfirmEveryone,
        DialogKey::PeopleClose,
        DialogKey::Up,
        DialogKey::Down,
        DialogKey::PageUp,
        DialogKey::PageDown,
        DialogKey::Top,
        DialogKey::Bottom,
        DialogKey::Yes,
        DialogKey::No,
        DialogKey::ToYes,
        DialogKey::ToNo,
        DialogKey::Chosen,
        DialogKey::TypedConfirm,
        DialogKey::TypedKeep,
        DialogKey::HelpClose,
        DialogKey::DetailClose,
        DialogKey::LinksClose,
        DialogKey::LogClose,
        DialogKey::TeamsClose,
        DialogKey::PickerCancel,
        DialogKey::MakeOwner,
        DialogKey::CopyLinks,
        DialogKey::WriteLinks,
        DialogKey::LinksPathWrite,
        DialogKey::LinksPathBack,
        DialogKey::LogFilter,
        DialogKey::LogFilterKeep,
        DialogKey::LogFilterClear,
        DialogKey::PickerToggle,
        DialogKey::RolesContinue,
        DialogKey::TeamAdd,
        DialogKey::TeamRemove,
        DialogKey::TeamNew,
        DialogKey::TeamRename,
        DialogKey::TeamDelete,
        DialogKey::TeamNameSave,
        DialogKey::TeamNameCancel,
        DialogKey::FormNext,
        DialogKey::FormPrevious,
        DialogKey::FormSave,
        DialogKey::FormRefresh,
        DialogKey::FormClose,
        DialogKey::FormListUp,
        DialogKey::FormListDown,
        DialogKey::FormListTop,
        DialogKey::FormListBottom,
        DialogKey::FormListToggle,
        DialogKey::SignInNext,
        DialogKey::SignInPrevious,
        DialogKey::SignIn,
    ];
}

/// Fails to compile when a command is added without adding it to `ALL` above.
#[allow(dead_code)]
fn all_are_listed(command: DialogKey) {
    match command {
        DialogKey::ConfirmEveryone
        | DialogKey::PeopleClose
        | DialogKey::Up
        | DialogKey::Down
        | DialogKey::PageUp
        | DialogKey::PageDown
        | DialogKey::Top
        | DialogKey::Bottom
        | DialogKey::Yes
        | DialogKey::No
        | DialogKey::ToYes
        | DialogKey::ToNo
        | DialogKey::Chosen
        | DialogKey::TypedConfirm
        | DialogKey::TypedKeep
        | DialogKey::HelpClose
        | DialogKey::DetailClose
        | DialogKey::LinksClose
        | DialogKey::LogClose
        | DialogKey::TeamsClose
        | DialogKey::PickerCancel
        | DialogKey::MakeOwner
        | DialogKey::CopyLinks
        | DialogKey::WriteLinks
        | DialogKey::LinksPathWrite
        | DialogKey::LinksPathBack
        | DialogKey::LogFilter
        | DialogKey::LogFilterKeep
        | DialogKey::LogFilterClear
        | DialogKey::PickerToggle
        | DialogKey::RolesContinue
        | DialogKey::TeamAdd
        | DialogKey::TeamRemove
        | DialogKey::TeamNew
        | DialogKey::TeamRename
        | DialogKey::TeamDelete
        | DialogKey::TeamNameSave
        | DialogKey::TeamNameCancel
        | DialogKey::FormNext
        | DialogKey::FormPrevious
        | DialogKey::FormSave
        | DialogKey::FormRefresh
        | DialogKey::FormClose
        | DialogKey::FormListUp
        | DialogKey::FormListDown
        | DialogKey::FormListTop
        | DialogKey::FormListBottom
        | DialogKey::FormListToggle
        | DialogKey::SignInNext
        | DialogKey::SignInPrevious
        | DialogKey::SignIn => {}
    }
}

pub struct DialogRow {
    pub command: DialogKey,
    /// Its name in `keys.toml`: `section.action`.
    pub name: &'static str,
    pub scopes: &'static [Dialog],
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// What it does, for the help screen.
    pub help: &'static str,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

use Dialog as D;
use DialogKey as K;
use KeyCode::*;

/// The dialogs that scroll or move with the shared keys.
const LISTS: &[Dialog] = &[
    D::Detail,
    D::Help,
    D::Roles,
    D::Team,
    D::Teams,
    D::Log,
    D::Links,
];

const fn row(
    command: DialogKey,
    name: &'static str,
    scopes: &'static [Dialog],
    keys: &'static [(KeyCode, KeyModifiers)],
    help: &'static str,
) -> DialogRow {
    DialogRow {
        command,
        name,
        scopes,
        keys,
        help,
    }
}

pub const DIALOG_ROWS: &[DialogRow] = &[
    row(
        K::Up,
        "dialog.up",
        LISTS,
        &[(Up, NONE), (Char('k'), NONE)],
        "move or scroll up",
    ),
    row(
        K::Down,
        "dialog.down",
        LISTS,
        &[(Down, NONE), (Char('j'), NONE)],
        "move or scroll down",
    ),
    row(
        K::PageUp,
        "dialog.page-up",
        LISTS,
        &[(PageUp, NONE)],
        "a page up",
    ),
    row(
        K::PageDown,
        "dialog.page-down",
        LISTS,
        &[(PageDown, NONE)],
        "a page down",
    ),
    row(
        K::Top,
        "dialog.top",
        LISTS,
        &[(Home, NONE), (Char('g'), NONE)],
        "to the top",
    ),
    row(
        K::Bottom,
        "dialog.bottom",
        LISTS,
        &[(End, NONE), (Char('G'), SHIFT), (Char('G'), NONE)],
        "to the bottom",
    ),
    row(
        K::Yes,
        "confirm.yes",
        &[D::Confirm],
        &[(Char('y'), NONE), (Char('Y'), NONE)],
        "yes",
    ),
    row(
        K::No,
        "confirm.no",
        &[D::Confirm],
        &[
            (Char('n'), NONE),
            (Char('N'), NONE),
            (Char('q'), NONE),
            (Esc, NONE),
        ],
        "no",
    ),
    row(
        K::ToYes,
        "confirm.choose-yes",
        &[D::Confirm],
        &[(Left, NONE), (Char('h'), NONE), (BackTab, NONE)],
        "choose Yes",
    ),
    row(
        K::ToNo,
        "confirm.choose-no",
        &[D::Confirm],
        &[(Right, NONE), (Char('l'), NONE), (Tab, NONE)],
        "choose No",
    ),
    row(
        K::Chosen,
        "confirm.chosen",
        &[D::Confirm],
        &[(Enter, NONE)],
        "the chosen button",
    ),
    row(
        K::ConfirmEveryone,
        "confirm.everyone",
        &[D::Confirm],
        &[(Char('a'), NONE)],
        "list everyone the change affects",
    ),
    row(
        K::PeopleClose,
        "people.close",
        &[D::People],
        &[(Esc, NONE), (Enter, NONE), (Char('q'), NONE)],
        "back to the confirmation",
    ),
    row(
        K::TypedConfirm,
        "typed.confirm",
        &[D::Typed],
        &[(Enter, NONE)],
        "confirm the typed name",
    ),
    row(
        K::TypedKeep,
        "typed.keep",
        &[D::Typed],
        &[(Esc, NONE)],
        "keep (nothing is done)",
    ),
    row(
        K::HelpClose,
        "help.close",
        &[D::Help],
        &[
            (Esc, NONE),
            (Enter, NONE),
            (Char('q'), NONE),
            (Char('?'), NONE),
        ],
        "close help",
    ),
    row(
        K::DetailClose,
        "details.close",
        &[D::Detail],
        &[(Esc, NONE), (Enter, NONE), (Char('q'), NONE)],
        "close the details",
    ),
    row(
        K::MakeOwner,
        "details.make-owner",
        &[D::Detail],
        &[(Char('O'), NONE)],
        "make this user the Owner (Owners)",
    ),
    row(
        K::LinksClose,
        "links.close",
        &[D::Links],
        &[(Esc, NONE), (Enter, NONE), (Char('q'), NONE)],
        "close the links",
    ),
    row(
        K::CopyLinks,
        "links.copy",
        &[D::Links],
        &[(Char('y'), NONE)],
        "send the links to the terminal's clipboard",
    ),
    row(
        K::WriteLinks,
        "links.write",
        &[D::Links],
        &[(Char('w'), NONE)],
        "write the links to a file",
    ),
    row(
        K::LinksPathWrite,
        "links.path-write",
        &[D::LinksPath],
        &[(Enter, NONE)],
        "write the file",
    ),
    row(
        K::LinksPathBack,
        "links.path-back",
        &[D::LinksPath],
        &[(Esc, NONE)],
        "back to the links",
    ),
    row(
        K::LogClose,
        "log.close",
        &[D::Log],
        &[(Esc, NONE), (Char('q'), NONE), (Char('L'), NONE)],
        "close the log (Esc clears its filter first)",
    ),
    row(
        K::LogFilter,
        "log.filter",
        &[D::Log],
        &[(Char('/'), NONE)],
        "filter the log",
    ),
    row(
        K::LogFilterKeep,
        "log.filter-keep",
        &[D::LogFilter],
        &[(Enter, NONE)],
        "keep the filter",
    ),
    row(
        K::LogFilterClear,
        "log.filter-clear",
        &[D::LogFilter],
        &[(Esc, NONE)],
        "clear the filter",
    ),
    row(
        K::PickerCancel,
        "picker.cancel",
        &[D::Roles, D::Team],
        &[(Esc, NONE)],
        "cancel",
    ),
    row(
        K::PickerToggle,
        "picker.toggle",
        &[D::Roles, D::Team],
        &[(Char(' '), NONE)],
        "toggle: the role, or the team for all of them",
    ),
    row(
        K::RolesContinue,
        "picker.continue",
        &[D::Roles],
        &[(Enter, NONE)],
        "continue with these roles",
    ),
    row(
        K::TeamAdd,
        "picker.add",
        &[D::Team],
        &[(Enter, NONE)],
        "add to the team",
    ),
    row(
        K::TeamRemove,
        "picker.remove",
        &[D::Team],
        &[(Char('x'), NONE)],
        "remove from the team",
    ),
    row(
        K::TeamsClose,
        "teams.close",
        &[D::Teams],
        &[(Esc, NONE), (Char('q'), NONE), (Char('T'), NONE)],
        "close the teams",
    ),
    row(
        K::TeamNew,
        "teams.new",
        &[D::Teams],
        &[(Char('n'), NONE)],
        "new team",
    ),
    row(
        K::TeamRename,
        "teams.rename",
        &[D::Teams],
        &[(Char('r'), NONE)],
        "rename the team",
    ),
    row(
        K::TeamDelete,
        "teams.delete",
        &[D::Teams],
        &[(Char('D'), NONE)],
        "delete the team",
    ),
    row(
        K::TeamNameSave,
        "teams.name-save",
        &[D::TeamName],
        &[(Enter, NONE)],
        "save the name",
    ),
    row(
        K::TeamNameCancel,
        "teams.name-cancel",
        &[D::TeamName],
        &[(Esc, NONE)],
        "cancel",
    ),
    row(
        K::FormNext,
        "form.next",
        &[D::Form, D::FormList],
        &[(Tab, NONE)],
        "next field",
    ),
    row(
        K::FormPrevious,
        "form.previous",
        &[D::Form, D::FormList],
        &[(BackTab, NONE)],
        "previous field",
    ),
    row(
        K::FormSave,
        "form.save",
        &[D::Form, D::FormList],
        &[(Char('s'), CTRL)],
        "save",
    ),
    row(
        K::FormRefresh,
        "form.refresh",
        &[D::Form, D::FormList],
        &[(Char('r'), CTRL)],
        "edit: load the current version, keeping your changes",
    ),
    row(
        K::FormClose,
        "form.close",
        &[D::Form, D::FormList],
        &[(Esc, NONE)],
        "close (asks first if anything was typed)",
    ),
    row(
        K::FormListUp,
        "form.list-up",
        &[D::FormList],
        &[(Up, NONE), (Left, NONE), (Char('k'), NONE)],
        "move up in a list",
    ),
    row(
        K::FormListDown,
        "form.list-down",
        &[D::FormList],
        &[(Down, NONE), (Right, NONE), (Char('j'), NONE)],
        "move down in a list",
    ),
    row(
        K::FormListTop,
        "form.list-top",
        &[D::FormList],
        &[(Home, NONE), (Char('g'), NONE)],
        "first in a list",
    ),
    row(
        K::FormListBottom,
        "form.list-bottom",
        &[D::FormList],
        &[(End, NONE), (Char('G'), NONE)],
        "last in a list",
    ),
    row(
        K::FormListToggle,
        "form.toggle",
        &[D::FormList],
        &[(Char(' '), NONE)],
        "toggle in a list",
    ),
    row(
        K::SignInNext,
        "sign-in.next",
        &[D::SignIn],
        &[(Tab, NONE), (Down, NONE)],
        "next field",
    ),
    row(
        K::SignInPrevious,
        "sign-in.previous",
        &[D::SignIn],
        &[(BackTab, NONE), (Up, NONE)],
        "previous field",
    ),
    row(
        K::SignIn,
        "sign-in.sign-in",
        &[D::SignIn],
        &[(Enter, NONE)],
        "sign in",
    ),
];

/// One entry of a hint line: the keys of one or more rows, with what they do. While every
/// row has its default keys it shows `label` (`↑↓ j k`); once keys.toml changes one, the keys
/// in force.
#[derive(Debug, Clone, Copy)]
pub struct HintSpec {
    pub rows: &'static [DialogKey],
    pub label: &'static str,
    pub what: &'static str,
    /// It changes the workspace: hidden in read-only mode.
    pub changes: bool,
}

/// A hint that only reads.
pub const fn hint(rows: &'static [DialogKey], label: &'static str, what: &'static str) -> HintSpec {
    HintSpec {
        rows,
        label,
        what,
        changes: false,
    }
}

/// A hint for keys that change the workspace.
pub const fn change(
    rows: &'static [DialogKey],
    label: &'static str,
    what: &'static str,
) -> HintSpec {
    HintSpec {
        rows,
        label,
        what,
        changes: true,
    }
}

/// The row of a dialog command (every command has exactly one: a test checks it).
pub fn dialog_row(command: DialogKey) -> usize {
    DIALOG_ROWS
        .iter()
        .position(|r| r.command == command)
        .unwrap_or(0)
}
