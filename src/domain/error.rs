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

    // ---- failures inside the product (not the input, not the store) -----------------------
    /// Several attempts each found the data changed under them: nothing is wrong with the
    /// request, it lost a race and can simply be sent again.
    #[error("{what} kept changing while this ran; try again")]
    Contention { what: String },
    /// A bug or a broken environment (password hashing, the random generator, a task that
    /// died): nothing the person can fix in the request. The server answers 500 and logs it.
    #[error("an internal error stopped this ({detail}); try again, and report it if it persists")]
    Internal { detail: String },

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

    /// A store failure (the engine, the disk, the database said something unexpected). Not for
    /// anything else that fails inside: that is [`Error::internal`].
    pub fn storage(detail: impl ToString) -> Self {
        Error::Store(StoreError::failed(detail))
    }

    pub fn internal(detail: impl ToString) -> Self {
        Error::Internal {
            detail: detail.to_string(),
        }
    }

    pub fn contention(what: impl Into<String>) -> Self {
        Error::Contention { what: what.into() }
    }

    /// What kind of failure this is: the one sorting from which the server's status, the CLI's
    /// exit code and whether a bulk operation goes on all follow (see [`ErrorClass`]).
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Invalid { .. } | Error::InvalidFields { .. } | Error::InviteInvalid => {
                ErrorClass::Invalid
            }
            Error::DuplicateEmail { .. }
            | Error::DuplicateTeam { .. }
            | Error::DuplicateWorkspace { .. }
            | Error::LastOwner { .. }
            | Error::WrongStatus { .. } => ErrorClass::Refused,
            Error::NotAnAdmin { .. }
            | Error::OwnerOnly { .. }
            | Error::OwnAccount { .. }
            | Error::AccountInactive => ErrorClass::Forbidden,
            Error::NotFound { .. } | Error::WorkspaceNotFound { .. } => ErrorClass::NotFound,
            Error::ActorInactive { .. } | Error::InvalidCredentials | Error::Unauthenticated => {
                ErrorClass::Unauthenticated
            }
            Error::InviteExpired | Error::ChangesExpired { .. } => ErrorClass::Expired,
            Error::Conflict { .. } => ErrorClass::Stale,
            Error::Contention { .. } => ErrorClass::Contention,
            Error::ServerRefused { .. } => ErrorClass::ServerRefused,
            Error::Unreachable { .. } | Error::UnexpectedResponse { .. } => ErrorClass::Connection,
            Error::OutcomeUnknown { .. } => ErrorClass::OutcomeUnknown,
            Error::Internal { .. } => ErrorClass::Internal,
            Error::Store(e) => e.class(),
        }
    }

    /// Whether a bulk operation stops at this error instead of reporting it for one user and
    /// going on with the next.
    pub fn stops_bulk(&self) -> bool {
        self.class().stops_bulk()
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
            Error::Contention { .. } => "contention",
            Error::Internal { .. } => "internal",
            Error::Store(e) => e.code(),
        }
    }
}

/// The kinds of failure, each with one consequence everywhere: the server's status
/// (`server::error`), the CLI's exit code (`cli::exit_code`), whether a bulk operation stops
/// ([`ErrorClass::stops_bulk`]) and how the console words it ([`ErrorClass::heading`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// The input does not parse, or a token is not valid.
    Invalid,
    /// A rule of the product says no (duplicates, the last Owner, a wrong status).
    Refused,
    /// The acting user may not do this.
    Forbidden,
    NotFound,
    /// Not signed in, or no longer allowed to be.
    Unauthenticated,
    /// An invite or a change feed position that has run out.
    Expired,
    /// The thing changed since the caller read it (optimistic concurrency).
    Stale,
    /// Lost a race several times; sending it again is all it takes.
    Contention,
    /// The server refused at its HTTP layer (rate limit, size limit): connected mode only.
    ServerRefused,
    /// The server could not be reached, or what answered is not atender-server; nothing was
    /// changed.
    Connection,
    /// A change was sent but its answer never came: it may or may not have been made.
    OutcomeUnknown,
    /// The store can't be used right now but may be again (a full disk, a database away).
    Unavailable,
    /// The store refused to open or failed (in use, damaged, unknown schema, an engine error).
    Store,
    /// A bug or a broken environment inside the product.
    Internal,
}

impl ErrorClass {
    pub const ALL: [ErrorClass; 14] = [
        ErrorClass::Invalid,
        ErrorClass::Refused,
        ErrorClass::Forbidden,
        ErrorClass::NotFound,
        ErrorClass::Unauthenticated,
        ErrorClass::Expired,
        ErrorClass::Stale,
        ErrorClass::Contention,
        ErrorClass::ServerRefused,
        ErrorClass::Connection,
        ErrorClass::OutcomeUnknown,
        ErrorClass::Unavailable,
        ErrorClass::Store,
        ErrorClass::Internal,
    ];

    /// Whether this is about one item (reported, and a bulk goes on with the next) rather than
    /// about the store, the connection or the product itself (a bulk stops: the next item would
    /// fail the same way, or it is not known what happened).
    pub fn stops_bulk(self) -> bool {
        match self {
            ErrorClass::Invalid
            | ErrorClass::Refused
            | ErrorClass::Forbidden
            | ErrorClass::NotFound
            | ErrorClass::Unauthenticated
            | ErrorClass::Expired
            | ErrorClass::Stale
            | ErrorClass::Contention
            | ErrorClass::ServerRefused => false,
            ErrorClass::Connection
            | ErrorClass::OutcomeUnknown
            | ErrorClass::Unavailable
            | ErrorClass::Store
            | ErrorClass::Internal => true,
        }
    }

    /// A short heading for a failure of this kind, for front ends that show one above the
    /// message (the message itself always says what to do).
    pub fn heading(self) -> &'static str {
        match self {
            ErrorClass::Invalid => "not valid",
            ErrorClass::Refused => "refused",
            ErrorClass::Forbidden => "not allowed",
            ErrorClass::NotFound => "not found",
            ErrorClass::Unauthenticated => "not signed in",
            ErrorClass::Expired => "expired",
            ErrorClass::Stale => "changed meanwhile",
            ErrorClass::Contention => "busy, try again",
            ErrorClass::ServerRefused => "refused by the server",
            ErrorClass::Connection => "connection problem",
            ErrorClass::OutcomeUnknown => "outcome unknown",
            ErrorClass::Unavailable => "storage unavailable",
            ErrorClass::Store => "storage problem",
            ErrorClass::Internal => "internal error",
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
            Error::LastOwner { email: "a".into() },
            Error::OwnerOnly { action: "a".into() },
            Error::not_found(Entity::User, "u"),
            Error::Unauthenticated,
            Error::InviteExpired,
            Error::Conflict {
                what: "u".into(),
                current: 1,
            },
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
            Error::Unreachable {
                url: "u".into(),
                detail: "d".into(),
            },
            Error::OutcomeUnknown {
                url: "u".into(),
                detail: "d".into(),
            },
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

    #[test]
    fn every_class_has_a_heading() {
        let headings: std::collections::HashSet<_> =
            ErrorClass::ALL.iter().map(|c| c.heading()).collect();
        assert_eq!(headings.len(), ErrorClass::ALL.len());
    }
}
