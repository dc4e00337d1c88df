//! Rules 1 and 5: users exist only by invitation; invites are accepted once, expire, can be
//! resent (killing older links) and cancelled.

use crate::support::*;
use atender_admin::Error;
use atender_admin::domain::Refusal;
use atender_admin::domain::{Field, Role, UserStatus};
use atender_admin::service::{AdminApi, NewInvite};
use time::Duration;

async fn an_invite_creates_an_invited_user_with_its_roles_and_teams(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    let team = api.create_team("Billing".into()).await.unwrap();
    let issued = api
        .invite(NewInvite {
            email: "  Bob@Acme.IO ".into(),
            full_name: " Bob Stone ".into(),
            display_name: Some("".into()),
            roles: vec![Role::Supervisor, Role::Agent],
            teams: vec![team.id],
            send_invite: true,
        })
        .await
        .unwrap();
    let u = &issued.user;
    assert_eq!(u.status, UserStatus::Invited);
    assert_eq!(u.email.as_str(), "bob@acme.io");
    assert_eq!(u.full_name.as_str(), "Bob Stone");
    assert_eq!(
        u.display_name.as_str(),
        "Bob Stone",
        "display name defaults to the full name"
    );
    assert_eq!(u.roles.to_string(), "Supervisor, Agent");
    assert!(u.teams.contains(&team.id));
    assert_eq!(u.invited_by, Some(w.owner.id));
    let inv = &issued.invite;
    assert_eq!(inv.expires_at - inv.sent_at, Duration::days(7));
    assert_eq!(inv.times_sent, 1);
    assert!(inv.send_requested && !inv.email_sent);
    assert_eq!(inv.token_hash, issued.token.hash(), "only the hash is kept");
    let pending = api.list_invites().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].0.id, u.id);
}

async fn an_invite_form_reports_every_bad_field(backend: Backend) {
    let w = World::new(backend).await;
    let r = w
        .owner_api()
        .invite(NewInvite {
            email: "not-an-email".into(),
            full_name: "Evil\u{1b}[2J".into(),
            display_name: None,
            roles: vec![],
            teams: vec![],
            send_invite: false,
        })
        .await
        .unwrap_err();
    let fields: Vec<Field> = r.field_problems().iter().map(|p| p.field).collect();
    assert_eq!(
        fields,
        vec![Field::Email, Field::FullName, Field::Roles],
        "{r}"
    );
    assert_eq!(w.owner_api().list_invites().await.unwrap().len(), 0);
}

async fn emails_are_unique_in_a_workspace_including_pending_invites(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    w.invite("bob@acme.io", &[Role::Agent]).await;
    for dup in ["bob@acme.io", "BOB@acme.io ", "owner@ACME.io"] {
        let e = api
            .invite(new_invite(dup, &[Role::Agent]))
            .await
            .unwrap_err();
        assert!(
            matches!(e, Error::Refused(Refusal::DuplicateEmail { .. })),
            "{dup}: {e}"
        );
    }
}

async fn accepting_activates_once(backend: Backend) {
    let w = World::new(backend).await;
    let (u, token) = w.invite("bob@acme.io", &[Role::Agent]).await;
    // checking the link (as the accept page does) does not use it up
    for _ in 0..3 {
        w.core.check_invite_token(&token).await.unwrap();
    }
    // a bad password is refused and the link still works
    let e = w.core.accept_invite(&token, "short").await.unwrap_err();
    assert_eq!(e.field(), Some(Field::Password));
    let user = w.core.accept_invite(&token, PASSWORD).await.unwrap();
    assert_eq!(user.id, u.id);
    assert_eq!(user.status, UserStatus::Active);
    assert_eq!(
        w.core.accept_invite(&token, PASSWORD).await.unwrap_err(),
        Error::Refused(Refusal::InviteInvalid)
    );
    assert_eq!(
        w.core.check_invite_token(&token).await.unwrap_err(),
        Error::Refused(Refusal::InviteInvalid)
    );
    // the invite record stays, marked accepted
    let detail = w.owner_api().user_detail(u.id).await.unwrap();
    assert!(detail.invite.unwrap().accepted_at.is_some());
    // unknown and malformed tokens
    let other = atender_admin::domain::Token::generate().unwrap().encode();
    assert_eq!(
        w.core.accept_invite(&other, PASSWORD).await.unwrap_err(),
        Error::Refused(Refusal::InviteInvalid)
    );
    assert_eq!(
        w.core.accept_invite("garbage", PASSWORD).await.unwrap_err(),
        Error::Refused(Refusal::InviteInvalid)
    );
}

