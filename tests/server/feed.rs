//! The change feed over HTTP, and the console's refresh through it: after the first load, a
//! refresh costs the changes, not the workspace.

use crate::support::*;
use atender_admin::client::{ClientConfig, HttpClient};
use atender_admin::demo;
use atender_admin::domain::HashCost;
use atender_admin::service::{AdminApi, BulkChange};
use atender_admin::tui::app::App;
use atender_admin::tui::effects;
use atender_admin::tui::model::Context;
use reqwest::{Method, StatusCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;

async fn the_feed_answers_what_changed_and_410_when_it_cannot(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    let start = expect(
        app.api(Method::GET, "/changes", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let seq = start["seq"].as_u64().expect("a sequence number");
    assert_eq!(start["users"].as_array().map(Vec::len), Some(0));
    app.invite(&owner, "bob@acme.io", &["agent"]).await;
    let changed = expect(
        app.api(Method::GET, &format!("/changes?since={seq}"), &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(changed["seq"].as_u64().unwrap() > seq);
    let emails: Vec<&str> = changed["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert_eq!(emails, vec!["bob@acme.io"]);
    assert_eq!(changed["invites"].as_array().map(Vec::len), Some(1));
    // a number the server never gave: reload everything
    expect_error(
        app.api(Method::GET, "/changes?since=999999", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::GONE,
        "changes_expired",
    )
    .await;
    expect_error(
        app.api(Method::GET, "/changes?since=-1", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    expect(
        app.request(Method::GET, "/api/v1/changes", None)
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

/// A proxy that counts the bytes the server sends back.
async fn counting_proxy(upstream: &str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.trim_start_matches("http://").to_string();
    let bytes = Arc::new(AtomicUsize::new(0));
    let count = bytes.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (upstream, count) = (upstream.clone(), count.clone());
            tokio::spawn(async move {
                let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut cr, mut cw) = client.split();
                let (mut sr, mut sw) = server.split();
                let up = tokio::io::copy(&mut cr, &mut sw);
                let down = async {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        use tokio::io::{AsyncReadExt, AsyncWriteExt};
                        match sr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                count.fetch_add(n, Ordering::SeqCst);
                                if cw.write_all(&buf[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                };
                tokio::select! { _ = up => {}, _ = down => {} }
            });
        }
    });
    (url, bytes)
}

/// Runs the app's pending effects against the server until none are left.
async fn settle(app: &mut App, api: &HttpClient) {
    for _ in 0..10 {
        let pending = app.take_effects();
        if pending.is_empty() {
            break;
        }
        for (id, e) in pending {
            let msg = effects::answer(api, id, e).await;
            app.on_msg(msg);
        }
    }
}

async fn the_consoles_refresh_costs_the_changes_not_the_workspace(store: Backend) {
    let server = TestApp::spawn(store).await;
    let now = server.core.now();
    let store = server.core.store().clone();
    let (ws, owner) = tokio::task::spawn_blocking(move || {
        demo::seed(&store, now, 600, HashCost::insecure_for_tests())
    })
    .await
    .unwrap()
    .unwrap();
    let (url, bytes) = counting_proxy(&server.url).await;
    let config = ClientConfig {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(10),
        read_retries: 0,
        retry_backoff: Duration::from_millis(20),
    };
    let session = HttpClient::sign_in(
        &url,
        config,
        &ws.slug,
        owner.email.as_str(),
        demo::DEMO_PASSWORD,
    )
    .await
    .unwrap();
    let api = session.client;
    let mut app = App::new(Context::local("TEST", url.clone()));
    app.on_resize(120, 40);

    bytes.store(0, Ordering::SeqCst);
    app.reload();
    settle(&mut app, &api).await;
    let first_load = bytes.swap(0, Ordering::SeqCst);
    let loaded = app.data().expect("loaded").users.len();
    assert_eq!(loaded, 600);
    assert!(
        first_load > 200_000,
        "the first load is everything: {first_load} bytes"
    );

    app.reload();
    settle(&mut app, &api).await;
    let idle = bytes.swap(0, Ordering::SeqCst);
    assert!(idle < 10_000, "a refresh with no changes sent {idle} bytes");
    assert_eq!(app.data().unwrap().users.len(), 600);

    // someone else deactivates three users: the refresh brings those three
    let local = server.core.admin(ws.id, owner.id);
    let snapshot = local.snapshot().await.unwrap();
    let three: Vec<_> = snapshot
        .users
        .iter()
        .filter(|u| u.status == atender_admin::domain::UserStatus::Active && u.id != owner.id)
        .take(3)
        .map(|u| u.id)
        .collect();
    local
        .bulk(BulkChange::Deactivate, three.clone(), false)
        .await
        .unwrap();
    app.reload();
    settle(&mut app, &api).await;
    let three_changed = bytes.swap(0, Ordering::SeqCst);
    assert!(
        three_changed < 10_000,
        "a refresh with three changes sent {three_changed} bytes"
    );
    let data = app.data().unwrap();
    for id in &three {
        assert_eq!(
            data.user(*id).unwrap().status,
            atender_admin::domain::UserStatus::Inactive
        );
    }
    // what the console holds now is what a full load gives
    let fresh = local.snapshot().await.unwrap();
    let mut held: Vec<String> = data
        .users
        .iter()
        .map(|u| serde_json::to_string(u).unwrap())
        .collect();
    let mut full: Vec<String> = fresh
        .users
        .iter()
        .map(|u| serde_json::to_string(u).unwrap())
        .collect();
    held.sort();
    full.sort();
    assert_eq!(held, full);
    assert_eq!(data.invites.len(), fresh.invites.len());
}

on_every_store!(
    the_feed_answers_what_changed_and_410_when_it_cannot,
    the_consoles_refresh_costs_the_changes_not_the_workspace
);
