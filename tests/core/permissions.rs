//! Rules 1–4 and 9: who may do what, sole-owner protection, one's own account, bulk outcomes.

use crate::support::*;
use atender_admin::Error;
use atender_admin::domain::Refusal;
use atender_admin::domain::{Role, UserStatus};
use atender_admin::service::{AdminApi, BulkChange, UserPatch, UserQuery};

async fn only_owners_and_admins_manage_users_and_teams(backend: Backend) {
    let w = World::new(backend).await;
    let agent = w.add("agent@acme.io", &[Role::Agent]).await;
    let sup = w.add("sup@acme.io", &[Role::Supervisor]).await;
    let target = w.add("t@acme.io", &[Role::Agent]).await;
    for who in [&agent, &sup] {
        let api = w.admin(who);
        assert!(matches!(
            api.invite(new_invite("x@acme.io", &[Role::Agent])).await,
            Err(Error::Refused(Refusal::NotAnAdmin { .. }))
        ));
        assert!(matches!(
            api.list_users(UserQuery::default()).await,
            Err(Error::Refused(Refusal::NotAnAdmin { .. }))
        ));
        assert!(matches!(
            api.create_team("Ops".into()).await,
            Err(Error::Refused(Refusal::NotAnAdmin { .. }))
        ));
        let out = api
            .bulk(BulkChange::Deactivate, vec![target.id], false)
            .await
            .unwrap();
        assert!(matches!(
            out[0].refusal(),
            Some(Error::Refused(Refusal::NotAnAdmin { .. }))
        ));
        assert!(matches!(
            api.manager().await,
            Err(Error::Refused(Refusal::NotAnAdmin { .. }))
        ));
        let r = api
            .update_user(
                target.id,
                target.version,
                UserPatch {
                    beta: Some(true),
                    ..Default::default()
                },
            )
            .await;
        assert!(matches!(r, Err(Error::Refused(Refusal::NotAnAdmin { .. }))));
    }
    assert_eq!(w.user(target.id).await.unwrap().status, UserStatus::Active);
    // an Admin can
    let admin = w.add("admin@acme.io", &[Role::Admin]).await;
    assert_eq!(w.admin(&admin).manager().await.unwrap().id, admin.id);
    let out = w
        .admin(&admin)
        .bulk(BulkChange::Deactivate, vec![target.id], false)
        .await
        .unwrap();
    assert!(out[0].is_done());
}

async fn only_an_owner_touches_the_owner_role_and_owners(backend: Backend) {
    let w = World::new(backend).await;
    let admin = w.add("admin@acme.io", &[Role::Admin]).await;
    let owner2 = w.add("o2@acme.io", &[Role::Owner]).await;
    let agent = w.add("agent@acme.io", &[Role::Agent]).await;
    let api = w.admin(&admin);

    let owner_only =
        |e: Option<&Error>| matches!(e, Some(Error::Refused(Refusal::OwnerOnly { .. })));
    assert!(matches!(
        api.invite(new_invite("new@acme.io", &[Role::Owner])).await,
        Err(Error::Refused(Refusal::OwnerOnly { .. }))
    ));
    let grant = api
        .bulk(
            BulkChange::SetRoles {
                roles: vec![Role::Owner],
            },
            vec![agent.id],
            false,
        )
        .await
        .unwrap();
    assert!(owner_only(grant[0].refusal()));
    let remove = api
        .bulk(
            BulkChange::SetRoles {
                roles: vec![Role::Admin],
            },
            vec![owner2.id],
            false,
        )
        .await
        .unwrap();
    assert!(owner_only(remove[0].refusal()));
    let deact = api
        .bulk(BulkChange::Deactivate, vec![owner2.id], false)
        .await
        .unwrap();
    assert!(owner_only(deact[0].refusal()));
    assert!(matches!(
        api.delete_user(owner2.id).await,
        Err(Error::Refused(Refusal::OwnerOnly { .. }))
    ));
    let patch = UserPatch {
        roles: Some(vec![Role::Owner]),
        ..Default::default()
    };
    assert!(matches!(
        api.update_user(agent.id, agent.version, patch).await,
        Err(Error::Refused(Refusal::OwnerOnly { .. }))
    ));
    // nothing changed
    assert!(w.user(owner2.id).await.unwrap().is_active_owner());
    assert!(!w.user(agent.id).await.unwrap().roles.is_owner());

    // an Owner can do all of it
    let owner = w.owner_api();
    let grant = owner
        .bulk(
            BulkChange::SetRoles {
                roles: vec![Role::Owner, Role::Agent],
            },
            vec![agent.id],
            false,
        )
        .await
        .unwrap();
    assert!(grant[0].is_done());
    assert!(w.user(agent.id).await.unwrap().roles.is_owner());
}

