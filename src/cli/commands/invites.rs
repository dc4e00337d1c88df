//! Inviting, resending and cancelling invites, and deleting users. An invite's one-time link
//! is printed because the admin asked for it; no other secret ever is.

use super::args::{BulkArgs, EmailArgs};
use super::bulk::{Answer, Report};
use super::progress::Progress;
use super::{InviteLinks, Opened, Refusal, is_per_user, resolve};
use crate::api::{EmailStatus, invite_link};
use crate::domain::{UserId, UserStatus};
use crate::service::{InviteChange, OutcomeResult};
use crate::service::{InviteIssued, NewInvite};
use crate::text::safe;
use clap::Args;
use std::io::Write;

#[derive(Debug, Clone, Args)]
pub struct InviteArgs {
    /// The invitee's email.
    // Its own id: `email` is the global sign-in flag, and clap shares values by id.
    #[arg(id = "invitee", value_name = "EMAIL", required_unless_present = "csv")]
    pub email: Option<String>,
    /// The invitee's full name.
    #[arg(long, required_unless_present = "csv")]
    pub name: Option<String>,
    /// How the name is shown (default: the full name).
    #[arg(long)]
    pub display_name: Option<String>,
    /// Roles: owner, admin, supervisor, agent; repeat or separate with commas (default agent).
    #[arg(long = "role", value_name = "ROLE", value_parser = super::args::role_list)]
    pub roles: Vec<super::args::RoleList>,
    /// A team to join; repeat for several.
    #[arg(long = "team", value_name = "NAME")]
    pub teams: Vec<String>,
    /// Invite everyone in a CSV file (columns email, full_name, display_name, roles, teams,
    /// send_invite; a header row first). Each refused row is reported by its line number.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["invitee", "name", "display_name", "roles", "teams"])]
    pub csv: Option<std::path::PathBuf>,
    /// With --csv: check every row and report what would happen, inviting nobody.
    #[arg(long, requires = "csv")]
    pub dry_run: bool,
    /// With --csv: write the links of invites sent without email to FILE (email,link CSV)
    /// instead of printing them.
    #[arg(long, value_name = "FILE", requires = "csv")]
    pub links: Option<std::path::PathBuf>,
    /// Don't ask the server to email the link (offline, no email is ever sent).
    #[arg(long)]
    pub no_email: bool,
    /// A JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A link as issued, with what happened to the email when a server was asked to send one.
pub(super) struct Issued {
    pub issued: InviteIssued,
    pub link: String,
    pub email: Option<(EmailStatus, Option<String>)>,
}

pub async fn invite(opened: &Opened, args: &InviteArgs) -> anyhow::Result<()> {
    if let Some(file) = &args.csv {
        return super::import::invite_csv(opened, file, args).await;
    }
    let (Some(email), Some(name)) = (&args.email, &args.name) else {
        return Err(super::Usage::error(
            "invite needs an EMAIL and --name, or --csv FILE",
        ));
    };
    let mut roles: Vec<crate::domain::Role> = Vec::new();
    for r in args.roles.iter().flat_map(|l| &l.0) {
        if !roles.contains(r) {
            roles.push(*r);
        }
    }
    if args.roles.is_empty() {
        roles.push(crate::domain::Role::Agent);
    }
    let mut teams = Vec::new();
    if !args.teams.is_empty() {
        let all = opened.api.list_teams().await?;
        for name in &args.teams {
            teams.push(resolve::team_by_name(&all, name)?.id);
        }
    }
    let new = NewInvite {
        email: email.clone(),
        full_name: name.clone(),
        display_name: args.display_name.clone(),
        roles,
        teams,
        send_invite: !args.no_email,
    };
    let issued = send_invite(opened, new).await?;
    print_issued(&mut std::io::stdout().lock(), &issued, args.json, "invited")?;
    eprintln!("done {}", opened.acting);
    Ok(())
}

/// Invites through the core (offline) or the server, with the link either way.
pub(super) async fn send_invite(opened: &Opened, new: NewInvite) -> anyhow::Result<Issued> {
    Ok(match &opened.links {
        InviteLinks::Local { public_url } => {
            let issued = opened.api.invite(new).await?;
            Issued {
                link: invite_link(public_url, &issued.token),
                issued,
                email: None,
            }
        }
        InviteLinks::Server(client) => from_server(client.invite_with_delivery(new).await?)?,
    })
}

pub(super) fn from_server(r: crate::api::InviteIssuedResponse) -> anyhow::Result<Issued> {
    let token = r
        .link
        .split_once("token=")
        .and_then(|(_, t)| crate::domain::Token::parse(t).ok())
        .ok_or_else(|| Refusal::error("the server's answer has an invite link without a token"))?;
    Ok(Issued {
        issued: InviteIssued {
            user: r.user,
            invite: r.invite,
            token,
        },
        link: r.link,
        email: Some((r.email, r.email_error)),
    })
}

/// The invite as the API answers it (`InviteIssuedResponse`), with `"outcome": "done"` like
/// every other per-user line.
pub(super) fn issued_json(i: &Issued) -> serde_json::Value {
    let (email, email_error) = match &i.email {
        Some((status, why)) => (*status, why.clone()),
        None => (EmailStatus::NotRequested, None),
    };
    let wire = crate::api::InviteIssuedResponse {
        user: i.issued.user.clone(),
        invite: i.issued.invite.clone(),
        link: i.link.clone(),
        email,
        email_error,
    };
    let mut value = serde_json::to_value(&wire).unwrap_or_default();
    value["outcome"] = "done".into();
    value
}

pub(super) fn print_issued(
    out: &mut impl Write,
    i: &Issued,
    json: bool,
    verb: &str,
) -> anyhow::Result<()> {
    let user = &i.issued.user;
    let email_note = match &i.email {
        None => "no email sent (offline): deliver the link yourself".to_string(),
        Some((EmailStatus::NotRequested, _)) => "no email sent: deliver the link yourself".into(),
        Some((EmailStatus::Sent, _)) => "the invite email was sent".into(),
        Some((EmailStatus::Failed, why)) => format!(
            "the invite email could not be sent ({}); deliver the link yourself or resend later",
            safe(why.as_deref().unwrap_or("no reason given"))
        ),
    };
    if json {
        writeln!(out, "{}", issued_json(i))?;
    } else {
        writeln!(
            out,
            "{} {verb} as {}; the link works once and expires {}; {}",
            safe(user.email.as_str()),
            user.roles,
            i.issued.invite.expires_at.date(),
            email_note
        )?;
        writeln!(out, "{}", i.link)?;
    }
    Ok(())
}

pub async fn resend(opened: &Opened, args: &BulkArgs) -> anyhow::Result<()> {
    if args.dry_run {
        return super::bulk::preview_invites(opened, args, InviteChange::Resend).await;
    }
    per_user(opened, &args.users, async |input, out, json| {
        let user = resolve::user_by_email(opened.api.as_ref(), input).await?;
        let issued = match &opened.links {
            InviteLinks::Local { public_url } => {
                let issued = opened.api.resend_invite(user.id).await?;
                Issued {
                    link: invite_link(public_url, &issued.token),
                    issued,
                    email: None,
                }
            }
            InviteLinks::Server(client) => {
                from_server(client.resend_with_delivery(user.id).await?)?
            }
        };
        print_issued(out, &issued, json, "resent")?;
        Ok(None)
    })
    .await
}

pub async fn cancel(opened: &Opened, args: &BulkArgs) -> anyhow::Result<()> {
    if args.dry_run {
        return super::bulk::preview_invites(opened, args, InviteChange::Cancel).await;
    }
    per_user(opened, &args.users, async |input, _, _| {
        let user = resolve::user_by_email(opened.api.as_ref(), input).await?;
        opened.api.cancel_invite(user.id).await?;
        Ok(Some((user.id, user.email.to_string())))
    })
    .await
}

pub async fn delete(opened: &Opened, email: &str, yes: bool) -> anyhow::Result<()> {
    if !yes {
        return Err(Refusal::error(format!(
            "not deleting {}: deletion is permanent and erases the user's history (only a record that a user id was deleted remains); deactivate instead to keep it, or run again with --yes",
            safe(email.trim())
        )));
    }
    let user = resolve::user_by_email(opened.api.as_ref(), email).await?;
    opened.api.delete_user(user.id).await?;
    let what = if user.status == UserStatus::Invited {
        "deleted (with their pending invite)"
    } else {
        "deleted"
    };
    println!("{}: {what}", safe(user.email.as_str()));
    Ok(())
}

/// Runs one action per email; an action prints its own success, or hands back the user to
/// print as "done". A refusal is printed on its user's line and the others go on.
async fn per_user(
    opened: &Opened,
    args: &EmailArgs,
    action: impl AsyncFn(
        &str,
        &mut std::io::StdoutLock<'static>,
        bool,
    ) -> anyhow::Result<Option<(UserId, String)>>,
) -> anyhow::Result<()> {
    let emails = args.all()?;
    let mut report = Report::new(args.json, false, String::new(), &opened.acting);
    let progress = Progress::new(emails.len(), "working");
    for input in &emails {
        let mut out = std::io::stdout().lock();
        let result = action(input, &mut out, args.json).await;
        progress.suspend(|| -> anyhow::Result<()> {
            match result {
                Ok(None) => report.done += 1,
                Ok(Some((id, email))) => {
                    let answer = Answer {
                        id: Some(id),
                        email,
                        result: OutcomeResult::Done,
                    };
                    report.line(&mut out, &answer, None)?;
                }
                Err(e) if is_per_user(&e) => {
                    let message = format!("{e:#}");
                    report.line(&mut out, &Answer::refused(input, &e), Some(&message))?;
                }
                Err(e) => return Err(e),
            }
            out.flush()?;
            Ok(())
        })?;
        progress.advance(1);
    }
    drop(progress);
    report.finish()
}
