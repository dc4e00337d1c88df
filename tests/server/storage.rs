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
    // Sled only: the disk that fills is the sled store's folder.
    let place = Place {
        dir,
        database: None,
    };
    let app = TestApp::spawn_in(place, Mail::Sink).await;
    let (slug, token) = app.owner("Acme", "ann@acme.io").await;
    assert_eq!(health(&app).await.0, StatusCode::OK);

    let filled = fill(&filler);
    // sled may still have room in space it holds already: write until the disk refuses.
    let mut refused = None;
    for i in 0..2_000 {
        let (status, body) = invite_status(&app, &token, &format!("full{i}@acme.io")).await;
        if status != StatusCode::CREATED {
            eprintln!(
                "full disk: {filled} bytes filled, {i} invites still fitted before the disk refused"
            );
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
    let freed = std::time::Instant::now();
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
    eprintln!(
        "full disk: healthy again {} ms after the space was freed",
        freed.elapsed().as_millis()
    );
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

/// Runs the real `atender-server` with `args`; returns its stdout, failing on a failure.
fn server_cli(args: &[&std::ffi::OsStr]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atender-server"))
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn backup_cli(data: &Path, to: &Path) -> String {
    server_cli(&[
        "backup".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--to".as_ref(),
        to.as_os_str(),
    ])
}

fn restore_cli(from: &Path, data: &Path) -> String {
    server_cli(&[
        "restore".as_ref(),
        "--from".as_ref(),
        from.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
    ])
}

/// Everything a store holds, read through the `Store` trait, for comparing two stores.
fn everything(store: &atender_admin::store::AnyStore) -> Vec<String> {
    use atender_admin::store::Store;
    let mut out = Vec::new();
    for ws in store.workspaces().unwrap() {
        out.push(format!("{ws:?}"));
        out.push(format!("{:?}", store.status_counts(ws.id).unwrap()));
        out.push(format!("seq {}", store.change_seq(ws.id).unwrap()));
        out.push(format!("{:?}", store.teams(ws.id).unwrap()));
        out.push(format!("{:?}", store.invites(ws.id).unwrap()));
        out.push(format!(
            "{:?}",
            store.audit_page(ws.id, None, usize::MAX).unwrap()
        ));
        for user in store.users(ws.id).unwrap() {
            out.push(format!(
                "{user:?} password {} sessions {:?}",
                store.has_password(ws.id, user.id).unwrap(),
                store.user_sessions(ws.id, user.id).unwrap()
            ));
        }
    }
    out
}

/// A demo workspace backed up through the running server (while another client keeps
/// writing, then at rest) and restored into a new folder: the restored store holds every
/// record of the original, and the backup file of one is byte for byte the backup of the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_every_record() {
    use atender_admin::demo;
    use atender_admin::domain::{HashCost, Role};
    use atender_admin::service::{AdminApi, NewInvite};
    use atender_admin::store::{AnyStore, SledStore, Store};
    let dir = tempfile::tempdir().unwrap();
    let place = Place {
        dir,
        database: None,
    };
    let original = place.store_dir();
    let work = tempfile::tempdir().unwrap();
    let (ws, owner) = {
        let store = SledStore::open(&original).unwrap();
        let now = time::macros::datetime!(2026-11-02 09:00 UTC);
        demo::seed(&store, now, 250, HashCost::insecure_for_tests()).unwrap()
    };
    let app = TestApp::spawn_in(place, Mail::Sink).await;
    let socket = atender_admin::server::control::socket_path(&original);
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&socket), 0o600);
    assert_eq!(mode(socket.parent().unwrap()), 0o700);

    // 1. While someone keeps inviting: the snapshot is consistent (its counts and indexes agree).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (core, stop) = (app.core.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                core.admin(ws.id, owner.id)
                    .invite(NewInvite {
                        email: format!("busy{i}@acme.io"),
                        full_name: format!("Busy {i}"),
                        display_name: None,
                        roles: vec![Role::Agent],
                        teams: vec![],
                        send_invite: false,
                    })
                    .await
                    .unwrap();
                i += 1;
            }
            i
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let busy = work.path().join("busy.backup");
    let started = std::time::Instant::now();
    let said = tokio::task::spawn_blocking({
        let (original, busy) = (original.clone(), busy.clone());
        move || backup_cli(&original, &busy)
    })
    .await
    .unwrap();
    eprintln!(
        "backup while writing: {} in {} ms ({} bytes)",
        said.trim(),
        started.elapsed().as_millis(),
        std::fs::metadata(&busy).unwrap().len()
    );
    assert!(said.contains("taken by the running server"), "{said}");
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let invited_meanwhile = writer.await.unwrap();
    assert!(invited_meanwhile > 0);
    eprintln!("backup while writing: {invited_meanwhile} invites made meanwhile");
    let restored_busy = work.path().join("busy");
    restore_cli(&busy, &restored_busy);
    {
        let store = AnyStore::Sled(SledStore::open(&restored_busy).unwrap());
        let users = store.users(ws.id).unwrap();
        let counts = store.status_counts(ws.id).unwrap();
        assert_eq!(counts.total(), users.len() as u64);
        for user in &users {
            let found = store
                .transact(atender_admin::store::TxMode::DryRun, &|tx| {
                    tx.user_id_by_email(ws.id, &user.email)
                })
                .unwrap();
            assert_eq!(found, Some(user.id), "{user:?}");
        }
        let invites = store.invites(ws.id).unwrap();
        assert!(
            invites
                .iter()
                .all(|i| users.iter().any(|u| u.id == i.user_id))
        );
    }

    // 2. At rest: every record comes back.
    let file = work.path().join("rest.backup");
    backup_cli(&original, &file);
    assert_eq!(mode(&file), 0o600);
    let restored = work.path().join("restored");
    let said = restore_cli(&file, &restored);
    assert!(said.contains("records restored"), "{said}");
    let b = AnyStore::Sled(SledStore::open(&restored).unwrap());
    let a = app.core.store();
    let (a_all, b_all) = (everything(a), everything(&b));
    assert!(a_all.len() > 250, "{}", a_all.len());
    assert_eq!(a_all, b_all);
    eprintln!("backup at rest: {} things compared, all equal", a_all.len());
    drop(b);
    app.stop_and_wait().await;
    assert!(!socket.exists(), "the socket goes with the server");
    // Offline backups of both (the server stopped) are the same bytes as the one it took.
    let again = work.path().join("again.backup");
    let said = backup_cli(&restored, &again);
    assert!(said.contains("taken from the stopped store"), "{said}");
    assert!(std::fs::read(&again).unwrap() == std::fs::read(&file).unwrap());

    // A damaged backup is refused and nothing is made.
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    let damaged = work.path().join("damaged.backup");
    std::fs::write(&damaged, &bytes).unwrap();
    let target = work.path().join("never");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atender-server"))
        .args(["restore", "--from"])
        .arg(&damaged)
        .arg("--data")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a usable backup"),
        "{out:?}"
    );
    assert!(!target.exists());
    // Nor into a folder that holds a store.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_atender-server"))
        .args(["restore", "--from"])
        .arg(&file)
        .arg("--data")
        .arg(&restored)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not an empty folder"),
        "{out:?}"
    );
}
