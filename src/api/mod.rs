//! The wire types of the HTTP API (request and response JSON), shared by the server and the
//! HTTP client (`crate::client`). Service types are reused where they already are the right
//! shape (`NewInvite`, `UserPatch`, `Outcome`, `Page`, `UserDetail`, `SignedIn`); this module
//! adds the envelopes.
//!
//! Every request type refuses unknown fields, so a misspelt field is an error, not a no-op.

use crate::Error;
use crate::domain::{Invite, Role, TeamId, User, UserId, UserStatus, Workspace};
use crate::service::Outcome;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub mod schema;

/// Everything under this prefix is the JSON API.
pub const PREFIX: &str = "/api/v1";

/// The one error shape: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: the core error's `code()` (e.g. `last_owner`), or an HTTP
    /// level code (`malformed_json`, `payload_too_large`, `rate_limited`, …).
    pub code: String,
    /// What went wrong and what to do, for a person.
    pub message: String,
    /// The request field the error is about, if any (e.g. `email`, `roles`, `token`).
    pub field: Option<String>,
    /// The core's error itself, when the core refused, so a client can rebuild the exact
    /// `crate::Error` (`None` for errors of the HTTP layer).
    #[schema(value_type = Option<Object>)]
    pub core: Option<Error>,
}

/// `POST /session`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The workspace's address (slug), e.g. `acme`.
    pub workspace: String,
    pub email: String,
    pub password: String,
}

/// `POST /invites/accept`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInviteRequest {
    pub token: String,
    pub password: String,
}

/// `GET /users` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// `active`, `inactive` or `invited`; all when missing.
    #[param(value_type = Option<schema::UserStatusSchema>)]
    #[schema(value_type = Option<schema::UserStatusSchema>)]
    pub status: Option<UserStatus>,
    /// Case-insensitive match on names, email, roles and team names.
    pub q: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<usize>,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
}

/// `GET /changes` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `seq` of the last answer (or of the listing the client started from); without it,
    /// only the current `seq` is returned.
    pub since: Option<u64>,
}

/// `GET /audit` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<usize>,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
}

/// `POST /users/deactivate` and `POST /users/reactivate`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkIds {
    #[schema(value_type = Vec<String>)]
    pub ids: Vec<UserId>,
    /// Only report what would happen.
    #[serde(default)]
    pub dry_run: bool,
    /// Change a user listed here only while they are still at this version (an outcome's
    /// `version`); one changed in between gets a `conflict` outcome and is left as is.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "whole_numbers"
    )]
    #[schema(value_type = HashMap<String, u64>)]
    pub expected_versions: BTreeMap<UserId, u64>,
}

/// `POST /users/roles`: give each user exactly these roles.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRoles {
    #[schema(value_type = Vec<String>)]
    pub ids: Vec<UserId>,
    #[schema(value_type = Vec<schema::RoleSchema>)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub dry_run: bool,
    /// Change a user listed here only while they are still at this version (an outcome's
    /// `version`); one changed in between gets a `conflict` outcome and is left as is.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "whole_numbers"
    )]
    #[schema(value_type = HashMap<String, u64>)]
    pub expected_versions: BTreeMap<UserId, u64>,
}

/// `POST /users/roles/change`: add roles to each user and take others away, keeping the rest.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRoleChange {
    #[schema(value_type = Vec<String>)]
    pub ids: Vec<UserId>,
    /// Each role named, and whether to add it or remove it: `{"admin": "add", "agent":
    /// "remove"}`. Roles not named stay as each user has them.
    #[schema(value_type = Object)]
    pub roles: BTreeMap<Role, RoleAction>,
    #[serde(default)]
    pub dry_run: bool,
    /// Change a user listed here only while they are still at this version (an outcome's
    /// `version`); one changed in between gets a `conflict` outcome and is left as is.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "whole_numbers"
    )]
    #[schema(value_type = HashMap<String, u64>)]
    pub expected_versions: BTreeMap<UserId, u64>,
}

/// What `POST /users/roles/change` does with a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleAction {
    Add,
    Remove,
}

impl BulkRoleChange {
    /// The roles to add and the roles to remove.
    pub fn split(&self) -> (Vec<Role>, Vec<Role>) {
        let named = |action| {
            self.roles
                .iter()
                .filter(|(_, a)| **a == action)
                .map(|(r, _)| *r)
                .collect()
        };
        (named(RoleAction::Add), named(RoleAction::Remove))
    }
}

