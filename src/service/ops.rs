//! The changes themselves, each run inside one store transaction: read what the rule needs,
//! check the rule, write, and record the audit event. A refusal aborts the transaction, so
//! nothing half-done is ever kept.

use super::types::BulkChange;
use crate::domain::rules;
use crate::domain::{
    AuditAction, AuditEvent, AuditTarget, Entity, EventId, Roles, Team, TeamId, User, UserId,
    UserStatus, WorkspaceId,
};
use crate::domain::{Field, Refusal};
use crate::store::Tx;
use crate::{Error, Result};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// Who is acting, where, and when.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    pub ws: WorkspaceId,
    pub actor: UserId,
    pub now: OffsetDateTime,
}

impl Ctx {
    /// The acting user as the store has them now (they may have been deactivated meanwhile).
    pub fn actor(&self, tx: &dyn Tx) -> Result<User> {
        tx.user(self.ws, self.actor)?
            .ok_or(Error::Refused(Refusal::Unauthenticated))
    }

    /// The acting user, who must be an active Owner or Admin.
    pub fn manager(&self, tx: &dyn Tx) -> Result<User> {
        let actor = self.actor(tx)?;
        rules::require_manager(&actor)?;
        Ok(actor)
    }

    pub fn audit(
        &self,
        tx: &dyn Tx,
        actor: &User,
        action: AuditAction,
        target: AuditTarget,
        target_label: &str,
        detail: String,
    ) -> Result<()> {
        tx.append_audit(&AuditEvent {
            id: EventId::new(),
            workspace: self.ws,
            at: self.now,
            actor: Some(actor.id),
            actor_label: actor.email.to_string(),
            action,
            target,
            target_label: target_label.into(),
            detail,
        })
    }

    pub fn audit_user(
        &self,
        tx: &dyn Tx,
        actor: &User,
        action: AuditAction,
        target: &User,
        detail: String,
    ) -> Result<()> {
        self.audit(
            tx,
            actor,
            action,
            AuditTarget::User(target.id),
            target.email.as_str(),
            detail,
        )
    }
}

pub(crate) fn user(tx: &dyn Tx, ws: WorkspaceId, id: UserId) -> Result<User> {
    tx.user(ws, id)?
        .ok_or_else(|| Error::not_found(Entity::User, id))
}

pub(crate) fn team(tx: &dyn Tx, ws: WorkspaceId, id: TeamId) -> Result<Team> {
    tx.team(ws, id)?
        .ok_or_else(|| Error::not_found(Entity::Team, id))
}

/// Applies one bulk change to one user; `Ok(false)` when the user already was as asked.
pub(crate) fn apply_bulk(tx: &dyn Tx, ctx: &Ctx, change: &BulkChange, id: UserId) -> Result<bool> {
    match change {
        BulkChange::Deactivate => deactivate(tx, ctx, id),
        BulkChange::Reactivate => reactivate(tx, ctx, id),
        BulkChange::SetRoles { roles } => {
            set_roles(tx, ctx, id, Roles::new(roles.iter().copied())?)
        }
        BulkChange::ChangeRoles { add, remove } => {
            let now = user(tx, ctx.ws, id)?.roles;
            let roles = now
                .iter()
                .chain(add.iter().copied())
                .filter(|r| !remove.contains(r));
            let roles = Roles::new(roles).map_err(|_| {
                Refusal::invalid(
                    Field::Roles,
                    format!(
                        "removing {} would leave them with no role: add one instead",
                        now
                    ),
                )
            })?;
            set_roles(tx, ctx, id, roles)
        }
        BulkChange::AddTeam { team } => set_team(tx, ctx, id, *team, true),
        BulkChange::RemoveTeam { team } => set_team(tx, ctx, id, *team, false),
        BulkChange::SetBeta { beta } => set_beta(tx, ctx, id, *beta),
    }
}

pub(crate) fn deactivate(tx: &dyn Tx, ctx: &Ctx, id: UserId) -> Result<bool> {
    let actor = ctx.actor(tx)?;
    let mut target = user(tx, ctx.ws, id)?;
    if !rules::check_deactivate(&actor, &target, &tx.active_owners(ctx.ws)?)? {
        return Ok(false);
    }
    target.status = UserStatus::Inactive;
    target.deactivated_at = Some(ctx.now);
    target.deactivated_by = Some(actor.id);
    // Ends every session now, and keeps them ended after a later reactivation.
    target.session_epoch += 1;
    target.touch(ctx.now);
    tx.put_user(&target)?;
    ctx.audit_user(
        tx,
        &actor,
        AuditAction::UserDeactivated,
        &target,
        String::new(),
    )?;
    Ok(true)
}

