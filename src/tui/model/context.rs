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

/// What `u` puts back, newest first: one of the admin's own changes in this console, or the
/// marks they cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    Change(UndoStep),
    ClearedMarks(Vec<UserId>),
}

/// How many of the admin's own steps `u` can go back through.
pub const UNDO_KEPT: usize = 50;

/// One change the admin made, and what puts it back. Every user is pinned to the version the
/// change left them at, so a user someone changed since is left as they are (the core answers
/// a conflict for them) instead of being overwritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoStep {
    /// How `u` names it: "the deactivation of 13 users".
    pub what: String,
    pub put_back: PutBack,
    /// Each user's version before the change: once it is undone, older steps pinned there
    /// move to the version the undo left (the admin's own undo is not "someone else").
    pub before: std::collections::BTreeMap<UserId, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutBack {
    /// Bulk changes, each user in exactly one of them.
    Bulk(Vec<(BulkChange, Vec<(UserId, u64)>)>),
    /// An edit of one user: the fields it changed, as they were.
    Edit {
        id: UserId,
        version: u64,
        patch: crate::service::UserPatch,
    },
}

impl UndoStep {
    /// A user pinned at `from` is pinned at `to` instead.
    pub fn repin(&mut self, user: UserId, from: u64, to: u64) {
        match &mut self.put_back {
            PutBack::Bulk(changes) => {
                for (id, v) in changes.iter_mut().flat_map(|(_, users)| users.iter_mut()) {
                    if *id == user && *v == from {
                        *v = to;
                    }
                }
            }
            PutBack::Edit { id, version, .. } => {
                if *id == user && *version == from {
                    *version = to;
                }
            }
        }
    }

    /// Everyone it puts back.
    pub fn ids(&self) -> Vec<UserId> {
        match &self.put_back {
            PutBack::Bulk(changes) => changes
                .iter()
                .flat_map(|(_, users)| users.iter().map(|(id, _)| *id))
                .collect(),
            PutBack::Edit { id, .. } => vec![*id],
        }
    }
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
