//! Workspace users and their lifecycle status.

use super::{Email, PersonName, Roles, TeamSet, UserId, WorkspaceId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Invited, has not accepted yet: appears under Pending Invites, can't sign in.
    Invited,
    Active,
    /// Deactivated: can't sign in, keeps history, can be reactivated.
    Inactive,
}

impl UserStatus {
    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Invited => "invited",
            UserStatus::Active => "active",
            UserStatus::Inactive => "inactive",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "invited" | "pending" => Some(UserStatus::Invited),
            "active" => Some(UserStatus::Active),
            "inactive" | "deactivated" => Some(UserStatus::Inactive),
            _ => None,
        }
    }
}

impl std::fmt::Display for UserStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub workspace: WorkspaceId,
    pub email: Email,
    pub full_name: PersonName,
    pub display_name: PersonName,
    pub roles: Roles,
    pub teams: TeamSet,
    pub status: UserStatus,
    pub beta: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub invited_by: Option<UserId>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
    /// When and by whom the user was last deactivated (kept after reactivation for history).
    #[serde(with = "time::serde::rfc3339::option")]
    pub deactivated_at: Option<OffsetDateTime>,
    pub deactivated_by: Option<UserId>,
    /// Incremented by every change; an edit names the version it started from.
    pub version: u64,
    /// Sessions remember the epoch they were issued in; bumping it (deactivation, password
    /// change) makes every earlier session useless, even after a later reactivation.
    pub session_epoch: u32,
}

impl User {
    /// A user as an invite creates them: Invited, version 1, no team yet.
    pub fn new_invited(
        workspace: WorkspaceId,
        email: Email,
        full_name: PersonName,
        display_name: PersonName,
        roles: Roles,
        invited_by: Option<UserId>,
        now: OffsetDateTime,
    ) -> User {
        User {
            id: UserId::new(),
            workspace,
            email,
            full_name,
            display_name,
            roles,
            teams: TeamSet::new(),
            status: UserStatus::Invited,
            beta: false,
            created_at: now,
            updated_at: now,
            invited_by,
            last_login_at: None,
            deactivated_at: None,
            deactivated_by: None,
            version: 1,
            session_epoch: 0,
        }
    }

    pub fn is_active_owner(&self) -> bool {
        self.status == UserStatus::Active && self.roles.is_owner()
    }

    /// Records a change: bumps the version and the update time.
    pub fn touch(&mut self, now: OffsetDateTime) {
        self.version += 1;
        self.updated_at = now;
    }
}
