//! Connected mode: the same `AdminApi` over the server's REST API (reqwest), so the console
//! talks to `atender-server` exactly as it talks to the local store. Refusals come back as the
//! core's own errors; transport failures become `Unreachable`, `OutcomeUnknown` (a write whose
//! answer was lost: reload, never resend) or `UnexpectedResponse`.
//!
//! Nothing here logs a password or a token, puts either in a URL, or prints them in `Debug`.

mod admin;
mod error_map;
mod http;
pub mod session_file;

pub use admin::{HttpClient, Session, accept_invite};
pub use http::ClientConfig;
