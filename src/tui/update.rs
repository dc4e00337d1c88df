//! How the console reacts: the table's and the global keys become state changes and effects;
//! every other key and paste goes to the component on top of the stack, and what a component
//! asks for (`Action`) is carried out here. Confirmations are built in `confirmations`, the
//! service's answers handled in `replies`. No drawing and no I/O here, so all of it is tested
//! without a terminal.

use super::components::{Action, ConfirmAction, Ctx, EventState, Queue, ReplyKind};
use super::effects::Effect;
use super::forms::{EditForm, InviteForm};
use super::keymap::Command;
use super::state::*;
use crate::domain::UserId;
use crate::service::BulkChange;
use crate::text::safe;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// Said when a change is refused because the console was started with `--read-only`.
pub const READ_ONLY: &str = "read-only (--read-only): changes are off";
/// Said when a change is refused because the acting user can no longer manage users.
pub const NO_RIGHTS: &str = "read-only: you can no longer manage users, so changes are off";

/// Whether a table command changes the workspace (hidden and refused when read-only).
pub fn changes(command: Command) -> bool {
    matches!(
        command,
        Command::Invite
            | Command::Edit
            | Command::Deactivate
            | Command::Reactivate
            | Command::ToggleBeta
            | Command::ChangeRoles
            | Command::ChangeTeam
            | Command::Delete
            | Command::Resend
            | Command::CancelInvite
    )
}

impl App {
    pub(crate) fn effect(&mut self, effect: Effect) {
        // A new job's footer is about that job: the last one's result must not read as its own.
        if matches!(
            effect,
            Effect::Bulk { .. } | Effect::Resend(_) | Effect::Cancel(_)
        ) {
            self.notice = None;
        }
        self.in_flight += 1;
        self.effects.push(effect);
    }

    /// Runs an effect whose answer goes to the component `layer`.
    pub(crate) fn request(&mut self, layer: u64, effect: Effect) {
        let kind = ReplyKind::of_effect(&effect);
        if kind != ReplyKind::Other {
            self.awaiting.push((kind, layer));
        }
        self.effect(effect);
    }

    /// Keeps one id per layer of the stack, whoever pushed or popped it.
    pub(crate) fn sync_layers(&mut self) {
        self.layer_ids.truncate(self.overlays.len());
        while self.layer_ids.len() < self.overlays.len() {
            self.next_layer += 1;
            self.layer_ids.push(self.next_layer);
        }
    }

    /// Opens a component on top; returns its id.
    pub fn open(&mut self, overlay: Overlay) -> u64 {
        self.sync_layers();
        self.overlays.push(overlay);
        self.sync_layers();
        self.next_layer
    }

    pub(crate) fn layer_position(&self, id: u64) -> Option<usize> {
        self.layer_ids.iter().position(|&l| l == id)
    }

    pub(crate) fn close_layer(&mut self, id: u64) {
        if let Some(pos) = self.layer_position(id) {
            self.overlays.remove(pos);
            self.layer_ids.remove(pos);
        }
    }

    /// The top-most layer that matches, with its id.
    pub(crate) fn find_layer(&mut self, matches: impl Fn(&Overlay) -> bool) -> Option<u64> {
        self.sync_layers();
        let pos = self.overlays.iter().rposition(matches)?;
        Some(self.layer_ids[pos])
    }

    /// Hands a key, a paste or a reply to the layer `id`, then carries out what it asked for.
    pub(crate) fn with_layer<R>(
        &mut self,
        id: u64,
        f: impl FnOnce(&mut dyn super::components::Component, &Ctx, &mut Queue) -> R,
    ) -> Option<R> {
        self.sync_layers();
        let pos = self.layer_position(id)?;
        let read_only = self.read_only();
        let App {
            overlays,
            data,
            context,
            now,
            keymap,
            ..
        } = self;
        let cx = Ctx {
            data: data.as_ref(),
            now: *now,
            public_url: &context.public_url,
            connected: context.server.is_some(),
            read_only,
            keymap,
        };
        let mut out = Vec::new();
        let r = f(overlays[pos].component_mut(), &cx, &mut out);
        self.run(id, out);
        Some(r)
    }

    pub(crate) fn top_layer(&mut self) -> Option<u64> {
        self.sync_layers();
        self.layer_ids.last().copied()
    }

