//! The server under test: `Application::build` on 127.0.0.1:0 over a fresh store (a sled folder,
//! or a schema of its own in the test PostgreSQL database: every test runs on each), a clock the
//! test moves, cheap password hashing, and invite mail going to an SMTP sink.

/// Runs each listed test, an `async fn NAME(store: Backend)`, once on each store, as
/// `sled::NAME` and `postgres::NAME` (multi-threaded, 2 workers, or as many as given).
macro_rules! on_every_store {
    ($($name:ident $(($workers:literal))?),* $(,)?) => {
        mod sled {
            $( store_test!(Sled, $name $(, $workers)?); )*
        }
        mod postgres {
            $( store_test!(Postgres, $name $(, $workers)?); )*
        }
    };
}

macro_rules! store_test {
    ($backend:ident, $name:ident) => {
        store_test!($backend, $name, 2);
    };
    ($backend:ident, $name:ident, $workers:literal) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = $workers)]
        async fn $name() {
            super::$name($crate::support::Backend::$backend).await
        }
    };
}

use crate::smtp_sink::SmtpSink;
use atender_admin::api::invite_link;
use atender_admin::domain::HashCost;
use atender_admin::server::mail::{MailTransport, SmtpConfig, TlsMode};
use atender_admin::server::{Application, MailConfig, ServerConfig};
use atender_admin::service::{Core, CoreConfig, ManualClock};
use atender_admin::store::{AnyStore, PgStore, SledStore};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tempfile::TempDir;
use time::macros::datetime;
use tokio::sync::oneshot;

pub const PASSWORD: &str = "correct horse battery";

#[path = "../common/test_database.rs"]
mod test_database;
pub use test_database::*;

/// Where a test's server keeps its data: always a temporary folder (the outbox; the store too
/// on sled), and on PostgreSQL a schema of its own.
pub struct Place {
    pub dir: TempDir,
    pub database: Option<TestSchema>,
}

impl Place {
    pub fn new(store: Backend) -> Place {
        Place {
            dir: tempfile::tempdir().unwrap(),
            database: match store {
                Backend::Sled => None,
                Backend::Postgres => Some(TestSchema::new()),
            },
        }
    }

    /// The sled store's folder (unused on PostgreSQL).
    pub fn store_dir(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// Points an `atender-server` command (`init`, `serve`, `check`, …) at this place's store:
    /// `--data DIR` on sled, `ATENDER_DATABASE_URL` on PostgreSQL.
    pub fn point<'c>(&self, cmd: &'c mut std::process::Command) -> &'c mut std::process::Command {
        cmd.env_remove("ATENDER_DATA")
            .env_remove("ATENDER_DATABASE_URL");
        match &self.database {
            None => cmd.arg("--data").arg(self.store_dir()),
            Some(db) => cmd.env("ATENDER_DATABASE_URL", &db.url),
        }
    }

    /// Opens the store as a server would (for tests that seed or inspect it directly).
    pub fn open(&self) -> AnyStore {
        match &self.database {
            None => AnyStore::Sled(SledStore::open(self.store_dir()).unwrap()),
            Some(db) => AnyStore::Postgres(PgStore::open(&db.url).unwrap()),
        }
    }
}

pub enum Mail {
    Sink,
    Outbox,
}

pub struct TestApp {
    /// `http://127.0.0.1:PORT`, also the public URL of links.
    pub url: String,
    pub core: Core<AnyStore>,
    pub clock: Arc<ManualClock>,
    pub mail: SmtpSink,
    pub outbox: PathBuf,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    running: Option<tokio::task::JoinHandle<atender_admin::Result<()>>>,
    _place: Place,
}

impl TestApp {
    /// Stops the server as SIGTERM does and waits until it has stopped (store flushed).
    pub async fn stop_and_wait(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(running) = self.running.take() {
            running.await.unwrap().unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Logs of every server in this test binary, to check that no secret reaches them.
pub fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || LogWriter(sink.clone()))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buffer
    })
    .clone()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A reqwest builder for the tests' raw HTTP. The crate builds reqwest with rustls but no
/// default crypto provider (the client passes its own, over ring), so a plain
/// `reqwest::Client::new()` would panic; the tests install ring as the process default once.
pub fn http() -> reqwest::ClientBuilder {
    static PROVIDER: OnceLock<()> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    #[allow(clippy::disallowed_methods)]
    reqwest::Client::builder()
}

impl TestApp {
    pub async fn spawn(store: Backend) -> TestApp {
        Self::spawn_in(Place::new(store), Mail::Sink).await
    }

    /// Starts the server over `place`'s store (which `init` may have filled already).
    pub async fn spawn_in(place: Place, mail: Mail) -> TestApp {
        Self::spawn_with(place, mail, |_| {}).await
    }

