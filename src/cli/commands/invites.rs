//! Inviting, resending and cancelling invites, and deleting users. An invite's one-time link
//! is printed because the admin asked for it; no other secret ever is.

use super::{InviteLinks, Opened, Refusal, all_done, is_per_user, resolve};
use crate::api::{EmailStatus, invite_link};
use crate::domain::UserStatus;
use crate::service::{InviteIssued, NewInvite};
use crate::text::safe;
use clap::Args;
use std::io::Write;

#[derive(Debug, Clone, Args)]
pub struct InviteArgs {
    /// The invitee's email.
    // Its own id: `email` is the global sign-in flag, and clap shares values by id.
    #[arg(id = "invitee", value_name = "EMAIL")]
    pub email: String,
    /// The invitee's full name.
    #[arg(long)]
    pub name: String,
    /// How the name is shown (default: the full name).
    #[arg(long)]
    pub display_name: Option<String>,
    /// Roles: owner, admin, supervisor, agent; repeat or separate with commas (default agent).
    #[arg(long = "role", value_name = "ROLE")]
    pub roles: Vec<String>,
    /// A team to join; repeat for several.
    #[arg(long = "team", value_name = "NAME")]
    pub teams: Vec<String>,
    /// Don't ask the server to email the link (offline, no email is ever sent).
    #[arg(long)]
    pub no_email: bool,
    /// A JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A link as issued, with what happened to the email when a server was asked to send one.
struct Issued {
    issued: InviteIssued,
    link: String,
    email: Option<(EmailStatus, Option<String>)>,
}

pub async fn invite(opened: &Opened, args: &InviteArgs) -> anyhow::Result<()> {
    let mut roles = super::args::parse_roles(&args.roles)?;
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
        email: args.email.clone(),
        full_name: args.name.clone(),
        display_name: args.display_name.clone(),
        roles,
        teams,
        send_invite: !args.no_email,
    };
    let issued = match &opened.links {
        InviteLinks::Local { public_url } => {
            let issued = opened.api.invite(new).await?;
            Issued {
                link: invite_link(public_url, &issued.token),
                issued,
                email: None,
            }
        }
        InviteLinks::Server(client) => {
            let r = client.invite_with_delivery(new).await?;
            from_server(r)?
        }
    };
    print_issued(&issued, args.json, "invited")
}

fn from_server(r: crate::api::InviteIssuedResponse) -> anyhow::Result<Issued> {
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

fn print_issued(i: &Issued, json: bool, verb: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
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
        let value = serde_json::json!({
            "email": user.email,
            "id": user.id,
            "roles": user.roles.to_string(),
            "link": i.link,
            "expires_at": i.issued.invite.expires_at
                .format(&time::format_description::well_known::Rfc3339)
                .ok(),
            "email_sent": matches!(i.email, Some((EmailStatus::Sent, _))),
        });
        writeln!(out, "{value}")?;
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

pub async fn resend(opened: &Opened, emails: &[String], json: bool) -> anyhow::Result<()> {
    per_user(emails, json, async |input| {
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
        print_issued(&issued, json, "resent")?;
        Ok(None)
    })
    .await
}

pub async fn cancel(opened: &Opened, emails: &[String], json: bool) -> anyhow::Result<()> {
    per_user(emails, json, async |input| {
        let user = resolve::user_by_email(opened.api.as_ref(), input).await?;
        opened.api.cancel_invite(user.id).await?;
        Ok(Some(user.email.to_string()))
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

/// Runs one action per email; an action prints its own success unless it hands back a name
/// to print as "done". A refusal is printed on its user's line and the others go on.
async fn per_user(
    emails: &[String],
    json: bool,
    action: impl AsyncFn(&str) -> anyhow::Result<Option<String>>,
) -> anyhow::Result<()> {
    let mut refused = 0;
    for input in emails {
        let result = action(input).await;
        let mut out = std::io::stdout().lock();
        match result {
            Ok(None) => {}
            Ok(Some(email)) if json => writeln!(
                out,
                "{}",
                serde_json::json!({"email": email, "outcome": "done"})
            )?,
            Ok(Some(email)) => writeln!(out, "{}: done", safe(&email))?,
            Err(e) if is_per_user(&e) => {
                refused += 1;
                let message = format!("{e:#}");
                if json {
                    let code = e
                        .downcast_ref::<crate::domain::Error>()
                        .map_or("not_found", |c| c.code());
                    let value = serde_json::json!({
                        "email": input.trim(),
                        "outcome": "refused",
                        "code": code,
                        "message": message,
                    });
                    writeln!(out, "{value}")?;
                } else {
                    writeln!(out, "{}: refused: {}", safe(input.trim()), safe(&message))?;
                }
            }
            Err(e) => return Err(e),
        }
    }
    all_done(refused, emails.len())
}