    /// Carries out what the component `layer` asked for, in order.
    pub(crate) fn run(&mut self, layer: u64, actions: Queue) {
        for action in actions {
            match action {
                Action::Close => self.close_layer(layer),
                Action::Open(overlay) => {
                    self.open(*overlay);
                }
                Action::Request(effect) => self.request(layer, effect),
                Action::Ask(action) => self.ask(action),
                Action::Confirmed(action) => self.confirmed(action),
                Action::Notice(text) => self.notice(text),
                Action::Error(text) => self.error(text),
                Action::Copy(text, what) => self.copy(text, &what),
                Action::Link(id, link) => {
                    self.links.insert(id, link);
                }
                Action::Reload => self.reload(),
            }
        }
    }

    /// Why a change is refused while read-only.
    pub fn read_only_reason(&self) -> &'static str {
        if self.context.read_only {
            READ_ONLY
        } else {
            NO_RIGHTS
        }
    }

    /// Sends text to the terminal's clipboard (the clipboard code says what it did).
    pub(crate) fn copy(&mut self, text: String, what: &str) {
        self.send_to_clipboard(text, what);
    }

    /// Asks for a fresh snapshot; answers to older requests will be ignored.
    pub fn reload(&mut self) {
        self.last_load = self.now;
        self.load_generation += 1;
        let generation = self.load_generation;
        if self.data.is_none() {
            // A first screen at once, whatever the size of the workspace; everything else is
            // asked for when it has answered (alone, it answers sooner on a busy machine).
            let rows = self.page_height();
            self.effect(Effect::FirstPage { generation, rows });
            return;
        }
        let since = self
            .data
            .as_ref()
            .filter(|d| d.is_complete())
            .map(|d| d.seq);
        self.effect(Effect::Load { generation, since });
    }

    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    pub fn on_resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        self.refresh_views();
    }

    pub fn on_tick(&mut self) {
        if self.in_flight > 0 {
            self.spinner = self.spinner.wrapping_add(1);
        }
        self.now = time::OffsetDateTime::now_utc();
        self.scheduled_reload();
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if self.too_small() {
            // Nothing acts on a screen the admin can't see, except leaving.
            if ctrl_c || key.code == KeyCode::Char('q') {
                self.request_quit();
            }
            return;
        }
        if ctrl_c {
            self.request_quit();
            return;
        }
        if self.stale_views && !self.filter_focus {
            self.refresh_views();
        }
        if let Some(top) = self.top_layer() {
            // The top component has every key: nothing reaches the table under a dialog. Of
            // what it leaves, only `?` means something: help, over the dialog.
            let state = self.with_layer(top, |c, cx, out| c.on_key(&key, cx, out));
            if state == Some(EventState::NotConsumed) && key.code == KeyCode::Char('?') {
                self.open(Overlay::Help(Help::default()));
            }
        } else if self.filter_focus {
            self.filter_key(key);
        } else if let Some(command) = self.keymap.lookup(&key, self.tab) {
            if self.read_only() && changes(command) {
                return self.error(self.read_only_reason());
            }
            self.command(command);
        }
    }

    /// Pasted text (bracketed paste) goes, as one line, into whatever field has focus: a form's
    /// field, the filter, a name to type. It is never read as keys, so a pasted line break
    /// neither moves to another field nor confirms anything.
    pub fn on_paste(&mut self, text: &str) {
        if self.too_small() {
            return;
        }
        if let Some(top) = self.top_layer() {
            self.with_layer(top, |c, _, _| c.on_paste(text));
        } else if self.filter_focus {
            if super::forms::paste_into(&mut self.filter, text) {
                self.filter_changed();
            }
        } else {
            self.notice("pasting goes into the filter (/) or a form, not the table")
        }
    }

    pub(crate) fn filter_changed(&mut self) {
        self.stale_views = true;
        for view in &mut self.views {
            view.cursor = 0;
            view.offset = 0;
            view.cursor_user = None;
        }
    }

    pub(crate) fn request_quit(&mut self) {
        if self.form_has_input() {
            if !matches!(self.overlays.last(), Some(Overlay::Confirm(c)) if c.action == ConfirmAction::Quit)
            {
                self.open(Overlay::Confirm(Confirm::new(
                    ConfirmAction::Quit,
                    "Quit and lose what you typed?",
                    vec!["A form holds input that was not saved.".into()],
                )));
            }
        } else {
            self.quit = true;
        }
    }

    pub(crate) fn filter_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Enter => self.filter_focus = false,
            KeyCode::Esc => {
                self.filter = Input::default();
                self.filter_focus = false;
                self.stale_views = true;
            }
            _ => {
                if self
                    .filter
                    .handle_event(&crossterm::event::Event::Key(key))
                    .is_some_and(|c| c.value)
                {
                    self.filter_changed();
                }
            }
        }
    }

    pub(crate) fn switch_tab(&mut self, tab: Tab) {
        self.tab = tab;
    }

    pub(crate) fn command(&mut self, command: Command) {
        let cursor = self.view().cursor;
        let page = self.page_height();
        match command {
            Command::NextTab => self.switch_tab(Tab::ALL[(self.tab.index() + 1) % 3]),
            Command::PrevTab => self.switch_tab(Tab::ALL[(self.tab.index() + 2) % 3]),
            Command::TabActive => self.switch_tab(Tab::Active),
            Command::TabInactive => self.switch_tab(Tab::Inactive),
            Command::TabPending => self.switch_tab(Tab::Pending),
            Command::Up => self.move_to(cursor.saturating_sub(1)),
            Command::Down => self.move_to(cursor + 1),
            Command::PageUp => self.move_to(cursor.saturating_sub(page)),
            Command::PageDown => self.move_to(cursor + page),
            Command::First => self.move_to(0),
            Command::Last => self.move_to(usize::MAX),
            Command::Filter => self.filter_focus = true,
            Command::CycleSort => {
                let view = self.view_mut();
                view.sort += 1;
                view.reversed = false;
                self.stale_views = true;
            }
            Command::ReverseSort => {
                let view = self.view_mut();
                view.reversed = !view.reversed;
                self.stale_views = true;
            }
            Command::Mark => {
                if let Some(id) = self.current_user().map(|u| u.id) {
                    if !self.marks.remove(&id) {
                        self.marks.insert(id);
                    }
                    self.move_to(cursor + 1);
                }
            }
            Command::MarkAll => {
                if let Some(data) = &self.data {
                    let ids: Vec<UserId> =
                        self.view().rows.iter().map(|&i| data.users[i].id).collect();
                    self.marks.extend(ids);
                }
            }
            Command::Back => {
                // One level back: the filter goes; marks never do (they have their own key).
                if !self.filter.value().is_empty() {
                    self.filter = Input::default();
                    self.stale_views = true;
                } else if !self.marks.is_empty() {
                    self.notice(format!(
                        "{} marked: {} clears the marks ({} puts them back)",
                        self.marks.len(),
                        self.keymap.label(Command::ClearMarks),
                        self.keymap.label(Command::Undo)
                    ));
                }
            }
            Command::ClearMarks => {
                if self.marks.is_empty() {
                    return self.notice("no marks to clear");
                }
                let cleared: Vec<UserId> = self.marks.drain().collect();
                self.notice(format!(
                    "cleared {} mark{}: {} puts them back",
                    cleared.len(),
                    if cleared.len() == 1 { "" } else { "s" },
                    self.keymap.label(Command::Undo)
                ));
                self.undo = Some(Undo::ClearedMarks(cleared));
            }
            Command::Detail => {
                if let Some(id) = self.current_user().map(|u| u.id) {
                    let layer = self.open(Overlay::Detail(Detail::new(id)));
                    self.request(layer, Effect::Detail(id));
                }
            }
            Command::Invite => {
                let teams = self
                    .data
                    .as_ref()
                    .map(|d| d.teams.clone())
                    .unwrap_or_default();
                self.open(Overlay::Invite(InviteForm::new(&teams)));
            }
            Command::Edit => {
                if let (Some(user), Some(data)) = (self.current_user(), &self.data) {
                    let form = EditForm::new(user, &data.teams);
                    self.open(Overlay::Edit(form));
                }
            }
            Command::Deactivate => self.ask_bulk(BulkChange::Deactivate),
            Command::Reactivate => self.ask_bulk(BulkChange::Reactivate),
            Command::ToggleBeta => {
                let targets = self.targets();
                if targets.is_empty() {
                    return self.error("no user selected");
                }
                let beta = !targets.iter().all(|u| u.beta);
                let ids = targets.iter().map(|u| u.id).collect();
                self.effect(Effect::Bulk {
                    change: BulkChange::SetBeta { beta },
                    ids,
                });
            }
            Command::Teams => {
                self.open(Overlay::Teams(TeamsView::default()));
            }
            Command::ChangeRoles => {
                let targets = self.targets();
                if targets.is_empty() {
                    return self.error("no user selected");
                }
                let picker = RolesPicker::new(&targets);
                self.open(Overlay::Roles(picker));
            }
            Command::ChangeTeam => {
                let targets = self.targets();
                if targets.is_empty() {
                    return self.error("no user selected");
                }
                let teams = self
                    .data
                    .as_ref()
                    .map(|d| d.teams.as_slice())
                    .unwrap_or_default();
                if teams.is_empty() {
                    return self.error(format!(
                        "this workspace has no teams yet: create one from the invite form ({})",
                        self.keymap.label(Command::Invite)
                    ));
                }
                let picker = TeamPicker::new(&targets, teams);
                self.open(Overlay::Team(picker));
            }
            Command::Delete => {
                if let Some(user) = self.current_user() {
                    let (id, email) = (user.id, user.email.to_string());
                    self.ask(ConfirmAction::DeleteUser { id, email });
                }
            }
            Command::Resend => {
                let ids: Vec<UserId> = self.targets().iter().map(|u| u.id).collect();
                self.ask(ConfirmAction::Resend { ids });
            }
            Command::CancelInvite => {
                let ids: Vec<UserId> = self.targets().iter().map(|u| u.id).collect();
                self.ask(ConfirmAction::Cancel { ids });
            }
            Command::CopyLink => match self.current_user().map(|u| (u.id, u.email.to_string())) {
                Some((id, email)) => match self.links.get(&id).cloned() {
                    Some(link) => {
                        self.send_to_clipboard(link, &format!("the invite link of {email}"))
                    }
                    // Short enough for 80 columns: the way out must not be cut off.
                    None => self.error(format!(
                        "link unknown here (only its hash is kept): {} sends a new one",
                        self.keymap.label(Command::Resend)
                    )),
                },
                None => self.error("no invite selected"),
            },
            Command::Undo => match self.undo.clone() {
                Some(Undo::Change { change, ids }) => self.ask(ConfirmAction::Undo { change, ids }),
                Some(Undo::ClearedMarks(ids)) => {
                    self.undo = None;
                    let n = ids.len();
                    self.marks.extend(ids);
                    self.notice(format!(
                        "put back {n} mark{}",
                        if n == 1 { "" } else { "s" }
                    ));
                }
                None => self.notice("nothing to undo"),
            },
            Command::ActivityLog => {
                let layer = self.open(Overlay::Log(LogView::loading()));
                self.request(layer, Effect::Audit { before: None });
            }
            Command::Reload => self.reload(),
            Command::Help => {
                self.open(Overlay::Help(Help::default()));
            }
            Command::Quit => self.request_quit(),
        }
    }
}

