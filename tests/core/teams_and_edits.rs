//! Teams, edits with optimistic concurrency, and the audit trail every change writes.

use crate::support::*;
use atender_admin::Error;
use atender_admin::domain::Refusal;
use atender_admin::domain::{AuditAction, Field, Role};
use atender_admin::service::{AdminApi, BulkChange, UserPatch};

async fn team_names_are_unique_ignoring_case(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    let billing = api.create_team(" Billing ".into()).await.unwrap();
    assert_eq!(billing.name.as_str(), "Billing");
    assert!(matches!(
        api.create_team("BILLING".into()).await,
        Err(Error::Refused(Refusal::DuplicateTeam { .. }))
    ));
    let ops = api.create_team("Ops".into()).await.unwrap();
    assert!(matches!(
        api.rename_team(ops.id, "billing".into()).await,
        Err(Error::Refused(Refusal::DuplicateTeam { .. }))
    ));
    // renaming to a different case of its own name is fine
    api.rename_team(billing.id, "BILLING".into()).await.unwrap();
    let renamed = api.rename_team(ops.id, "Operations".into()).await.unwrap();
    assert_eq!(renamed.name.as_str(), "Operations");
    // the old name is free again
    api.create_team("ops".into()).await.unwrap();
    let e = api.create_team("x".repeat(65)).await.unwrap_err();
    assert_eq!(e.field(), Some(Field::TeamName));
}

async fn deleting_a_team_removes_it_from_its_members(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    let team = api.create_team("Billing".into()).await.unwrap();
    let keep = api.create_team("Keep".into()).await.unwrap();
    let a = w.add("a@acme.io", &[Role::Agent]).await;
    let b = w.add("b@acme.io", &[Role::Agent]).await;
    api.bulk(
        BulkChange::AddTeam { team: team.id },
        vec![a.id, b.id],
        false,
    )
    .await
    .unwrap();
    api.bulk(BulkChange::AddTeam { team: keep.id }, vec![a.id], false)
        .await
        .unwrap();
    api.delete_team(team.id).await.unwrap();
    for id in [a.id, b.id] {
        assert!(!w.user(id).await.unwrap().teams.contains(&team.id));
    }
    assert!(w.user(a.id).await.unwrap().teams.contains(&keep.id));
    assert_eq!(api.list_teams().await.unwrap().len(), 1);
    let out = api
        .bulk(BulkChange::AddTeam { team: team.id }, vec![a.id], false)
        .await
        .unwrap();
    assert!(matches!(
        out[0].refusal(),
        Some(Error::Refused(Refusal::NotFound { .. }))
    ));
}

