//! The service: the one place where the product's rules meet storage. Every front end (console,
//! CLI, HTTP server) goes through it, so a rule holds the same everywhere.
//!
//! `Core` holds the store and does what needs no signed-in admin (creating a workspace, accepting
//! an invite, signing in). `Core::admin` gives a `LocalAdmin` acting as one user, which implements
//! `AdminApi`, the async API that the HTTP client implements too.

mod admin;
mod clock;
mod hashing;
mod ops;
mod types;

pub use admin::{AdminApi, LocalAdmin, MAX_PAGE};

pub use clock::{Clock, ManualClock, SystemClock};
pub use types::*;

use crate::domain::Refusal;
use crate::domain::{
    AuditAction, AuditEvent, AuditTarget, DEFAULT_INVITE_LIFETIME, DEFAULT_SESSION_LIFETIME, Email,
    EventId, HashCost, Invite, Password, PasswordHash, PersonName, Role, Roles, Session, Token,
    TokenHash, User, UserId, UserStatus, Workspace, WorkspaceId, WorkspaceName,
};
use crate::store::{Store, Tx, TxMode};
use crate::{Error, Result};
use std::sync::{Arc, OnceLock};
use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, Copy)]
pub struct CoreConfig {
    pub invite_lifetime: Duration,
    pub session_lifetime: Duration,
    pub hash_cost: HashCost,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            invite_lifetime: DEFAULT_INVITE_LIFETIME,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            hash_cost: HashCost::owasp(),
        }
    }
}

pub(crate) struct Inner<S> {
    pub(crate) store: S,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: CoreConfig,
    /// Verified against when an email is unknown, so both failures take the same time.
    dummy_hash: OnceLock<PasswordHash>,
    hashing: hashing::HashPool,
}

pub struct Core<S: Store> {
    inner: Arc<Inner<S>>,
}

impl<S: Store> Clone for Core<S> {
    fn clone(&self) -> Self {
        Core {
            inner: self.inner.clone(),
        }
    }
}

impl<S: Store> Core<S> {
    pub fn new(store: S, clock: Arc<dyn Clock>, config: CoreConfig) -> Self {
        Core {
            inner: Arc::new(Inner {
                store,
                clock,
                config,
                dummy_hash: OnceLock::new(),
                hashing: hashing::HashPool::per_core(),
            }),
        }
    }

    pub fn with_system_clock(store: S, config: CoreConfig) -> Self {
        Self::new(store, Arc::new(SystemClock), config)
    }

    pub fn store(&self) -> &S {
        &self.inner.store
    }

    pub fn now(&self) -> OffsetDateTime {
        self.inner.clock.now()
    }

    pub fn config(&self) -> &CoreConfig {
        &self.inner.config
    }

