//! Plain-text and JSON output for scripts. Text from data is made safe for a terminal.

use crate::domain::search::team_names;
use crate::domain::{Team, User, Workspace};
use crate::text::safe;
use std::io::Write;

pub fn users_table(
    out: &mut impl Write,
    ws: &Workspace,
    users: &[User],
    teams: &[Team],
) -> std::io::Result<()> {
    let names = team_names(teams);
    writeln!(
        out,
        "{} ({}) — {} users",
        safe(ws.name.as_str()),
        ws.slug,
        users.len()
    )?;
    writeln!(
        out,
        "{:<9} {:<32} {:<40} {:<20} TEAMS",
        "STATUS", "NAME", "EMAIL", "ROLES"
    )?;
    for u in users {
        let t: Vec<String> = u
            .teams
            .iter()
            .filter_map(|t| names.get(t))
            .map(|n| safe(n))
            .collect();
        writeln!(
            out,
            "{:<9} {:<32} {:<40} {:<20} {}",
            u.status.label(),
            safe(u.display_name.as_str()),
            safe(u.email.as_str()),
            u.roles.to_string(),
            t.join(", ")
        )?;
    }
    Ok(())
}

pub fn users_json(out: &mut impl Write, users: &[User]) -> std::io::Result<()> {
    for u in users {
        serde_json::to_writer(&mut *out, u)?;
        writeln!(out)?;
    }
    Ok(())
}
