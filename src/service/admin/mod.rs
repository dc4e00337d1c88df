//! `AdminApi`: what an Owner or Admin can do in their workspace. `LocalAdmin` implements it over
//! a store (offline mode, the demo, and inside the server); the HTTP client implements it over
//! the server's REST API, so the console does not know which one it talks to.

use super::ops::{self, Ctx};
use super::types::*;
use super::{Core, FieldErrors};
use crate::domain::Refusal;
use crate::domain::rules;
use crate::domain::search::{Filter, SearchText, team_names};
use crate::domain::{
    AuditAction, AuditEvent, AuditTarget, Email, Entity, EventId, Invite, PersonName, Roles, Team,
    TeamId, TeamName, Token, User, UserId, UserStatus, Workspace, WorkspaceId,
};
use crate::store::{Store, TxMode, UserRecord};
use crate::{Error, Result};
use async_trait::async_trait;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::OffsetDateTime;

mod invites;
mod ownership;
mod teams;
mod users;
mod workspace;

/// How many audit events the detail pane shows.
const RECENT_EVENTS: usize = 20;
/// The largest page any listing returns.
pub const MAX_PAGE: usize = 1000;

#[async_trait]
pub trait AdminApi: Send + Sync {
    /// The acting user.
    async fn me(&self) -> Result<User>;
    async fn workspace(&self) -> Result<Workspace>;
    /// Users, teams and invites in one consistent read, for the console.
    async fn snapshot(&self) -> Result<Snapshot>;
    /// A page of users in a stable order (creation order).
    async fn list_users(&self, query: UserQuery) -> Result<Page<User>>;
    async fn user_detail(&self, id: UserId) -> Result<UserDetail>;
    /// Pending invites with their users.
    async fn list_invites(&self) -> Result<Vec<(User, Invite)>>;
    /// What changed after `since` (a `Snapshot`'s or an earlier answer's `seq`); refused with
    /// `ChangesExpired` when the feed no longer reaches back that far (reload everything).
    async fn changes(&self, since: u64) -> Result<Changes>;
    /// The workspace's latest change sequence number.
    async fn change_seq(&self) -> Result<u64>;

    async fn invite(&self, new: NewInvite) -> Result<InviteIssued>;
    async fn resend_invite(&self, id: UserId) -> Result<InviteIssued>;
    async fn cancel_invite(&self, id: UserId) -> Result<()>;
    /// What resending or cancelling each of these invites would do, changing nothing: `Done`
    /// where the rules allow it, else the refusal (a dry run of `resend_invite`/`cancel_invite`).
    async fn preview_invites(&self, change: InviteChange, ids: Vec<UserId>)
    -> Result<Vec<Outcome>>;

    /// Edits one user; `expected_version` is the version the edit started from.
    async fn update_user(
        &self,
        id: UserId,
        expected_version: u64,
        patch: UserPatch,
    ) -> Result<User>;
    /// Applies one change to many users, each on its own: one refusal never blocks the others.
    /// With `dry_run`, nothing is kept and the outcomes say what would happen.
    async fn bulk(
        &self,
        change: BulkChange,
        ids: Vec<UserId>,
        dry_run: bool,
    ) -> Result<Vec<Outcome>>;
    /// `bulk`, changing each user listed in `expected` only while they are still at the version
    /// given (an `Outcome::version` the caller saw): one changed in between gets a conflict
    /// outcome and is left as it is. What a confirmed preview and an undo run.
    async fn bulk_at_versions(
        &self,
        change: BulkChange,
        ids: Vec<UserId>,
        expected: BTreeMap<UserId, u64>,
        dry_run: bool,
    ) -> Result<Vec<Outcome>>;
    /// Grants Owner to another active user and removes it from the acting Owner, in one
    /// transaction: the workspace has an Owner throughout.
    async fn transfer_ownership(&self, to: UserId) -> Result<OwnershipTransferred>;
    /// Deletes a user for good, with their invites, sessions and history.
    async fn delete_user(&self, id: UserId) -> Result<()>;
    /// What deleting this user would do, changing nothing: `Done` where the rules allow it,
    /// else the refusal (a dry run of `delete_user`, for the confirmation before it).
    async fn preview_delete_user(&self, id: UserId) -> Result<Outcome>;

    async fn list_teams(&self) -> Result<Vec<Team>>;
    async fn create_team(&self, name: String) -> Result<Team>;
    async fn rename_team(&self, id: TeamId, name: String) -> Result<Team>;
    /// Deletes a team and removes it from all its members.
    async fn delete_team(&self, id: TeamId) -> Result<()>;

    /// The audit log, newest first; `before` continues from an earlier page's `next`.
    async fn audit(&self, before: Option<EventId>, limit: usize) -> Result<Page<AuditEvent>>;
}

/// An admin acting through a local store.
pub struct LocalAdmin<S: Store> {
    core: Core<S>,
    ws: WorkspaceId,
    actor: UserId,
}

impl<S: Store> Clone for LocalAdmin<S> {
    fn clone(&self) -> Self {
        LocalAdmin {
            core: self.core.clone(),
            ws: self.ws,
            actor: self.actor,
        }
    }
}

impl<S: Store> LocalAdmin<S> {
    pub(crate) fn new(core: Core<S>, ws: WorkspaceId, actor: UserId) -> Self {
        LocalAdmin { core, ws, actor }
    }

    pub fn core(&self) -> &Core<S> {
        &self.core
    }

