//! Work the console asks of the service, run off the render loop: each effect is a spawned task
//! that answers with a message on a channel. The UI never waits for the store or the network.

use crate::domain::Refusal;
use crate::domain::{AuditEvent, EventId, Team, User, UserId};
use crate::service::{
    AdminApi, BulkChange, Changes, InviteChange, InviteIssued, NewInvite, Outcome, Page, Snapshot,
    UserDetail, UserPatch, UserQuery,
};
use crate::tui::model::FirstPage;
use crate::{Error, Result};
use std::collections::BTreeMap;
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
    /// A bulk change; users in `seen` are changed only while still at that version.
    Bulk {
        change: BulkChange,
        ids: Vec<UserId>,
        seen: BTreeMap<UserId, u64>,
    },
    /// The dry run of putting back one of the admin's changes.
    PreviewUndo(crate::tui::model::UndoStep),
    /// Puts back one of the admin's changes; answers `BulkDone` with an outcome per user.
    Undo(crate::tui::model::UndoStep),
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

/// A request's id: its answer carries it back, and goes to whoever asked (a component on the
/// stack, or the console itself), never to anyone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// What arrives on the console's channel. Answers are large and progress small, but each is
/// moved once through the channel: boxing would only add an allocation per answer.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Msg {
    /// A request's answer.
    Answer {
        id: RequestId,
        result: Result<Reply>,
    },
    /// How far a chunked bulk change has come (not an answer: more follows).
    Progress {
        id: RequestId,
        done: usize,
        total: usize,
    },
}

/// What a request brought when it worked (the kind follows from the request).
#[derive(Debug)]
pub enum Reply {
    SignedIn(Connected),
    Loaded(Loaded),
    FirstPage(FirstPage),
    Detail(UserDetail),
    /// The core's dry run: what each user's outcome would be.
    Preview(Vec<Outcome>),
    BulkDone(Vec<Outcome>),
    Invited(InviteIssued),
    /// Per user: resending or cancelling goes on past a refusal.
    Resent(Vec<(UserId, Result<InviteIssued>)>),
    Cancelled(Vec<(UserId, Result<()>)>),
    OwnershipTransferred(crate::service::OwnershipTransferred),
    Updated(User),
    FormRefreshed(UserDetail),
    Deleted,
    TeamCreated(Team),
    TeamRenamed(Team),
    TeamDeleted,
    Audit(Page<AuditEvent>),
    /// The path written, or why not (a local file, not the service).
    LinksWritten(std::result::Result<String, String>),
}

/// Runs one effect on the runtime; its answer arrives on `tx` with `id`. Without an API
/// (connected mode before signing in) every effect answers `Unauthenticated`.
pub fn spawn(
    api: Option<Arc<dyn AdminApi>>,
    connector: Option<Arc<dyn Connector>>,
    id: RequestId,
    effect: Effect,
    tx: UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        let result = match (effect, api) {
            (
                Effect::SignIn {
                    workspace,
                    email,
                    password,
                },
                _,
            ) => match connector {
                Some(c) => c
                    .sign_in(workspace, email, password)
                    .await
                    .map(Reply::SignedIn),
                None => Err(Error::invalid(
                    crate::domain::Field::Server,
                    "there is no server to sign in to",
                )),
            },
            (Effect::Bulk { change, ids, seen }, Some(api)) if ids.len() > BULK_CHUNK => {
                bulk_in_chunks(api.as_ref(), change, ids, &seen, |done, total| {
                    let _ = tx.send(Msg::Progress { id, done, total });
                })
                .await
            }
            (effect, Some(api)) => run(api.as_ref(), effect).await,
            (_, None) => Err(Error::Refused(Refusal::Unauthenticated)),
        };
        // The console may have quit meanwhile; nobody is left to tell.
        let _ = tx.send(Msg::Answer { id, result });
    });
}

/// Large bulk changes go in chunks, so the console can show how far along they are.
pub const BULK_CHUNK: usize = 100;

/// Applies a bulk change chunk by chunk, reporting progress after each; the answer holds
/// every outcome. A chunk that fails as a whole (the server went away) ends it: what was done
/// stays done, and the reload that follows shows it.
pub async fn bulk_in_chunks(
    api: &dyn AdminApi,
    change: BulkChange,
    ids: Vec<UserId>,
    seen: &BTreeMap<UserId, u64>,
    progress: impl Fn(usize, usize),
) -> Result<Reply> {
    let total = ids.len();
    let mut outcomes = Vec::with_capacity(total);
    for chunk in ids.chunks(BULK_CHUNK) {
        let expected = chunk
            .iter()
            .filter_map(|id| Some((*id, *seen.get(id)?)))
            .collect();
        outcomes.extend(
            api.bulk_at_versions(change.clone(), chunk.to_vec(), expected, false)
                .await?,
        );
        progress(outcomes.len(), total);
    }
    Ok(Reply::BulkDone(outcomes))
}

