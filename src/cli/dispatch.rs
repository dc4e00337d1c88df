//! Running one scriptable command: opening the service API it needs (a server or the local
//! store) and handing the command to `commands`. The console is launched from `console`.

use super::local::{StartCheck, open_local};
use super::{Cli, Command, commands, connect};
use crate::Error;
use crate::store::StoreError;
use crate::text::safe;
use anyhow::Context;

/// Runs a command; `Ok(false)` if there was none (the caller opens the console).
pub async fn run_command(cli: &Cli) -> anyhow::Result<bool> {
    let Some(command) = &cli.command else {
        return Ok(false);
    };
    if cli.read_only {
        return Err(commands::Usage::error(
            "--read-only is for the console (no command): users, show, teams and log change nothing anyway",
        ));
    }
    match command {
        Command::Logout => {
            let config = connect::ConfigFile::load()?;
            let server = cli.server.clone().or(config.server);
            println!("{}", connect::logout(server.as_deref()).await?);
            return Ok(true);
        }
        // Made in memory, then written: `generate` panics on a closed pipe, and a write that
        // fails returns an error the main ends quietly on (`… | head -3`).
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "atender-admin", &mut script);
            write_out(&script)?;
            return Ok(true);
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut page)?;
            write_out(&page)?;
            return Ok(true);
        }
        _ => {}
    }
    let opened = match open_api(cli).await {
        Err(e) if command.reads_only() => match store_in_use(&e) {
            // Said once, with the way out that fits who holds it.
            Some(path) => return Err(commands::Usage(who_holds(&path)).into()),
            None => return Err(e),
        },
        r => r?,
    };
    use commands::BulkKind;
    match command {
        Command::Logout | Command::Completions { .. } | Command::Man => {}
        Command::Invite(args) => commands::invite(&opened, args).await?,
        Command::Deactivate(users) => commands::bulk(&opened, BulkKind::Deactivate, users).await?,
        Command::Reactivate(users) => commands::bulk(&opened, BulkKind::Reactivate, users).await?,
        Command::Beta { state, users } => {
            let on = *state == commands::OnOff::On;
            commands::bulk(&opened, BulkKind::Beta(on), users).await?
        }
        Command::Roles(commands::RolesCommand::Set { roles, users }) => {
            commands::bulk(&opened, BulkKind::SetRoles(roles.0.clone()), users).await?
        }
        Command::Team(commands::TeamCommand::Add { team, users }) => {
            commands::bulk(&opened, BulkKind::AddTeam(team.clone()), users).await?
        }
        Command::Team(commands::TeamCommand::Remove { team, users }) => {
            commands::bulk(&opened, BulkKind::RemoveTeam(team.clone()), users).await?
        }
        Command::Resend(args) => commands::resend(&opened, args).await?,
        Command::Cancel(args) => commands::cancel(&opened, args).await?,
        // The single changes: who acted and where, on stderr (the bulk ones say it in their
        // summary line).
        Command::TransferOwnership { to, json } => {
            commands::transfer_ownership(&opened, to, *json).await?;
            eprintln!("done {}", opened.acting);
        }
        Command::Delete { email, yes } => {
            commands::delete(&opened, email, *yes).await?;
            eprintln!("done {}", opened.acting);
        }
        Command::Teams { action, json } => {
            commands::teams(&opened, action.as_ref(), *json).await?;
            if action.is_some() {
                eprintln!("done {}", opened.acting);
            }
        }
        Command::Show { email, json } => commands::show(&opened, email, *json).await?,
        Command::Log {
            limit,
            json,
            user,
            action,
            since,
        } => {
            let now = time::OffsetDateTime::now_utc();
            let filter = crate::domain::AuditFilter {
                user: user.clone(),
                action: action
                    .as_deref()
                    .map(crate::domain::AuditAction::parse)
                    .transpose()
                    .map_err(|e| commands::Usage(format!("--action: {e}")))?,
                since: since
                    .as_deref()
                    .map(|s| crate::domain::audit::since(s, now))
                    .transpose()
                    .map_err(|e| commands::Usage(format!("--since: {e}")))?,
            };
            commands::log(&opened, *limit, *json, &filter).await?
        }
        Command::Users {
            status,
            filter,
            json,
            csv,
        } => {
            let format = match (*json, *csv) {
                (true, _) => commands::UsersFormat::Json,
                (_, true) => commands::UsersFormat::Csv,
                _ => commands::UsersFormat::Table,
            };
            commands::users(&opened, *status, filter.as_deref(), format).await?
        }
    }
    Ok(true)
}

