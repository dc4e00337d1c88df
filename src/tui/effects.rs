//! Work the console asks of the service, run off the render loop: each effect is a spawned task
//! that answers with a message on a channel. The UI never waits for the store or the network.

use crate::domain::{AuditEvent, EventId, Result, Team, User, UserId};
use crate::service::{
    AdminApi, BulkChange, InviteIssued, NewInvite, Outcome, Page, Snapshot, UserDetail, UserPatch,
};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Load {
        generation: u64,
    },
    Detail(UserId),
    Preview {
        change: BulkChange,
        ids: Vec<UserId>,
    },
    Bulk {
        change: BulkChange,
        ids: Vec<UserId>,
    },
    Invite(NewInvite),
    Resend(Vec<UserId>),
    Cancel(Vec<UserId>),
    Update {
        id: UserId,
        version: u64,
        patch: UserPatch,
    },
    /// Loads a user's current data into an open edit form.
    RefreshForm(UserId),
    Delete {
        id: UserId,
        email: String,
    },
    CreateTeam(String),
    Audit {
        before: Option<EventId>,
    },
}

#[derive(Debug)]
pub enum Msg {
    Loaded {
        generation: u64,
        result: Result<Snapshot>,
    },
    Detail(UserId, Result<UserDetail>),
    Preview(Result<Vec<Outcome>>),
    BulkDone {
        change: BulkChange,
        result: Result<Vec<Outcome>>,
    },
    Invited(Result<InviteIssued>),
    Resent(Vec<(UserId, Result<InviteIssued>)>),
    Cancelled(Vec<(UserId, Result<()>)>),
    Updated(Result<User>),
    FormRefreshed(Result<UserDetail>),
    Deleted {
        email: String,
        result: Result<()>,
    },
    TeamCreated(Result<Team>),
    Audit {
        first: bool,
        result: Result<Page<AuditEvent>>,
    },
}

/// Runs one effect on the runtime; its answer arrives on `tx`.
pub fn spawn(api: Arc<dyn AdminApi>, effect: Effect, tx: UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let msg = run(api.as_ref(), effect).await;
        // The console may have quit meanwhile; nobody is left to tell.
        let _ = tx.send(msg);
    });
}

pub async fn run(api: &dyn AdminApi, effect: Effect) -> Msg {
    match effect {
        Effect::Load { generation } => Msg::Loaded {
            generation,
            result: api.snapshot().await,
        },
        Effect::Detail(id) => Msg::Detail(id, api.user_detail(id).await),
        Effect::Preview { change, ids } => Msg::Preview(api.bulk(change, ids, true).await),
        Effect::Bulk { change, ids } => {
            let result = api.bulk(change.clone(), ids, false).await;
            Msg::BulkDone { change, result }
        }
        Effect::Invite(new) => Msg::Invited(api.invite(new).await),
        Effect::Resend(ids) => {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push((id, api.resend_invite(id).await));
            }
            Msg::Resent(out)
        }
        Effect::Cancel(ids) => {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push((id, api.cancel_invite(id).await));
            }
            Msg::Cancelled(out)
        }
        Effect::Update { id, version, patch } => {
            Msg::Updated(api.update_user(id, version, patch).await)
        }
        Effect::RefreshForm(id) => Msg::FormRefreshed(api.user_detail(id).await),
        Effect::Delete { id, email } => Msg::Deleted {
            email,
            result: api.delete_user(id).await,
        },
        Effect::CreateTeam(name) => Msg::TeamCreated(api.create_team(name).await),
        Effect::Audit { before } => Msg::Audit {
            first: before.is_none(),
            result: api.audit(before, 200).await,
        },
    }
}
