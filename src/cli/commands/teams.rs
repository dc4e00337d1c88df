//! `teams`: list them with member counts, create, rename and delete (with `--yes`).

use super::args::TeamsCommand;
use super::{Opened, Refusal, resolve};
use crate::present::words::count;
use crate::text::safe;
use std::io::Write;

pub async fn teams(
    opened: &Opened,
    command: Option<&TeamsCommand>,
    json: bool,
) -> anyhow::Result<()> {
    let api = opened.api.as_ref();
    match command {
        None => {
            let mut teams = api.list_teams().await?;
            teams.sort_by_key(|t| t.name.folded());
            let mut out = std::io::stdout().lock();
            for t in &teams {
                if json {
                    let value = serde_json::json!({
                        "id": t.id,
                        "name": t.name,
                        "members": t.member_count,
                    });
                    writeln!(out, "{value}")?;
                } else {
                    writeln!(
                        out,
                        "{:<32} {:>6} members",
                        safe(t.name.as_str()),
                        t.member_count
                    )?;
                }
            }
        }
        Some(TeamsCommand::Create { name }) => {
            let team = api.create_team(name.clone()).await?;
            println!("team \"{}\" created", safe(team.name.as_str()));
        }
        Some(TeamsCommand::Rename { old, new }) => {
            let team = resolve::team(api, old).await?;
            let renamed = api.rename_team(team.id, new.clone()).await?;
            println!(
                "team \"{}\" renamed to \"{}\"",
                safe(team.name.as_str()),
                safe(renamed.name.as_str())
            );
        }
        Some(TeamsCommand::Delete { name, yes }) => {
            let team = resolve::team(api, name).await?;
            if !yes {
                return Err(Refusal::error(format!(
                    "not deleting team \"{}\": it would be removed from its {}; run again with --yes",
                    safe(team.name.as_str()),
                    count(team.member_count, "member", "members")
                )));
            }
            api.delete_team(team.id).await?;
            println!(
                "team \"{}\" deleted; it was removed from {}",
                safe(team.name.as_str()),
                count(team.member_count, "member", "members")
            );
        }
    }
    Ok(())
}
