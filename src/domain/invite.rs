//! Invites: the only way a user comes to exist. One invite per invited user; resending reissues
//! it with a new token and expiry, which makes every earlier token useless.

use super::{TokenHash, UserId, WorkspaceId};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// How long an invite link works unless configured otherwise.
pub const DEFAULT_INVITE_LIFETIME: Duration = Duration::days(7);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// The invited user; an invite is identified by its user.
    pub user_id: UserId,
    pub workspace: WorkspaceId,
    /// Who sent it most recently.
    pub sent_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub times_sent: u32,
    /// The admin asked for an email to be sent.
    pub send_requested: bool,
    /// An email actually went out for the current token.
    pub email_sent: bool,
    /// SHA-256 of the current token; the token itself is never stored.
    pub token_hash: TokenHash,
    #[serde(with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<OffsetDateTime>,
}

impl Invite {
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now >= self.expires_at
    }

    pub fn is_pending(&self) -> bool {
        self.accepted_at.is_none()
    }
}
