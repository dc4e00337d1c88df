//! How the console reacts: keys become state changes and effects; effects' answers become
//! state changes. No drawing and no I/O here, so all of it is tested without a terminal.

use super::confirm::Reply;
use super::effects::{Effect, Loaded, Msg, Secret};
use super::forms::SignInForm;
use super::forms::{EditForm, FormOutcome, InviteForm};
use super::keymap::Command;
use super::state::*;
use crate::domain::{Error, UserId};
use crate::service::{BulkChange, Outcome};
use crate::text::safe;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// How many names a confirmation lists before "… and N more".
const NAMES_SHOWN: usize = 3;

impl App {
    fn effect(&mut self, effect: Effect) {
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
        if !self.overlays.is_empty() {
            self.overlay_key(key);
        } else if self.filter_focus {
            self.filter_key(key);
        } else if let Some(command) = self.keymap.lookup(&key, self.tab) {
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
        match self.overlays.last_mut() {
            Some(Overlay::Invite(form)) if !form.busy => form.paste(text),
            Some(Overlay::Edit(form)) if !form.busy => form.paste(text),
            Some(Overlay::SignIn(form)) if !form.busy => form.paste(text),
            Some(Overlay::Confirm(c)) => c.on_paste(text),
            Some(Overlay::Teams(TeamsView {
                editing: Some(TeamEdit::New(input) | TeamEdit::Rename(_, input)),
                busy: false,
                ..
            })) => {
                super::forms::paste_into(input, text);
            }
            Some(Overlay::Log(log)) if log.filter_focus => {
                if super::forms::paste_into(&mut log.filter, text) {
                    log.scroll = 0;
                }
            }
            Some(_) => {}
            None if self.filter_focus => {
                if super::forms::paste_into(&mut self.filter, text) {
                    self.filter_changed();
                }
            }
            None => self.notice("pasting goes into the filter (/) or a form, not the table"),
        }
    }

    fn filter_changed(&mut self) {
        self.stale_views = true;
        for view in &mut self.views {
            view.cursor = 0;
            view.offset = 0;
            view.cursor_user = None;
        }
    }

    fn request_quit(&mut self) {
        if self.form_has_input() {
            if !matches!(self.overlays.last(), Some(Overlay::Confirm(c)) if c.pending == Pending::Quit)
            {
                self.overlays.push(Overlay::Confirm(Confirm::new(
                    Pending::Quit,
                    "Quit and lose what you typed?",
                    vec!["A form holds input that was not saved.".into()],
                )));
            }
        } else {
            self.quit = true;
        }
    }

    fn filter_key(&mut self, key: KeyEvent) {
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

    fn switch_tab(&mut self, tab: Tab) {
        self.tab = tab;
    }

    fn command(&mut self, command: Command) {
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
                        "{} marked: c clears the marks (u puts them back)",
                        self.marks.len()
                    ));
                }
            }
            Command::ClearMarks => {
                if self.marks.is_empty() {
                    return self.notice("no marks to clear");
                }
                let cleared: Vec<UserId> = self.marks.drain().collect();
                self.notice(format!(
                    "cleared {} mark{}: u puts them back",
                    cleared.len(),
                    if cleared.len() == 1 { "" } else { "s" }
                ));
                self.undo = Some(Undo::ClearedMarks(cleared));
            }
            Command::Detail => {
                if let Some(id) = self.current_user().map(|u| u.id) {
                    self.overlays.push(Overlay::Detail {
                        id,
                        detail: None,
                        error: None,
                        scroll: 0,
                    });
                    self.effect(Effect::Detail(id));
                }
            }
            Command::Invite => {
                let teams = self
                    .data
                    .as_ref()
                    .map(|d| d.teams.clone())
                    .unwrap_or_default();
                self.overlays.push(Overlay::Invite(InviteForm::new(&teams)));
            }
            Command::Edit => {
                if let (Some(user), Some(data)) = (self.current_user(), &self.data) {
                    let form = EditForm::new(user, &data.teams);
                    self.overlays.push(Overlay::Edit(form));
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
            Command::Teams => self.overlays.push(Overlay::Teams(TeamsView::default())),
            Command::ChangeRoles => {
                let targets = self.targets();
                let Some(first) = targets.first() else {
                    return self.error("no user selected");
                };
                let list = super::forms::role_list(&first.roles.iter().collect::<Vec<_>>());
                let ids = targets.iter().map(|u| u.id).collect();
                self.overlays.push(Overlay::Roles { list, ids });
            }
            Command::ChangeTeam => {
                let ids: Vec<UserId> = self.targets().iter().map(|u| u.id).collect();
                if ids.is_empty() {
                    return self.error("no user selected");
                }
                let teams = self
                    .data
                    .as_ref()
                    .map(|d| d.teams.clone())
                    .unwrap_or_default();
                if teams.is_empty() {
                    return self.error(
                        "this workspace has no teams yet: create one from the invite form (i)",
                    );
                }
                let list = super::forms::team_list(&teams, &Default::default());
                self.overlays.push(Overlay::Team { list, ids });
            }
            Command::Delete => {
                if let Some(user) = self.current_user().cloned() {
                    self.ask_delete_user(&user);
                }
            }
            Command::Resend => {
                let ids: Vec<UserId> = self.targets().iter().map(|u| u.id).collect();
                self.ask(Pending::Resend { ids });
            }
            Command::CancelInvite => {
                let ids: Vec<UserId> = self.targets().iter().map(|u| u.id).collect();
                self.ask(Pending::Cancel { ids });
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
                Some(Undo::Change { change, ids }) => self.ask(Pending::Undo { change, ids }),
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
                self.overlays.push(Overlay::Log(LogView {
                    loading: true,
                    ..Default::default()
                }));
                self.effect(Effect::Audit { before: None });
            }
            Command::Reload => self.reload(),
            Command::Help => self.overlays.push(Overlay::Help { scroll: 0 }),
            Command::Quit => self.request_quit(),
        }
    }

    fn ask_bulk(&mut self, change: BulkChange) {
        let ids: Vec<UserId> = self.targets().iter().map(|u| u.id).collect();
        self.ask(Pending::Bulk { change, ids });
    }

    /// Opens the confirmation for a change, naming what it will do and, for bulk changes,
    /// asking the core for a dry run that predicts each refusal.
    fn ask(&mut self, pending: Pending) {
        let (verb, ids) = match &pending {
            Pending::Bulk { change, ids } | Pending::Undo { change, ids } => {
                (bulk_verb(change).0, ids.clone())
            }
            Pending::Resend { ids } => ("Resend the invite of", ids.clone()),
            Pending::Cancel { ids } => ("Cancel the invite of", ids.clone()),
            Pending::TransferOwnership { to } => ("Make the Owner:", vec![*to]),
            Pending::DiscardForm
            | Pending::Quit
            | Pending::DeleteUser { .. }
            | Pending::DeleteTeam { .. } => return,
        };
        if ids.is_empty() {
            return self.error("no user selected: move to a row or mark some with Space");
        }
        let names = self.names(&ids);
        let noun = if ids.len() == 1 { "user" } else { "users" };
        let who = if ids.len() == 1 {
            names.first().cloned().unwrap_or_default()
        } else {
            format!("{} {noun}", ids.len())
        };
        let team_name = |team: &crate::domain::TeamId| {
            self.data
                .as_ref()
                .and_then(|d| d.team_names.get(team))
                .map(|n| safe(n))
                .unwrap_or_default()
        };
        let title = match &pending {
            Pending::Bulk {
                change: BulkChange::SetRoles { roles },
                ..
            } => {
                let roles: Vec<&str> = roles.iter().map(|r| r.label()).collect();
                format!(
                    "Set the roles of {who} to {}?",
                    if roles.is_empty() {
                        "(none)".into()
                    } else {
                        roles.join(", ")
                    }
                )
            }
            Pending::Bulk {
                change: BulkChange::AddTeam { team },
                ..
            } => format!("Add {who} to the team {}?", team_name(team)),
            Pending::Bulk {
                change: BulkChange::RemoveTeam { team },
                ..
            } => format!("Remove {who} from the team {}?", team_name(team)),
            Pending::TransferOwnership { .. } => format!("Make {who} the Owner?"),
            Pending::Undo { .. } => format!("Undo: {} {who}?", verb.to_lowercase()),
            _ => format!("{verb} {who}?"),
        };
        let mut lines = Vec::new();
        if ids.len() > 1 {
            lines.push(listed(&names, ids.len()));
        }
        let hidden = self.hidden_by_filter(&ids);
        if hidden > 0 {
            lines.push(format!("{hidden} of them hidden by the filter"));
        }
        match &pending {
            Pending::Resend { .. } => {
                lines.push("Each gets a new link; earlier links stop working.".into())
            }
            Pending::Cancel { .. } => {
                lines.push("Each invited user is removed; their links stop working.".into())
            }
            Pending::TransferOwnership { .. } => {
                lines.push("They become an Owner and you stop being one, in one step.".into());
                lines.push("You keep your other roles, or become an Admin.".into());
            }
            _ => {}
        }
        if let Pending::Bulk { change, ids } | Pending::Undo { change, ids } = &pending {
            self.effect(Effect::Preview {
                change: change.clone(),
                ids: ids.clone(),
            });
        }
        self.overlays
            .push(Overlay::Confirm(Confirm::new(pending, title, lines)));
    }

    /// Users as dialogs name them: `Daniel (daniel.kim@demo.example)`, never a bare display
    /// name that five people share.
    fn names(&self, ids: &[UserId]) -> Vec<String> {
        let Some(data) = &self.data else {
            return vec![];
        };
        let users: Vec<_> = ids.iter().filter_map(|id| data.user(*id)).collect();
        let name = if users.len() == 1 {
            person
        } else {
            person_short
        };
        users.into_iter().map(name).collect()
    }

    /// The one confirmation, for a user's deletion: it cannot be undone, so the email is typed.
    fn ask_delete_user(&mut self, user: &crate::domain::User) {
        let lines = vec![
            "Deletion is permanent: the account, its invite, its sessions and its whole".into(),
            "history (audit events) are erased. Deactivating keeps the history and can".into(),
            "be undone — prefer it unless the account was created in error or must be".into(),
            "removed for compliance.".into(),
        ];
        let pending = Pending::DeleteUser {
            id: user.id,
            email: user.email.to_string(),
        };
        let title = format!("Delete {} for good?", person(user));
        let confirm =
            Confirm::new(pending, title, lines).typed(user.email.as_str(), "the user's email");
        self.overlays.push(Overlay::Confirm(confirm));
    }

    /// The one confirmation, for a team's deletion: what it takes away is listed, and a team
    /// with members asks for its name typed.
    fn ask_delete_team(&mut self, team: &crate::domain::Team) {
        let name = team.name.as_str().to_string();
        let mut lines = Vec::new();
        let confirm = if team.member_count == 0 {
            lines.push("It has no members.".into());
            Confirm::new(
                Pending::DeleteTeam {
                    id: team.id,
                    name: name.clone(),
                },
                format!("Delete the team {}?", safe(&name)),
                lines,
            )
        } else {
            let members: Vec<UserId> = self
                .data
                .as_ref()
                .map(|d| {
                    d.users
                        .iter()
                        .filter(|u| u.teams.contains(&team.id))
                        .map(|u| u.id)
                        .collect()
                })
                .unwrap_or_default();
            let n = team.member_count;
            lines.push(format!(
                "Its {n} member{} lose the team; nothing else about them changes.",
                if n == 1 { "" } else { "s" }
            ));
            lines.push(listed(&self.names(&members), members.len()));
            Confirm::new(
                Pending::DeleteTeam {
                    id: team.id,
                    name: name.clone(),
                },
                format!(
                    "Delete the team {} and its {n} membership{}?",
                    safe(&name),
                    if n == 1 { "" } else { "s" }
                ),
                lines,
            )
            .typed(name, "the team's name")
        };
        self.overlays.push(Overlay::Confirm(confirm));
    }

    fn overlay_key(&mut self, key: KeyEvent) {
        let Some(top) = self.overlays.last_mut() else {
            return;
        };
        match top {
            Overlay::Detail { id, .. } if key.code == KeyCode::Char('O') => {
                let to = *id;
                let offered = self
                    .data
                    .as_ref()
                    .is_some_and(|d| d.user(to).is_some_and(|u| d.offers_ownership_to(u)));
                if offered {
                    self.ask(Pending::TransferOwnership { to });
                }
            }
            Overlay::Help { scroll } | Overlay::Detail { scroll, .. } => match key.code {
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('?') => {
                    self.overlays.pop();
                }
                KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
                KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                KeyCode::PageDown => *scroll += 10,
                KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                KeyCode::Home | KeyCode::Char('g') => *scroll = 0,
                // Drawing stops the scroll at the last line.
                KeyCode::End | KeyCode::Char('G') => *scroll = usize::from(u16::MAX),
                _ => {}
            },
            Overlay::Log(log) if log.filter_focus => match key.code {
                KeyCode::Enter => log.filter_focus = false,
                KeyCode::Esc => {
                    log.filter = Input::default();
                    log.filter_focus = false;
                    log.scroll = 0;
                }
                _ => {
                    if log
                        .filter
                        .handle_event(&crossterm::event::Event::Key(key))
                        .is_some_and(|c| c.value)
                    {
                        log.scroll = 0;
                    }
                }
            },
            Overlay::Log(log) => match key.code {
                KeyCode::Esc if !log.filter.value().is_empty() => {
                    log.filter = Input::default();
                    log.scroll = 0;
                }
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('L') => {
                    self.overlays.pop();
                }
                KeyCode::Char('/') => log.filter_focus = true,
                KeyCode::Down | KeyCode::Char('j') | KeyCode::PageDown => {
                    let step = if key.code == KeyCode::PageDown { 10 } else { 1 };
                    let shown = log.shown().len();
                    log.scroll = (log.scroll + step).min(shown.saturating_sub(1));
                    if log.scroll + 20 >= shown
                        && !log.loading
                        && let Some(before) = log.next.as_ref().and_then(|n| n.parse().ok())
                    {
                        log.loading = true;
                        self.effect(Effect::Audit {
                            before: Some(before),
                        });
                    }
                }
                KeyCode::Up | KeyCode::Char('k') => log.scroll = log.scroll.saturating_sub(1),
                KeyCode::PageUp => log.scroll = log.scroll.saturating_sub(10),
                KeyCode::Home | KeyCode::Char('g') => log.scroll = 0,
                KeyCode::End | KeyCode::Char('G') => {
                    log.scroll = log.shown().len().saturating_sub(1)
                }
                _ => {}
            },
            Overlay::Link { link, email } => match key.code {
                KeyCode::Char('y') => {
                    let (link, what) = (link.clone(), format!("the invite link of {email}"));
                    self.overlays.pop();
                    self.send_to_clipboard(link, &what);
                }
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => {
                    self.overlays.pop();
                }
                _ => {}
            },
            Overlay::Confirm(c) => match c.on_key(&key) {
                Reply::Stay => {}
                Reply::Yes => self.confirmed(),
                Reply::No => {
                    self.overlays.pop();
                }
            },
            Overlay::Teams(view) => {
                let teams: Vec<(crate::domain::TeamId, String, u64)> = self
                    .data
                    .as_ref()
                    .map(|d| {
                        d.teams
                            .iter()
                            .map(|t| (t.id, t.name.as_str().to_string(), t.member_count))
                            .collect()
                    })
                    .unwrap_or_default();
                if view.busy {
                    return;
                }
                match &mut view.editing {
                    Some(TeamEdit::New(input)) | Some(TeamEdit::Rename(_, input)) => match key.code
                    {
                        KeyCode::Esc => view.editing = None,
                        KeyCode::Enter => {
                            let name = input.value().to_string();
                            let effect = match &view.editing {
                                Some(TeamEdit::Rename(id, _)) => {
                                    Effect::RenameTeam { id: *id, name }
                                }
                                _ => Effect::CreateTeam(name),
                            };
                            view.busy = true;
                            view.error = None;
                            self.effect(effect);
                        }
                        _ => {
                            input.handle_event(&crossterm::event::Event::Key(key));
                        }
                    },
                    None => match key.code {
                        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('T') => {
                            self.overlays.pop();
                        }
                        KeyCode::Down | KeyCode::Char('j') => {
                            view.cursor = (view.cursor + 1).min(teams.len().saturating_sub(1));
                        }
                        KeyCode::Up | KeyCode::Char('k') => {
                            view.cursor = view.cursor.saturating_sub(1)
                        }
                        KeyCode::Char('n') => {
                            view.error = None;
                            view.editing = Some(TeamEdit::New(Input::default()));
                        }
                        KeyCode::Char('r') | KeyCode::Char('D') => {
                            let Some((id, name, _)) = teams.get(view.cursor).cloned() else {
                                view.error = Some("no team yet: press n to create one".into());
                                return;
                            };
                            view.error = None;
                            if key.code == KeyCode::Char('r') {
                                view.editing = Some(TeamEdit::Rename(id, Input::new(name)));
                            } else if let Some(team) = self
                                .data
                                .as_ref()
                                .and_then(|d| d.teams.iter().find(|t| t.id == id).cloned())
                            {
                                self.ask_delete_team(&team);
                            }
                        }
                        _ => {}
                    },
                }
            }
            Overlay::Roles { list, ids } => match key.code {
                KeyCode::Esc => {
                    self.overlays.pop();
                }
                KeyCode::Enter => {
                    let roles = list.checked();
                    let ids = ids.clone();
                    self.overlays.pop();
                    self.ask(Pending::Bulk {
                        change: BulkChange::SetRoles { roles },
                        ids,
                    });
                }
                _ => {
                    list.handle(&key);
                }
            },
            Overlay::Team { list, ids } => match key.code {
                KeyCode::Esc => {
                    self.overlays.pop();
                }
                KeyCode::Enter | KeyCode::Char('x') => {
                    let Some(&(team, _, _)) = list.items.get(list.cursor) else {
                        return;
                    };
                    let ids = ids.clone();
                    let change = if key.code == KeyCode::Enter {
                        BulkChange::AddTeam { team }
                    } else {
                        BulkChange::RemoveTeam { team }
                    };
                    self.overlays.pop();
                    self.ask(Pending::Bulk { change, ids });
                }
                KeyCode::Up | KeyCode::Down | KeyCode::Char('k') | KeyCode::Char('j') => {
                    let down = matches!(key.code, KeyCode::Down | KeyCode::Char('j'));
                    let n = list.items.len();
                    list.cursor = if down {
                        (list.cursor + 1).min(n.saturating_sub(1))
                    } else {
                        list.cursor.saturating_sub(1)
                    };
                }
                _ => {}
            },
            Overlay::SignIn(form) => {
                if form.busy {
                    return;
                }
                if form.handle(&key) == FormOutcome::Submit {
                    form.busy = true;
                    form.message = Some("signing in…".into());
                    form.error = false;
                    let effect = Effect::SignIn {
                        workspace: form.workspace.value().trim().to_string(),
                        email: form.email.value().trim().to_string(),
                        password: Secret(form.password.value().to_string()),
                    };
                    self.effect(effect);
                }
            }
            Overlay::Invite(form) => {
                if form.busy {
                    return;
                }
                match form.handle(&key) {
                    FormOutcome::Stay | FormOutcome::Reload => {}
                    FormOutcome::Close => self.close_form(),
                    FormOutcome::Submit => {
                        form.busy = true;
                        let request = form.request();
                        self.effect(Effect::Invite(request));
                    }
                    FormOutcome::CreateTeam(name) => {
                        form.busy = true;
                        self.effect(Effect::CreateTeam(name));
                    }
                }
            }
            Overlay::Edit(form) => {
                if form.busy {
                    return;
                }
                match form.handle(&key) {
                    FormOutcome::Stay | FormOutcome::CreateTeam(_) => {}
                    FormOutcome::Close => self.close_form(),
                    FormOutcome::Reload => {
                        form.busy = true;
                        let id = form.user.id;
                        self.effect(Effect::RefreshForm(id));
                    }
                    FormOutcome::Submit => {
                        if !form.has_changes() {
                            self.overlays.pop();
                            self.notice("nothing changed");
                            return;
                        }
                        form.busy = true;
                        let (id, version, patch) = (form.user.id, form.user.version, form.patch());
                        self.effect(Effect::Update { id, version, patch });
                    }
                }
            }
        }
    }

    /// Esc on a form: close it, asking first if it holds input.
    fn close_form(&mut self) {
        let has_input = match self.overlays.last() {
            Some(Overlay::Invite(f)) => f.has_input(),
            Some(Overlay::Edit(f)) => f.has_changes(),
            _ => false,
        };
        if has_input {
            self.overlays.push(Overlay::Confirm(Confirm::new(
                Pending::DiscardForm,
                "Discard what you typed?",
                vec!["The form will close and its input is lost.".into()],
            )));
        } else {
            self.overlays.pop();
        }
    }

    fn confirmed(&mut self) {
        let Some(Overlay::Confirm(c)) = self.overlays.pop() else {
            return;
        };
        match c.pending {
            Pending::Bulk { change, ids } => self.effect(Effect::Bulk { change, ids }),
            Pending::Undo { change, ids } => {
                // Spent: `u` after it says there is nothing to undo, not "undo the undo".
                self.undo = None;
                self.undoing = Some(change.clone());
                self.effect(Effect::Bulk { change, ids });
            }
            Pending::DeleteUser { id, email } => self.effect(Effect::Delete { id, email }),
            Pending::DeleteTeam { id, name } => {
                if let Some(Overlay::Teams(view)) = self.overlays.last_mut() {
                    view.busy = true;
                }
                self.effect(Effect::DeleteTeam { id, name });
            }
            Pending::Resend { ids } => self.effect(Effect::Resend(ids)),
            Pending::Cancel { ids } => self.effect(Effect::Cancel(ids)),
            Pending::TransferOwnership { to } => self.effect(Effect::TransferOwnership(to)),
            Pending::DiscardForm => {
                self.overlays.pop();
            }
            Pending::Quit => self.quit = true,
        }
    }

    pub fn on_msg(&mut self, msg: Msg) {
        if let Msg::BulkProgress { done, total } = msg {
            self.progress = Some((done, total));
            return;
        }
        self.in_flight = self.in_flight.saturating_sub(1);
        if matches!(msg, Msg::BulkDone { .. }) {
            self.progress = None;
        }
        self.connection_news(&msg);
        match msg {
            Msg::SignedIn(result) => {
                let Some(pos) = self
                    .overlays
                    .iter()
                    .rposition(|o| matches!(o, Overlay::SignIn(_)))
                else {
                    return;
                };
                match result {
                    Ok(connected) => {
                        // Back to exactly where the admin was: forms and dialogs underneath stay.
                        self.overlays.remove(pos);
                        if let Some(server) = &mut self.context.server {
                            server.workspace = connected.workspace.slug.clone();
                            server.email = connected.user.email.to_string();
                        }
                        self.notice(format!(
                            "signed in as {}",
                            safe(connected.user.email.as_str())
                        ));
                        self.reload();
                    }
                    Err(e) => {
                        if let Overlay::SignIn(form) = &mut self.overlays[pos] {
                            form.busy = false;
                            form.password = Input::default();
                            form.message = Some(e.to_string());
                            form.error = true;
                        }
                    }
                }
            }
            Msg::FirstPage { generation, result } => {
                if generation != self.load_generation {
                    return; // a newer reload is on its way
                }
                if let Ok(page) = result
                    && self.data.is_none()
                {
                    apply_first_page(self, page);
                }
                // Then everything, whether or not the first page came.
                self.effect(Effect::Load {
                    generation,
                    since: None,
                });
            }
            Msg::Loaded { generation, result } => {
                if generation != self.load_generation {
                    return; // a newer reload is on its way
                }
                match result {
                    Ok(Loaded::Everything(snapshot)) => apply_snapshot(self, snapshot),
                    Ok(Loaded::Changes(changes)) => apply_changes(self, changes),
                    Err(Error::Unauthenticated | Error::Unreachable { .. })
                        if self.context.server.is_some() =>
                    {
                        // Shown by the sign-in screen or the header; the last data stays.
                    }
                    Err(e) => {
                        self.load_error = Some(e.to_string());
                        self.error(format!("could not load: {e}"));
                    }
                }
            }
            Msg::Detail(id, result) => {
                if let Some(Overlay::Detail {
                    id: open,
                    detail,
                    error,
                    ..
                }) = self.overlays.last_mut()
                    && *open == id
                {
                    match result {
                        Ok(d) => *detail = Some(d),
                        Err(e) => *error = Some(e.to_string()),
                    }
                }
            }
            Msg::OwnershipTransferred(result) => match result {
                Ok(t) => {
                    self.notice(format!(
                        "{} is now the Owner; you are now {}",
                        safe(t.owner.email.as_str()),
                        t.previous_owner.roles
                    ));
                    if matches!(self.overlays.last(), Some(Overlay::Detail { .. })) {
                        self.overlays.pop();
                    }
                    self.reload();
                }
                Err(e) => self.error(e.to_string()),
            },
            Msg::Preview(result) => {
                if let Some(Overlay::Confirm(c)) = self.overlays.last_mut() {
                    match result {
                        Ok(outcomes) => c.preview = Some(outcomes),
                        Err(e) => c.preview_error = Some(e.to_string()),
                    }
                }
            }
            Msg::BulkProgress { .. } => {}
            Msg::BulkDone { change, result } => match result {
                Ok(outcomes) => {
                    let undone = self.undoing.take().is_some_and(|u| u == change);
                    self.notice = Some(summary(&change, &outcomes, |id| self.person(id)));
                    for o in outcomes.iter().filter(|o| o.is_done()) {
                        self.marks.remove(&o.id);
                    }
                    let done: Vec<UserId> = outcomes
                        .iter()
                        .filter(|o| o.is_changed())
                        .map(|o| o.id)
                        .collect();
                    let inverse = match change {
                        BulkChange::Deactivate => Some(BulkChange::Reactivate),
                        BulkChange::Reactivate => Some(BulkChange::Deactivate),
                        _ => None,
                    };
                    if let Some(change) = inverse
                        && !done.is_empty()
                        && !undone
                    {
                        self.undo = Some(Undo::Change { change, ids: done });
                    }
                    self.reload();
                }
                Err(e) => {
                    self.undoing = None;
                    self.error(e.to_string())
                }
            },
            Msg::Invited(result) => match result {
                Ok(issued) => {
                    if matches!(self.overlays.last(), Some(Overlay::Invite(_))) {
                        self.overlays.pop();
                    }
                    let link = self.link(&issued.token);
                    let email = issued.user.email.to_string();
                    self.links.insert(issued.user.id, link.clone());
                    self.notice(format!("invited {}", safe(&email)));
                    self.overlays.push(Overlay::Link { email, link });
                    self.reload();
                }
                Err(e) => self.form_error(&e),
            },
            Msg::TeamCreated(result) if matches!(self.overlays.last(), Some(Overlay::Teams(_))) => {
                self.team_answer(
                    result.map(|t| format!("created the team {}", safe(t.name.as_str()))),
                );
            }
            Msg::TeamRenamed(result) => {
                self.team_answer(
                    result.map(|t| format!("renamed the team to {}", safe(t.name.as_str()))),
                );
            }
            Msg::TeamDeleted { name, result } => {
                self.team_answer(result.map(|()| {
                    format!(
                        "deleted the team {} and removed it from its members",
                        safe(&name)
                    )
                }));
            }
            Msg::TeamCreated(result) => {
                if let Some(Overlay::Invite(form)) = self.overlays.last_mut() {
                    form.busy = false;
                    match &result {
                        Ok(team) => form.add_team(team),
                        Err(e) => form.show_error(e),
                    }
                }
                if let (Ok(team), Some(data)) = (result, self.data.as_mut()) {
                    data.team_names
                        .insert(team.id, team.name.as_str().to_string());
                    data.teams.push(team);
                }
            }
            Msg::Updated(result) => match result {
                Ok(user) => {
                    if matches!(self.overlays.last(), Some(Overlay::Edit(_))) {
                        self.overlays.pop();
                    }
                    self.notice(format!("saved {}", safe(user.email.as_str())));
                    self.reload();
                }
                Err(e) => self.form_error(&e),
            },
            Msg::FormRefreshed(result) => {
                let teams = self
                    .data
                    .as_ref()
                    .map(|d| d.teams.clone())
                    .unwrap_or_default();
                if let Some(Overlay::Edit(form)) = self.overlays.last_mut() {
                    form.busy = false;
                    match result {
                        Ok(detail) => {
                            form.rebase(&detail.user, &teams);
                            form.error = Some("loaded the current version; your changes are kept on top: save again".into());
                        }
                        Err(e) => form.show_error(&e),
                    }
                }
            }
            Msg::Deleted { email, result } => match result {
                Ok(()) => {
                    self.notice(format!("deleted {} and their history", safe(&email)));
                    self.reload();
                }
                Err(e) => self.error(format!("{} was not deleted: {e}", safe(&email))),
            },
            Msg::Resent(results) => {
                let mut done = 0;
                let mut refused = Vec::new();
                let mut last = None;
                for (id, r) in results {
                    match r {
                        Ok(issued) => {
                            done += 1;
                            let link = self.link(&issued.token);
                            self.links.insert(id, link.clone());
                            self.marks.remove(&id);
                            last = Some((issued.user.email.to_string(), link));
                        }
                        Err(e) => refused.push((self.person(id), e)),
                    }
                }
                self.notice = Some(counted(done, "resent", &refused));
                if let (1, Some((email, link))) = (done, last) {
                    self.overlays.push(Overlay::Link { email, link });
                }
                self.reload();
            }
            Msg::Cancelled(results) => {
                let mut done = 0;
                let mut refused = Vec::new();
                for (id, r) in results {
                    match r {
                        Ok(()) => {
                            done += 1;
                            self.marks.remove(&id);
                            self.links.remove(&id);
                        }
                        Err(e) => refused.push((self.person(id), e)),
                    }
                }
                self.notice = Some(counted(done, "cancelled", &refused));
                self.reload();
            }
            Msg::Audit { first, result } => {
                if let Some(Overlay::Log(log)) = self.overlays.last_mut() {
                    log.loading = false;
                    match result {
                        Ok(page) => {
                            if first {
                                log.events.clear();
                            }
                            log.events.extend(page.items);
                            log.next = page.next;
                        }
                        Err(e) => log.error = Some(e.to_string()),
                    }
                }
            }
        }
        if self.stale_views {
            self.refresh_views();
        }
    }

    /// Connected mode: a lost session brings up the sign-in screen over whatever is open; a
    /// server that does not answer turns the console "disconnected" until a reload works.
    fn connection_news(&mut self, msg: &Msg) {
        let Some(server) = self.context.server.clone() else {
            return;
        };
        match msg.error() {
            Some(Error::Unauthenticated) => {
                if !self.signing_in() {
                    let why = "your session has ended (expired or signed out elsewhere); sign in again — everything you had open stays as it was";
                    self.overlays.push(Overlay::SignIn(SignInForm::new(
                        &server.url,
                        &server.workspace,
                        &server.email,
                        Some(why.into()),
                    )));
                }
            }
            // A change whose answer was lost is re-read, never re-sent.
            Some(Error::OutcomeUnknown { .. }) => self.reload(),
            Some(Error::Unreachable { detail, .. }) => {
                if !matches!(self.connection, Connection::Disconnected { .. }) {
                    self.connection = Connection::Disconnected {
                        since: self.now,
                        detail: detail.clone(),
                    };
                }
            }
            _ => {
                if matches!(msg, Msg::Loaded { result: Ok(_), .. })
                    && self.connection != Connection::Online
                {
                    if matches!(self.connection, Connection::Disconnected { .. }) {
                        self.notice("reconnected");
                    }
                    self.connection = Connection::Online;
                }
            }
        }
    }

    /// Connected mode, once a second: retry a lost server, or refresh on schedule.
    fn scheduled_reload(&mut self) {
        if self.context.server.is_none() || self.signing_in() {
            return;
        }
        let since = self.now - self.last_load;
        let due = match self.connection {
            Connection::Disconnected { .. } => since >= time::Duration::seconds(2),
            _ => self
                .context
                .refresh_every
                .is_some_and(|every| since >= every),
        };
        let loading = self
            .effects
            .iter()
            .any(|e| matches!(e, Effect::Load { .. }));
        if due && !loading {
            self.reload();
        }
    }

    /// The teams screen's answer: done (close the edit, reload) or refused (keep the typing).
    fn team_answer(&mut self, result: Result<String, Error>) {
        let Some(Overlay::Teams(view)) = self.overlays.last_mut() else {
            if let Err(e) = result {
                self.error(e.to_string());
            }
            return;
        };
        view.busy = false;
        match result {
            Ok(done) => {
                view.editing = None;
                view.error = None;
                self.notice(done);
                self.reload();
            }
            Err(e) => view.error = Some(e.to_string()),
        }
    }

    /// Shows an error in the open form (keeping everything typed), or in the footer.
    fn form_error(&mut self, e: &Error) {
        match self.overlays.last_mut() {
            Some(Overlay::Invite(form)) => {
                form.busy = false;
                form.show_error(e);
            }
            Some(Overlay::Edit(form)) => {
                form.busy = false;
                form.show_error(e);
            }
            _ => self.error(e.to_string()),
        }
    }

    /// A user as outcomes name them, when still known here.
    fn person(&self, id: UserId) -> Option<String> {
        self.data.as_ref()?.user(id).map(person_short)
    }

    fn link(&self, token: &crate::domain::Token) -> String {
        format!(
            "{}/accept?token={}",
            self.context.public_url.trim_end_matches('/'),
            token.encode()
        )
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

/// The first few names, then how many more: "A (a@x), B (b@x), C (c@x), … and 17 more".
fn listed(names: &[String], total: usize) -> String {
    let mut list = names
        .iter()
        .take(NAMES_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if total > NAMES_SHOWN {
        list.push_str(&format!(", … and {} more", total - NAMES_SHOWN));
    }
    list
}

/// "11 deactivated; 1 refused: Ann (ann@acme.io): ann@acme.io is the last Owner".
pub fn summary(
    change: &BulkChange,
    outcomes: &[Outcome],
    person: impl Fn(UserId) -> Option<String>,
) -> Notice {
    let changed = outcomes.iter().filter(|o| o.is_changed()).count();
    let already = outcomes
        .iter()
        .filter(|o| o.is_done() && !o.is_changed())
        .count();
    let refused: Vec<(Option<String>, Error)> = outcomes
        .iter()
        .filter_map(|o| o.refusal().map(|e| (person(o.id), e.clone())))
        .collect();
    let mut notice = counted(changed, bulk_verb(change).1, &refused);
    if already > 0 {
        let at = notice.text.find(';').unwrap_or(notice.text.len());
        notice
            .text
            .insert_str(at, &format!("; {already} already so"));
    }
    notice
}

/// "2 resent; 1 refused: Daniel (daniel.kim@…): why": a refusal always says whom.
fn counted(done: usize, verb: &str, refused: &[(Option<String>, Error)]) -> Notice {
    let mut text = format!("{done} {verb}");
    if let Some((who, first)) = refused.first() {
        let who = who.as_ref().map(|w| format!("{w}: ")).unwrap_or_default();
        text.push_str(&format!(
            "; {} refused: {who}{}",
            refused.len(),
            safe(&first.to_string())
        ));
        if refused.len() > 1 {
            text.push_str(&format!(
                " (and {} more: Enter on a row shows why)",
                refused.len() - 1
            ));
        }
    }
    Notice {
        text,
        error: !refused.is_empty(),
    }
}

/// The console's hints.
pub const CONSOLE_HINTS: crate::present::access::AccessHints =
    crate::present::access::AccessHints {
        resend: "press R on Pending Invites to resend",
        reactivate: "press r on the Inactive tab to reactivate",
    };

/// The one-line answer to "why can't this user get in?".
pub fn access_line(
    access: &crate::domain::rules::Access,
    now: time::OffsetDateTime,
    who: impl Fn(UserId) -> Option<String>,
) -> String {
    crate::present::access::access_line_hinted(access, now, who, &CONSOLE_HINTS)
}