    /// The acting user, if they may manage the workspace (an active Owner or Admin); otherwise
    /// the refusal. For front ends that refuse a whole request up front (the server answers a
    /// Supervisor's bulk request with 403 instead of one refusal per user).
    pub async fn manager(&self) -> Result<User> {
        self.read(|_, me| Ok(me.clone())).await
    }

    /// Runs blocking work with this admin's context (workspace, actor, the time now).
    async fn as_actor<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&super::Inner<S>, Ctx) -> Result<R> + Send + 'static,
    {
        let (ws, actor) = (self.ws, self.actor);
        self.core
            .blocking(move |inner| {
                let now = inner.clock.now();
                f(inner, Ctx { ws, actor, now })
            })
            .await
    }

    /// Runs one committed transaction as this admin and flushes it.
    async fn commit<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: Fn(&dyn crate::store::Tx, &Ctx) -> Result<R> + Send + Sync + 'static,
    {
        self.as_actor(move |inner, ctx| {
            let r = inner.store.transact(TxMode::Commit, &|tx| f(tx, &ctx))?;
            inner.store.flush()?;
            Ok(r)
        })
        .await
    }

    /// Checks, in a read-only transaction, that the actor may manage the workspace.
    async fn read<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&S, &User) -> Result<R> + Send + 'static,
    {
        let (ws, actor) = (self.ws, self.actor);
        self.core
            .blocking(move |inner| {
                let me = inner.store.transact(TxMode::DryRun, &|tx| {
                    Ctx {
                        ws,
                        actor,
                        now: inner.clock.now(),
                    }
                    .manager(tx)
                })?;
                f(&inner.store, &me)
            })
            .await
    }
}

fn parse_roles(roles: &[crate::domain::Role]) -> Result<Roles> {
    Ok(Roles::new(roles.iter().copied())?)
}

fn display_name_or(full: &PersonName, display: Option<&str>) -> Result<PersonName> {
    match display.map(str::trim) {
        Some(d) if !d.is_empty() => Ok(PersonName::parse_display(d)?),
        _ => Ok(full.clone()),
    }
}

#[async_trait]
impl<S: Store> AdminApi for LocalAdmin<S> {
    async fn me(&self) -> Result<User> {
        workspace::me(self).await
    }

    async fn workspace(&self) -> Result<Workspace> {
        workspace::workspace(self).await
    }

    async fn snapshot(&self) -> Result<Snapshot> {
        workspace::snapshot(self).await
    }

    async fn change_seq(&self) -> Result<u64> {
        workspace::change_seq(self).await
    }

    async fn changes(&self, since: u64) -> Result<Changes> {
        workspace::changes(self, since).await
    }

    async fn list_users(&self, query: UserQuery) -> Result<Page<User>> {
        users::list_users(self, query).await
    }

    async fn user_detail(&self, id: UserId) -> Result<UserDetail> {
        users::user_detail(self, id).await
    }

    async fn list_invites(&self) -> Result<Vec<(User, Invite)>> {
        invites::list_invites(self).await
    }

    async fn invite(&self, new: NewInvite) -> Result<InviteIssued> {
        invites::invite(self, new).await
    }

    async fn resend_invite(&self, id: UserId) -> Result<InviteIssued> {
        invites::resend_invite(self, id).await
    }

    async fn preview_invites(
        &self,
        change: InviteChange,
        ids: Vec<UserId>,
    ) -> Result<Vec<Outcome>> {
        invites::preview_invites(self, change, ids).await
    }

    async fn cancel_invite(&self, id: UserId) -> Result<()> {
        invites::cancel_invite(self, id).await
    }

    async fn update_user(
        &self,
        id: UserId,
        expected_version: u64,
        patch: UserPatch,
    ) -> Result<User> {
        users::update_user(self, id, expected_version, patch).await
    }

    async fn bulk(
        &self,
        change: BulkChange,
        ids: Vec<UserId>,
        dry_run: bool,
    ) -> Result<Vec<Outcome>> {
        users::bulk(self, change, ids, BTreeMap::new(), dry_run).await
    }

    async fn bulk_at_versions(
        &self,
        change: BulkChange,
        ids: Vec<UserId>,
        expected: BTreeMap<UserId, u64>,
        dry_run: bool,
    ) -> Result<Vec<Outcome>> {
        users::bulk(self, change, ids, expected, dry_run).await
    }

    async fn transfer_ownership(&self, to: UserId) -> Result<OwnershipTransferred> {
        ownership::transfer_ownership(self, to).await
    }

    async fn preview_delete_user(&self, id: UserId) -> Result<Outcome> {
        users::preview_delete_user(self, id).await
    }

    async fn delete_user(&self, id: UserId) -> Result<()> {
        users::delete_user(self, id).await
    }

    async fn list_teams(&self) -> Result<Vec<Team>> {
        teams::list_teams(self).await
    }

    async fn create_team(&self, name: String) -> Result<Team> {
        teams::create_team(self, name).await
    }

    async fn rename_team(&self, id: TeamId, name: String) -> Result<Team> {
        teams::rename_team(self, id, name).await
    }

    async fn delete_team(&self, id: TeamId) -> Result<()> {
        teams::delete_team(self, id).await
    }

    async fn audit(&self, before: Option<EventId>, limit: usize) -> Result<Page<AuditEvent>> {
        workspace::audit(self, before, limit).await
    }
}

fn workspace_of<S: Store>(store: &S, ws: WorkspaceId) -> Result<Workspace> {
    store.transact(TxMode::DryRun, &|tx| {
        tx.workspace(ws)?.ok_or_else(|| {
            Error::Refused(Refusal::WorkspaceNotFound {
                workspace: ws.to_string(),
            })
        })
    })
}
