//! Workspaces share nothing: ids from another workspace behave as ids that don't exist.

use crate::support::*;
use atender_admin::Error;
use atender_admin::domain::Refusal;
use atender_admin::domain::Role;
use atender_admin::service::{AdminApi, BulkChange, UserPatch, UserQuery};

async fn workspaces_share_nothing(backend: Backend) {
    let w = World::new(backend).await;
    let (other_ws, other_owner) = new_workspace(&w.core, "Globex", "owner@globex.io").await;
    let globex = w.core.admin(other_ws.id, other_owner.id);
    let theirs = add_user(&w.core, &globex, "x@globex.io", &[Role::Agent]).await;
    let their_team = globex.create_team("Billing".into()).await.unwrap();
    let api = w.owner_api();

    // same email and team name in both is fine
    w.add("x@globex.io", &[Role::Agent]).await;
    api.create_team("Billing".into()).await.unwrap();

    assert!(matches!(
        api.user_detail(theirs.id).await,
        Err(Error::Refused(Refusal::NotFound { .. }))
    ));
    let out = api
        .bulk(BulkChange::Deactivate, vec![theirs.id], false)
        .await
        .unwrap();
    assert!(matches!(
        out[0].refusal(),
        Some(Error::Refused(Refusal::NotFound { .. }))
    ));
    assert!(matches!(
        api.update_user(theirs.id, 1, UserPatch::default()).await,
        Err(Error::Refused(Refusal::NotFound { .. }))
    ));
    assert!(matches!(
        api.delete_user(theirs.id).await,
        Err(Error::Refused(Refusal::NotFound { .. }))
    ));
    assert!(matches!(
        api.delete_team(their_team.id).await,
        Err(Error::Refused(Refusal::NotFound { .. }))
    ));
    let out = api
        .bulk(
            BulkChange::AddTeam {
                team: their_team.id,
            },
            vec![w.owner.id],
            false,
        )
        .await
        .unwrap();
    assert!(matches!(
        out[0].refusal(),
        Some(Error::Refused(Refusal::NotFound { .. }))
    ));
    // an admin of one workspace acting "in" another is nobody there
    let impostor = w.core.admin(other_ws.id, w.owner.id);
    assert!(matches!(
        impostor.list_users(UserQuery::default()).await,
        Err(Error::Refused(Refusal::Unauthenticated))
    ));
    let listed = api.list_users(UserQuery::default()).await.unwrap().items;
    assert!(listed.iter().all(|u| u.workspace == w.ws.id));
    assert_eq!(
        globex
            .list_users(UserQuery::default())
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    // signing in is per workspace
    assert_eq!(
        w.core
            .login(&other_ws.slug, "owner@acme.io", PASSWORD)
            .await
            .unwrap_err(),
        Error::Refused(Refusal::InvalidCredentials)
    );
}

async fn workspace_slugs_are_unique(backend: Backend) {
    let w = World::new(backend).await;
    let (second, _) = new_workspace(&w.core, "ACME", "o@acme2.io").await;
    assert_eq!(w.ws.slug, "acme");
    assert_eq!(second.slug, "acme-2");
    assert_eq!(
        w.core.workspace_by_slug("ACME-2").await.unwrap().id,
        second.id
    );
}

on_every_store!(workspaces_share_nothing, workspace_slugs_are_unique);