/// Whether `POST /users/teams` adds the users to the team or removes them from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamAction {
    Add,
    Remove,
}

/// `POST /users/teams`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkTeam {
    #[schema(value_type = Vec<String>)]
    pub ids: Vec<UserId>,
    #[schema(value_type = String)]
    pub team: TeamId,
    pub action: TeamAction,
    #[serde(default)]
    pub dry_run: bool,
    /// Change a user listed here only while they are still at this version (an outcome's
    /// `version`); one changed in between gets a `conflict` outcome and is left as is.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "whole_numbers"
    )]
    #[schema(value_type = HashMap<String, u64>)]
    pub expected_versions: BTreeMap<UserId, u64>,
}

/// `POST /users/beta`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkBeta {
    #[schema(value_type = Vec<String>)]
    pub ids: Vec<UserId>,
    pub beta: bool,
    #[serde(default)]
    pub dry_run: bool,
    /// Change a user listed here only while they are still at this version (an outcome's
    /// `version`); one changed in between gets a `conflict` outcome and is left as is.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "whole_numbers"
    )]
    #[schema(value_type = HashMap<String, u64>)]
    pub expected_versions: BTreeMap<UserId, u64>,
}

/// `POST /invites/preview`: what resending or cancelling these invites would do, changing
/// nothing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitePreview {
    #[schema(value_type = Vec<String>)]
    pub ids: Vec<UserId>,
    #[schema(value_type = schema::InviteChangeSchema)]
    pub action: crate::service::InviteChange,
}

/// A result per requested id, in request order (duplicates once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BulkResults {
    #[schema(value_type = Vec<schema::OutcomeSchema>)]
    pub results: Vec<Outcome>,
}

/// `POST /teams` and `PATCH /teams/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamRequest {
    pub name: String,
}

/// What happened to an invite's email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    /// The admin did not ask for an email: deliver the link another way.
    NotRequested,
    Sent,
    /// Sending failed; the invite exists, the link works, and resending tries again.
    Failed,
}

/// The answer to creating or resending an invite: the link, shown once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InviteIssuedResponse {
    #[schema(value_type = schema::UserSchema)]
    pub user: User,
    #[schema(value_type = schema::InviteSchema)]
    pub invite: Invite,
    /// The one-time link, for delivering it another way.
    pub link: String,
    pub email: EmailStatus,
    /// Why sending failed, when it did.
    pub email_error: Option<String>,
}

/// One pending invite with its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PendingInvite {
    #[schema(value_type = schema::UserSchema)]
    pub user: User,
    #[schema(value_type = schema::InviteSchema)]
    pub invite: Invite,
}

/// `GET /me`: the signed-in user and their workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Me {
    #[schema(value_type = schema::UserSchema)]
    pub user: User,
    #[schema(value_type = schema::WorkspaceSchema)]
    pub workspace: Workspace,
}

/// `GET /healthz`: `status` is `ok`, or `storage_unavailable` (with 503) while the store
/// can't be written. `writes` is `ok`, or `held since <RFC 3339 time>` while a backup's local
/// copy holds writes back (the status stays `ok` and 200: the copy takes moments, and a write
/// that waits too long for it is answered 503 with Retry-After, nothing changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
    #[serde(default)]
    #[schema(example = "ok")]
    pub writes: String,
}

/// Builds the accept link of an invite token from the configured public URL.
pub fn invite_link(public_url: &str, token: &crate::domain::Token) -> String {
    format!(
        "{}/accept?token={}",
        public_url.trim_end_matches('/'),
        token.encode()
    )
}

/// Versions as JSON numbers: a whole number written `3.0` is the number 3 (JSON Schema's
/// `integer` allows it), anything else is refused.
fn whole_numbers<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<BTreeMap<UserId, u64>, D::Error> {
    use serde::de::Error as _;
    let raw = BTreeMap::<UserId, serde_json::Number>::deserialize(d)?;
    raw.into_iter()
        .map(|(id, n)| {
            let whole = n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= u64::MAX as f64)
                    .map(|f| f as u64)
            });
            whole.map(|v| (id, v)).ok_or_else(|| {
                D::Error::custom(format!(
                    "the version of {id} must be a whole number, not {n}"
                ))
            })
        })
        .collect()
}
