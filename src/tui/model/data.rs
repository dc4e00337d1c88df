//! The workspace as last loaded, with what every keystroke needs prepared once per load:
//! search texts, counts and the global orders.

use super::Tab;
use crate::domain::collation;
use crate::domain::search::{SearchIndex, team_names};
use crate::domain::{Invite, Team, TeamId, User, UserId, UserStatus, Workspace};
use crate::service::{Changes, Snapshot};
use std::collections::HashMap;
use time::OffsetDateTime;

/// The start of each tab in creation order, with how many users each status has: a few pages
/// from the store (status indexes and counters), however big the workspace.
#[derive(Debug)]
pub struct FirstPage {
    pub snapshot: Snapshot,
    /// Users per status, indexed by `Tab::index`.
    pub counts: [usize; 3],
}

/// The workspace as last loaded, with what every keystroke needs prepared once per load.
#[derive(Debug, Clone)]
pub struct Data {
    /// The change sequence number this data includes (the next refresh asks from it).
    pub seq: u64,
    pub workspace: Workspace,
    pub me: User,
    pub users: Vec<User>,
    pub invites: HashMap<UserId, Invite>,
    pub teams: Vec<Team>,
    pub team_names: HashMap<TeamId, String>,
    /// Position of each user in `users`.
    pub by_id: HashMap<UserId, usize>,
    /// Each user's folded search text (same index as `users`): a keystroke only searches.
    pub search: SearchIndex,
    /// Users per status, indexed by `Tab::index`.
    pub(super) counts: [usize; 3],
    /// Each user's tab (same index as `users`): a tab's order is picked from the global ones
    /// without reading 100,000 user records in a random order.
    pub(super) tab_of: Vec<Tab>,
    /// Only the first screenful of each tab is here, the rest on its way (`counts` then come
    /// from the store's counters, not from `users`).
    pub(super) partial: bool,
    /// Every user in name (collation), email and teams order: a tab's order for a column is
    /// then one pass over these, never a sort.
    pub(super) by_name: Vec<u32>,
    pub(super) by_email: Vec<u32>,
    pub(super) by_teams: Vec<u32>,
}

impl Data {
    pub fn from_snapshot(s: Snapshot) -> Self {
        let mut data = Data {
            seq: s.seq,
            by_id: s.users.iter().enumerate().map(|(i, u)| (u.id, i)).collect(),
            team_names: team_names(&s.teams),
            invites: s.invites.into_iter().map(|i| (i.user_id, i)).collect(),
            workspace: s.workspace,
            me: s.me,
            users: s.users,
            teams: s.teams,
            search: SearchIndex::default(),
            counts: [0; 3],
            tab_of: Vec::new(),
            partial: false,
            by_name: Vec::new(),
            by_email: Vec::new(),
            by_teams: Vec::new(),
        };
        data.prepare();
        data
    }

    /// Computes what keystrokes need from the users: search texts, counts and the global
    /// orders. Once per load, and again after changes are applied.
    fn prepare(&mut self) {
        let users = &self.users;
        self.search = SearchIndex::default();
        for u in users {
            self.search.push(u, &self.team_names);
        }
        self.search.shrink();
        self.tab_of = users.iter().map(|u| Tab::of(u.status)).collect();
        self.counts = [0; 3];
        for tab in &self.tab_of {
            self.counts[tab.index()] += 1;
        }
        let mut by_email: Vec<u32> = (0..users.len() as u32).collect();
        by_email.sort_unstable_by(|&a, &b| {
            users[a as usize]
                .email
                .as_str()
                .cmp(users[b as usize].email.as_str())
        });
        let mut by_name = by_email.clone();
        // Stable on email order: people with the same name keep a predictable order.
        collation::sort_by_name(&mut by_name, |i| users[*i as usize].display_name.as_str());
        let team_rank = collation::team_ranks(&self.teams);
        let mut by_teams = by_email.clone();
        by_teams.sort_by_cached_key(|&i| {
            let mut ranks: Vec<u32> = users[i as usize]
                .teams
                .iter()
                .filter_map(|t| team_rank.get(t).copied())
                .collect();
            ranks.sort_unstable();
            ranks
        });
        self.by_email = by_email;
        self.by_name = by_name;
        self.by_teams = by_teams;
    }

    /// Brings the data up to date with what changed since it was loaded: the same result as
    /// loading everything again, by the one rule for that (`Snapshot::apply_changes`), then
    /// prepared again as a load is.
    pub fn apply_changes(&mut self, changes: Changes) {
        let mut snapshot = Snapshot {
            seq: self.seq,
            workspace: self.workspace.clone(),
            me: self.me.clone(),
            users: std::mem::take(&mut self.users),
            invites: std::mem::take(&mut self.invites).into_values().collect(),
            teams: std::mem::take(&mut self.teams),
        };
        snapshot.apply_changes(changes);
        let partial = self.partial;
        *self = Data::from_snapshot(snapshot);
        self.partial = partial;
    }

    /// The first screenful of each tab, shown while everything else loads.
    pub fn first_page(page: FirstPage) -> Self {
        let mut data = Data::from_snapshot(page.snapshot);
        data.counts = page.counts;
        data.partial = true;
        data
    }

    /// Everything is loaded (not only a first screenful).
    pub fn is_complete(&self) -> bool {
        !self.partial
    }

    pub fn user(&self, id: UserId) -> Option<&User> {
        self.by_id.get(&id).map(|&i| &self.users[i])
    }

    /// Whether the detail pane offers to make this user the Owner: to an Owner looking at
    /// another active user. Only an offer: the core decides when it is asked.
    pub fn offers_ownership_to(&self, user: &User) -> bool {
        self.me.roles.is_owner() && user.status == UserStatus::Active && user.id != self.me.id
    }

    pub fn count(&self, status: UserStatus) -> usize {
        self.counts[Tab::of(status).index()]
    }

    pub fn teams_of(&self, user: &User) -> Vec<&str> {
        let mut names: Vec<&str> = user
            .teams
            .iter()
            .filter_map(|t| self.team_names.get(t).map(String::as_str))
            .collect();
        names.sort_unstable_by(|a, b| collation::compare_names(a, b));
        names
    }

    /// When the user's pending invite expires, if they have one.
    pub fn expires_at(&self, index: usize) -> Option<OffsetDateTime> {
        self.invites
            .get(&self.users[index].id)
            .map(|i| i.expires_at)
    }
}
