//! Rule 3 under concurrency: two simultaneous calls, each removing one of the last two Owners.
//! Exactly one may succeed, every time.

use crate::support::*;
use atender_admin::Error;
use atender_admin::domain::Refusal;
use atender_admin::domain::Role;
use atender_admin::service::{AdminApi, BulkChange};
use atender_admin::store::Store;

const ROUNDS: usize = 200;

async fn two_owners_deactivating_each_other_exactly_one_wins(backend: Backend) {
    let w = World::new(backend).await;
    for round in 0..ROUNDS {
        let (ws, a) = new_workspace(&w.core, &format!("Race {round}"), "a@race.io").await;
        let b = add_user(
            &w.core,
            &w.core.admin(ws.id, a.id),
            "b@race.io",
            &[Role::Owner],
        )
        .await;
        let (api_a, api_b) = (w.core.admin(ws.id, a.id), w.core.admin(ws.id, b.id));
        let ta =
            tokio::spawn(
                async move { api_a.bulk(BulkChange::Deactivate, vec![b.id], false).await },
            );
        let tb =
            tokio::spawn(
                async move { api_b.bulk(BulkChange::Deactivate, vec![a.id], false).await },
            );
        let (ra, rb) = (ta.await.unwrap().unwrap(), tb.await.unwrap().unwrap());
        let wins = [&ra[0], &rb[0]].iter().filter(|o| o.is_done()).count();
        assert_eq!(wins, 1, "round {round}: {ra:?} {rb:?}");
        let loser = if ra[0].is_done() { &rb[0] } else { &ra[0] };
        assert!(
            matches!(
                loser.refusal(),
                Some(
                    Error::Refused(Refusal::LastOwner { .. })
                        | Error::Refused(Refusal::ActorInactive { .. })
                )
            ),
            "round {round}: {loser:?}"
        );
        let owners = w
            .core
            .store()
            .users(ws.id)
            .unwrap()
            .iter()
            .filter(|u| u.is_active_owner())
            .count();
        assert_eq!(owners, 1, "round {round}");
    }
}

async fn two_owners_dropping_their_own_owner_role_exactly_one_wins(backend: Backend) {
    let w = World::new(backend).await;
    for round in 0..ROUNDS {
        let (ws, a) = new_workspace(&w.core, &format!("Drop {round}"), "a@drop.io").await;
        let b = add_user(
            &w.core,
            &w.core.admin(ws.id, a.id),
            "b@drop.io",
            &[Role::Owner],
        )
        .await;
        let (api_a, api_b) = (w.core.admin(ws.id, a.id), w.core.admin(ws.id, b.id));
        let demote = BulkChange::SetRoles {
            roles: vec![Role::Admin],
        };
        let (da, db) = (demote.clone(), demote);
        let ta = tokio::spawn(async move { api_a.bulk(da, vec![a.id], false).await });
        let tb = tokio::spawn(async move { api_b.bulk(db, vec![b.id], false).await });
        let (ra, rb) = (ta.await.unwrap().unwrap(), tb.await.unwrap().unwrap());
        let wins = [&ra[0], &rb[0]].iter().filter(|o| o.is_done()).count();
        assert_eq!(wins, 1, "round {round}: {ra:?} {rb:?}");
        let owners = w
            .core
            .store()
            .users(ws.id)
            .unwrap()
            .iter()
            .filter(|u| u.is_active_owner())
            .count();
        assert_eq!(owners, 1, "round {round}");
    }
}

/// The sole Owner hands ownership to C while an Admin deactivates C: whichever commits first,
/// the workspace keeps exactly one active Owner (never an inactive one alone).
async fn transferring_ownership_while_the_target_is_deactivated_keeps_one_active_owner(
    backend: Backend,
) {
    let w = World::new(backend).await;
    for round in 0..100 {
        let (ws, a) = new_workspace(&w.core, &format!("Hand {round}"), "a@hand.io").await;
        let api_a = w.core.admin(ws.id, a.id);
        let d = add_user(&w.core, &api_a, "d@hand.io", &[Role::Admin]).await;
        let c = add_user(&w.core, &api_a, "c@hand.io", &[Role::Agent]).await;
        let api_d = w.core.admin(ws.id, d.id);
        let transfer = tokio::spawn(async move { api_a.transfer_ownership(c.id).await });
        let deactivate =
            tokio::spawn(
                async move { api_d.bulk(BulkChange::Deactivate, vec![c.id], false).await },
            );
        let (t, dd) = (transfer.await.unwrap(), deactivate.await.unwrap().unwrap());
        match &t {
            Ok(moved) => {
                assert_eq!(moved.owner.id, c.id);
                assert!(
                    dd[0].refusal().is_some(),
                    "round {round}: an Admin can't deactivate the new Owner"
                );
            }
            Err(e) => {
                assert!(
                    matches!(e, Error::Refused(Refusal::WrongStatus { .. })),
                    "round {round}: {e:?}"
                );
                assert!(dd[0].is_changed(), "round {round}");
            }
        }
        let owners: Vec<_> = w
            .core
            .store()
            .users(ws.id)
            .unwrap()
            .into_iter()
            .filter(|u| u.roles.is_owner())
            .collect();
        assert_eq!(owners.len(), 1, "round {round}");
        assert!(owners[0].is_active_owner(), "round {round}");
        let ws_id = ws.id;
        let index = w
            .core
            .store()
            .transact(atender_admin::store::TxMode::DryRun, &|tx| {
                tx.active_owners(ws_id)
            })
            .unwrap();
        assert_eq!(index.len(), 1, "round {round}: the index agrees");
    }
}

on_every_store!(
    two_owners_deactivating_each_other_exactly_one_wins(multi_thread),
    two_owners_dropping_their_own_owner_role_exactly_one_wins(multi_thread),
    transferring_ownership_while_the_target_is_deactivated_keeps_one_active_owner(multi_thread)
);
