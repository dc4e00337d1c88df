//! The embedded store on sled 0.34: one tree, JSON values, keys from `keys`.

use super::{SCHEMA_VERSION, Store, Tx, TxMode, keys};
use crate::domain::{
    AuditAction, AuditEvent, Email, Error, EventId, Invite, PasswordHash, Result, Session, Team,
    TeamId, TokenHash, User, UserId, Workspace, WorkspaceId,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone)]
pub struct SledStore {
    db: sled::Db,
    path: PathBuf,
    durable: Arc<DurableFiles>,
    /// Off only in benchmarks, to measure what the sync costs.
    sync: bool,
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("path", &self.path)
            .finish()
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(Error::storage)
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::storage(format!("unreadable record: {e}")))
}

fn id16(bytes: &[u8]) -> Result<[u8; 16]> {
    bytes
        .try_into()
        .map_err(|_| Error::storage("index entry is not an id"))
}

impl SledStore {
    /// Opens the store at `path`, creating it if missing. Refuses a store of an unknown schema,
    /// one held by another process, and a damaged one, each with its own error; in every
    /// refusal nothing on disk is changed.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        if path.exists() && !path.is_dir() {
            return Err(Error::StoreCorrupt {
                path: shown,
                detail: "it is a file, not a store folder".into(),
            });
        }
        let db = open_db(&path, &shown)?;
        match db.get(keys::SCHEMA).map_err(|e| open_error(e, &shown))? {
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| Error::StoreCorrupt {
                        path: shown.clone(),
                        detail: "its schema marker is unreadable".into(),
                    })?;
                if found != SCHEMA_VERSION {
                    return Err(Error::UnknownSchema {
                        path: shown,
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
            }
            None if db.is_empty() => {
                db.insert(keys::SCHEMA, &SCHEMA_VERSION.to_be_bytes())
                    .map_err(|e| open_error(e, &shown))?;
                db.flush().map_err(|e| open_error(e, &shown))?;
            }
            None => {
                return Err(Error::StoreCorrupt {
                    path: shown,
                    detail: "it holds data but no schema marker; it was not written by atender"
                        .into(),
                });
            }
        }
        let durable = Arc::new(DurableFiles::open(&path).map_err(|e| open_error(e, &shown))?);
        Ok(SledStore {
            db,
            path,
            durable,
            sync: true,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops syncing the files after each flush (sled's `flush` alone); only for benchmarks
    /// that measure what the sync costs. Such a store loses acknowledged writes in a power cut.
    #[doc(hidden)]
    pub fn without_sync_for_benchmarks(mut self) -> Self {
        self.sync = false;
        self
    }

    /// Writes the schema marker; only for tests of the unknown-schema refusal.
    #[doc(hidden)]
    pub fn overwrite_schema_version_for_tests(&self, version: u32) -> Result<()> {
        self.db
            .insert(keys::SCHEMA, &version.to_be_bytes())
            .map_err(Error::storage)?;
        self.flush()
    }

    fn scan<T: DeserializeOwned>(&self, prefix: Vec<u8>) -> Result<Vec<T>> {
        self.db
            .scan_prefix(prefix)
            .map(|kv| {
                let (_, v) = kv.map_err(Error::storage)?;
                decode(&v)
            })
            .collect()
    }

    fn get<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>> {
        self.db
            .get(key)
            .map_err(Error::storage)?
            .map(|v| decode(&v))
            .transpose()
    }
}

/// The files sled writes, synced after each flush: sled's `flush` writes with
/// `sync_file_range` (no disk-cache flush, no metadata) and its own `fsync` runs only every
/// 500 ms in the background, so without this an acknowledged write can be lost in a power cut.
/// The log lives in `db`; values too big for the log go to new files in `blobs/`, which sled
/// never syncs at all.
struct DurableFiles {
    log: std::fs::File,
    blobs: PathBuf,
    /// Blob files already synced, with their length then: a blob seen while sled was still
    /// writing it is synced again once it has grown.
    synced_blobs: std::sync::Mutex<BTreeMap<std::ffi::OsString, u64>>,
}

impl DurableFiles {
    fn open(store: &Path) -> sled::Result<Self> {
        let log = std::fs::File::open(store.join("db"))?;
        // The folder's entries (db, conf, blobs/) were created by this open or an earlier one:
        // make them durable once, so a power cut can't lose the files themselves.
        std::fs::File::open(store.join("conf"))?.sync_all()?;
        log.sync_all()?;
        std::fs::File::open(store)?.sync_all()?;
        let files = DurableFiles {
            log,
            blobs: store.join("blobs"),
            synced_blobs: Default::default(),
        };
        files.sync()?;
        Ok(files)
    }

    fn sync(&self) -> std::io::Result<()> {
        self.log.sync_data()?;
        let mut synced = self
            .synced_blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut present = BTreeMap::new();
        let mut new_files = false;
        if let Ok(entries) = std::fs::read_dir(&self.blobs) {
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name();
                // sled removes blobs it no longer needs at any time.
                let len = match entry.metadata() {
                    Ok(m) => m.len(),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                if synced.get(&name) != Some(&len) {
                    match std::fs::File::open(entry.path()) {
                        Ok(f) => f.sync_data()?,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(e),
                    }
                    new_files = true;
                }
                present.insert(name, len);
            }
        }
        if new_files {
            std::fs::File::open(&self.blobs)?.sync_all()?;
        }
        *synced = present;
        Ok(())
    }
}

/// Opens the sled database. A store closed a moment ago in this process can still be held by
/// sled's background thread for a few milliseconds, so a lock conflict is retried briefly
/// before it is reported as "in use by another process".
fn open_db(path: &Path, shown: &str) -> Result<sled::Db> {
    let mut attempts = 0;
    loop {
        let config = sled::Config::new().path(path);
        // sled can panic on some kinds of damage instead of returning an error.
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || config.open()));
        let e = match opened {
            Ok(Ok(db)) => return Ok(db),
            Ok(Err(e)) => open_error(e, shown),
            Err(_) => {
                return Err(Error::StoreCorrupt {
                    path: shown.into(),
                    detail: "the storage engine could not read it".into(),
                });
            }
        };
        attempts += 1;
        if !matches!(e, Error::StoreInUse { .. }) || attempts >= 20 {
            return Err(e);
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}

fn open_error(e: sled::Error, path: &str) -> Error {
    match e {
        sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
            Error::StoreInUse { path: path.into() }
        }
        sled::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            Error::Storage {
                detail: format!("no permission to open the store at {path}: {io}"),
            }
        }
        sled::Error::Corruption { .. } => Error::StoreCorrupt {
            path: path.into(),
            detail: "the storage engine found corrupted data".into(),
        },
        other => Error::Storage {
            detail: format!("could not open the store at {path}: {other}"),
        },
    }
}

/// What aborts a sled transaction: a rule's refusal, or a dry run carrying its result.
enum Abort<R> {
    Refused(Error),
    DryRun(R),
}

/// A `Tx` over a sled transactional tree. sled reports conflicts as errors that must reach
/// its retry loop unchanged; they are kept aside here and re-raised after the closure returns.
struct SledTx<'a> {
    tree: &'a TransactionalTree,
    conflict: RefCell<Option<UnabortableTransactionError>>,
}

