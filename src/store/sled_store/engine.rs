//! The open sled engine behind a `SledStore`, and its reopening after an I/O failure.
//!
//! After a write fails (a full disk), sled keeps the error and refuses every later write until
//! the database is opened again. So the engine sits in a slot that every operation borrows from
//! for its own duration; once the disk takes writes again, the first operation or health check
//! after the failure takes the engine out, waits for the operations still holding it, drops it
//! (which releases sled's file lock) and opens the store again. Until then reads keep using the
//! old engine and writes answer `StoreError::Unavailable`.

use super::{DurableFiles, open_db};
use crate::{Error, Result};

use crate::store::StoreError;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

pub(super) struct Engine {
    pub(super) db: sled::Db,
    pub(super) durable: DurableFiles,
}

impl Engine {
    /// sled's flush, then (with `sync`) the data files' own sync; see `DurableFiles`.
    pub(super) fn flush(&self, sync: bool) -> Result<()> {
        self.db.flush().map_err(from_sled)?;
        if sync {
            self.durable.sync().map_err(io_unavailable)?;
        }
        Ok(())
    }
}

/// How long a reopen waits for operations still using the old engine.
const DRAIN_WAIT: Duration = Duration::from_secs(5);

/// How often operations (not health checks, which always try) try to reopen a failed engine.
pub(super) const RETRY_EVERY: Duration = Duration::from_secs(1);

pub(super) struct EngineSlot {
    /// `None` only while a reopen is under way or after one failed half-way.
    current: RwLock<Option<Arc<Engine>>>,
    /// The I/O error that made the engine unusable for writes, until a reopen succeeds.
    fault: Mutex<Option<Fault>>,
    /// Held by the one reopen under way.
    reopening: Mutex<()>,
    /// Shared by every write, taken alone by a backup so its snapshot is consistent.
    writes: RwLock<()>,
    /// Since when a backup holds `writes` (or waits for it, which holds new writes back too);
    /// `None` while writes go on. The server waits on it, bounded, before it starts a write.
    held: tokio::sync::watch::Sender<Option<time::OffsetDateTime>>,
    /// Taken by the one backup under way, so that `held` has one owner at a time.
    backing_up: Mutex<()>,
    /// sled's cache size, kept for a reopen.
    cache_bytes: u64,
}

struct Fault {
    detail: String,
    last_attempt: Option<Instant>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl EngineSlot {
    pub(super) fn new(engine: Engine, cache_bytes: u64) -> Self {
        EngineSlot {
            current: RwLock::new(Some(Arc::new(engine))),
            fault: Mutex::new(None),
            reopening: Mutex::new(()),
            writes: RwLock::new(()),
            held: tokio::sync::watch::Sender::new(None),
            backing_up: Mutex::new(()),
            cache_bytes,
        }
    }

    /// Held by a write for its duration.
    pub(super) fn write_gate(&self) -> std::sync::RwLockReadGuard<'_, ()> {
        self.writes.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Holds every write back until dropped (after the writes under way have finished); says
    /// so in `held` meanwhile.
    pub(super) fn pause_writes(&self) -> WritesPaused<'_> {
        let one_at_a_time = lock(&self.backing_up);
        self.held
            .send_replace(Some(time::OffsetDateTime::now_utc()));
        let gate = self.writes.write().unwrap_or_else(PoisonError::into_inner);
        WritesPaused {
            gate: Some(gate),
            held: &self.held,
            _one_at_a_time: one_at_a_time,
        }
    }

    /// Since when writes are held back (by a backup's copy), if they are.
    pub(super) fn writes_held(&self) -> tokio::sync::watch::Receiver<Option<time::OffsetDateTime>> {
        self.held.subscribe()
    }

