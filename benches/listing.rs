//! Listing costs at 1,000 and 100,000 users: seeding the demo, one page of `GET /users` walked by
//! cursor, wrk against that page and against a plain axum "hello" route in the same run, the
//! connected console's first load and a refresh with no changes, and the CLI's `users --json`
//! offline and over HTTP (first line and total), each through the real release binaries.
//!
//! Then, on PostgreSQL (ATENDER_BENCH_DATABASE_URL, else ATENDER_TEST_DATABASE_URL), wrk against
//! the same page through one and through two real `atender-server` processes on one database.
//!
//! `cargo bench --bench listing` prints the figures recorded in BENCHMARKS.md (wrk from Debian's
//! `wrk` package, which scripts/test installs). Under `cargo test` it runs once at 300 users
//! as a smoke test.

use atender_admin::client::{ClientConfig, HttpClient};
use atender_admin::demo;
use atender_admin::domain::HashCost;
use atender_admin::server::{Application, ServerConfig};
use atender_admin::service::{AdminApi, CoreConfig};
use atender_admin::store::SledStore;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs a command, returning (time to the first line of output, total time, lines).
fn first_line_and_total(cmd: &mut Command) -> (Duration, Duration, usize) {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    let mut first = None;
    let mut n = 0;
    while let Some(Ok(_)) = lines.next() {
        first.get_or_insert_with(|| start.elapsed());
        n += 1;
    }
    let status = child.wait().expect("the binary ends");
    assert!(status.success(), "{cmd:?} failed: {status}");
    (first.unwrap_or_default(), start.elapsed(), n)
}

/// wrk's requests per second and 99th percentile latency.
fn wrk(url: &str, token: Option<&str>, seconds: u32) -> String {
    wrk_with(url, token, seconds, 2, 8)
}

