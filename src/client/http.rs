//! The transport under the client: one reqwest client with timeouts and TLS, the server's
//! address checked once, and the retry policy. Only reads (GET) are retried, and only when the
//! connection failed or was dropped before an answer; a write is sent exactly once.
//!
//! TLS: reqwest 0.13's `rustls` feature builds aws-lc-rs (a slow C build). We enable
//! `rustls-no-provider` and hand reqwest a rustls config over `ring`, the provider lettre
//! already builds, with the system's CA certificates (rustls-platform-verifier).

use super::error_map;
use crate::client::ClientError;
use crate::domain::Field;
use crate::{Error, Result};
use reqwest::header::{HeaderMap, IF_MATCH};
use reqwest::{Method, StatusCode, Url};
use std::sync::Arc;
use std::time::Duration;

/// How the client waits and retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Establishing a connection (TCP and TLS).
    pub connect_timeout: Duration,
    /// A whole request, from connecting to the end of the answer. Longer than the server's own
    /// 30 s limit by default, so a slow bulk change gets the server's answer, not ours.
    pub request_timeout: Duration,
    /// How many more times a read is tried after a refused or dropped connection.
    pub read_retries: u32,
    /// The wait before the first retry; it doubles each time.
    pub retry_backoff: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(35),
            read_retries: 2,
            retry_backoff: Duration::from_millis(200),
        }
    }
}

/// A request, serialised once so a retry sends the same bytes.
pub(crate) struct Call<'a> {
    pub method: Method,
    /// Relative to the API prefix, e.g. `users/0192…`.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
    /// The session token, sent only in the Authorization header.
    pub token: Option<&'a str>,
    pub if_match: Option<u64>,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Call {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            token: None,
            if_match: None,
        }
    }

    pub fn token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }

    pub fn json(mut self, body: &impl serde::Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::internal(format!("could not write the request as JSON: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    fn is_read(&self) -> bool {
        self.method == Method::GET
    }
}

/// A complete answer: status, headers and the whole body.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Why an attempt got no answer.
enum NoAnswer {
    /// No connection was made: the request was not sent.
    Connect(String),
    /// No answer within the time limit.
    Timeout,
    /// The connection broke before a whole answer arrived: the request may have been handled.
    Dropped(String),
}

pub(crate) struct Transport {
    http: reqwest::Client,
    /// The API's base, ending in `/api/v1/`.
    api: Url,
    /// The server address as the person gave it (normalised), for messages and session files.
    server: String,
    config: ClientConfig,
}

impl Transport {
    pub fn new(server_url: &str, config: ClientConfig) -> Result<Transport> {
        let (server, api) = parse_server_url(server_url)?;
        let tls = tls_config(&server, api.scheme() == "https")?;
        // The one place a reqwest client is built: with our rustls config (see clippy.toml).
        #[allow(clippy::disallowed_methods)]
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // Follow no redirects: one could move the Authorization header to another host.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("atender-admin/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                Error::Client(ClientError::Unreachable {
                    url: server.clone(),
                    detail: format!("could not set up HTTP: {}", deepest_cause(&e)),
                })
            })?;
        Ok(Transport {
            http,
            api,
            server,
            config,
        })
    }

    pub fn server(&self) -> &str {
        &self.server
    }

    /// Sends a call and returns the answer, whatever its status. Reads are retried with backoff
    /// after a refused or dropped connection (not after a timeout: that already took the whole
    /// time limit). Writes are sent once; if no answer came, the outcome is unknown.
    pub async fn send(&self, call: &Call<'_>) -> Result<Reply> {
        let retries = if call.is_read() {
            self.config.read_retries
        } else {
            0
        };
        let mut attempt = 0;
        loop {
            let failure = match self.attempt(call).await {
                Ok(reply) if error_map::is_gateway_failure(reply.status) && attempt < retries => {
                    format!("answered {}", reply.status)
                }
                Ok(reply) => return Ok(reply),
                Err(NoAnswer::Timeout) => return Err(self.no_answer(call, NoAnswer::Timeout)),
                Err(NoAnswer::Connect(d) | NoAnswer::Dropped(d)) if attempt < retries => d,
                Err(other) => return Err(self.no_answer(call, other)),
            };
            let wait = self
                .config
                .retry_backoff
                .saturating_mul(1 << attempt.min(16));
            tracing::debug!(path = %call.path, %failure, ?wait, "read failed; retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt(&self, call: &Call<'_>) -> std::result::Result<Reply, NoAnswer> {
        let mut url = self.api.clone();
        url.set_path(&format!("{}{}", self.api.path(), call.path));
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.iter());
        }
        let mut request = self.http.request(call.method.clone(), url);
        if let Some(token) = call.token {
            request = request.bearer_auth(token);
        }
        if let Some(version) = call.if_match {
            request = request.header(IF_MATCH, format!("\"{version}\""));
        }
        if let Some(body) = &call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let response = request.send().await.map_err(classify)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(classify)?.to_vec();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    fn no_answer(&self, call: &Call<'_>, why: NoAnswer) -> Error {
        let url = self.server.clone();
        match why {
            NoAnswer::Connect(detail) => Error::Client(ClientError::Unreachable { url, detail }),
            NoAnswer::Timeout if call.is_read() => Error::Client(ClientError::Unreachable {
                url,
                detail: format!("no answer within {}", seconds(self.config.request_timeout)),
            }),
            NoAnswer::Timeout => Error::Client(ClientError::OutcomeUnknown {
                url,
                detail: format!("no answer within {}", seconds(self.config.request_timeout)),
            }),
            NoAnswer::Dropped(detail) if call.is_read() => {
                Error::Client(ClientError::Unreachable { url, detail })
            }
            NoAnswer::Dropped(detail) => Error::Client(ClientError::OutcomeUnknown { url, detail }),
        }
    }
}

fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

fn classify(e: reqwest::Error) -> NoAnswer {
    // A connect timeout is a connect failure: nothing was sent.
    if e.is_connect() {
        NoAnswer::Connect(deepest_cause(&e))
    } else if e.is_timeout() {
        NoAnswer::Timeout
    } else {
        NoAnswer::Dropped(deepest_cause(&e))
    }
}

/// The most specific cause ("Connection refused (os error 111)"), not reqwest's generic
/// "error sending request", and never the URL.
fn deepest_cause(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    if text.is_empty() {
        "no details".into()
    } else {
        text
    }
}

/// Checks a server address once: `http(s)://host[:port][/prefix]`, no credentials, query or
/// fragment. Returns it normalised (no trailing slash) and the API base under it.
fn parse_server_url(input: &str) -> Result<(String, Url)> {
    let bad = |reason: &str| Error::invalid(Field::Server, reason.to_string());
    let trimmed = input.trim().trim_end_matches('/');
    let url = Url::parse(trimmed).map_err(|_| {
        bad("is not an address; write it like https://atender.example.com or http://127.0.0.1:8080")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host name"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not contain a user name or password; the console asks for them when signing in",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not contain ? or #"));
    }
    let mut api = url.clone();
    let prefix = url.path().trim_end_matches('/');
    api.set_path(&format!("{prefix}{}/", crate::api::PREFIX));
    Ok((url.as_str().trim_end_matches('/').to_string(), api))
}

/// rustls over ring with the system's CA certificates. Without any system certificates, plain
/// http:// still works and https:// is refused with what to install.
fn tls_config(server: &str, https: bool) -> Result<rustls::ClientConfig> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls_error = |e: rustls::Error| {
        Error::Client(ClientError::Unreachable {
            url: server.to_string(),
            detail: format!("TLS could not be set up: {e}"),
        })
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?;
    let mut config = match builder.clone().with_platform_verifier() {
        Ok(b) => b.with_no_client_auth(),
        Err(e) if https => {
            return Err(Error::Client(ClientError::Unreachable {
                url: server.to_string(),
                detail: format!(
                    "this system's CA certificates could not be loaded ({e}); install them (e.g. the ca-certificates package)"
                ),
            }));
        }
        Err(_) => builder
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_checked_and_normalised() {
        let (server, api) = parse_server_url(" http://127.0.0.1:8080/ ").unwrap();
        assert_eq!(server, "http://127.0.0.1:8080");
        assert_eq!(api.as_str(), "http://127.0.0.1:8080/api/v1/");
        let (server, api) = parse_server_url("https://example.com/atender").unwrap();
        assert_eq!(server, "https://example.com/atender");
        assert_eq!(api.as_str(), "https://example.com/atender/api/v1/");
        for bad in [
            "",
            "example.com",
            "ftp://example.com",
            "https://ann:pw@example.com",
            "https://example.com/?x=1",
            "https://example.com/#top",
        ] {
            let e = parse_server_url(bad).unwrap_err();
            assert_eq!(e.field(), Some(Field::Server), "{bad}: {e}");
        }
    }

    #[test]
    fn waits_are_shown_in_seconds_or_milliseconds() {
        assert_eq!(seconds(Duration::from_secs(35)), "35 s");
        assert_eq!(seconds(Duration::from_millis(300)), "300 ms");
    }
}
