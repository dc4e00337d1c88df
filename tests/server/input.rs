//! Bad input gets a 4xx in the one error shape, naming the field where there is one; never a 5xx.

use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Sends only a request's head, announcing a body of `length` bytes, and reads the answer. The
/// server refuses from the announced length alone; sending the body too would race its early
/// answer against the connection closing on unread data.
async fn announce_body(
    app: &TestApp,
    path: &str,
    content_type: &str,
    token: &str,
    length: usize,
) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

async fn bodies_over_1_mib_get_413(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    for (path, content_type) in [
        ("/api/v1/teams", "application/json"),
        ("/api/v1/invites", "application/json"),
        ("/accept", "application/x-www-form-urlencoded"),
    ] {
        let (status, body) = announce_body(&app, path, content_type, &owner, 1024 * 1024 + 1).await;
        assert_eq!(status, 413, "{path}: {body}");
        assert_eq!(body["error"]["code"], "payload_too_large", "{path}: {body}");
    }
    // just under the limit is read (and refused for its content, not its size)
    let name = "x".repeat(1024 * 1024 - 100);
    let r = app
        .api(Method::POST, "/teams", &owner)
        .json(&json!({"name": name}))
        .send()
        .await
        .unwrap();
    let body = expect_error(r, StatusCode::BAD_REQUEST, "invalid").await;
    assert_eq!(body["error"]["field"], "team_name");
}