impl SledTx<'_> {
    fn keep(&self, e: UnabortableTransactionError) -> Error {
        let detail = e.to_string();
        self.conflict.borrow_mut().get_or_insert(e);
        Error::storage(detail)
    }

    fn raw(&self, key: &[u8]) -> Result<Option<sled::IVec>> {
        self.tree.get(key).map_err(|e| self.keep(e))
    }

    fn get<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>> {
        self.raw(key)?.map(|v| decode(&v)).transpose()
    }

    fn set(&self, key: Vec<u8>, value: &[u8]) -> Result<()> {
        self.tree
            .insert(key, value)
            .map(drop)
            .map_err(|e| self.keep(e))
    }

    fn put<T: Serialize>(&self, key: Vec<u8>, value: &T) -> Result<()> {
        self.set(key, &encode(value)?)
    }

    fn del(&self, key: Vec<u8>) -> Result<()> {
        self.tree.remove(key).map(drop).map_err(|e| self.keep(e))
    }

    fn set_owner(&self, ws: WorkspaceId, id: UserId, present: bool) -> Result<()> {
        let mut owners = self.active_owners(ws)?;
        let changed = if present {
            owners.insert(id)
        } else {
            owners.remove(&id)
        };
        if changed {
            self.put(keys::owners(ws), &owners)?;
        }
        Ok(())
    }

    fn audit_count(&self, ws: WorkspaceId, user: UserId) -> Result<u64> {
        Ok(self
            .raw(&keys::user_audit_count(ws, user))?
            .and_then(|v| <[u8; 8]>::try_from(v.as_ref()).ok())
            .map_or(0, u64::from_be_bytes))
    }
}

