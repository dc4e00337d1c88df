//! The backup file of a sled store: every record (key and value) in key order, framed and
//! followed by a count and a SHA-256 of everything before it, so that a truncated or altered
//! file is refused before anything is restored from it.
//!
//! Layout: `ATENDER-BACKUP 1\n`, then per record `u32 key length, key, u32 value length,
//! value` (big-endian), then `u32::MAX`, the record count (u64) and the 32-byte digest.

use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

const MAGIC: &[u8] = b"ATENDER-BACKUP 1\n";
const END: u32 = u32::MAX;
/// Larger keys or values than any record the store writes: a damaged length, not a record.
const MAX_PART: u32 = 64 * 1024 * 1024;

/// Writes records, hashing what it writes.
pub(crate) struct BackupWriter<W: Write> {
    out: W,
    digest: Sha256,
    count: u64,
}

impl<W: Write> BackupWriter<W> {
    pub(crate) fn new(out: W) -> Result<Self> {
        let mut w = BackupWriter {
            out,
            digest: Sha256::new(),
            count: 0,
        };
        w.put(MAGIC)?;
        Ok(w)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<()> {
        self.digest.update(bytes);
        self.out.write_all(bytes).map_err(write_error)
    }

    pub(crate) fn record(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        for part in [key, value] {
            let len = u32::try_from(part.len())
                .ok()
                .filter(|n| *n < MAX_PART)
                .ok_or_else(|| Error::storage("a record is too large to back up"))?;
            self.put(&len.to_be_bytes())?;
            self.put(part)?;
        }
        self.count += 1;
        Ok(())
    }

    /// Writes the trailer; returns the writer and how many records were written.
    pub(crate) fn finish(mut self) -> Result<(W, u64)> {
        self.put(&END.to_be_bytes())?;
        let count = self.count;
        self.put(&count.to_be_bytes())?;
        let digest = self.digest.clone().finalize();
        self.out.write_all(&digest).map_err(write_error)?;
        self.out.flush().map_err(write_error)?;
        Ok((self.out, count))
    }
}

fn write_error(e: std::io::Error) -> Error {
    Error::storage(format!("writing the backup failed: {e}"))
}

/// Reads a backup, passing each record to `visit`; returns the record count. Fails, saying
/// why, on a file that is not a backup, is cut short or was altered. `visit` may already have
/// seen records when the damage is found at the end: verify first (a no-op `visit`) before
/// restoring.
pub fn read_backup(
    input: &mut dyn Read,
    visit: &mut dyn FnMut(Vec<u8>, Vec<u8>) -> Result<()>,
) -> Result<u64> {
    let mut digest = Sha256::new();
    let mut take = |n: usize, digest: &mut Sha256| -> Result<Vec<u8>> {
        let mut buf = vec![0u8; n];
        input.read_exact(&mut buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                damaged("it ends early (an interrupted copy or backup)")
            }
            _ => Error::storage(format!("reading the backup failed: {e}")),
        })?;
        digest.update(&buf);
        Ok(buf)
    };
    if take(MAGIC.len(), &mut digest)? != MAGIC {
        return Err(damaged("it is not an atender backup"));
    }
    let len = |bytes: Vec<u8>| u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let mut count = 0u64;
    loop {
        let key_len = len(take(4, &mut digest)?);
        if key_len == END {
            break;
        }
        if key_len >= MAX_PART {
            return Err(damaged(&format!(
                "record {} has an impossible length",
                count + 1
            )));
        }
        let key = take(key_len as usize, &mut digest)?;
        let value_len = len(take(4, &mut digest)?);
        if value_len >= MAX_PART {
            return Err(damaged(&format!(
                "record {} has an impossible length",
                count + 1
            )));
        }
        let value = take(value_len as usize, &mut digest)?;
        count += 1;
        visit(key, value)?;
    }
    let stated = take(8, &mut digest)?;
    let stated = u64::from_be_bytes(stated.try_into().unwrap_or([0xff; 8]));
    let expected = digest.clone().finalize();
    let found = take(32, &mut Sha256::new())?;
    if found.as_slice() != expected.as_slice() || stated != count {
        return Err(damaged(
            "its checksum does not match (the file was altered or damaged)",
        ));
    }
    let mut rest = [0u8; 1];
    if input
        .read(&mut rest)
        .map_err(|e| Error::storage(e.to_string()))?
        != 0
    {
        return Err(damaged("there is data after its end"));
    }
    Ok(count)
}

fn damaged(why: &str) -> Error {
    Error::storage(format!("not a usable backup: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut w = BackupWriter::new(Vec::new()).unwrap();
        w.record(b"k1", b"v1").unwrap();
        w.record(b"k2", b"").unwrap();
        w.finish().unwrap().0
    }

    #[test]
    fn a_backup_reads_back_record_for_record() {
        let mut seen = Vec::new();
        let n = read_backup(&mut &sample()[..], &mut |k, v| {
            seen.push((k, v));
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            seen,
            vec![(b"k1".to_vec(), b"v1".to_vec()), (b"k2".to_vec(), vec![])]
        );
    }

    #[test]
    fn a_cut_or_altered_backup_is_refused() {
        let good = sample();
        for cut in [0, 5, MAGIC.len() + 3, good.len() - 1] {
            let e = read_backup(&mut &good[..cut], &mut |_, _| Ok(())).unwrap_err();
            assert!(e.to_string().contains("not a usable backup"), "{cut}: {e}");
        }
        let mut altered = good.clone();
        altered[MAGIC.len() + 5] ^= 1;
        let e = read_backup(&mut &altered[..], &mut |_, _| Ok(())).unwrap_err();
        assert!(e.to_string().contains("checksum"), "{e}");
        let mut longer = good;
        longer.push(0);
        assert!(read_backup(&mut &longer[..], &mut |_, _| Ok(())).is_err());
    }
}
