//! Sign-in sessions. The store keeps them by the hash of their token.

use super::{UserId, WorkspaceId};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::hours(12);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub workspace: WorkspaceId,
    pub user: UserId,
    /// The user's `session_epoch` when this session began; a later epoch revokes it.
    pub epoch: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}
