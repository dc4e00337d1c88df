//! Random sequences of operations, by random actors, with the invariants checked after each:
//! at least one active Owner, unique emails, every user with at least one role, team member
//! counts that match, the email index agreeing with the users (no missing, stale or wrong
//! entry), the stored active-Owner set (which the last-Owner rule reads), the per-status counts
//! and the status ranges matching a scan.

use crate::support::*;
use atender_admin::domain::Email;
use atender_admin::domain::{Role, User, UserStatus};
use atender_admin::service::{AdminApi, BulkChange, UserPatch};
use atender_admin::store::{Store, TxMode};
use proptest::prelude::*;
use std::collections::BTreeSet;

#[derive(Debug, Clone)]
enum Op {
    Invite {
        actor: usize,
        email: usize,
        roles: Vec<Role>,
    },
    Accept {
        user: usize,
    },
    Deactivate {
        actor: usize,
        targets: Vec<usize>,
    },
    Reactivate {
        actor: usize,
        targets: Vec<usize>,
    },
    SetRoles {
        actor: usize,
        targets: Vec<usize>,
        roles: Vec<Role>,
    },
    Edit {
        actor: usize,
        target: usize,
        roles: Vec<Role>,
        stale: bool,
    },
    Delete {
        actor: usize,
        target: usize,
    },
    Cancel {
        actor: usize,
        target: usize,
    },
    Resend {
        actor: usize,
        target: usize,
    },
    Team {
        actor: usize,
        targets: Vec<usize>,
        add: bool,
    },
}

fn roles() -> impl Strategy<Value = Vec<Role>> {
    prop::collection::vec(prop::sample::select(Role::ALL.to_vec()), 0..3)
}

fn idx() -> impl Strategy<Value = usize> {
    0usize..12
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (idx(), 0usize..10, roles()).prop_map(|(actor, email, roles)| Op::Invite { actor, email, roles }),
        3 => idx().prop_map(|user| Op::Accept { user }),
        2 => (idx(), prop::collection::vec(idx(), 1..4)).prop_map(|(actor, targets)| Op::Deactivate { actor, targets }),
        1 => (idx(), prop::collection::vec(idx(), 1..3)).prop_map(|(actor, targets)| Op::Reactivate { actor, targets }),
        2 => (idx(), prop::collection::vec(idx(), 1..4), roles()).prop_map(|(actor, targets, roles)| Op::SetRoles { actor, targets, roles }),
        1 => (idx(), idx(), roles(), any::<bool>()).prop_map(|(actor, target, roles, stale)| Op::Edit { actor, target, roles, stale }),
        1 => (idx(), idx()).prop_map(|(actor, target)| Op::Delete { actor, target }),
        1 => (idx(), idx()).prop_map(|(actor, target)| Op::Cancel { actor, target }),
        1 => (idx(), idx()).prop_map(|(actor, target)| Op::Resend { actor, target }),
        1 => (idx(), prop::collection::vec(idx(), 1..4), any::<bool>()).prop_map(|(actor, targets, add)| Op::Team { actor, targets, add }),
    ]
}

fn pick(users: &[User], i: usize) -> Option<&User> {
    (!users.is_empty()).then(|| &users[i % users.len()])
}

