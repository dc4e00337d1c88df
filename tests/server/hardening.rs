//! The server tried as an attacker and as an operator would: lookalike accounts, weak
//! passwords, cacheable secrets, half-open connections, a storm of sign-ins at production
//! hashing cost, a mistyped --data and a busy port.

use crate::support::*;
use atender_admin::server::{Application, ConnectionLimits, ServerConfig};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn lookalikes_of_an_existing_email_are_refused_or_the_same_user(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, owner) = app.owner("Acme", "ann@acme.io").await;
    app.invite(&owner, "jos\u{e9}@acme.io", &["agent"]).await;
    for lookalike in [
        "ann\u{200b}@acme.io",
        "\u{feff}ann@acme.io",
        "an\u{ad}n@acme.io",
        "ann\u{202e}@acme.io",
        "\u{ff41}\u{ff4e}\u{ff4e}@acme.io",
        "\u{430}nn@acme.io",
    ] {
        let r = app
            .api(Method::POST, "/invites", &owner)
            .json(&json!({"email": lookalike, "full_name": "Ann Again", "roles": ["agent"], "send_invite": false}))
            .send()
            .await
            .unwrap();
        let body = expect_error(r, StatusCode::BAD_REQUEST, "invalid").await;
        assert_eq!(body["error"]["field"], "email", "{lookalike:?}: {body}");
    }
    // the NFD spelling of josé is the same address
    let r = app
        .api(Method::POST, "/invites", &owner)
        .json(&json!({"email": "jose\u{301}@acme.io", "full_name": "José Again", "roles": ["agent"], "send_invite": false}))
        .send()
        .await
        .unwrap();
    expect_error(r, StatusCode::CONFLICT, "duplicate_email").await;
    // names with nothing visible, and a second spelling of one team name
    for blank in ["\u{200b}", "\u{3164}\u{3164}", "\u{2800}"] {
        let r = app
            .api(Method::POST, "/invites", &owner)
            .json(&json!({"email": "new@acme.io", "full_name": blank, "roles": ["agent"], "send_invite": false}))
            .send()
            .await
            .unwrap();
        let body = expect_error(r, StatusCode::BAD_REQUEST, "invalid").await;
        assert_eq!(body["error"]["field"], "full_name", "{blank:?}");
    }
    let team = |name: &str| {
        app.api(Method::POST, "/teams", &owner)
            .json(&json!({ "name": name }))
            .send()
    };
    expect(team("Caf\u{e9}").await.unwrap(), StatusCode::CREATED).await;
    expect_error(
        team("CAFE\u{301}").await.unwrap(),
        StatusCode::CONFLICT,
        "duplicate_team",
    )
    .await;
    let users = expect(
        app.api(Method::GET, "/users?status=invited", &owner)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(users["items"].as_array().unwrap().len(), 1, "{users}");
}

