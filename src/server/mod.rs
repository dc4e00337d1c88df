//! The companion HTTP server: authenticates requests, maps them to the core's `AdminApi`, maps
//! the core's errors to statuses, sends invite emails and serves the accept page. No product
//! rule lives here: every decision is the core's.

mod accept_page;
mod audit;
mod auth;
mod changes;
pub mod client_addr;
mod connection_errors;
mod connections;
pub mod control;
mod error;
mod extract;
mod health;
mod html;
mod invites;
pub mod mail;
mod openapi;
mod rate_limit;
mod session;
mod teams;
mod users;

pub use client_addr::{Cidr, TrustedProxies};
pub use connections::ConnectionLimits;
pub use error::ApiError;
pub use mail::MailConfig;
pub use rate_limit::SignInLimiter;

use crate::Result as CoreResult;
use crate::service::{Clock, Core, CoreConfig, SystemClock};
use crate::store::{AnyStore, PgStore, SledStore, Store};
use axum::Router;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Requests larger than this are refused with 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Why the server could not start, each with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store could not be opened (in use, damaged, unknown schema, …).
    #[error(transparent)]
    Store(#[from] crate::Error),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the public URL \"{0}\" must be an http:// or https:// address without a query, e.g. https://atender.example.com"
    )]
    PublicUrl(String),
    #[error("{0}")]
    Mail(String),
    #[error(
        "there is no store at {0}: check --data, create a workspace there with `atender-server init --data {0} …`, or pass --create to start with an empty store"
    )]
    NoStore(String),
}

/// Everything `Application::build` needs.
pub struct ServerConfig {
    /// The store folder; with `database_url`, only the default outbox's.
    pub data: PathBuf,
    /// A PostgreSQL database to keep everything in instead of the sled store in `data`, so
    /// that several servers can serve the same workspaces.
    pub database_url: Option<String>,
    /// Whether a missing or empty `data` folder may become a new, empty store. Without it, a
    /// mistyped `--data` is refused instead of serving an empty store. (A PostgreSQL database
    /// gets its schema whenever it has none.)
    pub create: bool,
    /// Where to listen, e.g. `127.0.0.1:8080`; port 0 picks a free port.
    pub bind: String,
    /// The address people reach the server at; invite links start with it. `None`: the bound
    /// address (`http://127.0.0.1:PORT`), fine for development only.
    pub public_url: Option<String>,
    pub core: CoreConfig,
    /// Where "now" comes from (tests inject a manual clock).
    pub clock: Arc<dyn Clock>,
    pub mail: MailConfig,
    /// A read (GET, HEAD, OPTIONS) taking longer than this is answered 408. Requests that may
    /// change something are never cut short: once started, they run to their real answer.
    pub request_timeout: Duration,
    /// How long a request that may change something waits, before it starts, while a backup's
    /// local copy holds writes back; then it is answered 503 with Retry-After, nothing done.
    pub write_wait: Duration,
    /// A control-socket client (`atender-server backup`) that sends no command, or reads
    /// nothing of the backup, for this long is dropped.
    pub backup_idle_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<Cidr>,
    /// How many passwords are hashed or checked at once; more sign-ins wait their turn.
    pub hashing_permits: usize,
    pub connections: ConnectionLimits,
}

impl ServerConfig {
    /// Production defaults: OWASP password hashing, the system clock, the outbox in `data`.
    pub fn new(data: PathBuf, bind: String) -> Self {
        ServerConfig {
            mail: MailConfig::outbox(data.join("outbox")),
            data,
            database_url: None,
            create: false,
            bind,
            public_url: None,
            core: CoreConfig::default(),
            clock: Arc::new(SystemClock),
            request_timeout: Duration::from_secs(30),
            write_wait: Duration::from_secs(10),
            backup_idle_timeout: Duration::from_secs(30),
            trusted_proxies: Vec::new(),
            // argon2 at OWASP cost holds 19 MiB while it runs: one hash per core keeps memory
            // flat whatever the number of simultaneous sign-ins.
            hashing_permits: std::thread::available_parallelism().map_or(2, |n| n.get()),
            connections: ConnectionLimits::default(),
        }
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub core: Core<AnyStore>,
    pub public_url: Arc<str>,
    pub mailer: Arc<mail::Mailer>,
    pub limiter: Arc<SignInLimiter>,
    pub openapi_json: Arc<str>,
    pub trusted_proxies: Arc<TrustedProxies>,
    /// Bounds concurrent password hashing (see `ServerConfig::hashing_permits`).
    pub hashing: Arc<tokio::sync::Semaphore>,
}

/// How long a sign-in or an invite acceptance waits for a hashing slot before it is told 503.
const HASHING_WAIT: Duration = Duration::from_secs(5);

impl AppState {
    /// A slot for hashing or checking a password, held until dropped; 503 if none frees up soon.
    pub async fn hashing_permit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        match tokio::time::timeout(HASHING_WAIT, self.hashing.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => {
                tracing::warn!("password hashing at capacity: answering 503");
                Err(ApiError::Busy {
                    retry_after_secs: 2,
                })
            }
        }
    }
}

