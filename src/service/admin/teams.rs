//! Teams: listing, creating, renaming and deleting them (deleting removes them from members).

use super::*;
use crate::domain::Refusal;

pub(super) async fn list_teams<S: Store>(admin: &LocalAdmin<S>) -> Result<Vec<Team>> {
    let ws = admin.ws;
    admin.read(move |store, _| store.teams(ws)).await
}

/// Refuses a name that looks like another team's (its confusable skeleton, `TeamName::look`).
/// Read before the transaction, which can't list teams: two lookalikes created at the same
/// instant could both pass (an exact duplicate can't: the name index is read inside).
async fn refuse_lookalike<S: Store>(
    admin: &LocalAdmin<S>,
    name: &TeamName,
    except: Option<TeamId>,
) -> Result<()> {
    let look = name.look();
    let teams = list_teams(admin).await?;
    match teams
        .iter()
        .find(|t| Some(t.id) != except && t.name.look() == look)
    {
        Some(other) => Err(Error::Refused(Refusal::DuplicateTeam {
            name: other.name.to_string(),
        })),
        None => Ok(()),
    }
}

pub(super) async fn create_team<S: Store>(admin: &LocalAdmin<S>, name: String) -> Result<Team> {
    let name = TeamName::parse(&name)?;
    refuse_lookalike(admin, &name, None).await?;
    admin
        .commit(move |tx, ctx| {
            let actor = ctx.manager(tx)?;
            if tx.team_id_by_name(ctx.ws, &name.folded())?.is_some() {
                return Err(Error::Refused(Refusal::DuplicateTeam {
                    name: name.to_string(),
                }));
            }
            let team = Team {
                id: TeamId::new(),
                workspace: ctx.ws,
                name: name.clone(),
                member_count: 0,
                created_at: ctx.now,
            };
            tx.put_team(&team)?;
            ctx.audit(
                tx,
                &actor,
                AuditAction::TeamCreated,
                AuditTarget::Team(team.id),
                team.name.as_str(),
                String::new(),
            )?;
            Ok(team)
        })
        .await
}

pub(super) async fn rename_team<S: Store>(
    admin: &LocalAdmin<S>,
    id: TeamId,
    name: String,
) -> Result<Team> {
    let name = TeamName::parse(&name)?;
    refuse_lookalike(admin, &name, Some(id)).await?;
    admin
        .commit(move |tx, ctx| {
            let actor = ctx.manager(tx)?;
            let mut team = ops::team(tx, ctx.ws, id)?;
            if let Some(other) = tx.team_id_by_name(ctx.ws, &name.folded())?
                && other != id
            {
                return Err(Error::Refused(Refusal::DuplicateTeam {
                    name: name.to_string(),
                }));
            }
            let detail = format!("{} → {}", team.name, name);
            team.name = name.clone();
            tx.put_team(&team)?;
            ctx.audit(
                tx,
                &actor,
                AuditAction::TeamRenamed,
                AuditTarget::Team(id),
                team.name.as_str(),
                detail,
            )?;
            Ok(team)
        })
        .await
}

pub(super) async fn delete_team<S: Store>(admin: &LocalAdmin<S>, id: TeamId) -> Result<()> {
    let ws = admin.ws;
    admin
        .as_actor(move |inner, ctx| {
            // Transactions can't scan: find the members first, then check inside the
            // transaction that the team's member count still agrees, and retry if it moved.
            for _ in 0..10 {
                let members: Vec<UserId> = inner
                    .store
                    .users(ws)?
                    .into_iter()
                    .filter(|u| u.teams.contains(&id))
                    .map(|u| u.id)
                    .collect();
                let r = inner.store.transact(TxMode::Commit, &|tx| {
                    let actor = ctx.manager(tx)?;
                    let team = ops::team(tx, ws, id)?;
                    let mut holding = Vec::new();
                    for &m in &members {
                        if let Some(u) = tx.user(ws, m)?
                            && u.teams.contains(&id)
                        {
                            holding.push(u);
                        }
                    }
                    if holding.len() as u64 != team.member_count {
                        return Ok(false);
                    }
                    for mut u in holding {
                        u.teams.remove(&id);
                        u.touch(ctx.now);
                        tx.put_user(&u)?;
                    }
                    tx.remove_team(ws, id)?;
                    let detail = format!(
                        "removed from {}",
                        crate::present::words::count(team.member_count, "member", "members")
                    );
                    ctx.audit(
                        tx,
                        &actor,
                        AuditAction::TeamDeleted,
                        AuditTarget::Team(id),
                        team.name.as_str(),
                        detail,
                    )?;
                    Ok(true)
                })?;
                if r {
                    return inner.store.flush();
                }
            }
            Err(Error::contention("the team's members"))
        })
        .await
}