/// Writes `bytes` to standard output; a closed pipe comes back as an error, never a panic.
fn write_out(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// The store another process holds, if that is what `e` says.
fn store_in_use(e: &anyhow::Error) -> Option<String> {
    match Error::find_in(e) {
        Some(Error::Store(StoreError::InUse { path })) => Some(path),
        _ => None,
    }
}

/// Who holds the store at `path`, as far as can be told: a server answers on its control
/// socket in the store's folder; anything else is another atender-admin (a console or a
/// command), which has no server to read through.
fn who_holds(path: &str) -> String {
    let socket = crate::server::control::socket_path(std::path::Path::new(path));
    #[cfg(unix)]
    let server = std::os::unix::net::UnixStream::connect(&socket).is_ok();
    #[cfg(not(unix))]
    let server = false;
    if server {
        format!(
            "an atender-server is serving the store at {path} (one process per store): read it through the server with --server URL"
        )
    } else {
        format!(
            "another atender-admin (a console or a command) has the store at {path} open (one process per store): close it, or wait for it to finish, then try again"
        )
    }
}

/// The service API for a command: over HTTP when a server is named (signing in with the
/// remembered session or ATENDER_PASSWORD_FILE), else the local store.
pub(super) async fn open_api(cli: &Cli) -> anyhow::Result<commands::Opened> {
    let config = connect::ConfigFile::load()?;
    let Some(url) = cli.server_url(&config) else {
        let session = open_local(cli, StartCheck::None).await?;
        return Ok(commands::Opened {
            api: std::sync::Arc::new(session.admin),
            acting: commands::Acting::new(&session.actor, &session.workspace),
            workspace: session.workspace,
            links: commands::InviteLinks::Local {
                public_url: cli.public_url.clone(),
            },
        });
    };
    let workspace = cli.workspace.clone().or(config.workspace);
    let email = cli.email.clone().or(config.email);
    let connector = connect::ServerConnector {
        url,
        config: client_config(cli),
        sessions: connect::session_dir().ok(),
        remember: cli.remember,
        workspace: workspace.clone(),
        email: email.clone(),
    };
    let session = match connect::resume_session(&connector).await {
        Some(session) => session,
        None => {
            let who = match (&workspace, &email) {
                (Some(w), Some(e)) => format!(" as {} in {}", safe(e), safe(w)),
                (Some(w), None) => format!(" in {}", safe(w)),
                (None, Some(e)) => format!(" as {}", safe(e)),
                (None, None) => String::new(),
            };
            let password = connect::password_from_file()?.with_context(|| {
                format!(
                    "not signed in{who}: no remembered session fits; run the console once with --remember, or set ATENDER_PASSWORD_FILE"
                )
            })?;
            let workspace = workspace.unwrap_or_default();
            // No email named: the person of the last remembered session (same server), who
            // still types their password; else say what is missing.
            let email = match email {
                Some(email) => email,
                None => connector
                    .sessions
                    .as_deref()
                    .and_then(|dir| {
                        crate::client::session_file::last_email(dir, &connector.url)
                            .ok()
                            .flatten()
                    })
                    .context("name the email to sign in with: --email EMAIL")?,
            };
            let session = connector
                .sign_in_session(workspace, email, crate::client::connector::Secret(password))
                .await?;
            connector.remember_session(&session);
            session
        }
    };
    Ok(commands::Opened {
        api: std::sync::Arc::new(session.client.clone()),
        acting: commands::Acting::new(&session.user, &session.workspace),
        workspace: session.workspace,
        links: commands::InviteLinks::Server(session.client),
    })
}

/// Request timeouts from the flags, the client's defaults otherwise.
pub(super) fn client_config(cli: &Cli) -> crate::client::ClientConfig {
    let mut config = crate::client::ClientConfig::default();
    if let Some(s) = cli.connect_timeout {
        config.connect_timeout = std::time::Duration::from_secs(s.max(1));
    }
    if let Some(s) = cli.request_timeout {
        config.request_timeout = std::time::Duration::from_secs(s.max(1));
    }
    config
}
