//! Work the console asks of the service, run off the render loop: each effect is a spawned task
//! that answers with a message on a channel. The UI never waits for the store or the network.

use crate::domain::{AuditEvent, Error, EventId, Result, Team, User, UserId};
use crate::service::{
    AdminApi, BulkChange, Changes, InviteChange, InviteIssued, NewInvite, Outcome, Page, Snapshot,
    UserDetail, UserPatch, UserQuery,
};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

pub use crate::client::connector::{Connected, Connector, Secret};

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Connected mode only.
    SignIn {
        workspace: String,
        email: String,
        password: Secret,
    },
    Load {
        generation: u64,
        /// What was loaded includes the changes up to this sequence number: ask the change
        /// feed from it instead of reloading everything. `None`: load everything.
        since: Option<u64>,
    },
    /// The first screenful of each tab and the counts, for a first screen while `Load` (same
    /// generation) brings everything.
    FirstPage {
        generation: u64,
        rows: usize,
    },
    Detail(UserId),
    Preview {
        change: BulkChange,
        ids: Vec<UserId>,
    },
    /// The core's dry run of deleting a user; answers `Msg::Preview`.
    PreviewDelete(UserId),
    /// The core's dry run of resending or cancelling invites; answers `Msg::Preview`.
    PreviewInvites {
        change: InviteChange,
        ids: Vec<UserId>,
    },
    Bulk {
        change: BulkChange,
        ids: Vec<UserId>,
    },
    Invite(NewInvite),
    Resend(Vec<UserId>),
    Cancel(Vec<UserId>),
    TransferOwnership(UserId),
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
    RenameTeam {
        id: crate::domain::TeamId,
        name: String,
    },
    DeleteTeam {
        id: crate::domain::TeamId,
        name: String,
    },
    Audit {
        before: Option<EventId>,
    },
    /// Writes freshly issued invite links to a file only the admin can read.
    WriteLinks {
        path: std::path::PathBuf,
        contents: String,
    },
}

#[derive(Debug)]
pub enum Msg {
    SignedIn(Result<Connected>),
    Loaded {
        generation: u64,
        result: Result<Loaded>,
    },
    FirstPage {
        generation: u64,
        result: Result<FirstPage>,
    },
    Detail(UserId, Result<UserDetail>),
    Preview(Result<Vec<Outcome>>),
    BulkDone {
        change: BulkChange,
        result: Result<Vec<Outcome>>,
    },
    /// How far a chunked bulk change has come (not an answer: more follows).
    BulkProgress {
        done: usize,
        total: usize,
    },
    Invited(Result<InviteIssued>),
    Resent(Vec<(UserId, Result<InviteIssued>)>),
    Cancelled(Vec<(UserId, Result<()>)>),
    OwnershipTransferred(Result<crate::service::OwnershipTransferred>),
    Updated(Result<User>),
    FormRefreshed(Result<UserDetail>),
    Deleted {
        email: String,
        result: Result<()>,
    },
    TeamRenamed(Result<Team>),
    TeamDeleted {
        name: String,
        result: Result<()>,
    },
    TeamCreated(Result<Team>),
    Audit {
        first: bool,
        result: Result<Page<AuditEvent>>,
    },
    /// The path written, or why not.
    LinksWritten(std::result::Result<String, String>),
}

/// Runs one effect on the runtime; its answer arrives on `tx`. Without an API (connected mode
/// before signing in) every effect answers `Unauthenticated`.
pub fn spawn(
    api: Option<Arc<dyn AdminApi>>,
    connector: Option<Arc<dyn Connector>>,
    effect: Effect,
    tx: UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        let msg = match (effect, api) {
            (
                Effect::SignIn {
                    workspace,
                    email,
                    password,
                },
                _,
            ) => match connector {
                Some(c) => Msg::SignedIn(c.sign_in(workspace, email, password).await),
                None => Msg::SignedIn(Err(Error::invalid(
                    crate::domain::Field::Server,
                    "there is no server to sign in to",
                ))),
            },
            (Effect::Bulk { change, ids }, Some(api)) if ids.len() > BULK_CHUNK => {
                bulk_in_chunks(api.as_ref(), change, ids, &tx).await
            }
            (effect, Some(api)) => run(api.as_ref(), effect).await,
            (effect, None) => refused(effect, Error::Unauthenticated),
        };
        // The console may have quit meanwhile; nobody is left to tell.
        let _ = tx.send(msg);
    });
}

