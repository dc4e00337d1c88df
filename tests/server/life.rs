//! The whole life of a workspace over HTTP: init → the Owner accepts → signs in → creates a team
//! → invites (by email) → the invitee accepts and signs in → deactivation ends their session →
//! reactivation → deletion erases them and their history. And no secret reaches the logs.

use crate::smtp_sink::link_in;
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn init_invite_accept_sign_in_deactivate_reactivate_delete(store: Backend) {
    // init, through the real command, before the server holds the store
    let place = Place::new(store);
    let (slug, owner_link) = run_init(&place, "Acme", "ann@acme.io", "https://atender.test");
    assert_eq!(slug, "acme");
    // links are built from the configured public URL
    assert!(
        owner_link.starts_with("https://atender.test/accept?token="),
        "{owner_link}"
    );
    let app = TestApp::spawn_in(place, Mail::Sink).await;
    let path = owner_link.trim_start_matches("https://atender.test");

    // the Owner opens the link (twice: opening never uses it up) and sets a password
    for _ in 0..2 {
        let page = app.request(Method::GET, path, None).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        assert!(page.text().await.unwrap().contains("ann@acme.io"));
    }
    let done = app
        .request(Method::POST, "/accept", None)
        .form(&[
            ("token", token_of(&owner_link)),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.unwrap().contains("Your password is set"));

    let owner = app.sign_in(&slug, "ann@acme.io").await;
    let me = expect(
        app.api(Method::GET, "/me", &owner).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["user"]["email"], "ann@acme.io");
    assert_eq!(me["workspace"]["slug"], "acme");

    // a team, and an invite by email into it
    let team = expect(
        app.api(Method::POST, "/teams", &owner)
            .json(&json!({"name": "Support"}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let invited = expect(
        app.api(Method::POST, "/invites", &owner)
            .json(
                &json!({"email": "bob@acme.io", "full_name": "Bob Stone", "roles": ["agent"],
                          "teams": [team["id"]], "send_invite": true}),
            )
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(invited["email"], "sent", "{invited}");
    assert_eq!(invited["invite"]["email_sent"], true);
    let bob_id = invited["user"]["id"].as_str().unwrap().to_string();
    let email = app.mail.next_message().await;
    assert!(email.contains("bob@acme.io"));
    assert!(
        email.contains("Subject: First Owner invited you to Acme on Atender")
            || email.contains("invited you to Acme"),
        "{email}"
    );
    let link = link_in(&email);
    assert_eq!(link, invited["link"].as_str().unwrap());
    assert!(link.starts_with(&app.url));
    let page = app
        .request(Method::GET, link.trim_start_matches(&app.url), None)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("bob@acme.io"));
    let done = app
        .request(Method::POST, "/accept", None)
        .form(&[
            ("token", token_of(&link)),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert!(done.text().await.unwrap().contains("Your password is set"));

    // the invitee signs in, and is in the team
    let bob = app.sign_in(&slug, "bob@acme.io").await;
    let me = expect(
        app.api(Method::GET, "/me", &bob).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["user"]["status"], "active");
    assert_eq!(me["user"]["teams"], json!([team["id"]]));

    // deactivation ends the session and refuses sign-in
    let out = expect(
        app.api(Method::POST, "/users/deactivate", &owner)
            .json(&json!({"ids": [bob_id]}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(out["results"][0]["outcome"], "done", "{out}");
    // Still 401, saying why (the console tells Bob he was deactivated).
    expect_error(
        app.api(Method::GET, "/me", &bob).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "actor_inactive",
    )
    .await;
    expect_error(
        app.try_sign_in(&slug, "bob@acme.io", PASSWORD).await,
        StatusCode::FORBIDDEN,
        "account_inactive",
    )
    .await;
    let inactive = expect(
        app.api(Method::GET, "/users?status=inactive", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(inactive["items"].as_array().unwrap().len(), 1);

    // reactivation lets them back in (with a new session: the old one stays dead)
    let out = expect(
        app.api(Method::POST, "/users/reactivate", &owner)
            .json(&json!({"ids": [bob_id]}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(out["results"][0]["outcome"], "done");
    expect_error(
        app.api(Method::GET, "/me", &bob).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let bob = app.sign_in(&slug, "bob@acme.io").await;
    expect(
        app.api(Method::GET, "/me", &bob).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;

    // deletion: gone, session dead, sign-in refused, and their history erased
    expect(
        app.api(Method::DELETE, &format!("/users/{bob_id}"), &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::NO_CONTENT,
    )
    .await;
    expect_error(
        app.api(Method::GET, &format!("/users/{bob_id}"), &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_error(
        app.api(Method::GET, "/me", &bob).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_error(
        app.try_sign_in(&slug, "bob@acme.io", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let audit = expect(
        app.api(Method::GET, "/audit?limit=1000", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let events = audit["items"].as_array().unwrap();
    assert!(events.len() >= 5, "{audit}");
    let naming_bob: Vec<_> = events
        .iter()
        .filter(|e| e["actor"] == bob_id.as_str() || e["target"]["id"] == bob_id.as_str())
        .collect();
    assert_eq!(
        naming_bob.len(),
        1,
        "only the deletion record names bob: {naming_bob:?}"
    );
    assert_eq!(naming_bob[0]["action"], "user_deleted");
    assert!(!audit.to_string().contains("bob@acme.io"));
    let users = expect(
        app.api(Method::GET, "/users", &owner).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(!users.to_string().contains("bob@acme.io"));

    // sign out ends the Owner's session
    expect(
        app.api(Method::DELETE, "/session", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::NO_CONTENT,
    )
    .await;
    expect_error(
        app.api(Method::GET, "/me", &owner).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;

    // the logs saw these requests, and none of the secrets
    let logs = String::from_utf8_lossy(&captured_logs().lock().unwrap()).into_owned();
    assert!(
        logs.contains("/api/v1/session") && logs.contains("/accept"),
        "nothing was logged"
    );
    for secret in [
        token_of(&owner_link),
        token_of(&link),
        &owner,
        &bob,
        PASSWORD,
        "$argon2",
    ] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
}

on_every_store!(init_invite_accept_sign_in_deactivate_reactivate_delete);
