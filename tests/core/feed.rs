//! Reads that cost what they return: paging by cursor, per-status counts, and the change feed
//! that lets a reader catch up without reloading everything.

use crate::support::*;
use atender_admin::Error;
use atender_admin::domain::Refusal;
use atender_admin::domain::{Role, UserId, UserStatus};
use atender_admin::service::{AdminApi, BulkChange, UserQuery};
use atender_admin::store::{AnyStore, SledStore, Store};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Every user that exists from start to end of a walk by cursor is listed exactly once, while
/// other users are invited and deleted concurrently; nobody is listed twice.
async fn paging_by_cursor_lists_everyone_once_while_users_come_and_go(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    let mut stable = BTreeSet::from([w.owner.id]);
    for i in 0..120 {
        let (u, _) = w
            .invite(&format!("stable{i}@acme.io"), &[Role::Agent])
            .await;
        stable.insert(u.id);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let churn = {
        let (api, stop) = (api.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let issued = api
                    .invite(new_invite(&format!("churn{n}@acme.io"), &[Role::Agent]))
                    .await
                    .unwrap();
                if n % 2 == 0 {
                    api.delete_user(issued.user.id).await.unwrap();
                }
                n += 1;
            }
            n
        })
    };
    for round in 0..15 {
        let mut seen: Vec<UserId> = Vec::new();
        let mut after = None;
        loop {
            let page = api
                .list_users(UserQuery {
                    limit: Some(7),
                    after,
                    ..UserQuery::default()
                })
                .await
                .unwrap();
            seen.extend(page.items.iter().map(|u| u.id));
            match page.next {
                Some(next) => after = Some(next.parse().unwrap()),
                None => break,
            }
        }
        let unique: BTreeSet<UserId> = seen.iter().copied().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "round {round}: someone listed twice"
        );
        assert!(
            stable.is_subset(&unique),
            "round {round}: {} stable users missing",
            stable.difference(&unique).count()
        );
        let ordered = seen.windows(2).all(|p| p[0] < p[1]);
        assert!(ordered, "round {round}: pages not in id order");
    }
    stop.store(true, Ordering::Relaxed);
    let churned = churn.await.unwrap();
    assert!(churned > 0, "the concurrent invites never ran");
}

