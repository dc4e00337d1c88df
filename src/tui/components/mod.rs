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
pub mod forms;
pub mod help;
pub mod links;
pub mod log;
pub mod people;
pub mod picker;
pub mod teams;

use crate::Result;
use crate::domain::UserId;
use crate::tui::effects::{Effect, Reply};
use crate::tui::keys::{Hint, Keymap};
use crate::tui::model::Data;
use crate::tui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use time::OffsetDateTime;

pub use confirm::{Confirm, ConfirmAction, TypedConfirm};
pub use detail::Detail;
pub use forms::{EditForm, InviteForm, SignInForm};
pub use help::Help;
pub use links::Links;
pub use log::LogView;
pub use people::People;
pub use picker::{RolesPicker, TeamPicker};
pub use teams::{TeamEdit, TeamsView};

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

/// What a component asks of the console (gitui's `InternalEvent` queue). Carried out in order
/// once the component has returned.
#[derive(Debug)]
pub enum Action {
    /// Close this component (the one that queued it).
    Close,
    /// Open another component on top.
    Open(Box<dyn Component>),
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
    /// The keys in force, the table's and the dialogs' (defaults merged with keys.toml).
    pub keymap: &'a Keymap,
}

impl Ctx<'_> {
    /// A user as dialogs name them, when known here: `Daniel (daniel.kim@…)`.
    pub fn person(&self, id: UserId) -> Option<String> {
        self.data?.user(id).map(crate::present::words::person_short)
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

/// A dialog or form of the console. `Any`, so the stack (and tests) can ask which it is.
pub trait Component: std::any::Any + std::fmt::Debug {
    /// Reacts to a key; what it needs done elsewhere goes on `out`.
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState;

    /// Pasted text (bracketed paste), as one line, into the field with focus.
    fn on_paste(&mut self, _text: &str) -> EventState {
        EventState::NotConsumed
    }

    /// The answer to a request this component made (`asked`), and only to one it made.
    /// Returns it when the console has something to do with it too.
    fn on_reply(
        &mut self,
        _asked: &Effect,
        result: Result<Reply>,
        _cx: &Ctx,
        _out: &mut Queue,
    ) -> Option<Result<Reply>> {
        Some(result)
    }

    /// Draws the component over `area`. Pure: reads its state, changes nothing.
    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme);

    /// The keys it answers to now, for its hint line (read-only mode leaves out the changes).
    fn bindings(&self, cx: &Ctx) -> Vec<Hint>;

    /// The admin said yes to a confirmation this component asked for: it carries it out.
    fn on_confirmed(&mut self, _action: ConfirmAction, _out: &mut Queue) {}

    /// Whether closing it would lose something typed.
    fn has_input(&self) -> bool {
        false
    }
}

/// The hints shown for a component: without the changes in read-only mode.
pub fn shown(hints: Vec<Hint>, cx: &Ctx) -> Vec<Hint> {
    hints
        .into_iter()
        .filter(|h| !(cx.read_only && h.changes))
        .collect()
}
