//! The one error type of the core. Every variant is something a person can act on, and its
//! message is written for the admin who will read it. The server maps variants to HTTP statuses
//! and the client maps them back, so the same message is shown offline and online.

use crate::store::StoreError;
use serde::{Deserialize, Serialize};

/// Everything the core can refuse, with enough detail to say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Error {
    // ---- input that does not parse -------------------------------------------------------
    #[error("{field}: {reason}")]
    Invalid { field: Field, reason: String },
    #[error("{}", list_problems(problems))]
    InvalidFields { problems: Vec<FieldProblem> },

    // ---- uniqueness ----------------------------------------------------------------------
    #[error("{email} already belongs to a user or a pending invite in this workspace")]
    DuplicateEmail { email: String },
    #[error("a team named \"{name}\" already exists in this workspace")]
    DuplicateTeam { name: String },
    #[error("a workspace with the address \"{slug}\" already exists")]
    DuplicateWorkspace { slug: String },

    // ---- missing -------------------------------------------------------------------------
    #[error("no {what} with id {id} in this workspace")]
    NotFound { what: Entity, id: String },
    #[error("no workspace \"{workspace}\"")]
    WorkspaceNotFound { workspace: String },

    // ---- permissions ---------------------------------------------------------------------
    #[error("{actor} can't manage users or teams: only Owners and Admins can")]
    NotAnAdmin { actor: String },
    #[error("only an Owner can {action}")]
    OwnerOnly { action: String },
    #[error("you can't {action} your own account: ask another admin")]
    OwnAccount { action: String },
    #[error("{actor} is no longer an active user of this workspace")]
    ActorInactive { actor: String },

    // ---- the product's rules -------------------------------------------------------------
    #[error("{email} is the last Owner: assign Owner to another user first")]
    LastOwner { email: String },
    #[error("{email} is {status}: {hint}")]
    WrongStatus {
        email: String,
        status: String,
        hint: String,
    },

    // ---- invites and sign-in -------------------------------------------------------------
    #[error("this invite has expired; ask an admin to resend it")]
    InviteExpired,
    #[error(
        "this invite link is not valid: it was already used, replaced by a newer one, or cancelled"
    )]
    InviteInvalid,
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("this account is deactivated; ask an admin of the workspace to reactivate it")]
    AccountInactive,
    #[error("your session has expired or was ended; sign in again")]
    Unauthenticated,

    // ---- concurrency ---------------------------------------------------------------------
    #[error(
        "{what} was changed by someone else since you opened it (now at version {current}); reload and try again"
    )]
    Conflict { what: String, current: u64 },

    // ---- the change feed -----------------------------------------------------------------
    #[error(
        "the change feed no longer reaches back to change {since} (it starts after {oldest}); reload everything, then ask for changes from the new sequence number"
    )]
    ChangesExpired { since: u64, oldest: u64 },

    // ---- connected mode (the HTTP client; the server never sends these) -------------------
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

    // ---- the store itself (its own type; see `crate::store::StoreError`) -------------------
    #[error(transparent)]
    #[serde(untagged)]
    Store(#[from] StoreError),
}

/// One field's problem, when a form has several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: Field,
    pub reason: String,
}

fn list_problems(problems: &[FieldProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Which input a validation error is about, so forms can show it next to the right field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Email,
    FullName,
    DisplayName,
    Roles,
    Teams,
    TeamName,
    WorkspaceName,
    Password,
    Token,
    Ids,
    /// The server address of connected mode.
    Server,
    /// A search filter (`q`, `--filter`, the console's `/`).
    Filter,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::FullName => "full name",
            Field::DisplayName => "display name",
            Field::Roles => "roles",
            Field::Teams => "teams",
            Field::TeamName => "team name",
            Field::WorkspaceName => "workspace name",
            Field::Password => "password",
            Field::Token => "invite token",
            Field::Ids => "ids",
            Field::Server => "server address",
            Field::Filter => "filter",
        }
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// What a `NotFound` is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    User,
    Team,
    Invite,
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Entity::User => "user",
            Entity::Team => "team",
            Entity::Invite => "pending invite",
        })
    }
}

