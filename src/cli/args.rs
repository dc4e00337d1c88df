//! The command line's arguments (clap): the global flags, the commands and the exit-code text
//! shown in `--help`. No I/O and nothing opened here.

use super::{commands, connect};
use crate::demo;
use crate::domain::UserStatus;
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
    /// Act as this Owner or Admin (default: the longest-standing active Owner, the one who
    /// joined the workspace first).
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
  2  usage (a wrong flag or value, an unreadable file), a store or connection problem
     (also a change sent whose outcome is unknown), or an internal error";

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
        /// Only events done by or to this user (email).
        #[arg(long, value_name = "EMAIL")]
        user: Option<String>,
        /// Only this action: its label (`deactivated`, `roles changed`) or name (`user_deactivated`).
        #[arg(long)]
        action: Option<String>,
        /// Only events this recent: an age (`7d`, `12h`, `30m`, `2w`) or a date (`2026-11-01`).
        #[arg(long, value_name = "AGE|DATE")]
        since: Option<String>,
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
    pub(super) fn reads_only(&self) -> bool {
        matches!(
            self,
            Command::Users { .. }
                | Command::Show { .. }
                | Command::Log { .. }
                | Command::Teams { action: None, .. }
        )
    }
}

impl Cli {
    pub fn wants_demo(&self) -> bool {
        self.demo || self.reset_demo
    }

    /// The server to connect to, without a trailing `/`: the one named by flag, else the config
    /// file's, unless `--data` or the demo names a local store. Chosen here once for the
    /// commands and the console alike.
    pub(super) fn server_url(&self, config: &connect::ConfigFile) -> Option<String> {
        let named = if self.data.is_some() || self.wants_demo() {
            self.server.clone()
        } else {
            self.server.clone().or(config.server.clone())
        };
        named.map(|url| url.trim().trim_end_matches('/').to_string())
    }

    pub(super) fn store_path(&self) -> anyhow::Result<PathBuf> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
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
