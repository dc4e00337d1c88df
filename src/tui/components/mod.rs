//! The console's dialogs and forms as components, in the manner of gitui: each one reads its
//! own keys (saying whether it used them, `EventState`), takes the replies to the requests it
//! made, draws itself (a pure function of its state) and lists its bindings, from which its hint
//! line and its section of the help screen are generated. A component never changes the rest of
//! the console: it asks, through `Action`s on a queue that the app carries out afterwards.
//!
//! `update` keeps the table's and the global keys and hands everything else to the component
//! on top of the stack.

pub mod confirm;
pub mod detail;
pub mod help;
pub mod links;
pub mod log;
pub mod picker;
pub mod sign_in;
pub mod teams;
pub mod user_forms;

use super::effects::{Effect, Msg};
use super::state::Data;
use super::theme::Theme;
use crate::domain::UserId;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use time::OffsetDateTime;

pub use confirm::{Confirm, ConfirmAction, TypedConfirm};

/// Whether a component used a key (gitui's `EventState`): a key it leaves goes nowhere else
/// while it is on top, but the answer tells tests and the app what happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventState {
    Consumed,
    NotConsumed,
}

impl EventState {
    pub fn is_consumed(self) -> bool {
        self == EventState::Consumed
    }
}

impl From<bool> for EventState {
    fn from(used: bool) -> Self {
        if used {
            EventState::Consumed
        } else {
            EventState::NotConsumed
        }
    }
}

/// A key a component answers to, for its hint line and the help screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// How the keys are written on screen.
    pub keys: &'static str,
    pub what: &'static str,
    /// It changes the workspace: hidden and refused in read-only mode.
    pub changes: bool,
}

/// A binding that only reads.
pub const fn key(keys: &'static str, what: &'static str) -> Binding {
    Binding {
        keys,
        what,
        changes: false,
    }
}

/// A binding that changes the workspace.
pub const fn change(keys: &'static str, what: &'static str) -> Binding {
    Binding {
        keys,
        what,
        changes: true,
    }
}

/// What a component asks of the console (gitui's `InternalEvent` queue). Carried out in order
/// once the component has returned.
#[derive(Debug)]
pub enum Action {
    /// Close this component (the one that queued it).
    Close,
    /// Open another component on top.
    Open(Box<super::state::Overlay>),
    /// Run an effect whose answer comes back to this component.
    Request(Effect),
    /// Ask for a yes before doing something: the app builds the one confirmation, with the
    /// core's dry run.
    Ask(ConfirmAction),
    /// The admin said yes.
    Confirmed(ConfirmAction),
    Notice(String),
    Error(String),
    /// Put text on the clipboard: (the text, what it is in words).
    Copy(String, String),
    /// An invite link was issued for this user.
    Link(UserId, String),
    Reload,
}

/// The queue a component writes its actions to.
pub type Queue = Vec<Action>;

/// What a component may read of the console: never write.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub data: Option<&'a Data>,
    pub now: OffsetDateTime,
    /// Where invite links point.
    pub public_url: &'a str,
    /// Connected to a server (not a local store).
    pub connected: bool,
    /// `--read-only`, or the acting user may no longer manage users.
    pub read_only: bool,
    /// The table's keys in force (defaults merged with the user's keys.toml).
    pub keymap: &'a super::keymap::Keymap,
}

impl Ctx<'_> {
    /// A user as dialogs name them, when known here: `Daniel (daniel.kim@…)`.
    pub fn person(&self, id: UserId) -> Option<String> {
        self.data?.user(id).map(crate::tui::update::person_short)
    }

    /// The link an invite token opens.
    pub fn link(&self, token: &crate::domain::Token) -> String {
        format!(
            "{}/accept?token={}",
            self.public_url.trim_end_matches('/'),
            token.encode()
        )
    }
}

/// A dialog or form of the console.
pub trait Component {
    /// Reacts to a key; what it needs done elsewhere goes on `out`.
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState;

    /// Pasted text (bracketed paste), as one line, into the field with focus.
    fn on_paste(&mut self, _text: &str) -> EventState {
        EventState::NotConsumed
    }

    /// The answer to a request this component made. Returns it when it is not for the
    /// component after all (the app then deals with it).
    fn on_reply(&mut self, msg: Msg, _cx: &Ctx, _out: &mut Queue) -> Option<Msg> {
        Some(msg)
    }