async fn the_last_owner_keeps_the_owner_role(backend: Backend) {
    let w = World::new(backend).await;
    let owner = w.owner_api();
    let r = owner
        .update_user(
            w.owner.id,
            w.owner.version,
            UserPatch {
                roles: Some(vec![Role::Admin]),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(
        r.unwrap_err(),
        Error::Refused(Refusal::LastOwner {
            email: "owner@acme.io".into()
        })
    );
    let out = owner
        .bulk(
            BulkChange::SetRoles {
                roles: vec![Role::Admin],
            },
            vec![w.owner.id],
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        out[0].refusal().unwrap().to_string(),
        "owner@acme.io is the last Owner: assign Owner to another user first"
    );
    assert!(w.user(w.owner.id).await.unwrap().is_active_owner());

    // with a second Owner, ownership can be handed over
    let second = w.add("o2@acme.io", &[Role::Owner]).await;
    let out = owner
        .bulk(
            BulkChange::SetRoles {
                roles: vec![Role::Admin],
            },
            vec![w.owner.id],
            false,
        )
        .await
        .unwrap();
    assert!(out[0].is_done());
    // and now `second` is the last one
    let api2 = w.admin(&second);
    let out = api2
        .bulk(
            BulkChange::SetRoles {
                roles: vec![Role::Agent],
            },
            vec![second.id],
            false,
        )
        .await
        .unwrap();
    assert!(matches!(
        out[0].refusal(),
        Some(Error::Refused(Refusal::LastOwner { .. }))
    ));
}

async fn bulk_calls_cannot_remove_both_of_the_last_two_owners(backend: Backend) {
    let w = World::new(backend).await;
    let second = w.add("o2@acme.io", &[Role::Owner]).await;
    let api = w.owner_api();
    // The other Owner first, then oneself: the second change would leave no Owner.
    let ids = vec![second.id, w.owner.id];

    // removing Owner from both: the first goes, the second is refused as the last one
    for dry_run in [true, false] {
        let out = api
            .bulk(
                BulkChange::SetRoles {
                    roles: vec![Role::Admin],
                },
                ids.clone(),
                dry_run,
            )
            .await
            .unwrap();
        assert_eq!(
            out.iter().filter(|o| o.is_done()).count(),
            1,
            "dry_run={dry_run}"
        );
        assert!(
            matches!(
                out[1].refusal(),
                Some(Error::Refused(Refusal::LastOwner { .. }))
            ),
            "{out:?}"
        );
    }
    let owners = count_active_owners(&w).await;
    assert_eq!(owners, 1);
}

async fn deactivating_both_owners_in_one_call_refuses_at_least_one(backend: Backend) {
    let w = World::new(backend).await;
    let second = w.add("o2@acme.io", &[Role::Owner]).await;
    let out = w
        .owner_api()
        .bulk(BulkChange::Deactivate, vec![w.owner.id, second.id], false)
        .await
        .unwrap();
    assert!(out.iter().any(|o| !o.is_done()));
    assert_eq!(count_active_owners(&w).await, 1);
}

pub async fn count_active_owners(w: &World) -> usize {
    use atender_admin::store::Store;
    w.core
        .store()
        .users(w.ws.id)
        .unwrap()
        .iter()
        .filter(|u| u.is_active_owner())
        .count()
}

async fn nobody_deactivates_or_deletes_their_own_account(backend: Backend) {
    let w = World::new(backend).await;
    let admin = w.add("admin@acme.io", &[Role::Admin]).await;
    let api = w.admin(&admin);
    let out = api
        .bulk(BulkChange::Deactivate, vec![admin.id], false)
        .await
        .unwrap();
    assert_eq!(
        out[0].refusal().unwrap(),
        &Error::Refused(Refusal::OwnAccount {
            action: "deactivate".into()
        })
    );
    assert_eq!(
        api.delete_user(admin.id).await.unwrap_err(),
        Error::Refused(Refusal::OwnAccount {
            action: "delete".into()
        })
    );
    assert_eq!(w.user(admin.id).await.unwrap().status, UserStatus::Active);
}

async fn bulk_reports_each_user_and_one_refusal_blocks_nothing(backend: Backend) {
    let w = World::new(backend).await;
    let a = w.add("a@acme.io", &[Role::Agent]).await;
    let b = w.add("b@acme.io", &[Role::Agent]).await;
    let (invited, _) = w.invite("i@acme.io", &[Role::Agent]).await;
    let missing = atender_admin::domain::UserId::new();
    let ids = vec![a.id, w.owner.id, invited.id, missing, b.id, a.id];
    let preview = w
        .owner_api()
        .bulk(BulkChange::Deactivate, ids.clone(), true)
        .await
        .unwrap();
    let out = w
        .owner_api()
        .bulk(BulkChange::Deactivate, ids, false)
        .await
        .unwrap();
    // The versions differ by design: as found in the dry run, as left by the change.
    let unversioned = |v: &[atender_admin::service::Outcome]| -> Vec<_> {
        v.iter()
            .cloned()
            .map(|o| atender_admin::service::Outcome { version: None, ..o })
            .collect()
    };
    assert_eq!(
        unversioned(&preview),
        unversioned(&out),
        "the dry run predicts the real run"
    );
    assert_eq!(out.len(), 5, "duplicates are applied once");
    assert!(out[0].is_done() && out[4].is_done());
    assert!(matches!(
        out[1].refusal(),
        Some(Error::Refused(Refusal::OwnAccount { .. }))
    ));
    assert!(matches!(
        out[2].refusal(),
        Some(Error::Refused(Refusal::WrongStatus { .. }))
    ));
    assert!(matches!(
        out[3].refusal(),
        Some(Error::Refused(Refusal::NotFound { .. }))
    ));
    assert_eq!(out[0].email.as_deref(), Some("a@acme.io"));
    assert_eq!(w.user(a.id).await.unwrap().status, UserStatus::Inactive);
    assert_eq!(w.user(b.id).await.unwrap().status, UserStatus::Inactive);

    // reactivation, beta and teams in bulk
    let api = w.owner_api();
    let out = api
        .bulk(BulkChange::Reactivate, vec![a.id, b.id, w.owner.id], false)
        .await
        .unwrap();
    assert!(out[0].is_changed() && out[1].is_changed());
    // Reactivating someone active is no refusal: already so, nothing written.
    assert!(out[2].is_done() && !out[2].is_changed(), "{:?}", out[2]);
    let again = api
        .bulk(BulkChange::Reactivate, vec![a.id], false)
        .await
        .unwrap();
    assert!(
        again[0].is_done() && !again[0].is_changed(),
        "{:?}",
        again[0]
    );
    let out = api
        .bulk(BulkChange::SetBeta { beta: true }, vec![a.id, b.id], false)
        .await
        .unwrap();
    assert!(out.iter().all(|o| o.is_done()));
    assert!(w.user(a.id).await.unwrap().beta);
    let team = api.create_team("Billing".into()).await.unwrap();
    let out = api
        .bulk(
            BulkChange::AddTeam { team: team.id },
            vec![a.id, b.id],
            false,
        )
        .await
        .unwrap();
    assert!(out.iter().all(|o| o.is_done()));
    assert_eq!(api.list_teams().await.unwrap()[0].member_count, 2);
    let out = api
        .bulk(BulkChange::RemoveTeam { team: team.id }, vec![a.id], false)
        .await
        .unwrap();
    assert!(out[0].is_done());
    assert_eq!(api.list_teams().await.unwrap()[0].member_count, 1);
    assert!(w.user(b.id).await.unwrap().teams.contains(&team.id));

    // a dry run keeps nothing
    let out = api
        .bulk(BulkChange::Deactivate, vec![a.id], true)
        .await
        .unwrap();
    assert!(out[0].is_done());
    assert_eq!(w.user(a.id).await.unwrap().status, UserStatus::Active);
}

async fn inactive_admins_lose_their_powers_at_once(backend: Backend) {
    let w = World::new(backend).await;
    let admin = w.add("admin@acme.io", &[Role::Admin]).await;
    let agent = w.add("agent@acme.io", &[Role::Agent]).await;
    let stale_handle = w.admin(&admin);
    w.owner_api()
        .bulk(BulkChange::Deactivate, vec![admin.id], false)
        .await
        .unwrap();
    let out = stale_handle
        .bulk(BulkChange::Deactivate, vec![agent.id], false)
        .await
        .unwrap();
    assert!(matches!(
        out[0].refusal(),
        Some(Error::Refused(Refusal::ActorInactive { .. }))
    ));
}

async fn demoting_oneself_first_loses_the_right_to_demote_the_other_owner(backend: Backend) {
    let w = World::new(backend).await;
    let second = w.add("o2@acme.io", &[Role::Owner]).await;
    let out = w
        .owner_api()
        .bulk(
            BulkChange::SetRoles {
                roles: vec![Role::Admin],
            },
            vec![w.owner.id, second.id],
            false,
        )
        .await
        .unwrap();
    assert!(out[0].is_done());
    assert!(
        matches!(
            out[1].refusal(),
            Some(Error::Refused(Refusal::OwnerOnly { .. }))
        ),
        "{out:?}"
    );
    assert_eq!(count_active_owners(&w).await, 1);
}

on_every_store!(
    only_owners_and_admins_manage_users_and_teams,
    only_an_owner_touches_the_owner_role_and_owners,
    the_last_owner_keeps_the_owner_role,
    bulk_calls_cannot_remove_both_of_the_last_two_owners,
    deactivating_both_owners_in_one_call_refuses_at_least_one,
    nobody_deactivates_or_deletes_their_own_account,
    bulk_reports_each_user_and_one_refusal_blocks_nothing,
    inactive_admins_lose_their_powers_at_once,
    demoting_oneself_first_loses_the_right_to_demote_the_other_owner
);
