//! Launching the console, offline on the local store or connected to a server, and its log
//! file. The console itself lives in `crate::tui`.

use super::dispatch::client_config;
use super::local::{StartCheck, open_local};
use super::{Cli, checked, connect};
use std::path::PathBuf;

/// Opens the console on a server (connected mode, when one is named by flag, environment or
/// config file) or on the local store the flags name.
pub async fn run_console(cli: &Cli) -> anyhow::Result<()> {
    let config = connect::ConfigFile::load()?;
    // A keys.toml the console can't use stops it here, before anything is opened.
    let options = crate::tui::Options {
        keymap: crate::tui::keys::Keymap::from_config_dir().map_err(|e| {
            anyhow::anyhow!("{e}; fix or remove the file (every key has a default)")
        })?,
        mouse: cli.mouse.unwrap_or_default(),
    };
    if let Some(url) = cli.server_url(&config) {
        return run_connected(cli, &config, url, options).await;
    }
    let session = open_local(cli, StartCheck::Beside).await?;
    let mut context =
        crate::tui::model::Context::local(session.mode.clone(), cli.public_url.clone());
    context.read_only = cli.read_only;
    tracing::info!(workspace = %session.workspace.slug, mode = %session.mode, "console started");
    let admin: std::sync::Arc<dyn crate::service::AdminApi> = std::sync::Arc::new(session.admin);
    let Some(check) = session.check else {
        return crate::tui::run(Some(admin), None, context, options, None).await;
    };
    let admin = std::sync::Arc::new(checked::CheckedAdmin::new(admin, check.clone()));
    // A store that fails the check closes the console with the check's error (exit code 2).
    let stop = Box::pin(async move { anyhow::Error::from(check.failed().await) });
    crate::tui::run(Some(admin), None, context, options, Some(stop)).await
}

pub(super) async fn run_connected(
    cli: &Cli,
    config: &connect::ConfigFile,
    url: String,
    options: crate::tui::Options,
) -> anyhow::Result<()> {
    use crate::tui::model::{Context, ServerContext};
    let workspace = cli
        .workspace
        .clone()
        .or(config.workspace.clone())
        .unwrap_or_default();
    let email = cli
        .email
        .clone()
        .or(config.email.clone())
        .unwrap_or_default();
    let refresh = cli.refresh.or(config.refresh_seconds).unwrap_or(30);
    let connector = connect::ServerConnector {
        url: url.clone(),
        config: client_config(cli),
        sessions: connect::session_dir().ok(),
        remember: cli.remember,
        workspace: Some(workspace.clone()),
        email: Some(email.clone()),
    };
    let mut connected = connect::resume(&connector).await;
    if connected.is_none()
        && let Some(password) = connect::password_from_file()?
    {
        use crate::client::connector::Connector;
        let secret = crate::client::connector::Secret(password);
        connected = Some(
            connector
                .sign_in(workspace.clone(), email.clone(), secret)
                .await?,
        );
    }
    let context = Context {
        mode: format!("SERVER {url}"),
        public_url: url.clone(),
        server: Some(ServerContext {
            url: url.clone(),
            workspace: connected
                .as_ref()
                .map_or(workspace, |c| c.workspace.slug.clone()),
            email: connected
                .as_ref()
                .map_or(email, |c| c.user.email.to_string()),
        }),
        refresh_every: (refresh > 0).then(|| time::Duration::seconds(refresh as i64)),
        read_only: cli.read_only,
    };
    tracing::info!(server = %url, "console started in connected mode");
    let api = connected.map(|c| c.api);
    crate::tui::run(
        api,
        Some(std::sync::Arc::new(connector)),
        context,
        options,
        None,
    )
    .await
}

/// Sends logs to a file under the user's state (or data) folder, never to the screen.
/// Returns the file's path, or `None` if no folder could be had (logging is then off).
pub fn init_logging() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("io", "Atender", "atender-admin")?;
    let dir = dirs.state_dir().unwrap_or(dirs.data_dir()).to_path_buf();
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("atender-admin.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("ATENDER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init()
        .ok()?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(%info, "panic");
        previous(info);
    }));
    Some(path)
}
