//! The embedded store on sled 0.34: one tree, JSON values, keys from `keys`.

use super::{
    ChangedIds, ChangesTooOld, SCHEMA_VERSION, StatusCounts, Store, Tx, TxMode, UserRecord, keys,
};
use crate::domain::{
    AuditAction, AuditEvent, Email, Error, EventId, Invite, PasswordHash, Result, Session, Team,
    TeamId, TokenHash, User, UserId, UserStatus, Workspace, WorkspaceId,
};
use crate::store::StoreError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::{
    ConflictableTransactionError, TransactionError, TransactionalTree, UnabortableTransactionError,
};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

mod engine;
mod snapshot;
use engine::{Engine, EngineSlot, from_sled, io_unavailable, probe_free_space};

#[derive(Clone)]
pub struct SledStore {
    /// The open engine, shared by every clone; reopened after an I/O failure (a full disk).
    slot: Arc<EngineSlot>,
    path: PathBuf,
    /// Off only in benchmarks, to measure what the sync costs.
    sync: bool,
    changes_kept: u64,
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
    // UTF-8 checked once for the whole record: `from_slice` would check each string again.
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::storage(format!("unreadable record: {e}")))?;
    serde_json::from_str(text).map_err(|e| Error::storage(format!("unreadable record: {e}")))
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
        Self::open_with_cache(path, CACHE_BYTES)
    }

    /// The same, with sled's page cache capped at `cache_bytes` (the console reads everything
    /// once and then keeps it in memory itself: a big cache only adds to its peak).
    pub fn open_with_cache(path: impl AsRef<Path>, cache_bytes: u64) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        if path.exists() && !path.is_dir() {
            return Err(Error::Store(StoreError::Corrupt {
                path: shown,
                detail: "it is a file, not a store folder".into(),
            }));
        }
        // sled would quietly start a new, empty data file next to the others.
        if path.join("conf").exists() && !path.join("db").exists() {
            return Err(Error::Store(StoreError::Corrupt {
                path: shown,
                detail: "its data file `db` is missing (the other files are there)".into(),
            }));
        }
        let db = open_db(&path, &shown, cache_bytes)?;
        match db.get(keys::SCHEMA).map_err(|e| open_error(e, &shown))? {
            Some(v) => {
                let found = <[u8; 4]>::try_from(v.as_ref())
                    .map(u32::from_be_bytes)
                    .map_err(|_| {
                        Error::Store(StoreError::Corrupt {
                            path: shown.clone(),
                            detail: "its schema marker is unreadable".into(),
                        })
                    })?;
                if found == 1 {
                    upgrade_from_v1(&db).map_err(|e| {
                        Error::Store(StoreError::Failed {
                            detail: format!("could not upgrade the store at {shown}: {e}"),
                        })
                    })?;
                } else if found != SCHEMA_VERSION {
                    return Err(Error::Store(StoreError::UnknownSchema {
                        path: shown,
                        found,
                        supported: SCHEMA_VERSION,
                    }));
                }
            }
            None if db.is_empty() => {
                db.insert(keys::SCHEMA, &SCHEMA_VERSION.to_be_bytes())
                    .map_err(|e| open_error(e, &shown))?;
                db.flush().map_err(|e| open_error(e, &shown))?;
            }
            None => {
                return Err(Error::Store(StoreError::Corrupt {
                    path: shown,
                    detail: "it holds data but no schema marker; it was not written by atender"
                        .into(),
                }));
            }
        }
        let durable = DurableFiles::open(&path).map_err(|e| open_error(e, &shown))?;
        Ok(SledStore {
            slot: Arc::new(EngineSlot::new(Engine { db, durable }, cache_bytes)),
            path,
            sync: true,
            changes_kept: CHANGES_KEPT,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The engine for one operation: hold it no longer than the operation (a reopen waits).
    fn engine(&self) -> Result<Arc<Engine>> {
        self.slot.get()
    }

    /// Passes `result` on, remembering an I/O failure so the store is reopened once it heals.
    fn noting_fault<R>(&self, result: Result<R>) -> Result<R> {
        if let Err(Error::Store(StoreError::Unavailable { detail })) = &result {
            self.slot.note_fault(detail);
        }
        result
    }

    /// Stops syncing the files after each flush (sled's `flush` alone); only for benchmarks
    /// that measure what the sync costs. Such a store loses acknowledged writes in a power cut.
    #[doc(hidden)]
    pub fn without_sync_for_benchmarks(mut self) -> Self {
        self.sync = false;
        self
    }

    /// Reads and decodes every record, so a damaged store is refused before it is served rather
    /// than failing request by request. Calls `progress` with the number of records read every
    /// `PROGRESS_EVERY` records. Returns how many records there are; the first one that can't
    /// be read is reported with its position and kind.
    pub fn check_integrity(&self, progress: &mut dyn FnMut(u64)) -> Result<u64> {
        let corrupt = |detail: String| {
            Error::Store(StoreError::Corrupt {
                path: self.path.display().to_string(),
                detail,
            })
        };
        let mut read = 0u64;
        // sled can panic on some kinds of damage instead of returning an error.
        let walked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for kv in self.engine()?.db.iter() {
                let (key, value) = kv.map_err(|e| {
                    corrupt(format!(
                        "the storage engine could not read record {}: {e}",
                        read + 1
                    ))
                })?;
                check_record(&key, &value).map_err(|why| {
                    corrupt(format!(
                        "record {} ({}) is unreadable: {why}",
                        read + 1,
                        kind_name(key.first().copied())
                    ))
                })?;
                read += 1;
                if read.is_multiple_of(PROGRESS_EVERY) {
                    progress(read);
                }
            }
            Ok(())
        }));
        match walked {
            Ok(Ok(())) => Ok(read),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(corrupt(format!(
                "the storage engine failed reading record {}",
                read + 1
            ))),
        }
    }

    /// Whether `path` looks like a store folder (sled's files are there), without opening it.
    pub fn holds_store(path: &Path) -> bool {
        path.is_dir() && ["db", "conf"].iter().any(|f| path.join(f).exists())
    }

    /// Writes the schema marker; only for tests of the unknown-schema refusal.
    #[doc(hidden)]
    pub fn overwrite_schema_version_for_tests(&self, version: u32) -> Result<()> {
        self.engine()?
            .db
            .insert(keys::SCHEMA, &version.to_be_bytes())
            .map_err(from_sled)?;
        self.flush()
    }

    /// How many changes of each workspace's feed to keep (at least one); a reader further
    /// behind is told to reload. 100,000 by default.
    pub fn with_changes_kept(mut self, kept: u64) -> Self {
        self.changes_kept = kept.max(1);
        self
    }

    fn change_floor(&self, ws: WorkspaceId) -> Result<u64> {
        Ok(self
            .engine()?
            .db
            .get(keys::change_floor(ws))
            .map_err(from_sled)?
            .map_or(0, |v| be_u64(&v)))
    }

    /// Keeps the feed between `changes_kept` and twice that many entries. The floor moves
    /// before the entries go, so a reader that raced the removal sees it and reloads.
    fn trim_changes(&self, ws: WorkspaceId, seq: u64) -> Result<()> {
        let floor = self.change_floor(ws)?;
        if seq.saturating_sub(floor) <= 2 * self.changes_kept {
            return Ok(());
        }
        let new_floor = seq - self.changes_kept;
        self.engine()?
            .db
            .insert(keys::change_floor(ws), &new_floor.to_be_bytes())
            .map_err(from_sled)?;
        let mut batch = sled::Batch::default();
        for kv in self
            .engine()?
            .db
            .range(keys::change(ws, floor)..=keys::change(ws, new_floor))
        {
            batch.remove(kv.map_err(from_sled)?.0);
        }
        self.engine()?.db.apply_batch(batch).map_err(from_sled)
    }

    /// Removes what schema 2 added and marks the store as schema 1; only for tests of the
    /// upgrade.
    #[doc(hidden)]
    pub fn downgrade_to_schema_1_for_tests(&self) -> Result<()> {
        let mut batch = sled::Batch::default();
        for kind in [
            keys::USER_STATUS,
            keys::STATUS_COUNT,
            keys::CHANGE,
            keys::CHANGE_SEQ,
            keys::CHANGE_FLOOR,
        ] {
            for kv in self.engine()?.db.scan_prefix([kind]) {
                batch.remove(kv.map_err(from_sled)?.0);
            }
        }
        batch.insert(keys::SCHEMA, &1u32.to_be_bytes());
        self.engine()?.db.apply_batch(batch).map_err(from_sled)?;
        self.flush()
    }

    fn scan<T: DeserializeOwned>(&self, prefix: Vec<u8>) -> Result<Vec<T>> {
        self.engine()?
            .db
            .scan_prefix(prefix)
            .map(|kv| {
                let (_, v) = kv.map_err(from_sled)?;
                decode(&v)
            })
            .collect()
    }

    fn get<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>> {
        self.engine()?
            .db
            .get(key)
            .map_err(from_sled)?
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

/// Schema 1 had no status index, counts or change feed: build the first two from the users
/// (the feed starts empty) and mark the store as schema 2, in one batch.
fn upgrade_from_v1(db: &sled::Db) -> Result<()> {
    let mut batch = sled::Batch::default();
    let mut counts: std::collections::HashMap<Vec<u8>, u64> = std::collections::HashMap::new();
    for kv in db.scan_prefix([keys::USER]) {
        let (_, v) = kv.map_err(from_sled)?;
        let user: User = decode(&v)?;
        batch.insert(keys::user_status(user.workspace, user.status, user.id), &[]);
        *counts
            .entry(keys::status_count(user.workspace, user.status))
            .or_default() += 1;
    }
    for (k, n) in counts {
        batch.insert(k, &n.to_be_bytes());
    }
    batch.insert(keys::SCHEMA, &SCHEMA_VERSION.to_be_bytes());
    db.apply_batch(batch).map_err(from_sled)?;
    db.flush().map(drop).map_err(from_sled)
}

/// sled's page cache. Its default (1 GiB) made a 100,000-user console use 1.8 GB.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// How often `check_integrity` reports progress.
pub const PROGRESS_EVERY: u64 = 10_000;

/// Decodes one record by the kind its key starts with.
fn check_record(key: &[u8], value: &[u8]) -> std::result::Result<(), String> {
    fn json<T: DeserializeOwned>(v: &[u8]) -> std::result::Result<(), String> {
        serde_json::from_slice::<T>(v)
            .map(drop)
            .map_err(|e| e.to_string())
    }
    let len = |n: usize| {
        if value.len() == n {
            Ok(())
        } else {
            Err(format!("{} bytes where {n} belong", value.len()))
        }
    };
    if key == keys::SCHEMA {
        return len(4);
    }
    match key.first().copied() {
        Some(keys::WORKSPACE) => json::<Workspace>(value),
        Some(keys::USER) => json::<User>(value),
        Some(keys::OWNERS) => json::<BTreeSet<UserId>>(value),
        Some(keys::TEAM) => json::<Team>(value),
        Some(keys::INVITE) => json::<Invite>(value),
        Some(keys::PASSWORD) => json::<PasswordHash>(value),
        Some(keys::SESSION) => json::<Session>(value),
        Some(keys::AUDIT) => json::<AuditEvent>(value),
        Some(keys::SLUG | keys::EMAIL | keys::TEAM_NAME | keys::USER_AUDIT) => len(16),
        Some(keys::INVITE_TOKEN) => len(32),
        Some(keys::USER_AUDIT_COUNT) => len(8),
        Some(keys::USER_SESSION | keys::USER_STATUS) => len(0),
        Some(keys::STATUS_COUNT | keys::CHANGE_SEQ | keys::CHANGE_FLOOR) => len(8),
        Some(keys::CHANGE) => len(17),
        _ => Err("its key is of no known kind".into()),
    }
}

fn kind_name(kind: Option<u8>) -> &'static str {
    match kind {
        Some(keys::WORKSPACE) => "a workspace",
        Some(keys::USER) => "a user",
        Some(keys::OWNERS) => "a workspace's Owners",
        Some(keys::TEAM) => "a team",
        Some(keys::INVITE) => "an invite",
        Some(keys::PASSWORD) => "a password hash",
        Some(keys::SESSION) => "a session",
        Some(keys::AUDIT) => "an activity event",
        Some(_) => "an index entry",
        None => "an empty key",
    }
}