    /// Runs blocking store work off the async runtime's worker threads.
    pub(crate) async fn blocking<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&Inner<S>) -> Result<R> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| Error::internal(format!("a worker task failed: {e}")))?
    }

    /// Acts as `actor` in workspace `ws`. Every call re-checks that the actor may act.
    pub fn admin(&self, ws: WorkspaceId, actor: UserId) -> LocalAdmin<S> {
        LocalAdmin::new(self.clone(), ws, actor)
    }

    /// Creates a workspace and invites its first Owner (there is no sign-up; this is how the
    /// first person gets in). Returns the workspace and the Owner's invite.
    pub async fn create_workspace(
        &self,
        name: &str,
        owner_email: &str,
        owner_name: &str,
    ) -> Result<(Workspace, InviteIssued)> {
        let name = WorkspaceName::parse(name)?;
        let email = Email::parse(owner_email)?;
        let full_name = PersonName::parse(owner_name)?;
        let token = Token::generate()?;
        self.blocking(move |inner| {
            let now = inner.clock.now();
            let lifetime = inner.config.invite_lifetime;
            let (ws, issued) = inner.store.transact(TxMode::Commit, &|tx| {
                let base = name.slug();
                let mut slug = base.clone();
                let mut n = 1;
                while tx.workspace_id_by_slug(&slug)?.is_some() {
                    n += 1;
                    slug = format!("{base}-{n}");
                }
                let ws = Workspace {
                    id: WorkspaceId::new(),
                    name: name.clone(),
                    slug,
                    created_at: now,
                };
                tx.put_workspace(&ws)?;
                let user = User::new_invited(
                    ws.id,
                    email.clone(),
                    full_name.clone(),
                    full_name.clone(),
                    Roles::one(Role::Owner),
                    None,
                    now,
                );
                tx.put_user(&user)?;
                let invite = Invite {
                    user_id: user.id,
                    workspace: ws.id,
                    sent_by: user.id,
                    sent_at: now,
                    expires_at: now + lifetime,
                    times_sent: 1,
                    send_requested: false,
                    email_sent: false,
                    token_hash: token.hash(),
                    accepted_at: None,
                };
                tx.put_invite(&invite)?;
                let event = |action, target, label: &str, detail: String| AuditEvent {
                    id: EventId::new(),
                    workspace: ws.id,
                    at: now,
                    actor: None,
                    actor_label: "system".into(),
                    action,
                    target,
                    target_label: label.into(),
                    detail,
                };
                tx.append_audit(&event(
                    AuditAction::WorkspaceCreated,
                    AuditTarget::Workspace,
                    ws.name.as_str(),
                    format!("address {}", ws.slug),
                ))?;
                tx.append_audit(&event(
                    AuditAction::UserInvited,
                    AuditTarget::User(user.id),
                    user.email.as_str(),
                    "first Owner".into(),
                ))?;
                Ok((
                    ws,
                    InviteIssued {
                        user,
                        invite,
                        token: token.clone(),
                    },
                ))
            })?;
            inner.store.flush()?;
            Ok((ws, issued))
        })
        .await
    }

    /// Whether the store can be written now; brings it back after a failure that has healed.
    pub async fn store_health(&self) -> Result<()> {
        self.blocking(|inner| inner.store.health()).await
    }

    pub async fn workspaces(&self) -> Result<Vec<Workspace>> {
        self.blocking(|inner| inner.store.workspaces()).await
    }

    /// Finds a workspace by its slug (what people type to sign in).
    pub async fn workspace_by_slug(&self, slug: &str) -> Result<Workspace> {
        let slug = slug.trim().to_lowercase();
        self.blocking(move |inner| {
            inner.store.transact(TxMode::DryRun, &|tx| {
                let id = tx.workspace_id_by_slug(&slug)?;
                let ws = match id {
                    Some(id) => tx.workspace(id)?,
                    None => None,
                };
                ws.ok_or_else(|| {
                    Error::Refused(Refusal::WorkspaceNotFound {
                        workspace: slug.clone(),
                    })
                })
            })
        })
        .await
    }

    /// Finds an active user by email, to act as them offline (`--as`).
    pub async fn user_by_email(&self, ws: WorkspaceId, email: &str) -> Result<User> {
        let email = Email::parse(email)?;
        self.blocking(move |inner| {
            inner.store.transact(TxMode::DryRun, &|tx| {
                let id = tx.user_id_by_email(ws, &email)?;
                let user = match id {
                    Some(id) => tx.user(ws, id)?,
                    None => None,
                };
                user.ok_or_else(|| Error::not_found(crate::domain::Entity::User, email.as_str()))
            })
        })
        .await
    }

    /// Accepts an invite: a current, unexpired token and a valid password make the user Active.
    /// Viewing or checking the token never uses it up; only this call does.
    pub async fn accept_invite(&self, token: &str, password: &str) -> Result<User> {
        let hash = Token::parse(token)
            .map_err(|_| Error::Refused(Refusal::InviteInvalid))?
            .hash();
        // The link's own problems come first: a new password can't fix an expired link.
        let (ws, invitee, _) = self.check_invite_token_hash(hash).await?;
        let context = [
            invitee.email.as_str(),
            invitee.full_name.as_str(),
            invitee.display_name.as_str(),
            ws.name.as_str(),
            ws.slug.as_str(),
        ];
        let password = Password::parse_new(password, &context)?;
        let cost = self.inner.config.hash_cost;
        let stored = self
            .inner
            .hashing
            .run(move || PasswordHash::new(&password, cost))
            .await??;
        self.blocking(move |inner| {
            let now = inner.clock.now();
            let user = inner.store.transact(TxMode::Commit, &|tx| {
                let (ws, mut user, mut invite) = invite_for_token(tx, &hash)?;
                crate::domain::rules::check_accept(&user, &invite, now)?;
                user.status = UserStatus::Active;
                user.touch(now);
                tx.put_user(&user)?;
                invite.accepted_at = Some(now);
                tx.retire_invite_token(&invite)?;
                tx.put_invite(&invite)?;
                tx.put_password(ws, user.id, &stored)?;
                tx.append_audit(&AuditEvent {
                    id: EventId::new(),
                    workspace: ws,
                    at: now,
                    actor: Some(user.id),
                    actor_label: user.email.to_string(),
                    action: AuditAction::InviteAccepted,
                    target: AuditTarget::User(user.id),
                    target_label: user.email.to_string(),
                    detail: "password set".into(),
                })?;
                Ok(user)
            })?;
            inner.store.flush()?;
            Ok(user)
        })
        .await
    }

    /// Checks an invite link without using it: who it is for, or why it can't be used.
    pub async fn check_invite_token(&self, token: &str) -> Result<(Workspace, User, Invite)> {
        let hash = Token::parse(token)
            .map_err(|_| Error::Refused(Refusal::InviteInvalid))?
            .hash();
        self.check_invite_token_hash(hash).await
    }

    async fn check_invite_token_hash(&self, hash: TokenHash) -> Result<(Workspace, User, Invite)> {
        self.blocking(move |inner| {
            let now = inner.clock.now();
            inner.store.transact(TxMode::DryRun, &|tx| {
                let (ws, user, invite) = invite_for_token(tx, &hash)?;
                crate::domain::rules::check_accept(&user, &invite, now)?;
                let ws = tx
                    .workspace(ws)?
                    .ok_or(Error::Refused(Refusal::InviteInvalid))?;
                Ok((ws, user, invite))
            })
        })
        .await
    }

    /// Records whether the invite email for a given token went out. Ignored if the invite was
    /// resent or accepted meanwhile (the record is about the newer token then).
    pub async fn record_invite_email(&self, token: &Token, sent: bool) -> Result<()> {
        let hash = token.hash();
        self.blocking(move |inner| {
            let now = inner.clock.now();
            inner.store.transact(TxMode::Commit, &|tx| {
                let Some((ws, user)) = tx.invite_by_token(&hash)? else {
                    return Ok(());
                };
                let Some(mut invite) = tx.invite(ws, user)? else {
                    return Ok(());
                };
                invite.email_sent = sent;
                tx.put_invite(&invite)?;
                let label = tx
                    .user(ws, user)?
                    .map(|u| u.email.to_string())
                    .unwrap_or_default();
                tx.append_audit(&AuditEvent {
                    id: EventId::new(),
                    workspace: ws,
                    at: now,
                    actor: None,
                    actor_label: "system".into(),
                    action: AuditAction::InviteEmailSent,
                    target: AuditTarget::User(user),
                    target_label: label,
                    detail: if sent { "sent" } else { "sending failed" }.into(),
                })
            })?;
            inner.store.flush()
        })
        .await
    }

    /// Signs in with email and password. A wrong email and a wrong password give the same error
    /// after the same work (a hash is verified either way).
    pub async fn login(&self, workspace: &str, email: &str, password: &str) -> Result<SignedIn> {
        let slug = workspace.trim().to_lowercase();
        let email = Email::parse(email).ok();
        let password = password.to_string();
        let token = Token::generate()?;
        let hash = token.hash();
        let found = self
            .blocking(move |inner| {
                inner.store.transact(TxMode::DryRun, &|tx| {
                    let Some(ws) = tx.workspace_id_by_slug(&slug)? else {
                        return Ok(None);
                    };
                    let Some(email) = &email else { return Ok(None) };
                    let Some(id) = tx.user_id_by_email(ws, email)? else {
                        return Ok(None);
                    };
                    let user = tx.user(ws, id)?;
                    let stored = tx.password(ws, id)?;
                    Ok(user.zip(stored))
                })
            })
            .await?;
        let inner = self.inner.clone();
        let found = self
            .inner
            .hashing
            .run(move || {
                let verified = match &found {
                    Some((_, stored)) => stored.verify(&password),
                    None => {
                        inner.dummy_hash().verify(&password);
                        false
                    }
                };
                found.filter(|_| verified)
            })
            .await?;
        self.blocking(move |inner| {
            let Some((user, _)) = found else {
                return Err(Error::Refused(Refusal::InvalidCredentials));
            };
            match user.status {
                UserStatus::Active => {}
                UserStatus::Inactive => return Err(Error::Refused(Refusal::AccountInactive)),
                UserStatus::Invited => return Err(Error::Refused(Refusal::InvalidCredentials)),
            }
            let now = inner.clock.now();
            let expires_at = now + inner.config.session_lifetime;
            let (ws, user) = inner.store.transact(TxMode::Commit, &|tx| {
                let ws = tx
                    .workspace(user.workspace)?
                    .ok_or(Error::Refused(Refusal::InvalidCredentials))?;
                let mut current = tx
                    .user(ws.id, user.id)?
                    .ok_or(Error::Refused(Refusal::InvalidCredentials))?;
                if current.status != UserStatus::Active {
                    return Err(Error::Refused(Refusal::AccountInactive));
                }
                // Not an edit of the user's data: the version stays, so no admin's open form
                // goes stale because someone signed in.
                current.last_login_at = Some(now);
                tx.put_user(&current)?;
                tx.put_session(
                    &hash,
                    &Session {
                        workspace: ws.id,
                        user: current.id,
                        epoch: current.session_epoch,
                        created_at: now,
                        expires_at,
                    },
                )?;
                tx.append_audit(&AuditEvent {
                    id: EventId::new(),
                    workspace: ws.id,
                    at: now,
                    actor: Some(current.id),
                    actor_label: current.email.to_string(),
                    action: AuditAction::SignedIn,
                    target: AuditTarget::User(current.id),
                    target_label: current.email.to_string(),
                    detail: String::new(),
                })?;
                Ok((ws, current))
            })?;
            inner.store.flush()?;
            Ok(SignedIn {
                token: token.clone(),
                workspace: ws,
                user,
                expires_at,
            })
        })
        .await
    }

    /// Who a session token belongs to; `Unauthenticated` if it is unknown, expired, revoked, or
    /// its user can no longer sign in.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated> {
        let hash = Token::parse(token)
            .map_err(|_| Error::Refused(Refusal::Unauthenticated))?
            .hash();
        self.blocking(move |inner| {
            let now = inner.clock.now();
            inner.store.transact(TxMode::DryRun, &|tx| {
                let session = tx
                    .session(&hash)?
                    .ok_or(Error::Refused(Refusal::Unauthenticated))?;
                if now >= session.expires_at {
                    return Err(Error::Refused(Refusal::Unauthenticated));
                }
                let user = tx
                    .user(session.workspace, session.user)?
                    .ok_or(Error::Refused(Refusal::Unauthenticated))?;
                // Still 401, but saying why: the console tells its user they were deactivated
                // instead of "your session has ended".
                if user.status == UserStatus::Inactive {
                    return Err(Error::Refused(Refusal::ActorInactive {
                        actor: user.email.to_string(),
                    }));
                }
                if user.status != UserStatus::Active || user.session_epoch != session.epoch {
                    return Err(Error::Refused(Refusal::Unauthenticated));
                }
                let workspace = tx
                    .workspace(session.workspace)?
                    .ok_or(Error::Refused(Refusal::Unauthenticated))?;
                Ok(Authenticated { workspace, user })
            })
        })
        .await
    }

    /// Ends a session. Ending an unknown session is not an error.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let Ok(token) = Token::parse(token) else {
            return Ok(());
        };
        let hash = token.hash();
        self.blocking(move |inner| {
            inner
                .store
                .transact(TxMode::Commit, &|tx| tx.remove_session(&hash))?;
            inner.store.flush()
        })
        .await
    }
}

