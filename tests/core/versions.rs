//! Changes pinned to the versions the admin saw (a confirmed preview, an undo), and role
//! changes that add or remove roles while keeping the rest.

use crate::support::*;
use atender_admin::Error;
use atender_admin::domain::{Refusal, Role, Roles, UserStatus};
use atender_admin::service::{AdminApi, BulkChange, OutcomeResult};

async fn a_change_at_versions_leaves_a_user_changed_in_between(backend: Backend) {
    let w = World::new(backend).await;
    let a = w.add("a@acme.io", &[Role::Agent]).await;
    let b = w.add("b@acme.io", &[Role::Agent]).await;
    let api = w.owner_api();
    // The preview says at which version each user was seen.
    let preview = api
        .bulk(BulkChange::Deactivate, vec![a.id, b.id], true)
        .await
        .unwrap();
    let seen: Vec<_> = preview.iter().map(|o| (o.id, o.version.unwrap())).collect();
    assert_eq!(seen, vec![(a.id, a.version), (b.id, b.version)]);
    // Someone changes b before the admin confirms.
    api.bulk(BulkChange::SetBeta { beta: true }, vec![b.id], false)
        .await
        .unwrap();
    let out = api
        .bulk_at_versions(
            BulkChange::Deactivate,
            vec![a.id, b.id],
            seen.into_iter().collect(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(out[0].result, OutcomeResult::Done);
    let after = w.user(a.id).await.unwrap();
    assert_eq!(out[0].version, Some(after.version));
    assert!(after.version > a.version);
    assert!(
        matches!(
            out[1].refusal(),
            Some(Error::Refused(Refusal::Conflict { what, .. })) if what == "b@acme.io"
        ),
        "{out:?}"
    );
    assert_eq!(w.user(a.id).await.unwrap().status, UserStatus::Inactive);
    assert_eq!(w.user(b.id).await.unwrap().status, UserStatus::Active);
    // A dry run at versions reports the same conflict and keeps nothing.
    let dry = api
        .bulk_at_versions(
            BulkChange::Reactivate,
            vec![a.id],
            [(a.id, a.version)].into_iter().collect(),
            true,
        )
        .await
        .unwrap();
    assert!(matches!(
        dry[0].refusal(),
        Some(Error::Refused(Refusal::Conflict { .. }))
    ));
    assert_eq!(w.user(a.id).await.unwrap().status, UserStatus::Inactive);
}

async fn changing_roles_keeps_the_roles_not_named(backend: Backend) {
    let w = World::new(backend).await;
    let a = w.add("a@acme.io", &[Role::Agent]).await;
    let s = w.add("s@acme.io", &[Role::Supervisor, Role::Agent]).await;
    let api = w.owner_api();
    let change = BulkChange::ChangeRoles {
        add: vec![Role::Admin],
        remove: vec![Role::Agent],
    };
    let out = api.bulk(change, vec![a.id, s.id], false).await.unwrap();
    assert!(out.iter().all(|o| o.is_changed()), "{out:?}");
    let roles = |u: &atender_admin::domain::User| u.roles;
    assert_eq!(
        roles(&w.user(a.id).await.unwrap()),
        Roles::new([Role::Admin]).unwrap()
    );
    assert_eq!(
        roles(&w.user(s.id).await.unwrap()),
        Roles::new([Role::Admin, Role::Supervisor]).unwrap()
    );
    // Taking away someone's only role is refused for them alone, with what to do.
    let only = BulkChange::ChangeRoles {
        add: vec![],
        remove: vec![Role::Admin],
    };
    let out = api.bulk(only, vec![a.id, s.id], false).await.unwrap();
    let refused = out[0]
        .refusal()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(refused.contains("would leave them with no role"), "{out:?}");
    assert!(out[1].is_changed(), "{out:?}");
    // Naming no role, or one both ways, is refused before anything happens.
    for (add, remove) in [(vec![], vec![]), (vec![Role::Agent], vec![Role::Agent])] {
        let r = api
            .bulk(BulkChange::ChangeRoles { add, remove }, vec![a.id], false)
            .await;
        assert!(
            matches!(r, Err(Error::Refused(Refusal::Invalid { .. }))),
            "{r:?}"
        );
    }
    // The sole-Owner rule holds here as everywhere.
    let owner = BulkChange::ChangeRoles {
        add: vec![Role::Admin],
        remove: vec![Role::Owner],
    };
    let out = api.bulk(owner, vec![w.owner.id], false).await.unwrap();
    assert!(out[0].refusal().is_some(), "{out:?}");
}

on_every_store!(
    a_change_at_versions_leaves_a_user_changed_in_between,
    changing_roles_keeps_the_roles_not_named
);
