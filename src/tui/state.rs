//! The console's state: the workspace data as last loaded, and what the admin sees of it
//! (tab, filter, sort, cursor, marks, dialogs). Changed only by `update` and the components it
//! hands keys and replies to; read by `ui`.

use super::forms::{EditForm, InviteForm, SignInForm};
use crate::domain::collation;
use crate::domain::search::{Filter, SearchIndex, team_names};
use crate::domain::{Invite, Team, TeamId, User, UserId, UserStatus, Workspace};
use crate::service::{BulkChange, Changes, Snapshot};
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;
use tui_input::Input;

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
    counts: [usize; 3],
    /// Each user's tab (same index as `users`): a tab's order is picked from the global ones
    /// without reading 100,000 user records in a random order.
    tab_of: Vec<Tab>,
    /// Only the first screenful of each tab is here, the rest on its way (`counts` then come
    /// from the store's counters, not from `users`).
    partial: bool,
    /// Every user in name (collation), email and teams order: a tab's order for a column is
    /// then one pass over these, never a sort.
    by_name: Vec<u32>,
    by_email: Vec<u32>,
    by_teams: Vec<u32>,
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
    pub fn first_page(page: super::effects::FirstPage) -> Self {
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

/// One tab's view: which users it shows, in which order, and where the cursor is.
#[derive(Debug, Clone, Default)]
pub struct TabView {
    /// Indexes into `Data::users`.
    pub rows: Vec<usize>,
    pub cursor: usize,
    pub offset: usize,
    pub sort: usize,
    pub reversed: bool,
    /// The user under the cursor, so it stays put across reloads and re-sorts.
    pub cursor_user: Option<UserId>,
    /// The last filters' results, newest last: a filter typed again (Backspace) is looked up,
    /// and one that only grows narrows the smallest result it narrows instead of searching
    /// everyone.
    recent: Vec<Filtered>,
}

/// One filter's result in sort order (before reversing), with the sort, filter and time it
/// was computed for.
#[derive(Debug, Clone)]
struct Filtered {
    sort: usize,
    filter: Filter,
    at: OffsetDateTime,
    matched: Vec<usize>,
}

/// At most this many recent results per tab, holding at most `RECENT_ROWS` rows in all.
const RECENT: usize = 16;
const RECENT_ROWS: usize = 300_000;

impl TabView {
    fn remember(&mut self, filtered: Filtered) {
        self.recent.push(filtered);
        let mut rows: usize = self.recent.iter().map(|f| f.matched.len()).sum();
        while self.recent.len() > RECENT || (rows > RECENT_ROWS && self.recent.len() > 1) {
            rows -= self.recent.remove(0).matched.len();
        }
    }
}

/// A message in the footer: the result of the last action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

pub use super::components::confirm::{Confirm, ConfirmAction, TypedConfirm};
pub use super::components::detail::Detail;
pub use super::components::help::Help;
pub use super::components::links::Links;
pub use super::components::log::LogView;
pub use super::components::picker::{RolesPicker, TeamPicker};
pub use super::components::teams::{TeamEdit, TeamsView};

/// Everything drawn over the tables, top of the stack on top: each a component
/// (`tui::components`) that reads its own keys and replies and draws itself.
#[derive(Debug, Clone)]
pub enum Overlay {
    Detail(Detail),
    Help(Help),
    Confirm(Confirm),
    Invite(InviteForm),
    Edit(EditForm),
    Log(LogView),
    /// Freshly issued invite links, shown once.
    Link(Links),
    /// The workspace's teams: create, rename, delete.
    Teams(TeamsView),
    /// Choosing the roles to give the targets of a bulk change.
    Roles(RolesPicker),
    /// Choosing a team to add the targets to, or remove them from.
    Team(TeamPicker),
    /// Connected mode: sign in (first, or again after the session ended). Whatever is
    /// underneath, forms included, stays as it was.
    SignIn(SignInForm),
}

/// Where the data comes from, and whether it can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// A local store (offline or demo).
    Local,
    /// A server, answering.
    Online,
    /// A server that did not answer: the last data stays on screen; reloads are retried.
    Disconnected {
        since: OffsetDateTime,
        detail: String,
    },
}

/// What `u` puts back: the last bulk deactivation or reactivation (the opposite change, on
/// exactly the users it changed), or the marks the admin last cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    Change {
        change: BulkChange,
        ids: Vec<UserId>,
    },
    ClearedMarks(Vec<UserId>),
}

