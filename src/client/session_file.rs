//! `--remember`: session tokens in a file only its owner may read (mode 0600), in a folder the
//! caller chooses (the user data directory). Each is kept with the server, the workspace and the
//! email it signed in as, and is only used for that server, and, where the command names them,
//! that workspace and email: a remembered session never acts somewhere the flags did not ask.
//!
//! A file that others can read is refused, not repaired: its token may already have leaked, so
//! the person should sign in again rather than keep using it.

use crate::domain::Token;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file's name inside the folder.
pub const FILE_NAME: &str = "session.json";

/// One remembered session. `workspace` and `email` are empty in a file written before they
/// were kept: such a session is tried, and the caller checks who it is before using it.
#[derive(Clone, Serialize, Deserialize)]
struct Entry {
    server: String,
    #[serde(default)]
    workspace: String,
    #[serde(default)]
    email: String,
    token: String,
}

/// The file: every remembered session, newest last (or one session, as files were written
/// before several were kept).
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Stored {
    Many { sessions: Vec<Entry> },
    One(Entry),
}

impl Stored {
    fn entries(self) -> Vec<Entry> {
        match self {
            Stored::Many { sessions } => sessions,
            Stored::One(entry) => vec![entry],
        }
    }
}

/// Who a remembered session must be, as far as the command says: `None` is "any".
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted<'a> {
    pub workspace: Option<&'a str>,
    pub email: Option<&'a str>,
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl Entry {
    /// Whether this session may be used for `wanted` (an old entry that doesn't say who it is
    /// may: the caller checks the session's own answer).
    fn fits(&self, server: &str, wanted: Wanted) -> bool {
        let fits = |kept: &str, wanted: Option<&str>| {
            kept.is_empty() || wanted.is_none_or(|w| same_text(kept, w))
        };
        same_server(&self.server, server)
            && fits(&self.workspace, wanted.workspace)
            && fits(&self.email, wanted.email)
    }
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

/// Saves the token of the session signed in to `workspace` as `email` on `server_url`,
/// replacing an earlier one for the same three and keeping the others. Creates the folder (mode
/// 0700) if missing; writes a new file with mode 0600 and renames it into place, so a reader
/// never sees half a file and the token is never in a file with broader permissions.
pub fn save(
    dir: &Path,
    server_url: &str,
    workspace: &str,
    email: &str,
    token: &Token,
) -> Result<PathBuf> {
    create_private_dir(dir)?;
    let path = dir.join(FILE_NAME);
    let temp = dir.join(format!(".{FILE_NAME}.new"));
    let server = server_url.trim().trim_end_matches('/').to_string();
    let mut sessions = read(dir)?.unwrap_or_default();
    sessions.retain(|e| {
        !(same_server(&e.server, &server)
            && same_text(&e.workspace, workspace)
            && same_text(&e.email, email))
    });
    sessions.push(Entry {
        server,
        workspace: workspace.trim().to_lowercase(),
        email: email.trim().to_lowercase(),
        token: token.encode(),
    });
    let stored = Stored::Many { sessions };
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

/// Every remembered session; `None` when there is no file. Refuses a file others can read.
fn read(dir: &Path) -> Result<Option<Vec<Entry>>> {
    let path = dir.join(FILE_NAME);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("read", &path)(e)),
    };
    check_private(&path)?;
    let stored: Stored =
        serde_json::from_slice(&bytes).map_err(|_| SessionFileError::Unreadable { path })?;
    Ok(Some(stored.entries()))
}

/// The newest token remembered for `server_url` that fits `wanted`: `None` when there is no
/// file or no such session (another server's, another workspace's or another person's is
/// never handed out). Refuses a file that others can read.
pub fn load(dir: &Path, server_url: &str, wanted: Wanted) -> Result<Option<Token>> {
    let Some(sessions) = read(dir)? else {
        return Ok(None);
    };
    let Some(entry) = sessions.iter().rev().find(|e| e.fits(server_url, wanted)) else {
        return Ok(None);
    };
    Token::parse(&entry.token)
        .map(Some)
        .map_err(|_| SessionFileError::Unreadable {
            path: dir.join(FILE_NAME),
        })
}

/// The email of the newest session remembered for `server_url`, if it says: whom to sign in as
/// when a command names a workspace but no email.
pub fn last_email(dir: &Path, server_url: &str) -> Result<Option<String>> {
    let sessions = read(dir)?.unwrap_or_default();
    Ok(sessions
        .iter()
        .rev()
        .find(|e| same_server(&e.server, server_url) && !e.email.is_empty())
        .map(|e| e.email.clone()))
}

