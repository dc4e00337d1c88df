//! How the console reacts to keys, pastes and clicks: the table's and the global keys become
//! state changes and requests; every other key and paste goes to the component on top of the
//! stack, and what a component asks for (`Action`) is carried out here. No drawing and no I/O,
//! so all of it is tested without a terminal.

use super::App;
use crate::domain::UserId;
use crate::service::BulkChange;
use crate::tui::components::{
    Action, Component, Confirm, ConfirmAction, Ctx, Detail, EditForm, EventState, Help, InviteForm,
    LogView, Queue, RolesPicker, TeamPicker, TeamsView,
};
use crate::tui::effects::Effect;
use crate::tui::keys::{Command, changes};
use crate::tui::layers::LayerId;
use crate::tui::model::{Tab, Undo};
use crate::tui::mouse::Hit;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// Said when a change is refused because the console was started with `--read-only`.
pub const READ_ONLY: &str = "read-only (--read-only): changes are off";
/// Said when a change is refused because the acting user can no longer manage users.
pub const NO_RIGHTS: &str = "read-only: you can no longer manage users, so changes are off";

impl App {
    /// Queues a request that is the console's own (its answer comes back to the console).
    pub(super) fn effect(&mut self, effect: Effect) {
        self.send(effect, None);
    }

    /// Queues a request whose answer goes to the component `layer`.
    pub(super) fn request(&mut self, layer: LayerId, effect: Effect) {
        self.send(effect, Some(layer));
    }

    fn send(&mut self, effect: Effect, layer: Option<LayerId>) {
        // A new job's footer is about that job: the last one's result must not read as its own.
        if matches!(
            effect,
            Effect::Bulk { .. } | Effect::Undo(_) | Effect::Resend(_) | Effect::Cancel(_)
        ) {
            self.notice = None;
        }
        self.requests.send(effect, layer);
    }

    /// Opens a component on top; returns its id.
    pub fn open(&mut self, component: impl Component) -> LayerId {
        self.layers.push(Box::new(component))
    }

    /// Hands a key, a paste or a reply to the layer `id`, then carries out what it asked for.
    pub(super) fn with_layer<R>(
        &mut self,
        id: LayerId,
        f: impl FnOnce(&mut dyn Component, &Ctx, &mut Queue) -> R,
    ) -> Option<R> {
        let read_only = self.read_only();
        let App {
            layers,
            data,
            context,
            now,
            keymap,
            ..
        } = self;
        let component = layers.component_mut(id)?;
        let cx = Ctx {
            data: data.as_ref(),
            now: *now,
            public_url: &context.public_url,
            connected: context.server.is_some(),
            read_only,
            keymap,
        };
        let mut out = Vec::new();
        let r = f(component, &cx, &mut out);
        self.run(id, out);
        Some(r)
    }

