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

/// `atender-server ARGS…` under umask 022, pointed at `place`, its stderr lines on a channel.
fn server_under_umask_022(
    place: &Place,
    args: &[&str],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::{BufRead, BufReader};
    let mut command = std::process::Command::new("sh");
    command
        .args(["-c", "umask 022 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_atender-server"))
        .args(args);
    let mut child = place
        .point(&mut command)
        .env_remove("ATENDER_SMTP_HOST")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    for pipe in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    (child, rx)
}

/// Every folder under `root` is 0700 and every file (and socket) 0600.
fn assert_owner_only(root: &std::path::Path) -> usize {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(root).unwrap();
    let mode = meta.permissions().mode() & 0o777;
    if meta.is_dir() {
        assert_eq!(mode, 0o700, "{}", root.display());
        1 + std::fs::read_dir(root)
            .unwrap()
            .map(|e| assert_owner_only(&e.unwrap().path()))
            .sum::<usize>()
    } else {
        assert_eq!(mode, 0o600, "{}", root.display());
        1
    }
}

fn wait_for(lines: &std::sync::mpsc::Receiver<String>, what: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no log line with {what:?}"));
        if line.contains(what) {
            return line;
        }
    }
}

async fn store_and_outbox_files_are_owner_only_under_umask_022(store: Backend) {
    use std::os::unix::fs::PermissionsExt;
    let place = Place::new(store);
    let sled = place.database.is_none();
    let outbox = place.dir.path().join("outbox");
    let outbox_arg = outbox.to_str().unwrap().to_string();
    let (mut init, lines) = server_under_umask_022(
        &place,
        &[
            "init",
            "--workspace",
            "Acme",
            "--owner-email",
            "ann@acme.io",
            "--owner-name",
            "Ann Owner",
        ],
    );
    assert!(init.wait().unwrap().success());
    let link = wait_for(&lines, "link:");
    let token = link.rsplit("token=").next().unwrap().trim().to_string();
    let serve = || {
        let (child, lines) = server_under_umask_022(
            &place,
            &["serve", "--bind", "127.0.0.1:0", "--outbox", &outbox_arg],
        );
        let mut before = Vec::new();
        let line = loop {
            let line = lines.recv_timeout(Duration::from_secs(30)).unwrap();
            if line.contains("port=") {
                break line;
            }
            before.push(line);
        };
        let port: u16 = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("port="))
            .unwrap()
            .trim_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .unwrap();
        (child, before, format!("http://127.0.0.1:{port}/api/v1"))
    };
    let (mut child, _lines, url) = serve();
    let client = http().build().unwrap();
    let r = client
        .post(format!("{url}/invites/accept"))
        .json(&serde_json::json!({"token": token, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    expect(r, StatusCode::OK).await;
    let r = client
        .post(format!("{url}/session"))
        .json(
            &serde_json::json!({"workspace": "acme", "email": "ann@acme.io", "password": PASSWORD}),
        )
        .send()
        .await
        .unwrap();
    let session = expect(r, StatusCode::OK).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = client
        .post(format!("{url}/invites"))
        .bearer_auth(&session)
        .json(&serde_json::json!({"email": "bo@acme.io", "full_name": "Bo", "roles": ["agent"], "send_invite": true}))
        .send()
        .await
        .unwrap();
    expect(r, StatusCode::CREATED).await;
    let eml = std::fs::read_dir(&outbox).unwrap().count();
    assert!(eml >= 1, "the invite is in the outbox");
    // while serving: the store, its control socket and the outbox
    assert_owner_only(&outbox);
    if sled {
        assert!(assert_owner_only(&place.store_dir()) >= 3);
        assert!(place.store_dir().join("control/atender.sock").exists());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    if sled {
        assert_owner_only(&place.store_dir());
    }

    // a store left readable by an older build is tightened at the next start, and the log says so
    let loosen = |root: &std::path::Path| {
        let mut n = 0;
        let mut todo = vec![root.to_path_buf()];
        while let Some(p) = todo.pop() {
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let mode = if meta.is_dir() { 0o755 } else { 0o644 };
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            n += 1;
            if meta.is_dir() {
                todo.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            }
        }
        n
    };
    loosen(&outbox);
    if sled {
        loosen(&place.store_dir());
    }
    let (mut child, log, _) = serve();
    let said = |what: &str| {
        log.iter()
            .any(|l| l.contains(what) && l.contains("tightened"))
    };
    assert!(
        said("the outbox was readable by other local users"),
        "{log:?}"
    );
    assert_owner_only(&outbox);
    if sled {
        assert!(
            said("the store was readable by other local users"),
            "{log:?}"
        );
        assert_owner_only(&place.store_dir());
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

async fn invisible_characters_and_lookalike_team_names_are_refused(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    let team = |name: String| {
        app.api(Method::POST, "/teams", &owner)
            .json(&serde_json::json!({ "name": name }))
            .send()
    };
    let created = expect(team("Billing".into()).await.unwrap(), StatusCode::CREATED).await;
    for invisible in [
        "Billing\u{E0020}",
        "Billing\u{34F}",
        "Bil\u{1D173}ling",
        "Bil\u{200D}ling",
        "Billing\u{FE0F}",
        "Billing\u{FFFE}",
        "Billing\u{E000}",
        "Billing\u{3164}",
    ] {
        let body = expect_error(
            team(invisible.into()).await.unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid",
        )
        .await;
        assert_eq!(body["error"]["field"], "team_name", "{invisible:?}: {body}");
        for field in ["full_name", "display_name"] {
            let mut invite = serde_json::json!({"email": "new@acme.io", "full_name": "New Person", "roles": ["agent"], "send_invite": false});
            invite[field] = invisible.into();
            let r = app
                .api(Method::POST, "/invites", &owner)
                .json(&invite)
                .send()
                .await
                .unwrap();
            let body = expect_error(r, StatusCode::BAD_REQUEST, "invalid").await;
            assert_eq!(body["error"]["field"], field, "{invisible:?}: {body}");
        }
    }
    // a lookalike of an existing team is that team, created or renamed to
    for lookalike in ["B\u{456}lling", "BILL\u{406}NG"] {
        let body = expect_error(
            team(lookalike.into()).await.unwrap(),
            StatusCode::CONFLICT,
            "duplicate_team",
        )
        .await;
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("\"Billing\""),
            "{body}"
        );
    }
    let other = expect(team("Support".into()).await.unwrap(), StatusCode::CREATED).await;
    let rename = |id: &Value, name: &str| {
        app.api(
            Method::PATCH,
            &format!("/teams/{}", id["id"].as_str().unwrap()),
            &owner,
        )
        .json(&serde_json::json!({ "name": name }))
        .send()
    };
    expect_error(
        rename(&other, "B\u{456}lling").await.unwrap(),
        StatusCode::CONFLICT,
        "duplicate_team",
    )
    .await;
    // renaming a team to another spelling of its own look is fine
    expect(rename(&created, "BILLING").await.unwrap(), StatusCode::OK).await;
    // names that need their joiners keep them
    expect(
        team("می\u{200C}خواهم".into()).await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
}

on_every_store!(
    a_password_with_a_control_character_is_refused_and_printable_ones_are_not,
    the_connection_layer_answers_in_the_json_error_shape,
    store_and_outbox_files_are_owner_only_under_umask_022,
    invisible_characters_and_lookalike_team_names_are_refused,
);
