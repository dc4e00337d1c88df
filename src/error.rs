//! The crate's error: what every front end (server, CLI, console) gets from the service, in
//! layers as kube-rs and zero2prod keep them: a refusal by the product's rules (the domain's),
//! a store failure (the store's), a connection failure (the client's), or a failure inside the
//! product (contention, internal). One classification (`class()`, `domain::ErrorClass`)
//! decides the server's status, the CLI's exit code, the console's heading and whether a bulk
//! stops. On the wire each keeps its own `code`: the JSON is the layer's own shape.

use crate::client::ClientError;
use crate::domain::{Broken, Entity, ErrorClass, Field, FieldProblem, Refusal};
use crate::store::StoreError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Error {
    /// The rules said no: what an admin acts on.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The store itself failed or can't be used now.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Connected mode: the server could not be reached, or its answer was lost or not
    /// understood.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Nothing wrong with the request: it lost a race, or something inside broke.
    #[error(transparent)]
    Failed(#[from] Failure),
}

/// Failures inside the product, neither the input's nor the store's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Failure {
    /// Several attempts each found the data changed under them: nothing is wrong with the
    /// request, it lost a race and can simply be sent again.
    #[error("{what} kept changing while this ran; try again")]
    Contention { what: String },
    /// A bug or a broken environment (password hashing, the random generator, a task that
    /// died): nothing the person can fix in the request. The server answers 500 and logs it.
    #[error("an internal error stopped this ({detail}); try again, and report it if it persists")]
    Internal { detail: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Broken> for Error {
    fn from(e: Broken) -> Self {
        Error::internal(e.detail)
    }
}

impl Error {
    pub fn invalid(field: Field, reason: impl Into<String>) -> Self {
        Error::Refused(Refusal::invalid(field, reason))
    }

    pub fn not_found(what: Entity, id: impl ToString) -> Self {
        Error::Refused(Refusal::not_found(what, id))
    }

    /// A store that can't be reached or written now (see `StoreError::Unavailable`).
    pub fn storage_unavailable(detail: impl ToString) -> Self {
        Error::Store(StoreError::unavailable(detail))
    }

    /// A store failure (the engine, the disk, the database said something unexpected). Not for
    /// anything else that fails inside: that is [`Error::internal`].
    pub fn storage(detail: impl ToString) -> Self {
        Error::Store(StoreError::failed(detail))
    }

    pub fn internal(detail: impl ToString) -> Self {
        Error::Failed(Failure::Internal {
            detail: detail.to_string(),
        })
    }

    pub fn contention(what: impl Into<String>) -> Self {
        Error::Failed(Failure::Contention { what: what.into() })
    }

    /// The crate's error inside an `anyhow::Error` (the CLI's), whichever layer's error was put
    /// there: a refusal, a store or client error, or this type itself.
    pub fn find_in(e: &anyhow::Error) -> Option<Error> {
        if let Some(e) = e.downcast_ref::<Error>() {
            Some(e.clone())
        } else if let Some(r) = e.downcast_ref::<Refusal>() {
            Some(r.clone().into())
        } else if let Some(e) = e.downcast_ref::<StoreError>() {
            Some(e.clone().into())
        } else {
            e.downcast_ref::<ClientError>().map(|e| e.clone().into())
        }
    }

    /// The refusal, if the rules said no.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Error::Refused(r) => Some(r),
            _ => None,
        }
    }

    /// What kind of failure this is: the one sorting from which the server's status, the CLI's
    /// exit code, the console's heading and whether a bulk operation goes on all follow.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Refused(r) => r.class(),
            Error::Store(e) => e.class(),
            Error::Client(e) => e.class(),
            Error::Failed(Failure::Contention { .. }) => ErrorClass::Contention,
            Error::Failed(Failure::Internal { .. }) => ErrorClass::Internal,
        }
    }

    /// Whether a bulk operation stops at this error instead of reporting it for one user and
    /// going on with the next.
    pub fn stops_bulk(&self) -> bool {
        self.class().stops_bulk()
    }

    /// The form field this error belongs next to, if any.
    pub fn field(&self) -> Option<Field> {
        self.refusal().and_then(Refusal::field)
    }

    /// Every field problem this error reports, for showing next to form fields.
    pub fn field_problems(&self) -> Vec<FieldProblem> {
        self.refusal()
            .map(Refusal::field_problems)
            .unwrap_or_default()
    }

    /// A stable machine-readable code (the serde tag), for the wire and for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Refused(r) => r.code(),
            Error::Store(e) => e.code(),
            Error::Client(e) => e.code(),
            Error::Failed(Failure::Contention { .. }) => "contention",
            Error::Failed(Failure::Internal { .. }) => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Entity;

    #[test]
    fn code_matches_the_serde_tag() {
        let samples = [
            Error::invalid(Field::Email, "x"),
            Error::Refused(Refusal::InviteExpired),
            Error::Refused(Refusal::Conflict {
                what: "u".into(),
                current: 3,
            }),
            Error::not_found(Entity::Team, "t"),
            Error::Client(ClientError::Unreachable {
                url: "http://127.0.0.1:9".into(),
                detail: "connection refused".into(),
            }),
            Error::Client(ClientError::OutcomeUnknown {
                url: "http://127.0.0.1:9".into(),
                detail: "no answer".into(),
            }),
            Error::Client(ClientError::ServerRefused {
                status: 429,
                server_code: "rate_limited".into(),
                message: "wait".into(),
            }),
            Error::Client(ClientError::UnexpectedResponse {
                url: "http://127.0.0.1:9".into(),
                detail: "not JSON".into(),
            }),
            Error::storage_unavailable("disk full"),
            Error::internal("the OS random generator failed"),
            Error::contention("the team's members"),
            Error::Store(StoreError::InUse { path: "p".into() }),
        ];
        for e in samples {
            let json = serde_json::to_value(&e).unwrap();
            assert_eq!(json["code"], e.code());
            let back: Error = serde_json::from_value(json).unwrap();
            assert_eq!(back, e);
        }
    }

    #[test]
    fn bulk_goes_on_only_past_what_is_about_one_item() {
        let goes_on = [
            Error::invalid(Field::Email, "x"),
            Error::Refused(Refusal::LastOwner { email: "a".into() }),
            Error::Refused(Refusal::OwnerOnly { action: "a".into() }),
            Error::not_found(Entity::User, "u"),
            Error::Refused(Refusal::Unauthenticated),
            Error::Refused(Refusal::InviteExpired),
            Error::Refused(Refusal::Conflict {
                what: "u".into(),
                current: 1,
            }),
            Error::contention("the team's members"),
        ];
        for e in goes_on {
            assert!(!e.stops_bulk(), "{e:?}");
        }
        let stops = [
            Error::storage("engine"),
            Error::storage_unavailable("disk full"),
            Error::Store(StoreError::InUse { path: "p".into() }),
            Error::internal("hashing"),
            Error::Client(ClientError::Unreachable {
                url: "u".into(),
                detail: "d".into(),
            }),
            Error::Client(ClientError::OutcomeUnknown {
                url: "u".into(),
                detail: "d".into(),
            }),
        ];
        for e in stops {
            assert!(e.stops_bulk(), "{e:?}");
        }
    }

    #[test]
    fn internal_failures_do_not_read_as_storage_errors() {
        let e = Error::internal("password hashing stopped");
        assert_eq!(e.class(), ErrorClass::Internal);
        assert!(!e.to_string().contains("storage"), "{e}");
        assert_eq!(
            Error::contention("the team's members").class(),
            ErrorClass::Contention
        );
    }
}