/// Opens the sled database. A store closed a moment ago in this process can still be held by
/// sled's background thread for a few milliseconds, so a lock conflict is retried briefly
/// before it is reported as "in use by another process".
fn open_db(path: &Path, shown: &str, cache_bytes: u64) -> Result<sled::Db> {
    let mut attempts = 0;
    loop {
        // sled caches 1 GiB by default; a console or a server needs far less to stay quick.
        let config = sled::Config::new().path(path).cache_capacity(cache_bytes);
        // sled can panic on some kinds of damage instead of returning an error.
        let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || config.open()));
        let e = match opened {
            Ok(Ok(db)) => return Ok(db),
            Ok(Err(e)) => open_error(e, shown),
            Err(_) => {
                return Err(Error::Store(StoreError::Corrupt {
                    path: shown.into(),
                    detail: "the storage engine could not read it".into(),
                }));
            }
        };
        attempts += 1;
        if !matches!(e, Error::Store(StoreError::InUse { .. })) || attempts >= 20 {
            return Err(e);
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}

fn open_error(e: sled::Error, path: &str) -> Error {
    match e {
        sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
            Error::Store(StoreError::InUse { path: path.into() })
        }
        sled::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            Error::Store(StoreError::Failed {
                detail: format!("no permission to open the store at {path}: {io}"),
            })
        }
        sled::Error::Corruption { .. } => Error::Store(StoreError::Corrupt {
            path: path.into(),
            detail: "the storage engine found corrupted data".into(),
        }),
        other => Error::Store(StoreError::Failed {
            detail: format!("could not open the store at {path}: {other}"),
        }),
    }
}

