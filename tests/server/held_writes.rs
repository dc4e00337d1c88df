//! Issue 21, point 3: a backup holds writers back only for its local copy, never for its
//! reader; a write is never answered with a timeout or an error while it can still commit.

use crate::support::*;
use atender_admin::server::ServerConfig;
use atender_admin::store::{AnyStore, SledStore};
use reqwest::{Method, Response, StatusCode};
use serde_json::json;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn sled_of(app: &TestApp) -> SledStore {
    match app.core.store() {
        AnyStore::Sled(s) => s.clone(),
        AnyStore::Postgres(_) => panic!("this test needs a sled store"),
    }
}

async fn invite(app: &TestApp, token: &str, email: &str) -> Response {
    app.api(Method::POST, "/invites", token)
        .json(&json!({"email": email, "full_name": "Held Person", "roles": ["agent"], "send_invite": false}))
        .send()
        .await
        .unwrap()
}

async fn health(app: &TestApp) -> serde_json::Value {
    let r = app
        .request(Method::GET, "/api/v1/healthz", None)
        .send()
        .await
        .unwrap();
    expect(r, StatusCode::OK).await
}

/// Files the backup left in the store folder (its local copy must never stay).
fn leftovers(store: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(store)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".backup-"))
        .collect()
}

#[test]
fn production_values_of_the_write_wait_and_the_backup_timeout() {
    let config = ServerConfig::new(PathBuf::from("/srv/atender"), "127.0.0.1:8080".into());
    assert_eq!(config.request_timeout, Duration::from_secs(30));
    assert_eq!(config.write_wait, Duration::from_secs(10));
    assert_eq!(config.backup_idle_timeout, Duration::from_secs(30));
}

/// A client asks the control socket for a backup (larger than the socket's buffers) and never
/// reads: writes, sign-in and sign-out among them, answer at once, health says writes are
/// open, and the client is dropped after the idle timeout with no temporary file left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_backup_client_holds_no_writer_and_is_dropped() {
    let place = Place::new(Backend::Sled);
    {
        let store = SledStore::open(place.store_dir()).unwrap();
        atender_admin::demo::seed(
            &store,
            time::macros::datetime!(2026-11-02 09:00 UTC),
            1000,
            atender_admin::domain::HashCost::insecure_for_tests(),
        )
        .unwrap();
    }
    let data = place.store_dir();
    let idle = Duration::from_secs(2);
    let app = TestApp::spawn_with(place, Mail::Sink, |c| {
        c.backup_idle_timeout = idle;
        c.request_timeout = Duration::from_secs(5);
    })
    .await;
    let (slug, owner) = app.owner("Acme", "ann@acme.io").await;

    let mut stalled =
        std::os::unix::net::UnixStream::connect(atender_admin::server::control::socket_path(&data))
            .unwrap();
    stalled.write_all(b"backup\n").unwrap();
    let asked = Instant::now();
    // The local copy takes moments; then the server is stuck on a reader that doesn't read.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let quick = Duration::from_millis(1500);
    for i in 0..3 {
        let started = Instant::now();
        expect(
            invite(&app, &owner, &format!("during{i}@acme.io")).await,
            StatusCode::CREATED,
        )
        .await;
        assert!(
            started.elapsed() < quick,
            "invite {i}: {:?}",
            started.elapsed()
        );
    }
    let started = Instant::now();
    let token = app.sign_in(&slug, "ann@acme.io").await;
    let r = app
        .request(Method::DELETE, "/api/v1/session", Some(&token))
        .send()
        .await
        .unwrap();
    expect(r, StatusCode::NO_CONTENT).await;
    assert!(
        started.elapsed() < quick,
        "sign-in and out: {:?}",
        started.elapsed()
    );
    let said = health(&app).await;
    assert_eq!(
        said["writes"], "ok",
        "the stalled reader holds no writer: {said}"
    );
    assert!(
        asked.elapsed() < idle,
        "the writes ran while the client stalled"
    );

    // The client is dropped after the idle timeout: what it reads then ends early.
    stalled
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    tokio::time::sleep(idle + Duration::from_millis(500)).await;
    let received = tokio::task::spawn_blocking(move || {
        let mut all = Vec::new();
        stalled.read_to_end(&mut all).map(|_| all)
    })
    .await
    .unwrap()
    .expect("the server closes the stalled connection (no read timeout)");
    assert!(received.starts_with(b"ok\n"));
    let cut = atender_admin::store::backup::read_backup(&mut &received[3..], &mut |_, _| Ok(()))
        .unwrap_err()
        .to_string();
    assert!(cut.contains("ends early"), "{cut}");
    assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

    // A reader that reads gets the whole backup, and nothing is left behind either.
    let work = tempfile::tempdir().unwrap();
    let to = work.path().join("after.backup");
    let (records, through_server) = tokio::task::spawn_blocking({
        let (data, to) = (data.clone(), to.clone());
        move || atender_admin::server::control::backup(&data, &to).unwrap()
    })
    .await
    .unwrap();
    assert!(through_server);
    assert!(records > 1000, "{records}");
    assert!(leftovers(&data).is_empty());
}