/// Every token remembered for `server_url`, whoever it signed in as (to end them all).
pub fn load_all(dir: &Path, server_url: &str) -> Result<Vec<Token>> {
    let sessions = read(dir)?.unwrap_or_default();
    sessions
        .iter()
        .filter(|e| same_server(&e.server, server_url))
        .map(|e| {
            Token::parse(&e.token).map_err(|_| SessionFileError::Unreadable {
                path: dir.join(FILE_NAME),
            })
        })
        .collect()
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
        let path = save(
            &folder,
            "http://127.0.0.1:8080/",
            "acme",
            "ann@acme.io",
            &token,
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&folder), 0o700);
        }
        let any = Wanted::default();
        assert_eq!(
            load(&folder, "http://127.0.0.1:8080", any).unwrap(),
            Some(token.clone())
        );
        // never handed to another server
        assert_eq!(load(&folder, "https://evil.example", any).unwrap(), None);
        assert!(remove(&folder).unwrap());
        assert!(!remove(&folder).unwrap());
        assert_eq!(load(&folder, "http://127.0.0.1:8080", any).unwrap(), None);
    }

    #[test]
    fn a_new_token_replaces_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (Token::generate().unwrap(), Token::generate().unwrap());
        save(dir.path(), "http://s", "acme", "ann@acme.io", &a).unwrap();
        save(dir.path(), "http://s", "ACME", "Ann@acme.io", &b).unwrap();
        assert_eq!(
            load(dir.path(), "http://s", Wanted::default()).unwrap(),
            Some(b.clone())
        );
        assert_eq!(load_all(dir.path(), "http://s").unwrap(), vec![b]);
    }

    #[test]
    fn a_session_is_used_only_for_its_workspace_and_email() {
        let dir = tempfile::tempdir().unwrap();
        let (acme, beta) = (Token::generate().unwrap(), Token::generate().unwrap());
        save(dir.path(), "http://s", "acme", "ann@acme.io", &acme).unwrap();
        save(dir.path(), "http://s", "beta", "ann@acme.io", &beta).unwrap();
        let wanted = |workspace, email| Wanted { workspace, email };
        let load = |w| load(dir.path(), "http://s", w).unwrap();
        assert_eq!(load(wanted(Some("acme"), None)), Some(acme.clone()));
        assert_eq!(
            load(wanted(Some("Beta"), Some("ann@acme.io"))),
            Some(beta.clone())
        );
        assert_eq!(
            load(wanted(Some("gamma"), None)),
            None,
            "no session for gamma"
        );
        assert_eq!(
            load(wanted(Some("acme"), Some("agent4@acme.io"))),
            None,
            "never another person's"
        );
        assert_eq!(
            load(wanted(None, None)),
            Some(beta),
            "the newest when nothing is named"
        );
    }

    #[test]
    fn a_file_from_before_sessions_were_kept_by_workspace_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let token = Token::generate().unwrap();
        let path = save(dir.path(), "http://s", "acme", "a@b.io", &token).unwrap();
        let old = format!(
            "{{\"server\":\"http://s\",\"token\":\"{}\"}}",
            token.encode()
        );
        std::fs::write(&path, old).unwrap();
        // Tried for any workspace: the caller checks who the session is before using it.
        let wanted = Wanted {
            workspace: Some("acme"),
            email: None,
        };
        assert_eq!(load(dir.path(), "http://s", wanted).unwrap(), Some(token));
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = save(
            dir.path(),
            "http://s",
            "w",
            "e@x.io",
            &Token::generate().unwrap(),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = load(dir.path(), "http://s", Wanted::default()).unwrap_err();
        assert!(
            matches!(e, SessionFileError::TooOpen { mode: 0o644, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("sign in again"));
    }

    #[test]
    fn a_damaged_file_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(
            dir.path(),
            "http://s",
            "w",
            "e@x.io",
            &Token::generate().unwrap(),
        )
        .unwrap();
        std::fs::write(&path, b"{\"server\":\"http://s\",\"token\":\"nope\"}").unwrap();
        let e = load(dir.path(), "http://s", Wanted::default()).unwrap_err();
        assert!(matches!(e, SessionFileError::Unreadable { .. }), "{e}");
    }
}