/// What aborts a sled transaction: a rule's refusal, or a dry run carrying its result.
enum Abort<R> {
    Refused(Error),
    DryRun(R),
}

/// The few key-value operations the index-keeping code needs, so the same code runs inside a
/// sled transaction and in a bulk load.
trait Kv {
    fn get(&self, key: &[u8]) -> Result<Option<sled::IVec>>;
    fn insert(&self, key: Vec<u8>, value: &[u8]) -> Result<()>;
    fn remove(&self, key: Vec<u8>) -> Result<()>;
}

/// A sled transactional tree. sled reports conflicts as errors that must reach its retry loop
/// unchanged; they are kept aside here and re-raised after the closure returns.
struct TreeKv<'a> {
    tree: &'a TransactionalTree,
    conflict: RefCell<Option<UnabortableTransactionError>>,
}

impl TreeKv<'_> {
    fn keep(&self, e: UnabortableTransactionError) -> Error {
        let detail = e.to_string();
        self.conflict.borrow_mut().get_or_insert(e);
        Error::storage(detail)
    }
}

impl Kv for TreeKv<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<sled::IVec>> {
        self.tree.get(key).map_err(|e| self.keep(e))
    }
    fn insert(&self, key: Vec<u8>, value: &[u8]) -> Result<()> {
        self.tree
            .insert(key, value)
            .map(drop)
            .map_err(|e| self.keep(e))
    }
    fn remove(&self, key: Vec<u8>) -> Result<()> {
        self.tree.remove(key).map(drop).map_err(|e| self.keep(e))
    }
}