/// Who and where, for the header.
#[derive(Debug, Clone)]
pub struct Context {
    pub mode: String,
    /// Where invite links point (the accept page of the server for this store).
    pub public_url: String,
    /// Connected mode: the server, and the workspace and email to sign in with.
    pub server: Option<ServerContext>,
    /// Reload by itself this often (connected mode); `None`: only on Ctrl-R.
    pub refresh_every: Option<time::Duration>,
    /// `--read-only`: every change is hidden and refused.
    pub read_only: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ServerContext {
    pub url: String,
    pub workspace: String,
    pub email: String,
}

impl Context {
    pub fn local(mode: impl Into<String>, public_url: impl Into<String>) -> Self {
        Context {
            mode: mode.into(),
            public_url: public_url.into(),
            server: None,
            refresh_every: None,
            read_only: false,
        }
    }
}

pub struct App {
    pub context: Context,
    pub data: Option<Data>,
    pub load_error: Option<String>,
    pub tab: Tab,
    pub views: [TabView; 3],
    pub filter: Input,
    pub filter_focus: bool,
    pub marks: HashSet<UserId>,
    pub overlays: Vec<Overlay>,
    pub notice: Option<Notice>,
    /// How many dialogs were open when the notice was given: a dialog opened since hides it
    /// (it is about what came before), closing that dialog shows it again.
    pub notice_depth: usize,
    pub in_flight: usize,
    pub spinner: usize,
    /// Invite links issued in this session, by user.
    pub links: HashMap<UserId, String>,
    pub undo: Option<Undo>,
    /// An undo sent to the core: its answer must not offer to undo the undo.
    pub undoing: Option<BulkChange>,
    /// The terminal's size, for paging and the too-small check.
    pub size: (u16, u16),
    pub quit: bool,
    pub now: OffsetDateTime,
    /// Bumped per reload request; older answers are dropped.
    pub load_generation: u64,
    /// Text to put on the clipboard (OSC 52) at the next draw.
    pub clipboard: Option<String>,
    /// How the clipboard sequence reaches the terminal (through tmux or not), for saying so.
    pub clipboard_route: super::clipboard::Route,
    /// What the last text sent to the clipboard was, for saying so again when tmux answers.
    pub clipboard_what: String,
    /// The key bindings in force (the defaults, or the user's keys.toml over them).
    pub keymap: super::keymap::Keymap,
    /// Views need recomputing (data, filter or sort changed).
    pub stale_views: bool,
    /// Each tab's users in each sort order, computed once per load: a filter keystroke then
    /// only filters, it never sorts again.
    pub sorted: HashMap<(Tab, usize), Vec<usize>>,
    pub effects: Vec<super::effects::Effect>,
    pub connection: Connection,
    /// A chunked bulk change under way: (done, total).
    pub progress: Option<(usize, usize)>,
    /// When data was last asked for, for automatic refresh and reconnecting.
    pub last_load: OffsetDateTime,
    /// The acting user can no longer manage users (their roles changed): the last data stays
    /// on screen, read-only. Holds what the core said.
    pub lost_rights: Option<String>,
    /// An id for each component on the stack (same order as `overlays`): replies are
    /// addressed to the component that asked.
    pub(crate) layer_ids: Vec<u64>,
    pub(crate) next_layer: u64,
    /// Requests awaiting their answer, and the component each answer goes to.
    pub(crate) awaiting: Vec<(super::components::ReplyKind, u64)>,
}

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

impl App {
    pub fn new(context: Context) -> Self {
        App {
            data: None,
            load_error: None,
            tab: Tab::Active,
            views: Default::default(),
            filter: Input::default(),
            filter_focus: false,
            marks: HashSet::new(),
            overlays: Vec::new(),
            notice: None,
            notice_depth: 0,
            in_flight: 0,
            spinner: 0,
            links: HashMap::new(),
            undo: None,
            undoing: None,
            size: (MIN_WIDTH, MIN_HEIGHT),
            quit: false,
            now: OffsetDateTime::now_utc(),
            load_generation: 0,
            clipboard: None,
            clipboard_route: Default::default(),
            clipboard_what: String::new(),
            keymap: Default::default(),
            stale_views: true,
            sorted: HashMap::new(),
            effects: Vec::new(),
            connection: if context.server.is_some() {
                Connection::Online
            } else {
                Connection::Local
            },
            last_load: OffsetDateTime::now_utc(),
            progress: None,
            lost_rights: None,
            layer_ids: Vec::new(),
            next_layer: 0,
            awaiting: Vec::new(),
            context,
        }
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    pub fn view(&self) -> &TabView {
        &self.views[self.tab.index()]
    }

    pub fn view_mut(&mut self) -> &mut TabView {
        &mut self.views[self.tab.index()]
    }

    /// Table rows that fit on screen: the terminal minus header, tabs, table header and two footer lines.
    pub fn page_height(&self) -> usize {
        usize::from(self.size.1.saturating_sub(5)).max(1)
    }

    pub fn current_user(&self) -> Option<&User> {
        let data = self.data.as_ref()?;
        let view = self.view();
        view.rows.get(view.cursor).map(|&i| &data.users[i])
    }

    /// Marked users of the current tab in table order, then those the filter hides.
    pub fn marked_in_tab(&self) -> Vec<&User> {
        let Some(data) = &self.data else {
            return vec![];
        };
        if self.marks.is_empty() {
            return vec![];
        }
        let status = self.tab.status();
        let mut out: Vec<&User> = self
            .view()
            .rows
            .iter()
            .map(|&i| &data.users[i])
            .filter(|u| self.marks.contains(&u.id))
            .collect();
        let shown: HashSet<UserId> = out.iter().map(|u| u.id).collect();
        out.extend(data.users.iter().filter(|u| {
            u.status == status && self.marks.contains(&u.id) && !shown.contains(&u.id)
        }));
        out
    }

    /// How many marked users the current tab has, from the marks alone (a frame never scans
    /// the workspace).
    pub fn marked_count_in_tab(&self) -> usize {
        let Some(data) = &self.data else { return 0 };
        let status = self.tab.status();
        self.marks
            .iter()
            .filter(|id| data.user(**id).is_some_and(|u| u.status == status))
            .count()
    }

    /// The users an action applies to: the marked ones of this tab, or else the current one.
    pub fn targets(&self) -> Vec<&User> {
        let marked = self.marked_in_tab();
        if !marked.is_empty() {
            return marked;
        }
        self.current_user().into_iter().collect()
    }

    pub fn hidden_by_filter(&self, ids: &[UserId]) -> usize {
        let Some(data) = &self.data else { return 0 };
        let shown: HashSet<UserId> = self.view().rows.iter().map(|&i| data.users[i].id).collect();
        ids.iter().filter(|id| !shown.contains(id)).count()
    }

    pub fn signing_in(&self) -> bool {
        self.overlays
            .iter()
            .any(|o| matches!(o, Overlay::SignIn(_)))
    }

    pub fn form_has_input(&self) -> bool {
        self.overlays.iter().any(|o| o.component().has_input())
    }

    /// Changes are hidden and refused: `--read-only`, or the acting user can no longer
    /// manage users.
    pub fn read_only(&self) -> bool {
        self.context.read_only || self.lost_rights.is_some()
    }

    /// What components may read of the console.
    pub fn ctx(&self) -> super::components::Ctx<'_> {
        super::components::Ctx {
            data: self.data.as_ref(),
            now: self.now,
            public_url: &self.context.public_url,
            connected: self.context.server.is_some(),
            read_only: self.read_only(),
            keymap: &self.keymap,
        }
    }

