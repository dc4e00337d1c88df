//! `invite --csv FILE`: onboarding many people from a spreadsheet. Every row is read and
//! checked first (its email, names, roles, teams, duplicates within the file, and whether the
//! email is already taken); then each valid row is invited through the core, which has the last
//! word. A refused row is reported by its line number and reason and never blocks the others.

use super::csv_file::{ImportRow, escape_formula, list, read_import};
use super::invites::{InviteArgs, Issued, issued_json, send_invite};
use super::progress::Progress;
use super::{Opened, Usage, all_done, is_per_user, resolve};
use crate::Error;
use crate::api::EmailStatus;
use crate::domain::Refusal;
use crate::domain::{Email, PersonName, Role, Roles, Team, TeamId};
use crate::service::NewInvite;
use crate::text::safe;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// A row that passed the checks: what will be asked of the core.
struct Checked {
    line: u64,
    new: NewInvite,
    roles: Roles,
}

/// Why a row was refused: the core's error when it is one (for JSON), and the message.
struct Refused {
    error: Option<Error>,
    message: String,
}

impl From<crate::domain::Refusal> for Refused {
    fn from(e: crate::domain::Refusal) -> Self {
        Error::from(e).into()
    }
}

impl From<Error> for Refused {
    fn from(e: Error) -> Refused {
        Refused {
            message: e.to_string(),
            error: Some(e),
        }
    }
}

impl Refused {
    fn cli(message: String) -> Refused {
        Refused {
            error: None,
            message,
        }
    }
}

/// A row's fate, by line.
enum RowResult {
    Valid(Checked),
    Refused {
        line: u64,
        email: String,
        why: Refused,
    },
}

/// What happened to a row.
enum Fate {
    WouldInvite(Roles),
    Invited(Box<Issued>),
    Refused(Refused),
}