/// A server bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    port: u16,
    router: Router,
    core: Core<AnyStore>,
    public_url: String,
    connections: ConnectionLimits,
    /// The local control socket of a sled store (backups while serving).
    control: Option<control::ControlSocket>,
    backup_idle_timeout: Duration,
}

impl Application {
    /// Binds the port (so tests can bind port 0 and read the port), then opens the store. A
    /// failed start leaves nothing behind: the port is bound before any folder is created, and a
    /// folder this call created is removed again if a later step fails.
    pub async fn build(config: ServerConfig) -> Result<Application, StartError> {
        let listener = TcpListener::bind(&config.bind)
            .await
            .map_err(|source| StartError::Io {
                what: format!("listening on {}", config.bind),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Io {
            what: "reading the bound address".into(),
            source,
        })?;
        let public_url = config
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_string();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://"))
            || public_url.contains(['?', '#', ' '])
        {
            return Err(StartError::PublicUrl(public_url));
        }
        let mut control = None;
        let (store, mut created) = match &config.database_url {
            Some(url) => {
                let url = url.clone();
                let store = tokio::task::spawn_blocking(move || PgStore::open(&url))
                    .await
                    .map_err(|e| crate::Error::storage(format!("opening the database: {e}")))??;
                (AnyStore::Postgres(store), None)
            }
            None => {
                if !config.create && !SledStore::holds_store(&config.data) {
                    return Err(StartError::NoStore(config.data.display().to_string()));
                }
                let created = CreatedFolder::create(&config.data)?;
                let store = SledStore::open(&config.data)?;
                // Never serve a damaged store half-broken: every record is read before the
                // first request.
                let records = store.check_integrity(&mut |read| {
                    tracing::info!(records = read, "checking the store");
                })?;
                tracing::info!(records, path = %config.data.display(), "store checked");
                control = Some(
                    control::ControlSocket::bind(&config.data).map_err(|source| {
                        StartError::Io {
                            what: format!("making the control socket in {}", config.data.display()),
                            source,
                        }
                    })?,
                );
                (AnyStore::Sled(store), Some(created))
            }
        };
        // On PostgreSQL the sign-in limit counts in the database, across every server on it.
        let limiter = match &store {
            AnyStore::Postgres(pg) => SignInLimiter::in_database(pg.clone()),
            AnyStore::Sled(_) => SignInLimiter::default(),
        };
        let core = Core::new(store, config.clock.clone(), config.core);
        let mailer = mail::Mailer::new(&config.mail)?;
        let (api, doc) = openapi::api_router().split_for_parts();
        let state = AppState {
            core: core.clone(),
            public_url: public_url.clone().into(),
            mailer: Arc::new(mailer),
            limiter: Arc::new(limiter),
            openapi_json: openapi::document_json(doc).into(),
            trusted_proxies: Arc::new(TrustedProxies::new(config.trusted_proxies.clone())),
            hashing: Arc::new(tokio::sync::Semaphore::new(config.hashing_permits.max(1))),
        };
        let limits = RequestLimits {
            read_timeout: config.request_timeout,
            write_wait: config.write_wait,
            store: core.store().clone(),
        };
        let router = with_layers(api.with_state(state), limits);
        if let Some(created) = created.as_mut() {
            created.keep();
        }
        Ok(Application {
            listener,
            port: addr.port(),
            router,
            core,
            public_url,
            connections: config.connections,
            control,
            backup_idle_timeout: config.backup_idle_timeout,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The core the server uses (the same `init` uses), e.g. to create a workspace in tests.
    pub fn core(&self) -> &Core<AnyStore> {
        &self.core
    }

    /// Serves until `shutdown` completes; in-flight requests finish (for at most the shutdown
    /// deadline of `ConnectionLimits`), then the store is flushed.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> CoreResult<()> {
        let control = match (self.control, self.core.store()) {
            (Some(socket), AnyStore::Sled(store)) => Some(tokio::spawn(
                socket.serve(store.clone(), self.backup_idle_timeout),
            )),
            _ => None,
        };
        connections::serve(self.listener, self.router, self.connections, shutdown).await;
        if let Some(control) = control {
            control.abort();
            let _ = control.await;
        }
        let flushed = self.core.store().flush();
        match &flushed {
            Ok(()) => tracing::info!("store flushed; stopped"),
            Err(e) => tracing::error!(error = %e, "flushing the store failed"),
        }
        flushed
    }
}

/// A store folder made by this start: removed again on drop unless the start succeeded.
struct CreatedFolder(Option<PathBuf>);

impl CreatedFolder {
    fn create(path: &std::path::Path) -> Result<CreatedFolder, StartError> {
        if path.exists() {
            return Ok(CreatedFolder(None));
        }
        crate::store::owner_only::create_owner_only_dir(path).map_err(|source| StartError::Io {
            what: format!("creating the store folder {}", path.display()),
            source,
        })?;
        Ok(CreatedFolder(Some(path.to_path_buf())))
    }

    fn keep(&mut self) {
        self.0 = None;
    }
}

impl Drop for CreatedFolder {
    fn drop(&mut self) {
        if let Some(path) = self.0.take()
            && let Err(e) = std::fs::remove_dir_all(&path)
        {
            tracing::warn!(path = %path.display(), error = %e, "could not remove the folder of a failed start");
        }
    }
}

/// What bounds a request's time: reads have a deadline; a request that may change something
/// has none once it has started (its store work goes on even if its answer were dropped, so a
/// timeout would say "failed" about a change that is made), and instead waits, bounded, before
/// it starts while a backup holds writes back.
#[derive(Clone)]
struct RequestLimits {
    read_timeout: Duration,
    write_wait: Duration,
    store: AnyStore,
}

async fn bound_request(
    axum::extract::State(limits): axum::extract::State<RequestLimits>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::Method;
    use axum::response::IntoResponse;
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return match tokio::time::timeout(limits.read_timeout, next.run(request)).await {
            Ok(response) => response,
            // A bare 408, given the JSON error shape by `json_for_bare_errors`.
            Err(_) => axum::http::StatusCode::REQUEST_TIMEOUT.into_response(),
        };
    }
    if let Some(mut held) = limits.store.watch_held_writes() {
        let open = tokio::time::timeout(limits.write_wait, held.wait_for(Option::is_none))
            .await
            .is_ok();
        if !open {
            let since = *held.borrow();
            tracing::warn!(
                since = ?since,
                "writes held by a backup's copy for longer than the write wait: answering 503"
            );
            return ApiError::WritesHeld {
                since,
                retry_after_secs: 2,
            }
            .into_response();
        }
    }
    next.run(request).await
}

/// The layers every request goes through, around the API and the accept page.
fn with_layers(routes: Router, limits: RequestLimits) -> Router {
    // Listed inner to outer: the last layer sees every request first.
    routes
        .fallback(error::no_route)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(limits, bound_request))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        // The body limit and the read timeout answer with bare text; give them the JSON shape.
        .layer(axum::middleware::map_response(error::json_for_bare_errors))
        .layer(axum::middleware::map_response(protective_headers))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(redacted_span)
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                ),
        )
}

/// On every answer: `nosniff`, and `Cache-Control: no-store` unless a handler chose otherwise.
/// Answers carry session tokens, invite links and people's data: no cache, shared or private,
/// should keep them.
async fn protective_headers(mut response: axum::response::Response) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

/// The request span: method and path only. Query strings are never logged, because
/// `/accept?token=…` carries an invite token.
fn redacted_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_defaults_hash_with_owasp_parameters() {
        let config = ServerConfig::new(PathBuf::from("/srv/atender"), "127.0.0.1:8080".into());
        assert_eq!(config.core.hash_cost, crate::domain::HashCost::owasp());
        assert!(config.public_url.is_none());
        assert!(matches!(
            config.mail.transport,
            mail::MailTransport::Outbox(ref dir) if dir.ends_with("outbox")
        ));
    }
}
