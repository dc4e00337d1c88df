//! Backup and restore of a sled store: a consistent snapshot of every record (writes wait
//! while it is taken), and a new store filled from one. The file format is `store::backup`.

use super::engine::from_sled;
use super::{SledStore, keys};
use crate::{Error, Result};

use crate::store::StoreError;
use crate::store::backup::{BackupWriter, read_backup};
use crate::store::{SCHEMA_VERSION, Store};
use std::io::Write;
use std::path::Path;

/// Records applied to the new store at once while restoring.
const RESTORE_BATCH: usize = 20_000;

impl SledStore {
    /// Writes every record to `out` as a backup; writes wait until it is done, so the
    /// snapshot is consistent while the store is in use. Returns how many records.
    pub fn backup_to(&self, out: &mut dyn Write) -> Result<u64> {
        let _paused = self.slot.pause_writes();
        let engine = self.engine()?;
        let mut writer = BackupWriter::new(out)?;
        for kv in engine.db.iter() {
            let (key, value) = kv.map_err(from_sled)?;
            writer.record(&key, &value)?;
        }
        Ok(writer.finish()?.1)
    }

    /// Makes a new store at `into` (a missing or empty folder) from the backup `from`, after
    /// verifying the whole file, then reads every record back as `check_integrity` does.
    /// Refuses, changing nothing, a damaged backup, one of another schema, or a folder that
    /// holds anything. Returns how many records were restored.
    pub fn restore_from(from: &Path, into: &Path) -> Result<u64> {
        let open = || {
            std::fs::File::open(from)
                .map(std::io::BufReader::new)
                .map_err(|e| Error::storage(format!("can't read {}: {e}", from.display())))
        };
        let mut schema = None;
        read_backup(&mut open()?, &mut |key, value| {
            if key == keys::SCHEMA {
                schema = <[u8; 4]>::try_from(value.as_slice())
                    .ok()
                    .map(u32::from_be_bytes);
            }
            Ok(())
        })
        .map_err(|e| Error::storage(format!("{}: {e}", from.display())))?;
        if schema != Some(SCHEMA_VERSION) {
            return Err(Error::Store(StoreError::UnknownSchema {
                path: from.display().to_string(),
                found: schema.unwrap_or(0),
                supported: SCHEMA_VERSION,
            }));
        }
        let occupied = std::fs::read_dir(into).map(|mut d| d.next().is_some());
        if into.exists() && !matches!(occupied, Ok(false)) {
            return Err(Error::storage(format!(
                "{} is not an empty folder: restore into a new one",
                into.display()
            )));
        }
        let store = SledStore::open(into)?;
        let engine = store.engine()?;
        let mut batch = sled::Batch::default();
        let mut pending = 0;
        let restored = read_backup(&mut open()?, &mut |key, value| {
            batch.insert(key, value);
            pending += 1;
            if pending == RESTORE_BATCH {
                engine
                    .db
                    .apply_batch(std::mem::take(&mut batch))
                    .map_err(from_sled)?;
                pending = 0;
            }
            Ok(())
        })?;
        engine.db.apply_batch(batch).map_err(from_sled)?;
        drop(engine);
        store.flush()?;
        store.check_integrity(&mut |_| {})?;
        Ok(restored)
    }
}
