//! `AdminApi`: what an Owner or Admin can do in their workspace. `LocalAdmin` implements it over
//! a store (offline mode, the demo, and inside the server); the HTTP client implements it over
//! the server's REST API, so the console does not know which one it talks to.

use super::ops::{self, Ctx};
use super::types::*;
use super::{Core, FieldErrors};
use crate::domain::rules;
use crate::domain::search::{Filter, SearchText, team_names};
use crate::domain::{
    AuditAction, AuditEvent, AuditTarget, Email, Entity, Error, EventId, Invite, PersonName,
    Result, Roles, Team, TeamId, TeamName, Token, User, UserId, UserStatus, Workspace, WorkspaceId,
};
use crate::store::{Store, TxMode, UserRecord};
use async_trait::async_trait;
use std::collections::{BTreeSet, HashMap};
use time::OffsetDateTime;

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

    /// A page of users with each one as its stored JSON, for a front end that only passes them
    /// on (the server's list route): what `list_users` returns, without decoding every user
    /// and encoding it again.
    pub async fn list_users_json(
        &self,
        query: UserQuery,
    ) -> Result<Page<Box<serde_json::value::RawValue>>> {
        self.users_page(query, |record, _| record.into_json()).await
    }

    /// One page of users after `query.after`: the scan stops as soon as the page is full. Each
    /// user that matches becomes an item through `item`, which also gets the decoded user when
    /// the filter needed it.
    async fn users_page<T, F>(&self, query: UserQuery, item: F) -> Result<Page<T>>
    where
        T: Send + 'static,
        F: Fn(UserRecord, Option<User>) -> Result<T> + Send + 'static,
    {
        let ws = self.ws;
        let now = self.core.now();
        self.read(move |store, _| {
            let limit = query.limit.unwrap_or(100).clamp(1, MAX_PAGE);
            let filter = Filter::parse(query.q.as_deref().unwrap_or(""))?;
            let names = if filter.is_empty() {
                Default::default()
            } else {
                team_names(&store.teams(ws)?)
            };
            let expiries: HashMap<UserId, OffsetDateTime> = if filter.uses_time() {
                let invites = store.invites(ws)?.into_iter().filter(Invite::is_pending);
                invites.map(|i| (i.user_id, i.expires_at)).collect()
            } else {
                HashMap::new()
            };
            let matcher = filter.matcher(&names);
            // One more than the page, to know whether there is a next one; the scan stops there.
            let mut items: Vec<T> = Vec::with_capacity(limit + 1);
            // The page's last user, where the next page starts after.
            let mut page_end: Option<UserId> = None;
            store.scan_user_records(ws, query.status, query.after, &mut |record| {
                // Without a filter every user matches: nothing to decode or prepare.
                let decoded = if filter.is_empty() {
                    None
                } else {
                    let u = record.user()?;
                    let text = SearchText::new(&u, &names);
                    if !matcher.matches(&u, &text, expiries.get(&u.id).copied(), now) {
                        return Ok(true);
                    }
                    Some(u)
                };
                let id = record.id;
                items.push(item(record, decoded)?);
                if items.len() == limit {
                    page_end = Some(id);
                }
                Ok(items.len() <= limit)
            })?;
            let next = if items.len() > limit {
                items.truncate(limit);
                page_end.map(|id| id.to_string())
            } else {
                None
            };
            let total = if filter.is_empty() {
                let counts = store.status_counts(ws)?;
                Some(query.status.map_or(counts.total(), |s| counts.get(s)))
            } else {
                None
            };
            Ok(Page { items, next, total })
        })
        .await
    }

    fn issue(
        ctx: &Ctx,
        user: &User,
        actor: &User,
        token: &Token,
        lifetime: time::Duration,
        previous: Option<&Invite>,
        send: bool,
    ) -> Invite {
        Invite {
            user_id: user.id,
            workspace: ctx.ws,
            sent_by: actor.id,
            sent_at: ctx.now,
            expires_at: ctx.now + lifetime,
            times_sent: previous.map_or(1, |p| p.times_sent + 1),
            send_requested: send,
            email_sent: false,
            token_hash: token.hash(),
            accepted_at: None,
        }
    }
}