async fn run(ops: Vec<Op>, backend: Backend) {
    // A short feed, so that catching up sometimes finds it too old and reloads everything.
    let w = World::keeping_changes(backend, Some(12)).await;
    let team = w.owner_api().create_team("Team".into()).await.unwrap();
    let mut replica = w.owner_api().snapshot().await.unwrap();
    // links of invited users, newest per user
    let mut links: std::collections::HashMap<atender_admin::domain::UserId, String> =
        Default::default();
    for (step, op) in ops.into_iter().enumerate() {
        let users = w.core.store().users(w.ws.id).unwrap();
        let actor_api = |i: usize| w.admin(pick(&users, i).unwrap());
        let ids = |t: &[usize]| {
            t.iter()
                .filter_map(|&i| pick(&users, i))
                .map(|u| u.id)
                .collect::<Vec<_>>()
        };
        match &op {
            Op::Invite {
                actor,
                email,
                roles,
            } => {
                let r = actor_api(*actor)
                    .invite(new_invite(&format!("user{email}@acme.io"), roles))
                    .await;
                if let Ok(issued) = r {
                    links.insert(issued.user.id, issued.token.encode());
                }
            }
            Op::Accept { user } => {
                if let Some(link) = pick(&users, *user).and_then(|u| links.get(&u.id)) {
                    let _ = w.core.accept_invite(link, PASSWORD).await;
                }
            }
            Op::Deactivate { actor, targets } => {
                let _ = actor_api(*actor)
                    .bulk(BulkChange::Deactivate, ids(targets), false)
                    .await
                    .unwrap();
            }
            Op::Reactivate { actor, targets } => {
                let _ = actor_api(*actor)
                    .bulk(BulkChange::Reactivate, ids(targets), false)
                    .await
                    .unwrap();
            }
            Op::SetRoles {
                actor,
                targets,
                roles,
            } => {
                let _ = actor_api(*actor)
                    .bulk(
                        BulkChange::SetRoles {
                            roles: roles.clone(),
                        },
                        ids(targets),
                        false,
                    )
                    .await;
            }
            Op::Edit {
                actor,
                target,
                roles,
                stale,
            } => {
                let t = pick(&users, *target).unwrap();
                let v = if *stale {
                    t.version.saturating_sub(1)
                } else {
                    t.version
                };
                let patch = UserPatch {
                    roles: Some(roles.clone()),
                    beta: Some(!t.beta),
                    ..Default::default()
                };
                let _ = actor_api(*actor).update_user(t.id, v, patch).await;
            }
            Op::Delete { actor, target } => {
                let _ = actor_api(*actor)
                    .delete_user(pick(&users, *target).unwrap().id)
                    .await;
            }
            Op::Cancel { actor, target } => {
                let _ = actor_api(*actor)
                    .cancel_invite(pick(&users, *target).unwrap().id)
                    .await;
            }
            Op::Resend { actor, target } => {
                let id = pick(&users, *target).unwrap().id;
                if let Ok(issued) = actor_api(*actor).resend_invite(id).await {
                    links.insert(id, issued.token.encode());
                }
            }
            Op::Team {
                actor,
                targets,
                add,
            } => {
                let change = if *add {
                    BulkChange::AddTeam { team: team.id }
                } else {
                    BulkChange::RemoveTeam { team: team.id }
                };
                let _ = actor_api(*actor)
                    .bulk(change, ids(targets), false)
                    .await
                    .unwrap();
            }
        }
        check_invariants(&w, step, &op);
        if step % 3 == 2 {
            catch_up(&w, &mut replica, step).await;
        }
    }
    catch_up(&w, &mut replica, usize::MAX).await;
}

/// A reader that loaded once and follows the change feed (reloading when it is too old) sees
/// what a full reload sees.
async fn catch_up(w: &World, replica: &mut atender_admin::service::Snapshot, step: usize) {
    // Read as whoever manages the workspace now (the first Owner may have been deactivated).
    let users = w.core.store().users(w.ws.id).unwrap();
    let manager = users
        .iter()
        .find(|u| u.status == UserStatus::Active && u.roles.can_manage())
        .expect("an active Owner");
    let api = w.admin(manager);
    match api.changes(replica.seq).await {
        Ok(changes) => replica.apply_changes(changes),
        Err(atender_admin::Error::Refused(atender_admin::domain::Refusal::ChangesExpired {
            ..
        })) => {
            *replica = api.snapshot().await.unwrap();
        }
        Err(e) => panic!("step {step}: the feed failed: {e}"),
    }
    let fresh = api.snapshot().await.unwrap();
    crate::feed::assert_same(replica, &fresh, &format!("step {step}"));
}

