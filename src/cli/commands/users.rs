//! `users`: the listing as a table, JSON lines or CSV. It streams: each page is read from the
//! API (`list_users`, a cursor at a time) and written and flushed as it arrives, so the first
//! line shows at once and memory stays flat however big the workspace.

use super::Opened;
use super::csv_file::{EXPORT_COLUMNS, export_row};
use crate::domain::{TeamId, User, UserStatus};
use crate::service::{MAX_PAGE, UserQuery};
use crate::text::safe;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};

/// Users in the first page asked for: a screenful, so the first line shows at once.
const FIRST_PAGE: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsersFormat {
    Table,
    /// One JSON object per line (NDJSON), the API's `User`.
    Json,
    /// A header row, then one row per user (see `csv_file`).
    Csv,
}

pub async fn users(
    opened: &Opened,
    status: Option<UserStatus>,
    filter: Option<&str>,
    format: UsersFormat,
) -> anyhow::Result<()> {
    let api = opened.api.as_ref();
    let teams: HashMap<TeamId, String> = api
        .list_teams()
        .await?
        .into_iter()
        .map(|t| (t.id, t.name.to_string()))
        .collect();
    let stdout = std::io::stdout();
    // Data text is neutralised for a terminal; a file or pipe gets it exactly as stored.
    let to_terminal = stdout.is_terminal();
    // Buffered, flushed once per page: stdout's own line buffering would make a write per user.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    match format {
        UsersFormat::Table => {
            let ws = &opened.workspace;
            writeln!(out, "{} ({})", safe(ws.name.as_str()), ws.slug)?;
            writeln!(
                out,
                "{:<9} {:<32} {:<40} {:<20} TEAMS",
                "STATUS", "NAME", "EMAIL", "ROLES"
            )?;
        }
        UsersFormat::Json => {}
        UsersFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(EXPORT_COLUMNS)?;
            w.flush()?;
        }
    }
    let (mut after, mut count) = (None, 0usize);
    // A small first page puts the first lines out at once; later pages are as large as allowed.
    let mut limit = FIRST_PAGE;
    loop {
        let page = api
            .list_users(UserQuery {
                status,
                q: filter.map(str::to_string),
                limit: Some(limit),
                after,
            })
            .await?;
        limit = MAX_PAGE;
        count += page.items.len();
        match format {
            UsersFormat::Table => {
                for u in &page.items {
                    table_row(&mut out, u, &teams)?;
                }
            }
            UsersFormat::Json => {
                for u in &page.items {
                    serde_json::to_writer(&mut out, u)?;
                    writeln!(out)?;
                }
            }
            UsersFormat::Csv => {
                let mut w = csv::Writer::from_writer(&mut out);
                for u in &page.items {
                    let row = export_row(u, &teams);
                    if to_terminal {
                        w.write_record(row.iter().map(|c| safe(c)))?;
                    } else {
                        w.write_record(&row)?;
                    }
                }
                w.flush()?;
            }
        }
        out.flush()?;
        let next = page.next.and_then(|n| n.parse().ok());
        match next {
            // A cursor that does not move on would page forever.
            Some(next) if after.is_none_or(|a| a < next) => after = Some(next),
            _ => break,
        }
    }
    if format == UsersFormat::Table {
        writeln!(
            out,
            "{}",
            crate::present::words::count(count as u64, "user", "users")
        )?;
    }
    out.flush()?;
    Ok(())
}

fn table_row(
    out: &mut impl Write,
    u: &User,
    teams: &HashMap<TeamId, String>,
) -> std::io::Result<()> {
    let t: Vec<String> = u
        .teams
        .iter()
        .filter_map(|t| teams.get(t))
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
    )
}
