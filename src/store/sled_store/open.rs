//! Opening a sled store: refusing what is not a usable store (a file, a missing data file, an
//! unknown schema, one held by another process, damage), upgrading schema 1, syncing the data
//! files after each flush, and the full integrity check. No record reads or writes of the
//! product's operations live here.

use super::*;
use crate::store::Findings;
use crate::store::owner_only;

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
        let existed = Self::holds_store(&path);
        if !path.exists() {
            owner_only::create_owner_only_dir(&path).map_err(|e| {
                Error::Store(StoreError::Failed {
                    detail: format!("could not create the store folder {shown}: {e}"),
                })
            })?;
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
        if existed {
            owner_only::tighten_and_say(&path, "the store");
        } else if let Err(e) = owner_only::tighten(&path) {
            tracing::warn!(path = %shown, error = %e, "the new store could not be made owner-only");
        }
        let durable = DurableFiles::open(&path).map_err(|e| open_error(e, &shown))?;
        Ok(SledStore {
            slot: Arc::new(EngineSlot::new(Engine { db, durable }, cache_bytes)),
            path,
            sync: true,
            changes_kept: CHANGES_KEPT,
        })
    }

    /// Reads and decodes every record, so a damaged store is refused before it is served rather
    /// than failing request by request. Calls `progress` with the number of records read every
    /// `PROGRESS_EVERY` records. Returns how many records there are; the first one that can't
    /// be read is reported with its position and kind.
    pub fn check_integrity(&self, progress: &mut dyn FnMut(u64)) -> Result<u64> {
        let (read, warnings) = self.check_integrity_reporting(progress)?;
        for warning in &warnings {
            tracing::warn!(path = %self.path.display(), "{warning}");
        }
        Ok(read)
    }

    /// `check_integrity`, returning the warnings too (records that break today's name and
    /// email rules: reported, not refused) instead of logging them.
    pub fn check_integrity_reporting(
        &self,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(u64, Vec<String>)> {
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
            Ok(Ok(())) => {
                let found = self.check_invariants()?;
                if found.damage.is_empty() {
                    Ok((read, found.warnings))
                } else {
                    Err(corrupt(crate::store::describe_damage(&found.damage)))
                }
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(corrupt(format!(
                "the storage engine failed reading record {}",
                read + 1
            ))),
        }
    }

    /// Checks the store's invariants over every record (see `invariants`): `damage` is what
    /// `check_integrity` refuses, `warnings` names and emails today's rules refuse.
    pub fn check_invariants(&self) -> Result<Findings> {
        let engine = self.engine()?;
        let db = &engine.db;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| invariants::check(db)))
            .unwrap_or_else(|_| {
                Err(Error::Store(StoreError::Corrupt {
                    path: self.path.display().to_string(),
                    detail: "the storage engine failed reading the store".into(),
                }))
            })
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
}

/// The files sled writes, synced after each flush: sled's `flush` writes with
/// `sync_file_range` (no disk-cache flush, no metadata) and its own `fsync` runs only every
/// 500 ms in the background, so without this an acknowledged write can be lost in a power cut.
/// The log lives in `db`; values too big for the log go to new files in `blobs/`, which sled
/// never syncs at all.
pub(super) struct DurableFiles {
    log: std::fs::File,
    blobs: PathBuf,
    /// Blob files already synced, with their length then: a blob seen while sled was still
    /// writing it is synced again once it has grown.
    synced_blobs: std::sync::Mutex<BTreeMap<std::ffi::OsString, u64>>,
}

impl DurableFiles {
    pub(super) fn open(store: &Path) -> sled::Result<Self> {
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

    pub(super) fn sync(&self) -> std::io::Result<()> {
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
                    if !synced.contains_key(&name) {
                        // sled creates blobs with the process's umask
                        let _ = owner_only::tighten(&entry.path());
                    }
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
pub(super) fn upgrade_from_v1(db: &sled::Db) -> Result<()> {
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
pub(super) const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// How often `check_integrity` reports progress.
pub const PROGRESS_EVERY: u64 = 10_000;

/// Decodes one record by the kind its key starts with.
pub(super) fn check_record(key: &[u8], value: &[u8]) -> std::result::Result<(), String> {
    pub(super) fn json<T: DeserializeOwned>(v: &[u8]) -> std::result::Result<(), String> {
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

pub(super) fn kind_name(kind: Option<u8>) -> &'static str {
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
pub(super) fn open_db(path: &Path, shown: &str, cache_bytes: u64) -> Result<sled::Db> {
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

pub(super) fn open_error(e: sled::Error, path: &str) -> Error {
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
