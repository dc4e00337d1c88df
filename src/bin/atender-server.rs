//! `atender-server`: the companion server's command line: `serve` runs the HTTP server; `init`
//! and `workspaces` manage the workspaces of a store. A sled store (`--data`) belongs to one
//! process at a time; a PostgreSQL database (`--database-url`) serves any number of them.

use anyhow::Context;
use atender_admin::server::mail::{MailTransport, SmtpConfig, TlsMode};
use atender_admin::server::{
    Application, Cidr, ConnectionLimits, MailConfig, ServerConfig, shutdown_signal,
};
use atender_admin::service::{Core, CoreConfig};
use atender_admin::store::{AnyStore, SledStore, StoreLocation};
use atender_admin::text::safe;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "atender-server",
    version,
    about = "The companion server of atender-admin"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server until SIGINT or SIGTERM.
    Serve(Box<ServeArgs>),
    /// Create a workspace and invite its first Owner; prints the Owner's one-time link.
    Init {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        owner_email: String,
        #[arg(long)]
        owner_name: String,
        /// The address people reach the server at; links in invites start with it.
        #[arg(
            long,
            env = "ATENDER_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
    },
    /// List the workspaces of a store.
    Workspaces {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Read every record of a store (a sled store with the server stopped; a PostgreSQL one
    /// beside running servers, in one snapshot); says which is damaged, if any.
    Check {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write a consistent snapshot of a sled store to a file, also while the server runs
    /// (through its control socket, as the owner of the store folder).
    Backup {
        #[arg(long, env = "ATENDER_DATA")]
        data: PathBuf,
        /// The backup file (readable only by you: it holds password hashes).
        #[arg(long)]
        to: PathBuf,
    },
    /// Make a new sled store from a backup file (into a missing or empty folder).
    Restore {
        #[arg(long)]
        from: PathBuf,
        /// The new store's folder.
        #[arg(long)]
        data: PathBuf,
    },
}

/// Which store to use: a sled folder, or a PostgreSQL database.
#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
struct StoreArgs {
    /// The embedded store's folder (one process at a time).
    #[arg(long, env = "ATENDER_DATA")]
    data: Option<PathBuf>,
    /// A PostgreSQL database, postgres://USER:PASSWORD@HOST:PORT/DATABASE (better given in the
    /// environment, where other users can't see the password).
    #[arg(long, env = "ATENDER_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

impl StoreArgs {
    /// Opens the chosen store; a missing sled folder is created only when `create` is set.
    async fn open(self, create: bool) -> anyhow::Result<AnyStore> {
        let store = tokio::task::spawn_blocking(move || -> anyhow::Result<AnyStore> {
            match (self.database_url, self.data) {
                (Some(url), _) => Ok(AnyStore::open(StoreLocation::Database(&url))?),
                (None, Some(data)) => {
                    if create {
                        atender_admin::store::owner_only::create_owner_only_dir(&data)
                            .with_context(|| format!("creating {}", data.display()))?;
                    } else if !data.exists() {
                        anyhow::bail!("there is no store at {}", data.display());
                    }
                    Ok(AnyStore::open(StoreLocation::Folder(&data))?)
                }
                (None, None) => anyhow::bail!("give --data DIR or --database-url URL"),
            }
        })
        .await??;
        Ok(store)
    }
}

/// `serve`'s settings. The SMTP password is read only from the environment
/// (ATENDER_SMTP_PASSWORD), never from the command line, where other users could see it.
#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// The embedded store's folder (one server at a time). With --database-url, only where the
    /// outbox folder goes by default.
    #[arg(long, env = "ATENDER_DATA", required_unless_present = "database_url")]
    data: Option<PathBuf>,
    /// Keep everything in this PostgreSQL database instead, so that several servers can serve
    /// the same workspaces: postgres://USER:PASSWORD@HOST:PORT/DATABASE (better given in the
    /// environment, where other users can't see the password).
    #[arg(long, env = "ATENDER_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Start with a new, empty store if --data holds none (`init` also creates one). Without
    /// it, a --data folder without a store is refused.
    #[arg(long)]
    create: bool,
    #[arg(long, env = "ATENDER_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// A reverse proxy (address or range, e.g. 10.0.0.0/8) whose X-Forwarded-For names the
    /// client; repeat for several. Without it, X-Forwarded-For is ignored.
    #[arg(long = "trusted-proxy", env = "ATENDER_TRUSTED_PROXY", value_delimiter = ',', value_parser = clap::value_parser!(Cidr))]
    trusted_proxies: Vec<Cidr>,
    /// Open connections at most (keep under `ulimit -n`); 16 of them only answer health checks.
    #[arg(long, env = "ATENDER_MAX_CONNECTIONS", default_value_t = 900, value_parser = clap::value_parser!(u16).range(32..))]
    max_connections: u16,
    /// Seconds a client has to send a request's headers (also the keep-alive idle timeout).
    #[arg(long, env = "ATENDER_HEADER_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=300))]
    header_timeout: u16,
    /// Seconds in-flight requests get after SIGTERM before their connections are dropped.
    #[arg(long, env = "ATENDER_SHUTDOWN_DEADLINE", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=300))]
    shutdown_deadline: u16,
    /// The address people reach the server at (e.g. https://atender.example.com); invite links
    /// start with it. Default: http:// and the bound address, for development only.
    #[arg(long, env = "ATENDER_PUBLIC_URL")]
    public_url: Option<String>,
    /// How long a sign-in lasts.
    #[arg(long, env = "ATENDER_SESSION_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u16).range(1..=720))]
    session_hours: u16,
    /// How long an invite link works.
    #[arg(long, env = "ATENDER_INVITE_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u16).range(1..=90))]
    invite_days: u16,
    /// SMTP server for invite emails; without it, emails go to the outbox folder as .eml files.
    #[arg(long, env = "ATENDER_SMTP_HOST")]
    smtp_host: Option<String>,
    /// Default: 587 for starttls, 465 for tls, 25 for none.
    #[arg(long, env = "ATENDER_SMTP_PORT")]
    smtp_port: Option<u16>,
    /// none, starttls or tls.
    #[arg(long, env = "ATENDER_SMTP_TLS", default_value = "starttls")]
    smtp_tls: TlsMode,
    /// SMTP user name; the password comes from ATENDER_SMTP_PASSWORD.
    #[arg(long, env = "ATENDER_SMTP_USER")]
    smtp_user: Option<String>,
    /// The From address of invite emails.
    #[arg(
        long,
        env = "ATENDER_MAIL_FROM",
        default_value = "Atender <no-reply@localhost>"
    )]
    mail_from: String,
    /// Where emails go without SMTP. Default: the store folder's outbox/.
    #[arg(long, env = "ATENDER_OUTBOX")]
    outbox: Option<PathBuf>,
    /// Log level: error, warn, info or debug.
    #[arg(long, env = "ATENDER_LOG", default_value = "info")]
    log: tracing::Level,
}