    /// Recomputes every tab's rows from data, filter and sort, keeping each cursor on its user.
    pub fn refresh_views(&mut self) {
        self.stale_views = false;
        let Some(data) = &self.data else { return };
        let filter = Filter::new(self.filter.value());
        let matcher = filter.matcher(&data.team_names);
        let uses_time = filter.uses_time();
        let now = self.now;
        let page = self.page_height();
        // Who passes the filter, over everyone, found once for all tabs that narrow the same
        // earlier result (the terms that result settles are skipped), when a tab needs it.
        let mut masks: Vec<(Vec<bool>, Vec<bool>)> = Vec::new();
        for tab in Tab::ALL {
            let view = &mut self.views[tab.index()];
            let keys = SortKey::cycle(tab);
            let sort = view.sort % keys.len();
            let order = self
                .sorted
                .entry((tab, sort))
                .or_insert_with(|| tab_order(data, tab, keys[sort]));
            let usable = |f: &&Filtered| f.sort == sort && (!uses_time || f.at == now);
            let known = view
                .recent
                .iter()
                .rev()
                .filter(usable)
                .find(|f| f.filter == filter);
            let matched: Vec<usize> = if filter.is_empty() {
                order.clone()
            } else if let Some(known) = known {
                known.matched.clone()
            } else {
                let narrowed = view
                    .recent
                    .iter()
                    .filter(usable)
                    .filter(|f| filter.narrows(&f.filter))
                    .min_by_key(|f| f.matched.len());
                let base = narrowed.map_or(&**order, |f| &f.matched);
                let expires = |i: usize| if uses_time { data.expires_at(i) } else { None };
                // A few users: search each one's text. Many: one pass over everyone's text
                // for the words, then the other terms over the users in their stored order
                // (one after the other; in sort order it is mostly cache misses).
                if base.len() * 16 < data.users.len() {
                    base.iter()
                        .copied()
                        .filter(|&i| {
                            let text = data.search.text(i);
                            matcher.matches_indexed(&data.users[i], text, expires(i), now)
                        })
                        .collect()
                } else {
                    let settled = narrowed.map_or_else(Vec::new, |f| filter.settled_by(&f.filter));
                    let at = match masks.iter().position(|(s, _)| *s == settled) {
                        Some(at) => at,
                        None => {
                            let mut mask = matcher.word_hits_skipping(&data.search, &settled);
                            if matcher.has_fields() {
                                let fields = matcher.field_masks(&data.search);
                                for (i, keep) in mask.iter_mut().enumerate() {
                                    *keep = *keep
                                        && matcher.matches_fields_at(
                                            &fields,
                                            &data.search,
                                            i,
                                            || &data.users[i],
                                            expires(i),
                                            now,
                                        );
                                }
                            }
                            masks.push((settled, mask));
                            masks.len() - 1
                        }
                    };
                    let mask = &masks[at].1;
                    base.iter().copied().filter(|&i| mask[i]).collect()
                }
            };
            let fresh = known.is_none() && !filter.is_empty();
            let mut rows = if fresh {
                let rows = matched.clone();
                view.remember(Filtered {
                    sort,
                    filter: filter.clone(),
                    at: now,
                    matched,
                });
                rows
            } else {
                matched
            };
            if view.reversed {
                rows.reverse();
            }
            view.rows = rows;
            // Found by index, not by reading each row's user.
            let keep = view
                .cursor_user
                .and_then(|id| data.by_id.get(&id))
                .and_then(|&at| view.rows.iter().position(|&i| i == at));
            view.cursor = keep.unwrap_or(view.cursor.min(view.rows.len().saturating_sub(1)));
            clamp_offset(view, page);
            view.cursor_user = view.rows.get(view.cursor).map(|&i| data.users[i].id);
        }
    }