/// Writes collected in memory and applied as sled batches. A full batch is applied on a
/// thread of its own while the next one is collected, so building the records and sled's
/// inserts share the two cores; reads see the pending writes first, then the batch being
/// applied, then the database.
struct BatchKv<'a> {
    db: &'a sled::Db,
    pending: RefCell<Writes>,
    applying: RefCell<Option<Applying>>,
}

type Writes = std::collections::HashMap<Vec<u8>, Option<sled::IVec>>;

/// A batch on its way into sled, readable until it is in.
struct Applying {
    writes: std::sync::Arc<Writes>,
    done: std::thread::JoinHandle<Result<()>>,
}

/// Pending writes applied at once; bounds a bulk load's memory.
const BATCH_WRITES: usize = 10_000;

impl<'a> BatchKv<'a> {
    fn new(db: &'a sled::Db) -> Self {
        BatchKv {
            db,
            pending: RefCell::default(),
            applying: RefCell::default(),
        }
    }

    /// Waits for the batch being applied, if any, and reports how that went.
    fn settle(&self) -> Result<()> {
        match self.applying.borrow_mut().take() {
            Some(applying) => applying
                .done
                .join()
                .unwrap_or_else(|_| Err(Error::storage("a bulk write stopped unexpectedly"))),
            None => Ok(()),
        }
    }