fn main() -> ExitCode {
    return_hash_memory_to_the_system();
    atender_admin::store::owner_only::restrict_new_files_to_owner();
    let args = Args::parse();
    let result = tokio::runtime::Runtime::new()
        .context("starting the runtime")
        .and_then(|rt| rt.block_on(run(args)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("atender-server: {e:#}");
            ExitCode::from(atender_admin::cli::exit_code(&e))
        }
    }
}

/// Each password hash allocates 19 MiB. glibc raises its mmap threshold after the first such
/// block is freed, and later ones come from the per-thread arenas, which keep them: measured,
/// 20 sign-ins in a row left the server at 400 MB. A fixed threshold keeps every large block
/// mmapped and returned when freed, so memory follows the hashes in flight (bounded by the
/// hashing permits).
fn return_hash_memory_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called first thing in main, before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Serve(serve) => run_server(*serve).await?,
        Command::Init {
            store,
            workspace,
            owner_email,
            owner_name,
            public_url,
        } => {
            let core = Core::with_system_clock(store.open(true).await?, CoreConfig::default());
            let (ws, issued) = core
                .create_workspace(&workspace, &owner_email, &owner_name)
                .await?;
            println!("workspace: {}", ws.slug);
            println!("owner:     {}", issued.user.email);
            println!(
                "link:      {}",
                atender_admin::api::invite_link(&public_url, &issued.token)
            );
            let expires = issued
                .invite
                .expires_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| issued.invite.expires_at.to_string());
            println!("expires:   {expires}");
        }
        Command::Check { store } => {
            if let Some(data) = &store.data
                && store.database_url.is_none()
                && !SledStore::holds_store(data)
            {
                anyhow::bail!("there is no store at {}", data.display());
            }
            let (shown, store) = match (&store.database_url, &store.data) {
                (None, Some(data)) => (data.display().to_string(), store.open(false).await?),
                _ => {
                    let store = store.open(false).await?;
                    let shown = match &store {
                        AnyStore::Postgres(pg) => pg.address().to_string(),
                        AnyStore::Sled(_) => String::new(),
                    };
                    (shown, store)
                }
            };
            let (records, warnings) = tokio::task::spawn_blocking(move || {
                let mut progress = |read| eprintln!("checked {read} records…");
                match &store {
                    AnyStore::Sled(s) => s.check_integrity_reporting(&mut progress),
                    AnyStore::Postgres(s) => s.check_integrity_reporting(&mut progress),
                }
            })
            .await??;
            println!("{shown}: {records} records, all readable, every invariant holds");
            // Older data that today's name rules refuse: served as it is, so not a failure.
            if !warnings.is_empty() {
                println!(
                    "{} record(s) break today's name or email rules (still served; fix them in the console):",
                    warnings.len()
                );
                for warning in &warnings {
                    println!("  warning: {}", safe(warning));
                }
            }
        }
        Command::Backup { data, to } => {
            let (records, through_server, to) = tokio::task::spawn_blocking(move || {
                atender_admin::server::control::backup(&data, &to).map(|(n, s)| (n, s, to))
            })
            .await??;
            let how = if through_server {
                "taken by the running server"
            } else {
                "taken from the stopped store"
            };
            println!("{records} records backed up to {} ({how})", to.display());
        }
        Command::Restore { from, data } => {
            let shown = data.display().to_string();
            let records =
                tokio::task::spawn_blocking(move || SledStore::restore_from(&from, &data))
                    .await??;
            println!(
                "{records} records restored into {shown}; serve it with `atender-server serve --data {shown}`"
            );
        }
        Command::Workspaces { store } => {
            let core = Core::with_system_clock(store.open(false).await?, CoreConfig::default());
            for ws in core.workspaces().await? {
                println!("{}\t{}", ws.slug, safe(ws.name.as_str()));
            }
        }
    }
    Ok(())
}

