//! The console's state and its reactions, behind a small API: keys, pastes, clicks, ticks and
//! the service's answers go in (`on_*`); effects to run and text for the clipboard come out
//! (`take_*`); drawing reads it through the getters. What is derived (each tab's rows) is
//! recomputed by the type that owns it (`model::Views`), never by callers.
//!
//! `commands` carries out the table's commands, `confirmations` is the one path to a yes,
//! `replies` handles the answers that are the console's own, `requests` addresses every
//! request to whoever asked, `clipboard` says what a copy did.

mod clipboard;
mod commands;
mod confirmations;
mod replies;
mod requests;
mod undo;

pub use commands::{NO_RIGHTS, READ_ONLY};
pub use replies::summary;

use crate::domain::{User, UserId};
use crate::service::{Changes, Snapshot};
use crate::tui::clipboard::Route;
use crate::tui::components::{Ctx, SignInForm};
use crate::tui::effects::{Effect, RequestId};
use crate::tui::keys::Keymap;
use crate::tui::layers::LayerStack;
use crate::tui::model::{Connection, Context, Data, FirstPage, Notice, Tab, TabView, Undo, Views};
use requests::Requests;
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;
use tui_input::Input;

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

pub struct App {
    context: Context,
    data: Option<Data>,
    load_error: Option<String>,
    tab: Tab,
    views: Views,
    filter: Input,
    filter_focus: bool,
    marks: HashSet<UserId>,
    layers: LayerStack,
    notice: Option<Notice>,
    /// How many dialogs were open when the notice was given: a dialog opened since hides it
    /// (it is about what came before), closing that dialog shows it again.
    notice_depth: usize,
    spinner: usize,
    /// Invite links issued in this session, by user.
    links: HashMap<UserId, String>,
    /// The admin's own steps, oldest first (`u` takes the last).
    undo: Vec<Undo>,
    /// The terminal's size, for paging and the too-small check.
    size: (u16, u16),
    quit: bool,
    now: OffsetDateTime,
    /// Bumped per reload request; older answers are dropped.
    load_generation: u64,
    /// Text to put on the clipboard (OSC 52) at the next draw.
    clipboard: Option<String>,
    /// How the clipboard sequence reaches the terminal (through tmux or not), for saying so.
    clipboard_route: Route,
    /// What the last text sent to the clipboard was, for saying so again when tmux answers.
    clipboard_what: String,
    /// The key bindings in force (the defaults, or the user's keys.toml over them).
    keymap: Keymap,
    /// Requests sent and not yet answered, and the ones still to send.
    requests: Requests,
    connection: Connection,
    /// A chunked bulk change under way: (done, total).
    progress: Option<(usize, usize)>,
    /// When data was last asked for, for automatic refresh and reconnecting.
    last_load: OffsetDateTime,
    /// The acting user can no longer manage users (their roles changed): the last data stays
    /// on screen, read-only. Holds what the core said.
    lost_rights: Option<String>,
    /// A change's result, said once the reload after it is in, so that its numbers and the
    /// tabs' counts agree when they appear.
    after_reload: Option<Notice>,
}

impl App {
    pub fn new(context: Context) -> Self {
        App {
            data: None,
            load_error: None,
            tab: Tab::Active,
            views: Views::new(),
            filter: Input::default(),
            filter_focus: false,
            marks: HashSet::new(),
            layers: LayerStack::default(),
            notice: None,
            notice_depth: 0,
            spinner: 0,
            links: HashMap::new(),
            undo: Vec::new(),
            size: (MIN_WIDTH, MIN_HEIGHT),
            quit: false,
            now: OffsetDateTime::now_utc(),
            load_generation: 0,
            clipboard: None,
            clipboard_route: Route::default(),
            clipboard_what: String::new(),
            keymap: Keymap::default(),
            requests: Requests::default(),
            connection: if context.server.is_some() {
                Connection::Online
            } else {
                Connection::Local
            },
            last_load: OffsetDateTime::now_utc(),
            progress: None,
            lost_rights: None,
            after_reload: None,
            context,
        }
    }

    /// With the keys in force (keys.toml).
    pub fn with_keymap(mut self, keymap: Keymap) -> Self {
        self.keymap = keymap;
        self
    }

    /// The keys in force from now on.
    pub fn set_keymap(&mut self, keymap: Keymap) {
        self.keymap = keymap;
    }

