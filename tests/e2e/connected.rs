//! Connected mode end to end: the real `atender-server` on 127.0.0.1:0 with a fresh store, and
//! the real `atender-admin` in a pseudo-terminal against it.

use crate::pty::*;
use atender_admin::client::{ClientConfig, HttpClient, session_file};
use atender_admin::domain::{Role, UserStatus};
use atender_admin::service::{AdminApi, NewInvite, UserQuery};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// A running `atender-server serve`, stopped when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
}

impl Server {
    pub(crate) fn start(data: &Path, bind: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_atender-server"))
            .args(["serve", "--data", data.to_str().unwrap(), "--bind", bind])
            .env("ATENDER_LOG", "info")
            .env("XDG_CONFIG_HOME", data.join("no-config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start atender-server");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let start = Instant::now();
        let port = loop {
            let line = lines
                .next()
                .expect("the server exited before serving")
                .unwrap();
            if let Some(rest) = line.split(" port=").nth(1) {
                break rest.split_whitespace().next().unwrap().to_string();
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the server did not start"
            );
        };
        // keep draining its log so it never blocks on a full pipe
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

pub(crate) fn init(data: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_atender-server"))
        .args([
            "init",
            "--data",
            data.to_str().unwrap(),
            "--workspace",
            "Acme",
            "--owner-email",
            "ann@acme.io",
            "--owner-name",
            "Ann Lee",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

fn session_dir(home: &Path) -> PathBuf {
    home.join("data").join("atender-admin")
}

#[test]
fn sign_in_invite_deactivate_survive_an_outage_and_a_revoked_session() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("store");
    let owner_token = init(&data);
    let mut server = Server::start(&data, "127.0.0.1:0");
    let url = server.url.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cfg = ClientConfig::default();
    // the Owner accepts the link, then invites three agents who accept theirs
    let owner = rt.block_on(async {
        atender_admin::client::accept_invite(&url, cfg.clone(), &owner_token, PASSWORD)
            .await
            .unwrap();
        let owner = HttpClient::sign_in(&url, cfg.clone(), "acme", "ann@acme.io", PASSWORD)
            .await
            .unwrap()
            .client;
        for name in ["amy", "ben", "cy"] {
            let issued = owner
                .invite(NewInvite {
                    email: format!("{name}@acme.io"),
                    full_name: format!("Agent {name}"),
                    display_name: None,
                    roles: vec![Role::Agent],
                    teams: vec![],
                    send_invite: false,
                })
                .await
                .unwrap();
            atender_admin::client::accept_invite(
                &url,
                cfg.clone(),
                &issued.token.encode(),
                PASSWORD,
            )
            .await
            .unwrap();
        }
        owner
    });

    // sign in on the console's own screen; the password is never shown
    let args = [
        "--server",
        url.as_str(),
        "--workspace",
        "acme",
        "--email",
        "ann@acme.io",
        "--remember",
        "--refresh",
        "0",
    ];
    let mut t = Term::admin(&args, home.path(), 120, 40);
    t.wait_for("Sign in");
    t.send(PASSWORD);
    assert!(!t.screen().contains(PASSWORD));
    t.send(ENTER);
    t.wait_loaded("Active (4)");
    t.wait_for(&format!("SERVER {url}"));
    t.wait_for("as ann@acme.io");

    // invite through the form
    t.send("i");
    t.wait_for("Invite a user");
    t.send("dee@acme.io");
    t.send(TAB);
    t.send("Dee Newcomer");
    t.send(CTRL_S);
    t.wait_for("Invite link for dee@acme.io");
    t.send(ESC);
    t.wait_for("Pending Invites (1)");

    // mark the three agents and deactivate them
    t.send("/");
    t.send("agent");
    t.wait_for("3 matches");
    t.send(ENTER);
    t.keys(&[" ", " ", " "]);
    t.wait_for("3 marked");
    t.send("d");
    t.wait_for("The rules allow all 3.");
    t.send("y");
    t.wait_for("3 deactivated");
    t.wait_for("Inactive (3)");
    let inactive = rt
        .block_on(owner.list_users(UserQuery {
            status: Some(UserStatus::Inactive),
            ..Default::default()
        }))
        .unwrap();
    let mut emails: Vec<String> = inactive.items.iter().map(|u| u.email.to_string()).collect();
    emails.sort();
    assert_eq!(
        emails,
        ["amy@acme.io", "ben@acme.io", "cy@acme.io"],
        "checked through the API"
    );

    // the server goes away: the console says so and keeps the data
    let port = url.rsplit(':').next().unwrap().to_string();
    server.stop();
    t.send("\x12"); // Ctrl-R
    let screen = t.wait_for("disconnected — retrying");
    assert!(screen.contains("Inactive (3)"), "{screen}");
    // an action is refused with a clear message, nothing typed is lost
    t.send("i");
    t.wait_for("Invite a user");
    t.send("eve@acme.io");
    t.send(TAB);
    t.send("Eve Example");
    t.send(CTRL_S);
    t.wait_for("can't reach the server");
    assert!(t.screen().contains("eve@acme.io"));
    // it comes back on the same address, and the console reconnects by itself
    let _server = Server::start(&data, &format!("127.0.0.1:{port}"));
    let start = Instant::now();
    while t.screen().contains("disconnected — retrying") {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "did not reconnect:\n{}",
            t.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    t.send(CTRL_S); // the form kept everything: save it now
    t.wait_for("Invite link for eve@acme.io");
    t.send(ESC);
    t.wait_for("Pending Invites (2)");

    // the session is revoked on the server: the console asks to sign in again
    let token = session_file::load(&session_dir(home.path()), &url, Default::default())
        .unwrap()
        .expect("--remember kept the session");
    rt.block_on(async {
        HttpClient::with_session(&url, cfg.clone(), token)
            .unwrap()
            .sign_out()
            .await
            .unwrap()
    });
    t.send("\x12");
    t.wait_for("your session has ended");
    t.send(PASSWORD);
    t.send(ENTER);
    t.wait_for("signed in as ann@acme.io");
    t.send("q");
    assert_eq!(t.wait_exit(), 0);

    // the scriptable CLI goes through the same server with the remembered session
    let out = Command::new(env!("CARGO_BIN_EXE_atender-admin"))
        .args([
            "--server",
            url.as_str(),
            "users",
            "--status",
            "inactive",
            "--json",
        ])
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    // logout ends the session on the server and forgets it
    let out = Command::new(env!("CARGO_BIN_EXE_atender-admin"))
        .args(["--server", url.as_str(), "logout"])
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("signed out"),
        "{out:?}"
    );
    assert!(
        session_file::load(&session_dir(home.path()), &url, Default::default())
            .unwrap()
            .is_none()
    );
}

/// `atender-server init` for another workspace of the same store; its Owner's invite token.
fn init_workspace(data: &Path, name: &str, owner: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_atender-server"))
        .args([
            "init",
            "--data",
            data.to_str().unwrap(),
            "--workspace",
            name,
        ])
        .args(["--owner-email", owner, "--owner-name", "Ann Lee"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let token = text
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next();
    token.unwrap().to_string()
}

/// The scriptable CLI against `url`, with its folders in `home` and, if given, a password file.
fn cli_as(home: &Path, url: &str, args: &[&str], password: Option<&str>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_atender-admin"));
    command
        .args(["--server", url])
        .args(args)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("ATENDER_PASSWORD_FILE")
        .stdin(Stdio::null());
    if let Some(password) = password {
        let file = home.join(format!("password-{}", password.len()));
        std::fs::write(&file, format!("{password}\n")).unwrap();
        command.env("ATENDER_PASSWORD_FILE", &file);
    }
    command.output().unwrap()
}

/// A session remembered for one workspace and person is used for them only: a command that
/// names another workspace or another email signs in as what it names, or says why it can't;
/// it never acts in the remembered workspace or as the remembered person.
#[test]
fn a_remembered_session_acts_only_where_and_as_whom_it_was_asked() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("store");
    let acme_owner = init(&data);
    let beta_owner = init_workspace(&data, "Beta", "ann@acme.io");
    let server = Server::start(&data, "127.0.0.1:0");
    let url = server.url.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cfg = ClientConfig::default();
    const AGENT_PASSWORD: &str = "agent4 horse battery staple";
    // Ann owns both workspaces; agent20 is in both, agent4 in Acme.
    let (acme, beta) = rt.block_on(async {
        let mut owners = Vec::new();
        for (token, slug) in [(&acme_owner, "acme"), (&beta_owner, "beta")] {
            atender_admin::client::accept_invite(&url, cfg.clone(), token, PASSWORD)
                .await
                .unwrap();
            let owner = HttpClient::sign_in(&url, cfg.clone(), slug, "ann@acme.io", PASSWORD)
                .await
                .unwrap()
                .client;
            let mut agents = vec!["agent20"];
            if slug == "acme" {
                agents.push("agent4");
            }
            for name in agents {
                let issued = owner
                    .invite(NewInvite {
                        email: format!("{name}@acme.io"),
                        full_name: format!("Agent {name}"),
                        display_name: None,
                        roles: vec![Role::Agent],
                        teams: vec![],
                        send_invite: false,
                    })
                    .await
                    .unwrap();
                let password = if name == "agent4" {
                    AGENT_PASSWORD
                } else {
                    PASSWORD
                };
                atender_admin::client::accept_invite(
                    &url,
                    cfg.clone(),
                    &issued.token.encode(),
                    password,
                )
                .await
                .unwrap();
            }
            owners.push(owner);
        }
        let beta = owners.pop().unwrap();
        (owners.pop().unwrap(), beta)
    });
    let status_of = |api: &HttpClient, email: &str| {
        rt.block_on(async {
            let users = api.list_users(UserQuery::default()).await.unwrap().items;
            let user = users
                .into_iter()
                .find(|u| u.email.as_str() == email)
                .unwrap();
            (user.status, user.roles.to_string())
        })
    };
    let me = home.path();
    // Ann signs in to Acme and is remembered.
    let out = cli_as(
        me,
        &url,
        &[
            "--workspace",
            "acme",
            "--email",
            "ann@acme.io",
            "--remember",
            "users",
        ],
        Some(PASSWORD),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Beta, with no password: it says why it can't, and nothing happens in Acme.
    let out = cli_as(
        me,
        &url,
        &["--workspace", "beta", "deactivate", "agent20@acme.io"],
        None,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("not signed in in beta"), "{stderr}");
    assert_eq!(status_of(&acme, "agent20@acme.io").0, UserStatus::Active);
    // Beta with the password: it acts in Beta, and says so.
    let out = cli_as(
        me,
        &url,
        &["--workspace", "beta", "deactivate", "agent20@acme.io"],
        Some(PASSWORD),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("as ann@acme.io in Beta (beta)"), "{stderr}");
    assert_eq!(status_of(&beta, "agent20@acme.io").0, UserStatus::Inactive);
    assert_eq!(status_of(&acme, "agent20@acme.io").0, UserStatus::Active);
    // The remembered Acme session without a workspace named: still Acme, and it says so.
    let out = cli_as(
        me,
        &url,
        &["--workspace", "acme", "beta", "on", "agent20@acme.io"],
        None,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("as ann@acme.io in Acme (acme)"), "{stderr}");
    // Another email in Acme: it signs in as that person (an Agent), never as Ann.
    let out = cli_as(
        me,
        &url,
        &[
            "--workspace",
            "acme",
            "--email",
            "agent4@acme.io",
            "roles",
            "set",
            "agent",
            "ann@acme.io",
        ],
        Some(AGENT_PASSWORD),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "an Agent can't change roles: {stderr}"
    );
    assert_eq!(
        status_of(&acme, "ann@acme.io").1,
        "Owner",
        "Ann is still the Owner"
    );

    // The console, in a real terminal: named Beta, it does not open on the remembered Acme
    // session; it asks to sign in to Beta, and then it is in Beta.
    let console = |workspace: &str| {
        let args = [
            "--server",
            url.as_str(),
            "--workspace",
            workspace,
            "--email",
            "ann@acme.io",
            "--refresh",
            "0",
        ];
        Term::admin(&args, home.path(), 120, 40)
    };
    let mut t = console("beta");
    t.wait_for("Sign in");
    assert!(!t.screen().contains("atender-admin Acme"), "{}", t.screen());
    t.send(PASSWORD);
    t.send(ENTER);
    t.wait_for("atender-admin Beta");
    t.wait_for("as ann@acme.io");
    assert!(!t.screen().contains("Acme ("), "{}", t.screen());
    t.send("q");
    assert_eq!(t.wait_exit(), 0);
    // Named Acme, the remembered session is the one asked for: no sign-in, and it is Acme.
    let mut t = console("acme");
    t.wait_for("atender-admin Acme");
    assert!(!t.screen().contains("Sign in"), "{}", t.screen());
    t.send("q");
    assert_eq!(t.wait_exit(), 0);
    drop(server);
}

/// A proxy in front of the server that holds back the answer to every dry run (a request
/// whose body says `"dry_run":true`) for `delay`: a server slowed down on purpose.
fn slow_dry_run_proxy(upstream: &str, delay: Duration) -> String {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let upstream = upstream.trim_start_matches("http://").to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(&upstream) else {
                continue;
            };
            let dry_run = Arc::new(AtomicBool::new(false));
            let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let seen = dry_run.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                while let Ok(n) = c_in.read(&mut buf) {
                    if n == 0 || s_out.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    if String::from_utf8_lossy(&buf[..n]).contains("\"dry_run\":true") {
                        seen.store(true, Ordering::SeqCst);
                    }
                }
                let _ = s_out.shutdown(std::net::Shutdown::Write);
            });
            let (mut s_in, mut c_out) = (server, client);
            std::thread::spawn(move || {
                let mut buf = [0u8; 16384];
                while let Ok(n) = s_in.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if dry_run.swap(false, Ordering::SeqCst) {
                        std::thread::sleep(delay);
                    }
                    if c_out.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = c_out.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    url
}

/// Issue 20, point 2, through a real pseudo-terminal and a real server slowed on purpose:
/// until the rules check has answered, `y` does nothing; after it, `y` runs what was shown.
#[test]
fn yes_typed_before_the_rules_check_answers_changes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("store");
    let owner_token = init(&data);
    let server = Server::start(&data, "127.0.0.1:0");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cfg = ClientConfig::default();
    let owner = rt.block_on(async {
        atender_admin::client::accept_invite(&server.url, cfg.clone(), &owner_token, PASSWORD)
            .await
            .unwrap();
        let owner = HttpClient::sign_in(&server.url, cfg.clone(), "acme", "ann@acme.io", PASSWORD)
            .await
            .unwrap()
            .client;
        let issued = owner
            .invite(NewInvite {
                email: "amy@acme.io".into(),
                full_name: "Agent Amy".into(),
                display_name: None,
                roles: vec![Role::Agent],
                teams: vec![],
                send_invite: false,
            })
            .await
            .unwrap();
        atender_admin::client::accept_invite(
            &server.url,
            cfg.clone(),
            &issued.token.encode(),
            PASSWORD,
        )
        .await
        .unwrap();
        owner
    });
    let amy_status = || {
        rt.block_on(async {
            let page = owner.list_users(UserQuery::default()).await.unwrap();
            page.items
                .into_iter()
                .find(|u| u.email.as_str() == "amy@acme.io")
                .unwrap()
                .status
        })
    };
    let url = slow_dry_run_proxy(&server.url, Duration::from_secs(3));
    let args = [
        "--server",
        url.as_str(),
        "--workspace",
        "acme",
        "--email",
        "ann@acme.io",
        "--refresh",
        "0",
    ];
    let mut t = Term::admin(&args, home.path(), 120, 40);
    t.wait_for("Sign in");
    t.send(PASSWORD);
    t.send(ENTER);
    t.wait_loaded("Active (2)");
    t.send("/");
    t.send("amy");
    t.send(ENTER);
    // d and a quick y: the y lands while the check is still out.
    t.send("d");
    t.wait_for("checking what the rules allow");
    t.send("y");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        t.screen().contains("checking what the rules allow"),
        "the dialog went on without the check:\n{}",
        t.screen()
    );
    assert_eq!(
        amy_status(),
        UserStatus::Active,
        "y before the check changed something"
    );
    // Once the check has answered, y runs what it showed.
    t.wait_for("The rules allow");
    t.send("y");
    t.wait_for("1 deactivated");
    assert_eq!(amy_status(), UserStatus::Inactive);
    t.send("q");
    assert_eq!(t.wait_exit(), 0);
}
