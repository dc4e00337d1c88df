//! From what an admin types to ids: emails (parsed by the core, so matched ignoring case and
//! surrounding spaces) and team names (compared as the core compares them, ignoring case).

use super::Refusal;
use crate::domain::{Email, Team, TeamName, User};
use crate::service::{AdminApi, MAX_PAGE, UserQuery};

/// The user with this email. The search narrows the listing to the few users whose text
/// contains the address, so this does not read the whole workspace.
pub async fn user_by_email(api: &dyn AdminApi, input: &str) -> anyhow::Result<User> {
    let email = Email::parse(input)?;
    let mut after = None;
    loop {
        let page = api
            .list_users(UserQuery {
                status: None,
                q: Some(email.as_str().to_string()),
                limit: Some(MAX_PAGE),
                after,
            })
            .await?;
        if let Some(user) = page.items.iter().find(|u| u.email == email) {
            return Ok(user.clone());
        }
        let next = page.next.and_then(|n| n.parse().ok());
        match next {
            // A cursor that does not move on would page forever.
            Some(next) if after.is_none_or(|a| a < next) => after = Some(next),
            _ => break,
        }
    }
    Err(no_such_user(&email))
}

/// Above this many emails, one pass over every user beats a search per email.
const SEARCH_EACH_UP_TO: usize = 8;

/// The users these emails name, each on its own: a malformed or unknown email is that
/// entry's error. A failure to read (the store, the connection) fails the whole call.
pub async fn users_by_email(
    api: &dyn AdminApi,
    inputs: &[String],
) -> anyhow::Result<Vec<anyhow::Result<User>>> {
    if inputs.len() <= SEARCH_EACH_UP_TO {
        let mut found = Vec::with_capacity(inputs.len());
        for input in inputs {
            match user_by_email(api, input).await {
                Err(e) if !super::is_per_user(&e) => return Err(e),
                r => found.push(r),
            }
        }
        return Ok(found);
    }
    let mut by_email = std::collections::HashMap::new();
    let mut after = None;
    loop {
        let page = api
            .list_users(UserQuery {
                limit: Some(MAX_PAGE),
                after,
                ..UserQuery::default()
            })
            .await?;
        by_email.extend(page.items.into_iter().map(|u| (u.email.clone(), u)));
        match page.next.and_then(|n| n.parse().ok()) {
            Some(next) if after.is_none_or(|a| a < next) => after = Some(next),
            _ => break,
        }
    }
    Ok(inputs
        .iter()
        .map(|input| {
            let email = Email::parse(input)?;
            by_email
                .get(&email)
                .cloned()
                .ok_or_else(|| no_such_user(&email))
        })
        .collect())
}

fn no_such_user(email: &Email) -> anyhow::Error {
    Refusal::error(format!(
        "no user with the email {email} in this workspace: check the spelling, or look with `atender-admin users --filter {email}`"
    ))
}

/// The team with this name, ignoring case.
pub fn team_by_name(teams: &[Team], input: &str) -> anyhow::Result<Team> {
    let name = TeamName::parse(input)?;
    teams
        .iter()
        .find(|t| t.name.folded() == name.folded())
        .cloned()
        .ok_or_else(|| {
            Refusal::error(format!(
                "no team named \"{name}\" in this workspace: `atender-admin teams` lists them"
            ))
        })
}

pub async fn team(api: &dyn AdminApi, input: &str) -> anyhow::Result<Team> {
    team_by_name(&api.list_teams().await?, input)
}