pub(crate) fn reactivate(tx: &dyn Tx, ctx: &Ctx, id: UserId) -> Result<bool> {
    let actor = ctx.actor(tx)?;
    let mut target = user(tx, ctx.ws, id)?;
    if !rules::check_reactivate(&actor, &target)? {
        return Ok(false);
    }
    target.status = UserStatus::Active;
    target.touch(ctx.now);
    tx.put_user(&target)?;
    ctx.audit_user(
        tx,
        &actor,
        AuditAction::UserReactivated,
        &target,
        String::new(),
    )?;
    Ok(true)
}

pub(crate) fn set_roles(tx: &dyn Tx, ctx: &Ctx, id: UserId, roles: Roles) -> Result<bool> {
    let actor = ctx.actor(tx)?;
    let mut target = user(tx, ctx.ws, id)?;
    rules::check_set_roles(&actor, &target, roles, &tx.active_owners(ctx.ws)?)?;
    if target.roles == roles {
        return Ok(false);
    }
    let detail = format!("{} → {}", target.roles, roles);
    target.roles = roles;
    target.touch(ctx.now);
    tx.put_user(&target)?;
    ctx.audit_user(tx, &actor, AuditAction::RolesChanged, &target, detail)?;
    Ok(true)
}

/// Adds or removes one team membership, keeping the team's member count.
fn change_membership(
    tx: &dyn Tx,
    ctx: &Ctx,
    target: &mut User,
    team_id: TeamId,
    member: bool,
) -> Result<Option<Team>> {
    let mut team = team(tx, ctx.ws, team_id)?;
    let changed = if member {
        target.teams.insert(team_id)
    } else {
        target.teams.remove(&team_id)
    };
    if !changed {
        return Ok(None);
    }
    team.member_count = if member {
        team.member_count + 1
    } else {
        team.member_count.saturating_sub(1)
    };
    tx.put_team(&team)?;
    Ok(Some(team))
}

pub(crate) fn set_team(
    tx: &dyn Tx,
    ctx: &Ctx,
    id: UserId,
    team_id: TeamId,
    member: bool,
) -> Result<bool> {
    let actor = ctx.actor(tx)?;
    rules::check_edit(&actor)?;
    let mut target = user(tx, ctx.ws, id)?;
    let Some(team) = change_membership(tx, ctx, &mut target, team_id, member)? else {
        return Ok(false);
    };
    target.touch(ctx.now);
    tx.put_user(&target)?;
    let detail = format!(
        "{} {}",
        if member { "added to" } else { "removed from" },
        team.name
    );
    ctx.audit_user(tx, &actor, AuditAction::TeamsChanged, &target, detail)?;
    Ok(true)
}

/// Replaces a user's teams with `wanted`, returning a description of the change (empty if none).
pub(crate) fn replace_teams(
    tx: &dyn Tx,
    ctx: &Ctx,
    target: &mut User,
    wanted: &BTreeSet<TeamId>,
) -> Result<String> {
    let current = target.teams.clone();
    let mut parts = Vec::new();
    for id in current.iter().filter(|id| !wanted.contains(id)) {
        if let Some(team) = change_membership(tx, ctx, target, *id, false)? {
            parts.push(format!("-{}", team.name));
        }
    }
    for id in wanted.iter().filter(|id| !current.contains(id)) {
        if let Some(team) = change_membership(tx, ctx, target, *id, true)? {
            parts.push(format!("+{}", team.name));
        }
    }
    Ok(parts.join(" "))
}

pub(crate) fn set_beta(tx: &dyn Tx, ctx: &Ctx, id: UserId, beta: bool) -> Result<bool> {
    let actor = ctx.actor(tx)?;
    rules::check_edit(&actor)?;
    let mut target = user(tx, ctx.ws, id)?;
    if target.beta == beta {
        return Ok(false);
    }
    target.beta = beta;
    target.touch(ctx.now);
    tx.put_user(&target)?;
    let detail = if beta { "on" } else { "off" }.to_string();
    ctx.audit_user(tx, &actor, AuditAction::BetaChanged, &target, detail)?;
    Ok(true)
}
