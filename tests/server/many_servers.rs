//! Two real `atender-server` processes on one PostgreSQL database (a schema of its own in
//! ATENDER_TEST_DATABASE_URL, which `scripts/test` provides): the rules hold across them and a
//! session ended through one is refused by the other; they share one change feed.

use crate::support::{PASSWORD, TestSchema, expect, http};
use atender_admin::domain::{HashCost, Role, UserStatus};
use atender_admin::service::{AdminApi, Core, CoreConfig, NewInvite};
use atender_admin::store::{AnyStore, PgStore, Store};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// `atender-server serve` on 127.0.0.1:0 over the database; killed when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    _outbox: tempfile::TempDir,
}

impl Server {
    pub fn start(database_url: &str) -> Server {
        let outbox = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_atender-server"))
            .args(["serve", "--bind", "127.0.0.1:0", "--outbox"])
            .arg(outbox.path())
            .env("ATENDER_DATABASE_URL", database_url)
            .env_remove("ATENDER_DATA")
            .env_remove("ATENDER_SMTP_HOST")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let (mut line, mut seen, mut port) = (String::new(), String::new(), None);
        while port.is_none() && stderr.read_line(&mut line).unwrap() > 0 {
            seen.push_str(&line);
            port = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("port="))
                .and_then(|p| p.parse::<u16>().ok());
            line.clear();
        }
        let port = port.unwrap_or_else(|| panic!("serve did not say where it listens: {seen}"));
        // Keep reading its log so that it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while stderr.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        Server {
            child,
            url: format!("http://127.0.0.1:{port}/api/v1"),
            _outbox: outbox,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A core on the same database, to set workspaces up quickly: cheap password hashes, which the
/// servers verify with the parameters recorded in each hash.
fn seeding_core(url: &str) -> Core<AnyStore> {
    Core::with_system_clock(
        AnyStore::Postgres(PgStore::open(url).unwrap()),
        CoreConfig {
            hash_cost: HashCost::insecure_for_tests(),
            ..CoreConfig::default()
        },
    )
}

/// A workspace with two accepted Owners: (slug, first, second).
async fn two_owners(
    core: &Core<AnyStore>,
    name: &str,
) -> (
    String,
    atender_admin::domain::User,
    atender_admin::domain::User,
) {
    let (ws, issued) = core
        .create_workspace(name, "a@race.io", "Owner A")
        .await
        .unwrap();
    let a = core
        .accept_invite(&issued.token.encode(), PASSWORD)
        .await
        .unwrap();
    let invited = core
        .admin(ws.id, a.id)
        .invite(NewInvite {
            email: "b@race.io".into(),
            full_name: "Owner B".into(),
            display_name: None,
            roles: vec![Role::Owner],
            teams: vec![],
            send_invite: false,
        })
        .await
        .unwrap();
    let b = core
        .accept_invite(&invited.token.encode(), PASSWORD)
        .await
        .unwrap();
    (ws.slug, a, b)
}

async fn sign_in(client: &reqwest::Client, server: &Server, slug: &str, email: &str) -> String {
    let r = client
        .post(format!("{}/session", server.url))
        .json(&json!({"workspace": slug, "email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    expect(r, StatusCode::OK).await["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Whether a deactivation request was done: 200 with "done", or lost (refused by the rule, or
/// 401 because the other Owner's deactivation ended this one's session first).
async fn deactivation_done(r: reqwest::Response) -> (bool, String) {
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    let shown = format!("{status} {body}");
    match status {
        StatusCode::OK => (body["results"][0]["outcome"] == "done", shown),
        StatusCode::UNAUTHORIZED => (false, shown),
        _ => panic!("unexpected answer: {shown}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_owners_deactivating_each_other_through_two_servers_exactly_one_wins() {
    let db = TestSchema::new();
    let core = seeding_core(&db.url);
    let (one, two) = (Server::start(&db.url), Server::start(&db.url));
    let client = http().build().unwrap();
    for round in 0..200 {
        let (slug, a, b) = two_owners(&core, &format!("Race {round}")).await;
        let (token_a, token_b) = tokio::join!(
            sign_in(&client, &one, &slug, "a@race.io"),
            sign_in(&client, &two, &slug, "b@race.io"),
        );
        let (ra, rb) = tokio::join!(
            client
                .post(format!("{}/users/deactivate", one.url))
                .bearer_auth(&token_a)
                .json(&json!({"ids": [b.id]}))
                .send(),
            client
                .post(format!("{}/users/deactivate", two.url))
                .bearer_auth(&token_b)
                .json(&json!({"ids": [a.id]}))
                .send(),
        );
        let ((won_a, shown_a), (won_b, shown_b)) = (
            deactivation_done(ra.unwrap()).await,
            deactivation_done(rb.unwrap()).await,
        );
        assert!(
            won_a ^ won_b,
            "round {round}: exactly one must win: {shown_a} / {shown_b}"
        );
        let ws = core.workspace_by_slug(&slug).await.unwrap();
        let owners: Vec<_> = core
            .store()
            .users(ws.id)
            .unwrap()
            .into_iter()
            .filter(|u| u.is_active_owner())
            .collect();
        assert_eq!(owners.len(), 1, "round {round}");
        assert_eq!(owners[0].id, if won_a { a.id } else { b.id });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ended_through_one_server_is_refused_by_the_other() {
    let db = TestSchema::new();
    let core = seeding_core(&db.url);
    let (one, two) = (Server::start(&db.url), Server::start(&db.url));
    let client = http().build().unwrap();
    let (slug, a, b) = two_owners(&core, "Acme").await;
    let me = |server: &Server, token: &str| {
        client
            .get(format!("{}/me", server.url))
            .bearer_auth(token)
            .send()
    };

    // Signed out through one: the other refuses the token at its next request.
    let token = sign_in(&client, &one, &slug, "a@race.io").await;
    expect(me(&two, &token).await.unwrap(), StatusCode::OK).await;
    let r = client
        .delete(format!("{}/session", one.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(
        me(&two, &token).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    // Deactivated through one: their session on the other ends, and they can't sign in there.
    let token_b = sign_in(&client, &two, &slug, "b@race.io").await;
    let token_a = sign_in(&client, &two, &slug, "a@race.io").await;
    let out = expect(
        client
            .post(format!("{}/users/deactivate", one.url))
            .bearer_auth(&token_a)
            .json(&json!({"ids": [b.id]}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(out["results"][0]["outcome"], "done", "{out}");
    assert_eq!(
        me(&two, &token_b).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let r = client
        .post(format!("{}/session", two.url))
        .json(&json!({"workspace": slug, "email": "b@race.io", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let ws = core.workspace_by_slug(&slug).await.unwrap();
    let stored = core.store().users(ws.id).unwrap();
    assert!(
        stored
            .iter()
            .any(|u| u.id == b.id && u.status == UserStatus::Inactive)
    );
    assert_eq!(
        expect(me(&one, &token_a).await.unwrap(), StatusCode::OK).await["user"]["id"],
        json!(a.id)
    );
}

/// The sign-in limit counts in the database: failures through one server count on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_through_one_server_count_on_the_other() {
    let db = TestSchema::new();
    let core = seeding_core(&db.url);
    let (one, two) = (Server::start(&db.url), Server::start(&db.url));
    let client = http().build().unwrap();
    let (slug, _, _) = two_owners(&core, "Acme").await;
    let attempt = |server: &Server, password: &str| {
        client
            .post(format!("{}/session", server.url))
            .json(&json!({"workspace": slug, "email": "a@race.io", "password": password}))
            .send()
    };
    for n in 0..5 {
        let r = attempt(&one, "wrong password, surely").await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "failure {n}");
    }
    // The sixth, through the other server and with the right password, is refused.
    let r = attempt(&two, PASSWORD).await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((14 * 60..=15 * 60).contains(&retry_after), "{retry_after}");
    // The other Owner's email has its own budget, on either server.
    sign_in(&client, &two, &slug, "b@race.io").await;
    sign_in(&client, &one, &slug, "b@race.io").await;
}

/// The change feed lives in the database: a console following it through one server sees what
/// was changed through the other, and both servers number the changes in one sequence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_server_is_in_the_feed_read_through_the_other() {
    let db = TestSchema::new();
    let core = seeding_core(&db.url);
    let (one, two) = (Server::start(&db.url), Server::start(&db.url));
    let client = http().build().unwrap();
    let (slug, _, _) = two_owners(&core, "Acme").await;
    let token_one = sign_in(&client, &one, &slug, "a@race.io").await;
    let token_two = sign_in(&client, &two, &slug, "b@race.io").await;
    let feed = |server: &Server, token: &str, since: Option<u64>| {
        let query = since.map_or(String::new(), |s| format!("?since={s}"));
        client
            .get(format!("{}/changes{query}", server.url))
            .bearer_auth(token)
            .send()
    };
    let start = expect(feed(&two, &token_two, None).await.unwrap(), StatusCode::OK).await;
    let start = start["seq"].as_u64().expect("a sequence number");
    let invited = expect(
        client
            .post(format!("{}/invites", one.url))
            .bearer_auth(&token_one)
            .json(&json!({"email": "carl@acme.io", "full_name": "Carl", "roles": ["agent"], "send_invite": false}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let changed = expect(
        feed(&two, &token_two, Some(start)).await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let seq = changed["seq"].as_u64().unwrap();
    assert!(seq > start, "{changed}");
    let ids: Vec<&Value> = changed["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| &u["id"])
        .collect();
    assert_eq!(ids, vec![&invited["user"]["id"]], "{changed}");
    // The same sequence number means the same thing on the other server.
    let none = expect(
        feed(&one, &token_one, Some(seq)).await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(none["seq"].as_u64(), Some(seq), "{none}");
    assert_eq!(none["users"].as_array().map(Vec::len), Some(0), "{none}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_write_survives_a_kill_9_of_the_server() {
    let db = TestSchema::new();
    let core = seeding_core(&db.url);
    let (slug, _, _) = two_owners(&core, "Acme").await;
    let ws = core.workspace_by_slug(&slug).await.unwrap();
    let client = http().build().unwrap();
    let mut acknowledged = Vec::new();
    for round in 0..20u64 {
        let mut server = Server::start(&db.url);
        let token = sign_in(&client, &server, &slug, "a@race.io").await;
        let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        // Four writers invite people one after the other until the server dies under them.
        let writers: Vec<_> = (0..4)
            .map(|writer| {
                let (client, url, token) = (client.clone(), server.url.clone(), token.clone());
                let answered = answered.clone();
                tokio::spawn(async move {
                    let mut done = Vec::new();
                    for n in 0.. {
                        let email = format!("r{round}-w{writer}-{n}@acme.io");
                        let sent = client
                            .post(format!("{url}/invites"))
                            .bearer_auth(&token)
                            .json(&json!({"email": email, "full_name": "Someone",
                                          "roles": ["agent"], "send_invite": false}))
                            .send()
                            .await;
                        match sent {
                            Ok(r) if r.status() == StatusCode::CREATED => {
                                done.push(email);
                                answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            }
                            Ok(r) => panic!("round {round}: unexpected {}", r.status()),
                            Err(_) => break,
                        }
                    }
                    done
                })
            })
            .collect();
        // Mid-write, at a different moment each round, once the round has a write to lose: the
        // writers take turns on the workspace's change counter, so on a loaded machine a fixed
        // delay alone could end a round before its first answer.
        let waiting = std::time::Instant::now();
        while answered.load(std::sync::atomic::Ordering::SeqCst) == 0 {
            assert!(
                waiting.elapsed().as_secs() < 60,
                "round {round}: no write answered"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(60 + 37 * (round % 7))).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        for w in writers {
            acknowledged.extend(w.await.unwrap());
        }
    }
    eprintln!(
        "kill -9 on PostgreSQL: {} acknowledged writes",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() >= 20,
        "too few writes to mean anything: {}",
        acknowledged.len()
    );
    // A fresh server on the same database answers for every acknowledged invite.
    drop(Server::start(&db.url));
    let stored: std::collections::BTreeSet<String> = core
        .store()
        .users(ws.id)
        .unwrap()
        .into_iter()
        .map(|u| u.email.as_str().to_string())
        .collect();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|e| !stored.contains(*e))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} lost",
        lost.len(),
        acknowledged.len()
    );
}

/// A TCP forwarder to the test database that the test can cut and restore, as a network
/// outage between a server and its database would.
struct DatabaseLink {
    port: u16,
    upstream: String,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl DatabaseLink {
    async fn open(upstream: &str, port: u16) -> DatabaseLink {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let tasks = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (upstream, list) = (upstream.to_string(), tasks.clone());
        let accept = tokio::spawn({
            let upstream = upstream.clone();
            async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    let upstream = upstream.clone();
                    let copy = tokio::spawn(async move {
                        if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    list.lock().unwrap().push(copy);
                }
            }
        });
        tasks.lock().unwrap().push(accept);
        DatabaseLink {
            port,
            upstream,
            tasks,
        }
    }

    /// Drops every connection and stops listening.
    fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

/// The health check asks the database: 503 while it can't be reached, 200 again once it can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_check_fails_while_the_database_is_unreachable() {
    use crate::support::{Backend, Mail, Place, TestApp};
    let place = Place::new(Backend::Postgres);
    let url = place.database.as_ref().unwrap().url.clone();
    // postgres://user@HOST:PORT/db?options=…: route HOST:PORT through the link.
    let authority = url
        .split_once('@')
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(hostport, _)| hostport.to_string())
        .unwrap();
    let link = DatabaseLink::open(&authority, 0).await;
    let through_link = url.replace(&authority, &format!("127.0.0.1:{}", link.port));
    let app = TestApp::spawn_with(place, Mail::Outbox, |c| {
        c.database_url = Some(through_link);
    })
    .await;
    let health = || {
        app.request(reqwest::Method::GET, "/api/v1/healthz", None)
            .send()
    };
    assert_eq!(
        expect(health().await.unwrap(), StatusCode::OK).await["status"],
        "ok"
    );
    link.cut();
    let body = expect(health().await.unwrap(), StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["status"], "storage_unavailable", "{body}");
    let _restored = DatabaseLink::open(&link.upstream, link.port).await;
    assert_eq!(
        expect(health().await.unwrap(), StatusCode::OK).await["status"],
        "ok"
    );
}