fn parse_roles(roles: &[crate::domain::Role]) -> Result<Roles> {
    Roles::new(roles.iter().copied())
}

fn display_name_or(full: &PersonName, display: Option<&str>) -> Result<PersonName> {
    match display.map(str::trim) {
        Some(d) if !d.is_empty() => PersonName::parse_display(d),
        _ => Ok(full.clone()),
    }
}

#[async_trait]
impl<S: Store> AdminApi for LocalAdmin<S> {
    async fn me(&self) -> Result<User> {
        let (ws, actor) = (self.ws, self.actor);
        self.core
            .blocking(move |inner| {
                inner.store.transact(TxMode::DryRun, &|tx| {
                    tx.user(ws, actor)?.ok_or(Error::Unauthenticated)
                })
            })
            .await
    }

    async fn workspace(&self) -> Result<Workspace> {
        let ws = self.ws;
        self.core
            .blocking(move |inner| {
                inner.store.transact(TxMode::DryRun, &|tx| {
                    tx.workspace(ws)?.ok_or_else(|| Error::WorkspaceNotFound {
                        workspace: ws.to_string(),
                    })
                })
            })
            .await
    }

    async fn snapshot(&self) -> Result<Snapshot> {
        let ws = self.ws;
        self.read(move |store, me| {
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

    async fn change_seq(&self) -> Result<u64> {
        let ws = self.ws;
        self.read(move |store, _| store.change_seq(ws)).await
    }

    async fn changes(&self, since: u64) -> Result<Changes> {
        let ws = self.ws;
        self.read(move |store, _| {
            let changed = store
                .changes_since(ws, since)?
                .map_err(|old| Error::ChangesExpired {
                    since,
                    oldest: old.oldest,
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

    async fn list_users(&self, query: UserQuery) -> Result<Page<User>> {
        self.users_page(query, |record, decoded| match decoded {
            Some(user) => Ok(user),
            None => record.user(),
        })
        .await
    }

    async fn user_detail(&self, id: UserId) -> Result<UserDetail> {
        let ws = self.ws;
        let now = self.core.now();
        self.read(move |store, _| {
            let (user, invite) = store.transact(TxMode::DryRun, &|tx| {
                Ok((ops::user(tx, ws, id)?, tx.invite(ws, id)?))
            })?;
            let has_password = store.has_password(ws, id)?;
            Ok(UserDetail {
                access: rules::access(&user, invite.as_ref(), has_password, now),
                recent_events: store.user_audit(ws, id, RECENT_EVENTS)?,
                user,
                invite,
            })
        })
        .await
    }

    async fn list_invites(&self) -> Result<Vec<(User, Invite)>> {
        let ws = self.ws;
        self.read(move |store, _| {
            // Pending invites are those of the Invited users: read through the status range.
            let mut out = Vec::new();
            store.scan_users(ws, Some(UserStatus::Invited), None, &mut |u| {
                if let Some(invite) = store.invite_of(ws, u.id)?.filter(Invite::is_pending) {
                    out.push((u, invite));
                }
                Ok(true)
            })?;
            Ok(out)
        })
        .await
    }

    async fn invite(&self, new: NewInvite) -> Result<InviteIssued> {
        let mut errors = FieldErrors::default();
        let email = errors.take(Email::parse(&new.email));
        let full_name = errors.take(PersonName::parse(&new.full_name));
        let display = full_name
            .as_ref()
            .and_then(|f| errors.take(display_name_or(f, new.display_name.as_deref())));
        let roles = errors.take(parse_roles(&new.roles));
        errors.finish()?;
        let (Some(email), Some(full_name), Some(display_name), Some(roles)) =
            (email, full_name, display, roles)
        else {
            return Err(Error::storage("form parsing lost a field"));
        };
        let teams: BTreeSet<TeamId> = new.teams.iter().copied().collect();
        let token = Token::generate()?;
        let lifetime = self.core.config().invite_lifetime;
        let send = new.send_invite;
        self.commit(move |tx, ctx| {
            let actor = ctx.actor(tx)?;
            rules::check_invite(&actor, roles)?;
            if tx.user_id_by_email(ctx.ws, &email)?.is_some() {
                return Err(Error::DuplicateEmail {
                    email: email.to_string(),
                });
            }
            let mut user = User::new_invited(
                ctx.ws,
                email.clone(),
                full_name.clone(),
                display_name.clone(),
                roles,
                Some(actor.id),
                ctx.now,
            );
            let team_change = ops::replace_teams(tx, ctx, &mut user, &teams)?;
            tx.put_user(&user)?;
            let invite = Self::issue(ctx, &user, &actor, &token, lifetime, None, send);
            tx.put_invite(&invite)?;
            let mut detail = format!("as {roles}");
            if !team_change.is_empty() {
                detail.push_str(&format!("; teams {team_change}"));
            }
            ctx.audit_user(tx, &actor, AuditAction::UserInvited, &user, detail)?;
            Ok(InviteIssued {
                user,
                invite,
                token: token.clone(),
            })
        })
        .await
    }

    async fn resend_invite(&self, id: UserId) -> Result<InviteIssued> {
        let token = Token::generate()?;
        let lifetime = self.core.config().invite_lifetime;
        self.commit(move |tx, ctx| {
            let actor = ctx.actor(tx)?;
            let user = ops::user(tx, ctx.ws, id)?;
            rules::check_invite_change(&actor, &user, "resend")?;
            let previous = tx
                .invite(ctx.ws, id)?
                .ok_or_else(|| Error::not_found(Entity::Invite, id))?;
            let invite = Self::issue(
                ctx,
                &user,
                &actor,
                &token,
                lifetime,
                Some(&previous),
                previous.send_requested,
            );
            tx.put_invite(&invite)?;
            let detail = format!(
                "sent {} times; new link expires {}",
                invite.times_sent,
                invite.expires_at.date()
            );
            ctx.audit_user(tx, &actor, AuditAction::InviteResent, &user, detail)?;
            Ok(InviteIssued {
                user,
                invite,
                token: token.clone(),
            })
        })
        .await
    }

    async fn preview_invites(
        &self,
        change: InviteChange,
        ids: Vec<UserId>,
    ) -> Result<Vec<Outcome>> {
        let mut seen = BTreeSet::new();
        let ids: Vec<UserId> = ids.into_iter().filter(|id| seen.insert(*id)).collect();
        self.as_actor(move |inner, ctx| {
            inner.store.transact(TxMode::DryRun, &|tx| {
                let actor = ctx.actor(tx)?;
                ids.iter()
                    .map(|&id| {
                        let user = tx.user(ctx.ws, id)?;
                        let result = match &user {
                            None => Err(Error::not_found(Entity::User, id)),
                            Some(user) => rules::check_invite_change(&actor, user, change.verb()),
                        };
                        Ok(Outcome {
                            id,
                            email: user.map(|u| u.email.to_string()),
                            result: match result {
                                Ok(()) => OutcomeResult::Done,
                                Err(error) => OutcomeResult::Refused { error },
                            },
                        })
                    })
                    .collect()
            })
        })
        .await
    }

    async fn cancel_invite(&self, id: UserId) -> Result<()> {
        self.commit(move |tx, ctx| {
            let actor = ctx.actor(tx)?;
            let mut user = ops::user(tx, ctx.ws, id)?;
            rules::check_invite_change(&actor, &user, "cancel")?;
            ops::replace_teams(tx, ctx, &mut user, &BTreeSet::new())?;
            tx.remove_invite(ctx.ws, id)?;
            tx.remove_user(ctx.ws, id)?;
            ctx.audit_user(
                tx,
                &actor,
                AuditAction::InviteCancelled,
                &user,
                String::new(),
            )
        })
        .await
    }

    async fn update_user(
        &self,
        id: UserId,
        expected_version: u64,
        patch: UserPatch,
    ) -> Result<User> {
        let mut errors = FieldErrors::default();
        let full_name = patch
            .full_name
            .as_deref()
            .and_then(|f| errors.take(PersonName::parse(f)).map(Some))
            .unwrap_or(None);
        let display: Option<Option<PersonName>> = patch.display_name.as_deref().map(|d| {
            if d.trim().is_empty() {
                None // blank: follow the full name
            } else {
                errors.take(PersonName::parse_display(d))
            }
        });
        let roles = match &patch.roles {
            Some(r) => errors.take(parse_roles(r)).map(Some).unwrap_or(None),
            None => None,
        };
        errors.finish()?;
        let teams: Option<BTreeSet<TeamId>> =
            patch.teams.as_ref().map(|t| t.iter().copied().collect());
        let beta = patch.beta;
        self.commit(move |tx, ctx| {
            let actor = ctx.actor(tx)?;
            rules::check_edit(&actor)?;
            let mut user = ops::user(tx, ctx.ws, id)?;
            if user.version != expected_version {
                return Err(Error::Conflict {
                    what: user.email.to_string(),
                    current: user.version,
                });
            }
            let before = user.clone();
            let mut events: Vec<(AuditAction, String)> = Vec::new();
            if let Some(roles) = roles
                && roles != user.roles
            {
                rules::check_set_roles(&actor, &user, roles, &tx.active_owners(ctx.ws)?)?;
                events.push((
                    AuditAction::RolesChanged,
                    format!("{} → {}", user.roles, roles),
                ));
                user.roles = roles;
            }
            let follows = before.display_name == before.full_name;
            if let Some(full) = &full_name {
                user.full_name = full.clone();
            }
            match &display {
                Some(Some(d)) => user.display_name = d.clone(),
                Some(None) => user.display_name = user.full_name.clone(),
                // untouched display name keeps following the full name if it did
                None if follows => user.display_name = user.full_name.clone(),
                None => {}
            }
            if user.full_name != before.full_name || user.display_name != before.display_name {
                events.push((AuditAction::ProfileChanged, "name".into()));
            }
            if let Some(teams) = &teams {
                let change = ops::replace_teams(tx, ctx, &mut user, teams)?;
                if !change.is_empty() {
                    events.push((AuditAction::TeamsChanged, change));
                }
            }
            if let Some(beta) = beta
                && beta != user.beta
            {
                user.beta = beta;
                events.push((
                    AuditAction::BetaChanged,
                    if beta { "on" } else { "off" }.into(),
                ));
            }
            if events.is_empty() {
                return Ok(user);
            }
            user.touch(ctx.now);
            tx.put_user(&user)?;
            for (action, detail) in events {
                ctx.audit_user(tx, &actor, action, &user, detail)?;
            }
            Ok(user)
        })
        .await
    }

    async fn bulk(
        &self,
        change: BulkChange,
        ids: Vec<UserId>,
        dry_run: bool,
    ) -> Result<Vec<Outcome>> {
        if let BulkChange::SetRoles { roles } = &change {
            parse_roles(roles)?;
        }
        let mut seen = BTreeSet::new();
        let ids: Vec<UserId> = ids.into_iter().filter(|id| seen.insert(*id)).collect();
        let ws = self.ws;
        self.as_actor(move |inner, ctx| {
            let label = |tx: &dyn crate::store::Tx, id| -> Result<Option<String>> {
                Ok(tx.user(ws, id)?.map(|u| u.email.to_string()))
            };
            let outcome = |id, email, r: Result<bool>| Outcome {
                id,
                email,
                result: match r {
                    Ok(true) => OutcomeResult::Done,
                    Ok(false) => OutcomeResult::Unchanged,
                    Err(error) => OutcomeResult::Refused { error },
                },
            };
            if dry_run {
                // One rolled-back transaction over all of them, so each check sees the
                // effect of the ones before it (the second of two Owners is refused).
                return inner.store.transact(TxMode::DryRun, &|tx| {
                    ids.iter()
                        .map(|&id| {
                            let email = label(tx, id)?;
                            let r = ops::apply_bulk(tx, &ctx, &change, id);
                            if let Err(e) = &r
                                && e.is_storage_fault()
                            {
                                r.clone()?;
                            }
                            Ok(outcome(id, email, r))
                        })
                        .collect()
                });
            }
            let mut outcomes = Vec::with_capacity(ids.len());
            for &id in &ids {
                let r = inner.store.transact(TxMode::Commit, &|tx| {
                    let email = label(tx, id)?;
                    let changed = ops::apply_bulk(tx, &ctx, &change, id)?;
                    Ok((email, changed))
                });
                let o = match r {
                    Ok((email, changed)) => outcome(id, email, Ok(changed)),
                    Err(e) if e.is_storage_fault() => return Err(e),
                    Err(e) => {
                        let email = inner.store.transact(TxMode::DryRun, &|tx| label(tx, id))?;
                        outcome(id, email, Err(e))
                    }
                };
                outcomes.push(o);
            }
            inner.store.flush()?;
            Ok(outcomes)
        })
        .await
    }

    async fn transfer_ownership(&self, to: UserId) -> Result<OwnershipTransferred> {
        self.commit(move |tx, ctx| {
            let mut actor = ctx.actor(tx)?;
            let mut target = ops::user(tx, ctx.ws, to)?;
            let (actor_roles, target_roles) = rules::transfer_ownership(&actor, &target)?;
            // Target first: granting before removing keeps an Owner at every step.
            let target_detail = format!(
                "{} → {} (ownership transferred)",
                target.roles, target_roles
            );
            target.roles = target_roles;
            target.touch(ctx.now);
            tx.put_user(&target)?;
            ctx.audit_user(
                tx,
                &actor,
                AuditAction::RolesChanged,
                &target,
                target_detail,
            )?;
            let actor_detail = format!(
                "{} → {} (ownership transferred to {})",
                actor.roles, actor_roles, target.email
            );
            actor.roles = actor_roles;
            actor.touch(ctx.now);
            tx.put_user(&actor)?;
            let acting = actor.clone();
            ctx.audit_user(tx, &acting, AuditAction::RolesChanged, &actor, actor_detail)?;
            Ok(OwnershipTransferred {
                previous_owner: actor,
                owner: target,
            })
        })
        .await
    }

    async fn preview_delete_user(&self, id: UserId) -> Result<Outcome> {
        self.as_actor(move |inner, ctx| {
            inner.store.transact(TxMode::DryRun, &|tx| {
                let actor = ctx.actor(tx)?;
                let user = tx.user(ctx.ws, id)?;
                let result = match &user {
                    None => Err(Error::not_found(Entity::User, id)),
                    Some(user) => rules::check_delete(&actor, user, &tx.active_owners(ctx.ws)?),
                };
                Ok(Outcome {
                    id,
                    email: user.map(|u| u.email.to_string()),
                    result: match result {
                        Ok(()) => OutcomeResult::Done,
                        Err(error) => OutcomeResult::Refused { error },
                    },
                })
            })
        })
        .await
    }

    async fn delete_user(&self, id: UserId) -> Result<()> {
        let ws = self.ws;
        self.as_actor(move |inner, ctx| {
            let sessions = inner.store.user_sessions(ws, id)?;
            inner.store.transact(TxMode::Commit, &|tx| {
                let actor = ctx.actor(tx)?;
                let mut target = ops::user(tx, ws, id)?;
                rules::check_delete(&actor, &target, &tx.active_owners(ws)?)?;
                ops::replace_teams(tx, &ctx, &mut target, &BTreeSet::new())?;
                tx.erase_audit_naming(ws, id)?;
                tx.remove_invite(ws, id)?;
                for s in &sessions {
                    tx.remove_session(s)?;
                }
                tx.remove_user(ws, id)?;
                // Only that a user id was deleted, by whom and when: no email, no name.
                ctx.audit(
                    tx,
                    &actor,
                    AuditAction::UserDeleted,
                    AuditTarget::User(id),
                    "",
                    String::new(),
                )
            })?;
            // A sign-in that committed between the scan and the deletion left a session
            // behind; it can't authenticate (its user is gone), and is removed here.
            let late = inner.store.user_sessions(ws, id)?;
            if !late.is_empty() {
                inner.store.transact(TxMode::Commit, &|tx| {
                    late.iter().try_for_each(|s| tx.remove_session(s))
                })?;
            }
            inner.store.flush()
        })
        .await
    }

    async fn list_teams(&self) -> Result<Vec<Team>> {
        let ws = self.ws;
        self.read(move |store, _| store.teams(ws)).await
    }

    async fn create_team(&self, name: String) -> Result<Team> {
        let name = TeamName::parse(&name)?;
        self.commit(move |tx, ctx| {
            let actor = ctx.manager(tx)?;
            if tx.team_id_by_name(ctx.ws, &name.folded())?.is_some() {
                return Err(Error::DuplicateTeam {
                    name: name.to_string(),
                });
            }
            let team = Team {
                id: TeamId::new(),
                workspace: ctx.ws,
                name: name.clone(),
                member_count: 0,
                created_at: ctx.now,
            };
            tx.put_team(&team)?;
            ctx.audit(
                tx,
                &actor,
                AuditAction::TeamCreated,
                AuditTarget::Team(team.id),
                team.name.as_str(),
                String::new(),
            )?;
            Ok(team)
        })
        .await
    }

    async fn rename_team(&self, id: TeamId, name: String) -> Result<Team> {
        let name = TeamName::parse(&name)?;
        self.commit(move |tx, ctx| {
            let actor = ctx.manager(tx)?;
            let mut team = ops::team(tx, ctx.ws, id)?;
            if let Some(other) = tx.team_id_by_name(ctx.ws, &name.folded())?
                && other != id
            {
                return Err(Error::DuplicateTeam {
                    name: name.to_string(),
                });
            }
            let detail = format!("{} → {}", team.name, name);
            team.name = name.clone();
            tx.put_team(&team)?;
            ctx.audit(
                tx,
                &actor,
                AuditAction::TeamRenamed,
                AuditTarget::Team(id),
                team.name.as_str(),
                detail,
            )?;
            Ok(team)
        })
        .await
    }

    async fn delete_team(&self, id: TeamId) -> Result<()> {
        let ws = self.ws;
        self.as_actor(move |inner, ctx| {
            // Transactions can't scan: find the members first, then check inside the
            // transaction that the team's member count still agrees, and retry if it moved.
            for _ in 0..10 {
                let members: Vec<UserId> = inner
                    .store
                    .users(ws)?
                    .into_iter()
                    .filter(|u| u.teams.contains(&id))
                    .map(|u| u.id)
                    .collect();
                let r = inner.store.transact(TxMode::Commit, &|tx| {
                    let actor = ctx.manager(tx)?;
                    let team = ops::team(tx, ws, id)?;
                    let mut holding = Vec::new();
                    for &m in &members {
                        if let Some(u) = tx.user(ws, m)?
                            && u.teams.contains(&id)
                        {
                            holding.push(u);
                        }
                    }
                    if holding.len() as u64 != team.member_count {
                        return Ok(false);
                    }
                    for mut u in holding {
                        u.teams.remove(&id);
                        u.touch(ctx.now);
                        tx.put_user(&u)?;
                    }
                    tx.remove_team(ws, id)?;
                    let detail = format!(
                        "removed from {}",
                        crate::present::words::count(team.member_count, "member", "members")
                    );
                    ctx.audit(
                        tx,
                        &actor,
                        AuditAction::TeamDeleted,
                        AuditTarget::Team(id),
                        team.name.as_str(),
                        detail,
                    )?;
                    Ok(true)
                })?;
                if r {
                    return inner.store.flush();
                }
            }
            Err(Error::storage(
                "the team's members kept changing; try again",
            ))
        })
        .await
    }

    async fn audit(&self, before: Option<EventId>, limit: usize) -> Result<Page<AuditEvent>> {
        let ws = self.ws;
        self.read(move |store, _| {
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
}

fn workspace_of<S: Store>(store: &S, ws: WorkspaceId) -> Result<Workspace> {
    store.transact(TxMode::DryRun, &|tx| {
        tx.workspace(ws)?.ok_or_else(|| Error::WorkspaceNotFound {
            workspace: ws.to_string(),
        })
    })
}
