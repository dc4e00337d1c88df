//! `--remember`: the session token in a file only its owner may read (mode 0600), in a folder
//! the caller chooses (the user data directory). The file names the server the token belongs
//! to, so a token is never sent to another server.
//!
//! A file that others can read is refused, not repaired: its token may already have leaked, so
//! the person should sign in again rather than keep using it.

use crate::domain::Token;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file's name inside the folder.
pub const FILE_NAME: &str = "session.json";

#[derive(Serialize, Deserialize)]
struct Stored {
    server: String,
    token: String,
}

/// Why a session file could not be saved, read or removed.
#[derive(Debug, thiserror::Error)]
pub enum SessionFileError {
    #[error("could not {action} the session file {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the session file {path} can be read by other users (mode {mode:03o}), so the session in it may have leaked and was not used; remove the file and sign in again"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("the session file {path} is not one this program wrote; remove it and sign in again")]
    Unreadable { path: PathBuf },
}

type Result<T> = std::result::Result<T, SessionFileError>;

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SessionFileError {
    let path = path.to_path_buf();
    move |source| SessionFileError::Io {
        action,
        path,
        source,
    }
}

fn same_server(a: &str, b: &str) -> bool {
    a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/')
}

/// Saves the token for `server_url`, replacing any earlier one. Creates the folder (mode 0700)
/// if missing; writes a new file with mode 0600 and renames it into place, so a reader never
/// sees half a file and the token is never in a file with broader permissions.
pub fn save(dir: &Path, server_url: &str, token: &Token) -> Result<PathBuf> {
    create_private_dir(dir)?;
    let path = dir.join(FILE_NAME);
    let temp = dir.join(format!(".{FILE_NAME}.new"));
    let stored = Stored {
        server: server_url.trim().trim_end_matches('/').to_string(),
        token: token.encode(),
    };
    let bytes = serde_json::to_vec(&stored).map_err(|e| SessionFileError::Io {
        action: "write",
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    match std::fs::remove_file(&temp) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io("replace", &temp)(e)),
    }
    let mut file = private_file(&temp).map_err(io("create", &temp))?;
    file.write_all(&bytes).map_err(io("write", &temp))?;
    file.sync_all().map_err(io("write", &temp))?;
    drop(file);
    std::fs::rename(&temp, &path).map_err(io("write", &path))?;
    Ok(path)
}

/// The token remembered for `server_url`: `None` when there is no file, or when it belongs to
/// another server. Refuses a file that others can read.
pub fn load(dir: &Path, server_url: &str) -> Result<Option<Token>> {
    let path = dir.join(FILE_NAME);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("read", &path)(e)),
    };
    check_private(&path)?;
    let stored: Stored = serde_json::from_slice(&bytes)
        .map_err(|_| SessionFileError::Unreadable { path: path.clone() })?;
    if !same_server(&stored.server, server_url) {
        return Ok(None);
    }
    Token::parse(&stored.token)
        .map(Some)
        .map_err(|_| SessionFileError::Unreadable { path })
}

/// Removes the file; `false` if there was none.
pub fn remove(dir: &Path) -> Result<bool> {
    let path = dir.join(FILE_NAME);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io("remove", &path)(e)),
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io("create the folder of", dir))
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(io("create the folder of", dir))
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(io("read", path))?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(SessionFileError::TooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_loads_and_removes_a_private_token() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("atender-admin");
        let token = Token::generate().unwrap();
        let path = save(&folder, "http://127.0.0.1:8080/", &token).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&folder), 0o700);
        }
        assert_eq!(load(&folder, "http://127.0.0.1:8080").unwrap(), Some(token));
        // never handed to another server
        assert_eq!(load(&folder, "https://evil.example").unwrap(), None);
        assert!(remove(&folder).unwrap());
        assert!(!remove(&folder).unwrap());
        assert_eq!(load(&folder, "http://127.0.0.1:8080").unwrap(), None);
    }

    #[test]
    fn a_new_token_replaces_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (Token::generate().unwrap(), Token::generate().unwrap());
        save(dir.path(), "http://s", &a).unwrap();
        save(dir.path(), "http://s", &b).unwrap();
        assert_eq!(load(dir.path(), "http://s").unwrap(), Some(b));
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), "http://s", &Token::generate().unwrap()).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = load(dir.path(), "http://s").unwrap_err();
        assert!(
            matches!(e, SessionFileError::TooOpen { mode: 0o644, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("sign in again"));
    }

    #[test]
    fn a_damaged_file_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), "http://s", &Token::generate().unwrap()).unwrap();
        std::fs::write(&path, b"{\"server\":\"http://s\",\"token\":\"nope\"}").unwrap();
        let e = load(dir.path(), "http://s").unwrap_err();
        assert!(matches!(e, SessionFileError::Unreadable { .. }), "{e}");
    }
}
