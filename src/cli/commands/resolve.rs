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
    Err(Refusal::error(format!(
        "no user with the email {} in this workspace: check the spelling, or look with `atender-admin users --filter {}`",
        email, email
    )))
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
