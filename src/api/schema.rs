//! OpenAPI schemas of the core's types as they appear on the wire. The core's types stay free of
//! documentation concerns; these mirrors exist only for the document, and a test
//! (tests/server/openapi.rs) checks that each one lists exactly the fields the real type
//! serializes, so they can't drift apart silently.

// The fields exist only to be documented: nothing reads them.
#![allow(dead_code)]

use utoipa::ToSchema;

#[derive(ToSchema, serde::Serialize)]
#[schema(as = Role)]
#[serde(rename_all = "snake_case")]
pub enum RoleSchema {
    Owner,
    Admin,
    Supervisor,
    Agent,
}

#[derive(ToSchema, serde::Serialize)]
#[schema(as = UserStatus)]
#[serde(rename_all = "snake_case")]
pub enum UserStatusSchema {
    Invited,
    Active,
    Inactive,
}

#[derive(ToSchema)]
#[schema(as = User)]
pub struct UserSchema {
    #[schema(format = Uuid)]
    id: String,
    #[schema(format = Uuid)]
    workspace: String,
    email: String,
    full_name: String,
    display_name: String,
    /// One or more.
    roles: Vec<RoleSchema>,
    /// Team ids.
    teams: Vec<String>,
    status: UserStatusSchema,
    beta: bool,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    invited_by: Option<String>,
    #[schema(format = DateTime)]
    last_login_at: Option<String>,
    #[schema(format = DateTime)]
    deactivated_at: Option<String>,
    deactivated_by: Option<String>,
    /// Send it back as `If-Match` when editing.
    version: u64,
    session_epoch: u32,
}

#[derive(ToSchema)]
#[schema(as = Invite)]
pub struct InviteSchema {
    #[schema(format = Uuid)]
    user_id: String,
    #[schema(format = Uuid)]
    workspace: String,
    sent_by: String,
    #[schema(format = DateTime)]
    sent_at: String,
    #[schema(format = DateTime)]
    expires_at: String,
    times_sent: u32,
    send_requested: bool,
    email_sent: bool,
    /// SHA-256 of the current token (the token itself is never stored).
    token_hash: String,
    #[schema(format = DateTime)]
    accepted_at: Option<String>,
}

#[derive(ToSchema)]
#[schema(as = Team)]
pub struct TeamSchema {
    #[schema(format = Uuid)]
    id: String,
    #[schema(format = Uuid)]
    workspace: String,
    name: String,
    member_count: u64,
    #[schema(format = DateTime)]
    created_at: String,
}

#[derive(ToSchema)]
#[schema(as = Workspace)]
pub struct WorkspaceSchema {
    #[schema(format = Uuid)]
    id: String,
    name: String,
    /// The address people type to sign in.
    slug: String,
    #[schema(format = DateTime)]
    created_at: String,
}

#[derive(ToSchema)]
#[schema(as = AuditEvent)]
pub struct AuditEventSchema {
    #[schema(format = Uuid)]
    id: String,
    #[schema(format = Uuid)]
    workspace: String,
    #[schema(format = DateTime)]
    at: String,
    actor: Option<String>,
    actor_label: String,
    /// e.g. `user_invited`, `roles_changed`, `user_deleted`.
    action: String,
    /// `{"kind": "workspace"}`, `{"kind": "user", "id": …}` or `{"kind": "team", "id": …}`.
    target: Object,
    target_label: String,
    detail: String,
}

/// Any JSON object (documented in prose where it is used).
#[derive(ToSchema)]
pub struct Object {}

#[derive(ToSchema)]
#[schema(as = UserPage)]
pub struct UserPageSchema {
    items: Vec<UserSchema>,
    /// Pass as `cursor` for the next page; null at the end.
    next: Option<String>,
    /// How many users all pages hold (absent when `q` is given).
    total: Option<u64>,
}

#[derive(ToSchema)]
#[schema(as = Changes)]
pub struct ChangesSchema {
    /// Ask from this next time.
    seq: u64,
    /// Users that changed (their invite included) and still exist.
    users: Vec<UserSchema>,
    /// Ids of users that changed and no longer exist.
    #[schema(format = Uuid)]
    removed_users: Vec<String>,
    /// The pending invites of the changed users; a changed user not here has none.
    invites: Vec<InviteSchema>,
    teams: Vec<TeamSchema>,
    #[schema(format = Uuid)]
    removed_teams: Vec<String>,
    /// The workspace, when it changed.
    workspace: Option<WorkspaceSchema>,
}

#[derive(ToSchema, serde::Serialize)]
#[schema(as = InviteChange)]
#[serde(rename_all = "snake_case")]
pub enum InviteChangeSchema {
    Resend,
    Cancel,
}

#[derive(ToSchema)]
#[schema(as = OwnershipTransferred)]
pub struct OwnershipTransferredSchema {
    /// The Owner who acted, no longer an Owner (their other roles kept, else Admin).
    previous_owner: UserSchema,
    /// The new Owner.
    owner: UserSchema,
}

#[derive(ToSchema)]
#[schema(as = AuditPage)]
pub struct AuditPageSchema {
    items: Vec<AuditEventSchema>,
    /// Pass as `cursor` for older events; null at the end.
    next: Option<String>,
}

#[derive(ToSchema)]
#[schema(as = UserDetail)]
pub struct UserDetailSchema {
    user: UserSchema,
    invite: Option<InviteSchema>,
    /// Whether the user can sign in, and if not why: `{"state": "can_sign_in" | "no_password"
    /// | "invite_pending" | "invite_expired" | "deactivated", …}`.
    access: Object,
    /// Newest first.
    recent_events: Vec<AuditEventSchema>,
}

#[derive(ToSchema)]
#[schema(as = SignedIn)]
pub struct SignedInSchema {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    workspace: WorkspaceSchema,
    user: UserSchema,
    #[schema(format = DateTime)]
    expires_at: String,
}

#[derive(ToSchema)]
#[schema(as = NewInvite)]
pub struct NewInviteSchema {
    email: String,
    full_name: String,
    /// Defaults to the full name.
    display_name: Option<String>,
    roles: Vec<RoleSchema>,
    /// Team ids (default none).
    teams: Option<Vec<String>>,
    /// Email the link (default true).
    send_invite: Option<bool>,
}

/// Only the fields present change.
#[derive(ToSchema)]
#[schema(as = UserPatch)]
pub struct UserPatchSchema {
    full_name: Option<String>,
    /// Blank means "same as the full name".
    display_name: Option<String>,
    roles: Option<Vec<RoleSchema>>,
    teams: Option<Vec<String>>,
    beta: Option<bool>,
}

#[derive(ToSchema)]
#[schema(as = Outcome)]
pub struct OutcomeSchema {
    #[schema(format = Uuid)]
    id: String,
    /// The user's email, when the user exists.
    email: Option<String>,
    /// `done`, `unchanged` (already as asked) or `refused`.
    outcome: String,
    /// When refused: the core's error, as in the error shape's `core`.
    error: Option<Object>,
    /// The user's version after this request (as found, in a dry run); send it back in
    /// `expected_versions` to change only users nobody changed in between.
    version: Option<u64>,
}
