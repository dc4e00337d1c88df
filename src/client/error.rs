//! What can go wrong talking to the server, as opposed to what the server answers (its
//! refusals are the domain's, its store failures the store's, carried back unchanged). These
//! are never sent by the server: they are the client's own.

use crate::domain::ErrorClass;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum ClientError {
    #[error(
        "can't reach the server at {url} ({detail}); nothing was changed: check the address and your network, then try again"
    )]
    Unreachable { url: String, detail: String },
    #[error(
        "the server at {url} did not confirm the change ({detail}); it may or may not have been made: reload to see before trying again"
    )]
    OutcomeUnknown { url: String, detail: String },
    #[error("the server refused the request ({status} {server_code}): {message}")]
    ServerRefused {
        status: u16,
        /// The API's own code (`rate_limited`, `payload_too_large`, …).
        server_code: String,
        message: String,
    },
    #[error(
        "the server at {url} answered something this console does not understand ({detail}); check that the address points at atender-server and that both are the same version"
    )]
    UnexpectedResponse { url: String, detail: String },
}

impl ClientError {
    pub fn class(&self) -> ErrorClass {
        match self {
            ClientError::ServerRefused { .. } => ErrorClass::ServerRefused,
            ClientError::Unreachable { .. } | ClientError::UnexpectedResponse { .. } => {
                ErrorClass::Connection
            }
            ClientError::OutcomeUnknown { .. } => ErrorClass::OutcomeUnknown,
        }
    }

    /// The stable machine-readable code (the serde tag).
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::Unreachable { .. } => "unreachable",
            ClientError::OutcomeUnknown { .. } => "outcome_unknown",
            ClientError::ServerRefused { .. } => "server_refused",
            ClientError::UnexpectedResponse { .. } => "unexpected_response",
        }
    }
}