/// While a backup's copy holds writes back: health says since when (still 200), reads go on,
/// and a write that would wait longer than the write wait is answered 503 with Retry-After
/// before it starts — the invite is not made and the sign-out does not happen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_held_longer_than_the_write_wait_is_refused_and_not_made() {
    let app = TestApp::spawn_with(Place::new(Backend::Sled), Mail::Sink, |c| {
        c.write_wait = Duration::from_millis(300);
        c.request_timeout = Duration::from_millis(500);
    })
    .await;
    let (slug, owner) = app.owner("Acme", "ann@acme.io").await;
    let other = app.sign_in(&slug, "ann@acme.io").await;
    assert_eq!(health(&app).await["writes"], "ok");

    let held = sled_of(&app).hold_writes_for_tests();
    let said = health(&app).await;
    assert_eq!(said["status"], "ok");
    let writes = said["writes"].as_str().unwrap().to_string();
    assert!(writes.starts_with("held since 20"), "{said}");

    let started = Instant::now();
    let r = invite(&app, &owner, "held@acme.io").await;
    assert_eq!(r.headers()["retry-after"], "2");
    let body = expect_error(r, StatusCode::SERVICE_UNAVAILABLE, "writes_held").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was changed"),
        "{body}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    let r = app
        .request(Method::DELETE, "/api/v1/session", Some(&other))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::SERVICE_UNAVAILABLE, "writes_held").await;
    // reads go on
    let r = app.api(Method::GET, "/me", &owner).send().await.unwrap();
    expect(r, StatusCode::OK).await;
    // held past the old request budget too: nothing refused may commit later
    tokio::time::sleep(Duration::from_millis(1000)).await;
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;

    assert_eq!(health(&app).await["writes"], "ok");
    // the refused invite was never made (a retry is 201, not 409) …
    expect(
        invite(&app, &owner, "held@acme.io").await,
        StatusCode::CREATED,
    )
    .await;
    // … and the refused sign-out never happened
    let r = app.api(Method::GET, "/me", &other).send().await.unwrap();
    expect(r, StatusCode::OK).await;
}

/// A write slower than the request timeout (held behind a backup's copy on sled, behind a lock
/// on PostgreSQL) answers its real result, never 408 for a change that is then made.
async fn a_write_slower_than_the_request_timeout_answers_its_real_result(store: Backend) {
    let place = Place::new(store);
    let database = place.database.as_ref().map(|d| d.url.clone());
    let app = TestApp::spawn_with(place, Mail::Sink, |c| {
        c.request_timeout = Duration::from_millis(300);
        c.write_wait = Duration::from_secs(10);
    })
    .await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    let slow = Duration::from_millis(1500);
    let holder = match &database {
        None => {
            let sled = sled_of(&app);
            std::thread::spawn(move || {
                let held = sled.hold_writes_for_tests();
                std::thread::sleep(slow);
                drop(held);
            })
        }
        Some(url) => {
            let url = url.clone();
            std::thread::spawn(move || {
                atender_admin::store::postgres::testing::execute(
                    &url,
                    &format!(
                        "BEGIN; LOCK TABLE invites IN EXCLUSIVE MODE; SELECT pg_sleep({}); COMMIT;",
                        slow.as_secs_f64()
                    ),
                )
                .unwrap();
            })
        }
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let r = invite(&app, &owner, "slow@acme.io").await;
    let took = started.elapsed();
    expect(r, StatusCode::CREATED).await;
    assert!(
        took > Duration::from_millis(600),
        "the write was held past the request timeout: {took:?}"
    );
    tokio::task::spawn_blocking(move || holder.join().unwrap())
        .await
        .unwrap();
    // it exists once, as answered
    let r = invite(&app, &owner, "slow@acme.io").await;
    expect_error(r, StatusCode::CONFLICT, "duplicate_email").await;
    // reads keep their timeout: a quick one answers
    let r = app.api(Method::GET, "/me", &owner).send().await.unwrap();
    expect(r, StatusCode::OK).await;
}

on_every_store!(a_write_slower_than_the_request_timeout_answers_its_real_result);