/// Large bulk changes go in chunks, so the console can show how far along they are.
pub const BULK_CHUNK: usize = 100;

/// Applies a bulk change chunk by chunk, reporting progress after each; the final answer holds
/// every outcome. A chunk that fails as a whole (the server went away) ends it: what was done
/// stays done, and the reload that follows shows it.
pub async fn bulk_in_chunks(
    api: &dyn AdminApi,
    change: BulkChange,
    ids: Vec<UserId>,
    tx: &UnboundedSender<Msg>,
) -> Msg {
    let total = ids.len();
    let mut outcomes = Vec::with_capacity(total);
    for chunk in ids.chunks(BULK_CHUNK) {
        match api.bulk(change.clone(), chunk.to_vec(), false).await {
            Ok(part) => outcomes.extend(part),
            Err(e) => {
                return Msg::BulkDone {
                    change,
                    result: Err(e),
                };
            }
        }
        let _ = tx.send(Msg::BulkProgress {
            done: outcomes.len(),
            total,
        });
    }
    Msg::BulkDone {
        change,
        result: Ok(outcomes),
    }
}

/// The answer of an effect that could not run.
pub fn refused(effect: Effect, e: Error) -> Msg {
    match effect {
        Effect::SignIn { .. } => Msg::SignedIn(Err(e)),
        Effect::Load { generation, .. } => Msg::Loaded {
            generation,
            result: Err(e),
        },
        Effect::FirstPage { generation, .. } => Msg::FirstPage {
            generation,
            result: Err(e),
        },
        Effect::Detail(id) => Msg::Detail(id, Err(e)),
        Effect::Preview { .. } | Effect::PreviewInvites { .. } | Effect::PreviewDelete(_) => {
            Msg::Preview(Err(e))
        }
        Effect::Bulk { change, .. } => Msg::BulkDone {
            change,
            result: Err(e),
        },
        Effect::Invite(_) => Msg::Invited(Err(e)),
        Effect::Resend(ids) => {
            Msg::Resent(ids.into_iter().map(|id| (id, Err(e.clone()))).collect())
        }
        Effect::Cancel(ids) => {
            Msg::Cancelled(ids.into_iter().map(|id| (id, Err(e.clone()))).collect())
        }
        Effect::TransferOwnership(_) => Msg::OwnershipTransferred(Err(e)),
        Effect::Update { .. } => Msg::Updated(Err(e)),
        Effect::RefreshForm(_) => Msg::FormRefreshed(Err(e)),
        Effect::Delete { email, .. } => Msg::Deleted {
            email,
            result: Err(e),
        },
        Effect::CreateTeam(_) => Msg::TeamCreated(Err(e)),
        Effect::RenameTeam { .. } => Msg::TeamRenamed(Err(e)),
        Effect::DeleteTeam { name, .. } => Msg::TeamDeleted {
            name,
            result: Err(e),
        },
        Effect::Audit { before } => Msg::Audit {
            first: before.is_none(),
            result: Err(e),
        },
        Effect::WriteLinks { .. } => Msg::LinksWritten(Err(e.to_string())),
    }
}

impl Msg {
    /// The error this answer carries, if any (the first, for answers about several users).
    pub fn error(&self) -> Option<&Error> {
        match self {
            Msg::SignedIn(r) => r.as_ref().err(),
            Msg::Loaded { result, .. } => result.as_ref().err(),
            // Only a head start: the full load that runs beside it reports its own errors.
            Msg::FirstPage { .. } => None,
            Msg::Detail(_, r) => r.as_ref().err(),
            Msg::Preview(r) => r.as_ref().err(),
            Msg::BulkDone { result, .. } => result.as_ref().err(),
            Msg::BulkProgress { .. } => None,
            Msg::Invited(r) => r.as_ref().err(),
            Msg::Resent(v) => v.iter().find_map(|(_, r)| r.as_ref().err()),
            Msg::Cancelled(v) => v.iter().find_map(|(_, r)| r.as_ref().err()),
            Msg::OwnershipTransferred(r) => r.as_ref().err(),
            Msg::Updated(r) => r.as_ref().err(),
            Msg::FormRefreshed(r) => r.as_ref().err(),
            Msg::Deleted { result, .. } => result.as_ref().err(),
            Msg::TeamCreated(r) => r.as_ref().err(),
            Msg::TeamRenamed(r) => r.as_ref().err(),
            Msg::TeamDeleted { result, .. } => result.as_ref().err(),
            Msg::Audit { result, .. } => result.as_ref().err(),
            Msg::LinksWritten(_) => None,
        }
    }
}

