//! Accepting connections with limits a hostile client can't get around: a deadline for a
//! request's headers (a connection that sends half a request line and stops, or sits idle
//! between requests, is closed), a cap on open connections with a reserve that only answers
//! the health check (so a load balancer still sees the server while it is saturated), and a
//! graceful shutdown with a deadline after which the remaining connections are dropped.
//!
//! HTTP/1.1 only, as before (`axum::serve` without its `http2` feature).

use super::ApiError;
use super::connection_errors::JsonConnectionErrors;
use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tower_service::Service;

/// Connection limits; the defaults suit the common limit of 1,024 open files.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open connections at most, the health-check reserve included. Keep it under the process's
    /// open-file limit (`ulimit -n`), which the store, logs and SMTP also use.
    pub max_connections: usize,
    /// Of those, how many only answer `GET /api/v1/healthz` once the rest are taken.
    pub health_reserve: usize,
    /// How long a client has to send a request's headers, counted from the connection's start
    /// or the end of its previous response (so it is also the keep-alive idle timeout).
    pub header_read_timeout: Duration,
    /// After SIGTERM, how long in-flight requests may take before their connections are dropped.
    pub shutdown_deadline: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 900,
            health_reserve: 16,
            header_read_timeout: Duration::from_secs(10),
            shutdown_deadline: Duration::from_secs(10),
        }
    }
}

const HEALTH_PATH: &str = "/api/v1/healthz";
const RESERVE_HEADER_TIMEOUT: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` until `shutdown` resolves, then stops as described above.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let reserve = limits.health_reserve.min(limits.max_connections);
    let regular = Arc::new(Semaphore::new(
        limits.max_connections.saturating_sub(reserve).max(1),
    ));
    let health_only = Arc::new(Semaphore::new(reserve));
    let graceful = GracefulShutdown::new();
    let mut tasks = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors (EMFILE) or a connection reset before accept:
                    // wait a moment instead of spinning, and go on serving.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        while tasks.try_join_next().is_some() {}
        let (permit, only_health) = if let Ok(p) = regular.clone().try_acquire_owned() {
            (p, false)
        } else if let Ok(p) = health_only.clone().try_acquire_owned() {
            (p, true)
        } else {
            // Full: closing at once frees the descriptor; the client may retry.
            tracing::debug!(client = %remote, "connection refused: at the connection limit");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let connection = serve_connection(stream, remote, router.clone(), limits, only_health);
        let watched = graceful.watch(connection);
        tasks.spawn(async move {
            if let Err(e) = watched.await {
                tracing::debug!(client = %remote, error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    let open = tasks.len();
    tracing::info!(
        connections = open,
        "shutting down: finishing in-flight requests"
    );
    if tokio::time::timeout(limits.shutdown_deadline, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            connections = tasks.len(),
            deadline_secs = limits.shutdown_deadline.as_secs_f32(),
            "shutdown deadline passed: dropping the remaining connections"
        );
    }
    tasks.shutdown().await;
}

/// A connection as hyper sees it: the client's socket, with hyper's own error answers in JSON.
type Io = TokioIo<JsonConnectionErrors<TcpStream>>;

fn serve_connection(
    stream: TcpStream,
    remote: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    only_health: bool,
) -> hyper::server::conn::http1::Connection<
    Io,
    impl hyper::service::Service<
        Request<Incoming>,
        Response = axum::response::Response,
        Error = std::convert::Infallible,
        Future = impl Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send,
    > + Send,
> {
    let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
        let mut router = router.clone();
        req.extensions_mut().insert(ConnectInfo(remote));
        let refuse =
            only_health && !(req.method() == Method::GET && req.uri().path() == HEALTH_PATH);
        async move {
            if refuse {
                let mut response = ApiError::http(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "at_capacity",
                    "the server has too many open connections; try again in a few seconds",
                )
                .into_response();
                let headers = response.headers_mut();
                headers.insert(header::RETRY_AFTER, HeaderValue::from(2));
                headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                headers.insert(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                );
                return Ok(response);
            }
            router.call(req).await
        }
    });
    // A reserve place is for a health check, which asks at once: one that stalls gives its
    // place back quickly.
    let header_timeout = if only_health {
        limits.header_read_timeout.min(RESERVE_HEADER_TIMEOUT)
    } else {
        limits.header_read_timeout
    };
    hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(JsonConnectionErrors::new(stream)), service)
}
