//! Teams: named groups of users inside one workspace.

use super::{TeamId, TeamName, WorkspaceId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub workspace: WorkspaceId,
    pub name: TeamName,
    /// Kept in the team's own record so every membership change writes it: two concurrent
    /// changes to one team then conflict in the store instead of racing a team deletion.
    pub member_count: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