async fn an_expired_invite_has_its_own_error_and_can_be_resent(backend: Backend) {
    let w = World::new(backend).await;
    let (u, token) = w.invite("bob@acme.io", &[Role::Agent]).await;
    w.clock.advance(Duration::days(7));
    let e = w.core.accept_invite(&token, PASSWORD).await.unwrap_err();
    assert_eq!(e, Error::Refused(Refusal::InviteExpired));
    assert_eq!(
        e.to_string(),
        "this invite has expired; ask an admin to resend it"
    );
    let again = w.owner_api().resend_invite(u.id).await.unwrap();
    assert_eq!(again.invite.times_sent, 2);
    assert_eq!(again.invite.expires_at, w.core.now() + Duration::days(7));
    w.core
        .accept_invite(&again.token.encode(), PASSWORD)
        .await
        .unwrap();
}

async fn resending_kills_every_earlier_link(backend: Backend) {
    let w = World::new(backend).await;
    let (u, first) = w.invite("bob@acme.io", &[Role::Agent]).await;
    let second = w
        .owner_api()
        .resend_invite(u.id)
        .await
        .unwrap()
        .token
        .encode();
    let third = w
        .owner_api()
        .resend_invite(u.id)
        .await
        .unwrap()
        .token
        .encode();
    for old in [&first, &second] {
        assert_eq!(
            w.core.accept_invite(old, PASSWORD).await.unwrap_err(),
            Error::Refused(Refusal::InviteInvalid)
        );
    }
    w.core.accept_invite(&third, PASSWORD).await.unwrap();
    // nothing to resend once accepted
    assert!(matches!(
        w.owner_api().resend_invite(u.id).await,
        Err(Error::Refused(Refusal::WrongStatus { .. }))
    ));
}

async fn cancelling_withdraws_the_invite_and_the_user(backend: Backend) {
    let w = World::new(backend).await;
    let (u, token) = w.invite("bob@acme.io", &[Role::Agent]).await;
    w.owner_api().cancel_invite(u.id).await.unwrap();
    assert!(w.user(u.id).await.is_none());
    assert_eq!(
        w.core.accept_invite(&token, PASSWORD).await.unwrap_err(),
        Error::Refused(Refusal::InviteInvalid)
    );
    assert!(w.owner_api().list_invites().await.unwrap().is_empty());
    // the email is free again
    w.invite("bob@acme.io", &[Role::Agent]).await;
    // active users have no invite to cancel
    let active = w.add("c@acme.io", &[Role::Agent]).await;
    assert!(matches!(
        w.owner_api().cancel_invite(active.id).await,
        Err(Error::Refused(Refusal::WrongStatus { .. }))
    ));
}

async fn an_owners_invite_is_resent_or_cancelled_only_by_an_owner(backend: Backend) {
    let w = World::new(backend).await;
    let admin = w.add("admin@acme.io", &[Role::Admin]).await;
    let (pending_owner, _) = w.invite("o2@acme.io", &[Role::Owner]).await;
    let api = w.admin(&admin);
    assert!(matches!(
        api.resend_invite(pending_owner.id).await,
        Err(Error::Refused(Refusal::OwnerOnly { .. }))
    ));
    assert!(matches!(
        api.cancel_invite(pending_owner.id).await,
        Err(Error::Refused(Refusal::OwnerOnly { .. }))
    ));
}

async fn the_invite_lifetime_is_configurable(backend: Backend) {
    let (_place, store) = fresh_store(backend);
    let clock = std::sync::Arc::new(atender_admin::service::ManualClock::new(
        time::macros::datetime!(2026-01-01 0:00 UTC),
    ));
    let config = atender_admin::service::CoreConfig {
        invite_lifetime: Duration::hours(2),
        ..config()
    };
    let core = atender_admin::service::Core::new(store, clock.clone(), config);
    let (_, issued) = core
        .create_workspace("Acme", "o@acme.io", "O")
        .await
        .unwrap();
    assert_eq!(
        issued.invite.expires_at - issued.invite.sent_at,
        Duration::hours(2)
    );
    clock.advance(Duration::hours(2));
    assert_eq!(
        core.accept_invite(&issued.token.encode(), PASSWORD)
            .await
            .unwrap_err(),
        Error::Refused(Refusal::InviteExpired)
    );
}

on_every_store!(
    an_invite_creates_an_invited_user_with_its_roles_and_teams,
    an_invite_form_reports_every_bad_field,
    emails_are_unique_in_a_workspace_including_pending_invites,
    accepting_activates_once,
    an_expired_invite_has_its_own_error_and_can_be_resent,
    resending_kills_every_earlier_link,
    cancelling_withdraws_the_invite_and_the_user,
    an_owners_invite_is_resent_or_cancelled_only_by_an_owner,
    the_invite_lifetime_is_configurable,
);