    // ---- what drawing and tests read ---------------------------------------------------

    pub fn context(&self) -> &Context {
        &self.context
    }

    pub fn data(&self) -> Option<&Data> {
        self.data.as_ref()
    }

    pub fn load_error(&self) -> Option<&str> {
        self.load_error.as_deref()
    }

    pub fn tab(&self) -> Tab {
        self.tab
    }

    pub fn filter(&self) -> &Input {
        &self.filter
    }

    pub fn filter_focused(&self) -> bool {
        self.filter_focus
    }

    pub fn marks(&self) -> &HashSet<UserId> {
        &self.marks
    }

    pub fn layers(&self) -> &LayerStack {
        &self.layers
    }

    /// The last notice given, shown or not.
    pub fn last_notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// Requests sent and not answered yet.
    pub fn in_flight(&self) -> usize {
        self.requests.in_flight()
    }

    pub fn spinner(&self) -> usize {
        self.spinner
    }

    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    pub fn quit_requested(&self) -> bool {
        self.quit
    }

    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    pub fn progress(&self) -> Option<(usize, usize)> {
        self.progress
    }

    pub fn last_load(&self) -> OffsetDateTime {
        self.last_load
    }

    /// Why changes are off because of the acting user's roles, if they are.
    pub fn lost_rights(&self) -> Option<&str> {
        self.lost_rights.as_deref()
    }

    pub fn clipboard_route(&self) -> &Route {
        &self.clipboard_route
    }

    /// The invite link issued in this session for a user, if any.
    pub fn link_of(&self, id: UserId) -> Option<&str> {
        self.links.get(&id).map(String::as_str)
    }

