//! Connected mode: the same `AdminApi` over the server's REST API (reqwest), so the console
//! talks to `atender-server` exactly as it talks to the local store. Refusals come back as the
//! core's own errors, so the admin reads the same message offline and online.
//!
//! What a front end does with the errors only connected mode has:
//! - `Unauthenticated`: the session expired or was ended; back to signing in.
//! - `Unreachable`: no answer, nothing was changed; show "disconnected", keep the data, retry.
//! - `OutcomeUnknown`: a write whose answer was lost; reload to see, never resend.
//! - `Conflict`: someone saved the user first (412); offer to reload the form.
//! - `ServerRefused` / `UnexpectedResponse`: show the message; the second means a wrong address
//!   or mismatched versions.
//!
//! Nothing here logs a password or a token, puts either in a URL, or prints them in `Debug`.

mod admin;
pub mod connector;
pub mod error;
mod error_map;
mod http;
pub mod session_file;

pub use admin::{HttpClient, Session, accept_invite};
pub use error::ClientError;
pub use http::ClientConfig;