    /// Carries out what the component `layer` asked for, in order.
    fn run(&mut self, layer: LayerId, actions: Queue) {
        for action in actions {
            match action {
                Action::Close => self.layers.close(layer),
                Action::Open(component) => {
                    self.layers.push(component);
                }
                Action::Request(effect) => self.request(layer, effect),
                Action::Ask(action) => self.ask(action),
                Action::Confirmed(action) => self.confirmed(action),
                Action::Notice(text) => self.notice(text),
                Action::Error(text) => self.error(text),
                Action::Copy(text, what) => self.send_to_clipboard(text, &what),
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

    pub fn on_resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
        self.views.invalidate();
        self.fresh();
    }

    /// The wheel (a capturing mouse mode): the cursor moves as with the arrows.
    pub fn on_scroll(&mut self, down: bool) {
        let code = if down { KeyCode::Down } else { KeyCode::Up };
        self.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    }

    /// A click on a tab or a row of the table, as drawing found it; nothing under a dialog.
    pub fn on_click(&mut self, hit: Option<Hit>) {
        if !self.layers.is_empty() || self.too_small() {
            return;
        }
        match hit {
            Some(Hit::Tab(tab)) => self.tab = tab,
            Some(Hit::Row(row)) => self.move_to(row),
            None => {}
        }
    }

    pub fn on_tick(&mut self) {
        if self.in_flight() > 0 {
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
        if !self.filter_focus {
            self.fresh();
        }
        if let Some(top) = self.layers.top_id() {
            // The top component has every key: nothing reaches the table under a dialog. Of
            // what it leaves, only `?` means something: help, over the dialog.
            let state = self.with_layer(top, |c, cx, out| c.on_key(&key, cx, out));
            if state == Some(EventState::NotConsumed) && key.code == KeyCode::Char('?') {
                self.open(Help::default());
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
        if let Some(top) = self.layers.top_id() {
            self.with_layer(top, |c, _, _| c.on_paste(text));
        } else if self.filter_focus {
            if crate::tui::widgets::paste_into(&mut self.filter, text) {
                self.filter_changed();
            }
        } else {
            self.notice("pasting goes into the filter (/) or a form, not the table")
        }
    }

    fn filter_changed(&mut self) {
        self.views.filter_changed();
    }

    pub(super) fn request_quit(&mut self) {
        if self.form_has_input() {
            if !self
                .layers
                .top::<Confirm>()
                .is_some_and(|c| c.action == ConfirmAction::Quit)
            {
                self.open(Confirm::new(
                    ConfirmAction::Quit,
                    "Quit and lose what you typed?",
                    vec!["A form holds input that was not saved.".into()],
                ));
            }
        } else {
            self.quit = true;
        }
    }

    pub(super) fn filter_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Enter => self.filter_focus = false,
            KeyCode::Esc => {
                self.filter = Input::default();
                self.filter_focus = false;
                self.views.invalidate();
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

    pub(super) fn switch_tab(&mut self, tab: Tab) {
        self.tab = tab;
    }

    pub(super) fn command(&mut self, command: Command) {
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
            Command::CycleSort => self.views.cycle_sort(self.tab),
            Command::ReverseSort => self.views.reverse_sort(self.tab),
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
                    self.views.invalidate();
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
                self.remember(Undo::ClearedMarks(cleared));
            }
            Command::Detail => {
                if let Some(id) = self.current_user().map(|u| u.id) {
                    let layer = self.open(Detail::new(id));
                    self.request(layer, Effect::Detail(id));
                }
            }
            Command::Invite => {
                let teams = self
                    .data
                    .as_ref()
                    .map(|d| d.teams.clone())
                    .unwrap_or_default();
                self.open(InviteForm::new(&teams));
            }
            Command::Edit => {
                if let (Some(user), Some(data)) = (self.current_user(), &self.data) {
                    let form = EditForm::new(user, &data.teams);
                    self.open(form);
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
                // As the admin sees them: one changed meanwhile is left as is, and says so.
                let seen = targets.iter().map(|u| (u.id, u.version)).collect();
                self.effect(Effect::Bulk {
                    change: BulkChange::SetBeta { beta },
                    ids,
                    seen,
                });
            }
            Command::Teams => {
                self.open(TeamsView::default());
            }
            Command::ChangeRoles => {
                let targets = self.targets();
                if targets.is_empty() {
                    return self.error("no user selected");
                }
                let picker = RolesPicker::new(&targets);
                self.open(picker);
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
                self.open(picker);
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
                    None if self.read_only() => self.error(
                        "link unknown here (only its hash is kept); read-only: no new one from here",
                    ),
                    None => self.error(format!(
                        "link unknown here (only its hash is kept): {} sends a new one",
                        self.keymap.label(Command::Resend)
                    )),
                },
                None => self.error("no invite selected"),
            },
            Command::Undo => self.undo_newest(),
            Command::ActivityLog => {
                let layer = self.open(LogView::loading());
                self.request(layer, Effect::Audit { before: None });
            }
            Command::Reload => self.reload(),
            Command::Help => {
                self.open(Help::default());
            }
            Command::Quit => self.request_quit(),
        }
    }
}