    /// The text waiting to go to the clipboard at the next draw, without taking it.
    pub fn pending_clipboard(&self) -> Option<&str> {
        self.clipboard.as_deref()
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// The current tab's view.
    pub fn view(&self) -> &TabView {
        self.views.tab(self.tab)
    }

    pub fn view_of(&self, tab: Tab) -> &TabView {
        self.views.tab(tab)
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

    /// How many of `ids` are on the current tab but not shown: the filter hides them.
    pub fn hidden_by_filter(&self, ids: &[UserId]) -> usize {
        let Some(data) = &self.data else { return 0 };
        let shown: HashSet<UserId> = self.view().rows.iter().map(|&i| data.users[i].id).collect();
        ids.iter()
            .filter(|id| {
                data.user(**id)
                    .is_some_and(|u| Tab::of(u.status) == self.tab && !shown.contains(&u.id))
            })
            .count()
    }

    /// How many of `ids` are listed on each other tab than the current one (in tab order).
    pub fn on_other_tabs(&self, ids: &[UserId]) -> Vec<(Tab, usize)> {
        let Some(data) = &self.data else {
            return vec![];
        };
        Tab::ALL
            .into_iter()
            .filter(|&t| t != self.tab)
            .map(|t| {
                let n = ids
                    .iter()
                    .filter(|id| data.user(**id).is_some_and(|u| Tab::of(u.status) == t))
                    .count();
                (t, n)
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    pub fn signing_in(&self) -> bool {
        self.layers.any::<SignInForm>()
    }

    pub fn form_has_input(&self) -> bool {
        self.layers.iter().any(|c| c.has_input())
    }

    /// Changes are hidden and refused: `--read-only`, or the acting user can no longer
    /// manage users.
    pub fn read_only(&self) -> bool {
        self.context.read_only || self.lost_rights.is_some()
    }

    /// What components may read of the console.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            data: self.data.as_ref(),
            now: self.now,
            public_url: &self.context.public_url,
            connected: self.context.server.is_some(),
            read_only: self.read_only(),
            keymap: &self.keymap,
        }
    }

    /// The footer's notice, unless a dialog opened after it.
    pub fn shown_notice(&self) -> Option<&Notice> {
        self.notice
            .as_ref()
            .filter(|_| self.layers.len() <= self.notice_depth)
    }

    // ---- what the event loop takes --------------------------------------------------------

    /// The requests to send now, each with the id its answer must carry.
    pub fn take_effects(&mut self) -> Vec<(RequestId, Effect)> {
        self.requests.take_queued()
    }

    /// Text for the clipboard, once.
    pub fn take_clipboard(&mut self) -> Option<String> {
        self.clipboard.take()
    }

    /// What the last text sent to the clipboard was, in words.
    pub fn clipboard_what(&self) -> &str {
        &self.clipboard_what
    }

    /// Makes everything derived fresh before a frame is drawn (the filter typed since the
    /// last frame is searched once, however many keys arrived).
    pub fn prepare_frame(&mut self) {
        self.views.refresh_if_stale(
            self.data.as_ref(),
            self.filter.value(),
            self.now,
            self.page_height(),
        );
    }

    /// Forgets the filters' remembered results (the next keystroke searches as if it were the
    /// first); the benchmarks use it to time a search that nothing remembered.
    pub fn forget_filter_results(&mut self) {
        self.views.forget_filter_results();
    }

    /// The clock, for tests and benchmarks that fix it; views that read time are recomputed.
    pub fn set_now(&mut self, now: OffsetDateTime) {
        self.now = now;
        self.views.invalidate();
        self.prepare_frame();
    }

    /// How the clipboard reaches the terminal, as the event loop found out from tmux.
    pub fn set_clipboard_route(&mut self, route: Route) {
        self.clipboard_route = route;
    }

    /// The top component, if it is a `T`, to set its state (tests only: the console itself
    /// changes components through their keys and replies).
    #[doc(hidden)]
    pub fn top_mut<T: crate::tui::components::Component>(&mut self) -> Option<&mut T> {
        self.layers.top_mut::<T>()
    }

    /// When data was last asked for (tests move it to make a refresh due).
    pub fn set_last_load(&mut self, at: OffsetDateTime) {
        self.last_load = at;
    }

    /// Shows another tab.
    pub fn select_tab(&mut self, tab: Tab) {
        self.tab = tab;
    }

    /// Marks these users, as Space on each would.
    pub fn mark_users(&mut self, ids: impl IntoIterator<Item = UserId>) {
        self.marks.extend(ids);
    }

    /// Forgets the loaded data: the next load starts with a first page, as at start.
    pub fn forget_data(&mut self) {
        self.data = None;
        self.views.data_changed();
    }

    /// Where a connected console signs in (tests set a server without running one).
    pub fn context_mut(&mut self) -> &mut Context {
        &mut self.context
    }

    // ---- changing the state (for the modules of `app`) -------------------------------------

    fn fresh(&mut self) {
        self.prepare_frame();
    }

    /// Moves the cursor of the current tab to `row`, scrolling as needed.
    pub fn move_to(&mut self, row: usize) {
        let page = self.page_height();
        self.fresh();
        self.views.move_to(self.tab, row, self.data.as_ref(), page);
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
    fn say(&mut self, notice: Notice) {
        self.notice = Some(notice);
        self.notice_depth = self.layers.len();
    }

    /// Says `notice` when the reload just asked for has come in (meanwhile, that it is coming).
    fn say_after_reload(&mut self, notice: Notice) {
        self.after_reload = Some(notice);
        self.notice("done; updating the tabs…");
    }

    /// Forgets the footer's notice.
    pub fn clear_notice(&mut self) {
        self.notice = None;
    }

    /// Applies what changed since the last load; nothing to redo when nothing changed.
    pub fn apply_changes(&mut self, changes: Changes) {
        self.load_error = None;
        let Some(data) = self.data.as_mut() else {
            return;
        };
        if changes.is_empty() {
            data.seq = changes.seq;
            return;
        }
        data.apply_changes(changes);
        let ids: HashSet<UserId> = data.users.iter().map(|u| u.id).collect();
        self.marks.retain(|id| ids.contains(id));
        self.views.data_changed();
        self.fresh();
    }

    /// Shows the first screenful of each tab until the full load answers.
    pub fn apply_first_page(&mut self, page: FirstPage) {
        self.data = Some(Data::first_page(page));
        self.views.data_changed();
        self.fresh();
    }

    /// Replaces the data after a load, keeping marks that still name a user.
    pub fn apply_snapshot(&mut self, snapshot: Snapshot) {
        if self.data.as_ref().is_some_and(|d| !d.is_complete()) {
            self.views.leave_first_page();
        }
        let data = Data::from_snapshot(snapshot);
        let ids: HashSet<UserId> = data.users.iter().map(|u| u.id).collect();
        self.marks.retain(|id| ids.contains(id));
        self.data = Some(data);
        self.views.data_changed();
        self.load_error = None;
        self.fresh();
    }
}
