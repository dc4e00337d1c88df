//! Rule 3 under concurrency: two simultaneous calls, each removing one of the last two Owners.
//! Exactly one may succeed, every time.

use crate::support::*;
use atender_admin::domain::{Error, Role};
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
                Some(Error::LastOwner { .. } | Error::ActorInactive { .. })
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

on_every_store!(
    two_owners_deactivating_each_other_exactly_one_wins(multi_thread),
    two_owners_dropping_their_own_owner_role_exactly_one_wins(multi_thread)
);