    /// Like `spawn_in`, with the configuration adjusted by `adjust` before the start.
    pub async fn spawn_with(
        place: Place,
        mail: Mail,
        adjust: impl FnOnce(&mut ServerConfig),
    ) -> TestApp {
        captured_logs();
        let sink = SmtpSink::start().await;
        let clock = Arc::new(ManualClock::new(datetime!(2026-11-02 09:00 UTC)));
        let outbox = place.dir.path().join("outbox");
        let mut config = ServerConfig::new(place.store_dir(), "127.0.0.1:0".into());
        config.create = true;
        config.database_url = place.database.as_ref().map(|db| db.url.clone());
        config.core = CoreConfig {
            hash_cost: HashCost::insecure_for_tests(),
            ..CoreConfig::default()
        };
        config.clock = clock.clone();
        config.mail = MailConfig {
            from: "Atender <no-reply@atender.test>".into(),
            transport: match mail {
                Mail::Sink => MailTransport::Smtp(SmtpConfig {
                    host: "127.0.0.1".into(),
                    port: sink.port,
                    tls: TlsMode::None,
                    credentials: None,
                    timeout: Duration::from_secs(5),
                }),
                Mail::Outbox => MailTransport::Outbox(outbox.clone()),
            },
        };
        adjust(&mut config);
        let app = Application::build(config).await.unwrap();
        let url = app.public_url().to_string();
        assert_eq!(url, format!("http://127.0.0.1:{}", app.port()));
        let core = app.core().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let running = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        TestApp {
            url,
            core,
            clock,
            mail: sink,
            outbox,
            client: http().build().unwrap(),
            stop: Some(stop),
            running: Some(running),
            _place: place,
        }
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let r = self.client.request(method, format!("{}{path}", self.url));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub fn api(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.request(method, &format!("/api/v1{path}"), Some(token))
    }

    /// Creates a workspace as `init` does and returns its slug and the Owner's link.
    pub async fn workspace(&self, name: &str, owner_email: &str) -> (String, String) {
        let (ws, issued) = self
            .core
            .create_workspace(name, owner_email, "First Owner")
            .await
            .unwrap();
        (ws.slug, invite_link(&self.url, &issued.token))
    }

    /// Accepts an invite through the JSON API.
    pub async fn accept(&self, link: &str, password: &str) -> Response {
        self.request(Method::POST, "/api/v1/invites/accept", None)
            .json(&json!({"token": token_of(link), "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub async fn try_sign_in(&self, slug: &str, email: &str, password: &str) -> Response {
        self.request(Method::POST, "/api/v1/session", None)
            .json(&json!({"workspace": slug, "email": email, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub async fn sign_in(&self, slug: &str, email: &str) -> String {
        let r = self.try_sign_in(slug, email, PASSWORD).await;
        let body = expect(r, StatusCode::OK).await;
        body["token"].as_str().unwrap().to_string()
    }

    /// A workspace with an accepted, signed-in Owner: (slug, owner's token).
    pub async fn owner(&self, name: &str, owner_email: &str) -> (String, String) {
        let (slug, link) = self.workspace(name, owner_email).await;
        expect(self.accept(&link, PASSWORD).await, StatusCode::OK).await;
        let token = self.sign_in(&slug, owner_email).await;
        (slug, token)
    }

    /// Invites without email; returns the response body (user, invite, link, …).
    pub async fn invite(&self, token: &str, email: &str, roles: &[&str]) -> Value {
        let r = self
            .api(Method::POST, "/invites", token)
            .json(&json!({"email": email, "full_name": format!("Person {email}"), "roles": roles, "send_invite": false}))
            .send()
            .await
            .unwrap();
        expect(r, StatusCode::CREATED).await
    }

    /// Invites, accepts and signs in a user: (user id, their token).
    pub async fn add_user(
        &self,
        slug: &str,
        token: &str,
        email: &str,
        roles: &[&str],
    ) -> (String, String) {
        let invited = self.invite(token, email, roles).await;
        let link = invited["link"].as_str().unwrap();
        expect(self.accept(link, PASSWORD).await, StatusCode::OK).await;
        let id = invited["user"]["id"].as_str().unwrap().to_string();
        (id, self.sign_in(slug, email).await)
    }
}

impl TestApp {
    /// Adds an active user through the core directly, bypassing HTTP (and its rate limit).
    pub async fn add_user_via_owner(&self, email: &str) {
        use atender_admin::domain::Role;
        use atender_admin::service::{AdminApi, NewInvite};
        let ws = self.core.workspaces().await.unwrap().remove(0);
        let owner = self.core.user_by_email(ws.id, "ann@acme.io").await.unwrap();
        let issued = self
            .core
            .admin(ws.id, owner.id)
            .invite(NewInvite {
                email: email.into(),
                full_name: "Added".into(),
                display_name: None,
                roles: vec![Role::Agent],
                teams: vec![],
                send_invite: false,
            })
            .await
            .unwrap();
        self.core
            .accept_invite(&issued.token.encode(), PASSWORD)
            .await
            .unwrap();
    }
}

pub fn token_of(link: &str) -> &str {
    link.split_once("token=").map_or(link, |(_, t)| t)
}

/// Asserts the status and returns the JSON body (Null when empty).
pub async fn expect(response: Response, status: StatusCode) -> Value {
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "unexpected status; body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }
}

/// Asserts an error response: status and code.
pub async fn expect_error(response: Response, status: StatusCode, code: &str) -> Value {
    let body = expect(response, status).await;
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    body
}

/// Runs the real `atender-server init` on a place's store and returns (slug, link).
pub fn run_init(place: &Place, workspace: &str, email: &str, public_url: &str) -> (String, String) {
    let out = place
        .point(std::process::Command::new(env!("CARGO_BIN_EXE_atender-server")).arg("init"))
        .args(["--workspace", workspace, "--owner-email", email])
        .args(["--owner-name", "Ann Owner", "--public-url", public_url])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "init failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("init printed no {name}: {stdout}"))
    };
    (field("workspace:"), field("link:"))
}
