//! Durable storage. The `Store` trait is free of any engine's types. `SledStore` is the
//! embedded one used offline, in the demo and by a one-server install; `PgStore` keeps
//! everything in PostgreSQL so that many servers can share one database; `AnyStore` is
//! whichever of them was opened.
//!
//! The store knows nothing of the product's rules. It offers atomic transactions over typed
//! records and keeps its derived indexes (email → user, the set of active Owners, team names,
//! token hashes, each user's audit events) consistent inside them, so that the service can read
//! in one transaction everything a rule needs.

mod any;
mod keys;
pub mod postgres;
mod sled_store;

pub use any::{AnyStore, StoreLocation};
pub use postgres::PgStore;
pub use sled_store::SledStore;

use crate::domain::{
    AuditEvent, Email, EventId, Invite, PasswordHash, Result, Session, Team, TeamId, TokenHash,
    User, UserId, Workspace, WorkspaceId,
};
use std::collections::BTreeSet;

/// The on-disk schema of the sled store this build reads and writes (PostgreSQL's is
/// `postgres::SCHEMA_VERSION`).
pub const SCHEMA_VERSION: u32 = 1;

/// Whether a transaction's writes are kept. A dry run executes the same code and is rolled back:
/// the console uses it to preview which changes the rules will refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    Commit,
    DryRun,
}

/// What an atomic transaction can see and do. Reads see the transaction's own writes.
/// Implementations may run a transaction's closure more than once (on conflict), so closures
/// must have no side effects beyond calls on this trait.
pub trait Tx {
    fn workspace(&self, ws: WorkspaceId) -> Result<Option<Workspace>>;
    fn workspace_id_by_slug(&self, slug: &str) -> Result<Option<WorkspaceId>>;
    /// Inserts or replaces a workspace, keeping the slug index.
    fn put_workspace(&self, ws: &Workspace) -> Result<()>;

    fn user(&self, ws: WorkspaceId, id: UserId) -> Result<Option<User>>;
    fn user_id_by_email(&self, ws: WorkspaceId, email: &Email) -> Result<Option<UserId>>;
    /// Inserts or replaces a user, keeping the email index and the active-Owner set.
    fn put_user(&self, user: &User) -> Result<()>;
    /// Removes a user and their email index, Owner-set entry and password.
    fn remove_user(&self, ws: WorkspaceId, id: UserId) -> Result<()>;
    /// Every user of the workspace who is Active and holds the Owner role.
    fn active_owners(&self, ws: WorkspaceId) -> Result<BTreeSet<UserId>>;

    fn team(&self, ws: WorkspaceId, id: TeamId) -> Result<Option<Team>>;
    /// Looks a team up by its case-folded name.
    fn team_id_by_name(&self, ws: WorkspaceId, folded: &str) -> Result<Option<TeamId>>;
    /// Inserts or replaces a team, keeping the name index.
    fn put_team(&self, team: &Team) -> Result<()>;
    fn remove_team(&self, ws: WorkspaceId, id: TeamId) -> Result<()>;

    fn invite(&self, ws: WorkspaceId, user: UserId) -> Result<Option<Invite>>;
    /// Inserts or replaces a user's invite; the token index then knows only its current token.
    fn put_invite(&self, invite: &Invite) -> Result<()>;
    /// Forgets the current token of an invite while keeping the record (after acceptance).
    fn retire_invite_token(&self, invite: &Invite) -> Result<()>;
    fn remove_invite(&self, ws: WorkspaceId, user: UserId) -> Result<()>;
    fn invite_by_token(&self, hash: &TokenHash) -> Result<Option<(WorkspaceId, UserId)>>;

    fn password(&self, ws: WorkspaceId, user: UserId) -> Result<Option<PasswordHash>>;
    fn put_password(&self, ws: WorkspaceId, user: UserId, hash: &PasswordHash) -> Result<()>;

    fn session(&self, hash: &TokenHash) -> Result<Option<Session>>;
    fn put_session(&self, hash: &TokenHash, session: &Session) -> Result<()>;
    fn remove_session(&self, hash: &TokenHash) -> Result<()>;

    /// Appends an event and indexes it under each user it names.
    fn append_audit(&self, event: &AuditEvent) -> Result<()>;
    /// Erases every event that names the user as actor or target; returns how many.
    fn erase_audit_naming(&self, ws: WorkspaceId, user: UserId) -> Result<usize>;
}

/// A durable store: atomic transactions plus consistent snapshot reads for listings.
pub trait Store: Clone + Send + Sync + 'static {
    /// Runs `f` atomically. With `TxMode::DryRun` the writes are discarded and `f`'s result is
    /// returned. Not yet durable when it returns: call `flush` before reporting success.
    fn transact<R>(&self, mode: TxMode, f: &dyn Fn(&dyn Tx) -> Result<R>) -> Result<R>;
    /// Makes every committed transaction durable.
    fn flush(&self) -> Result<()>;

    fn workspaces(&self) -> Result<Vec<Workspace>>;
    /// Every user of a workspace, in creation order.
    fn users(&self, ws: WorkspaceId) -> Result<Vec<User>>;
    fn invites(&self, ws: WorkspaceId) -> Result<Vec<Invite>>;
    fn teams(&self, ws: WorkspaceId) -> Result<Vec<Team>>;
    /// Audit events newest first, strictly older than `before` when given.
    fn audit_page(
        &self,
        ws: WorkspaceId,
        before: Option<EventId>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>>;
    /// The newest events naming one user, newest first.
    fn user_audit(&self, ws: WorkspaceId, user: UserId, limit: usize) -> Result<Vec<AuditEvent>>;
    /// Hashes of a user's sessions, for revoking them all.
    fn user_sessions(&self, ws: WorkspaceId, user: UserId) -> Result<Vec<TokenHash>>;
    /// Whether a user has a password set (for the access check).
    fn has_password(&self, ws: WorkspaceId, user: UserId) -> Result<bool>;
}