    /// Hands the pending writes to a thread that applies them (after the previous batch).
    fn apply_in_background(&self) -> Result<()> {
        self.settle()?;
        let writes = std::sync::Arc::new(std::mem::take(&mut *self.pending.borrow_mut()));
        let (db, applied) = (self.db.clone(), writes.clone());
        let done = std::thread::Builder::new()
            .name("bulk-write".into())
            .spawn(move || {
                let mut batch = sled::Batch::default();
                for (k, v) in applied.iter() {
                    match v {
                        Some(v) => batch.insert(&k[..], v.clone()),
                        None => batch.remove(&k[..]),
                    }
                }
                db.apply_batch(batch).map_err(from_sled)
            })
            .map_err(|e| Error::storage(format!("can't start a bulk write: {e}")))?;
        *self.applying.borrow_mut() = Some(Applying { writes, done });
        Ok(())
    }

    /// Applies everything still pending and waits until it is in the database.
    fn apply(&self) -> Result<()> {
        self.apply_in_background()?;
        self.settle()
    }

    fn apply_if_full(&self) -> Result<()> {
        if self.pending.borrow().len() >= BATCH_WRITES {
            self.apply_in_background()?;
        }
        Ok(())
    }
}

impl Drop for BatchKv<'_> {
    /// A load that failed half-way still waits for its last batch: nothing writes after it.
    fn drop(&mut self) {
        let _ = self.settle();
    }
}

impl Kv for BatchKv<'_> {
    fn get(&self, key: &[u8]) -> Result<Option<sled::IVec>> {
        if let Some(v) = self.pending.borrow().get(key) {
            return Ok(v.clone());
        }
        if let Some(applying) = &*self.applying.borrow()
            && let Some(v) = applying.writes.get(key)
        {
            return Ok(v.clone());
        }
        self.db.get(key).map_err(from_sled)
    }
    fn insert(&self, key: Vec<u8>, value: &[u8]) -> Result<()> {
        self.pending.borrow_mut().insert(key, Some(value.into()));
        self.apply_if_full()
    }
    fn remove(&self, key: Vec<u8>) -> Result<()> {
        self.pending.borrow_mut().insert(key, None);
        self.apply_if_full()
    }
}

/// What the change feed records for one write.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Changed {
    User(UserId),
    Team(TeamId),
    Workspace(WorkspaceId),
}

const CHANGE_USER: u8 = b'U';
const CHANGE_TEAM: u8 = b'T';
const CHANGE_WORKSPACE: u8 = b'W';

/// How many changes the feed keeps per workspace by default; a reader further behind reloads.
const CHANGES_KEPT: u64 = 100_000;

/// A `Tx` over key-value operations: keeps the derived indexes (email, status, counts, Owners,
/// team names, tokens, audit, change feed) consistent with the records.
struct SledTx<K: Kv> {
    kv: K,
    /// false in a bulk load: the feed's floor moves past the load instead of recording it.
    record_changes: bool,
    /// What this attempt has put in the feed already (one entry per thing per transaction).
    recorded: RefCell<std::collections::HashSet<Changed>>,
    /// The highest sequence number this attempt reached per workspace (for trimming).
    reached: RefCell<Vec<(WorkspaceId, u64)>>,
}

impl<K: Kv> SledTx<K> {
    fn new(kv: K, record_changes: bool) -> Self {
        SledTx {
            kv,
            record_changes,
            recorded: RefCell::default(),
            reached: RefCell::default(),
        }
    }

    fn raw(&self, key: &[u8]) -> Result<Option<sled::IVec>> {
        self.kv.get(key)
    }

    fn get<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>> {
        self.raw(key)?.map(|v| decode(&v)).transpose()
    }

    fn set(&self, key: Vec<u8>, value: &[u8]) -> Result<()> {
        self.kv.insert(key, value)
    }

    fn put<T: Serialize>(&self, key: Vec<u8>, value: &T) -> Result<()> {
        self.set(key, &encode(value)?)
    }

    fn del(&self, key: Vec<u8>) -> Result<()> {
        self.kv.remove(key)
    }

