//! Workspaces (tenants). Each has its own users, teams, invites and audit log; nothing is shared.

use super::{WorkspaceId, WorkspaceName};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub name: WorkspaceName,
    /// The short address people type to sign in, derived from the name and unique.
    pub slug: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
