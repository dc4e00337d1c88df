//! `show EMAIL`: every field of one user and the one-line answer to "can they get in?";
//! `log`: the audit log, newest first.

use super::{Opened, resolve};
use crate::domain::search::team_names;
use crate::domain::{AuditEvent, EventId, UserId};
use crate::present::access::{AccessHints, access_line_hinted};
use crate::present::time::date_time;
use crate::service::MAX_PAGE;
use crate::text::safe;
use std::collections::HashMap;
use std::io::Write;

/// The command line's way to fix access.
const CLI_HINTS: AccessHints<'static> = AccessHints {
    resend: "`atender-admin resend EMAIL` sends a new link",
    reactivate: "`atender-admin reactivate EMAIL` restores access",
};

pub async fn show(opened: &Opened, email: &str, json: bool) -> anyhow::Result<()> {
    let api = opened.api.as_ref();
    let user = resolve::user_by_email(api, email).await?;
    let detail = api.user_detail(user.id).await?;
    let u = &detail.user;
    // The admins a user's record names, as emails (they may have been deleted since).
    let mut names: HashMap<UserId, String> = HashMap::new();
    for id in [u.invited_by, u.deactivated_by].into_iter().flatten() {
        if let Ok(d) = api.user_detail(id).await {
            names.insert(id, d.user.email.to_string());
        }
    }
    let now = time::OffsetDateTime::now_utc();
    let access = access_line_hinted(
        &detail.access,
        now,
        |id| names.get(&id).cloned(),
        &CLI_HINTS,
    );
    let mut out = std::io::stdout().lock();
    if json {
        let mut value = serde_json::to_value(&detail)?;
        value["access_line"] = access.into();
        writeln!(out, "{value}")?;
        return Ok(());
    }
    let teams = team_names(&api.list_teams().await?);
    let team_list: Vec<String> = u
        .teams
        .iter()
        .filter_map(|t| teams.get(t))
        .map(|n| safe(n))
        .collect();
    let who = |id: Option<UserId>| {
        id.map(|id| {
            names
                .get(&id)
                .map_or_else(|| format!("a deleted user ({id})"), |e| safe(e))
        })
        .unwrap_or_else(|| "—".into())
    };
    let when = |t: Option<time::OffsetDateTime>| t.map_or_else(|| "never".into(), date_time);
    let rows = [
        ("Email", safe(u.email.as_str())),
        ("Full name", safe(u.full_name.as_str())),
        ("Display name", safe(u.display_name.as_str())),
        ("Status", u.status.label().to_string()),
        ("Roles", u.roles.to_string()),
        (
            "Teams",
            if team_list.is_empty() {
                "—".into()
            } else {
                team_list.join(", ")
            },
        ),
        ("Beta access", if u.beta { "on" } else { "off" }.into()),
        ("Created", date_time(u.created_at)),
        (
            "Updated",
            format!("{} (version {})", date_time(u.updated_at), u.version),
        ),
        ("Invited by", who(u.invited_by)),
        ("Last sign-in", when(u.last_login_at)),
        (
            "Deactivated",
            match u.deactivated_at {
                Some(at) => format!("{} by {}", date_time(at), who(u.deactivated_by)),
                None => "—".into(),
            },
        ),
        ("Id", u.id.to_string()),
    ];
    for (label, value) in rows {
        writeln!(out, "{:<14}{value}", format!("{label}:"))?;
    }
    if let Some(i) = &detail.invite {
        writeln!(
            out,
            "{:<14}sent {}, last {}, expires {}{}",
            "Invite:",
            match i.times_sent {
                1 => "once".to_string(),
                n => format!("{n} times"),
            },
            date_time(i.sent_at),
            date_time(i.expires_at),
            if i.email_sent { "; emailed" } else { "" }
        )?;
    }
    writeln!(out, "{:<14}{}", "Can sign in:", access)?;
    if !detail.recent_events.is_empty() {
        writeln!(out, "Recent activity:")?;
        for e in &detail.recent_events {
            writeln!(out, "  {}", event_line(e))?;
        }
    }
    Ok(())
}

/// The activity log, newest first: up to `limit` events that `filter` lets through (pages are
/// read until that many matched, the log ends, or events are older than `--since`).
pub async fn log(
    opened: &Opened,
    limit: usize,
    json: bool,
    filter: &crate::domain::AuditFilter,
) -> anyhow::Result<()> {
    let api = opened.api.as_ref();
    let mut out = std::io::stdout().lock();
    let (mut left, mut before): (usize, Option<EventId>) = (limit, None);
    'pages: while left > 0 {
        let want = if filter.is_empty() { left } else { MAX_PAGE };
        let page = api.audit(before, want.min(MAX_PAGE)).await?;
        let got = page.items.len();
        for e in &page.items {
            if filter.is_past(e) {
                break 'pages;
            }
            if !filter.matches(e) {
                continue;
            }
            if json {
                serde_json::to_writer(&mut out, e)?;
                writeln!(out)?;
            } else {
                writeln!(out, "{}", event_line(e))?;
            }
            left -= 1;
            if left == 0 {
                break 'pages;
            }
        }
        match page.next.and_then(|n| n.parse().ok()) {
            Some(next) if got > 0 => before = Some(next),
            _ => break,
        }
    }
    Ok(())
}

/// "2026-11-29 01:02  ann@acme.io  deactivated  bob@acme.io  (detail)".
fn event_line(e: &AuditEvent) -> String {
    let actor = if e.actor_label.is_empty() {
        "system"
    } else {
        &e.actor_label
    };
    let mut line = format!("{}  {}  {}", date_time(e.at), safe(actor), e.action.label());
    if !e.target_label.is_empty() {
        line.push_str(&format!("  {}", safe(&e.target_label)));
    }
    if !e.detail.is_empty() {
        line.push_str(&format!("  ({})", safe(&e.detail)));
    }
    line
}
