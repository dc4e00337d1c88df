//! Backup and restore of a sled store: a consistent snapshot of every record (writes wait
//! while it is taken), and a new store filled from one. The file format is `store::backup`.
//!
//! A backup for someone else (the control socket's client) is first copied into a temporary
//! file in the store folder, so that writes wait only for that local copy, never for the
//! reader.

use super::engine::from_sled;
use super::open::{check_record, kind_name};
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

    /// Takes a backup into a temporary file in the store folder (owner-only, and removed from
    /// the folder at once: it lives only as long as the returned handle, whatever happens to
    /// the process), positioned at its start. Writes wait only while this copy is made.
    /// Returns the file and how many records it holds.
    pub fn backup_to_temporary(&self) -> Result<(std::fs::File, u64)> {
        use std::io::Seek;
        use std::os::unix::fs::OpenOptionsExt;
        let path = self.path.join(format!(
            ".backup-{}-{}.tmp",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        ));
        let io = |what: &str, e: std::io::Error| {
            Error::storage(format!("{what} {}: {e}", path.display()))
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| io("can't create the backup's local copy", e))?;
        std::fs::remove_file(&path).map_err(|e| io("can't unlink the backup's local copy", e))?;
        let mut out = std::io::BufWriter::new(&mut file);
        let records = self.backup_to(&mut out)?;
        out.flush()
            .map_err(|e| io("writing the backup's local copy", e))?;
        drop(out);
        file.rewind()
            .map_err(|e| io("reading the backup's local copy", e))?;
        Ok((file, records))
    }

    /// Since when a backup holds writes back, if one does (only for the moments its local
    /// copy takes).
    pub fn writes_held_since(&self) -> Option<time::OffsetDateTime> {
        *self.slot.writes_held().borrow()
    }

    /// Follows `writes_held_since`: the server waits on it, bounded, before a write starts.
    pub fn watch_held_writes(&self) -> tokio::sync::watch::Receiver<Option<time::OffsetDateTime>> {
        self.slot.writes_held()
    }

    /// Holds writes back as a backup does, until the returned value is dropped; only for tests
    /// of what writers and the health check see meanwhile.
    #[doc(hidden)]
    pub fn hold_writes_for_tests(&self) -> HeldWrites {
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let slot = self.slot.clone();
        let thread = std::thread::spawn(move || {
            let _paused = slot.pause_writes();
            let _ = held_tx.send(());
            let _ = release_rx.recv();
        });
        let _ = held_rx.recv();
        HeldWrites {
            release: Some(release_tx),
            thread: Some(thread),
        }
    }

    /// Makes a new store at `into` (a missing or empty folder) from the backup `from`, all or
    /// nothing: the whole file is verified first (its checksum, its schema, every record
    /// decoding, no key twice), the store is built in a temporary folder beside `into` and read
    /// back as `check_integrity` does, and only then renamed into place. On any refusal or
    /// failure `into` is as it was (a missing one stays missing) and the temporary folder is
    /// removed. Returns how many records were restored.
    pub fn restore_from(from: &Path, into: &Path) -> Result<u64> {
        let refused = |why: &dyn std::fmt::Display| {
            Error::storage(format!(
                "the backup {} was not restored into {}: {why}; nothing was made there",
                from.display(),
                into.display()
            ))
        };
        let open = || {
            std::fs::File::open(from)
                .map(std::io::BufReader::new)
                .map_err(|e| Error::storage(format!("can't read {}: {e}", from.display())))
        };
        let mut schema = None;
        let mut keys_seen = std::collections::HashSet::new();
        let mut bad_record = None;
        let mut n = 0u64;
        read_backup(&mut open()?, &mut |key, value| {
            n += 1;
            if key == keys::SCHEMA {
                schema = <[u8; 4]>::try_from(value.as_slice())
                    .ok()
                    .map(u32::from_be_bytes);
            }
            if bad_record.is_none() {
                let kind = kind_name(key.first().copied());
                if let Err(why) = check_record(&key, &value) {
                    bad_record = Some(format!("its record {n} ({kind}) is unreadable: {why}"));
                } else if !keys_seen.insert(key) {
                    bad_record = Some(format!(
                        "its record {n} ({kind}) has the same key as an earlier one"
                    ));
                }
            }
            Ok(())
        })
        .map_err(|e| Error::storage(format!("{}: {e}", from.display())))?;
        drop(keys_seen);
        if schema != Some(SCHEMA_VERSION) {
            return Err(Error::Store(StoreError::UnknownSchema {
                path: from.display().to_string(),
                found: schema.unwrap_or(0),
                supported: SCHEMA_VERSION,
            }));
        }
        if let Some(why) = bad_record {
            return Err(refused(&why));
        }
        match std::fs::symlink_metadata(into) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(refused(&format!("it can't be read ({e})"))),
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(refused(
                    &"it is a symbolic link; give the path of a new folder",
                ));
            }
            Ok(meta) if !meta.is_dir() => {
                return Err(refused(&"it is a file; give the path of a new folder"));
            }
            Ok(_) => {
                let occupied = std::fs::read_dir(into).map(|mut d| d.next().is_some());
                if !matches!(occupied, Ok(false)) {
                    return Err(Error::storage(format!(
                        "{} is not an empty folder: restore into a new one",
                        into.display()
                    )));
                }
            }
        }
        let parent = match into.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let made_parent = MadeFolders::create(&parent)
            .map_err(|e| refused(&format!("its folder can't be created ({e})")))?;
        let name = into
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "store".into());
        let temporary = TemporaryFolder(parent.join(format!(
            ".{name}.restoring-{}-{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp_nanos()
        )));
        let restored = Self::restore_into(&mut open()?, &temporary.0).map_err(|e| match e {
            Error::Store(StoreError::Corrupt { detail, .. }) => refused(&detail),
            other => refused(&other),
        })?;
        std::fs::rename(&temporary.0, into)
            .map_err(|e| refused(&format!("moving the new store into place failed ({e})")))?;
        temporary.keep();
        made_parent.keep();
        if let Ok(dir) = std::fs::File::open(&parent) {
            let _ = dir.sync_all();
        }
        Ok(restored)
    }

    /// Fills a new store at `path` from a verified backup, flushes it and reads it back.
    fn restore_into(input: &mut dyn std::io::Read, path: &Path) -> Result<u64> {
        let store = SledStore::open(path)?;
        let engine = store.engine()?;
        let mut batch = sled::Batch::default();
        let mut pending = 0;
        let restored = read_backup(input, &mut |key, value| {
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
        let read = store.check_integrity(&mut |_| {})?;
        if read != restored {
            return Err(Error::storage(format!(
                "{restored} records were written but {read} read back"
            )));
        }
        Ok(restored)
    }
}

/// Writes held back by `SledStore::hold_writes_for_tests`, until dropped.
#[doc(hidden)]
pub struct HeldWrites {
    release: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for HeldWrites {
    fn drop(&mut self) {
        drop(self.release.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A folder being built; removed on drop unless kept.
struct TemporaryFolder(std::path::PathBuf);

impl TemporaryFolder {
    fn keep(self) {
        std::mem::forget(self);
    }
}

impl Drop for TemporaryFolder {
    fn drop(&mut self) {
        if self.0.exists()
            && let Err(e) = std::fs::remove_dir_all(&self.0)
        {
            tracing::warn!(path = %self.0.display(), error = %e, "could not remove the folder of a failed restore");
        }
    }
}

/// The folders created for a path that was missing, the topmost first; removed again on drop
/// unless kept.
struct MadeFolders(Option<std::path::PathBuf>);

impl MadeFolders {
    fn create(path: &Path) -> std::io::Result<MadeFolders> {
        let mut topmost = None;
        let mut at = Some(path);
        while let Some(p) = at {
            if p.as_os_str().is_empty() || p.exists() {
                break;
            }
            topmost = Some(p.to_path_buf());
            at = p.parent();
        }
        crate::store::owner_only::create_owner_only_dir(path)?;
        Ok(MadeFolders(topmost))
    }

    fn keep(mut self) {
        self.0 = None;
    }
}

impl Drop for MadeFolders {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::backup::BackupWriter;

    /// A backup of a small demo store, and its records.
    fn demo_backup(dir: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
        let store = SledStore::open(dir.join("original")).unwrap();
        crate::demo::seed(
            &store,
            time::OffsetDateTime::now_utc(),
            5,
            crate::domain::HashCost::insecure_for_tests(),
        )
        .unwrap();
        let mut bytes = Vec::new();
        store.backup_to(&mut bytes).unwrap();
        let mut records = Vec::new();
        read_backup(&mut bytes.as_slice(), &mut |k, v| {
            records.push((k, v));
            Ok(())
        })
        .unwrap();
        records
    }

    /// A backup file with a correct checksum over `records`.
    fn write(path: &Path, records: &[(Vec<u8>, Vec<u8>)]) {
        let mut writer = BackupWriter::new(Vec::new()).unwrap();
        for (k, v) in records {
            writer.record(k, v).unwrap();
        }
        std::fs::write(path, writer.finish().unwrap().0).unwrap();
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("restoring"))
            .collect()
    }

    #[test]
    fn a_failed_restore_leaves_the_target_as_it_was_and_says_so_for_a_restore() {
        let dir = tempfile::tempdir().unwrap();
        let records = demo_backup(dir.path());
        let mut undecodable = records.clone();
        let user = undecodable
            .iter_mut()
            .find(|(k, _)| k.first() == Some(&keys::USER))
            .unwrap();
        user.1 = b"{\"not\": \"a user\"}".to_vec();
        let mut twice = records.clone();
        let repeated = twice
            .iter()
            .find(|(k, _)| k.first() == Some(&keys::USER))
            .unwrap()
            .clone();
        twice.push(repeated);
        // Decodes, but a second workspace takes the slug of the first.
        let mut same_slug = records.clone();
        let (_, ws) = records
            .iter()
            .find(|(k, _)| k.first() == Some(&keys::WORKSPACE))
            .unwrap();
        let mut evil: crate::domain::Workspace = serde_json::from_slice(ws).unwrap();
        evil.id = crate::domain::WorkspaceId::from_bytes([7; 16]);
        same_slug.push((keys::workspace(evil.id), serde_json::to_vec(&evil).unwrap()));
        same_slug.sort();
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        for (name, bad, expected) in [
            ("undecodable", &undecodable, "(a user) is unreadable"),
            ("twice", &twice, "the same key as an earlier one"),
            ("same_slug", &same_slug, "belongs to 2 workspaces"),
        ] {
            let file = dir.path().join(format!("{name}.backup"));
            write(&file, bad);
            for target in [
                dir.path().join("missing"),
                dir.path().join("no/such/parent"),
                empty.clone(),
            ] {
                let e = SledStore::restore_from(&file, &target)
                    .unwrap_err()
                    .to_string();
                assert!(e.contains(expected), "{name}: {e}");
                assert!(
                    e.contains("was not restored") && e.contains("nothing was made"),
                    "{e}"
                );
                assert!(!e.contains("left untouched"), "check's wording: {e}");
                assert_eq!(
                    target.exists(),
                    target == empty,
                    "{name}: {}",
                    target.display()
                );
                assert!(leftovers(dir.path()).is_empty());
            }
            assert!(
                !dir.path().join("no").exists(),
                "no parent folder is left behind"
            );
            assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
        }
        // a dangling symbolic link is named as such
        let good = dir.path().join("good.backup");
        write(&good, &records);
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
            let e = SledStore::restore_from(&good, &link)
                .unwrap_err()
                .to_string();
            assert!(e.contains("symbolic link"), "{e}");
            assert!(!dir.path().join("nowhere").exists());
        }
        // and a good backup restores into the empty folder, with no temporary folder left
        let restored = SledStore::restore_from(&good, &empty).unwrap();
        assert_eq!(restored, records.len() as u64);
        assert!(leftovers(dir.path()).is_empty());
        let store = SledStore::open(&empty).unwrap();
        assert_eq!(store.check_integrity(&mut |_| {}).unwrap(), restored);
    }
}
