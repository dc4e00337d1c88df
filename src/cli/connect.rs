//! Connected mode on the command line: which server, who signs in, and how the session is
//! kept. Settings come from flags, then environment variables (clap), then the config file.
//! The password is never a flag: it is typed on the console's sign-in screen, or read from the
//! file ATENDER_PASSWORD_FILE names.

use crate::client::connector::{Connected, Connector, Secret};
use crate::client::{ClientConfig, HttpClient, Session, session_file};
use crate::{Error, Result};

use anyhow::Context as _;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `config.json` in the user config folder; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub server: Option<String>,
    pub workspace: Option<String>,
    pub email: Option<String>,
    pub refresh_seconds: Option<u64>,
}

pub fn dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("io", "Atender", "atender-admin")
}

impl ConfigFile {
    pub fn path() -> Option<PathBuf> {
        dirs().map(|d| d.config_dir().join("config.json"))
    }

    /// The config file, or defaults when there is none; a file that doesn't parse is an error
    /// that names it.
    pub fn load() -> anyhow::Result<ConfigFile> {
        let Some(path) = Self::path() else {
            return Ok(ConfigFile::default());
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .with_context(|| format!("{} is not a valid config file", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }
}

/// Where remembered sessions are kept.
pub fn session_dir() -> anyhow::Result<PathBuf> {
    Ok(dirs()
        .context("no home folder to remember the session in")?
        .data_dir()
        .to_path_buf())
}

/// The password from the file ATENDER_PASSWORD_FILE names (its first line), if set.
pub fn password_from_file() -> anyhow::Result<Option<String>> {
    let Some(path) = std::env::var_os("ATENDER_PASSWORD_FILE") else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the password file {}", Path::new(&path).display()))?;
    Ok(Some(text.lines().next().unwrap_or_default().to_string()))
}

/// Signs in to one server, remembering the session if asked.
pub struct ServerConnector {
    pub url: String,
    pub config: ClientConfig,
    /// Where remembered sessions live: a remembered session is used whenever there is one.
    pub sessions: Option<PathBuf>,
    /// Keep the new session there (`--remember`). Without it nothing is written to disk.
    pub remember: bool,
    /// The workspace the command or console names (`--workspace`, else the config file), if
    /// any: a remembered session of another workspace is never used.
    pub workspace: Option<String>,
    /// The email it names (`--email`, else the config file), if any: likewise.
    pub email: Option<String>,
}

impl ServerConnector {
    pub fn connected(&self, session: Session) -> Connected {
        self.remember_session(&session);
        Connected {
            api: Arc::new(session.client),
            user: session.user,
            workspace: session.workspace,
        }
    }
}

#[async_trait::async_trait]
impl Connector for ServerConnector {
    async fn sign_in(
        &self,
        workspace: String,
        email: String,
        password: Secret,
    ) -> Result<Connected> {
        let session = self.sign_in_session(workspace, email, password).await?;
        Ok(self.connected(session))
    }
}

impl ServerConnector {
    /// Keeps the session's token if asked to (`--remember`); failing to is only logged.
    pub fn remember_session(&self, session: &Session) {
        if let (true, Some(dir)) = (self.remember, &self.sessions)
            && let Err(e) = session_file::save(
                dir,
                &self.url,
                &session.workspace.slug,
                session.user.email.as_str(),
                session.client.token(),
            )
        {
            tracing::warn!(error = %e, "could not remember the session");
        }
    }

    /// Signs in and hands back the HTTP session itself (the CLI needs the client for what
    /// `AdminApi` can't carry, such as the server's own invite link).
    pub async fn sign_in_session(
        &self,
        workspace: String,
        email: String,
        password: Secret,
    ) -> Result<Session> {
        if workspace.is_empty() {
            return Err(Error::invalid(
                crate::domain::Field::WorkspaceName,
                "enter the workspace's address (its slug, e.g. acme)",
            ));
        }
        HttpClient::sign_in(
            &self.url,
            self.config.clone(),
            &workspace,
            &email,
            &password.0,
        )
        .await
    }
}

/// A remembered session for this server that still works, if there is one.
pub async fn resume(connector: &ServerConnector) -> Option<Connected> {
    let session = resume_session(connector).await?;
    Some(connector.connected(session))
}

/// Like `resume`, but hands back the HTTP session itself.
pub async fn resume_session(connector: &ServerConnector) -> Option<Session> {
    let dir = connector.sessions.as_ref()?;
    let wanted = session_file::Wanted {
        workspace: connector
            .workspace
            .as_deref()
            .filter(|w| !w.trim().is_empty()),
        email: connector.email.as_deref().filter(|e| !e.trim().is_empty()),
    };
    let token = match session_file::load(dir, &connector.url, wanted) {
        Ok(token) => token?,
        Err(e) => {
            tracing::warn!(error = %e, "ignoring the remembered session");
            return None;
        }
    };
    match HttpClient::resume(&connector.url, connector.config.clone(), token).await {
        // Whoever the file says, the server's answer decides: never act somewhere not asked.
        Ok(session) if !is_who_was_asked(&session, wanted) => {
            tracing::info!(
                workspace = %session.workspace.slug,
                "the remembered session is for another workspace or person; signing in instead"
            );
            None
        }
        Ok(session) => Some(session),
        Err(e) => {
            tracing::info!(error = %e, "the remembered session no longer works");
            None
        }
    }
}

/// Whether a session is the workspace and person the command names (where it names them).
fn is_who_was_asked(session: &Session, wanted: session_file::Wanted) -> bool {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    wanted
        .workspace
        .is_none_or(|w| same(w, &session.workspace.slug))
        && wanted
            .email
            .is_none_or(|e| same(e, session.user.email.as_str()))
}

/// `atender-admin logout`: ends the remembered session on the server and forgets it.
pub async fn logout(url: Option<&str>) -> anyhow::Result<String> {
    let dir = session_dir()?;
    let mut ended = false;
    if let Some(url) = url {
        for token in session_file::load_all(&dir, url)? {
            HttpClient::with_session(url, ClientConfig::default(), token)?
                .sign_out()
                .await?;
            ended = true;
        }
    }
    let removed = session_file::remove(&dir)?;
    Ok(match (ended, removed) {
        (true, _) => "signed out: the session is ended on the server and forgotten here".into(),
        (false, true) => "forgot the remembered session".into(),
        (false, false) => "no remembered session".into(),
    })
}
