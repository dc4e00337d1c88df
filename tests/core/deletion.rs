//! Rule 7: deletion is permanent and erases the user's history, leaving only a record that a
//! user id was deleted, by whom and when.

use crate::support::*;
use atender_admin::Error;
use atender_admin::domain::Refusal;
use atender_admin::domain::{AuditAction, AuditTarget, Role};
use atender_admin::service::{AdminApi, BulkChange, UserPatch};
use atender_admin::store::Store;

async fn deleting_erases_the_user_their_invite_sessions_and_history(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    let admin = w.add("del@acme.io", &[Role::Admin]).await;
    let other = w.add("other@acme.io", &[Role::Agent]).await;
    // history naming them as target and as actor
    let session = w
        .core
        .login(&w.ws.slug, "del@acme.io", PASSWORD)
        .await
        .unwrap()
        .token
        .encode();
    api.update_user(
        admin.id,
        admin.version,
        UserPatch {
            beta: Some(true),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let as_admin = w.admin(&admin);
    as_admin
        .bulk(BulkChange::SetBeta { beta: true }, vec![other.id], false)
        .await
        .unwrap();
    as_admin.create_team("Made by del".into()).await.unwrap();

    api.delete_user(admin.id).await.unwrap();

    assert!(w.user(admin.id).await.is_none());
    assert!(matches!(
        api.user_detail(admin.id).await,
        Err(Error::Refused(Refusal::NotFound { .. }))
    ));
    assert_eq!(
        w.core.authenticate(&session).await.unwrap_err(),
        Error::Refused(Refusal::Unauthenticated)
    );
    assert!(
        w.core
            .store()
            .user_sessions(w.ws.id, admin.id)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        w.core
            .login(&w.ws.slug, "del@acme.io", PASSWORD)
            .await
            .unwrap_err(),
        Error::Refused(Refusal::InvalidCredentials)
    );

    let log = api.audit(None, 1000).await.unwrap().items;
    let naming: Vec<_> = log
        .iter()
        .filter(|e| e.actor == Some(admin.id) || e.target == AuditTarget::User(admin.id))
        .collect();
    assert_eq!(
        naming.len(),
        1,
        "only the deletion record is left: {naming:?}"
    );
    let record = naming[0];
    assert_eq!(record.action, AuditAction::UserDeleted);
    assert_eq!(record.actor, Some(w.owner.id));
    assert!(record.target_label.is_empty() && record.detail.is_empty());
    let text = serde_json::to_string(&log).unwrap();
    assert!(
        !text.contains("del@acme.io"),
        "no event mentions the deleted email"
    );
    // the other user's own history is intact, minus what the deleted user did to them
    let other_events = api.user_detail(other.id).await.unwrap().recent_events;
    assert!(other_events.iter().all(|e| e.actor != Some(admin.id)));
    assert!(
        other_events
            .iter()
            .any(|e| e.action == AuditAction::InviteAccepted)
    );
    // the email can be invited again
    w.invite("del@acme.io", &[Role::Agent]).await;
}

async fn deleting_an_invited_user_removes_the_invite(backend: Backend) {
    let w = World::new(backend).await;
    let (u, token) = w.invite("bob@acme.io", &[Role::Agent]).await;
    w.owner_api().delete_user(u.id).await.unwrap();
    assert_eq!(
        w.core.accept_invite(&token, PASSWORD).await.unwrap_err(),
        Error::Refused(Refusal::InviteInvalid)
    );
    assert!(w.owner_api().list_invites().await.unwrap().is_empty());
}

async fn deletion_respects_owner_rules(backend: Backend) {
    let w = World::new(backend).await;
    let admin = w.add("admin@acme.io", &[Role::Admin]).await;
    let o2 = w.add("o2@acme.io", &[Role::Owner]).await;
    assert!(matches!(
        w.admin(&admin).delete_user(o2.id).await,
        Err(Error::Refused(Refusal::OwnerOnly { .. }))
    ));
    // o2 deletes the first owner; now o2 is the last and can't be deleted by anyone
    w.admin(&o2).delete_user(w.owner.id).await.unwrap();
    let o3 = w.add_by(&o2, "o3@acme.io", &[Role::Owner]).await;
    w.admin(&o3)
        .bulk(BulkChange::Deactivate, vec![o2.id], false)
        .await
        .unwrap();
    // o3 is now the only active Owner: nobody else can remove them
    assert!(matches!(
        w.admin(&admin).delete_user(o3.id).await,
        Err(Error::Refused(Refusal::OwnerOnly { .. }))
    ));
}

impl World {
    pub async fn add_by(
        &self,
        by: &atender_admin::domain::User,
        email: &str,
        roles: &[Role],
    ) -> atender_admin::domain::User {
        add_user(&self.core, &self.admin(by), email, roles).await
    }
}

on_every_store!(
    deleting_erases_the_user_their_invite_sessions_and_history,
    deleting_an_invited_user_removes_the_invite,
    deletion_respects_owner_rules
);
