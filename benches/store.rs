//! What the stores cost per operation, through the service as the server calls it: one page of
//! the user list, one edit (acknowledged, so flushed), and a bulk deactivation of 1,000 users.
//! Three stores side by side: sled with the sync that makes an acknowledged write survive a
//! power cut, sled without it (sled's `flush` alone: what that sync costs), and PostgreSQL.
//!
//! `cargo bench --bench store` prints medians (release build). PostgreSQL comes from
//! ATENDER_BENCH_DATABASE_URL, else ATENDER_TEST_DATABASE_URL (what `scripts/test` starts, with
//! fsync off: use a cluster with the default settings for figures). Each run works in a schema
//! of its own, dropped at the end. Under `cargo test` it runs once on a small workspace as a
//! smoke test. Figures are recorded in BENCHMARKS.md.

use atender_admin::demo;
use atender_admin::domain::{HashCost, UserStatus};
use atender_admin::service::{AdminApi, BulkChange, Core, CoreConfig, ManualClock, UserQuery};
use atender_admin::store::postgres::testing;
use atender_admin::store::{AnyStore, PgStore, SledStore, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

enum Kind {
    SledSynced,
    SledUnsynced,
    Postgres,
}

impl Kind {
    fn label(&self) -> &'static str {
        match self {
            Kind::SledSynced => "sled + sync_data",
            Kind::SledUnsynced => "sled, flush only",
            Kind::Postgres => "PostgreSQL",
        }
    }
}

/// A store of the kind, and what must be cleaned up after it.
fn open(kind: &Kind, dir: &std::path::Path, url: &str) -> (AnyStore, Option<String>) {
    match kind {
        Kind::SledSynced => (SledStore::open(dir).expect("a store").into(), None),
        Kind::SledUnsynced => (
            SledStore::open(dir)
                .expect("a store")
                .without_sync_for_benchmarks()
                .into(),
            None,
        ),
        Kind::Postgres => {
            let schema = format!("bench_{}", uuid::Uuid::now_v7().simple());
            testing::execute(url, &format!("CREATE SCHEMA {schema}")).expect("a schema");
            let store = PgStore::open(&testing::url_with_schema(url, &schema)).expect("a store");
            (store.into(), Some(schema))
        }
    }
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let url = std::env::var("ATENDER_BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("ATENDER_TEST_DATABASE_URL"))
        .expect(
            "set ATENDER_BENCH_DATABASE_URL (or ATENDER_TEST_DATABASE_URL) to a PostgreSQL \
             database: ./scripts/test starts one",
        );
    // Enough for 1,000 active users besides the Owner (the demo also has inactive and invited).
    let (size, bulk, rounds) = if measuring {
        (1_200, 1_000, 50)
    } else {
        (60, 20, 3)
    };
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    println!(
        "{:<18} {:>14} {:>14} {:>22} {:>14} {:>22}",
        "store",
        "list page (50)",
        "single edit",
        format!("bulk deactivate {bulk}"),
        "per user",
        "8 writers: edits/s"
    );
    for kind in [Kind::SledSynced, Kind::SledUnsynced, Kind::Postgres] {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (store, schema) = open(&kind, dir.path(), &url);
        let now = time::OffsetDateTime::now_utc();
        let (ws, owner) =
            demo::seed(&store, now, size, HashCost::insecure_for_tests()).expect("a demo");
        let core = Core::new(
            store,
            Arc::new(ManualClock::new(now)),
            CoreConfig {
                hash_cost: HashCost::insecure_for_tests(),
                ..CoreConfig::default()
            },
        );
        let api = core.admin(ws.id, owner.id);
        let (list, edit, bulk_time, concurrent) = rt.block_on(async {
            let page = || UserQuery {
                status: Some(UserStatus::Active),
                q: None,
                limit: Some(50),
                after: None,
            };
            let mut list = Vec::new();
            for _ in 0..rounds {
                let start = Instant::now();
                let got = api.list_users(page()).await.expect("a page");
                list.push(start.elapsed());
                assert!(!got.items.is_empty());
            }
            let active: Vec<_> = core
                .store()
                .users(ws.id)
                .expect("the users")
                .into_iter()
                .filter(|u| u.status == UserStatus::Active && !u.roles.is_owner())
                .map(|u| u.id)
                .collect();
            assert!(active.len() > bulk, "only {} active users", active.len());
            let target = active[bulk];
            let mut edit = Vec::new();
            for i in 0..rounds {
                let start = Instant::now();
                let out = api
                    .bulk(
                        BulkChange::SetBeta { beta: i % 2 == 0 },
                        vec![target],
                        false,
                    )
                    .await
                    .expect("an edit");
                edit.push(start.elapsed());
                assert!(out[0].refusal().is_none(), "{out:?}");
            }
            // Eight writers at once, each editing its own user of the one workspace: what the
            // workspace's change counter (every write takes the next number) lets through.
            let writers = 8;
            let start = Instant::now();
            let mut set = tokio::task::JoinSet::new();
            for w in 0..writers {
                let (api, user) = (api.clone(), active[bulk - 1 - w]);
                set.spawn(async move {
                    for i in 0..rounds {
                        let out = api
                            .bulk(BulkChange::SetBeta { beta: i % 2 == 0 }, vec![user], false)
                            .await
                            .expect("an edit");
                        assert!(out[0].refusal().is_none(), "{out:?}");
                    }
                });
            }
            set.join_all().await;
            let concurrent = (writers * rounds) as f64 / start.elapsed().as_secs_f64();
            let start = Instant::now();
            let out = api
                .bulk(BulkChange::Deactivate, active[..bulk].to_vec(), false)
                .await
                .expect("a bulk deactivation");
            let bulk_time = start.elapsed();
            assert!(out.iter().all(|o| o.is_done()), "every user deactivated");
            (median(list), median(edit), bulk_time, concurrent)
        });
        println!(
            "{:<18} {:>14} {:>14} {:>22} {:>14} {:>22.0}",
            kind.label(),
            ms(list),
            ms(edit),
            ms(bulk_time),
            ms(bulk_time / bulk as u32),
            concurrent
        );
        drop(api);
        drop(core);
        if let Some(schema) = schema {
            let _ = testing::execute(&url, &format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}
