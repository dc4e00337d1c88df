//! The workspace as a whole: who is acting, the workspace itself, the console's snapshot, the
//! change feed and the audit log. Reads only; every write lives with its resource.

use super::*;
use crate::domain::Refusal;

pub(super) async fn me<S: Store>(admin: &LocalAdmin<S>) -> Result<User> {
    let (ws, actor) = (admin.ws, admin.actor);
    admin
        .core
        .blocking(move |inner| {
            inner.store.transact(TxMode::DryRun, &|tx| {
                tx.user(ws, actor)?
                    .ok_or(Error::Refused(Refusal::Unauthenticated))
            })
        })
        .await
}

pub(super) async fn workspace<S: Store>(admin: &LocalAdmin<S>) -> Result<Workspace> {
    let ws = admin.ws;
    admin
        .core
        .blocking(move |inner| {
            inner.store.transact(TxMode::DryRun, &|tx| {
                tx.workspace(ws)?.ok_or_else(|| {
                    Error::Refused(Refusal::WorkspaceNotFound {
                        workspace: ws.to_string(),
                    })
                })
            })
        })
        .await
}

pub(super) async fn snapshot<S: Store>(admin: &LocalAdmin<S>) -> Result<Snapshot> {
    let ws = admin.ws;
    admin
        .read(move |store, me| {
            // Read before the data: a change made meanwhile is then replayed, never missed.
            let seq = store.change_seq(ws)?;
            let workspace = workspace_of(store, ws)?;
            let users = store.users(ws)?;
            let mut invites = Vec::new();
            for u in users.iter().filter(|u| u.status == UserStatus::Invited) {
                if let Some(invite) = store.invite_of(ws, u.id)?.filter(Invite::is_pending) {
                    invites.push(invite);
                }
            }
            Ok(Snapshot {
                seq,
                workspace,
                me: me.clone(),
                users,
                invites,
                teams: store.teams(ws)?,
            })
        })
        .await
}

pub(super) async fn change_seq<S: Store>(admin: &LocalAdmin<S>) -> Result<u64> {
    let ws = admin.ws;
    admin.read(move |store, _| store.change_seq(ws)).await
}

pub(super) async fn changes<S: Store>(admin: &LocalAdmin<S>, since: u64) -> Result<Changes> {
    let ws = admin.ws;
    admin
        .read(move |store, _| {
            let changed = store.changes_since(ws, since)?.map_err(|old| {
                Error::Refused(Refusal::ChangesExpired {
                    since,
                    oldest: old.oldest,
                })
            })?;
            let mut out = Changes {
                seq: changed.seq,
                ..Changes::default()
            };
            let read = |tx: &dyn crate::store::Tx| {
                let mut users = Vec::new();
                for &id in &changed.users {
                    users.push((id, tx.user(ws, id)?, tx.invite(ws, id)?));
                }
                let mut teams = Vec::new();
                for &id in &changed.teams {
                    teams.push((id, tx.team(ws, id)?));
                }
                Ok((users, teams))
            };
            // Current state, read consistently; it may be newer than `seq`, and the changes
            // after `seq` will repeat it next time, which is harmless.
            let (users, teams) = store.transact(TxMode::DryRun, &read)?;
            for (id, user, invite) in users {
                match user {
                    Some(user) => {
                        if let Some(invite) = invite.filter(Invite::is_pending)
                            && user.status == UserStatus::Invited
                        {
                            out.invites.push(invite);
                        }
                        out.users.push(user);
                    }
                    None => out.removed_users.push(id),
                }
            }
            for (id, team) in teams {
                match team {
                    Some(team) => out.teams.push(team),
                    None => out.removed_teams.push(id),
                }
            }
            if changed.workspace {
                out.workspace = Some(workspace_of(store, ws)?);
            }
            Ok(out)
        })
        .await
}

pub(super) async fn audit<S: Store>(
    admin: &LocalAdmin<S>,
    before: Option<EventId>,
    limit: usize,
) -> Result<Page<AuditEvent>> {
    let ws = admin.ws;
    admin
        .read(move |store, _| {
            let limit = limit.clamp(1, MAX_PAGE);
            let items = store.audit_page(ws, before, limit)?;
            let next = (items.len() == limit)
                .then(|| items.last().map(|e| e.id.to_string()))
                .flatten();
            Ok(Page {
                items,
                next,
                total: None,
            })
        })
        .await
}
