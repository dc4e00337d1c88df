//! The domain's refusals: what the product's rules say no to, each something a person can act
//! on, its message written for the admin who will read it. Failures that are nobody's input
//! (the store, the network, a bug) are not here: they are the store's, the client's and the
//! crate's own (`crate::Error`, which holds a refusal or one of them). Also here: the one
//! classification of every failure (`ErrorClass`), from which statuses, exit codes and a bulk's
//! stop-or-go follow.

use serde::{Deserialize, Serialize};

/// Everything the rules can refuse, with enough detail to say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Refusal {
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
    #[error(
        "{actor} can't manage users or teams: only Owners and Admins can, so ask an Owner or Admin"
    )]
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
}

/// Something in the environment broke while a rule was applied (password hashing, the random
/// generator): nobody's input. Becomes `crate::Error`'s internal failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct Broken {
    pub detail: String,
}

impl Broken {
    pub fn new(detail: impl ToString) -> Self {
        Broken {
            detail: detail.to_string(),
        }
    }
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

impl Refusal {
    pub fn invalid(field: Field, reason: impl Into<String>) -> Self {
        Refusal::Invalid {
            field,
            reason: reason.into(),
        }
    }

    pub fn not_found(what: Entity, id: impl ToString) -> Self {
        Refusal::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// What kind of failure this is: the one sorting from which the server's status, the CLI's
    /// exit code and whether a bulk operation goes on all follow (see [`ErrorClass`]).
    pub fn class(&self) -> ErrorClass {
        match self {
            Refusal::Invalid { .. } | Refusal::InvalidFields { .. } | Refusal::InviteInvalid => {
                ErrorClass::Invalid
            }
            Refusal::DuplicateEmail { .. }
            | Refusal::DuplicateTeam { .. }
            | Refusal::DuplicateWorkspace { .. }
            | Refusal::LastOwner { .. }
            | Refusal::WrongStatus { .. } => ErrorClass::Refused,
            Refusal::NotAnAdmin { .. }
            | Refusal::OwnerOnly { .. }
            | Refusal::OwnAccount { .. }
            | Refusal::AccountInactive => ErrorClass::Forbidden,
            Refusal::NotFound { .. } | Refusal::WorkspaceNotFound { .. } => ErrorClass::NotFound,
            Refusal::ActorInactive { .. }
            | Refusal::InvalidCredentials
            | Refusal::Unauthenticated => ErrorClass::Unauthenticated,
            Refusal::InviteExpired | Refusal::ChangesExpired { .. } => ErrorClass::Expired,
            Refusal::Conflict { .. } => ErrorClass::Stale,
        }
    }

    /// The form field this error belongs next to, if any.
    pub fn field(&self) -> Option<Field> {
        match self {
            Refusal::Invalid { field, .. } => Some(*field),
            Refusal::InvalidFields { problems } => problems.first().map(|p| p.field),
            Refusal::DuplicateEmail { .. } => Some(Field::Email),
            Refusal::DuplicateTeam { .. } => Some(Field::TeamName),
            Refusal::DuplicateWorkspace { .. } => Some(Field::WorkspaceName),
            Refusal::LastOwner { .. } | Refusal::OwnerOnly { .. } => Some(Field::Roles),
            _ => None,
        }
    }

    /// Every field problem this error reports, for showing next to form fields.
    pub fn field_problems(&self) -> Vec<FieldProblem> {
        match self {
            Refusal::InvalidFields { problems } => problems.clone(),
            other => match other.field() {
                Some(field) => vec![FieldProblem {
                    field,
                    reason: match other {
                        Refusal::Invalid { reason, .. } => reason.clone(),
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
            Refusal::Invalid { .. } => "invalid",
            Refusal::InvalidFields { .. } => "invalid_fields",
            Refusal::DuplicateEmail { .. } => "duplicate_email",
            Refusal::DuplicateTeam { .. } => "duplicate_team",
            Refusal::DuplicateWorkspace { .. } => "duplicate_workspace",
            Refusal::NotFound { .. } => "not_found",
            Refusal::WorkspaceNotFound { .. } => "workspace_not_found",
            Refusal::NotAnAdmin { .. } => "not_an_admin",
            Refusal::OwnerOnly { .. } => "owner_only",
            Refusal::OwnAccount { .. } => "own_account",
            Refusal::ActorInactive { .. } => "actor_inactive",
            Refusal::LastOwner { .. } => "last_owner",
            Refusal::WrongStatus { .. } => "wrong_status",
            Refusal::InviteExpired => "invite_expired",
            Refusal::InviteInvalid => "invite_invalid",
            Refusal::InvalidCredentials => "invalid_credentials",
            Refusal::AccountInactive => "account_inactive",
            Refusal::Unauthenticated => "unauthenticated",
            Refusal::Conflict { .. } => "conflict",
            Refusal::ChangesExpired { .. } => "changes_expired",
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

pub type Result<T, E = Refusal> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_owner_message_says_what_to_do() {
        let e = Refusal::LastOwner {
            email: "alice@acme.io".into(),
        };
        assert_eq!(
            e.to_string(),
            "alice@acme.io is the last Owner: assign Owner to another user first"
        );
        assert_eq!(e.field(), Some(Field::Roles));
        assert_eq!(e.class(), ErrorClass::Refused);
    }

    #[test]
    fn every_class_has_a_heading() {
        let headings: std::collections::HashSet<_> =
            ErrorClass::ALL.iter().map(|c| c.heading()).collect();
        assert_eq!(headings.len(), ErrorClass::ALL.len());
    }
}
