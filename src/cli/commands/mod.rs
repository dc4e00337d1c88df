//! The scriptable commands beyond listing: each parses its arguments, resolves emails and team
//! names to ids, calls the service API and prints the core's own answers. No product rule is
//! checked here; the core refuses, and its message is printed as is.

pub mod args;
mod bulk;
mod csv_file;
mod email_list;
mod import;
mod invites;
mod ownership;
mod progress;
mod resolve;
mod show;
mod teams;
mod users;

pub use args::{BulkArgs, EmailArgs, OnOff, RolesCommand, TeamCommand, TeamsCommand};

use crate::client::HttpClient;
use crate::domain::Workspace;
use crate::service::AdminApi;
use std::sync::Arc;

/// What a command works with: the API, its workspace, and how invite links are made.
pub struct Opened {
    pub api: Arc<dyn AdminApi>,
    pub workspace: Workspace,
    pub links: InviteLinks,
    /// Who acts, and where: named on every command that changes something.
    pub acting: Acting,
}

/// Who a command acts as, and in which workspace (`as ann@acme.io in Acme (acme)`).
#[derive(Debug, Clone, Default)]
pub struct Acting {
    pub email: String,
    pub workspace: String,
    pub slug: String,
}

impl Acting {
    pub fn new(user: &crate::domain::User, workspace: &Workspace) -> Acting {
        Acting {
            email: user.email.to_string(),
            workspace: workspace.name.to_string(),
            slug: workspace.slug.clone(),
        }
    }
}

impl std::fmt::Display for Acting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "as {} in {} ({})",
            crate::text::safe(&self.email),
            crate::text::safe(&self.workspace),
            crate::text::safe(&self.slug)
        )
    }
}

/// Where an invite's one-time link comes from.
pub enum InviteLinks {
    /// Offline: built from `--public-url`, as the console does.
    Local { public_url: String },
    /// Connected: the server's own answer carries the link (and what happened to the email).
    Server(HttpClient),
}

/// A refusal the command line itself reports (an unknown email, a missing `--yes`, or some
/// users refused in a bulk change): exit code 1, like the core's refusals.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

impl Refusal {
    fn error(text: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Refusal(text.into()))
    }
}

/// A command line that can't be carried out as typed (an unreadable file, a CSV without the
/// columns it needs): exit code 2, like clap's own usage errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

impl Usage {
    pub fn error(text: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Usage(text.into()))
    }
}

/// Whether an error is about one user (reported on its line while the others go on), rather
/// than about the store or the connection (which stops the command).
fn is_per_user(e: &anyhow::Error) -> bool {
    e.downcast_ref::<Refusal>().is_some() || super::exit_code(e) == 1
}

/// Fails with exit code 1 when any of `total` was refused.
fn all_done(refused: usize, total: usize) -> anyhow::Result<()> {
    if refused == 0 {
        Ok(())
    } else {
        Err(Refusal::error(format!("{refused} of {total} refused")))
    }
}

pub use bulk::{BulkKind, bulk};
pub use invites::{InviteArgs, cancel, delete, invite, resend};
pub use ownership::transfer_ownership;
pub use show::{log, show};
pub use teams::teams;
pub use users::{UsersFormat, users};
