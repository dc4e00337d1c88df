//! Failed sign-ins are slowed: after 5 failures in 15 minutes for one email, or 20 from one
//! client address, sign-in answers 429 with Retry-After (even with the right password). Only
//! completed failures count. Clients come from different loopback addresses (127.0.0.x) to tell
//! the two apart; X-Forwarded-For counts only from a listed proxy.

use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::net::IpAddr;

fn client_from(ip: &str) -> reqwest::Client {
    http()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn sign_in_from(
    app: &TestApp,
    client: &reqwest::Client,
    slug: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .request(Method::POST, format!("{}/api/v1/session", app.url))
        .json(&json!({"workspace": slug, "email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn five_failures_for_one_email_block_it_from_anywhere(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, _) = app.owner("Acme", "ann@acme.io").await;
    let (one, two) = (client_from("127.0.0.11"), client_from("127.0.0.12"));
    for _ in 0..5 {
        let r = sign_in_from(&app, &one, &slug, "ann@acme.io", "wrong password").await;
        expect_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    // the right password from another address is refused too, for now
    let r = sign_in_from(&app, &two, &slug, "ANN@acme.io", PASSWORD).await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 14 * 60 && retry <= 15 * 60, "{retry}");
    let body = expect_error(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("15 minutes")
    );
    // another email from that address is unaffected
    app.add_user_via_owner("bob@acme.io").await;
    let r = sign_in_from(&app, &two, &slug, "bob@acme.io", PASSWORD).await;
    expect(r, StatusCode::OK).await;
}

async fn twenty_failures_from_one_address_block_it_for_any_email(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, _) = app.owner("Acme", "ann@acme.io").await;
    let (guesser, other) = (client_from("127.0.0.21"), client_from("127.0.0.22"));
    for i in 0..20 {
        let r = sign_in_from(
            &app,
            &guesser,
            &slug,
            &format!("guess{i}@acme.io"),
            "password1",
        )
        .await;
        expect_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    let r = sign_in_from(&app, &guesser, &slug, "ann@acme.io", PASSWORD).await;
    assert!(r.headers().contains_key("retry-after"));
    expect_error(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // the real owner from elsewhere signs in fine
    let r = sign_in_from(&app, &other, &slug, "ann@acme.io", PASSWORD).await;
    expect(r, StatusCode::OK).await;
}

async fn a_mistyped_email_does_not_lock_out_everyone_at_the_address(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, _) = app.owner("Acme", "ann@acme.io").await;
    let office = client_from("127.0.0.23");
    for _ in 0..5 {
        let r = sign_in_from(&app, &office, &slug, "nobody@acme.io", "wrong password").await;
        expect_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    let r = sign_in_from(&app, &office, &slug, "nobody@acme.io", "wrong password").await;
    expect_error(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let r = sign_in_from(&app, &office, &slug, "ann@acme.io", PASSWORD).await;
    expect(r, StatusCode::OK).await;
}

async fn simultaneous_correct_sign_ins_from_one_address_all_succeed(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, _) = app.owner("Acme", "ann@acme.io").await;
    let office = client_from("127.0.0.24");
    let mut sign_ins = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let request = office
            .request(Method::POST, format!("{}/api/v1/session", app.url))
            .json(&json!({"workspace": slug, "email": "ann@acme.io", "password": PASSWORD}));
        sign_ins.spawn(async move { request.send().await.unwrap().status() });
    }
    let statuses = sign_ins.join_all().await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
}

async fn forwarded_for_counts_only_from_a_trusted_proxy(store: Backend) {
    let app = TestApp::spawn_with(Place::new(store), Mail::Sink, |c| {
        c.trusted_proxies = vec!["127.0.0.50".parse().unwrap()];
    })
    .await;
    let (slug, _) = app.owner("Acme", "ann@acme.io").await;
    let proxy = client_from("127.0.0.50");
    let stranger = client_from("127.0.0.51");
    let via = |client: &reqwest::Client, forwarded: &str, email: &str, password: &str| {
        client
            .request(Method::POST, format!("{}/api/v1/session", app.url))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"workspace": slug, "email": email, "password": password}))
            .send()
    };
    // one client behind the proxy spends its address budget
    for i in 0..20 {
        let r = via(
            &proxy,
            "203.0.113.9",
            &format!("g{i}@acme.io"),
            "wrong password",
        )
        .await
        .unwrap();
        expect_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    let r = via(&proxy, "203.0.113.9", "ann@acme.io", PASSWORD)
        .await
        .unwrap();
    expect_error(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // another client behind the same proxy is not affected
    let r = via(&proxy, "203.0.113.10", "ann@acme.io", PASSWORD)
        .await
        .unwrap();
    expect(r, StatusCode::OK).await;
    // a direct client can't borrow someone else's budget by writing the header itself
    for i in 0..20 {
        let r = via(
            &stranger,
            "198.51.100.1",
            &format!("h{i}@acme.io"),
            "wrong password",
        )
        .await
        .unwrap();
        expect_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    let r = via(&stranger, "198.51.100.2", "ann@acme.io", PASSWORD)
        .await
        .unwrap();
    expect_error(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

async fn four_failures_then_success_clears_the_email(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, _) = app.owner("Acme", "ann@acme.io").await;
    let clients: Vec<_> = (31..37)
        .map(|n| client_from(&format!("127.0.0.{n}")))
        .collect();
    for c in &clients[..4] {
        let r = sign_in_from(&app, c, &slug, "ann@acme.io", "wrong password").await;
        expect_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    expect(
        sign_in_from(&app, &clients[4], &slug, "ann@acme.io", PASSWORD).await,
        StatusCode::OK,
    )
    .await;
    let r = sign_in_from(&app, &clients[5], &slug, "ann@acme.io", "wrong password").await;
    expect_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    expect(
        sign_in_from(&app, &clients[5], &slug, "ann@acme.io", PASSWORD).await,
        StatusCode::OK,
    )
    .await;
}

async fn concurrent_guesses_cannot_slip_past_the_limit(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, _) = app.owner("Acme", "ann@acme.io").await;
    let guesser = client_from("127.0.0.41");
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..20 {
        let request = guesser
            .request(Method::POST, format!("{}/api/v1/session", app.url))
            .json(&json!({"workspace": slug, "email": "ann@acme.io", "password": format!("guess number {i}")}));
        guesses.spawn(async move { request.send().await.unwrap().status() });
    }
    let statuses = guesses.join_all().await;
    let tried = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((tried, refused), (5, 15), "{statuses:?}");
}

on_every_store!(
    five_failures_for_one_email_block_it_from_anywhere,
    twenty_failures_from_one_address_block_it_for_any_email,
    a_mistyped_email_does_not_lock_out_everyone_at_the_address,
    simultaneous_correct_sign_ins_from_one_address_all_succeed(4),
    forwarded_for_counts_only_from_a_trusted_proxy,
    four_failures_then_success_clears_the_email,
    concurrent_guesses_cannot_slip_past_the_limit(4)
);