    fn counter(&self, key: &[u8]) -> Result<u64> {
        Ok(self.raw(key)?.map_or(0, |v| be_u64(&v)))
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
        self.counter(&keys::user_audit_count(ws, user))
    }

    /// Moves a user between status ranges and counts (`None`: not there).
    fn file_status(
        &self,
        ws: WorkspaceId,
        id: UserId,
        old: Option<UserStatus>,
        new: Option<UserStatus>,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        if let Some(old) = old {
            self.del(keys::user_status(ws, old, id))?;
            let key = keys::status_count(ws, old);
            let n = self.counter(&key)?.saturating_sub(1);
            self.set(key, &n.to_be_bytes())?;
        }
        if let Some(new) = new {
            self.set(keys::user_status(ws, new, id), &[])?;
            let key = keys::status_count(ws, new);
            let n = self.counter(&key)? + 1;
            self.set(key, &n.to_be_bytes())?;
        }
        Ok(())
    }

    /// Puts one entry in the workspace's change feed (once per thing per transaction).
    fn record(&self, ws: WorkspaceId, what: Changed) -> Result<()> {
        if !self.recorded.borrow_mut().insert(what) {
            return Ok(());
        }
        let seq = self.counter(&keys::change_seq(ws))? + 1;
        self.set(keys::change_seq(ws), &seq.to_be_bytes())?;
        if self.record_changes {
            let (kind, id) = match what {
                Changed::User(id) => (CHANGE_USER, *id.as_bytes()),
                Changed::Team(id) => (CHANGE_TEAM, *id.as_bytes()),
                Changed::Workspace(id) => (CHANGE_WORKSPACE, *id.as_bytes()),
            };
            let mut entry = Vec::with_capacity(17);
            entry.push(kind);
            entry.extend_from_slice(&id);
            self.set(keys::change(ws, seq), &entry)?;
        } else {
            // A bulk load is not in the feed: whoever read before it must reload.
            self.set(keys::change_floor(ws), &seq.to_be_bytes())?;
        }
        let mut reached = self.reached.borrow_mut();
        match reached.iter_mut().find(|(w, _)| *w == ws) {
            Some(r) => r.1 = seq,
            None => reached.push((ws, seq)),
        }
        Ok(())
    }
}

fn be_u64(bytes: &[u8]) -> u64 {
    <[u8; 8]>::try_from(bytes).map_or(0, u64::from_be_bytes)
}