impl<S> Inner<S> {
    fn dummy_hash(&self) -> &PasswordHash {
        self.dummy_hash.get_or_init(|| {
            let pw =
                Password::parse("dummy password for timing").unwrap_or_else(|_| unreachable!());
            PasswordHash::new(&pw, self.config.hash_cost).unwrap_or_else(|_| {
                // Same cost as real hashes or the timing differs; fall back to OWASP defaults.
                PasswordHash::new(&pw, HashCost::owasp()).unwrap_or_else(|_| unreachable!())
            })
        })
    }
}

/// The user and invite a token belongs to, if the token is the invite's current one.
fn invite_for_token(tx: &dyn Tx, hash: &TokenHash) -> Result<(WorkspaceId, User, Invite)> {
    let (ws, id) = tx
        .invite_by_token(hash)?
        .ok_or(Error::Refused(Refusal::InviteInvalid))?;
    let user = tx
        .user(ws, id)?
        .ok_or(Error::Refused(Refusal::InviteInvalid))?;
    let invite = tx
        .invite(ws, id)?
        .ok_or(Error::Refused(Refusal::InviteInvalid))?;
    if invite.token_hash != *hash {
        return Err(Error::Refused(Refusal::InviteInvalid));
    }
    Ok((ws, user, invite))
}

/// Collects every field error of a form at once, so the admin sees them all together.
#[derive(Default)]
pub(crate) struct FieldErrors(Vec<Error>);

impl FieldErrors {
    pub(crate) fn take<T, E: Into<Error>>(&mut self, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e.into());
                None
            }
        }
    }

    /// `Ok` if there were none, the error itself if one, `InvalidFields` listing them if many.
    pub(crate) fn finish(self) -> Result<()> {
        let mut errors = self.0;
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(Error::Refused(Refusal::InvalidFields {
                problems: errors
                    .into_iter()
                    .flat_map(|e| e.field_problems())
                    .collect(),
            })),
        }
    }
}
