//! The bulk changes: one line per user, `done`, `unchanged` (already so) or `refused: <the
//! core's message>`; a dry run says what would happen (`would deactivate`). Unknown emails
//! are refused on their own line; the core decides for everyone else.

use super::args::BulkArgs;
use super::progress::Progress;
use super::{Opened, all_done, resolve};
use crate::Error;
use crate::domain::Refusal;
use crate::domain::{Entity, Role, Roles, UserId};
use crate::service::{BulkChange, Outcome, OutcomeResult};
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

/// Real runs go to the core this many users at a time, so the bar moves and lines appear as
/// they are decided. A dry run is one call: its checks must see each other's effect.
const CHUNK: usize = 100;

/// What a dry run says would happen to a user the change applies to.
fn would(kind: &BulkKind, team: &str) -> String {
    match kind {
        BulkKind::Deactivate => "would deactivate".into(),
        BulkKind::Reactivate => "would reactivate".into(),
        BulkKind::Beta(true) => "would turn beta on".into(),
        BulkKind::Beta(false) => "would turn beta off".into(),
        BulkKind::SetRoles(roles) => match Roles::new(roles.iter().copied()) {
            Ok(r) => format!("would set roles to {r}"),
            Err(_) => "would set roles".into(),
        },
        BulkKind::AddTeam(_) => format!("would add to {}", safe(team)),
        BulkKind::RemoveTeam(_) => format!("would remove from {}", safe(team)),
    }
}

/// One user's answer, in the API's own shape (`Outcome`), for a user found or not.
pub struct Answer {
    pub id: Option<UserId>,
    pub email: String,
    pub result: OutcomeResult,
}

impl Answer {
    /// A user the command line could not find or parse: refused with the core's error (the
    /// email's parse error, or "no such user").
    pub fn refused(input: &str, e: &anyhow::Error) -> Answer {
        let error = match Error::find_in(e) {
            Some(core) => core,
            None => Error::Refused(Refusal::NotFound {
                what: Entity::User,
                id: input.trim().to_string(),
            }),
        };
        Answer {
            id: None,
            email: input.trim().to_string(),
            result: OutcomeResult::Refused { error },
        }
    }
}

/// Counts and prints answers: text lines or one JSON object per user.
pub struct Report {
    pub json: bool,
    pub dry_run: bool,
    /// The text of a dry run's "done".
    pub would: String,
    pub done: usize,
    pub unchanged: usize,
    pub refused: usize,
    /// Who acted, and where: in the summary line and on every JSON line.
    pub acting: super::Acting,
}

impl Report {
    pub fn new(json: bool, dry_run: bool, would: String, acting: &super::Acting) -> Report {
        Report {
            json,
            dry_run,
            would,
            done: 0,
            unchanged: 0,
            refused: 0,
            acting: acting.clone(),
        }
    }

    /// Prints one user's line; `message` overrides the error's own text (an unknown email's
    /// hint on how to look it up).
    pub fn line(
        &mut self,
        out: &mut impl Write,
        answer: &Answer,
        message: Option<&str>,
    ) -> std::io::Result<()> {
        let text_of_error = |e: &Error| message.map_or_else(|| e.to_string(), str::to_string);
        match &answer.result {
            OutcomeResult::Done => self.done += 1,
            OutcomeResult::Unchanged => self.unchanged += 1,
            OutcomeResult::Refused { .. } => self.refused += 1,
        }
        if self.json {
            let (outcome, error, message) = match &answer.result {
                OutcomeResult::Done => ("done", None, None),
                OutcomeResult::Unchanged => ("unchanged", None, None),
                OutcomeResult::Refused { error } => {
                    ("refused", Some(error), Some(text_of_error(error)))
                }
            };
            let value = serde_json::json!({
                "id": answer.id,
                "email": answer.email,
                "outcome": outcome,
                "error": error,
                "message": message,
                "dry_run": self.dry_run,
                "actor": self.acting.email,
                "workspace": self.acting.slug,
            });
            return writeln!(out, "{value}");
        }
        let email = safe(&answer.email);
        match &answer.result {
            OutcomeResult::Done if self.dry_run => writeln!(out, "{email}: {}", self.would),
            OutcomeResult::Done => writeln!(out, "{email}: done"),
            OutcomeResult::Unchanged => writeln!(out, "{email}: unchanged"),
            OutcomeResult::Refused { error } => {
                writeln!(out, "{email}: refused: {}", safe(&text_of_error(error)))
            }
        }
    }

    pub fn total(&self) -> usize {
        self.done + self.unchanged + self.refused
    }

    /// The summary line on stderr, and the exit code's error when anyone was refused.
    pub fn finish(&self) -> anyhow::Result<()> {
        let done = if self.dry_run { "would change" } else { "done" };
        eprintln!(
            "{} {done}, {} unchanged, {} refused{} {}",
            self.done,
            self.unchanged,
            self.refused,
            if self.dry_run {
                " (dry run: nothing was changed)"
            } else {
                ""
            },
            self.acting
        );
        all_done(self.refused, self.total())
    }
}

