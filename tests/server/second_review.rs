//! What the second hostile review (issue 21) broke: control characters in passwords, the
//! connection layer's bare answers, readable store files, a stalled backup, half restores and
//! invisible or lookalike names.

use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn a_password_with_a_control_character_is_refused_and_printable_ones_are_not(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, link) = app.workspace("Acme", "ann@acme.io").await;
    for control in ["\0", "\t", "\n", "\u{7f}", "\u{85}"] {
        let password = format!("correct horse{control}battery staple");
        let body = expect_error(
            app.accept(&link, &password).await,
            StatusCode::BAD_REQUEST,
            "invalid",
        )
        .await;
        assert_eq!(body["error"]["field"], "password", "{control:?}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("control characters"),
            "{control:?}: {message}"
        );
        // the accept page says the same
        let page = app
            .request(Method::POST, "/accept", None)
            .form(&[
                ("token", token_of(&link)),
                ("password", password.as_str()),
                ("confirm", password.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::BAD_REQUEST, "{control:?}");
        assert!(page.text().await.unwrap().contains("control characters"));
    }
    // spaces and symbols all around are fine
    let printable = " \u{a0}correct horse — battery ∑ staple! ";
    expect(app.accept(&link, printable).await, StatusCode::OK).await;
}

/// Sends `request` on a raw connection and reads the answer to its end.
async fn raw(app: &TestApp, request: &[u8]) -> (u16, String, Value) {
    let addr = app.url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).await.unwrap();
    // the server may answer and close before it has read everything
    let _ = s.write_all(request).await;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap_or_default();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let json = serde_json::from_str(body).unwrap_or(Value::Null);
    (status, head.to_ascii_lowercase(), json)
}

async fn the_connection_layer_answers_in_the_json_error_shape(store: Backend) {
    let app = TestApp::spawn(store).await;
    let huge = format!(
        "GET /api/v1/users HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
        "a".repeat(1024 * 1024)
    );
    let many: String = (0..200).map(|i| format!("x-h{i}: 1\r\n")).collect();
    let many = format!("GET /api/v1/users HTTP/1.1\r\nhost: x\r\n{many}\r\n");
    let long_uri = format!("GET /{} HTTP/1.1\r\nhost: x\r\n\r\n", "a".repeat(70_000));
    for (request, status, code) in [
        (huge.as_bytes(), 431, "headers_too_large"),
        (many.as_bytes(), 431, "headers_too_large"),
        (long_uri.as_bytes(), 414, "uri_too_long"),
        (
            b"GET / HTTP/1.1\r\nbad header\r\n\r\n".as_slice(),
            400,
            "malformed_request",
        ),
        (
            b"G\x01T / HTTP/1.1\r\nhost: x\r\n\r\n".as_slice(),
            400,
            "malformed_request",
        ),
    ] {
        let (got, head, body) = raw(&app, request).await;
        assert_eq!(got, status, "{head}");
        assert!(head.contains("content-type: application/json"), "{head}");
        assert!(head.contains("x-content-type-options: nosniff"), "{head}");
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().len() > 20);
    }
    // and the server's own answers are left as they are
    let (got, _, body) = raw(
        &app,
        b"GET /api/v1/nothing HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(got, 404);
    assert_eq!(body["error"]["code"], "no_route");
}

on_every_store!(
    a_password_with_a_control_character_is_refused_and_printable_ones_are_not,
    the_connection_layer_answers_in_the_json_error_shape,
);
