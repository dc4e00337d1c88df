//! Invites: issuing, resending, previewing and cancelling them, and listing the pending ones.
//! Accepting an invite needs no admin and lives in `Core`.

use super::*;
use crate::domain::Refusal;

pub(super) async fn list_invites<S: Store>(admin: &LocalAdmin<S>) -> Result<Vec<(User, Invite)>> {
    let ws = admin.ws;
    admin
        .read(move |store, _| {
            // Pending invites are those of the Invited users: read through the status range.
            let mut out = Vec::new();
            store.scan_users(ws, Some(UserStatus::Invited), None, &mut |u| {
                if let Some(invite) = store.invite_of(ws, u.id)?.filter(Invite::is_pending) {
                    out.push((u, invite));
                }
                Ok(true)
            })?;
            Ok(out)
        })
        .await
}

pub(super) async fn invite<S: Store>(
    admin: &LocalAdmin<S>,
    new: NewInvite,
) -> Result<InviteIssued> {
    let mut errors = FieldErrors::default();
    let email = errors.take(Email::parse(&new.email));
    let full_name = errors.take(PersonName::parse(&new.full_name));
    let display = full_name
        .as_ref()
        .and_then(|f| errors.take(display_name_or(f, new.display_name.as_deref())));
    let roles = errors.take(parse_roles(&new.roles));
    errors.finish()?;
    let (Some(email), Some(full_name), Some(display_name), Some(roles)) =
        (email, full_name, display, roles)
    else {
        return Err(Error::internal("form parsing lost a field"));
    };
    let teams: BTreeSet<TeamId> = new.teams.iter().copied().collect();
    let token = Token::generate()?;
    let lifetime = admin.core.config().invite_lifetime;
    let send = new.send_invite;
    admin
        .commit(move |tx, ctx| {
            let actor = ctx.actor(tx)?;
            rules::check_invite(&actor, roles)?;
            if tx.user_id_by_email(ctx.ws, &email)?.is_some() {
                return Err(Error::Refused(Refusal::DuplicateEmail {
                    email: email.to_string(),
                }));
            }
            let mut user = User::new_invited(
                ctx.ws,
                email.clone(),
                full_name.clone(),
                display_name.clone(),
                roles,
                Some(actor.id),
                ctx.now,
            );
            let team_change = ops::replace_teams(tx, ctx, &mut user, &teams)?;
            tx.put_user(&user)?;
            let invite = issue(ctx, &user, &actor, &token, lifetime, None, send);
            tx.put_invite(&invite)?;
            let mut detail = format!("as {roles}");
            if !team_change.is_empty() {
                detail.push_str(&format!("; teams {team_change}"));
            }
            ctx.audit_user(tx, &actor, AuditAction::UserInvited, &user, detail)?;
            Ok(InviteIssued {
                user,
                invite,
                token: token.clone(),
            })
        })
        .await
}

pub(super) async fn resend_invite<S: Store>(
    admin: &LocalAdmin<S>,
    id: UserId,
) -> Result<InviteIssued> {
    let token = Token::generate()?;
    let lifetime = admin.core.config().invite_lifetime;
    admin
        .commit(move |tx, ctx| {
            let actor = ctx.actor(tx)?;
            let user = ops::user(tx, ctx.ws, id)?;
            rules::check_invite_change(&actor, &user, "resend")?;
            let previous = tx
                .invite(ctx.ws, id)?
                .ok_or_else(|| Error::not_found(Entity::Invite, id))?;
            let invite = issue(
                ctx,
                &user,
                &actor,
                &token,
                lifetime,
                Some(&previous),
                previous.send_requested,
            );
            tx.put_invite(&invite)?;
            let detail = format!(
                "sent {} times; new link expires {}",
                invite.times_sent,
                invite.expires_at.date()
            );
            ctx.audit_user(tx, &actor, AuditAction::InviteResent, &user, detail)?;
            Ok(InviteIssued {
                user,
                invite,
                token: token.clone(),
            })
        })
        .await
}

pub(super) async fn preview_invites<S: Store>(
    admin: &LocalAdmin<S>,
    change: InviteChange,
    ids: Vec<UserId>,
) -> Result<Vec<Outcome>> {
    let mut seen = BTreeSet::new();
    let ids: Vec<UserId> = ids.into_iter().filter(|id| seen.insert(*id)).collect();
    admin
        .as_actor(move |inner, ctx| {
            inner.store.transact(TxMode::DryRun, &|tx| {
                let actor = ctx.actor(tx)?;
                ids.iter()
                    .map(|&id| {
                        let user = tx.user(ctx.ws, id)?;
                        let result = match &user {
                            None => Err(Error::not_found(Entity::User, id)),
                            Some(user) => rules::check_invite_change(&actor, user, change.verb())
                                .map_err(Error::from),
                        };
                        Ok(Outcome {
                            id,
                            version: user.as_ref().map(|u| u.version),
                            email: user.map(|u| u.email.to_string()),
                            result: match result {
                                Ok(()) => OutcomeResult::Done,
                                Err(error) => OutcomeResult::Refused { error },
                            },
                        })
                    })
                    .collect()
            })
        })
        .await
}

pub(super) async fn cancel_invite<S: Store>(admin: &LocalAdmin<S>, id: UserId) -> Result<()> {
    admin
        .commit(move |tx, ctx| {
            let actor = ctx.actor(tx)?;
            let mut user = ops::user(tx, ctx.ws, id)?;
            rules::check_invite_change(&actor, &user, "cancel")?;
            ops::replace_teams(tx, ctx, &mut user, &BTreeSet::new())?;
            tx.remove_invite(ctx.ws, id)?;
            tx.remove_user(ctx.ws, id)?;
            ctx.audit_user(
                tx,
                &actor,
                AuditAction::InviteCancelled,
                &user,
                String::new(),
            )
        })
        .await
}

fn issue(
    ctx: &Ctx,
    user: &User,
    actor: &User,
    token: &Token,
    lifetime: time::Duration,
    previous: Option<&Invite>,
    send: bool,
) -> Invite {
    Invite {
        user_id: user.id,
        workspace: ctx.ws,
        sent_by: actor.id,
        sent_at: ctx.now,
        expires_at: ctx.now + lifetime,
        times_sent: previous.map_or(1, |p| p.times_sent + 1),
        send_requested: send,
        email_sent: false,
        token_hash: token.hash(),
        accepted_at: None,
    }
}
