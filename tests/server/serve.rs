//! The `serve` command as a process: it starts from flags, answers, and on SIGTERM finishes,
//! flushes the store and releases it (so `workspaces` can open it right after).

use crate::support::{Backend, Place, run_init};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

async fn serve_starts_from_flags_and_stops_cleanly_on_sigterm(store: Backend) {
    let place = Place::new(store);
    run_init(&place, "Acme", "ann@acme.io", "https://atender.test");
    let mut child = place
        .point(Command::new(env!("CARGO_BIN_EXE_atender-server")).args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--public-url",
            "https://atender.test",
        ]))
        .arg("--outbox")
        .arg(place.dir.path().join("outbox"))
        .env_remove("ATENDER_SMTP_HOST")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // readiness: the log line that says where it serves
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut port = None;
    let mut line = String::new();
    let mut seen = String::new();
    while port.is_none() && stderr.read_line(&mut line).unwrap() > 0 {
        seen.push_str(&line);
        port = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("port="))
            .and_then(|p| p.parse::<u16>().ok());
        line.clear();
    }
    let port = port.unwrap_or_else(|| panic!("serve did not say where it listens: {seen}"));
    let health = reqwest::get(format!("http://127.0.0.1:{port}/api/v1/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(
        health.json::<serde_json::Value>().await.unwrap()["status"],
        "ok"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "serve did not stop within 20 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(status.success(), "{status}: {rest}");
    assert!(rest.contains("store flushed"), "{rest}");
    let listed = place
        .point(Command::new(env!("CARGO_BIN_EXE_atender-server")).arg("workspaces"))
        .output()
        .unwrap();
    assert!(listed.status.success());
    assert!(String::from_utf8_lossy(&listed.stdout).starts_with("acme\tAcme"));
}

#[tokio::test]
async fn a_public_url_that_is_not_an_http_address_is_refused_at_start() {
    use atender_admin::server::{Application, ServerConfig};
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "atender.example.com",
        "ftp://atender.example.com",
        "https://a.example/?x=1",
    ] {
        let mut config = ServerConfig::new(dir.path().join("store"), "127.0.0.1:0".into());
        config.public_url = Some(bad.into());
        let error = Application::build(config)
            .await
            .err()
            .expect("refused")
            .to_string();
        assert!(
            error.contains("must be an http:// or https:// address"),
            "{error}"
        );
    }
}

on_every_store!(serve_starts_from_flags_and_stops_cleanly_on_sigterm);