/// What a load brought: everything, or only what changed since the last one.
#[derive(Debug)]
pub enum Loaded {
    Everything(Snapshot),
    Changes(Changes),
}

/// The start of each tab in creation order, with how many users each status has: a few pages
/// from the store (status indexes and counters), however big the workspace.
#[derive(Debug)]
pub struct FirstPage {
    pub snapshot: Snapshot,
    /// Users per status, indexed by `Tab::index`.
    pub counts: [usize; 3],
}

async fn first_page(api: &dyn AdminApi, rows: usize) -> Result<FirstPage> {
    use crate::domain::UserStatus;
    let page = |status| {
        api.list_users(UserQuery {
            status: Some(status),
            limit: Some(rows),
            ..UserQuery::default()
        })
    };
    let (me, workspace, teams, active, inactive, invited) = futures_util::try_join!(
        api.me(),
        api.workspace(),
        api.list_teams(),
        page(UserStatus::Active),
        page(UserStatus::Inactive),
        page(UserStatus::Invited),
    )?;
    let mut counts = [0; 3];
    let mut users = Vec::new();
    for (i, page) in [active, inactive, invited].into_iter().enumerate() {
        let total = page.total.map_or(page.items.len(), |t| t as usize);
        counts[i] = total.max(page.items.len());
        users.extend(page.items);
    }
    Ok(FirstPage {
        snapshot: Snapshot {
            // Never asked the feed from: the full load replaces this.
            seq: 0,
            workspace,
            me,
            users,
            invites: Vec::new(),
            teams,
        },
        counts,
    })
}

/// Asks the change feed when there is a sequence number to ask from; everything when there is
/// none or the feed no longer reaches back to it.
async fn load(api: &dyn AdminApi, since: Option<u64>) -> Result<Loaded> {
    if let Some(since) = since {
        match api.changes(since).await {
            Ok(changes) => return Ok(Loaded::Changes(changes)),
            Err(Error::ChangesExpired { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Loaded::Everything(api.snapshot().await?))
}

pub async fn run(api: &dyn AdminApi, effect: Effect) -> Msg {
    match effect {
        Effect::SignIn { .. } => Msg::SignedIn(Err(Error::invalid(
            crate::domain::Field::Server,
            "signing in needs a server",
        ))),
        Effect::Load { generation, since } => Msg::Loaded {
            generation,
            result: load(api, since).await,
        },
        Effect::FirstPage { generation, rows } => Msg::FirstPage {
            generation,
            result: first_page(api, rows).await,
        },
        Effect::Detail(id) => Msg::Detail(id, api.user_detail(id).await),
        Effect::Preview { change, ids } => Msg::Preview(api.bulk(change, ids, true).await),
        Effect::PreviewInvites { change, ids } => {
            Msg::Preview(api.preview_invites(change, ids).await)
        }
        Effect::PreviewDelete(id) => {
            Msg::Preview(api.preview_delete_user(id).await.map(|o| vec![o]))
        }
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
        Effect::TransferOwnership(to) => {
            Msg::OwnershipTransferred(api.transfer_ownership(to).await)
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
        Effect::RenameTeam { id, name } => Msg::TeamRenamed(api.rename_team(id, name).await),
        Effect::DeleteTeam { id, name } => Msg::TeamDeleted {
            name,
            result: api.delete_team(id).await,
        },
        Effect::Audit { before } => Msg::Audit {
            first: before.is_none(),
            result: api.audit(before, 200).await,
        },
        Effect::WriteLinks { path, contents } => Msg::LinksWritten(
            tokio::task::spawn_blocking(move || write_private(&path, &contents))
                .await
                .unwrap_or_else(|e| Err(e.to_string())),
        ),
    }
}

/// Writes a file readable only by its owner (it holds one-time links); a file already there
/// is not overwritten.
fn write_private(path: &std::path::Path, contents: &str) -> std::result::Result<String, String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let shown = path.display().to_string();
    let mut file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            format!("{shown} already exists: choose another name (nothing was overwritten)")
        }
        _ => format!("could not create {shown}: {e}"),
    })?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("could not write {shown}: {e}"))?;
    Ok(shown)
}
