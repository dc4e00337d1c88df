//! Who may do what over HTTP: the session's workspace scopes every id (others answer 404),
//! Supervisors and Agents get 403 on every admin endpoint, sessions end when they should, and a
//! wrong email looks exactly like a wrong password.

use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;

const RANDOM_ID: &str = "01900000-0000-7000-8000-000000000000";

async fn ids_of_another_workspace_answer_404_like_unknown_ids(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, a) = app.owner("Acme", "ann@acme.io").await;
    let (b_slug, b) = app.owner("Globex", "gus@globex.io").await;
    let (b_user, _) = app
        .add_user(&b_slug, &b, "agent@globex.io", &["agent"])
        .await;
    let b_invite = app.invite(&b, "pending@globex.io", &["agent"]).await;
    let b_invite_id = b_invite["user"]["id"].as_str().unwrap();
    let b_team = expect(
        app.api(Method::POST, "/teams", &b)
            .json(&json!({"name": "Ops"}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let b_team = b_team["id"].as_str().unwrap();

    for (user, invite, team) in [
        (b_user.as_str(), b_invite_id, b_team),
        (RANDOM_ID, RANDOM_ID, RANDOM_ID),
    ] {
        let requests = [
            app.api(Method::GET, &format!("/users/{user}"), &a),
            app.api(Method::PATCH, &format!("/users/{user}"), &a)
                .header("If-Match", "1")
                .json(&json!({"beta": true})),
            app.api(Method::DELETE, &format!("/users/{user}"), &a),
            app.api(Method::POST, &format!("/invites/{invite}/resend"), &a),
            app.api(Method::DELETE, &format!("/invites/{invite}"), &a),
            app.api(Method::PATCH, &format!("/teams/{team}"), &a)
                .json(&json!({"name": "Mine"})),
            app.api(Method::DELETE, &format!("/teams/{team}"), &a),
        ];
        for r in requests {
            expect_error(r.send().await.unwrap(), StatusCode::NOT_FOUND, "not_found").await;
        }
        let out = expect(
            app.api(Method::POST, "/users/deactivate", &a)
                .json(&json!({"ids": [user]}))
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(out["results"][0]["outcome"], "refused");
        assert_eq!(out["results"][0]["error"]["code"], "not_found");
        // adding Acme's users to Globex's team fails the same way
        let out = expect(
            app.api(Method::POST, "/users/teams", &a)
                .json(&json!({"ids": [user], "team": team, "action": "add"}))
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(out["results"][0]["outcome"], "refused");
    }
    // nothing of Globex changed
    let detail = expect(
        app.api(Method::GET, &format!("/users/{b_user}"), &b)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["user"]["status"], "active");
    assert_eq!(detail["user"]["beta"], false);
    let teams = expect(
        app.api(Method::GET, "/teams", &b).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(teams[0]["name"], "Ops");
    let invites = expect(
        app.api(Method::GET, "/invites", &b).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(invites.as_array().unwrap().len(), 1);
    // and Acme's listing shows none of Globex
    let users = expect(
        app.api(Method::GET, "/users", &a).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(users["items"].as_array().unwrap().len(), 1);
}

/// Every admin endpoint, for a given user id and team id.
fn admin_requests(
    app: &TestApp,
    token: &str,
    user: &str,
    team: &str,
) -> Vec<reqwest::RequestBuilder> {
    vec![
        app.api(Method::GET, "/users", token),
        app.api(Method::GET, &format!("/users/{user}"), token),
        app.api(Method::PATCH, &format!("/users/{user}"), token).header("If-Match", "1").json(&json!({"beta": true})),
        app.api(Method::DELETE, &format!("/users/{user}"), token),
        app.api(Method::POST, "/users/deactivate", token).json(&json!({"ids": [user]})),
        app.api(Method::POST, "/users/reactivate", token).json(&json!({"ids": [user]})),
        app.api(Method::POST, "/users/roles", token).json(&json!({"ids": [user], "roles": ["admin"]})),
        app.api(Method::POST, "/users/teams", token).json(&json!({"ids": [user], "team": team, "action": "add"})),
        app.api(Method::POST, "/users/beta", token).json(&json!({"ids": [user], "beta": true})),
        app.api(Method::GET, "/invites", token),
        app.api(Method::POST, "/invites", token)
            .json(&json!({"email": "new@acme.io", "full_name": "New", "roles": ["agent"], "send_invite": false})),
        app.api(Method::POST, &format!("/invites/{user}/resend"), token),
        app.api(Method::DELETE, &format!("/invites/{user}"), token),
        app.api(Method::GET, "/teams", token),
        app.api(Method::POST, "/teams", token).json(&json!({"name": "Mine"})),
        app.api(Method::PATCH, &format!("/teams/{team}"), token).json(&json!({"name": "Mine"})),
        app.api(Method::DELETE, &format!("/teams/{team}"), token),
        app.api(Method::GET, "/audit", token),
    ]
}

async fn supervisors_and_agents_get_403_on_every_admin_endpoint(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, owner) = app.owner("Acme", "ann@acme.io").await;
    let (target, _) = app.add_user(&slug, &owner, "t@acme.io", &["agent"]).await;
    let team = expect(
        app.api(Method::POST, "/teams", &owner)
            .json(&json!({"name": "Ops"}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let team = team["id"].as_str().unwrap().to_string();
    let (_, sup) = app
        .add_user(&slug, &owner, "sup@acme.io", &["supervisor", "agent"])
        .await;
    let (_, agent) = app
        .add_user(&slug, &owner, "agent@acme.io", &["agent"])
        .await;
    let before = expect(
        app.api(Method::GET, &format!("/users/{target}"), &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    for token in [&sup, &agent] {
        for r in admin_requests(&app, token, &target, &team) {
            expect_error(
                r.send().await.unwrap(),
                StatusCode::FORBIDDEN,
                "not_an_admin",
            )
            .await;
        }
        // refused before their request is even read: no 428, 400 or 415 first
        for r in [
            app.api(Method::PATCH, &format!("/users/{target}"), token)
                .json(&json!({"beta": true})),
            app.api(Method::POST, "/invites", token)
                .header("content-type", "application/json")
                .body("{nope"),
            app.api(Method::POST, "/teams", token).body("plain text"),
            app.api(Method::GET, "/users?status=bogus", token),
        ] {
            expect_error(
                r.send().await.unwrap(),
                StatusCode::FORBIDDEN,
                "not_an_admin",
            )
            .await;
        }
        // they still know who they are
        expect(
            app.api(Method::GET, "/me", token).send().await.unwrap(),
            StatusCode::OK,
        )
        .await;
    }
    // nothing changed
    let detail = expect(
        app.api(Method::GET, &format!("/users/{target}"), &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(detail["user"], before["user"]);

    // an Admin manages users, but not Owners nor their own account
    let (admin_id, admin) = app
        .add_user(&slug, &owner, "admin@acme.io", &["admin"])
        .await;
    expect(
        app.api(Method::GET, "/users", &admin).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let r = app
        .api(Method::POST, "/invites", &admin)
        .json(&json!({"email": "o2@acme.io", "full_name": "O Two", "roles": ["owner"], "send_invite": false}))
        .send()
        .await
        .unwrap();
    let body = expect_error(r, StatusCode::FORBIDDEN, "owner_only").await;
    assert_eq!(body["error"]["field"], "roles");
    assert_eq!(body["error"]["core"]["code"], "owner_only");
    let me: Value = expect(
        app.api(Method::GET, "/me", &owner).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let owner_id = me["user"]["id"].as_str().unwrap();
    let out = expect(
        app.api(Method::POST, "/users/deactivate", &admin)
            .json(&json!({"ids": [owner_id]}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(out["results"][0]["error"]["code"], "owner_only", "{out}");
    expect_error(
        app.api(Method::DELETE, &format!("/users/{admin_id}"), &admin)
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "own_account",
    )
    .await;
    // the last Owner can't delete themselves either: 403 (own account) before 409 (last owner)
    let r = app
        .api(Method::DELETE, &format!("/users/{owner_id}"), &owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

async fn sessions_need_a_valid_unexpired_token(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, owner) = app.owner("Acme", "ann@acme.io").await;
    let no_header = app
        .request(Method::GET, "/api/v1/me", None)
        .send()
        .await
        .unwrap();
    assert_eq!(no_header.headers()["www-authenticate"], "Bearer");
    expect_error(no_header, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    for bad in ["garbage", "Bearer", &"A".repeat(43), &owner.to_uppercase()] {
        let r = app
            .request(Method::GET, "/api/v1/me", None)
            .header("Authorization", format!("Bearer {bad}"))
            .send()
            .await
            .unwrap();
        expect_error(r, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    }
    let r = app
        .request(Method::GET, "/api/v1/me", None)
        .header("Authorization", format!("Basic {owner}"))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    expect(
        app.api(Method::GET, "/me", &owner).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    // sessions expire after 12 hours
    app.clock.advance(Duration::hours(12));
    expect_error(
        app.api(Method::GET, "/me", &owner).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let again = app.sign_in(&slug, "ann@acme.io").await;
    expect(
        app.api(Method::GET, "/me", &again).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
}

async fn wrong_email_and_wrong_password_get_the_same_answer(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, _) = app.owner("Acme", "ann@acme.io").await;
    let mut bodies = Vec::new();
    for (ws, email, pw) in [
        (slug.as_str(), "ann@acme.io", "wrong password"),
        (slug.as_str(), "nobody@acme.io", PASSWORD),
        ("no-such-workspace", "ann@acme.io", PASSWORD),
        (slug.as_str(), "not an email", PASSWORD),
    ] {
        let r = app.try_sign_in(ws, email, pw).await;
        bodies.push(expect_error(r, StatusCode::UNAUTHORIZED, "invalid_credentials").await);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    // an invited user who has not accepted can't sign in either, with the same answer
    let (_, owner) = (slug.clone(), app.sign_in(&slug, "ann@acme.io").await);
    app.invite(&owner, "pending@acme.io", &["agent"]).await;
    let r = app.try_sign_in(&slug, "pending@acme.io", PASSWORD).await;
    assert_eq!(expect(r, StatusCode::UNAUTHORIZED).await, bodies[0]);
}

on_every_store!(
    ids_of_another_workspace_answer_404_like_unknown_ids,
    supervisors_and_agents_get_403_on_every_admin_endpoint,
    sessions_need_a_valid_unexpired_token,
    wrong_email_and_wrong_password_get_the_same_answer
);
