//! Transferring the Owner role from the acting Owner to another active user, in one
//! transaction.

use super::*;

pub(super) async fn transfer_ownership<S: Store>(
    admin: &LocalAdmin<S>,
    to: UserId,
) -> Result<OwnershipTransferred> {
    admin
        .commit(move |tx, ctx| {
            let mut actor = ctx.actor(tx)?;
            let mut target = ops::user(tx, ctx.ws, to)?;
            let (actor_roles, target_roles) = rules::transfer_ownership(&actor, &target)?;
            // Target first: granting before removing keeps an Owner at every step.
            let target_detail = format!(
                "{} → {} (ownership transferred)",
                target.roles, target_roles
            );
            target.roles = target_roles;
            target.touch(ctx.now);
            tx.put_user(&target)?;
            ctx.audit_user(
                tx,
                &actor,
                AuditAction::RolesChanged,
                &target,
                target_detail,
            )?;
            let actor_detail = format!(
                "{} → {} (ownership transferred to {})",
                actor.roles, actor_roles, target.email
            );
            actor.roles = actor_roles;
            actor.touch(ctx.now);
            tx.put_user(&actor)?;
            let acting = actor.clone();
            ctx.audit_user(tx, &acting, AuditAction::RolesChanged, &actor, actor_detail)?;
            Ok(OwnershipTransferred {
                previous_owner: actor,
                owner: target,
            })
        })
        .await
}
