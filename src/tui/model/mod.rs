//! What the console shows, without how: tabs and sort keys (here), the workspace as loaded
//! (`data`), each tab's rows under the filter and sort (`views`), and where the data comes
//! from (`context`). No ratatui, no components, no keys: everything above reads this, and this
//! reads only the domain and the service's types.

pub mod context;
pub mod data;
pub mod views;

pub use context::{Connection, Context, Notice, PutBack, ServerContext, UNDO_KEPT, Undo, UndoStep};
pub use data::{Data, FirstPage};
pub use views::{TabView, Views};

use crate::domain::UserStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    Active,
    Inactive,
    Pending,
}

impl Tab {
    pub const ALL: [Tab; 3] = [Tab::Active, Tab::Inactive, Tab::Pending];

    pub fn status(self) -> UserStatus {
        match self {
            Tab::Active => UserStatus::Active,
            Tab::Inactive => UserStatus::Inactive,
            Tab::Pending => UserStatus::Invited,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Tab::Active => "Active",
            Tab::Inactive => "Inactive",
            Tab::Pending => "Pending Invites",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The tab a user of this status is listed on.
    pub fn of(status: UserStatus) -> Tab {
        match status {
            UserStatus::Active => Tab::Active,
            UserStatus::Inactive => Tab::Inactive,
            UserStatus::Invited => Tab::Pending,
        }
    }
}

/// Columns a table can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Email,
    Roles,
    Teams,
    Sent,
    Expires,
    /// Last sign-in, most recent first; never signed in last.
    LastSignIn,
    /// Joined (the account was created), newest first.
    Created,
    /// Deactivated, most recent first (the Inactive tab).
    Deactivated,
}

impl SortKey {
    pub fn cycle(tab: Tab) -> &'static [SortKey] {
        match tab {
            Tab::Pending => &[
                SortKey::Sent,
                SortKey::Expires,
                SortKey::Email,
                SortKey::Name,
            ],
            Tab::Inactive => &[
                SortKey::Name,
                SortKey::Email,
                SortKey::Roles,
                SortKey::Teams,
                SortKey::Deactivated,
                SortKey::LastSignIn,
                SortKey::Created,
            ],
            Tab::Active => &[
                SortKey::Name,
                SortKey::Email,
                SortKey::Roles,
                SortKey::Teams,
                SortKey::LastSignIn,
                SortKey::Created,
            ],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Email => "email",
            SortKey::Roles => "roles",
            SortKey::Teams => "teams",
            SortKey::Sent => "sent",
            SortKey::Expires => "expires",
            SortKey::LastSignIn => "last sign-in",
            SortKey::Created => "created",
            SortKey::Deactivated => "deactivated",
        }
    }
}