async fn malformed_json_unknown_fields_and_wrong_types_get_400(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    let raw = |body: &'static str| {
        app.api(Method::POST, "/invites", &owner)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    expect_error(
        raw("{\"email\": ").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    expect_error(
        raw("not json").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    let body = expect_error(
        raw(r#"{"email":"a@acme.io","full_name":"A","roles":["agent"],"nickname":"x"}"#)
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    assert_eq!(body["error"]["field"], "nickname");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `nickname`")
    );
    let body = expect_error(
        raw(r#"{"email":"a@acme.io","full_name":"A","roles":"agent"}"#)
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    assert_eq!(body["error"]["field"], "roles");
    let body = expect_error(
        raw(r#"{"email":"a@acme.io","roles":["agent"]}"#)
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    assert_eq!(body["error"]["field"], "full_name");
    expect_error(
        raw(r#"{"email":"a@acme.io","full_name":"A","roles":["king"]}"#)
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_json",
    )
    .await;
    // unknown fields in every request type
    for (method, path, body) in [
        (
            Method::POST,
            "/session",
            json!({"workspace": "acme", "email": "ann@acme.io", "password": PASSWORD, "remember": true}),
        ),
        (
            Method::POST,
            "/teams",
            json!({"name": "Ops", "color": "red"}),
        ),
        (
            Method::POST,
            "/users/deactivate",
            json!({"ids": [], "force": true}),
        ),
        (
            Method::POST,
            "/invites/accept",
            json!({"token": "x", "password": PASSWORD, "admin": true}),
        ),
    ] {
        let r = app
            .api(method, path, &owner)
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_error(r, StatusCode::BAD_REQUEST, "invalid_json").await;
    }
    // nothing was created
    let invites = expect(
        app.api(Method::GET, "/invites", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(invites, json!([]));
}

async fn a_body_that_is_not_json_gets_415(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let mut r = app
            .api(Method::POST, "/teams", &owner)
            .body(r#"{"name":"Ops"}"#);
        if let Some(ct) = content_type {
            r = r.header("content-type", ct);
        }
        expect_error(
            r.send().await.unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
}

async fn overlong_fields_and_control_characters_are_refused_naming_the_field(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, owner) = app.owner("Acme", "ann@acme.io").await;
    let invite =
        |body: serde_json::Value| app.api(Method::POST, "/invites", &owner).json(&body).send();
    let cases = [
        (
            json!({"email": "a@acme.io", "full_name": "x".repeat(101), "roles": ["agent"]}),
            "full_name",
        ),
        (
            json!({"email": "a@acme.io", "full_name": "Eve\u{1b}[31m", "roles": ["agent"]}),
            "full_name",
        ),
        (
            json!({"email": "a@acme.io", "full_name": "Eve \u{202e}gnp.exe", "roles": ["agent"]}),
            "full_name",
        ),
        (
            json!({"email": "a@acme.io", "full_name": "Eve", "display_name": "E\u{0}ve", "roles": ["agent"]}),
            "display_name",
        ),
        (
            json!({"email": format!("{}@acme.io", "a".repeat(250)), "full_name": "Eve", "roles": ["agent"]}),
            "email",
        ),
        (
            json!({"email": "not-an-email", "full_name": "Eve", "roles": ["agent"]}),
            "email",
        ),
        (
            json!({"email": "a@acme.io", "full_name": "Eve", "roles": []}),
            "roles",
        ),
    ];
    for (body, field) in cases {
        let r = invite(body.clone()).await.unwrap();
        let e = expect(r, StatusCode::BAD_REQUEST).await;
        assert_eq!(e["error"]["field"], field, "{body} → {e}");
        assert!(e["error"]["core"].is_object());
    }
    // several problems at once are all reported
    let r = invite(json!({"email": "nope", "full_name": "", "roles": []}))
        .await
        .unwrap();
    let e = expect_error(r, StatusCode::BAD_REQUEST, "invalid_fields").await;
    assert_eq!(e["error"]["core"]["problems"].as_array().unwrap().len(), 3);
    // team names, renames and edits too
    for name in ["", "T\u{7}eam", &"t".repeat(65)] {
        let r = app
            .api(Method::POST, "/teams", &owner)
            .json(&json!({"name": name}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            expect(r, StatusCode::BAD_REQUEST).await["error"]["field"],
            "team_name"
        );
    }
    let (id, _) = app.add_user(&slug, &owner, "bob@acme.io", &["agent"]).await;
    let r = app
        .api(Method::PATCH, &format!("/users/{id}"), &owner)
        .header("If-Match", "2")
        .json(&json!({"full_name": "Bob\u{2066}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect(r, StatusCode::BAD_REQUEST).await["error"]["field"],
        "full_name"
    );
    // duplicates are 409 naming the field
    let r = invite(json!({"email": "BOB@acme.io", "full_name": "Bob", "roles": ["agent"]}))
        .await
        .unwrap();
    assert_eq!(
        expect_error(r, StatusCode::CONFLICT, "duplicate_email").await["error"]["field"],
        "email"
    );
    expect(
        app.api(Method::POST, "/teams", &owner)
            .json(&json!({"name": "Ops"}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let r = app
        .api(Method::POST, "/teams", &owner)
        .json(&json!({"name": "OPS"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(r, StatusCode::CONFLICT, "duplicate_team").await["error"]["field"],
        "team_name"
    );
}

async fn bad_queries_ids_and_addresses_are_4xx(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    for path in [
        "/users?status=bogus",
        "/users?limit=lots",
        "/users?limit=-1",
        "/users?sort=name",
        "/users?cursor=zzz",
        "/audit?cursor=1",
        "/audit?limit=x",
    ] {
        let r = app.api(Method::GET, path, &owner).send().await.unwrap();
        let e = expect(r, StatusCode::BAD_REQUEST).await;
        assert!(
            e["error"]["code"].as_str().unwrap().starts_with("invalid_"),
            "{path}: {e}"
        );
    }
    for path in ["/users/42", "/users/not-an-id", "/teams/%00"] {
        let r = app.api(Method::GET, path, &owner).send().await.unwrap();
        let status = r.status();
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::METHOD_NOT_ALLOWED,
            "{path}: {status}"
        );
    }
    expect_error(
        app.api(Method::GET, "/users/42", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_id",
    )
    .await;
    expect_error(
        app.api(Method::GET, "/nothing/here", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "no_route",
    )
    .await;
    expect_error(
        app.api(Method::PUT, "/users", &owner).send().await.unwrap(),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    // paging: a limit past the maximum is clamped, and the cursor continues
    let page = expect(
        app.api(Method::GET, "/users?limit=100000", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    for i in 0..3 {
        app.invite(&owner, &format!("p{i}@acme.io"), &["agent"])
            .await;
    }
    let first = expect(
        app.api(Method::GET, "/users?limit=2", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let cursor = first["next"].as_str().unwrap();
    let second = expect(
        app.api(
            Method::GET,
            &format!("/users?limit=2&cursor={cursor}"),
            &owner,
        )
        .send()
        .await
        .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 2);
    assert!(second["next"].is_null());
    let invited = expect(
        app.api(Method::GET, "/users?status=invited&q=p1", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(invited["items"].as_array().unwrap().len(), 1);
}

async fn no_garbage_gets_a_5xx(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    let bodies: [&[u8]; 6] = [
        b"",
        b"null",
        b"[]",
        b"\xff\xfe\x00",
        b"{\"ids\": [\"\"]}",
        b"{\"ids\": null}",
    ];
    let paths = [
        "/session",
        "/invites",
        "/invites/accept",
        "/users/deactivate",
        "/users/roles",
        "/users/teams",
        "/users/beta",
        "/teams",
    ];
    for path in paths {
        for body in bodies {
            for token in [Some(owner.as_str()), None] {
                let r = app
                    .request(Method::POST, &format!("/api/v1{path}"), token)
                    .header("content-type", "application/json")
                    .body(body.to_vec())
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                assert!(status.is_client_error(), "{path} {body:?}: {status}");
                let e: serde_json::Value = r.json().await.unwrap();
                assert!(e["error"]["code"].is_string());
            }
        }
    }
}

on_every_store!(
    bodies_over_1_mib_get_413,
    malformed_json_unknown_fields_and_wrong_types_get_400,
    a_body_that_is_not_json_gets_415,
    overlong_fields_and_control_characters_are_refused_naming_the_field,
    bad_queries_ids_and_addresses_are_4xx,
    no_garbage_gets_a_5xx
);