/// wrk with `threads` threads and `connections` connections.
fn wrk_with(
    url: &str,
    token: Option<&str>,
    seconds: u32,
    threads: u32,
    connections: u32,
) -> String {
    let mut cmd = Command::new("wrk");
    cmd.args([
        &format!("-t{threads}"),
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    if let Some(t) = token {
        cmd.args(["-H", &format!("authorization: Bearer {t}")]);
    }
    cmd.arg(url);
    // Never a silent skip: scripts/test installs wrk.
    let out = cmd
        .output()
        .expect("wrk runs (Debian's wrk package; scripts/test installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .map(str::trim)
        .unwrap_or("?");
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(str::trim)
        .unwrap_or("?");
    let non2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx"))
        .unwrap_or("")
        .trim();
    format!("{rps} req/s, p99 {p99} {non2xx}")
}

/// A storeless, unauthenticated route answering a fixed 50-user JSON page: the ceiling.
async fn hello_server(body: String) -> String {
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}/", listener.local_addr().expect("an address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    // ATENDER_LISTING_SIZES=1000,5000 measures other sizes (the sled part; PostgreSQL's is 1,000).
    let chosen: Option<Vec<usize>> = std::env::var("ATENDER_LISTING_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect());
    let sizes: &[usize] = match (&chosen, measuring) {
        (Some(chosen), _) => chosen,
        (None, true) => &[1_000, 100_000],
        (None, false) => &[300],
    };
    let admin_bin = env!("CARGO_BIN_EXE_atender-admin");
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    rustls::crypto::ring::default_provider()
        .install_default()
        .ok();
    for &size in sizes {
        println!("== {size} users");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store_dir = dir.path().join("store");
        let store = SledStore::open(&store_dir).expect("a store");
        let now = time::OffsetDateTime::now_utc();
        let start = Instant::now();
        let (ws, owner) =
            demo::seed(&store, now, size, HashCost::insecure_for_tests()).expect("a demo");
        println!("seed: {}", ms(start.elapsed()));
        drop(store);
        let size_on_disk: u64 = walk(&store_dir).iter().map(|f| f.1).sum();
        println!("store size: {:.1} MB", size_on_disk as f64 / 1e6);

        // The CLI offline (the server is not running yet: one process per store). The first
        // run is not timed: it also waits until sled, closed a moment ago in this process,
        // lets go of the store's lock (up to 500 ms of retries), which a person running the CLI
        // on a store at rest never meets. Then the median of three runs.
        let offline = || {
            first_line_and_total(
                Command::new(admin_bin)
                    .arg("--data")
                    .arg(&store_dir)
                    .args(["users", "--json"]),
            )
        };
        assert_eq!(offline().2, size);
        let mut runs: Vec<(Duration, Duration)> = (0..3)
            .map(|_| {
                let (first, total, _) = offline();
                (first, total)
            })
            .collect();
        runs.sort();
        let (first, total) = runs[1];
        println!(
            "cli users --json offline (median of 3 after one untimed run): first line {}, total {}",
            ms(first),
            ms(total)
        );

        rt.block_on(async {
            let mut config = ServerConfig::new(store_dir.clone(), "127.0.0.1:0".into());
            config.core = CoreConfig {
                hash_cost: HashCost::insecure_for_tests(),
                ..CoreConfig::default()
            };
            let app = Application::build(config).await.expect("a server");
            let url = app.public_url().to_string();
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(app.run_until_stopped(async {
                let _ = stopped.await;
            }));
            let client_config = ClientConfig {
                connect_timeout: Duration::from_secs(5),
                request_timeout: Duration::from_secs(120),
                read_retries: 0,
                retry_backoff: Duration::from_millis(50),
            };
            let session = HttpClient::sign_in(
                &url,
                client_config,
                &ws.slug,
                owner.email.as_str(),
                demo::DEMO_PASSWORD,
            )
            .await
            .expect("signed in");
            let token = session.client.token().encode();
            // The provider is installed above; the bare constructor is fine in a bench.
            #[allow(clippy::disallowed_methods)]
            let http = reqwest::Client::builder().build().expect("a client");

            // One page of 100, 20 pages walked by cursor.
            let mut times = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..20 {
                let query = match &cursor {
                    Some(c) => format!("limit=100&cursor={c}"),
                    None => "limit=100".into(),
                };
                let req = http
                    .get(format!("{url}/api/v1/users?{query}"))
                    .bearer_auth(&token);
                let start = Instant::now();
                let page: serde_json::Value = req
                    .send()
                    .await
                    .expect("answered")
                    .json()
                    .await
                    .expect("json");
                times.push(start.elapsed());
                cursor = page["next"].as_str().map(str::to_string);
                if cursor.is_none() {
                    break;
                }
            }
            println!(
                "GET /users?limit=100, median of {} pages: {}",
                times.len(),
                ms(median(times))
            );

            // Connected console: first load, then a refresh with nothing changed.
            let start = Instant::now();
            let snapshot = session.client.snapshot().await.expect("a snapshot");
            println!(
                "connected console first load ({} users): {}",
                snapshot.users.len(),
                ms(start.elapsed())
            );
            let start = Instant::now();
            let body = http
                .get(format!("{url}/api/v1/changes?since={}", snapshot.seq))
                .bearer_auth(&token)
                .send()
                .await
                .expect("answered")
                .bytes()
                .await
                .expect("a body");
            println!(
                "refresh with no changes: 1 request, {} bytes, {}",
                body.len(),
                ms(start.elapsed())
            );

            // The CLI over HTTP.
            let password_file = dir.path().join("password");
            std::fs::write(&password_file, demo::DEMO_PASSWORD).expect("written");
            let (first, total, lines) = tokio::task::spawn_blocking({
                let (url, slug, email) = (url.clone(), ws.slug.clone(), owner.email.to_string());
                move || {
                    first_line_and_total(
                        Command::new(admin_bin)
                            .args(["--server", &url, "--workspace", &slug, "--email", &email])
                            .env("ATENDER_PASSWORD_FILE", &password_file)
                            .env("HOME", password_file.parent().expect("a folder"))
                            .args(["users", "--json"]),
                    )
                }
            })
            .await
            .expect("ran");
            assert_eq!(lines, size);
            println!(
                "cli users --json over HTTP: first line {}, total {}",
                ms(first),
                ms(total)
            );

            // wrk: the list page, then the hello route, in the same run.
            let page: serde_json::Value = http
                .get(format!("{url}/api/v1/users?limit=50"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("answered")
                .json()
                .await
                .expect("json");
            let hello = hello_server(page.to_string()).await;
            let seconds = if measuring { 10 } else { 1 };
            let list_url = format!("{url}/api/v1/users?limit=50");
            let (list, plain) = tokio::task::spawn_blocking(move || {
                (
                    wrk(&list_url, Some(&token), seconds),
                    wrk(&hello, None, seconds),
                )
            })
            .await
            .expect("ran");
            println!("wrk GET /users?limit=50 (authenticated): {list}");
            println!("wrk hello route (storeless 50-user page): {plain}");
            let _ = stop.send(());
        });
    }
    let (size, seconds) = if measuring { (1_000, 10) } else { (300, 1) };
    postgres_servers(&rt, size, seconds);
}

/// A real `atender-server serve` on 127.0.0.1:0 over a database; killed when dropped.
struct ServeProcess {
    child: std::process::Child,
    url: String,
}

impl ServeProcess {
    fn start(database_url: &str, outbox: &std::path::Path) -> ServeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_atender-server"))
            .args(["serve", "--bind", "127.0.0.1:0", "--outbox"])
            .arg(outbox)
            .env("ATENDER_DATABASE_URL", database_url)
            .env_remove("ATENDER_DATA")
            .env_remove("ATENDER_SMTP_HOST")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("atender-server starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let port: u16 = loop {
            let line = lines
                .next()
                .expect("serve exited before serving")
                .expect("a log line");
            if let Some(p) = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("port="))
            {
                break p.parse().expect("a port");
            }
        };
        std::thread::spawn(move || for _ in lines {});
        ServeProcess {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// wrk on the list page through one server, then through two on the same database (two wrk
/// runs at once, one per server, with the same connections in total).
fn postgres_servers(rt: &tokio::runtime::Runtime, size: usize, seconds: u32) {
    use atender_admin::store::PgStore;
    use atender_admin::store::postgres::testing;
    let base = std::env::var("ATENDER_BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("ATENDER_TEST_DATABASE_URL"))
        .expect(
            "set ATENDER_BENCH_DATABASE_URL (or ATENDER_TEST_DATABASE_URL) to a PostgreSQL \
             database: ./scripts/test starts one",
        );
    let schema = format!("bench_{}", uuid::Uuid::now_v7().simple());
    testing::execute(&base, &format!("CREATE SCHEMA {schema}")).expect("a schema");
    let url = testing::url_with_schema(&base, &schema);
    let store = PgStore::open(&url).expect("a store");
    let start = Instant::now();
    let (ws, owner) = demo::seed(
        &store,
        time::OffsetDateTime::now_utc(),
        size,
        HashCost::insecure_for_tests(),
    )
    .expect("a demo");
    drop(store);
    println!(
        "== PostgreSQL, {size} users (seed: {})",
        ms(start.elapsed())
    );
    let outbox = tempfile::tempdir().expect("a folder");
    let (one, two) = (
        ServeProcess::start(&url, outbox.path()),
        ServeProcess::start(&url, outbox.path()),
    );
    let token = rt.block_on(async {
        #[allow(clippy::disallowed_methods)]
        let http = reqwest::Client::builder().build().expect("a client");
        let signed: serde_json::Value = http
            .post(format!("{}/api/v1/session", one.url))
            .json(
                &serde_json::json!({"workspace": ws.slug, "email": owner.email.as_str(),
                                      "password": demo::DEMO_PASSWORD}),
            )
            .send()
            .await
            .expect("answered")
            .json()
            .await
            .expect("json");
        signed["token"].as_str().expect("a token").to_string()
    });
    let page = |server: &ServeProcess| format!("{}/api/v1/users?limit=50", server.url);
    println!(
        "wrk GET /users?limit=50, one server: {}",
        wrk_with(&page(&one), Some(&token), seconds, 2, 8)
    );
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| wrk_with(&page(&one), Some(&token), seconds, 1, 4));
        let b = s.spawn(|| wrk_with(&page(&two), Some(&token), seconds, 1, 4));
        (a.join().expect("wrk ran"), b.join().expect("wrk ran"))
    });
    println!("wrk GET /users?limit=50, two servers at once: {a} | {b}");
    drop((one, two));
    let _ = testing::execute(&base, &format!("DROP SCHEMA {schema} CASCADE"));
}

fn walk(d: &std::path::Path) -> Vec<(std::path::PathBuf, u64)> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(d) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else if let Ok(m) = e.metadata() {
                out.push((p, m.len()));
            }
        }
    }
    out
}
