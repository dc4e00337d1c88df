//! Edits over HTTP: `If-Match` guards against overwriting a change unseen (412 with the current
//! version; 428 without it), and the sole-Owner rule holds under concurrent requests.

use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn a_stale_edit_gets_412_and_no_if_match_gets_428(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, owner) = app.owner("Acme", "ann@acme.io").await;
    let (id, _) = app.add_user(&slug, &owner, "bob@acme.io", &["agent"]).await;
    let path = format!("/users/{id}");
    let r = app.api(Method::GET, &path, &owner).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let detail = expect(r, StatusCode::OK).await;
    let version = detail["user"]["version"].as_u64().unwrap();
    assert_eq!(etag, format!("\"{version}\""));

    // no If-Match: 428, nothing changed
    let r = app
        .api(Method::PATCH, &path, &owner)
        .json(&json!({"beta": true}))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::PRECONDITION_REQUIRED, "if_match_required").await;
    // a nonsense If-Match: 400
    let r = app
        .api(Method::PATCH, &path, &owner)
        .header("If-Match", "soon")
        .json(&json!({"beta": true}))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::BAD_REQUEST, "invalid_if_match").await;

    // the first edit wins
    let r = app
        .api(Method::PATCH, &path, &owner)
        .header("If-Match", &etag)
        .json(&json!({"full_name": "Bob Stone", "beta": true}))
        .send()
        .await
        .unwrap();
    let new_etag = r.headers()["etag"].to_str().unwrap().to_string();
    let edited = expect(r, StatusCode::OK).await;
    assert_eq!(edited["full_name"], "Bob Stone");
    assert_eq!(edited["display_name"], "Bob Stone");
    assert_eq!(edited["version"], version + 1);
    assert_eq!(new_etag, format!("\"{}\"", version + 1));

    // a second edit from the same starting point is stale
    let r = app
        .api(Method::PATCH, &path, &owner)
        .header("If-Match", version.to_string())
        .json(&json!({"full_name": "Robert"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["etag"].to_str().unwrap(), new_etag);
    let body = expect_error(r, StatusCode::PRECONDITION_FAILED, "conflict").await;
    assert_eq!(body["error"]["core"]["current"], version + 1);
    let now = expect(
        app.api(Method::GET, &path, &owner).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(now["user"]["full_name"], "Bob Stone");
    // W/"n" and a bare number are accepted too
    let r = app
        .api(Method::PATCH, &path, &owner)
        .header("If-Match", format!("W/\"{}\"", version + 1))
        .json(&json!({"display_name": "Bobby"}))
        .send()
        .await
        .unwrap();
    assert_eq!(expect(r, StatusCode::OK).await["display_name"], "Bobby");
}

/// A bulk change with `expected_versions` changes only the users still at the version the
/// admin saw; `/users/roles/change` adds and removes roles keeping the rest.
async fn bulk_changes_at_versions_and_role_changes_over_http(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, owner) = app.owner("Acme", "ann@acme.io").await;
    let (a, _) = app.add_user(&slug, &owner, "a@acme.io", &["agent"]).await;
    let (b, _) = app
        .add_user(&slug, &owner, "b@acme.io", &["supervisor", "agent"])
        .await;
    let preview = expect(
        app.api(Method::POST, "/users/roles/change", &owner)
            .json(&json!({"ids": [a, b], "roles": {"admin": "add", "agent": "remove"}, "dry_run": true}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let versions: serde_json::Map<String, serde_json::Value> = preview["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["id"].as_str().unwrap().to_string(), o["version"].clone()))
        .collect();
    // b changes in between.
    expect(
        app.api(Method::POST, "/users/beta", &owner)
            .json(&json!({"ids": [b], "beta": true}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let out = expect(
        app.api(Method::POST, "/users/roles/change", &owner)
            .json(
                &json!({"ids": [a, b], "roles": {"admin": "add", "agent": "remove"},
                          "expected_versions": versions}),
            )
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(out["results"][0]["outcome"], "done", "{out}");
    assert_eq!(out["results"][1]["outcome"], "refused", "{out}");
    assert_eq!(out["results"][1]["error"]["code"], "conflict", "{out}");
    let user = |id: &str| app.api(Method::GET, &format!("/users/{id}"), &owner).send();
    let a_now = expect(user(&a).await.unwrap(), StatusCode::OK).await;
    assert_eq!(a_now["user"]["roles"], json!(["admin"]));
    assert_eq!(out["results"][0]["version"], a_now["user"]["version"]);
    let b_now = expect(user(&b).await.unwrap(), StatusCode::OK).await;
    assert_eq!(b_now["user"]["roles"], json!(["supervisor", "agent"]));
    // Naming no role is a 400 that says what to do.
    let r = app
        .api(Method::POST, "/users/roles/change", &owner)
        .json(&json!({"ids": [a], "roles": {}}))
        .send()
        .await
        .unwrap();
    let body = expect_error(r, StatusCode::BAD_REQUEST, "invalid").await;
    assert!(body.to_string().contains("name a role to add"), "{body}");
}

/// Two Owners try to deactivate each other at the same moment: the rule "keep an active Owner"
/// lets exactly one through, every time.
async fn two_owners_deactivating_each_other_concurrently_leave_exactly_one(store: Backend) {
    const ROUNDS: usize = 50;
    let app = TestApp::spawn(store).await;
    let (slug, a) = app.owner("Acme", "ann@acme.io").await;
    let (b_id, _) = app.add_user(&slug, &a, "bea@acme.io", &["owner"]).await;
    let me = expect(
        app.api(Method::GET, "/me", &a).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let a_id = me["user"]["id"].as_str().unwrap().to_string();
    let ids = [a_id, b_id];
    let emails = ["ann@acme.io", "bea@acme.io"];
    let mut wins = [0usize; 2];
    for round in 0..ROUNDS {
        let tokens = [
            app.sign_in(&slug, emails[0]).await,
            app.sign_in(&slug, emails[1]).await,
        ];
        let deactivate = |who: usize| {
            app.api(Method::POST, "/users/deactivate", &tokens[who])
                .json(&json!({"ids": [ids[1 - who]]}))
                .send()
        };
        let (ra, rb) = tokio::join!(deactivate(0), deactivate(1));
        let mut done = Vec::new();
        for (who, r) in [ra, rb].into_iter().enumerate() {
            let r = r.unwrap();
            let status = r.status();
            let body: serde_json::Value = r.json().await.unwrap();
            // the loser is refused by the rule, or finds they were deactivated first (their
            // session ended: 401, or the rule's actor_inactive)
            match status {
                StatusCode::OK if body["results"][0]["outcome"] == "done" => done.push(who),
                StatusCode::OK => {
                    let code = &body["results"][0]["error"]["code"];
                    assert!(code == "last_owner" || code == "actor_inactive", "{body}");
                }
                StatusCode::UNAUTHORIZED => {}
                other => panic!("round {round}: unexpected {other}: {body}"),
            }
        }
        assert_eq!(done.len(), 1, "round {round}: exactly one must succeed");
        let winner = done[0];
        wins[winner] += 1;
        // exactly one active Owner remains; the winner brings the other back
        let winner_token = &tokens[winner];
        let active = expect(
            app.api(Method::GET, "/users?status=active", winner_token)
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        let owners: Vec<_> = active["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["roles"].as_array().unwrap().contains(&json!("owner")))
            .collect();
        assert_eq!(owners.len(), 1, "round {round}");
        let back = expect(
            app.api(Method::POST, "/users/reactivate", winner_token)
                .json(&json!({"ids": [ids[1 - winner]]}))
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        assert_eq!(back["results"][0]["outcome"], "done");
    }
    // Both orders happened: the rounds were real races, not one side always first.
    eprintln!("wins: ann {}, bea {}", wins[0], wins[1]);
    assert!(
        wins[0] > 0 && wins[1] > 0,
        "one side won all {ROUNDS} rounds: the requests never raced ({wins:?})"
    );
}

on_every_store!(
    a_stale_edit_gets_412_and_no_if_match_gets_428,
    bulk_changes_at_versions_and_role_changes_over_http,
    two_owners_deactivating_each_other_concurrently_leave_exactly_one(4)
);