pub async fn invite_csv(opened: &Opened, file: &Path, args: &InviteArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(file)
        .map_err(|e| Usage::error(format!("can't read the CSV file {}: {e}", file.display())))?;
    let rows = read_import(&bytes)?;
    if rows.is_empty() {
        return Err(Usage::error(format!(
            "{} has a header but no rows: nobody to invite",
            file.display()
        )));
    }
    let teams = opened.api.list_teams().await?;
    let results = check_rows(opened, &rows, &teams, !args.no_email).await?;
    let mut links = match &args.links {
        Some(path) if !args.dry_run => Some(LinkFile::create(path)?),
        _ => None,
    };
    let mut out = std::io::stdout().lock();
    let (mut done, mut refused) = (0usize, 0usize);
    let valid = results
        .iter()
        .filter(|r| matches!(r, RowResult::Valid(_)))
        .count();
    let progress = Progress::new(if args.dry_run { 0 } else { valid }, "inviting");
    for result in results {
        let (line, email, outcome) = match result {
            RowResult::Refused { line, email, why } => (line, email, Fate::Refused(why)),
            RowResult::Valid(checked) if args.dry_run => {
                let email = checked.new.email.clone();
                (checked.line, email, Fate::WouldInvite(checked.roles))
            }
            RowResult::Valid(checked) => {
                let email = checked.new.email.clone();
                let sent = send_invite(opened, checked.new).await;
                progress.advance(1);
                match sent {
                    Ok(issued) => (checked.line, email, Fate::Invited(Box::new(issued))),
                    Err(e) if is_per_user(&e) => {
                        let why = match Error::find_in(&e) {
                            Some(core) => Refused::from(core),
                            None => Refused::cli(format!("{e:#}")),
                        };
                        (checked.line, email, Fate::Refused(why))
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        progress.suspend(|| -> anyhow::Result<()> {
            match &outcome {
                Fate::Refused(_) => refused += 1,
                _ => done += 1,
            }
            row_line(&mut out, line, &email, &outcome, args, links.as_mut())?;
            out.flush()?;
            Ok(())
        })?;
    }
    drop(progress);
    if let Some(links) = links {
        links.finish()?;
    }
    let verb = if args.dry_run {
        "would be invited"
    } else {
        "invited"
    };
    eprintln!(
        "{done} {verb}, {refused} refused{} {}",
        if args.dry_run {
            " (dry run: nothing was changed)"
        } else {
            ""
        },
        opened.acting
    );
    all_done(refused, done + refused)
}

/// Checks every row before anything is invited.
async fn check_rows(
    opened: &Opened,
    rows: &[ImportRow],
    teams: &[Team],
    email_default: bool,
) -> anyhow::Result<Vec<RowResult>> {
    // Whether an email is taken: one pass over the workspace for the whole file.
    let inputs: Vec<String> = rows.iter().map(|r| r.email.clone()).collect();
    let existing = resolve::users_by_email(opened.api.as_ref(), &inputs).await?;
    let mut first_line: HashMap<Email, u64> = HashMap::new();
    let mut results = Vec::with_capacity(rows.len());
    for (row, existing) in rows.iter().zip(existing) {
        let checked = check_row(row, teams, email_default).and_then(|checked| {
            let email = Email::parse(&checked.new.email)?;
            if let Some(first) = first_line.get(&email) {
                return Err(Refused::cli(format!(
                    "{email} is already on line {first} of this file"
                )));
            }
            first_line.insert(email.clone(), row.line);
            if existing.is_ok() {
                return Err(Error::Refused(Refusal::DuplicateEmail {
                    email: email.to_string(),
                })
                .into());
            }
            Ok(checked)
        });
        results.push(match checked {
            Ok(c) => RowResult::Valid(c),
            Err(why) => RowResult::Refused {
                line: row.line,
                email: row.email.trim().to_string(),
                why,
            },
        });
    }
    Ok(results)
}

/// One row's own checks, with the core's parsers (so the messages are the core's).
fn check_row(row: &ImportRow, teams: &[Team], email_default: bool) -> Result<Checked, Refused> {
    let email = Email::parse(&row.email)?;
    PersonName::parse(&row.full_name)?;
    if !row.display_name.trim().is_empty() {
        PersonName::parse_display(&row.display_name)?;
    }
    let mut roles: Vec<Role> = Vec::new();
    for part in list(&row.roles) {
        let role = Role::parse(part)?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    let set = Roles::new(roles.iter().copied())?;
    let mut team_ids: Vec<TeamId> = Vec::new();
    for name in list(&row.teams) {
        let team = resolve::team_by_name(teams, name).map_err(|e| match Error::find_in(&e) {
            Some(core) => Refused::from(core),
            None => Refused::cli(e.to_string()),
        })?;
        team_ids.push(team.id);
    }
    let send_invite = match row.send_invite.trim().to_ascii_lowercase().as_str() {
        "" => email_default,
        "true" | "yes" | "y" | "1" => true,
        "false" | "no" | "n" | "0" => false,
        other => {
            return Err(Refused::cli(format!(
                "send_invite: \"{}\" is not true or false",
                safe(other)
            )));
        }
    };
    Ok(Checked {
        line: row.line,
        new: NewInvite {
            email: email.to_string(),
            full_name: row.full_name.clone(),
            display_name: Some(row.display_name.clone()).filter(|d| !d.trim().is_empty()),
            roles,
            teams: team_ids,
            send_invite,
        },
        roles: set,
    })
}

/// `line N: EMAIL: done` (with the link where no email went out), `would invite as …`, or
/// `refused: why`; as JSON, the API's shapes with the line number added.
fn row_line(
    out: &mut impl Write,
    line: u64,
    email: &str,
    fate: &Fate,
    args: &InviteArgs,
    links: Option<&mut LinkFile>,
) -> anyhow::Result<()> {
    let needs_delivery = |i: &Issued| !matches!(i.email, Some((EmailStatus::Sent, _)));
    let to_file = links.is_some();
    if let (Fate::Invited(issued), Some(links)) = (fate, links)
        && needs_delivery(issued)
    {
        links.add(issued)?;
    }
    if args.json {
        let mut value = match fate {
            Fate::Invited(issued) => {
                let mut v = issued_json(issued);
                if to_file {
                    v["link"] = serde_json::Value::Null;
                }
                v
            }
            Fate::WouldInvite(roles) => serde_json::json!({
                "email": email, "roles": roles, "outcome": "done", "dry_run": true,
            }),
            Fate::Refused(why) => serde_json::json!({
                "email": email,
                "outcome": "refused",
                "error": why.error,
                "message": why.message,
                "dry_run": args.dry_run,
            }),
        };
        value["line"] = line.into();
        writeln!(out, "{value}")?;
        return Ok(());
    }
    let who = safe(email);
    match fate {
        Fate::WouldInvite(roles) => writeln!(out, "line {line}: {who}: would invite as {roles}")?,
        Fate::Invited(issued) if !needs_delivery(issued) => {
            writeln!(out, "line {line}: {who}: done; the invite email was sent")?
        }
        Fate::Invited(_) if to_file => writeln!(
            out,
            "line {line}: {who}: done; link written to the links file"
        )?,
        Fate::Invited(issued) => writeln!(out, "line {line}: {who}: done; link: {}", issued.link)?,
        Fate::Refused(why) => writeln!(out, "line {line}: {who}: refused: {}", safe(&why.message))?,
    }
    Ok(())
}

/// `--links FILE`: `email,link` rows, readable by the owner only (each link lets someone in).
struct LinkFile {
    writer: csv::Writer<std::fs::File>,
}

impl LinkFile {
    fn create(path: &Path) -> anyhow::Result<LinkFile> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path).map_err(|e| {
            Usage::error(format!(
                "can't write the links file {}: {e}",
                path.display()
            ))
        })?;
        let mut writer = csv::Writer::from_writer(file);
        writer.write_record(["email", "link"])?;
        Ok(LinkFile { writer })
    }

    fn add(&mut self, issued: &Issued) -> anyhow::Result<()> {
        self.writer.write_record(
            [issued.issued.user.email.as_str(), issued.link.as_str()]
                .map(|c| escape_formula(c).into_owned()),
        )?;
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<()> {
        self.writer.flush()?;
        Ok(())
    }
}
