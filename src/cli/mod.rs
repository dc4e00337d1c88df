//! The command line of `atender-admin`: where the data is, who acts, and the scriptable
//! commands. Opening a local store (offline or demo) lives here so the console and the
//! commands open it the same way.

pub mod checked;
pub mod commands;
pub mod connect;

use crate::demo;
use crate::domain::{Error, HashCost, User, UserStatus, Workspace};
use crate::service::{Core, CoreConfig, LocalAdmin};
use crate::store::StoreError;
use crate::store::{SledStore, Store};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "atender-admin",
    version,
    about = "Manage the users of an Atender workspace from a terminal",
    after_help = EXIT_CODES,
    next_help_heading = "Global options"
)]
pub struct Cli {
    /// Folder of the local store (offline mode). With --demo, where the demo lives.
    #[arg(long, env = "ATENDER_DATA", global = true)]
    pub data: Option<PathBuf>,
    /// Use the demo workspace "Demo Support Co", created on first use.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Recreate the demo workspace from scratch (implies --demo). Asks first on a terminal;
    /// without one, needs --yes.
    #[arg(long, global = true)]
    pub reset_demo: bool,
    /// With --reset-demo: wipe the demo store without asking.
    #[arg(long = "yes", requires = "reset_demo")]
    pub reset_yes: bool,
    /// Number of users in a newly created demo workspace.
    #[arg(long, default_value_t = demo::DEFAULT_SIZE, global = true, value_parser = clap::value_parser!(u32).range(20..=1_000_000))]
    pub demo_size: u32,
    /// Workspace address (slug) in a store holding several.
    #[arg(long, env = "ATENDER_WORKSPACE", global = true)]
    pub workspace: Option<String>,
    /// Act as this Owner or Admin (default: the first active Owner).
    #[arg(long = "as", value_name = "EMAIL", global = true)]
    pub act_as: Option<String>,
    /// Where invite links point: the address of the atender-server that serves this store's
    /// accept page.
    #[arg(
        long,
        env = "ATENDER_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    pub public_url: String,
    /// Connected mode: the atender-server to manage (e.g. https://atender.example.com).
    #[arg(long, env = "ATENDER_SERVER", global = true)]
    pub server: Option<String>,
    /// Connected mode: the email to sign in with.
    #[arg(long, env = "ATENDER_EMAIL", global = true)]
    pub email: Option<String>,
    /// Connected mode: keep the session token (in a file only you can read) for next time.
    #[arg(long, global = true)]
    pub remember: bool,
    /// Connected mode: reload every N seconds (0: only on Ctrl-R). Default 30.
    #[arg(long, global = true)]
    pub refresh: Option<u64>,
    /// The console and the mouse: off (the default: the terminal keeps it), `scroll` (the wheel
    /// moves the cursor; text selection untouched; `--mouse` alone), or `click` (clicks pick
    /// tabs and rows; Shift-drag selects text).
    #[arg(long, env = "ATENDER_MOUSE", value_enum, num_args = 0..=1, default_missing_value = "scroll", value_name = "MODE")]
    pub mouse: Option<crate::tui::mouse::MouseMode>,
    /// Connected mode: seconds to wait for a connection to the server (default 5).
    #[arg(long, global = true)]
    pub connect_timeout: Option<u64>,
    /// Connected mode: seconds to wait for a whole request (default 35).
    #[arg(long, global = true)]
    pub request_timeout: Option<u64>,
    /// The console only: show everything, change nothing (change keys hidden and refused).
    #[arg(long)]
    pub read_only: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Exit codes, shown in `--help` and the README (a test checks they agree).
pub const EXIT_CODES: &str = "\
Exit codes:
  0  everything was done (or already so)
  1  something was refused by a rule, or not found (each refusal is reported on its own line)
  2  usage (a wrong flag or value, an unreadable file), or a store or connection problem";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// End the remembered session on the server and forget it.
    Logout,
    /// List users, as a table, JSON lines (--json) or CSV (--csv).
    #[command(after_help = "Examples:
  atender-admin --data ./store users --status invited
  atender-admin --data ./store users --csv > users.csv")]
    Users {
        /// active, inactive or invited (default: all).
        #[arg(long, value_parser = commands::args::status)]
        status: Option<UserStatus>,
        /// Only users matching this text (name, email, role or team).
        #[arg(long, short)]
        filter: Option<String>,
        /// One JSON object per line (the API's User) instead of a table.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// CSV with a header row: email, full_name, display_name, roles, teams, status, beta,
        /// last_sign_in, created (lists separated by ';').
        #[arg(long)]
        csv: bool,
    },
    /// Invite someone (prints the one-time link), or everyone in a CSV file (--csv).
    #[command(after_help = "Examples:
  atender-admin invite nina@acme.io --name \"Nina Park\" --role supervisor --team Billing
  atender-admin invite --csv new-agents.csv --dry-run
  atender-admin invite --csv new-agents.csv --no-email --links links.csv")]
    Invite(commands::InviteArgs),
    /// Deactivate users (they can't sign in; their history is kept).
    #[command(after_help = "Examples:
  atender-admin deactivate bo@acme.io cy@acme.io --dry-run
  atender-admin deactivate --from leavers.txt
  grep @contractor.io list.txt | atender-admin deactivate --from -")]
    Deactivate(commands::BulkArgs),
    /// Reactivate deactivated users.
    #[command(after_help = "Example:
  atender-admin reactivate --from returning.txt --json")]
    Reactivate(commands::BulkArgs),
    /// Turn beta access on or off.
    #[command(after_help = "Example:
  atender-admin beta on --from pilot-group.txt")]
    Beta {
        state: commands::OnOff,
        #[command(flatten)]
        users: commands::BulkArgs,
    },
    /// Change users' roles.
    #[command(subcommand)]
    Roles(commands::RolesCommand),
    /// Add users to a team or remove them from it.
    #[command(subcommand)]
    Team(commands::TeamCommand),
    /// Send pending invites again (a new link; the old one stops working).
    #[command(after_help = "Example:
  atender-admin resend nina@acme.io --json
  atender-admin resend --from stale-invites.txt --dry-run")]
    Resend(commands::BulkArgs),
    /// Cancel pending invites (the never-activated users are removed).
    #[command(after_help = "Example:
  atender-admin cancel --from withdrawn.txt --dry-run")]
    Cancel(commands::BulkArgs),
    /// Make another active user the Owner, removing Owner from you (you keep your other roles,
    /// or become an Admin).
    #[command(after_help = "Example:
  atender-admin --as ann@acme.io transfer-ownership --to bo@acme.io")]
    TransferOwnership {
        /// The new Owner's email (an active user).
        #[arg(long, value_name = "EMAIL")]
        to: String,
        /// Both users as JSON (`previous_owner`, `owner`) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Delete a user for good, with their history (needs --yes).
    Delete {
        // Not `email`: that id is the global sign-in flag's, and clap shares values by id.
        #[arg(id = "user", value_name = "EMAIL")]
        email: String,
        /// Confirm: deletion is permanent and erases the user's history.
        #[arg(long)]
        yes: bool,
    },
    /// List teams with their member counts, or create, rename or delete one.
    Teams {
        #[command(subcommand)]
        action: Option<commands::TeamsCommand>,
        /// One JSON object per team instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every field of one user, and whether they can sign in (and if not, why).
    Show {
        #[arg(id = "user", value_name = "EMAIL")]
        email: String,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The activity log, newest first.
    Log {
        /// How many events.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per event instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (e.g. `source <(atender-admin completions bash)`).
    #[command(after_help = "Examples:
  atender-admin completions bash > ~/.local/share/bash-completion/completions/atender-admin
  atender-admin completions zsh > ~/.zfunc/_atender-admin")]
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff), generated from the same definitions as --help.
    #[command(after_help = "Example:
  atender-admin man > atender-admin.1 && man ./atender-admin.1")]
    Man,
}

impl Command {
    /// Commands that only read: a store held by a running console is explained, not a raw
    /// lock error.
    fn reads_only(&self) -> bool {
        matches!(
            self,
            Command::Users { .. }
                | Command::Show { .. }
                | Command::Log { .. }
                | Command::Teams { action: None, .. }
        )
    }
}

/// A store opened for one workspace, acting as one admin.
pub struct LocalSession {
    pub core: Core<SledStore>,
    pub admin: LocalAdmin<SledStore>,
    pub workspace: Workspace,
    pub actor: User,
    pub mode: String,
    /// The integrity check running beside the console (`StartCheck::Beside`).
    pub check: Option<checked::IntegrityCheck>,
}

impl Cli {
    pub fn wants_demo(&self) -> bool {
        self.demo || self.reset_demo
    }

    fn store_path(&self) -> anyhow::Result<PathBuf> {
        if let Some(p) = &self.data {
            return Ok(p.clone());
        }
        if self.wants_demo() {
            let dirs = directories::ProjectDirs::from("io", "Atender", "atender-admin")
                .context("no home folder to keep the demo in; pass --data DIR")?;
            return Ok(dirs.data_dir().join("demo"));
        }
        anyhow::bail!(
            "say where the data is: --data DIR for a local store, or --demo for the demo workspace"
        )
    }
}

/// sled's cache for the console and the CLI: they read a workspace once and keep what they
/// show themselves, so sled's default for servers (64 MiB) only raised the console's peak. At
/// 100,000 users, 1 MiB took the first screen from about 120 ms to 360–530 ms (the start-up
/// check and the first page evicting each other's pages) for 3 MiB less at the peak; 8 MiB
/// peaked at up to 149 MiB.
const CONSOLE_CACHE_BYTES: u64 = 4 * 1024 * 1024;

/// Whether to read every record of the store (the console's start: a damaged store is refused
/// with its path and first bad record instead of failing screen by screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartCheck {
    /// Read every record beside the first screen; writes wait for it (`checked`).
    Beside,
    None,
}

/// Opens the local store the flags name, seeding the demo if asked, and picks the acting admin.
pub async fn open_local(cli: &Cli, check: StartCheck) -> anyhow::Result<LocalSession> {
    let path = cli.store_path()?;
    if cli.wants_demo() && path.exists() {
        refuse_non_demo_store(&path)?;
    }
    if cli.reset_demo && path.exists() {
        use std::io::IsTerminal;
        let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
        confirm_reset(&path, cli.reset_yes, terminal, ask_on_terminal)?;
        std::fs::remove_dir_all(&path).with_context(|| format!("removing {}", path.display()))?;
    }
    if !cli.wants_demo() && !path.exists() {
        anyhow::bail!(
            "there is no store at {}: check the path, or create one with `atender-server init --data {}`",
            path.display(),
            path.display()
        );
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let store = SledStore::open_with_cache(&path, CONSOLE_CACHE_BYTES)?;
    let core = Core::with_system_clock(store, CoreConfig::default());
    let (workspace, default_actor) = if cli.wants_demo() {
        let (size, now, store) = (cli.demo_size as usize, core.now(), core.store().clone());
        tokio::task::spawn_blocking(move || {
            demo::seed_with_progress(&store, now, size, HashCost::owasp(), &seed_progress)
        })
        .await
        .context("seeding the demo")??
    } else {
        pick_workspace(&core, cli.workspace.as_deref()).await?
    };
    let actor = match &cli.act_as {
        Some(email) => match core.user_by_email(workspace.id, email).await {
            Err(Error::NotFound { .. }) => {
                return Err(commands::Refusal(format!(
                    "--as {}: no user with that email in workspace {}; name an active Owner or Admin",
                    crate::text::safe(email.trim()),
                    workspace.slug
                ))
                .into());
            }
            r => r?,
        },
        None => default_actor,
    };
    if actor.status != UserStatus::Active || !actor.roles.can_manage() {
        anyhow::bail!(
            "{} can't manage users: pick an active Owner or Admin with --as EMAIL",
            actor.email
        );
    }
    let mode = if cli.wants_demo() {
        "DEMO".to_string()
    } else {
        format!("OFFLINE {}", path.display())
    };
    let admin = core.admin(workspace.id, actor.id);
    // After the demo is seeded, so the check reads what the console will use.
    let check = (check == StartCheck::Beside).then(|| {
        let store = core.store().clone();
        checked::IntegrityCheck::spawn(move || {
            store.check_integrity(&mut |read| tracing::info!(read, "checking the store"))
        })
    });
    Ok(LocalSession {
        core,
        admin,
        workspace,
        actor,
        mode,
        check,
    })
}

/// `--demo` and `--reset-demo` only touch a store that holds nothing but the demo workspace:
/// seeding the demo into a real store would mix 250 made-up people into it, and resetting
/// would erase it.
fn refuse_non_demo_store(path: &std::path::Path) -> anyhow::Result<()> {
    let store = SledStore::open(path)?;
    let others: Vec<String> = store
        .workspaces()?
        .into_iter()
        .filter(|w| w.slug != demo::DEMO_SLUG)
        .map(|w| crate::text::safe(&w.slug))
        .collect();
    drop(store);
    if others.is_empty() {
        return Ok(());
    }
    Err(commands::Usage::error(format!(
        "{} is not a demo store: it holds the workspace {}. Leave out --demo (and --reset-demo) to manage it, or give --data a new folder for the demo",
        path.display(),
        others.join(", ")
    )))
}

/// Whether `--reset-demo` may wipe `path`: `--yes` says so, otherwise the person at the
/// terminal must type "yes"; with no terminal to ask on, it is refused.
fn confirm_reset(
    path: &std::path::Path,
    yes: bool,
    terminal: bool,
    ask: impl FnOnce(&str) -> std::io::Result<String>,
) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !terminal {
        return Err(commands::Refusal(format!(
            "not resetting the demo at {}: it erases every change made there; run again with --yes",
            path.display()
        ))
        .into());
    }
    let answer = ask(&format!(
        "Reset the demo at {}? Every change made there is erased. Type yes to go on: ",
        path.display()
    ))
    .context("reading the answer")?;
    if answer.trim().eq_ignore_ascii_case("yes") {
        Ok(())
    } else {
        Err(commands::Refusal("demo not reset: the answer was not \"yes\"".into()).into())
    }
}

/// Asks `question` on standard error and reads one line from standard input.
fn ask_on_terminal(question: &str) -> std::io::Result<String> {
    use std::io::Write;
    let mut err = std::io::stderr();
    err.write_all(question.as_bytes())?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line)
}

/// A progress line on the terminal while a big demo is written (nothing when not a terminal).
fn seed_progress(done: usize, total: usize) {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    if total < 10_000 || !err.is_terminal() {
        return;
    }
    let _ = write!(err, "\rcreating the demo workspace: {done}/{total} users");
    if done == total {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

async fn pick_workspace(
    core: &Core<SledStore>,
    slug: Option<&str>,
) -> anyhow::Result<(Workspace, User)> {
    let all = core.workspaces().await?;
    let ws = match slug {
        Some(slug) => core.workspace_by_slug(slug).await?,
        None => match all.as_slice() {
            [one] => one.clone(),
            [] => anyhow::bail!(
                "the store at {} has no workspace yet: create one with `atender-server init`, or try --demo",
                core.store().path().display()
            ),
            many => anyhow::bail!(
                "the store holds {} workspaces; pick one with --workspace ({})",
                many.len(),
                many.iter()
                    .map(|w| w.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    };
    let owner = demo::first_active_owner(core.store(), ws.id)?.with_context(|| {
        format!(
            "workspace {} has no active Owner yet: accept the Owner's invite first",
            ws.slug
        )
    })?;
    Ok((ws, owner))
}

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
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            clap_complete::generate(*shell, &mut Cli::command(), "atender-admin", &mut out);
            return Ok(true);
        }
        Command::Man => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout().lock())?;
            return Ok(true);
        }
        _ => {}
    }
    let opened = match open_api(cli).await {
        Err(e) if command.reads_only() && is_store_in_use(&e) => {
            return Err(e.context(commands::Usage(
                "a running console or server holds this store (one process per store): read it through the server with --server URL, or close the console first".into(),
            )));
        }
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
        Command::TransferOwnership { to, json } => {
            commands::transfer_ownership(&opened, to, *json).await?
        }
        Command::Delete { email, yes } => commands::delete(&opened, email, *yes).await?,
        Command::Teams { action, json } => commands::teams(&opened, action.as_ref(), *json).await?,
        Command::Show { email, json } => commands::show(&opened, email, *json).await?,
        Command::Log { limit, json } => commands::log(&opened, *limit, *json).await?,
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

fn is_store_in_use(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<Error>(),
        Some(Error::Store(StoreError::InUse { .. }))
    )
}

/// The service API for a command: over HTTP when a server is named (signing in with the
/// remembered session or ATENDER_PASSWORD_FILE), else the local store.
async fn open_api(cli: &Cli) -> anyhow::Result<commands::Opened> {
    let config = connect::ConfigFile::load()?;
    let server = if cli.data.is_some() || cli.wants_demo() {
        cli.server.clone()
    } else {
        cli.server.clone().or(config.server.clone())
    };
    let Some(url) = server else {
        let session = open_local(cli, StartCheck::None).await?;
        return Ok(commands::Opened {
            api: std::sync::Arc::new(session.admin),
            workspace: session.workspace,
            links: commands::InviteLinks::Local {
                public_url: cli.public_url.clone(),
            },
        });
    };
    let connector = connect::ServerConnector {
        url: url.trim().trim_end_matches('/').to_string(),
        config: client_config(cli),
        sessions: connect::session_dir().ok(),
        remember: cli.remember,
    };
    let session = match connect::resume_session(&connector).await {
        Some(session) => session,
        None => {
            let password = connect::password_from_file()?.context(
                "not signed in: run the console once with --remember, or set ATENDER_PASSWORD_FILE",
            )?;
            let workspace = cli
                .workspace
                .clone()
                .or(config.workspace)
                .unwrap_or_default();
            let email = cli.email.clone().or(config.email).unwrap_or_default();
            let session = connector
                .sign_in_session(workspace, email, crate::client::connector::Secret(password))
                .await?;
            connector.remember_session(&session);
            session
        }
    };
    Ok(commands::Opened {
        api: std::sync::Arc::new(session.client.clone()),
        workspace: session.workspace,
        links: commands::InviteLinks::Server(session.client),
    })
}

/// Request timeouts from the flags, the client's defaults otherwise.
fn client_config(cli: &Cli) -> crate::client::ClientConfig {
    let mut config = crate::client::ClientConfig::default();
    if let Some(s) = cli.connect_timeout {
        config.connect_timeout = std::time::Duration::from_secs(s.max(1));
    }
    if let Some(s) = cli.request_timeout {
        config.request_timeout = std::time::Duration::from_secs(s.max(1));
    }
    config
}

/// The exit code for an error (see `EXIT_CODES`): 2 for usage, a store or a connection
/// problem, 1 for a refusal or something not found.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<commands::Usage>().is_some() {
        return 2;
    }
    if err.downcast_ref::<commands::Refusal>().is_some() {
        return 1;
    }
    match err.downcast_ref::<Error>() {
        Some(
            Error::Store(StoreError::InUse { .. })
            | Error::Store(StoreError::UnknownSchema { .. })
            | Error::Store(StoreError::Corrupt { .. })
            | Error::Store(StoreError::Failed { .. })
            | Error::Store(StoreError::Unavailable { .. })
            | Error::Unreachable { .. }
            | Error::UnexpectedResponse { .. },
        ) => 2,
        Some(_) => 1,
        None => 2,
    }
}

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
    let server = if cli.data.is_some() || cli.wants_demo() {
        cli.server.clone()
    } else {
        cli.server.clone().or(config.server.clone())
    };
    if let Some(url) = server {
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

async fn run_connected(
    cli: &Cli,
    config: &connect::ConfigFile,
    url: String,
    options: crate::tui::Options,
) -> anyhow::Result<()> {
    use crate::tui::model::{Context, ServerContext};
    let url = url.trim().trim_end_matches('/').to_string();
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn resetting_the_demo_asks_on_a_terminal_and_needs_yes_without_one() {
        let path = std::path::Path::new("/tmp/demo");
        let never = |_: &str| -> std::io::Result<String> { panic!("asked despite --yes") };
        assert!(confirm_reset(path, true, false, never).is_ok());
        assert!(confirm_reset(path, true, true, never).is_ok());
        let e = confirm_reset(path, false, false, |_: &str| -> std::io::Result<String> {
            panic!("asked without a terminal")
        })
        .unwrap_err();
        assert!(e.downcast_ref::<commands::Refusal>().is_some());
        assert!(e.to_string().contains("--yes"), "{e}");
        let mut asked = String::new();
        assert!(
            confirm_reset(path, false, true, |q: &str| {
                asked = q.to_string();
                Ok("yes\n".into())
            })
            .is_ok()
        );
        assert!(
            asked.contains("/tmp/demo") && asked.contains("Type yes"),
            "{asked}"
        );
        for no in ["\n", "y\n", "no\n", ""] {
            let e = confirm_reset(path, false, true, |_: &str| Ok(no.to_string())).unwrap_err();
            assert!(e.to_string().contains("not reset"), "{no:?}: {e}");
        }
    }

    #[test]
    fn yes_is_only_for_resetting_the_demo() {
        assert!(Cli::try_parse_from(["atender-admin", "--reset-demo", "--yes"]).is_ok());
        assert!(Cli::try_parse_from(["atender-admin", "--demo", "--yes"]).is_err());
        let cli = Cli::try_parse_from(["atender-admin", "delete", "a@b.io", "--yes"]).unwrap();
        assert!(!cli.reset_yes);
    }

    #[test]
    fn a_command_s_email_never_overwrites_the_sign_in_email() {
        for args in [
            &["show", "bo@acme.io"][..],
            &["delete", "bo@acme.io"],
            &["invite", "bo@acme.io", "--name", "Bo"],
        ] {
            let cli = Cli::try_parse_from(
                ["atender-admin", "--email", "ann@acme.io"]
                    .iter()
                    .chain(args),
            )
            .unwrap();
            assert_eq!(cli.email.as_deref(), Some("ann@acme.io"), "{args:?}");
        }
    }

    #[test]
    fn bulk_commands_need_at_least_one_email() {
        for args in [
            &["deactivate"][..],
            &["beta", "on"],
            &["roles", "set", "agent"],
            &["team", "add", "Billing"],
            &["resend"],
        ] {
            let parsed = Cli::try_parse_from(["atender-admin"].iter().chain(args));
            assert!(parsed.is_err(), "{args:?}");
        }
    }
}
