//! The domain: users, roles, teams, invites, sessions, audit events, and the product's rules.
//! Pure types and functions: no I/O, no tokio, no storage.

pub mod audit;
pub mod collation;
pub mod email;
pub mod error;
pub mod ids;
pub mod invite;
pub mod names;
pub mod password;
pub mod roles;
pub mod rules;
pub mod search;
pub mod secret;
pub mod session;
pub mod team;
pub mod user;
pub mod workspace;

pub use audit::{AuditAction, AuditEvent, AuditFilter, AuditTarget};
pub use email::Email;
pub use error::{Broken, Entity, ErrorClass, Field, FieldProblem, Refusal, Result};
pub use ids::{EventId, TeamId, UserId, WorkspaceId};
pub use invite::{DEFAULT_INVITE_LIFETIME, Invite};
pub use names::{PersonName, TeamName, WorkspaceName};
pub use password::{HashCost, Password, PasswordHash};
pub use roles::{Role, Roles};
pub use secret::{Token, TokenHash};
pub use session::{DEFAULT_SESSION_LIFETIME, Session};
pub use team::{Team, TeamSet};
pub use user::{User, UserStatus};
pub use workspace::Workspace;