impl Error {
    pub fn invalid(field: Field, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            reason: reason.into(),
        }
    }

    pub fn not_found(what: Entity, id: impl ToString) -> Self {
        Error::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// A store that can't be reached or written now (see `StoreError::Unavailable`).
    pub fn storage_unavailable(detail: impl ToString) -> Self {
        Error::Store(StoreError::unavailable(detail))
    }

    /// Whether the store itself failed (not a rule or the input): a bulk operation stops at it.
    pub fn is_storage_fault(&self) -> bool {
        matches!(self, Error::Store(e) if e.is_fault())
    }

    pub fn storage(detail: impl ToString) -> Self {
        Error::Store(StoreError::failed(detail))
    }

    /// The form field this error belongs next to, if any.
    pub fn field(&self) -> Option<Field> {
        match self {
            Error::Invalid { field, .. } => Some(*field),
            Error::InvalidFields { problems } => problems.first().map(|p| p.field),
            Error::DuplicateEmail { .. } => Some(Field::Email),
            Error::DuplicateTeam { .. } => Some(Field::TeamName),
            Error::DuplicateWorkspace { .. } => Some(Field::WorkspaceName),
            Error::LastOwner { .. } | Error::OwnerOnly { .. } => Some(Field::Roles),
            _ => None,
        }
    }

    /// Every field problem this error reports, for showing next to form fields.
    pub fn field_problems(&self) -> Vec<FieldProblem> {
        match self {
            Error::InvalidFields { problems } => problems.clone(),
            other => match other.field() {
                Some(field) => vec![FieldProblem {
                    field,
                    reason: match other {
                        Error::Invalid { reason, .. } => reason.clone(),
                        _ => other.to_string(),
                    },
                }],
                None => vec![],
            },
        }
    }

    /// A stable machine-readable code (the serde tag), for the wire and for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "invalid",
            Error::InvalidFields { .. } => "invalid_fields",
            Error::DuplicateEmail { .. } => "duplicate_email",
            Error::DuplicateTeam { .. } => "duplicate_team",
            Error::DuplicateWorkspace { .. } => "duplicate_workspace",
            Error::NotFound { .. } => "not_found",
            Error::WorkspaceNotFound { .. } => "workspace_not_found",
            Error::NotAnAdmin { .. } => "not_an_admin",
            Error::OwnerOnly { .. } => "owner_only",
            Error::OwnAccount { .. } => "own_account",
            Error::ActorInactive { .. } => "actor_inactive",
            Error::LastOwner { .. } => "last_owner",
            Error::WrongStatus { .. } => "wrong_status",
            Error::InviteExpired => "invite_expired",
            Error::InviteInvalid => "invite_invalid",
            Error::InvalidCredentials => "invalid_credentials",
            Error::AccountInactive => "account_inactive",
            Error::Unauthenticated => "unauthenticated",
            Error::Conflict { .. } => "conflict",
            Error::ChangesExpired { .. } => "changes_expired",
            Error::Unreachable { .. } => "unreachable",
            Error::OutcomeUnknown { .. } => "outcome_unknown",
            Error::ServerRefused { .. } => "server_refused",
            Error::UnexpectedResponse { .. } => "unexpected_response",
            Error::Store(e) => e.code(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_owner_message_says_what_to_do() {
        let e = Error::LastOwner {
            email: "alice@acme.io".into(),
        };
        assert_eq!(
            e.to_string(),
            "alice@acme.io is the last Owner: assign Owner to another user first"
        );
        assert_eq!(e.field(), Some(Field::Roles));
    }

    #[test]
    fn code_matches_the_serde_tag() {
        let samples = [
            Error::invalid(Field::Email, "x"),
            Error::InviteExpired,
            Error::Conflict {
                what: "u".into(),
                current: 3,
            },
            Error::not_found(Entity::Team, "t"),
            Error::Unreachable {
                url: "http://127.0.0.1:9".into(),
                detail: "connection refused".into(),
            },
            Error::OutcomeUnknown {
                url: "http://127.0.0.1:9".into(),
                detail: "no answer".into(),
            },
            Error::ServerRefused {
                status: 429,
                server_code: "rate_limited".into(),
                message: "wait".into(),
            },
            Error::UnexpectedResponse {
                url: "http://127.0.0.1:9".into(),
                detail: "not JSON".into(),
            },
            Error::storage_unavailable("disk full"),
            Error::Store(StoreError::InUse { path: "p".into() }),
        ];
        for e in samples {
            let json = serde_json::to_value(&e).unwrap();
            assert_eq!(json["code"], e.code());
            let back: Error = serde_json::from_value(json).unwrap();
            assert_eq!(back, e);
        }
    }
}
