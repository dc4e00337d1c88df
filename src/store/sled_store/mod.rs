//! The embedded store on sled 0.34: one tree, JSON values, keys from `keys`.
//!
//! Here: the `SledStore` handle, record encoding and the engine plumbing every operation
//! shares. Opening, upgrading and checking live in `open`; the key-value layer (transactions
//! and bulk batches) in `kv`; index keeping in `tx`; the `Store` trait's operations in
//! `operations`. Nothing here applies a product rule: that is the service's and the domain's.

use crate::domain::{
    AuditAction, AuditEvent, Email, EventId, Invite, PasswordHash, Session, Team, TeamId,
    TokenHash, User, UserId, UserStatus, Workspace, WorkspaceId,
};
use crate::store::StoreError;
use crate::store::{
    ChangedIds, ChangesTooOld, SCHEMA_VERSION, StatusCounts, Store, Tx, TxMode, UserRecord, keys,
};
use crate::{Error, Result};
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
mod invariants;
mod kv;
mod open;
mod operations;
mod snapshot;
mod tx;
use engine::{Engine, EngineSlot, from_sled, io_unavailable, probe_free_space};
use kv::*;
use open::*;
pub use snapshot::HeldWrites;
use tx::*;

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
