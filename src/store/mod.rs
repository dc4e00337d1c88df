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
pub mod backup;
mod error;
mod keys;
pub mod owner_only;
pub mod postgres;
mod sled_store;

pub use any::{AnyStore, StoreLocation};
pub use error::StoreError;
pub use postgres::PgStore;
pub use sled_store::{HeldWrites, SledStore};

/// What the invariant check of a store found: `damage` (a record under another workspace's
/// key, two workspaces with one slug, indexes or counters that disagree with the records, a
/// workspace with users and no active Owner) makes the store refused as damaged; `warnings`
/// (names and emails that today's domain rules refuse: older data) are reported and served.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Findings {
    pub damage: Vec<String>,
    pub warnings: Vec<String>,
}

/// The broken invariants, one a line, at most `SHOWN` of them.
pub(crate) fn describe_damage(damage: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut text = format!("{} broken invariant(s):", damage.len());
    for d in damage.iter().take(SHOWN) {
        text.push_str("\n  - ");
        text.push_str(d);
    }
    if damage.len() > SHOWN {
        text.push_str(&format!("\n  … and {} more", damage.len() - SHOWN));
    }
    text
}

use crate::Result;
use crate::domain::{
    AuditEvent, Email, EventId, Invite, PasswordHash, Session, Team, TeamId, TokenHash, User,
    UserId, UserStatus, Workspace, WorkspaceId,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The on-disk schema of the sled store this build reads and writes (PostgreSQL's is
/// `postgres::SCHEMA_VERSION`). Version 1 (no status index, counts or
/// change feed) is upgraded in place when opened.
pub const SCHEMA_VERSION: u32 = 2;

/// One user as a store holds it: the JSON `serde_json` writes for `User`, which is also the
/// API's form of a user. The sled store keeps exactly these bytes (`encode`), so a listing can
/// pass them on untouched; they are decoded only when a caller needs the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    json: String,
}

impl UserRecord {
    pub fn from_user(user: &User) -> Result<Self> {
        let json = serde_json::to_string(user).map_err(crate::Error::storage)?;
        Ok(UserRecord { id: user.id, json })
    }

    /// Bytes read from a store, checked to be UTF-8 once here.
    pub(crate) fn from_stored(id: UserId, bytes: &[u8]) -> Result<Self> {
        let json = std::str::from_utf8(bytes)
            .map_err(|e| crate::Error::storage(format!("unreadable record: {e}")))?;
        Ok(UserRecord {
            id,
            json: json.into(),
        })
    }

    pub fn user(&self) -> Result<User> {
        serde_json::from_str(&self.json)
            .map_err(|e| crate::Error::storage(format!("unreadable record: {e}")))
    }

    /// The record as a JSON value to embed in a response (checked to be well-formed JSON,
    /// which costs far less than decoding it).
    pub fn into_json(self) -> Result<Box<serde_json::value::RawValue>> {
        serde_json::value::RawValue::from_string(self.json)
            .map_err(|e| crate::Error::storage(format!("unreadable record: {e}")))
    }
}

/// How many users of a workspace have each status, kept current by every write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub active: u64,
    pub inactive: u64,
    pub invited: u64,
}

impl StatusCounts {
    pub fn get(&self, status: UserStatus) -> u64 {
        match status {
            UserStatus::Active => self.active,
            UserStatus::Inactive => self.inactive,
            UserStatus::Invited => self.invited,
        }
    }

    pub fn total(&self) -> u64 {
        self.active + self.inactive + self.invited
    }
}

/// What changed in a workspace after a sequence number, by id: the reader fetches the current
/// state of each (an id whose record is gone was deleted). A change to an invite is reported as
/// a change to its user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedIds {
    /// The sequence number these changes reach; ask from it next time.
    pub seq: u64,
    pub users: BTreeSet<UserId>,
    pub teams: BTreeSet<TeamId>,
    pub workspace: bool,
}

/// The answer to "what changed since N" when N is older than the feed keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangesTooOld {
    /// The oldest sequence number the feed can still answer from.
    pub oldest: u64,
}

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
    /// Whether the store can be written now (`StoreError::Unavailable` if not: a full disk, an
    /// unreachable database). After a failure that has healed, brings the store back first.
    fn health(&self) -> Result<()>;

    /// Runs `f` over a `Tx` that writes without isolation or conflict checks, keeping every
    /// index as `transact` does, far faster. Only for filling a store that nothing else writes
    /// to meanwhile (seeding the demo). Its writes are not in the change feed: the feed of every
    /// workspace it touches starts after it, so earlier readers are told to reload.
    fn bulk_load(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()>;

    fn workspaces(&self) -> Result<Vec<Workspace>>;
    /// Every user of a workspace, in creation order.
    fn users(&self, ws: WorkspaceId) -> Result<Vec<User>>;
    /// Users of a workspace in id (creation) order after `after`, only of `status` when given,
    /// passed to `visit` one at a time until it returns `false`. Costs what it visits, not the
    /// size of the workspace.
    fn scan_users(
        &self,
        ws: WorkspaceId,
        status: Option<UserStatus>,
        after: Option<UserId>,
        visit: &mut dyn FnMut(User) -> Result<bool>,
    ) -> Result<()>;
    /// `scan_users`, with each user as its stored record: for a caller that only passes users
    /// on (the list page), the JSON is served as it is, without decoding and encoding it again.
    fn scan_user_records(
        &self,
        ws: WorkspaceId,
        status: Option<UserStatus>,
        after: Option<UserId>,
        visit: &mut dyn FnMut(UserRecord) -> Result<bool>,
    ) -> Result<()> {
        self.scan_users(ws, status, after, &mut |user| {
            visit(UserRecord::from_user(&user)?)
        })
    }
    /// How many users have each status, without a scan.
    fn status_counts(&self, ws: WorkspaceId) -> Result<StatusCounts>;
    /// One user's invite (pending or accepted), outside a transaction.
    fn invite_of(&self, ws: WorkspaceId, user: UserId) -> Result<Option<Invite>>;
    fn invites(&self, ws: WorkspaceId) -> Result<Vec<Invite>>;
    /// The workspace's latest change sequence number (0 before any change).
    fn change_seq(&self, ws: WorkspaceId) -> Result<u64>;
    /// What changed after `since`, up to the latest sequence number at the time of the call.
    fn changes_since(
        &self,
        ws: WorkspaceId,
        since: u64,
    ) -> Result<std::result::Result<ChangedIds, ChangesTooOld>>;
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