impl Tx for SledTx<'_> {
    fn workspace(&self, ws: WorkspaceId) -> Result<Option<Workspace>> {
        self.get(&keys::workspace(ws))
    }

    fn workspace_id_by_slug(&self, slug: &str) -> Result<Option<WorkspaceId>> {
        self.raw(&keys::slug(slug))?
            .map(|v| id16(&v).map(WorkspaceId::from_bytes))
            .transpose()
    }

    fn put_workspace(&self, ws: &Workspace) -> Result<()> {
        if let Some(old) = self.workspace(ws.id)?
            && old.slug != ws.slug
        {
            self.del(keys::slug(&old.slug))?;
        }
        self.set(keys::slug(&ws.slug), ws.id.as_bytes())?;
        self.put(keys::workspace(ws.id), ws)
    }

    fn user(&self, ws: WorkspaceId, id: UserId) -> Result<Option<User>> {
        self.get(&keys::user(ws, id))
    }

    fn user_id_by_email(&self, ws: WorkspaceId, email: &Email) -> Result<Option<UserId>> {
        self.raw(&keys::email(ws, email.as_str()))?
            .map(|v| id16(&v).map(UserId::from_bytes))
            .transpose()
    }

    fn put_user(&self, user: &User) -> Result<()> {
        let ws = user.workspace;
        let old = self.user(ws, user.id)?;
        if let Some(old) = &old
            && old.email != user.email
        {
            self.del(keys::email(ws, old.email.as_str()))?;
        }
        if old.as_ref().is_none_or(|o| o.email != user.email) {
            self.set(keys::email(ws, user.email.as_str()), user.id.as_bytes())?;
        }
        let was_owner = old.as_ref().is_some_and(User::is_active_owner);
        if was_owner != user.is_active_owner() {
            self.set_owner(ws, user.id, user.is_active_owner())?;
        }
        self.put(keys::user(ws, user.id), user)
    }

    fn remove_user(&self, ws: WorkspaceId, id: UserId) -> Result<()> {
        let Some(old) = self.user(ws, id)? else {
            return Ok(());
        };
        self.del(keys::email(ws, old.email.as_str()))?;
        if old.is_active_owner() {
            self.set_owner(ws, id, false)?;
        }
        self.del(keys::password(ws, id))?;
        self.del(keys::user(ws, id))
    }

    fn active_owners(&self, ws: WorkspaceId) -> Result<BTreeSet<UserId>> {
        Ok(self.get(&keys::owners(ws))?.unwrap_or_default())
    }

    fn team(&self, ws: WorkspaceId, id: TeamId) -> Result<Option<Team>> {
        self.get(&keys::team(ws, id))
    }

    fn team_id_by_name(&self, ws: WorkspaceId, folded: &str) -> Result<Option<TeamId>> {
        self.raw(&keys::team_name(ws, folded))?
            .map(|v| id16(&v).map(TeamId::from_bytes))
            .transpose()
    }

    fn put_team(&self, team: &Team) -> Result<()> {
        let ws = team.workspace;
        if let Some(old) = self.team(ws, team.id)?
            && old.name.folded() != team.name.folded()
        {
            self.del(keys::team_name(ws, &old.name.folded()))?;
        }
        self.set(keys::team_name(ws, &team.name.folded()), team.id.as_bytes())?;
        self.put(keys::team(ws, team.id), team)
    }

    fn remove_team(&self, ws: WorkspaceId, id: TeamId) -> Result<()> {
        if let Some(old) = self.team(ws, id)? {
            self.del(keys::team_name(ws, &old.name.folded()))?;
            self.del(keys::team(ws, id))?;
        }
        Ok(())
    }

    fn invite(&self, ws: WorkspaceId, user: UserId) -> Result<Option<Invite>> {
        self.get(&keys::invite(ws, user))
    }

    fn put_invite(&self, invite: &Invite) -> Result<()> {
        if let Some(old) = self.invite(invite.workspace, invite.user_id)?
            && old.token_hash != invite.token_hash
        {
            self.del(keys::invite_token(&old.token_hash))?;
        }
        if invite.is_pending() {
            let mut target = invite.workspace.as_bytes().to_vec();
            target.extend_from_slice(invite.user_id.as_bytes());
            self.set(keys::invite_token(&invite.token_hash), &target)?;
        }
        self.put(keys::invite(invite.workspace, invite.user_id), invite)
    }

    fn retire_invite_token(&self, invite: &Invite) -> Result<()> {
        self.del(keys::invite_token(&invite.token_hash))
    }

    fn remove_invite(&self, ws: WorkspaceId, user: UserId) -> Result<()> {
        if let Some(old) = self.invite(ws, user)? {
            self.del(keys::invite_token(&old.token_hash))?;
            self.del(keys::invite(ws, user))?;
        }
        Ok(())
    }

    fn invite_by_token(&self, hash: &TokenHash) -> Result<Option<(WorkspaceId, UserId)>> {
        let Some(v) = self.raw(&keys::invite_token(hash))? else {
            return Ok(None);
        };
        if v.len() != 32 {
            return Err(Error::storage("invite token index entry is malformed"));
        }
        Ok(Some((
            WorkspaceId::from_bytes(id16(&v[..16])?),
            UserId::from_bytes(id16(&v[16..])?),
        )))
    }

    fn password(&self, ws: WorkspaceId, user: UserId) -> Result<Option<PasswordHash>> {
        self.get(&keys::password(ws, user))
    }

    fn put_password(&self, ws: WorkspaceId, user: UserId, hash: &PasswordHash) -> Result<()> {
        self.put(keys::password(ws, user), hash)
    }

    fn session(&self, hash: &TokenHash) -> Result<Option<Session>> {
        self.get(&keys::session(hash))
    }

    fn put_session(&self, hash: &TokenHash, session: &Session) -> Result<()> {
        self.set(
            keys::user_session(session.workspace, session.user, hash),
            &[],
        )?;
        self.put(keys::session(hash), session)
    }

    fn remove_session(&self, hash: &TokenHash) -> Result<()> {
        if let Some(s) = self.session(hash)? {
            self.del(keys::user_session(s.workspace, s.user, hash))?;
            self.del(keys::session(hash))?;
        }
        Ok(())
    }

    fn append_audit(&self, event: &AuditEvent) -> Result<()> {
        let ws = event.workspace;
        self.put(keys::audit(ws, event.id), event)?;
        let mut named: Vec<UserId> = event.named_users().collect();
        // The record of a deletion must not be filed under the user it erased.
        if event.action == AuditAction::UserDeleted {
            named.retain(|id| Some(*id) == event.actor);
        }
        named.dedup();
        for user in named {
            let n = self.audit_count(ws, user)?;
            self.set(keys::user_audit(ws, user, n), event.id.as_bytes())?;
            self.set(keys::user_audit_count(ws, user), &(n + 1).to_be_bytes())?;
        }
        Ok(())
    }

    fn erase_audit_naming(&self, ws: WorkspaceId, user: UserId) -> Result<usize> {
        let n = self.audit_count(ws, user)?;
        let mut erased = 0;
        for i in 0..n {
            let index_key = keys::user_audit(ws, user, i);
            if let Some(id) = self.raw(&index_key)? {
                let event_key = keys::audit(ws, EventId::from_bytes(id16(&id)?));
                if self.raw(&event_key)?.is_some() {
                    self.del(event_key)?;
                    erased += 1;
                }
            }
            self.del(index_key)?;
        }
        self.del(keys::user_audit_count(ws, user))?;
        Ok(erased)
    }
}