    /// Draws the component over `area`. Pure: reads its state, changes nothing.
    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme);

    /// The keys it answers to now, for its hint line (read-only mode leaves out the changes).
    fn bindings(&self, cx: &Ctx) -> Vec<Binding>;

    /// Whether closing it would lose something typed.
    fn has_input(&self) -> bool {
        false
    }
}

/// The bindings shown for a component: without the changes in read-only mode.
pub fn shown(bindings: &[Binding], cx: &Ctx) -> Vec<Binding> {
    bindings
        .iter()
        .filter(|b| !(cx.read_only && b.changes))
        .copied()
        .collect()
}

/// Every component's bindings by title, for the help screen.
pub fn help_sections() -> Vec<(&'static str, &'static [Binding])> {
    vec![
        ("Confirmation", confirm::BUTTONS),
        ("Confirmation typed by name", confirm::TYPED),
        ("User details (Enter)", detail::BINDINGS),
        ("Invite and edit forms (i, e)", user_forms::BINDINGS),
        ("Roles picker (o)", picker::ROLE_BINDINGS),
        ("Team picker (t)", picker::TEAM_BINDINGS),
        ("Teams (T)", teams::BINDINGS),
        ("Team name being typed", teams::EDIT_BINDINGS),
        ("Activity log (L)", log::BINDINGS),
        ("Invite links", links::BINDINGS),
        ("Sign in", sign_in::BINDINGS),
        ("Help (?)", help::BINDINGS),
    ]
}

/// Which answer an effect waits for: a reply goes to the component that asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    SignedIn,
    Detail,
    Preview,
    Invited,
    Updated,
    FormRefreshed,
    TeamCreated,
    TeamRenamed,
    TeamDeleted,
    Audit,
    LinksWritten,
    Other,
}

impl ReplyKind {
    pub fn of_effect(effect: &Effect) -> ReplyKind {
        match effect {
            Effect::SignIn { .. } => ReplyKind::SignedIn,
            Effect::Detail(_) => ReplyKind::Detail,
            Effect::Preview { .. } | Effect::PreviewInvites { .. } | Effect::PreviewDelete(_) => {
                ReplyKind::Preview
            }
            Effect::Invite(_) => ReplyKind::Invited,
            Effect::Update { .. } => ReplyKind::Updated,
            Effect::RefreshForm(_) => ReplyKind::FormRefreshed,
            Effect::CreateTeam(_) => ReplyKind::TeamCreated,
            Effect::RenameTeam { .. } => ReplyKind::TeamRenamed,
            Effect::DeleteTeam { .. } => ReplyKind::TeamDeleted,
            Effect::Audit { .. } => ReplyKind::Audit,
            Effect::WriteLinks { .. } => ReplyKind::LinksWritten,
            _ => ReplyKind::Other,
        }
    }

    pub fn of_msg(msg: &Msg) -> ReplyKind {
        match msg {
            Msg::SignedIn(_) => ReplyKind::SignedIn,
            Msg::Detail(..) => ReplyKind::Detail,
            Msg::Preview(_) => ReplyKind::Preview,
            Msg::Invited(_) => ReplyKind::Invited,
            Msg::Updated(_) => ReplyKind::Updated,
            Msg::FormRefreshed(_) => ReplyKind::FormRefreshed,
            Msg::TeamCreated(_) => ReplyKind::TeamCreated,
            Msg::TeamRenamed(_) => ReplyKind::TeamRenamed,
            Msg::TeamDeleted { .. } => ReplyKind::TeamDeleted,
            Msg::Audit { .. } => ReplyKind::Audit,
            Msg::LinksWritten(_) => ReplyKind::LinksWritten,
            _ => ReplyKind::Other,
        }
    }
}

/// `$c` bound to the component of whichever layer `$overlay` is: the one list of layers.
macro_rules! each_layer {
    ($overlay:expr, $c:ident => $then:expr) => {{
        use super::state::Overlay::*;
        match $overlay {
            Detail($c) => $then,
            Help($c) => $then,
            Confirm($c) => $then,
            Invite($c) => $then,
            Edit($c) => $then,
            Log($c) => $then,
            Link($c) => $then,
            Teams($c) => $then,
            Roles($c) => $then,
            Team($c) => $then,
            SignIn($c) => $then,
        }
    }};
}

impl super::state::Overlay {
    /// The component this layer of the stack is.
    pub fn component(&self) -> &dyn Component {
        each_layer!(self, c => c as &dyn Component)
    }

    pub fn component_mut(&mut self) -> &mut dyn Component {
        each_layer!(self, c => c as &mut dyn Component)
    }
}
