//! What goes in and out of the service API. These are also the wire types of the HTTP API, so
//! inputs are plain (strings as typed) and parsed by the service, which reports each problem
//! against its field.

use crate::Error;
use crate::domain::rules::Access;
use crate::domain::{
    AuditEvent, Invite, Role, Team, TeamId, Token, User, UserId, UserStatus, Workspace,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvite {
    pub email: String,
    pub full_name: String,
    /// Defaults to the full name when missing or blank.
    #[serde(default)]
    pub display_name: Option<String>,
    pub roles: Vec<Role>,
    #[serde(default)]
    pub teams: Vec<TeamId>,
    /// Ask for an invite email (only a server can send one).
    #[serde(default = "yes")]
    pub send_invite: bool,
}

fn yes() -> bool {
    true
}

/// A partial edit: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// Blank means "same as the full name".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Role>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams: Option<Vec<TeamId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<bool>,
}

/// A freshly issued invite link's token, shown once to whoever must deliver it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InviteIssued {
    pub user: User,
    pub invite: Invite,
    pub token: Token,
}

/// The outcome of a bulk operation for one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub id: UserId,
    /// The user's email, when the user exists.
    pub email: Option<String>,
    #[serde(flatten)]
    pub result: OutcomeResult,
    /// The user's version after this request (a dry run keeps nothing: the version as found).
    /// Passed back as an expected version, it makes a later change refuse a user someone
    /// changed in between.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OutcomeResult {
    /// Changed.
    Done,
    /// Already as asked: nothing was written.
    Unchanged,
    Refused {
        error: Error,
    },
}

impl Outcome {
    /// The user is as asked (changed now, or already so).
    pub fn is_done(&self) -> bool {
        matches!(self.result, OutcomeResult::Done | OutcomeResult::Unchanged)
    }

    pub fn is_changed(&self) -> bool {
        matches!(self.result, OutcomeResult::Done)
    }

    pub fn refusal(&self) -> Option<&Error> {
        match &self.result {
            OutcomeResult::Refused { error } => Some(error),
            OutcomeResult::Done | OutcomeResult::Unchanged => None,
        }
    }
}

/// A change to pending invites that can be previewed (`AdminApi::preview_invites`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InviteChange {
    Resend,
    Cancel,
}

impl InviteChange {
    pub fn verb(self) -> &'static str {
        match self {
            InviteChange::Resend => "resend",
            InviteChange::Cancel => "cancel",
        }
    }
}

/// The two users an ownership transfer changed, as they are afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipTransferred {
    /// The acting Owner, no longer an Owner.
    pub previous_owner: User,
    /// The new Owner.
    pub owner: User,
}

/// The bulk changes, so front ends can hold "what was asked" as data (for confirm and undo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum BulkChange {
    Deactivate,
    Reactivate,
    SetRoles {
        roles: Vec<Role>,
    },
    /// Adds `add` to each user's roles and takes `remove` away, keeping the rest as they are.
    ChangeRoles {
        add: Vec<Role>,
        remove: Vec<Role>,
    },
    AddTeam {
        team: TeamId,
    },
    RemoveTeam {
        team: TeamId,
    },
    SetBeta {
        beta: bool,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserQuery {
    pub status: Option<UserStatus>,
    /// Case-insensitive match on names, email, roles and team names.
    pub q: Option<String>,
    pub limit: Option<usize>,
    /// Continue after this user (the `next` of the previous page).
    pub after: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` (users) or `before` (audit) for the next page; `None` at the end.
    pub next: Option<String>,
    /// How many items all pages hold, where that is known without a scan (users without `q`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// What changed in the workspace after a sequence number: the current state of everything that
/// changed, so applying it to what was loaded then gives what a full reload gives now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// Ask from this next time.
    pub seq: u64,
    /// Users that changed (their invite included) and still exist.
    pub users: Vec<User>,
    /// Users that changed and no longer exist (deleted, or a cancelled invite).
    pub removed_users: Vec<UserId>,
    /// The pending invites of the changed users; a changed user not here has none.
    pub invites: Vec<Invite>,
    pub teams: Vec<Team>,
    pub removed_teams: Vec<TeamId>,
    /// The workspace, when it changed (renamed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace: Option<Workspace>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.removed_users.is_empty()
            && self.teams.is_empty()
            && self.removed_teams.is_empty()
            && self.workspace.is_none()
    }
}

/// One user with everything the detail pane shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub user: User,
    pub invite: Option<Invite>,
    pub access: Access,
    /// Newest first.
    pub recent_events: Vec<AuditEvent>,
}

/// Everything the console shows at once, read consistently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The change sequence number this snapshot includes: ask the feed from it.
    #[serde(default)]
    pub seq: u64,
    pub workspace: Workspace,
    pub me: User,
    pub users: Vec<User>,
    pub invites: Vec<Invite>,
    pub teams: Vec<Team>,
}

impl Snapshot {
    /// Brings a snapshot up to date with the changes after its `seq`: the same users, invites,
    /// teams and workspace as a new snapshot would hold (users stay in id order).
    pub fn apply_changes(&mut self, changes: Changes) {
        use std::collections::BTreeSet;
        self.seq = changes.seq;
        if let Some(ws) = changes.workspace {
            self.workspace = ws;
        }
        let touched: BTreeSet<UserId> = changes
            .users
            .iter()
            .map(|u| u.id)
            .chain(changes.removed_users.iter().copied())
            .collect();
        self.invites.retain(|i| !touched.contains(&i.user_id));
        self.invites.extend(changes.invites);
        self.invites.sort_by_key(|i| i.user_id);
        self.users.retain(|u| !touched.contains(&u.id));
        for user in changes.users {
            if user.id == self.me.id {
                self.me = user.clone();
            }
            self.users.push(user);
        }
        self.users.sort_by_key(|u| u.id);
        let teams_touched: BTreeSet<TeamId> = changes
            .teams
            .iter()
            .map(|t| t.id)
            .chain(changes.removed_teams.iter().copied())
            .collect();
        self.teams.retain(|t| !teams_touched.contains(&t.id));
        self.teams.extend(changes.teams);
        self.teams.sort_by_key(|t| t.name.folded());
    }
}

/// A signed-in session, from `login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub token: Token,
    pub workspace: Workspace,
    pub user: User,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

/// Who a valid session token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub workspace: Workspace,
    pub user: User,
}