    /// The engine to use for one operation: hold it no longer than the operation.
    pub(super) fn get(&self) -> Result<Arc<Engine>> {
        let current = self
            .current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        current.ok_or_else(|| {
            let detail = lock(&self.fault).as_ref().map_or_else(
                || "the store is being reopened".into(),
                |f| f.detail.clone(),
            );
            Error::Store(StoreError::Unavailable { detail })
        })
    }

    /// Remembers that the engine failed with an I/O error (writes need a reopen now).
    pub(super) fn note_fault(&self, detail: &str) {
        let mut fault = lock(&self.fault);
        if fault.is_none() {
            tracing::error!(error = %detail, "the store failed to write; it will be reopened once the disk takes writes again");
            *fault = Some(Fault {
                detail: detail.to_string(),
                last_attempt: None,
            });
        }
    }

    /// Reopens the store at `path` if an I/O error made it unusable, the disk takes writes
    /// again, and no attempt was made in the last `every`. Only one reopen runs at a time.
    pub(super) fn recover_if_faulted(&self, path: &Path, every: Duration) {
        {
            let mut fault = lock(&self.fault);
            let Some(f) = fault.as_mut() else { return };
            if f.last_attempt.is_some_and(|at| at.elapsed() < every) {
                return;
            }
            f.last_attempt = Some(Instant::now());
        }
        let Ok(_reopening) = self.reopening.try_lock() else {
            return;
        };
        // While the disk is still full the old engine keeps serving reads.
        if let Err(e) = probe_free_space(path) {
            tracing::warn!(error = %e, "the store's disk still refuses writes");
            return;
        }
        match self.reopen(path) {
            Ok(()) => {
                *lock(&self.fault) = None;
                tracing::info!(path = %path.display(), "the store was reopened and takes writes again");
            }
            Err(e) => tracing::warn!(error = %e, "reopening the store failed; retrying later"),
        }
    }

    fn reopen(&self, path: &Path) -> Result<()> {
        let taken = self
            .current
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(old) = taken {
            // sled's file lock is released only when the last handle to the old engine goes.
            let deadline = Instant::now() + DRAIN_WAIT;
            while Arc::strong_count(&old) > 1 {
                if Instant::now() > deadline {
                    *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(old);
                    return Err(Error::storage_unavailable(
                        "operations still use the old engine",
                    ));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            drop(old);
        }
        let shown = path.display().to_string();
        let db = open_db(path, &shown, self.cache_bytes)?;
        let durable = DurableFiles::open(path).map_err(from_sled)?;
        let engine = Engine { db, durable };
        // A write that must reach the disk, before anyone is told the store is back.
        engine.flush(true)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(engine));
        Ok(())
    }
}

/// Writes held back: released, and said so, on drop.
pub(super) struct WritesPaused<'a> {
    gate: Option<std::sync::RwLockWriteGuard<'a, ()>>,
    held: &'a tokio::sync::watch::Sender<Option<time::OffsetDateTime>>,
    _one_at_a_time: std::sync::MutexGuard<'a, ()>,
}

impl Drop for WritesPaused<'_> {
    fn drop(&mut self) {
        drop(self.gate.take());
        self.held.send_replace(None);
    }
}

/// A sled error as the store reports it: I/O (a full disk, a failing device) makes the store
/// unavailable until it heals; anything else is a storage error.
pub(super) fn from_sled(e: sled::Error) -> Error {
    match e {
        sled::Error::Io(io) => io_unavailable(io),
        other => Error::storage(other),
    }
}

pub(super) fn io_unavailable(e: std::io::Error) -> Error {
    Error::Store(StoreError::Unavailable {
        detail: e.to_string(),
    })
}

/// Whether the store's disk takes a small write now: writes, syncs and removes a probe file.
pub(super) fn probe_free_space(store: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let probe = store.join("space-probe.tmp");
    let written = std::fs::File::create(&probe).and_then(|mut f| {
        f.write_all(&[0u8; 4096])?;
        f.sync_data()
    });
    let _ = std::fs::remove_file(&probe);
    written
}
