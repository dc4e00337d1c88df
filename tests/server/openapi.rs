//! The OpenAPI document: it is OpenAPI 3 (parsed and version-checked by the oas3 crate), it
//! lists exactly the routes the issue asks for, and it matches what the router serves: every
//! documented operation reaches a handler, and every other method on a documented path is 405.

use crate::support::*;
use reqwest::{Method, StatusCode};
use std::collections::BTreeSet;

const RANDOM_ID: &str = "01900000-0000-7000-8000-000000000000";

fn expected() -> BTreeSet<(String, String)> {
    [
        ("POST", "/api/v1/session"),
        ("DELETE", "/api/v1/session"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/users"),
        ("GET", "/api/v1/users/{id}"),
        ("PATCH", "/api/v1/users/{id}"),
        ("DELETE", "/api/v1/users/{id}"),
        ("POST", "/api/v1/users/deactivate"),
        ("POST", "/api/v1/users/reactivate"),
        ("POST", "/api/v1/users/roles"),
        ("POST", "/api/v1/users/roles/change"),
        ("POST", "/api/v1/users/teams"),
        ("POST", "/api/v1/users/beta"),
        ("POST", "/api/v1/users/{id}/transfer-ownership"),
        ("GET", "/api/v1/invites"),
        ("POST", "/api/v1/invites"),
        ("POST", "/api/v1/invites/{id}/resend"),
        ("DELETE", "/api/v1/invites/{id}"),
        ("POST", "/api/v1/invites/preview"),
        ("POST", "/api/v1/users/{id}/delete-preview"),
        ("POST", "/api/v1/invites/accept"),
        ("GET", "/api/v1/teams"),
        ("POST", "/api/v1/teams"),
        ("PATCH", "/api/v1/teams/{id}"),
        ("DELETE", "/api/v1/teams/{id}"),
        ("GET", "/api/v1/audit"),
        ("GET", "/api/v1/changes"),
        ("GET", "/api/v1/healthz"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/accept"),
        ("POST", "/accept"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect()
}

async fn the_document_is_openapi_3_and_matches_the_router(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    let r = app
        .request(Method::GET, "/api/v1/openapi.json", None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let text = r.text().await.unwrap();
    let spec = oas3::from_json(&text).expect("the document parses as OpenAPI 3");
    let version = spec
        .validate_version()
        .expect("a supported OpenAPI 3 version");
    assert_eq!(version.major, 3);
    assert_eq!(spec.info.title, "atender-server");
    let documented: BTreeSet<(String, String)> = spec
        .operations()
        .map(|(path, method, op)| {
            assert!(
                !op.responses.as_ref().is_none_or(|r| r.is_empty()),
                "{method} {path} documents no response"
            );
            (method.as_str().to_string(), path)
        })
        .collect();
    assert_eq!(documented, expected());
    let components = spec.components.as_ref().expect("components");
    assert!(components.schemas.contains_key("ErrorBody"));
    assert!(components.security_schemes.contains_key("bearer"));

    // each documented operation reaches a handler (not the fallback, not 405)
    for (method, path) in &documented {
        let path = path.replace("{id}", RANDOM_ID);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let r = app
            .request(method.clone(), &path, Some(&owner))
            .header("If-Match", "1")
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(
            !body.contains("\"no_route\""),
            "{method} {path} is documented but not served"
        );
        assert!(!status.is_server_error(), "{method} {path}: {status}");
    }
    // and no undocumented method is served on a documented path
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if documented.contains(&(method.to_string(), path.clone())) {
                continue;
            }
            let url = path.replace("{id}", RANDOM_ID);
            let r = app
                .request(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    &url,
                    Some(&owner),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {url} is served but not documented"
            );
        }
    }
    // addresses outside the document are not served
    for path in [
        "/",
        "/api/v1",
        "/api/v1/",
        "/api/v2/users",
        "/api/v1/users/x/y",
        "/api/v1/invites/x/accept",
    ] {
        let r = app
            .request(Method::GET, path, Some(&owner))
            .send()
            .await
            .unwrap();
        expect_error(r, StatusCode::NOT_FOUND, "no_route").await;
    }
}

/// The field names a schema of the document lists.
fn properties(doc: &serde_json::Value, schema: &str) -> BTreeSet<String> {
    doc["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("the document has no schema {schema}"))
        .keys()
        .cloned()
        .collect()
}

fn keys(value: &serde_json::Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

/// Each documented schema lists exactly the fields the server really sends (or accepts).
async fn the_schemas_match_what_the_server_sends(store: Backend) {
    use atender_admin::domain::{Role, TeamId};
    use atender_admin::service::{NewInvite, UserPatch};
    use serde_json::json;
    let app = TestApp::spawn(store).await;
    let (slug, owner) = app.owner("Acme", "ann@acme.io").await;
    let doc: serde_json::Value = app
        .request(Method::GET, "/api/v1/openapi.json", None)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let get = |path: &str| app.api(Method::GET, path, &owner).send();
    let signed_in = expect(
        app.try_sign_in(&slug, "ann@acme.io", PASSWORD).await,
        StatusCode::OK,
    )
    .await;
    let me = expect(get("/me").await.unwrap(), StatusCode::OK).await;
    let team = expect(
        app.api(Method::POST, "/teams", &owner)
            .json(&json!({"name": "Ops"}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let issued = app.invite(&owner, "bob@acme.io", &["agent"]).await;
    let bob = issued["user"]["id"].as_str().unwrap();
    let pending = expect(get("/invites").await.unwrap(), StatusCode::OK).await;
    let detail = expect(get(&format!("/users/{bob}")).await.unwrap(), StatusCode::OK).await;
    let page = expect(get("/users").await.unwrap(), StatusCode::OK).await;
    let audit = expect(get("/audit").await.unwrap(), StatusCode::OK).await;
    let me_id = me["user"]["id"].as_str().unwrap();
    let bulk = expect(
        app.api(Method::POST, "/users/deactivate", &owner)
            .json(&json!({"ids": [me_id]}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let error = expect(get("/users/42").await.unwrap(), StatusCode::BAD_REQUEST).await;
    let health = expect(get("/healthz").await.unwrap(), StatusCode::OK).await;
    let new_invite = serde_json::to_value(NewInvite {
        email: "a@acme.io".into(),
        full_name: "A".into(),
        display_name: Some("A".into()),
        roles: vec![Role::Agent],
        teams: vec![TeamId::new()],
        send_invite: true,
    })
    .unwrap();
    let patch = serde_json::to_value(UserPatch {
        full_name: Some("A".into()),
        display_name: Some("A".into()),
        roles: Some(vec![Role::Agent]),
        teams: Some(vec![]),
        beta: Some(true),
    })
    .unwrap();
    let cases = [
        ("SignedIn", &signed_in),
        ("Me", &me),
        ("User", &me["user"]),
        ("Workspace", &me["workspace"]),
        ("Team", &team),
        ("InviteIssuedResponse", &issued),
        ("Invite", &issued["invite"]),
        ("PendingInvite", &pending[0]),
        ("UserDetail", &detail),
        ("UserPage", &page),
        ("AuditPage", &audit),
        ("AuditEvent", &audit["items"][0]),
        ("BulkResults", &bulk),
        ("Outcome", &bulk["results"][0]),
        ("ErrorBody", &error),
        ("ErrorDetail", &error["error"]),
        ("Health", &health),
        ("NewInvite", &new_invite),
        ("UserPatch", &patch),
    ];
    assert_eq!(
        bulk["results"][0]["outcome"], "refused",
        "the refused outcome has every field"
    );
    for (schema, real) in cases {
        assert_eq!(
            properties(&doc, schema),
            keys(real),
            "schema {schema} vs what is sent: {real}"
        );
    }
}

on_every_store!(
    the_document_is_openapi_3_and_matches_the_router,
    the_schemas_match_what_the_server_sends
);
