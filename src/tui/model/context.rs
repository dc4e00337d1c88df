//! Where the data comes from and who acts (for the header), the footer's notice, and what
//! `u` puts back.

use crate::domain::UserId;
use crate::service::BulkChange;
use time::OffsetDateTime;

/// A message in the footer: the result of the last action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

/// Where the data comes from, and whether it can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// A local store (offline or demo).
    Local,
    /// A server, answering.
    Online,
    /// A server that did not answer: the last data stays on screen; reloads are retried.
    Disconnected {
        since: OffsetDateTime,
        detail: String,
    },
}

/// What `u` puts back: the last bulk deactivation or reactivation (the opposite change, on
/// exactly the users it changed), or the marks the admin last cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    Change {
        change: BulkChange,
        ids: Vec<UserId>,
    },
    ClearedMarks(Vec<UserId>),
}

/// Who and where, for the header.
#[derive(Debug, Clone)]
pub struct Context {
    pub mode: String,
    /// Where invite links point (the accept page of the server for this store).
    pub public_url: String,
    /// Connected mode: the server, and the workspace and email to sign in with.
    pub server: Option<ServerContext>,
    /// Reload by itself this often (connected mode); `None`: only on Ctrl-R.
    pub refresh_every: Option<time::Duration>,
    /// `--read-only`: every change is hidden and refused.
    pub read_only: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ServerContext {
    pub url: String,
    pub workspace: String,
    pub email: String,
}

impl Context {
    pub fn local(mode: impl Into<String>, public_url: impl Into<String>) -> Self {
        Context {
            mode: mode.into(),
            public_url: public_url.into(),
            server: None,
            refresh_every: None,
            read_only: false,
        }
    }
}
