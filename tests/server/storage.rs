//! The store failing under the server, and its backups: a full disk answers 503
//! `storage_unavailable` and heals without a restart once space is freed; health reports it.

use crate::support::*;
use reqwest::{Method, StatusCode};
use std::path::{Path, PathBuf};

/// Whether this process runs as root (mounting a tmpfs needs it).
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// A small tmpfs mounted on a folder, unmounted on drop.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path, size: &str) -> SmallDisk {
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .unwrap();
        assert!(status.success(), "mounting a tmpfs on {}", at.display());
        SmallDisk(at.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Writes zeros into `path` until the disk refuses; returns how many bytes fit.
fn fill(path: &Path) -> u64 {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    let _ = file.sync_all();
    written
}

async fn invite_status(app: &TestApp, token: &str, email: &str) -> (StatusCode, serde_json::Value) {
    let r = app
        .api(Method::POST, "/invites", token)
        .json(&serde_json::json!({"email": email, "full_name": "Someone", "roles": ["agent"], "send_invite": false}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or_default())
}

async fn health(app: &TestApp) -> (StatusCode, serde_json::Value) {
    let r = app
        .request(Method::GET, "/api/v1/healthz", None)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or_default())
}

/// The disk fills under a running server: writes and sign-ins answer 503 `storage_unavailable`
/// (never a generic 500), health says so, and once space is freed everything works again
/// without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_503_and_heals_once_space_is_freed() {
    if !running_as_root() {
        eprintln!("skipped: mounting a small tmpfs needs root (CI runs the tests as root)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let _disk = SmallDisk::mount(dir.path(), "24m");
    let filler = dir.path().join("filler");
    let app = TestApp::spawn_in(dir, Mail::Sink).await;
    let (slug, token) = app.owner("Acme", "ann@acme.io").await;
    assert_eq!(health(&app).await.0, StatusCode::OK);

    fill(&filler);
    // sled may still have room in space it holds already: write until the disk refuses.
    let mut refused = None;
    for i in 0..2_000 {
        let (status, body) = invite_status(&app, &token, &format!("full{i}@acme.io")).await;
        if status != StatusCode::CREATED {
            refused = Some((status, body));
            break;
        }
    }
    let (status, body) = refused.expect("a write fails on a full disk");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "storage_unavailable", "{body}");
    let (status, body) = health(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "storage_unavailable", "{body}");
    let r = app.try_sign_in(&slug, "ann@acme.io", PASSWORD).await;
    expect_error(r, StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable").await;

    std::fs::remove_file(&filler).unwrap();
    // Concurrent readers and writers while the store is reopened under them: each is answered
    // (503 at worst while the engine is swapped), none fails otherwise.
    let app = std::sync::Arc::new(app);
    let mut during = Vec::new();
    for i in 0..12 {
        let (app, token) = (app.clone(), token.clone());
        during.push(tokio::spawn(async move {
            if i % 2 == 0 {
                invite_status(&app, &token, &format!("during{i}@acme.io")).await
            } else {
                let r = app.api(Method::GET, "/users", &token).send().await.unwrap();
                (r.status(), r.json().await.unwrap_or_default())
            }
        }));
    }
    for task in during {
        let (status, body) = task.await.unwrap();
        assert!(
            status.is_success() || status == StatusCode::SERVICE_UNAVAILABLE,
            "{status}: {body}"
        );
    }
    let app = std::sync::Arc::into_inner(app).unwrap();
    let (status, body) = health(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = invite_status(&app, &token, "after@acme.io").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = app.sign_in(&slug, "ann@acme.io").await;
    let r = app
        .api(Method::GET, "/users?q=after", &token)
        .send()
        .await
        .unwrap();
    let listed = expect(r, StatusCode::OK).await;
    assert!(listed.to_string().contains("after@acme.io"), "{listed}");
    app.stop_and_wait().await;
}