impl<K: Kv> Tx for SledTx<K> {
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
        self.put(keys::workspace(ws.id), ws)?;
        self.record(ws.id, Changed::Workspace(ws.id))
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
        self.file_status(ws, user.id, old.map(|o| o.status), Some(user.status))?;
        self.put(keys::user(ws, user.id), user)?;
        self.record(ws, Changed::User(user.id))
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
        self.file_status(ws, id, Some(old.status), None)?;
        self.del(keys::user(ws, id))?;
        self.record(ws, Changed::User(id))
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
        self.put(keys::team(ws, team.id), team)?;
        self.record(ws, Changed::Team(team.id))
    }

    fn remove_team(&self, ws: WorkspaceId, id: TeamId) -> Result<()> {
        if let Some(old) = self.team(ws, id)? {
            self.del(keys::team_name(ws, &old.name.folded()))?;
            self.del(keys::team(ws, id))?;
            self.record(ws, Changed::Team(id))?;
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
        self.put(keys::invite(invite.workspace, invite.user_id), invite)?;
        self.record(invite.workspace, Changed::User(invite.user_id))
    }

    fn retire_invite_token(&self, invite: &Invite) -> Result<()> {
        self.del(keys::invite_token(&invite.token_hash))?;
        self.record(invite.workspace, Changed::User(invite.user_id))
    }

    fn remove_invite(&self, ws: WorkspaceId, user: UserId) -> Result<()> {
        if let Some(old) = self.invite(ws, user)? {
            self.del(keys::invite_token(&old.token_hash))?;
            self.del(keys::invite(ws, user))?;
            self.record(ws, Changed::User(user))?;
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
        // What the committed attempt reached in the feed; sled may run the closure many times.
        let reached = RefCell::new(Vec::new());
        // After an I/O failure, writes reopen the store (at most once a second) once it heals.
        self.slot
            .recover_if_faulted(&self.path, engine::RETRY_EVERY);
        // A backup waits for commits under way and holds new ones back (dry runs only read).
        let _writing = (mode == TxMode::Commit).then(|| self.slot.write_gate());
        let engine = self.engine()?;
        let outcome = engine.db.transaction(|tree| {
            let tx = SledTx::new(
                TreeKv {
                    tree,
                    conflict: RefCell::new(None),
                },
                true,
            );
            let result = f(&tx);
            if let Some(conflict) = tx.kv.conflict.into_inner() {
                return Err(conflict.into());
            }
            *reached.borrow_mut() = tx.reached.into_inner();
            match (result, mode) {
                (Err(e), _) => Err(ConflictableTransactionError::Abort(Abort::Refused(e))),
                (Ok(r), TxMode::Commit) => Ok(r),
                (Ok(r), TxMode::DryRun) => {
                    Err(ConflictableTransactionError::Abort(Abort::DryRun(r)))
                }
            }
        });
        drop(engine);
        self.noting_fault(match outcome {
            Ok(r) => reached
                .into_inner()
                .into_iter()
                .try_for_each(|(ws, seq)| self.trim_changes(ws, seq))
                .map(|()| r),
            Err(TransactionError::Abort(Abort::Refused(e))) => Err(e),
            Err(TransactionError::Abort(Abort::DryRun(r))) => Ok(r),
            Err(TransactionError::Storage(e)) => Err(from_sled(e)),
        })
    }

    fn flush(&self) -> Result<()> {
        let engine = self.engine()?;
        self.noting_fault(engine.flush(self.sync))
    }

    fn health(&self) -> Result<()> {
        self.slot.recover_if_faulted(&self.path, Duration::ZERO);
        let engine = self.engine()?;
        let flushed = engine.flush(self.sync);
        drop(engine);
        self.noting_fault(flushed)?;
        probe_free_space(&self.path).map_err(io_unavailable)
    }

    fn bulk_load(&self, f: &mut dyn FnMut(&dyn Tx) -> Result<()>) -> Result<()> {
        let _writing = self.slot.write_gate();
        let engine = self.engine()?;
        let tx = SledTx::new(BatchKv::new(&engine.db), false);
        let loaded = f(&tx).and_then(|()| tx.kv.apply());
        drop(tx);
        drop(engine);
        self.noting_fault(loaded)?;
        self.flush()
    }

    fn scan_users(
        &self,
        ws: WorkspaceId,
        status: Option<UserStatus>,
        after: Option<UserId>,
        visit: &mut dyn FnMut(User) -> Result<bool>,
    ) -> Result<()> {
        self.scan_user_records(ws, status, after, &mut |record| visit(record.user()?))
    }

    fn scan_user_records(
        &self,
        ws: WorkspaceId,
        status: Option<UserStatus>,
        after: Option<UserId>,
        visit: &mut dyn FnMut(UserRecord) -> Result<bool>,
    ) -> Result<()> {
        let (prefix, start) = match status {
            None => (
                keys::prefix(keys::USER, &[ws.as_bytes()]),
                after.map(|a| keys::user(ws, a)),
            ),
            Some(st) => (
                keys::prefix(
                    keys::USER_STATUS,
                    &[ws.as_bytes(), &[keys::status_byte(st)]],
                ),
                after.map(|a| keys::user_status(ws, st, a)),
            ),
        };
        let engine = self.engine()?;
        let range = match start {
            Some(after) => engine
                .db
                .range::<&[u8], _>((Bound::Excluded(&after[..]), Bound::Unbounded)),
            None => engine.db.range::<&[u8], _>(&prefix[..]..),
        };
        for kv in range {
            let (k, v) = kv.map_err(from_sled)?;
            if !k.starts_with(&prefix) {
                break;
            }
            let id = UserId::from_bytes(id16(&k[prefix.len()..])?);
            let stored = match status {
                None => v,
                Some(_) => {
                    // Gone since the index entry was read: deleted meanwhile.
                    match engine.db.get(keys::user(ws, id)).map_err(from_sled)? {
                        Some(stored) => stored,
                        None => continue,
                    }
                }
            };
            if !visit(UserRecord::from_stored(id, &stored)?)? {
                break;
            }
        }
        Ok(())
    }

    fn status_counts(&self, ws: WorkspaceId) -> Result<StatusCounts> {
        let count = |st| -> Result<u64> {
            Ok(self
                .engine()?
                .db
                .get(keys::status_count(ws, st))
                .map_err(from_sled)?
                .map_or(0, |v| be_u64(&v)))
        };
        Ok(StatusCounts {
            active: count(UserStatus::Active)?,
            inactive: count(UserStatus::Inactive)?,
            invited: count(UserStatus::Invited)?,
        })
    }

    fn invite_of(&self, ws: WorkspaceId, user: UserId) -> Result<Option<Invite>> {
        self.get(&keys::invite(ws, user))
    }

    fn change_seq(&self, ws: WorkspaceId) -> Result<u64> {
        // A transactional read: every write of the transaction that set it is then visible.
        let key = keys::change_seq(ws);
        let seq = self
            .engine()?
            .db
            .transaction(|t| Ok::<_, ConflictableTransactionError<()>>(t.get(&key)?))
            .map_err(|e: TransactionError<()>| match e {
                TransactionError::Storage(e) => from_sled(e),
                TransactionError::Abort(()) => Error::storage("reading the change sequence"),
            })?;
        Ok(seq.map_or(0, |v| be_u64(&v)))
    }

    fn changes_since(
        &self,
        ws: WorkspaceId,
        since: u64,
    ) -> Result<std::result::Result<ChangedIds, ChangesTooOld>> {
        let latest = self.change_seq(ws)?;
        if since > latest {
            // A number this store never gave (another store, or one recreated since).
            return Ok(Err(ChangesTooOld {
                oldest: self.change_floor(ws)?,
            }));
        }
        let mut out = ChangedIds {
            seq: latest,
            ..ChangedIds::default()
        };
        let from = keys::change(ws, since + 1);
        let to = keys::change(ws, latest);
        for kv in self.engine()?.db.range(from..=to) {
            let (_, v) = kv.map_err(from_sled)?;
            let (kind, id) = v
                .split_first()
                .ok_or_else(|| Error::storage("change feed entry is empty"))?;
            let id = id16(id)?;
            match *kind {
                CHANGE_USER => {
                    out.users.insert(UserId::from_bytes(id));
                }
                CHANGE_TEAM => {
                    out.teams.insert(TeamId::from_bytes(id));
                }
                CHANGE_WORKSPACE => out.workspace = true,
                _ => return Err(Error::storage("change feed entry of an unknown kind")),
            }
        }
        // Read after the scan: a trim that raced with it has moved the floor by now.
        let oldest = self.change_floor(ws)?;
        if since < oldest {
            return Ok(Err(ChangesTooOld { oldest }));
        }
        Ok(Ok(out))
    }

    fn workspaces(&self) -> Result<Vec<Workspace>> {
        self.scan(vec![keys::WORKSPACE])
    }

    fn users(&self, ws: WorkspaceId) -> Result<Vec<User>> {
        /// A damaged counter must not reserve the machine's memory.
        const PRESIZED_AT_MOST: usize = 1 << 22;
        // Sized from the counters: at 100,000 users, growing by doubling would reserve 37 MB
        // for 28 and hold both halves while it moves them.
        let counted = self.status_counts(ws)?;
        let expected = counted.active + counted.inactive + counted.invited;
        let sized = usize::try_from(expected).unwrap_or(0).min(PRESIZED_AT_MOST);
        let mut users = Vec::with_capacity(sized);
        for kv in self
            .engine()?
            .db
            .scan_prefix(keys::prefix(keys::USER, &[ws.as_bytes()]))
        {
            users.push(decode(&kv.map_err(from_sled)?.1)?);
        }
        Ok(users)
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
        self.engine()?
            .db
            .range(start..end)
            .rev()
            .take(limit)
            .map(|kv| decode(&kv.map_err(from_sled)?.1))
            .collect()
    }

    fn user_audit(&self, ws: WorkspaceId, user: UserId, limit: usize) -> Result<Vec<AuditEvent>> {
        let mut out = Vec::new();
        for kv in self
            .engine()?
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
            let (_, id) = kv.map_err(from_sled)?;
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
        self.engine()?
            .db
            .scan_prefix(prefix)
            .map(|kv| {
                let (k, _) = kv.map_err(from_sled)?;
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