pub async fn bulk(opened: &Opened, kind: BulkKind, args: &BulkArgs) -> anyhow::Result<()> {
    let api = opened.api.as_ref();
    let inputs = args.users.all()?;
    let (change, team_name) = match &kind {
        BulkKind::Deactivate => (BulkChange::Deactivate, String::new()),
        BulkKind::Reactivate => (BulkChange::Reactivate, String::new()),
        BulkKind::Beta(beta) => (BulkChange::SetBeta { beta: *beta }, String::new()),
        BulkKind::SetRoles(roles) => (
            BulkChange::SetRoles {
                roles: roles.clone(),
            },
            String::new(),
        ),
        BulkKind::AddTeam(name) => {
            let team = resolve::team(api, name).await?;
            (BulkChange::AddTeam { team: team.id }, team.name.to_string())
        }
        BulkKind::RemoveTeam(name) => {
            let team = resolve::team(api, name).await?;
            (
                BulkChange::RemoveTeam { team: team.id },
                team.name.to_string(),
            )
        }
    };
    let lines = named_users(api, &inputs).await?;
    let ids: Vec<UserId> = lines
        .iter()
        .filter_map(|l| l.as_ref().ok().map(|(id, _)| *id))
        .collect();
    let mut report = Report::new(
        args.users.json,
        args.dry_run,
        would(&kind, &team_name),
        &opened.acting,
    );
    let mut out = std::io::stdout().lock();
    let mut outcomes: HashMap<UserId, Outcome> = HashMap::new();
    let mut printed = 0;
    let mut print_ready = |outcomes: &HashMap<UserId, Outcome>,
                           out: &mut std::io::StdoutLock,
                           report: &mut Report| {
        // Lines in the order named, each as soon as it and all before it are answered.
        while let Some(line) = lines.get(printed) {
            match line {
                Ok((id, email)) => {
                    let Some(o) = outcomes.get(id) else { break };
                    let answer = Answer {
                        id: Some(*id),
                        email: o.email.clone().unwrap_or_else(|| email.clone()),
                        result: o.result.clone(),
                    };
                    report.line(out, &answer, None)?;
                }
                Err((input, e)) => {
                    report.line(out, &Answer::refused(input, e), Some(&format!("{e:#}")))?
                }
            }
            printed += 1;
        }
        out.flush()
    };
    if args.dry_run || ids.len() <= CHUNK {
        let progress = Progress::spinner(ids.len(), "asking the core");
        if !ids.is_empty() {
            for o in api.bulk(change, ids.clone(), args.dry_run).await? {
                outcomes.insert(o.id, o);
            }
        }
        progress.finish();
        fill_missing(&ids, &mut outcomes);
        print_ready(&outcomes, &mut out, &mut report)?;
    } else {
        let progress = Progress::new(ids.len(), "working");
        for chunk in ids.chunks(CHUNK) {
            for o in api.bulk(change.clone(), chunk.to_vec(), false).await? {
                outcomes.insert(o.id, o);
            }
            fill_missing(chunk, &mut outcomes);
            progress.suspend(|| print_ready(&outcomes, &mut out, &mut report))?;
            progress.advance(chunk.len());
        }
    }
    print_ready(&outcomes, &mut out, &mut report)?;
    drop(out);
    report.finish()
}

/// The users named, each once, in the order first named; an unknown or malformed email keeps
/// its place with its error.
type Named = Vec<Result<(UserId, String), (String, anyhow::Error)>>;

async fn named_users(
    api: &dyn crate::service::AdminApi,
    inputs: &[String],
) -> anyhow::Result<Named> {
    let found = resolve::users_by_email(api, inputs).await?;
    let mut seen = std::collections::HashSet::new();
    let mut lines = Vec::new();
    for (input, found) in inputs.iter().zip(found) {
        match found {
            Ok(user) if seen.insert(user.id) => lines.push(Ok((user.id, user.email.to_string()))),
            Ok(_) => {}
            Err(e) => lines.push(Err((input.clone(), e))),
        }
    }
    Ok(lines)
}

/// `resend --dry-run`, `cancel --dry-run`: the core's answer for each, nothing changed.
pub async fn preview_invites(
    opened: &Opened,
    args: &BulkArgs,
    change: crate::service::InviteChange,
) -> anyhow::Result<()> {
    let api = opened.api.as_ref();
    let lines = named_users(api, &args.users.all()?).await?;
    let ids: Vec<UserId> = lines
        .iter()
        .filter_map(|l| l.as_ref().ok().map(|(id, _)| *id))
        .collect();
    let mut outcomes: HashMap<UserId, Outcome> = HashMap::new();
    if !ids.is_empty() {
        for o in api.preview_invites(change, ids.clone()).await? {
            outcomes.insert(o.id, o);
        }
    }
    fill_missing(&ids, &mut outcomes);
    let would = format!("would {} the invite", change.verb());
    let mut report = Report::new(args.users.json, true, would, &opened.acting);
    let mut out = std::io::stdout().lock();
    for line in &lines {
        match line {
            Ok((id, email)) => {
                let o = &outcomes[id];
                let answer = Answer {
                    id: Some(*id),
                    email: o.email.clone().unwrap_or_else(|| email.clone()),
                    result: o.result.clone(),
                };
                report.line(&mut out, &answer, None)?;
            }
            Err((input, e)) => report.line(
                &mut out,
                &Answer::refused(input, e),
                Some(&format!("{e:#}")),
            )?,
        }
    }
    out.flush()?;
    drop(out);
    report.finish()
}

/// A user the core gave no answer for is reported, never silently skipped.
fn fill_missing(ids: &[UserId], outcomes: &mut HashMap<UserId, Outcome>) {
    for id in ids {
        outcomes.entry(*id).or_insert_with(|| Outcome {
            id: *id,
            email: None,
            version: None,
            result: OutcomeResult::Refused {
                error: Error::internal(
                    "the core gave no answer for this user; run the command again",
                ),
            },
        });
    }
}
