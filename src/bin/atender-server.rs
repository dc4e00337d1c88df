//! `atender-server`: the companion server's command line. For now it manages the workspaces of
//! a store (`init`, `workspaces`); `serve` arrives with the server issue.

use anyhow::Context;
use atender_admin::service::{Core, CoreConfig};
use atender_admin::store::SledStore;
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
    /// Create a workspace and invite its first Owner; prints the Owner's one-time link.
    Init {
        #[arg(long, env = "ATENDER_DATA")]
        data: PathBuf,
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
        #[arg(long, env = "ATENDER_DATA")]
        data: PathBuf,
    },
}

fn main() -> ExitCode {
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

async fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Init {
            data,
            workspace,
            owner_email,
            owner_name,
            public_url,
        } => {
            std::fs::create_dir_all(&data)
                .with_context(|| format!("creating {}", data.display()))?;
            let core = Core::with_system_clock(SledStore::open(&data)?, CoreConfig::default());
            let (ws, issued) = core
                .create_workspace(&workspace, &owner_email, &owner_name)
                .await?;
            println!("workspace: {}", ws.slug);
            println!("owner:     {}", issued.user.email);
            println!(
                "link:      {}/accept?token={}",
                public_url.trim_end_matches('/'),
                issued.token.encode()
            );
            println!("expires:   {}", issued.invite.expires_at);
        }
        Command::Workspaces { data } => {
            if !data.exists() {
                anyhow::bail!("there is no store at {}", data.display());
            }
            let core = Core::with_system_clock(SledStore::open(&data)?, CoreConfig::default());
            for ws in core.workspaces().await? {
                println!("{}\t{}", ws.slug, safe(ws.name.as_str()));
            }
        }
    }
    Ok(())
}
