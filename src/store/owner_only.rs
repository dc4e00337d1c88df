//! Files only their owner can read: a store holds password hashes, session and invite token
//! hashes and people's data, and its outbox holds one-time invite links. Folders are 0700 and
//! files 0600 whatever the umask: new folders are made so, the binaries set the umask to 077
//! (for the files sled and lettre create later), and an existing store is tightened when it is
//! opened, with a warning naming what was readable.

use std::io;
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

/// Makes every file and folder this process creates from now on owner-only (umask 077). Called
/// first thing in both binaries' `main`.
pub fn restrict_new_files_to_owner() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: umask only sets this process's file-creation mask; it can't fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates `path` and any missing parents as owner-only folders (existing ones are left as
/// they are: `tighten` is for those).
pub fn create_owner_only_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(path)
}

/// Sets `path` (a folder) and everything inside it to owner-only: folders 0700, files and
/// sockets 0600. Symbolic links are not followed. Returns what was readable or writable by
/// others before.
pub fn tighten(path: &Path) -> io::Result<Vec<PathBuf>> {
    let mut loosened = Vec::new();
    tighten_into(path, &mut loosened)?;
    Ok(loosened)
}

#[cfg(unix)]
fn tighten_into(path: &Path, loosened: &mut Vec<PathBuf>) -> io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        // sled removes old snapshots and blobs at any time
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    let wanted = if meta.is_dir() { 0o700 } else { 0o600 };
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))?;
        loosened.push(path.to_path_buf());
    }
    if meta.is_dir() {
        for entry in std::fs::read_dir(path)? {
            tighten_into(&entry?.path(), loosened)?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten_into(_: &Path, _: &mut Vec<PathBuf>) -> io::Result<()> {
    Ok(())
}

/// `tighten`, with a warning in the log if anything was readable by others. A failure is
/// logged, not returned: a store that can't be tightened (someone else's, opened read-only)
/// still opens.
pub fn tighten_and_say(path: &Path, what: &str) {
    match tighten(path) {
        Ok(loosened) if loosened.is_empty() => {}
        Ok(loosened) => {
            let shown: Vec<String> = loosened
                .iter()
                .take(5)
                .map(|p| p.display().to_string())
                .collect();
            tracing::warn!(
                path = %path.display(),
                tightened = loosened.len(),
                first = %shown.join(", "),
                "{what} was readable by other local users: tightened to owner-only (folders 0700, files 0600)"
            );
        }
        Err(e) => tracing::warn!(
            path = %path.display(),
            error = %e,
            "{what} could not be made owner-only; check its permissions (folders 0700, files 0600)"
        ),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_loose_tree_is_tightened_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        create_owner_only_dir(&root.join("blobs")).unwrap();
        std::fs::write(root.join("db"), b"x").unwrap();
        std::fs::write(root.join("blobs/1"), b"x").unwrap();
        for (p, mode) in [
            (&root, 0o755),
            (&root.join("db"), 0o644),
            (&root.join("blobs/1"), 0o666),
        ] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let loosened = tighten(&root).unwrap();
        assert_eq!(loosened.len(), 3, "{loosened:?}");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(&root.join("blobs")), 0o700);
        assert_eq!(mode(&root.join("db")), 0o600);
        assert_eq!(mode(&root.join("blobs/1")), 0o600);
        assert!(tighten(&root).unwrap().is_empty());
    }
}