/// The words for a bulk change: (question, past tense).
pub fn bulk_verb(change: &BulkChange) -> (&'static str, &'static str) {
    match change {
        BulkChange::Deactivate => ("Deactivate", "deactivated"),
        BulkChange::Reactivate => ("Reactivate", "reactivated"),
        BulkChange::SetRoles { .. } => ("Change the roles of", "changed"),
        BulkChange::AddTeam { .. } => ("Add to the team", "added"),
        BulkChange::RemoveTeam { .. } => ("Remove from the team", "removed"),
        BulkChange::SetBeta { beta: true } => ("Turn on beta access for", "beta on"),
        BulkChange::SetBeta { beta: false } => ("Turn off beta access for", "beta off"),
    }
}

/// A user named so that two Daniels can be told apart: `Daniel (daniel.kim@demo.example)`.
pub fn person(user: &crate::domain::User) -> String {
    format!(
        "{} ({})",
        safe(user.display_name.as_str()),
        safe(user.email.as_str())
    )
}

/// As `person`, shorter, for lists and the footer: `Daniel (daniel.kim@…)`.
pub fn person_short(user: &crate::domain::User) -> String {
    let email = user.email.as_str();
    let local = email.split_once('@').map_or(email, |(local, _)| local);
    format!("{} ({}@…)", safe(user.display_name.as_str()), safe(local))
}

/// The one-line answer to "why can't this user get in?", naming the keys in force.
pub fn access_line(
    access: &crate::domain::rules::Access,
    now: time::OffsetDateTime,
    who: impl Fn(UserId) -> Option<String>,
    keymap: &super::keymap::Keymap,
) -> String {
    let resend = format!(
        "press {} on Pending Invites to resend",
        keymap.label(Command::Resend)
    );
    let reactivate = format!(
        "press {} on the Inactive tab to reactivate",
        keymap.label(Command::Reactivate)
    );
    let hints = crate::present::access::AccessHints {
        resend: &resend,
        reactivate: &reactivate,
    };
    crate::present::access::access_line_hinted(access, now, who, &hints)
}