impl Store for SledStore {
    fn transact<R>(&self, mode: TxMode, f: &dyn Fn(&dyn Tx) -> Result<R>) -> Result<R> {
        let outcome = self.db.transaction(|tree| {
            let tx = SledTx {
                tree,
                conflict: RefCell::new(None),
            };
            let result = f(&tx);
            if let Some(conflict) = tx.conflict.into_inner() {
                return Err(conflict.into());
            }
            match (result, mode) {
                (Err(e), _) => Err(ConflictableTransactionError::Abort(Abort::Refused(e))),
                (Ok(r), TxMode::Commit) => Ok(r),
                (Ok(r), TxMode::DryRun) => {
                    Err(ConflictableTransactionError::Abort(Abort::DryRun(r)))
                }
            }
        });
        match outcome {
            Ok(r) => Ok(r),
            Err(TransactionError::Abort(Abort::Refused(e))) => Err(e),
            Err(TransactionError::Abort(Abort::DryRun(r))) => Ok(r),
            Err(TransactionError::Storage(e)) => Err(Error::storage(e)),
        }
    }

    fn flush(&self) -> Result<()> {
        self.db.flush().map_err(Error::storage)?;
        if self.sync {
            self.durable.sync().map_err(Error::storage)?;
        }
        Ok(())
    }