/// Puts back (or, with `dry_run`, previews putting back) one of the admin's changes: each
/// user at the version the change left them, so one changed since gets a conflict outcome.
async fn put_back(
    api: &dyn AdminApi,
    step: crate::tui::model::UndoStep,
    dry_run: bool,
) -> Result<Vec<Outcome>> {
    use crate::service::OutcomeResult;
    use crate::tui::model::PutBack;
    match step.put_back {
        PutBack::Bulk(changes) => {
            let mut outcomes = Vec::new();
            for (change, users) in changes {
                let ids = users.iter().map(|(id, _)| *id).collect();
                let expected = users.into_iter().collect();
                outcomes.extend(api.bulk_at_versions(change, ids, expected, dry_run).await?);
            }
            Ok(outcomes)
        }
        // An edit has no dry run: the preview says nothing, and the edit itself is pinned.
        PutBack::Edit { .. } if dry_run => Ok(Vec::new()),
        PutBack::Edit { id, version, patch } => {
            let (email, version, result) = match api.update_user(id, version, patch).await {
                Ok(user) => (
                    Some(user.email.to_string()),
                    Some(user.version),
                    OutcomeResult::Done,
                ),
                Err(e) if e.class().stops_bulk() => return Err(e),
                Err(error) => (None, None, OutcomeResult::Refused { error }),
            };
            Ok(vec![Outcome {
                id,
                email,
                result,
                version,
            }])
        }
    }
}

/// What a load brought: everything, or only what changed since the last one.
#[derive(Debug)]
pub enum Loaded {
    Everything(Snapshot),
    Changes(Changes),
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
            Err(Error::Refused(Refusal::ChangesExpired { .. })) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Loaded::Everything(api.snapshot().await?))
}

/// Runs one effect against the service: the one place that says what each request calls.
pub async fn run(api: &dyn AdminApi, effect: Effect) -> Result<Reply> {
    Ok(match effect {
        Effect::SignIn { .. } => {
            return Err(Error::invalid(
                crate::domain::Field::Server,
                "signing in needs a server",
            ));
        }
        Effect::Load { since, .. } => Reply::Loaded(load(api, since).await?),
        Effect::FirstPage { rows, .. } => Reply::FirstPage(first_page(api, rows).await?),
        Effect::Detail(id) => Reply::Detail(api.user_detail(id).await?),
        Effect::Preview { change, ids } => Reply::Preview(api.bulk(change, ids, true).await?),
        Effect::PreviewInvites { change, ids } => {
            Reply::Preview(api.preview_invites(change, ids).await?)
        }
        Effect::PreviewDelete(id) => Reply::Preview(vec![api.preview_delete_user(id).await?]),
        Effect::Bulk { change, ids, seen } => {
            Reply::BulkDone(api.bulk_at_versions(change, ids, seen, false).await?)
        }
        Effect::PreviewUndo(step) => Reply::Preview(put_back(api, step, true).await?),
        Effect::Undo(step) => Reply::BulkDone(put_back(api, step, false).await?),
        Effect::Invite(new) => Reply::Invited(api.invite(new).await?),
        Effect::Resend(ids) => {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push((id, api.resend_invite(id).await));
            }
            Reply::Resent(out)
        }
        Effect::Cancel(ids) => {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push((id, api.cancel_invite(id).await));
            }
            Reply::Cancelled(out)
        }
        Effect::TransferOwnership(to) => {
            Reply::OwnershipTransferred(api.transfer_ownership(to).await?)
        }
        Effect::Update { id, version, patch } => {
            Reply::Updated(api.update_user(id, version, patch).await?)
        }
        Effect::RefreshForm(id) => Reply::FormRefreshed(api.user_detail(id).await?),
        Effect::Delete { id, .. } => {
            api.delete_user(id).await?;
            Reply::Deleted
        }
        Effect::CreateTeam(name) => Reply::TeamCreated(api.create_team(name).await?),
        Effect::RenameTeam { id, name } => Reply::TeamRenamed(api.rename_team(id, name).await?),
        Effect::DeleteTeam { id, .. } => {
            api.delete_team(id).await?;
            Reply::TeamDeleted
        }
        Effect::Audit { before } => Reply::Audit(api.audit(before, 200).await?),
        Effect::WriteLinks { path, contents } => Reply::LinksWritten(
            tokio::task::spawn_blocking(move || write_private(&path, &contents))
                .await
                .unwrap_or_else(|e| Err(e.to_string())),
        ),
    })
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

/// Runs a request and wraps its answer as the console receives it (tests and benchmarks run
/// the console's requests themselves, in order).
pub async fn answer(api: &dyn AdminApi, id: RequestId, effect: Effect) -> Msg {
    Msg::Answer {
        id,
        result: run(api, effect).await,
    }
}
