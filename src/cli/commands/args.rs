//! Argument shapes shared by several commands, and the little parsing they need.

use crate::Result;
use crate::domain::Role;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The users a command applies to: emails as arguments, from a file, or both.
#[derive(Debug, Clone, Args)]
pub struct EmailArgs {
    /// The users' emails (matched ignoring case and surrounding spaces).
    #[arg(value_name = "EMAIL", required_unless_present = "from")]
    pub emails: Vec<String>,
    /// Also the emails in FILE, one per line (blank lines and # comments ignored); `-` reads
    /// standard input.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// One JSON object per user instead of text.
    #[arg(long)]
    pub json: bool,
}

impl EmailArgs {
    /// The emails named on the command line, then those of `--from`.
    pub fn all(&self) -> anyhow::Result<Vec<String>> {
        let mut all = self.emails.clone();
        if let Some(from) = &self.from {
            all.extend(super::email_list::read(from)?);
        }
        if all.is_empty() {
            return Err(super::Usage::error(
                "no emails: the list given with --from is empty",
            ));
        }
        Ok(all)
    }
}

/// The users a bulk change applies to, and how to run it.
#[derive(Debug, Clone, Args)]
pub struct BulkArgs {
    #[command(flatten)]
    pub users: EmailArgs,
    /// Ask the core what would happen, changing nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum RolesCommand {
    /// Replace the roles of users, e.g. `roles set admin,agent ann@acme.io`.
    Set {
        /// One or more of owner, admin, supervisor, agent, separated by commas.
        #[arg(value_name = "ROLE[,ROLE]", value_parser = role_list)]
        roles: RoleList,
        #[command(flatten)]
        users: BulkArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Add users to a team.
    Add {
        team: String,
        #[command(flatten)]
        users: BulkArgs,
    },
    /// Remove users from a team.
    Remove {
        team: String,
        #[command(flatten)]
        users: BulkArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum TeamsCommand {
    /// Create a team.
    Create { name: String },
    /// Rename a team.
    Rename { old: String, new: String },
    /// Delete a team, removing it from all its members.
    Delete {
        name: String,
        /// Confirm the deletion.
        #[arg(long)]
        yes: bool,
    },
}

/// Roles as typed on the command line, parsed by clap so a wrong one is a usage error (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleList(pub Vec<Role>);

pub fn role_list(input: &str) -> std::result::Result<RoleList, String> {
    parse_roles(&[input])
        .map(RoleList)
        .map_err(|e| e.to_string())
}

/// A user status as typed (`--status`): a wrong one is a usage error.
pub fn status(input: &str) -> std::result::Result<crate::domain::UserStatus, String> {
    crate::domain::UserStatus::parse(input)
        .ok_or_else(|| format!("\"{input}\" is not a status; use active, inactive or invited"))
}

/// Roles as typed: each value may hold several, separated by commas ("admin, agent").
/// Names are parsed by the core's `Role::parse`; an empty list is left for the core to refuse.
pub fn parse_roles<S: AsRef<str>>(values: &[S]) -> Result<Vec<Role>> {
    let mut roles = Vec::new();
    for part in values.iter().flat_map(|v| v.as_ref().split(',')) {
        if part.trim().is_empty() {
            continue;
        }
        let role = Role::parse(part)?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_commas_and_repeats_ignoring_case_and_spaces() {
        let roles = parse_roles(&["Admin, agent", " SUPERVISOR", "agent"]).unwrap();
        assert_eq!(roles, vec![Role::Admin, Role::Agent, Role::Supervisor]);
    }

    #[test]
    fn blank_parts_are_skipped_and_nothing_is_left_for_the_core_to_refuse() {
        assert_eq!(parse_roles(&[" , ,"]).unwrap(), Vec::<Role>::new());
        assert_eq!(parse_roles::<&str>(&[]).unwrap(), Vec::<Role>::new());
    }

    #[test]
    fn an_unknown_role_says_which_roles_exist() {
        let e = parse_roles(&["admin,boss"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "roles: \"boss\" is not a role; use Owner, Admin, Supervisor or Agent"
        );
    }
}