    /// Drops everything computed from the previous data (orders, filter results). Whatever
    /// replaces or changes `data` calls this.
    pub fn data_changed(&mut self) {
        self.sorted.clear();
        self.forget_filter_results();
    }

    /// Forgets the filters' remembered results (the next keystroke searches as if it were the
    /// first); the benchmarks use it to time a search that nothing remembered.
    pub fn forget_filter_results(&mut self) {
        for view in &mut self.views {
            view.recent.clear();
        }
        self.stale_views = true;
    }

    /// Moves the cursor of the current tab to `row`, scrolling as needed.
    pub fn move_to(&mut self, row: usize) {
        let page = self.page_height();
        let users = self.data.as_ref().map(|d| &d.users);
        let view = &mut self.views[self.tab.index()];
        if view.rows.is_empty() {
            view.cursor = 0;
            view.offset = 0;
            view.cursor_user = None;
            return;
        }
        view.cursor = row.min(view.rows.len() - 1);
        clamp_offset(view, page);
        view.cursor_user = users.map(|u| u[view.rows[view.cursor]].id);
    }

    pub fn notice(&mut self, text: impl Into<String>) {
        self.say(Notice {
            text: text.into(),
            error: false,
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.say(Notice {
            text: text.into(),
            error: true,
        });
    }

    /// Puts `notice` in the footer, for the dialogs open now.
    pub fn say(&mut self, notice: Notice) {
        self.notice = Some(notice);
        self.notice_depth = self.overlays.len();
    }

    /// The footer's notice, unless a dialog opened after it.
    pub fn shown_notice(&self) -> Option<&Notice> {
        self.notice
            .as_ref()
            .filter(|_| self.overlays.len() <= self.notice_depth)
    }
}

fn clamp_offset(view: &mut TabView, page: usize) {
    if view.cursor < view.offset {
        view.offset = view.cursor;
    } else if view.cursor >= view.offset + page {
        view.offset = view.cursor + 1 - page;
    }
    let max_offset = view.rows.len().saturating_sub(page);
    view.offset = view.offset.min(max_offset);
}

/// A tab's users in one column's order: one pass over the load's global orders, or (for the
/// invite columns) a sort of the few pending invites.
fn tab_order(data: &Data, tab: Tab, key: SortKey) -> Vec<usize> {
    let users = &data.users;
    let pick = |global: &[u32]| -> Vec<usize> {
        global
            .iter()
            .map(|&i| i as usize)
            .filter(|&i| data.tab_of[i] == tab)
            .collect()
    };
    // The sorts below read each key once (`sort_by_cached_key`, stable like `sort_by_key`),
    // not once per comparison.
    match key {
        SortKey::Name => pick(&data.by_name),
        SortKey::Email => pick(&data.by_email),
        SortKey::Teams => pick(&data.by_teams),
        SortKey::Roles => {
            // Stable: equal roles stay in email order.
            let mut rows = pick(&data.by_email);
            rows.sort_by_cached_key(|&i| users[i].roles.highest());
            rows
        }
        SortKey::Sent => {
            let mut rows = pick(&data.by_email);
            rows.sort_by_key(|&i| {
                std::cmp::Reverse(data.invites.get(&users[i].id).map(|inv| inv.sent_at))
            });
            rows
        }
        SortKey::Expires => {
            let mut rows = pick(&data.by_email);
            rows.sort_by_key(|&i| data.invites.get(&users[i].id).map(|inv| inv.expires_at));
            rows
        }
        // Most recent first, those without the date last; equal dates stay in email order.
        SortKey::LastSignIn => newest_first(pick(&data.by_email), |i| users[i].last_login_at),
        SortKey::Created => newest_first(pick(&data.by_email), |i| Some(users[i].created_at)),
        SortKey::Deactivated => newest_first(pick(&data.by_email), |i| users[i].deactivated_at),
    }
}

fn newest_first(mut rows: Vec<usize>, at: impl Fn(usize) -> Option<OffsetDateTime>) -> Vec<usize> {
    // `None` < `Some`, so reversing puts the missing dates last.
    rows.sort_by_cached_key(|&i| std::cmp::Reverse(at(i)));
    rows
}

/// Applies what changed since the last load; nothing to redo when nothing changed.
pub fn apply_changes(app: &mut App, changes: Changes) {
    app.load_error = None;
    let Some(data) = app.data.as_mut() else {
        return;
    };
    if changes.is_empty() {
        data.seq = changes.seq;
        return;
    }
    data.apply_changes(changes);
    let ids: HashSet<UserId> = data.users.iter().map(|u| u.id).collect();
    app.marks.retain(|id| ids.contains(id));
    app.data_changed();
    app.refresh_views();
}

/// Shows the first screenful of each tab until the full load answers.
pub fn apply_first_page(app: &mut App, page: super::effects::FirstPage) {
    app.data = Some(Data::first_page(page));
    app.data_changed();
    app.refresh_views();
}

/// Replaces the data after a load, keeping marks that still name a user.
pub fn apply_snapshot(app: &mut App, snapshot: Snapshot) {
    if app.data.as_ref().is_some_and(|d| !d.is_complete()) {
        // The first page was in no particular order: start at the top of the real one, unless
        // the admin already moved to someone, who then stays under the cursor.
        for view in app.views.iter_mut().filter(|v| v.cursor == 0) {
            view.offset = 0;
            view.cursor_user = None;
        }
    }
    let data = Data::from_snapshot(snapshot);
    let ids: HashSet<UserId> = data.users.iter().map(|u| u.id).collect();
    app.marks.retain(|id| ids.contains(id));
    app.data = Some(data);
    app.data_changed();
    app.load_error = None;
    app.stale_views = true;
    app.refresh_views();
}