async fn run_server(args: ServeArgs) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_max_level(args.log)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
    let transport = match &args.smtp_host {
        Some(host) => {
            let password = std::env::var("ATENDER_SMTP_PASSWORD").ok();
            let credentials = match (&args.smtp_user, password) {
                (Some(user), Some(password)) => Some((user.clone(), password)),
                (Some(_), None) => anyhow::bail!(
                    "--smtp-user is set but ATENDER_SMTP_PASSWORD is not; set it in the environment"
                ),
                (None, _) => None,
            };
            MailTransport::Smtp(SmtpConfig {
                host: host.clone(),
                port: args.smtp_port.unwrap_or(match args.smtp_tls {
                    TlsMode::StartTls => 587,
                    TlsMode::Tls => 465,
                    TlsMode::None => 25,
                }),
                tls: args.smtp_tls,
                credentials,
                timeout: std::time::Duration::from_secs(15),
            })
        }
        None => MailTransport::Outbox(match (&args.outbox, &args.data) {
            (Some(outbox), _) => outbox.clone(),
            (None, Some(data)) => data.join("outbox"),
            (None, None) => anyhow::bail!(
                "without --smtp-host, invite emails are written to an outbox folder: give \
                 --outbox DIR (or --data DIR, whose outbox/ is used)"
            ),
        }),
    };
    let data = args.data.clone().unwrap_or_default();
    let mut config = ServerConfig::new(data, args.bind.clone());
    config.database_url = args.database_url.clone();
    config.create = args.create;
    config.public_url = args.public_url.clone();
    config.trusted_proxies = args.trusted_proxies.clone();
    config.connections = ConnectionLimits {
        max_connections: usize::from(args.max_connections),
        header_read_timeout: std::time::Duration::from_secs(u64::from(args.header_timeout)),
        shutdown_deadline: std::time::Duration::from_secs(u64::from(args.shutdown_deadline)),
        ..ConnectionLimits::default()
    };
    config.core = CoreConfig {
        session_lifetime: time::Duration::hours(i64::from(args.session_hours)),
        invite_lifetime: time::Duration::days(i64::from(args.invite_days)),
        ..CoreConfig::default()
    };
    config.mail = MailConfig {
        from: args.mail_from.clone(),
        transport: transport.clone(),
    };
    let app = Application::build(config).await?;
    if args.public_url.is_none() {
        tracing::warn!(
            public_url = app.public_url(),
            "no --public-url: invite links use the bound address; set it for real use"
        );
    }
    match &transport {
        MailTransport::Smtp(smtp) => {
            tracing::info!(host = %smtp.host, port = smtp.port, "invite emails go over SMTP")
        }
        MailTransport::Outbox(dir) => {
            tracing::info!(outbox = %dir.display(), "no SMTP server: invite emails go to the outbox folder")
        }
    }
    tracing::info!(address = %args.bind, port = app.port(), public_url = app.public_url(), "serving");
    app.run_until_stopped(shutdown_signal()).await?;
    Ok(())
}
