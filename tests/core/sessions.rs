//! Rules 6 and 8: signing in, and who can't.

use crate::support::*;
use atender_admin::Error;
use atender_admin::domain::Refusal;
use atender_admin::domain::{Role, UserStatus};
use atender_admin::service::{AdminApi, BulkChange};
use time::Duration;

async fn wrong_email_and_wrong_password_give_the_same_error(backend: Backend) {
    let w = World::new(backend).await;
    let slug = w.ws.slug.clone();
    let wrong_password = w
        .core
        .login(&slug, "owner@acme.io", "not the password")
        .await
        .unwrap_err();
    let wrong_email = w
        .core
        .login(&slug, "nobody@acme.io", PASSWORD)
        .await
        .unwrap_err();
    let bad_email = w
        .core
        .login(&slug, "not an email", PASSWORD)
        .await
        .unwrap_err();
    let wrong_ws = w
        .core
        .login("nope", "owner@acme.io", PASSWORD)
        .await
        .unwrap_err();
    for e in [&wrong_password, &wrong_email, &bad_email, &wrong_ws] {
        assert_eq!(e, &Error::Refused(Refusal::InvalidCredentials));
        assert_eq!(e.to_string(), "wrong email or password");
    }
    let ok = w
        .core
        .login(&slug, " OWNER@acme.io", PASSWORD)
        .await
        .unwrap();
    assert_eq!(ok.user.id, w.owner.id);
    assert!(ok.user.last_login_at.is_some());
    let who = w.core.authenticate(&ok.token.encode()).await.unwrap();
    assert_eq!(who.user.id, w.owner.id);
    assert_eq!(who.workspace.id, w.ws.id);
}

async fn invited_and_deactivated_users_cannot_sign_in(backend: Backend) {
    let w = World::new(backend).await;
    let slug = w.ws.slug.clone();
    w.invite("inv@acme.io", &[Role::Agent]).await;
    assert_eq!(
        w.core
            .login(&slug, "inv@acme.io", PASSWORD)
            .await
            .unwrap_err(),
        Error::Refused(Refusal::InvalidCredentials)
    );

    let bob = w.add("bob@acme.io", &[Role::Agent]).await;
    let session = w
        .core
        .login(&slug, "bob@acme.io", PASSWORD)
        .await
        .unwrap()
        .token
        .encode();
    w.core.authenticate(&session).await.unwrap();
    w.owner_api()
        .bulk(BulkChange::Deactivate, vec![bob.id], false)
        .await
        .unwrap();
    // the session ends at once (saying why: the account is inactive) and signing in is refused
    let ended = w.core.authenticate(&session).await.unwrap_err();
    assert_eq!(
        ended,
        Error::Refused(Refusal::ActorInactive {
            actor: "bob@acme.io".into()
        })
    );
    assert_eq!(
        ended.class(),
        atender_admin::domain::ErrorClass::Unauthenticated
    );
    assert_eq!(
        w.core
            .login(&slug, "bob@acme.io", PASSWORD)
            .await
            .unwrap_err(),
        Error::Refused(Refusal::AccountInactive)
    );
    // history is kept
    let detail = w.owner_api().user_detail(bob.id).await.unwrap();
    assert!(detail.invite.is_some());
    let actions: Vec<_> = detail.recent_events.iter().map(|e| e.action).collect();
    use atender_admin::domain::AuditAction::*;
    assert!(
        actions.contains(&UserDeactivated)
            && actions.contains(&UserInvited)
            && actions.contains(&SignedIn),
        "{actions:?}"
    );
    assert!(matches!(
        detail.access,
        atender_admin::domain::rules::Access::Deactivated { by: Some(_), .. }
    ));

    // reactivated: can sign in again, but the old session stays dead
    w.owner_api()
        .bulk(BulkChange::Reactivate, vec![bob.id], false)
        .await
        .unwrap();
    assert_eq!(w.user(bob.id).await.unwrap().status, UserStatus::Active);
    assert_eq!(
        w.core.authenticate(&session).await.unwrap_err(),
        Error::Refused(Refusal::Unauthenticated)
    );
    w.core.login(&slug, "bob@acme.io", PASSWORD).await.unwrap();
}

async fn sessions_expire_and_end_on_sign_out(backend: Backend) {
    let w = World::new(backend).await;
    let slug = w.ws.slug.clone();
    let a = w
        .core
        .login(&slug, "owner@acme.io", PASSWORD)
        .await
        .unwrap()
        .token
        .encode();
    let b = w
        .core
        .login(&slug, "owner@acme.io", PASSWORD)
        .await
        .unwrap()
        .token
        .encode();
    w.core.logout(&a).await.unwrap();
    assert_eq!(
        w.core.authenticate(&a).await.unwrap_err(),
        Error::Refused(Refusal::Unauthenticated)
    );
    w.core.authenticate(&b).await.unwrap();
    w.clock.advance(Duration::hours(12));
    assert_eq!(
        w.core.authenticate(&b).await.unwrap_err(),
        Error::Refused(Refusal::Unauthenticated)
    );
    assert_eq!(
        w.core.authenticate("garbage").await.unwrap_err(),
        Error::Refused(Refusal::Unauthenticated)
    );
}

async fn signing_in_does_not_make_open_edits_stale(backend: Backend) {
    let w = World::new(backend).await;
    let bob = w.add("bob@acme.io", &[Role::Agent]).await;
    w.core
        .login(&w.ws.slug, "bob@acme.io", PASSWORD)
        .await
        .unwrap();
    let patch = atender_admin::service::UserPatch {
        beta: Some(true),
        ..Default::default()
    };
    w.owner_api()
        .update_user(bob.id, bob.version, patch)
        .await
        .unwrap();
}

on_every_store!(
    wrong_email_and_wrong_password_give_the_same_error,
    invited_and_deactivated_users_cannot_sign_in,
    sessions_expire_and_end_on_sign_out,
    signing_in_does_not_make_open_edits_stale
);