async fn a_stale_edit_is_refused_with_the_current_version(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    let bob = w.add("bob@acme.io", &[Role::Agent]).await;
    let v = bob.version;
    let edited = api
        .update_user(
            bob.id,
            v,
            UserPatch {
                full_name: Some("Robert Stone".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.version, v + 1);
    assert_eq!(
        edited.display_name.as_str(),
        "Robert Stone",
        "a display name that followed the full name keeps following"
    );
    let e = api
        .update_user(
            bob.id,
            v,
            UserPatch {
                beta: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        e,
        Error::Refused(Refusal::Conflict {
            what: "bob@acme.io".into(),
            current: v + 1
        })
    );
    assert!(!w.user(bob.id).await.unwrap().beta, "nothing was written");
}

async fn edits_validate_every_field_and_change_nothing_on_error(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    let bob = w.add("bob@acme.io", &[Role::Agent]).await;
    let bad = UserPatch {
        full_name: Some("".into()),
        display_name: Some("x\u{202E}y".into()),
        roles: Some(vec![]),
        ..Default::default()
    };
    let e = api.update_user(bob.id, bob.version, bad).await.unwrap_err();
    let fields: Vec<Field> = e.field_problems().iter().map(|p| p.field).collect();
    assert_eq!(
        fields,
        vec![Field::FullName, Field::DisplayName, Field::Roles]
    );
    assert_eq!(w.user(bob.id).await.unwrap(), bob);
}

async fn every_change_writes_an_audit_event_and_bumps_the_version(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    let before = api.audit(None, 1000).await.unwrap().items.len();
    let team = api.create_team("Billing".into()).await.unwrap();
    let (bob, token) = w.invite("bob@acme.io", &[Role::Agent]).await;
    api.resend_invite(bob.id).await.ok();
    let token = api
        .resend_invite(bob.id)
        .await
        .map(|i| i.token.encode())
        .unwrap_or(token);
    let bob = w.core.accept_invite(&token, PASSWORD).await.unwrap();
    let mut v = bob.version;
    let changes: Vec<BulkChange> = vec![
        BulkChange::SetRoles {
            roles: vec![Role::Supervisor],
        },
        BulkChange::AddTeam { team: team.id },
        BulkChange::SetBeta { beta: true },
        BulkChange::Deactivate,
        BulkChange::Reactivate,
        BulkChange::RemoveTeam { team: team.id },
    ];
    for c in changes {
        let out = api.bulk(c.clone(), vec![bob.id], false).await.unwrap();
        assert!(out[0].is_done(), "{c:?}");
        let now = w.user(bob.id).await.unwrap().version;
        assert_eq!(now, v + 1, "{c:?} bumps the version once");
        v = now;
    }
    // a change to the same value is reported as unchanged and writes nothing
    for same in [
        BulkChange::SetBeta { beta: true },
        BulkChange::SetRoles {
            roles: vec![Role::Supervisor],
        },
        BulkChange::RemoveTeam { team: team.id },
    ] {
        let out = api.bulk(same.clone(), vec![bob.id], false).await.unwrap();
        assert_eq!(
            out[0].result,
            atender_admin::service::OutcomeResult::Unchanged,
            "{same:?}"
        );
        assert!(out[0].is_done() && !out[0].is_changed());
        let preview = api.bulk(same, vec![bob.id], true).await.unwrap();
        assert_eq!(preview, out, "the dry run predicts it too");
    }
    assert_eq!(w.user(bob.id).await.unwrap().version, v);
    api.rename_team(team.id, "Payments".into()).await.unwrap();
    api.delete_team(team.id).await.unwrap();
    let log = api.audit(None, 1000).await.unwrap().items;
    let actions: Vec<AuditAction> = log
        .iter()
        .take(log.len() - before)
        .map(|e| e.action)
        .collect();
    use AuditAction::*;
    assert_eq!(
        actions,
        vec![
            TeamDeleted,
            TeamRenamed,
            TeamsChanged,
            UserReactivated,
            UserDeactivated,
            BetaChanged,
            TeamsChanged,
            RolesChanged,
            InviteAccepted,
            InviteResent,
            InviteResent,
            UserInvited,
            TeamCreated
        ],
        "newest first"
    );
    // paging walks the whole log without repeats
    let mut seen = Vec::new();
    let mut before_id = None;
    loop {
        let page = api.audit(before_id, 4).await.unwrap();
        seen.extend(page.items.iter().map(|e| e.id));
        match page.next {
            Some(n) => before_id = Some(n.parse().unwrap()),
            None => break,
        }
    }
    assert_eq!(seen, log.iter().map(|e| e.id).collect::<Vec<_>>());
}

async fn listing_pages_filters_and_searches(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    let team = api.create_team("Night Shift".into()).await.unwrap();
    for i in 0..7 {
        w.add(&format!("agent{i}@acme.io"), &[Role::Agent]).await;
    }
    let sup = w.add("sup@acme.io", &[Role::Supervisor]).await;
    api.bulk(BulkChange::AddTeam { team: team.id }, vec![sup.id], false)
        .await
        .unwrap();
    w.invite("pending@acme.io", &[Role::Agent]).await;
    use atender_admin::domain::UserStatus;
    use atender_admin::service::UserQuery;
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = api
            .list_users(UserQuery {
                status: Some(UserStatus::Active),
                limit: Some(3),
                after,
                ..Default::default()
            })
            .await
            .unwrap();
        all.extend(page.items);
        match page.next {
            Some(n) => after = Some(n.parse().unwrap()),
            None => break,
        }
    }
    assert_eq!(all.len(), 9, "owner + 7 agents + supervisor");
    let q = |text: &str| UserQuery {
        q: Some(text.into()),
        ..Default::default()
    };
    assert_eq!(
        api.list_users(q("night")).await.unwrap().items.len(),
        1,
        "team name"
    );
    assert_eq!(
        api.list_users(q("SUPERVISOR")).await.unwrap().items.len(),
        1,
        "role"
    );
    assert_eq!(
        api.list_users(q("pending@")).await.unwrap().items[0].status,
        UserStatus::Invited
    );
    assert_eq!(
        api.list_users(q("AGENT3")).await.unwrap().items.len(),
        1,
        "email, any case"
    );
}

on_every_store!(
    team_names_are_unique_ignoring_case,
    deleting_a_team_removes_it_from_its_members,
    a_stale_edit_is_refused_with_the_current_version,
    edits_validate_every_field_and_change_nothing_on_error,
    every_change_writes_an_audit_event_and_bumps_the_version,
    listing_pages_filters_and_searches
);
