//! The audit trail: every change writes one event.

use super::{EventId, TeamId, UserId, WorkspaceId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    WorkspaceCreated,
    UserInvited,
    InviteResent,
    InviteCancelled,
    InviteAccepted,
    InviteEmailSent,
    SignedIn,
    ProfileChanged,
    RolesChanged,
    TeamsChanged,
    BetaChanged,
    UserDeactivated,
    UserReactivated,
    UserDeleted,
    TeamCreated,
    TeamRenamed,
    TeamDeleted,
}

impl AuditAction {
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::WorkspaceCreated => "workspace created",
            AuditAction::UserInvited => "invited",
            AuditAction::InviteResent => "invite resent",
            AuditAction::InviteCancelled => "invite cancelled",
            AuditAction::InviteAccepted => "invite accepted",
            AuditAction::InviteEmailSent => "invite email",
            AuditAction::SignedIn => "signed in",
            AuditAction::ProfileChanged => "profile changed",
            AuditAction::RolesChanged => "roles changed",
            AuditAction::TeamsChanged => "teams changed",
            AuditAction::BetaChanged => "beta access changed",
            AuditAction::UserDeactivated => "deactivated",
            AuditAction::UserReactivated => "reactivated",
            AuditAction::UserDeleted => "user deleted",
            AuditAction::TeamCreated => "team created",
            AuditAction::TeamRenamed => "team renamed",
            AuditAction::TeamDeleted => "team deleted",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AuditTarget {
    Workspace,
    User(UserId),
    Team(TeamId),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: EventId,
    pub workspace: WorkspaceId,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who did it; `None` for the system (workspace creation from the server's command line).
    pub actor: Option<UserId>,
    /// The actor's email at the time, so the log reads well after renames.
    pub actor_label: String,
    pub action: AuditAction,
    pub target: AuditTarget,
    /// The target's email or team name at the time (empty for a deleted user).
    pub target_label: String,
    pub detail: String,
}

impl AuditEvent {
    /// The users this event names, as actor or target: deleting one of them erases it.
    /// What a person reads in the log line, for filtering it.
    pub fn search_line(&self) -> String {
        format!(
            "{} {} {} {}",
            self.action.label(),
            self.target_label,
            self.actor_label,
            self.detail
        )
    }

    pub fn named_users(&self) -> impl Iterator<Item = UserId> {
        let target = match self.target {
            AuditTarget::User(id) => Some(id),
            _ => None,
        };
        self.actor.into_iter().chain(target)
    }
}