async fn weak_passwords_are_refused_with_the_same_message_on_the_api_and_the_page(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (_, link) = app.workspace("Acme Support", "ann.lee@acme.io").await;
    for weak in [
        "password1",
        "12345678",
        "        ",
        "acmesupport",
        "ann.lee@acme.io",
    ] {
        let body = expect_error(
            app.accept(&link, weak).await,
            StatusCode::BAD_REQUEST,
            "invalid",
        )
        .await;
        assert_eq!(body["error"]["field"], "password", "{weak:?}");
        let message = body["error"]["message"].as_str().unwrap().to_string();
        assert!(message.contains("too easy to guess"), "{weak:?}: {message}");
        // the accept page says the same
        let page = app
            .request(Method::POST, "/accept", None)
            .form(&[
                ("token", token_of(&link)),
                ("password", weak),
                ("confirm", weak),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::BAD_REQUEST);
        let html = page
            .text()
            .await
            .unwrap()
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'");
        // the page shows the core's reason, warning included, as the API does
        let reason = &message[message.find("is too easy").unwrap()..];
        assert!(html.contains(reason), "{weak:?}: {reason} not in {html}");
    }
    expect(app.accept(&link, PASSWORD).await, StatusCode::OK).await;
}

async fn answers_with_secrets_are_not_cacheable_and_none_is_sniffed(store: Backend) {
    let app = TestApp::spawn(store).await;
    let (slug, link) = app.workspace("Acme", "ann@acme.io").await;
    expect(app.accept(&link, PASSWORD).await, StatusCode::OK).await;
    let r = app.try_sign_in(&slug, "ann@acme.io", PASSWORD).await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    let token = expect(r, StatusCode::OK).await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let invited = app
        .api(Method::POST, "/invites", &token)
        .json(&json!({"email": "bob@acme.io", "full_name": "Bob", "roles": ["agent"], "send_invite": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(invited.headers()["cache-control"], "no-store");
    let id = expect(invited, StatusCode::CREATED).await["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resent = app
        .api(Method::POST, &format!("/invites/{id}/resend"), &token)
        .json(&json!({"send_invite": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(resent.headers()["cache-control"], "no-store");
    for (method, path) in [
        (Method::GET, "/api/v1/healthz"),
        (Method::GET, "/api/v1/openapi.json"),
        (Method::GET, "/api/v1/users"),
        (Method::GET, "/no/such/route"),
        (Method::GET, "/accept?token=nope"),
    ] {
        let r = app.request(method, path, None).send().await.unwrap();
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
        assert!(r.headers().contains_key("cache-control"), "{path}");
    }
}

/// Connections that send half a request line and stop: with the limit reached, the health
/// check still answers from the reserve, the rest get their turn once the header timeout has
/// closed the stalled ones, and SIGTERM's shutdown does not wait for them.
async fn half_open_connections_neither_starve_clients_nor_hold_up_shutdown(store: Backend) {
    const STALLED: usize = 120;
    let limits = ConnectionLimits {
        max_connections: 64,
        health_reserve: 8,
        header_read_timeout: Duration::from_secs(5),
        shutdown_deadline: Duration::from_secs(3),
    };
    let app = TestApp::spawn_with(Place::new(store), Mail::Sink, |c| {
        c.connections = limits;
    })
    .await;
    let addr = app.url.trim_start_matches("http://").to_string();
    let mut stalled = Vec::new();
    for _ in 0..STALLED {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /api/v1/users HTT").await.unwrap();
        stalled.push(s);
    }
    // regular places stay taken until the header timeout; the reserve's stalled ones are let go
    // after a second, and then the reserve answers health checks
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let health = app
        .request(Method::GET, "/api/v1/healthz", None)
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let refused = app
        .request(Method::GET, "/api/v1/users", None)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused.headers().contains_key("retry-after"));
    // once the header timeout has passed, the stalled connections are gone and clients are served
    tokio::time::sleep(limits.header_read_timeout).await;
    let mut closed = 0;
    for s in &mut stalled {
        let mut buf = [0u8; 256];
        match tokio::time::timeout(Duration::from_millis(100), s.read(&mut buf)).await {
            Ok(Ok(_)) | Ok(Err(_)) => closed += 1,
            Err(_) => {}
        }
    }
    // those beyond the limit were closed at once, the others by the timeout
    assert_eq!(closed, STALLED, "every stalled connection is closed");
    let r = app
        .request(Method::GET, "/api/v1/users", None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // shutdown with a connection stalled mid-request is over within the deadline
    let mut late = TcpStream::connect(&addr).await.unwrap();
    late.write_all(b"POST /api/v1/session HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    app.stop_and_wait().await;
    let took = started.elapsed();
    assert!(
        took < limits.shutdown_deadline + Duration::from_secs(2),
        "shutdown took {took:?}"
    );
}

/// On PostgreSQL, where there is no folder to mistype: a database it can't reach is refused
/// with its address (never the password), and the binary exits 2.
async fn serve_refuses_a_folder_without_a_store_unless_asked_to_create_one(store: Backend) {
    if store == Backend::Postgres {
        let url = "postgres://atender:s3cret-pw@127.0.0.1:1/atender?connect_timeout=2";
        let mut config = ServerConfig::new(
            tempfile::tempdir().unwrap().path().join("x"),
            "127.0.0.1:0".into(),
        );
        config.database_url = Some(url.into());
        let error = Application::build(config)
            .await
            .err()
            .expect("refused")
            .to_string();
        assert!(error.contains("127.0.0.1:1"), "{error}");
        assert!(!error.contains("s3cret-pw"), "{error}");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_atender-server"))
            .args(["serve", "--bind", "127.0.0.1:0", "--outbox", "/nonexistent"])
            .env("ATENDER_DATABASE_URL", url)
            .env_remove("ATENDER_DATA")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
        assert!(!stderr.contains("s3cret-pw"), "{stderr}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let error = Application::build(ServerConfig::new(missing.clone(), "127.0.0.1:0".into()))
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(error.contains("there is no store at"), "{error}");
    assert!(error.contains("--create"), "{error}");
    assert!(!missing.exists(), "nothing is created");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(
        Application::build(ServerConfig::new(empty.clone(), "127.0.0.1:0".into()))
            .await
            .is_err()
    );
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
    // --create makes one
    let mut config = ServerConfig::new(missing.clone(), "127.0.0.1:0".into());
    config.create = true;
    let app = Application::build(config).await.unwrap();
    assert!(missing.join("db").exists() || missing.join("conf").exists());
    drop(app);
}

async fn a_start_that_fails_on_a_busy_port_leaves_nothing_behind(store: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    if store == Backend::Postgres {
        // The port is taken before the database is touched: no schema is created.
        let place = Place::new(store);
        let mut config = ServerConfig::new(place.store_dir(), format!("127.0.0.1:{port}"));
        config.database_url = place.database.as_ref().map(|db| db.url.clone());
        let error = Application::build(config)
            .await
            .err()
            .expect("refused")
            .to_string();
        assert!(
            error.contains(&format!("listening on 127.0.0.1:{port}")),
            "{error}"
        );
        let url = &place.database.as_ref().unwrap().url;
        let untouched = atender_admin::store::postgres::testing::execute(
            url,
            "SELECT count(*) FROM atender_schema",
        );
        assert!(untouched.is_err(), "the schema was created");
        return;
    }
    let store = dir.path().join("new-store");
    let mut config = ServerConfig::new(store.clone(), format!("127.0.0.1:{port}"));
    config.create = true;
    let error = Application::build(config)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.contains(&format!("listening on 127.0.0.1:{port}")),
        "{error}"
    );
    assert!(!store.exists(), "a failed start must not leave {store:?}");
    // the binary says the same and exits 2
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atender-server"))
        .args([
            "serve",
            "--create",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data",
        ])
        .arg(&store)
        .env_remove("ATENDER_SMTP_HOST")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("listening on"), "{stderr}");
    assert!(!store.exists());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atender-server"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("there is no store at"), "{stderr}");
    assert!(!store.exists());
}

/// A running `atender-server serve` process over `store`, with its port read from the log.
pub(crate) struct ServeProcess {
    pub(crate) child: std::process::Child,
    pub(crate) port: u16,
}

impl ServeProcess {
    pub(crate) fn start(place: &Place) -> ServeProcess {
        use std::io::{BufRead, BufReader};
        let mut child = place
            .point(
                std::process::Command::new(env!("CARGO_BIN_EXE_atender-server")).args([
                    "serve",
                    "--bind",
                    "127.0.0.1:0",
                ]),
            )
            .arg("--outbox")
            .arg(place.dir.path().join("outbox"))
            .env_remove("ATENDER_SMTP_HOST")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let port = loop {
            let line = lines.next().expect("serve exited before serving").unwrap();
            if let Some(p) = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("port="))
            {
                break p.parse().unwrap();
            }
        };
        // keep draining the log so the server never blocks on a full pipe
        std::thread::spawn(move || for _ in lines {});
        ServeProcess { child, port }
    }

    /// Resident memory in KiB: (now, peak).
    fn memory_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap()
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// 60 simultaneous wrong sign-ins from 60 addresses at the production argon2 cost (19 MiB per
/// hash): the server's peak memory grows by a few hashes' worth, not by 60.
async fn a_storm_of_sign_ins_keeps_memory_flat(store: Backend) {
    const STORM: usize = 60;
    const HASH_MIB: u64 = 19;
    let place = Place::new(store);
    let (slug, _) = run_init(&place, "Acme", "ann@acme.io", "http://127.0.0.1:1");
    let server = ServeProcess::start(&place);
    let url = format!("http://127.0.0.1:{}/api/v1/session", server.port);
    // one sign-in first, so the dummy hash and the allocator's arenas exist before measuring
    let warm = http().build().unwrap();
    let r = warm
        .post(&url)
        .json(&json!({"workspace": slug, "email": "warm@acme.io", "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (before, _) = server.memory_kib();
    let mut storm = tokio::task::JoinSet::new();
    for i in 0..STORM {
        let client = http()
            .local_address(
                format!("127.0.1.{}", i + 1)
                    .parse::<std::net::IpAddr>()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let request = client.post(&url).json(
            &json!({"workspace": slug, "email": format!("nobody{i}@acme.io"), "password": "wrong password"}),
        );
        storm.spawn(async move { request.send().await.unwrap().status() });
    }
    let statuses = storm.join_all().await;
    let (_, peak) = server.memory_kib();
    let unauthorized = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let busy = statuses
        .iter()
        .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert_eq!(unauthorized + busy, STORM, "{statuses:?}");
    let permits = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let grown_mib = peak.saturating_sub(before) / 1024;
    eprintln!(
        "sign-in storm: {STORM} requests, {unauthorized} answered 401, {busy} 503; \
         memory {} MiB before, peak {} MiB (+{grown_mib} MiB; {permits} hashing permits)",
        before / 1024,
        peak / 1024
    );
    // the permits' hashes, plus room for the allocator and 60 requests in flight
    let bound = (permits + 2) * HASH_MIB + 32;
    assert!(
        grown_mib <= bound,
        "peak memory grew by {grown_mib} MiB (bound {bound} MiB)"
    );
}

/// 64 bytes flipped in a stored user: the server refuses to start and says where, instead of
/// serving a store whose listings fail; `atender-server check` reports the same.
async fn a_damaged_store_is_refused_at_start_with_its_path(store: Backend) {
    if store == Backend::Postgres {
        return a_damaged_row_is_named_by_check().await;
    }
    use atender_admin::domain::{HashCost, Role};
    use atender_admin::service::{AdminApi, Core, CoreConfig, NewInvite};
    use atender_admin::store::SledStore;
    let place = Place::new(store);
    let store = place.store_dir();
    {
        let config = CoreConfig {
            hash_cost: HashCost::insecure_for_tests(),
            ..CoreConfig::default()
        };
        let core = Core::with_system_clock(SledStore::open(&store).unwrap(), config);
        let (ws, issued) = core
            .create_workspace("Acme", "ann@acme.io", "Ann Lee")
            .await
            .unwrap();
        let ann = core
            .accept_invite(&issued.token.encode(), PASSWORD)
            .await
            .unwrap();
        for i in 0..30 {
            core.admin(ws.id, ann.id)
                .invite(NewInvite {
                    email: format!("user{i}@acme.io"),
                    full_name: format!("User {i}"),
                    display_name: None,
                    roles: vec![Role::Agent],
                    teams: vec![],
                    send_invite: false,
                })
                .await
                .unwrap();
        }
    }
    let checked = std::process::Command::new(env!("CARGO_BIN_EXE_atender-server"))
        .args(["check", "--data"])
        .arg(&store)
        .output()
        .unwrap();
    assert!(checked.status.success(), "{checked:?}");
    // flip 64 bytes of a stored user record
    let db = store.join("db");
    let mut bytes = std::fs::read(&db).unwrap();
    let at = bytes
        .windows(b"\"full_name\":\"User 15\"".len())
        .position(|w| w == b"\"full_name\":\"User 15\"")
        .expect("the record is in the data file");
    for b in &mut bytes[at..at + 64] {
        *b ^= 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();

    let error = Application::build(ServerConfig::new(store.clone(), "127.0.0.1:0".into()))
        .await
        .err()
        .expect("a damaged store is refused")
        .to_string();
    assert!(error.contains(&store.display().to_string()), "{error}");
    assert!(error.contains("damaged"), "{error}");
    let checked = std::process::Command::new(env!("CARGO_BIN_EXE_atender-server"))
        .args(["check", "--data"])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(checked.status.code(), Some(2), "{checked:?}");
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(stderr.contains("damaged"), "{stderr}");
    eprintln!("damaged store: {error}");

    // Damage the engine's checksums don't see (a record written damaged): the start's check
    // reads every record and names the first bad one.
    std::fs::remove_dir_all(&store).unwrap();
    let (slug, _) = run_init(&place, "Acme", "ann@acme.io", "http://127.0.0.1:1");
    assert_eq!(slug, "acme");
    {
        let db = ::sled::open(&store).unwrap();
        let (key, value) = db.scan_prefix(b"U").next().expect("a user record").unwrap();
        let mut damaged = value.to_vec();
        let middle = damaged.len() / 2;
        for b in &mut damaged[middle..(middle + 64).min(value.len())] {
            *b ^= 0xA5;
        }
        db.insert(key, damaged).unwrap();
        db.flush().unwrap();
    }
    let error = Application::build(ServerConfig::new(store.clone(), "127.0.0.1:0".into()))
        .await
        .err()
        .expect("a damaged record is refused")
        .to_string();
    assert!(error.contains(&store.display().to_string()), "{error}");
    assert!(error.contains("(a user) is unreadable"), "{error}");
    eprintln!("damaged record: {error}");
}

/// On PostgreSQL (no file to flip bytes in): a row no build of ours would write, e.g. an
/// unknown role, is named by `atender-server check`, which exits 2; a sound database passes.
async fn a_damaged_row_is_named_by_check() {
    let place = Place::new(Backend::Postgres);
    run_init(&place, "Acme", "ann@acme.io", "http://127.0.0.1:1");
    let check = || {
        place
            .point(std::process::Command::new(env!("CARGO_BIN_EXE_atender-server")).arg("check"))
            .output()
            .unwrap()
    };
    let checked = check();
    assert!(checked.status.success(), "{checked:?}");
    let stdout = String::from_utf8_lossy(&checked.stdout);
    assert!(stdout.contains("records, all readable"), "{stdout}");
    let url = &place.database.as_ref().unwrap().url;
    // Older data that today's name rules refuse is listed as warnings, and `check` passes.
    atender_admin::store::postgres::testing::execute(
        url,
        "UPDATE users SET full_name = repeat('x', 5000) WHERE email = 'ann@acme.io'",
    )
    .unwrap();
    let checked = check();
    assert!(checked.status.success(), "{checked:?}");
    let stdout = String::from_utf8_lossy(&checked.stdout);
    assert!(
        stdout.contains("1 record(s) break today's name or email rules"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  warning: user ") && stdout.contains("its full name"),
        "{stdout}"
    );
    atender_admin::store::postgres::testing::execute(
        url,
        "UPDATE users SET roles = '{wizard}' WHERE email = 'ann@acme.io'",
    )
    .unwrap();
    let checked = check();
    assert_eq!(checked.status.code(), Some(2), "{checked:?}");
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(stderr.contains("damaged"), "{stderr}");
    assert!(stderr.contains("(a user) is unreadable"), "{stderr}");
    eprintln!("damaged row: {stderr}");
}

on_every_store!(
    lookalikes_of_an_existing_email_are_refused_or_the_same_user,
    weak_passwords_are_refused_with_the_same_message_on_the_api_and_the_page,
    answers_with_secrets_are_not_cacheable_and_none_is_sniffed,
    half_open_connections_neither_starve_clients_nor_hold_up_shutdown,
    serve_refuses_a_folder_without_a_store_unless_asked_to_create_one,
    a_start_that_fails_on_a_busy_port_leaves_nothing_behind,
    a_storm_of_sign_ins_keeps_memory_flat(4),
    a_damaged_store_is_refused_at_start_with_its_path
);
