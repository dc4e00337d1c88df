//! One store type for the front ends, chosen at open: the embedded sled store (offline, the
//! demo, a one-server install) or PostgreSQL (many servers on one database).

use super::{
    ChangedIds, ChangesTooOld, PgStore, SledStore, StatusCounts, Store, Tx, TxMode, UserRecord,
};
use crate::Result;
use crate::domain::{
    AuditEvent, EventId, Invite, Team, TokenHash, User, UserId, UserStatus, Workspace, WorkspaceId,
};
use std::path::Path;

#[derive(Debug, Clone)]
pub enum AnyStore {
    Sled(SledStore),
    Postgres(PgStore),
}

/// Where a store lives: a folder for sled, a connection URL for PostgreSQL.
#[derive(Debug, Clone, Copy)]
pub enum StoreLocation<'a> {
    Folder(&'a Path),
    Database(&'a str),
}

impl AnyStore {
    pub fn open(location: StoreLocation<'_>) -> Result<AnyStore> {
        match location {
            StoreLocation::Folder(path) => SledStore::open(path).map(AnyStore::Sled),
            StoreLocation::Database(url) => PgStore::open(url).map(AnyStore::Postgres),
        }
    }

    /// How many changes of each workspace's feed to keep; see `SledStore::with_changes_kept`.
    pub fn with_changes_kept(self, kept: u64) -> AnyStore {
        match self {
            AnyStore::Sled(s) => AnyStore::Sled(s.with_changes_kept(kept)),
            AnyStore::Postgres(s) => AnyStore::Postgres(s.with_changes_kept(kept)),
        }
    }

    /// Reads every record and checks the store's invariants (`SledStore::check_integrity`,
    /// `PgStore::check_integrity`): damage is refused as `StoreError::Corrupt`; the records
    /// that only break today's name rules come back as warnings.
    pub fn check_integrity_reporting(
        &self,
        progress: &mut dyn FnMut(u64),
    ) -> crate::Result<(u64, Vec<String>)> {
        match self {
            AnyStore::Sled(s) => s.check_integrity_reporting(progress),
            AnyStore::Postgres(p) => p.check_integrity_reporting(progress),
        }
    }

    /// Since when a backup holds writes back (a sled store's local copy); never on PostgreSQL.
    pub fn writes_held_since(&self) -> Option<time::OffsetDateTime> {
        match self {
            AnyStore::Sled(s) => s.writes_held_since(),
            AnyStore::Postgres(_) => None,
        }
    }

    /// Follows `writes_held_since` (`None` on PostgreSQL, whose writes are never held).
    pub fn watch_held_writes(
        &self,
    ) -> Option<tokio::sync::watch::Receiver<Option<time::OffsetDateTime>>> {
        match self {
            AnyStore::Sled(s) => Some(s.watch_held_writes()),
            AnyStore::Postgres(_) => None,
        }
    }
}

impl From<SledStore> for AnyStore {
    fn from(store: SledStore) -> Self {
        AnyStore::Sled(store)
    }
}

impl From<PgStore> for AnyStore {
    fn from(store: PgStore) -> Self {
        AnyStore::Postgres(store)
    }
}

macro_rules! each {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            AnyStore::Sled($s) => $call,
            AnyStore::Postgres($s) => $call,
        }
    };
}

impl Store for AnyStore {
    fn transact<R>(&self, mode: TxMode, f: &dyn Fn(&dyn Tx) -> Result<R>) -> Result<R> {
        each!(self, s => s.transact(mode, f))
    }

    fn flush(&self) -> Result<()> {
        each!(self, s => s.flush())
    }

    fn health(&self) -> Result<()> {
        each!(self, s => s.health())
    }

    fn bulk_load(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        each!(self, s => s.bulk_load(f))
    }

    fn scan_users(
        &self,
        ws: WorkspaceId,
        status: Option<UserStatus>,
        after: Option<UserId>,
        visit: &mut dyn FnMut(User) -> Result<bool>,
    ) -> Result<()> {
        each!(self, s => s.scan_users(ws, status, after, visit))
    }

    fn scan_user_records(
        &self,
        ws: WorkspaceId,
        status: Option<UserStatus>,
        after: Option<UserId>,
        visit: &mut dyn FnMut(UserRecord) -> Result<bool>,
    ) -> Result<()> {
        each!(self, s => s.scan_user_records(ws, status, after, visit))
    }

    fn status_counts(&self, ws: WorkspaceId) -> Result<StatusCounts> {
        each!(self, s => s.status_counts(ws))
    }

    fn invite_of(&self, ws: WorkspaceId, user: UserId) -> Result<Option<Invite>> {
        each!(self, s => s.invite_of(ws, user))
    }

    fn change_seq(&self, ws: WorkspaceId) -> Result<u64> {
        each!(self, s => s.change_seq(ws))
    }

    fn changes_since(
        &self,
        ws: WorkspaceId,
        since: u64,
    ) -> Result<std::result::Result<ChangedIds, ChangesTooOld>> {
        each!(self, s => s.changes_since(ws, since))
    }

    fn workspaces(&self) -> Result<Vec<Workspace>> {
        each!(self, s => s.workspaces())
    }

    fn users(&self, ws: WorkspaceId) -> Result<Vec<User>> {
        each!(self, s => s.users(ws))
    }

    fn invites(&self, ws: WorkspaceId) -> Result<Vec<Invite>> {
        each!(self, s => s.invites(ws))
    }

    fn teams(&self, ws: WorkspaceId) -> Result<Vec<Team>> {
        each!(self, s => s.teams(ws))
    }

    fn audit_page(
        &self,
        ws: WorkspaceId,
        before: Option<EventId>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>> {
        each!(self, s => s.audit_page(ws, before, limit))
    }

    fn user_audit(&self, ws: WorkspaceId, user: UserId, limit: usize) -> Result<Vec<AuditEvent>> {
        each!(self, s => s.user_audit(ws, user, limit))
    }

    fn user_sessions(&self, ws: WorkspaceId, user: UserId) -> Result<Vec<TokenHash>> {
        each!(self, s => s.user_sessions(ws, user))
    }

    fn has_password(&self, ws: WorkspaceId, user: UserId) -> Result<bool> {
        each!(self, s => s.has_password(ws, user))
    }
}
