//! Transferring ownership over HTTP: the acting Owner hands the Owner role to an active user in
//! one step, and the answer has the documented shape.

use crate::support::*;
use reqwest::{Method, StatusCode};

async fn ownership_goes_to_an_active_user_only_and_leaves_one_owner(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, owner) = app.owner("Acme", "ann@acme.io").await;
    let (bob, bob_token) = app.add_user(&slug, &owner, "bob@acme.io", &["agent"]).await;
    let carol = app.invite(&owner, "carol@acme.io", &["agent"]).await;
    let carol = carol["user"]["id"].as_str().unwrap();
    let transfer = |id: &str, token: &str| {
        app.api(
            Method::POST,
            &format!("/users/{id}/transfer-ownership"),
            token,
        )
        .send()
    };

    // an invitee can't own the workspace; an Agent can't hand it over
    expect_error(
        transfer(carol, &owner).await.unwrap(),
        StatusCode::CONFLICT,
        "wrong_status",
    )
    .await;
    expect_error(
        transfer(&bob, &bob_token).await.unwrap(),
        StatusCode::FORBIDDEN,
        "not_an_admin",
    )
    .await;

    let body = expect(transfer(&bob, &owner).await.unwrap(), StatusCode::OK).await;
    assert_eq!(body["owner"]["id"], bob.as_str());
    assert_eq!(
        body["owner"]["roles"],
        serde_json::json!(["owner", "agent"])
    );
    assert_eq!(body["previous_owner"]["email"], "ann@acme.io");
    assert_eq!(
        body["previous_owner"]["roles"],
        serde_json::json!(["admin"])
    );

    // the former Owner is an Admin now: handing it over again is an Owner's business
    let ann = body["previous_owner"]["id"].as_str().unwrap();
    expect_error(
        transfer(ann, &owner).await.unwrap(),
        StatusCode::FORBIDDEN,
        "owner_only",
    )
    .await;

    // the document describes exactly this shape
    let doc: serde_json::Value = app
        .request(Method::GET, "/api/v1/openapi.json", None)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented: Vec<&String> =
        doc["components"]["schemas"]["OwnershipTransferred"]["properties"]
            .as_object()
            .expect("the schema is documented")
            .keys()
            .collect();
    let sent: Vec<&String> = body.as_object().unwrap().keys().collect();
    let (mut documented, mut sent) = (documented, sent);
    documented.sort();
    sent.sort();
    assert_eq!(documented, sent);
}

on_every_store!(ownership_goes_to_an_active_user_only_and_leaves_one_owner);