fn check_invariants(w: &World, step: usize, op: &Op) {
    let store = w.core.store();
    // The store's own check (the one `check`, `restore` and serving run) finds nothing.
    match store.check_integrity_reporting(&mut |_| {}) {
        Ok((_, warnings)) => assert_eq!(warnings, Vec::<String>::new(), "step {step} ({op:?})"),
        Err(e) => panic!("step {step} ({op:?}): the store's check failed: {e}"),
    }
    let users = store.users(w.ws.id).unwrap();
    let owners = users.iter().filter(|u| u.is_active_owner()).count();
    assert!(owners >= 1, "step {step} ({op:?}): no active Owner left");
    let emails: BTreeSet<_> = users.iter().map(|u| u.email.as_str().to_string()).collect();
    assert_eq!(
        emails.len(),
        users.len(),
        "step {step} ({op:?}): duplicate email"
    );
    for u in &users {
        assert!(
            u.roles.iter().count() >= 1,
            "step {step}: {} has no role",
            u.email
        );
    }
    for t in store.teams(w.ws.id).unwrap() {
        let members = users.iter().filter(|u| u.teams.contains(&t.id)).count() as u64;
        assert_eq!(
            members, t.member_count,
            "step {step} ({op:?}): team count drifted"
        );
    }
    // The counts kept by the writes, and the status ranges, agree with a full scan.
    let counts = store.status_counts(w.ws.id).unwrap();
    for status in [
        UserStatus::Active,
        UserStatus::Inactive,
        UserStatus::Invited,
    ] {
        let scanned: Vec<_> = users
            .iter()
            .filter(|u| u.status == status)
            .map(|u| u.id)
            .collect();
        assert_eq!(
            counts.get(status),
            scanned.len() as u64,
            "step {step} ({op:?}): {status:?} count drifted"
        );
        let mut ranged = Vec::new();
        store
            .scan_users(w.ws.id, Some(status), None, &mut |u| {
                ranged.push(u.id);
                Ok(true)
            })
            .unwrap();
        assert_eq!(
            ranged, scanned,
            "step {step} ({op:?}): {status:?} range drifted"
        );
    }
    // Every user's stored record, as the list route sends it untouched, is exactly the JSON of
    // the user (the API's form), in the same order as a full scan.
    let mut records = Vec::new();
    store
        .scan_user_records(w.ws.id, None, None, &mut |r| {
            records.push((r.id, r.into_json()?));
            Ok(true)
        })
        .unwrap();
    assert_eq!(records.len(), users.len(), "step {step} ({op:?}): records");
    for ((id, json), u) in records.iter().zip(&users) {
        assert_eq!(*id, u.id, "step {step} ({op:?}): record order");
        assert_eq!(
            json.get(),
            serde_json::to_string(u).unwrap(),
            "step {step} ({op:?}): the stored record of {} is not its API form",
            u.email
        );
    }
    // The indexes the rules read inside transactions, against a full scan. Every email the
    // operations can use is looked up, so a stale entry for a deleted user is caught too.
    let scanned_owners: BTreeSet<_> = users
        .iter()
        .filter(|u| u.is_active_owner())
        .map(|u| u.id)
        .collect();
    let candidates = std::iter::once("owner@acme.io".to_string())
        .chain((0..10).map(|i| format!("user{i}@acme.io")));
    store
        .transact(TxMode::DryRun, &|tx| {
            assert_eq!(
                tx.active_owners(w.ws.id)?,
                scanned_owners,
                "step {step} ({op:?}): the stored active-Owner set drifted"
            );
            for email in candidates.clone() {
                let email = Email::parse(&email).unwrap();
                let indexed = tx.user_id_by_email(w.ws.id, &email)?;
                let scanned = users.iter().find(|u| u.email == email).map(|u| u.id);
                assert_eq!(
                    indexed, scanned,
                    "step {step} ({op:?}): the email index disagrees for {email}"
                );
            }
            Ok(())
        })
        .unwrap();
    let invited: BTreeSet<_> = users
        .iter()
        .filter(|u| u.status == UserStatus::Invited)
        .map(|u| u.id)
        .collect();
    let pending: BTreeSet<_> = store
        .invites(w.ws.id)
        .unwrap()
        .into_iter()
        .filter(|i| i.is_pending())
        .map(|i| i.user_id)
        .collect();
    assert_eq!(
        invited, pending,
        "step {step} ({op:?}): every invited user has exactly one pending invite"
    );
}

proptest! {
    // PROPTEST_CASES=N runs longer (README, Reliability).
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn invariants_hold_after_every_operation_on_sled(ops in prop::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(run(ops, Backend::Sled));
    }

    #[test]
    fn invariants_hold_after_every_operation_on_postgres(ops in prop::collection::vec(op(), 1..40)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(run(ops, Backend::Postgres));
    }
}