    fn workspaces(&self) -> Result<Vec<Workspace>> {
        self.scan(vec![keys::WORKSPACE])
    }

    fn users(&self, ws: WorkspaceId) -> Result<Vec<User>> {
        self.scan(keys::prefix(keys::USER, &[ws.as_bytes()]))
    }

    fn invites(&self, ws: WorkspaceId) -> Result<Vec<Invite>> {
        self.scan(keys::prefix(keys::INVITE, &[ws.as_bytes()]))
    }

    fn teams(&self, ws: WorkspaceId) -> Result<Vec<Team>> {
        let mut teams: Vec<Team> = self.scan(keys::prefix(keys::TEAM, &[ws.as_bytes()]))?;
        teams.sort_by_key(|t| t.name.folded());
        Ok(teams)
    }

    fn audit_page(
        &self,
        ws: WorkspaceId,
        before: Option<EventId>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>> {
        let start = keys::prefix(keys::AUDIT, &[ws.as_bytes()]);
        let end = match before {
            Some(id) => keys::audit(ws, id),
            None => keys::prefix(keys::AUDIT, &[ws.as_bytes(), &[0xff; 17]]),
        };
        self.db
            .range(start..end)
            .rev()
            .take(limit)
            .map(|kv| decode(&kv.map_err(Error::storage)?.1))
            .collect()
    }

    fn user_audit(&self, ws: WorkspaceId, user: UserId, limit: usize) -> Result<Vec<AuditEvent>> {
        let mut out = Vec::new();
        for kv in self
            .db
            .scan_prefix(keys::prefix(
                keys::USER_AUDIT,
                &[ws.as_bytes(), user.as_bytes()],
            ))
            .rev()
        {
            if out.len() >= limit {
                break;
            }
            let (_, id) = kv.map_err(Error::storage)?;
            let id = EventId::from_bytes(id16(&id)?);
            // Entries can outlive their event when another user named in it was deleted.
            if let Some(event) = self.get(&keys::audit(ws, id))? {
                out.push(event);
            }
        }
        Ok(out)
    }

    fn user_sessions(&self, ws: WorkspaceId, user: UserId) -> Result<Vec<TokenHash>> {
        let prefix = keys::prefix(keys::USER_SESSION, &[ws.as_bytes(), user.as_bytes()]);
        let skip = prefix.len();
        self.db
            .scan_prefix(prefix)
            .map(|kv| {
                let (k, _) = kv.map_err(Error::storage)?;
                let hash: [u8; 32] = k[skip..]
                    .try_into()
                    .map_err(|_| Error::storage("session index entry is malformed"))?;
                Ok(TokenHash(hash))
            })
            .collect()
    }

    fn has_password(&self, ws: WorkspaceId, user: UserId) -> Result<bool> {
        Ok(self
            .get::<PasswordHash>(&keys::password(ws, user))?
            .is_some())
    }
}
