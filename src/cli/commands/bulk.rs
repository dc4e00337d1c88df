//! The bulk changes: one line per user, `done` or `refused: <the core's message>`. Unknown
//! emails are refused on their own line; the core decides for everyone else.

use super::args::BulkArgs;
use super::{Opened, all_done, resolve};
use crate::domain::{Role, UserId};
use crate::service::{BulkChange, Outcome};
use crate::text::safe;
use std::collections::HashMap;
use std::io::Write;

/// A bulk change as asked, before team names are resolved.
pub enum BulkKind {
    Deactivate,
    Reactivate,
    Beta(bool),
    SetRoles(Vec<Role>),
    AddTeam(String),
    RemoveTeam(String),
}

/// One user's line: who (as found, or as typed when nobody matched), their id when found, or
/// why the email matched nobody.
struct Line {
    email: String,
    id: Option<UserId>,
    refusal: Option<String>,
    code: Option<String>,
}

pub async fn bulk(opened: &Opened, kind: BulkKind, args: &BulkArgs) -> anyhow::Result<()> {
    let api = opened.api.as_ref();
    let change = match kind {
        BulkKind::Deactivate => BulkChange::Deactivate,
        BulkKind::Reactivate => BulkChange::Reactivate,
        BulkKind::Beta(beta) => BulkChange::SetBeta { beta },
        BulkKind::SetRoles(roles) => BulkChange::SetRoles { roles },
        BulkKind::AddTeam(name) => BulkChange::AddTeam {
            team: resolve::team(api, &name).await?.id,
        },
        BulkKind::RemoveTeam(name) => BulkChange::RemoveTeam {
            team: resolve::team(api, &name).await?.id,
        },
    };
    let found = resolve::users_by_email(api, &args.emails).await?;
    let mut lines = Vec::with_capacity(args.emails.len());
    for (input, found) in args.emails.iter().zip(found) {
        let line = match found {
            Ok(user) => Line {
                email: user.email.to_string(),
                id: Some(user.id),
                refusal: None,
                code: None,
            },
            Err(e) => Line {
                email: input.trim().to_string(),
                id: None,
                code: Some(match e.downcast_ref::<crate::domain::Error>() {
                    Some(core) => core.code().to_string(),
                    None => "not_found".to_string(),
                }),
                refusal: Some(format!("{e:#}")),
            },
        };
        lines.push(line);
    }
    let ids: Vec<UserId> = lines.iter().filter_map(|l| l.id).collect();
    let outcomes: HashMap<UserId, Outcome> = if ids.is_empty() {
        HashMap::new()
    } else {
        api.bulk(change, ids, args.dry_run)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect()
    };
    let mut out = std::io::stdout().lock();
    let (mut refused, mut total, mut printed) = (0, 0, std::collections::HashSet::new());
    for line in &lines {
        // The same user named twice gets one line.
        if line.id.is_some_and(|id| !printed.insert(id)) {
            continue;
        }
        let (refusal, code) = match line.id.and_then(|id| outcomes.get(&id)) {
            Some(outcome) => match outcome.refusal() {
                Some(e) => (Some(e.to_string()), Some(e.code().to_string())),
                None => (None, None),
            },
            None if line.id.is_some() => (
                Some("the core gave no answer for this user; run the command again".into()),
                Some("no_answer".into()),
            ),
            None => (line.refusal.clone(), line.code.clone()),
        };
        total += 1;
        refused += usize::from(refusal.is_some());
        if args.json {
            let value = serde_json::json!({
                "email": line.email,
                "id": line.id,
                "outcome": if refusal.is_some() { "refused" } else { "done" },
                "code": code,
                "message": refusal,
                "dry_run": args.dry_run,
            });
            writeln!(out, "{value}")?;
        } else {
            match &refusal {
                None => writeln!(out, "{}: done", safe(&line.email))?,
                Some(why) => writeln!(out, "{}: refused: {}", safe(&line.email), safe(why))?,
            }
        }
    }
    out.flush()?;
    if args.dry_run {
        eprintln!("dry run: nothing was changed");
    }
    all_done(refused, total)
}
