//! Invite links over HTTP: one use only, expiry (with the test's clock), resending kills the old
//! link, opening never uses a link up, a failed email leaves a working invite, the outbox, and
//! escaping on the accept page.

use crate::smtp_sink::{decode_quoted_printable, link_in};
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::sync::atomic::Ordering;
use time::Duration;

async fn page(app: &TestApp, link: &str) -> (StatusCode, String) {
    let r = app
        .request(Method::GET, link.trim_start_matches(&app.url), None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    (r.status(), r.text().await.unwrap())
}

async fn invite_by_email(app: &TestApp, owner: &str, email: &str) -> serde_json::Value {
    let r = app
        .api(Method::POST, "/invites", owner)
        .json(&json!({"email": email, "full_name": "Invited Person", "roles": ["agent"]}))
        .send()
        .await
        .unwrap();
    expect(r, StatusCode::CREATED).await
}

async fn a_link_works_once_and_opening_it_uses_nothing(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    let invited = app.invite(&owner, "bob@acme.io", &["agent"]).await;
    let link = invited["link"].as_str().unwrap();
    // no email was asked for, so none went out (sending happens before the response)
    assert_eq!(invited["email"], "not_requested");
    assert_eq!(app.mail.try_message().await, None);
    for _ in 0..3 {
        let (status, html) = page(&app, link).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<form method=\"post\""));
    }
    expect(app.accept(link, PASSWORD).await, StatusCode::OK).await;
    // used: the JSON API and the page both refuse it
    let body = expect_error(
        app.accept(link, PASSWORD).await,
        StatusCode::BAD_REQUEST,
        "invite_invalid",
    )
    .await;
    assert_eq!(body["error"]["core"], json!({"code": "invite_invalid"}));
    let (status, html) = page(&app, link).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("This invite link can&#39;t be used") || html.contains("can't be used"));
    let form = app
        .request(Method::POST, "/accept", None)
        .form(&[
            ("token", token_of(link)),
            ("password", "another password"),
            ("confirm", "another password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::NOT_FOUND);
    // an unknown or mangled token is the same
    let (status, _) = page(&app, &format!("{}/accept?token=nonsense", app.url)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = page(&app, &format!("{}/accept", app.url)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn an_expired_link_is_refused_until_resent(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, owner) = app.owner("Acme", "ann@acme.io").await;
    let invited = app.invite(&owner, "bob@acme.io", &["agent"]).await;
    let link = invited["link"].as_str().unwrap();
    let id = invited["user"]["id"].as_str().unwrap();
    app.clock.advance(Duration::days(7));
    let (status, html) = page(&app, link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("This invite link has expired"));
    expect_error(
        app.accept(link, PASSWORD).await,
        StatusCode::GONE,
        "invite_expired",
    )
    .await;
    let form = app
        .request(Method::POST, "/accept", None)
        .form(&[
            ("token", token_of(link)),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::GONE);
    // the owner's session expired with the clock too; sign in again and resend
    let owner = app.sign_in(&slug, "ann@acme.io").await;
    let resent = expect(
        app.api(Method::POST, &format!("/invites/{id}/resend"), &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let new_link = resent["link"].as_str().unwrap();
    assert_ne!(new_link, link);
    assert_eq!(resent["email"], "not_requested");
    expect_error(
        app.accept(link, PASSWORD).await,
        StatusCode::BAD_REQUEST,
        "invite_invalid",
    )
    .await;
    expect(app.accept(new_link, PASSWORD).await, StatusCode::OK).await;
    app.sign_in(&slug, "bob@acme.io").await;
}

async fn resending_emails_a_new_link_and_kills_the_old_one(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, owner) = app.owner("Acme", "ann@acme.io").await;
    let invited = invite_by_email(&app, &owner, "bob@acme.io").await;
    assert_eq!(invited["email"], "sent");
    let first = link_in(&app.mail.next_message().await);
    let id = invited["user"]["id"].as_str().unwrap();
    let resent = expect(
        app.api(Method::POST, &format!("/invites/{id}/resend"), &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(resent["email"], "sent");
    assert_eq!(resent["invite"]["times_sent"], 2);
    let second = link_in(&app.mail.next_message().await);
    assert_eq!(second, resent["link"].as_str().unwrap());
    assert_ne!(first, second);
    let (status, _) = page(&app, &first).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    expect_error(
        app.accept(&first, PASSWORD).await,
        StatusCode::BAD_REQUEST,
        "invite_invalid",
    )
    .await;
    let (status, _) = page(&app, &second).await;
    assert_eq!(status, StatusCode::OK);
    expect(app.accept(&second, PASSWORD).await, StatusCode::OK).await;
    app.sign_in(&slug, "bob@acme.io").await;
    // resending an accepted invite is refused
    expect_error(
        app.api(Method::POST, &format!("/invites/{id}/resend"), &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::CONFLICT,
        "wrong_status",
    )
    .await;
}

async fn a_failed_email_leaves_a_working_invite_marked_not_sent(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    app.mail.fail.store(true, Ordering::SeqCst);
    let invited = invite_by_email(&app, &owner, "bob@acme.io").await;
    assert_eq!(invited["email"], "failed", "{invited}");
    assert!(
        invited["email_error"]
            .as_str()
            .unwrap()
            .contains("could not be sent")
    );
    assert_eq!(invited["invite"]["email_sent"], false);
    let id = invited["user"]["id"].as_str().unwrap();
    let listed = expect(
        app.api(Method::GET, "/invites", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed[0]["user"]["id"], id);
    assert_eq!(listed[0]["invite"]["email_sent"], false);
    assert_eq!(listed[0]["invite"]["send_requested"], true);
    // the link in the response works; a resend once mail works sends it
    let (status, _) = page(&app, invited["link"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    app.mail.fail.store(false, Ordering::SeqCst);
    let resent = expect(
        app.api(Method::POST, &format!("/invites/{id}/resend"), &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(resent["email"], "sent");
    assert_eq!(
        link_in(&app.mail.next_message().await),
        resent["link"].as_str().unwrap()
    );
    let listed = expect(
        app.api(Method::GET, "/invites", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed[0]["invite"]["email_sent"], true);
    // cancelling removes the invite and its user
    expect(
        app.api(Method::DELETE, &format!("/invites/{id}"), &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::NO_CONTENT,
    )
    .await;
    let listed = expect(
        app.api(Method::GET, "/invites", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed, json!([]));
    expect_error(
        app.accept(resent["link"].as_str().unwrap(), PASSWORD).await,
        StatusCode::BAD_REQUEST,
        "invite_invalid",
    )
    .await;
}

async fn without_smtp_emails_go_to_the_outbox(store: Backend) {
    let app = TestApp::spawn_in(Place::new(store), Mail::Outbox).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    let invited = invite_by_email(&app, &owner, "bob@acme.io").await;
    assert_eq!(invited["email"], "sent");
    let files: Vec<_> = std::fs::read_dir(&app.outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    let to = eml.lines().find(|l| l.starts_with("To: "));
    assert_eq!(to, Some("To: \"Invited Person\" <bob@acme.io>"), "{eml}");
    assert!(eml.contains("text/plain") && eml.contains("text/html"));
    assert_eq!(link_in(&eml), invited["link"].as_str().unwrap());
    let text = decode_quoted_printable(&eml);
    assert!(
        text.contains("First Owner invited you to the workspace \"Acme\""),
        "{text}"
    );
    assert!(text.contains("expires on 2026-11-09 09:00 UTC"), "{text}");
    // names are escaped in the HTML part and left as typed in the plain text
    let r = app
        .api(Method::POST, "/invites", &owner)
        .json(&json!({"email": "eve@acme.io", "full_name": "Eve <b>Bold</b> & Co", "roles": ["agent"]}))
        .send()
        .await
        .unwrap();
    expect(r, StatusCode::CREATED).await;
    let eml = std::fs::read_dir(&app.outbox)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .find(|t| t.contains("eve@acme.io"))
        .unwrap();
    let text = decode_quoted_printable(&eml);
    assert!(
        text.contains("Hello Eve &lt;b&gt;Bold&lt;/b&gt; &amp; Co,</p>"),
        "{text}"
    );
    assert!(text.contains("Hello Eve <b>Bold</b> & Co,\r\n"), "{text}");
}

async fn the_accept_page_escapes_data_and_checks_the_password(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, link) = app
        .workspace("Tom & Jerry <b>Support</b>", "ann@acme.io")
        .await;
    let (status, html) = page(&app, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Join Tom &amp; Jerry &lt;b&gt;Support&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<b>Support"));
    let submit = |password: &'static str, confirm: &'static str| {
        app.request(Method::POST, "/accept", None)
            .form(&[
                ("token", token_of(&link)),
                ("password", password),
                ("confirm", confirm),
            ])
            .send()
    };
    // two different passwords, then a too-short one: the form again, saying why; link unused
    let r = submit("first password", "second password").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("The two passwords are not the same")
    );
    let r = submit("short", "short").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("at least 8 characters"));
    let r = submit(PASSWORD, PASSWORD).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains(&slug));
    // a form post that is not a form is refused as such
    let r = app
        .request(Method::POST, "/accept", None)
        .json(&json!({"token": "x"}))
        .send()
        .await
        .unwrap();
    expect_error(
        r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

on_every_store!(
    a_link_works_once_and_opening_it_uses_nothing,
    an_expired_link_is_refused_until_resent,
    resending_emails_a_new_link_and_kills_the_old_one,
    a_failed_email_leaves_a_working_invite_marked_not_sent,
    without_smtp_emails_go_to_the_outbox,
    the_accept_page_escapes_data_and_checks_the_password
);
