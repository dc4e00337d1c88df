//! The key-value layer under index keeping: the same few operations inside a sled
//! transaction (`TreeKv`) and in a bulk load (`BatchKv`). No knowledge of records or indexes.

use super::*;

/// What aborts a sled transaction: a rule's refusal, or a dry run carrying its result.
pub(super) enum Abort<R> {
    Refused(Error),
    DryRun(R),
}

/// The few key-value operations the index-keeping code needs, so the same code runs inside a
/// sled transaction and in a bulk load.
pub(super) trait Kv {
    fn get(&self, key: &[u8]) -> Result<Option<sled::IVec>>;
    fn insert(&self, key: Vec<u8>, value: &[u8]) -> Result<()>;
    fn remove(&self, key: Vec<u8>) -> Result<()>;
}

/// A sled transactional tree. sled reports conflicts as errors that must reach its retry loop
/// unchanged; they are kept aside here and re-raised after the closure returns.
pub(super) struct TreeKv<'a> {
    pub(super) tree: &'a TransactionalTree,
    pub(super) conflict: RefCell<Option<UnabortableTransactionError>>,
}

impl TreeKv<'_> {
    pub(super) fn keep(&self, e: UnabortableTransactionError) -> Error {
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
pub(super) struct BatchKv<'a> {
    db: &'a sled::Db,
    pending: RefCell<Writes>,
    applying: RefCell<Option<Applying>>,
}

pub(super) type Writes = std::collections::HashMap<Vec<u8>, Option<sled::IVec>>;

/// A batch on its way into sled, readable until it is in.
pub(super) struct Applying {
    writes: std::sync::Arc<Writes>,
    done: std::thread::JoinHandle<Result<()>>,
}

/// Pending writes applied at once; bounds a bulk load's memory.
pub(super) const BATCH_WRITES: usize = 10_000;

impl<'a> BatchKv<'a> {
    pub(super) fn new(db: &'a sled::Db) -> Self {
        BatchKv {
            db,
            pending: RefCell::default(),
            applying: RefCell::default(),
        }
    }

    /// Waits for the batch being applied, if any, and reports how that went.
    pub(super) fn settle(&self) -> Result<()> {
        match self.applying.borrow_mut().take() {
            Some(applying) => applying
                .done
                .join()
                .unwrap_or_else(|_| Err(Error::storage("a bulk write stopped unexpectedly"))),
            None => Ok(()),
        }
    }

    /// Hands the pending writes to a thread that applies them (after the previous batch).
    pub(super) fn apply_in_background(&self) -> Result<()> {
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
    pub(super) fn apply(&self) -> Result<()> {
        self.apply_in_background()?;
        self.settle()
    }

    pub(super) fn apply_if_full(&self) -> Result<()> {
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