async fn a_status_page_and_its_total_come_from_the_status_range(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    let mut agents = Vec::new();
    for i in 0..9 {
        agents.push(w.add(&format!("a{i}@acme.io"), &[Role::Agent]).await);
    }
    for i in 0..4 {
        w.invite(&format!("i{i}@acme.io"), &[Role::Agent]).await;
    }
    let off: Vec<UserId> = agents.iter().step_by(3).map(|u| u.id).collect();
    api.bulk(BulkChange::Deactivate, off.clone(), false)
        .await
        .unwrap();
    let page = |status, after| {
        api.list_users(UserQuery {
            status: Some(status),
            limit: Some(2),
            after,
            ..UserQuery::default()
        })
    };
    let first = page(UserStatus::Inactive, None).await.unwrap();
    assert_eq!(first.total, Some(3));
    assert_eq!(first.items.len(), 2);
    let rest = page(
        UserStatus::Inactive,
        Some(first.next.unwrap().parse().unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.next, None);
    let listed: Vec<UserId> = first
        .items
        .iter()
        .chain(&rest.items)
        .map(|u| u.id)
        .collect();
    assert_eq!(listed, off);
    assert_eq!(
        page(UserStatus::Invited, None).await.unwrap().total,
        Some(4)
    );
    assert_eq!(page(UserStatus::Active, None).await.unwrap().total, Some(7));
    // a text search says nothing about a total it did not count
    let found = api
        .list_users(UserQuery {
            q: Some("a1@".into()),
            ..UserQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.total, None);
}

async fn a_feed_older_than_it_keeps_says_reload_everything(backend: Backend) {
    let w = World::keeping_changes(backend, Some(4)).await;
    let core = &w.core;
    let api = w.owner_api();
    let start = api.change_seq().await.unwrap();
    for i in 0..30 {
        add_user(core, &api, &format!("u{i}@acme.io"), &[Role::Agent]).await;
    }
    let latest = api.change_seq().await.unwrap();
    assert!(
        latest >= start + 60,
        "each invite and acceptance is a change"
    );
    match api.changes(start).await {
        Err(Error::Refused(Refusal::ChangesExpired { since, oldest })) => {
            assert_eq!(since, start);
            assert!(oldest > start && oldest < latest, "{oldest}");
        }
        other => panic!("expected ChangesExpired, got {other:?}"),
    }
    // the recent past is still there, and answers with the latest state
    let recent = api.changes(latest - 2).await.unwrap();
    assert_eq!(recent.seq, latest);
    assert!(!recent.users.is_empty());
    // a sequence number from the future (another store) is refused the same way
    assert!(matches!(
        api.changes(latest + 10).await,
        Err(Error::Refused(Refusal::ChangesExpired { .. }))
    ));
    // nothing new: an empty answer at the same sequence number
    let none = api.changes(latest).await.unwrap();
    assert!(none.is_empty());
    assert_eq!(none.seq, latest);
}

async fn deletions_and_team_changes_reach_the_feed(backend: Backend) {
    let w = World::new(backend).await;
    let api = w.owner_api();
    let gone = w.add("gone@acme.io", &[Role::Agent]).await;
    let (cancelled, _) = w.invite("cancelled@acme.io", &[Role::Agent]).await;
    let team = api.create_team("Billing".into()).await.unwrap();
    let mut replica = api.snapshot().await.unwrap();
    api.delete_user(gone.id).await.unwrap();
    api.cancel_invite(cancelled.id).await.unwrap();
    api.rename_team(team.id, "Invoices".into()).await.unwrap();
    let other = api.create_team("Other".into()).await.unwrap();
    api.delete_team(other.id).await.unwrap();
    let changes = api.changes(replica.seq).await.unwrap();
    let removed: BTreeSet<UserId> = changes.removed_users.iter().copied().collect();
    assert_eq!(removed, BTreeSet::from([gone.id, cancelled.id]));
    assert_eq!(changes.removed_teams, vec![other.id]);
    assert_eq!(changes.teams.len(), 1);
    replica.apply_changes(changes);
    assert_same(&replica, &api.snapshot().await.unwrap(), "after deletions");
}

/// Compares what a reader sees: users, pending invites, teams and the workspace.
pub fn assert_same(
    replica: &atender_admin::service::Snapshot,
    fresh: &atender_admin::service::Snapshot,
    when: &str,
) {
    let by_id = |s: &atender_admin::service::Snapshot| -> HashMap<UserId, String> {
        s.users
            .iter()
            .map(|u| (u.id, serde_json::to_string(u).unwrap()))
            .collect()
    };
    assert_eq!(by_id(replica), by_id(fresh), "{when}: users differ");
    let invites = |s: &atender_admin::service::Snapshot| {
        let mut v: Vec<String> = s
            .invites
            .iter()
            .map(|i| serde_json::to_string(i).unwrap())
            .collect();
        v.sort();
        v
    };
    assert_eq!(invites(replica), invites(fresh), "{when}: invites differ");
    let teams = |s: &atender_admin::service::Snapshot| {
        let mut v: Vec<String> = s
            .teams
            .iter()
            .map(|t| serde_json::to_string(t).unwrap())
            .collect();
        v.sort();
        v
    };
    assert_eq!(teams(replica), teams(fresh), "{when}: teams differ");
    assert_eq!(
        replica.workspace, fresh.workspace,
        "{when}: workspace differs"
    );
}

#[tokio::test]
async fn a_schema_1_store_is_upgraded_when_opened() {
    let w = World::new(Backend::Sled).await;
    for i in 0..5 {
        w.add(&format!("a{i}@acme.io"), &[Role::Agent]).await;
    }
    w.invite("i@acme.io", &[Role::Agent]).await;
    let expected = w.core.store().status_counts(w.ws.id).unwrap();
    assert_eq!((expected.active, expected.invited), (6, 1));
    let AnyStore::Sled(sled) = w.core.store() else {
        unreachable!("a sled world")
    };
    sled.downgrade_to_schema_1_for_tests().unwrap();
    let World {
        place, core, ws, ..
    } = w;
    drop(core);
    let Place::Folder(dir) = &place else {
        unreachable!("a sled world")
    };
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(store.status_counts(ws.id).unwrap(), expected);
    let mut invited = Vec::new();
    store
        .scan_users(ws.id, Some(UserStatus::Invited), None, &mut |u| {
            invited.push(u.email.to_string());
            Ok(true)
        })
        .unwrap();
    assert_eq!(invited, vec!["i@acme.io".to_string()]);
}

on_every_store!(
    paging_by_cursor_lists_everyone_once_while_users_come_and_go(multi_thread),
    a_status_page_and_its_total_come_from_the_status_range,
    a_feed_older_than_it_keeps_says_reload_everything,
    deletions_and_team_changes_reach_the_feed,
);

/// A schema-1 PostgreSQL database with a workspace in it gains the feed when opened: its
/// counter starts at 0, and the next change is numbered 1 and reported.
#[test]
fn a_schema_1_postgres_database_gains_the_feed_when_opened() {
    use atender_admin::store::postgres::testing;
    use atender_admin::store::{PgStore, TxMode};
    let schema = TestSchema::new();
    drop(PgStore::open_at(&schema.url, 1).unwrap());
    testing::execute(
        &schema.url,
        "INSERT INTO workspaces (id, name, slug, created_at) \
         VALUES ('0192f1e0-0000-7000-8000-000000000001', 'Acme', 'acme', now())",
    )
    .unwrap();
    let store = PgStore::open(&schema.url).unwrap();
    let ws = store.workspaces().unwrap().remove(0);
    assert_eq!(store.change_seq(ws.id).unwrap(), 0);
    let nothing = store.changes_since(ws.id, 0).unwrap().unwrap();
    assert_eq!((nothing.seq, nothing.workspace), (0, false));
    store
        .transact(TxMode::Commit, &|tx| tx.put_workspace(&ws))
        .unwrap();
    assert_eq!(store.change_seq(ws.id).unwrap(), 1);
    let changed = store.changes_since(ws.id, 0).unwrap().unwrap();
    assert_eq!((changed.seq, changed.workspace), (1, true));
    assert!(store.changes_since(ws.id, 2).unwrap().is_err());
}
