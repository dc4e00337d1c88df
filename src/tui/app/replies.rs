//! The answers of the service: each goes to whoever asked, by its request's id (a component
//! still open, or the console), and what is the console's own (loads, bulk changes, resends,
//! cancels, deletions, the session, the acting user's own rights) is dealt with here.

use super::App;
use crate::client::ClientError;
use crate::domain::ErrorClass;
use crate::domain::Refusal;
use crate::domain::UserId;
use crate::present::words::{bulk_verb, person_short};
use crate::service::{BulkChange, Outcome};
use crate::text::safe;
use crate::tui::components::{Links, SignInForm};
use crate::tui::effects::{Effect, Loaded, Msg, Reply};
use crate::tui::model::{Connection, Notice, Undo};
use crate::{Error, Result};

impl App {
    pub fn on_msg(&mut self, msg: Msg) {
        let (id, result) = match msg {
            Msg::Progress { done, total, .. } => {
                self.progress = Some((done, total));
                return;
            }
            Msg::Answer { id, result } => (id, result),
        };
        // An answer nobody waits for (a second one for the same id): nothing to do.
        let Some(pending) = self.requests.answered(id) else {
            return;
        };
        let asked = pending.effect;
        if matches!(asked, Effect::Bulk { .. }) {
            self.progress = None;
        }
        self.edit_news(&asked, &result);
        self.connection_news(&asked, &result);
        self.rights_news(&asked, &result);
        // The component that asked, if it is still open; else the console's own.
        let rest = match pending.layer.filter(|&l| self.layers.contains(l)) {
            Some(layer) => self
                .with_layer(layer, |c, cx, out| c.on_reply(&asked, result, cx, out))
                .flatten(),
            None => Some(result),
        };
        if let Some(result) = rest {
            self.app_reply(asked, result);
        }
        self.fresh();
    }

    /// Answers that are the console's own, not a component's (or a component's that closed
    /// before it came: its result still counts, but nothing shows in a dialog that is gone).
    fn app_reply(&mut self, asked: Effect, result: Result<Reply>) {
        match (asked, result) {
            (Effect::SignIn { .. }, result) => {
                let Some(layer) = self.layers.find::<SignInForm>(|_| true) else {
                    return;
                };
                match result {
                    // Signed in, but as someone the console can do nothing for: said on the
                    // sign-in screen, not as an empty read-only table.
                    Ok(Reply::SignedIn(connected)) if !connected.user.roles.can_manage() => {
                        let refusal = Error::Refused(crate::domain::Refusal::NotAnAdmin {
                            actor: format!("{} ({})", connected.user.email, connected.user.roles),
                        });
                        let asked = Effect::SignIn {
                            workspace: connected.workspace.slug.clone(),
                            email: connected.user.email.to_string(),
                            password: crate::tui::effects::Secret(String::new()),
                        };
                        self.with_layer(layer, |c, cx, out| {
                            c.on_reply(&asked, Err(refusal), cx, out)
                        });
                    }
                    Ok(Reply::SignedIn(connected)) => {
                        // Back to exactly where the admin was: forms and dialogs underneath stay.
                        self.layers.close(layer);
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
                    Ok(_) => {}
                    Err(e) => self.error(e.to_string()),
                }
            }
            (Effect::FirstPage { generation, .. }, result) => {
                if generation != self.load_generation {
                    return; // a newer reload is on its way
                }
                if let Ok(Reply::FirstPage(page)) = result
                    && self.data.is_none()
                {
                    self.apply_first_page(page);
                }
                // Then everything, whether or not the first page came.
                self.effect(Effect::Load {
                    generation,
                    since: None,
                });
            }
            (Effect::Load { generation, .. }, result) => {
                if generation != self.load_generation {
                    return; // a newer reload is on its way
                }
                match result {
                    Ok(Reply::Loaded(Loaded::Everything(snapshot))) => {
                        self.apply_snapshot(snapshot)
                    }
                    Ok(Reply::Loaded(Loaded::Changes(changes))) => self.apply_changes(changes),
                    Ok(_) => {}
                    Err(e)
                        if self.context.server.is_some()
                            && matches!(
                                e.class(),
                                ErrorClass::Unauthenticated | ErrorClass::Connection
                            ) =>
                    {
                        // Shown by the sign-in screen or the header; the last data stays.
                    }
                    // Said by the header and footer (read-only); the last data stays.
                    Err(Error::Refused(Refusal::NotAnAdmin { .. }))
                        if self.lost_rights.is_some() => {}
                    Err(e) => {
                        self.load_error = Some(e.to_string());
                        self.error(format!("could not load: {e}"));
                    }
                }
                if let Some(notice) = self.after_reload.take() {
                    self.say(notice);
                }
            }
            (Effect::TransferOwnership(_), result) => match result {
                Ok(Reply::OwnershipTransferred(t)) => {
                    self.notice(format!(
                        "{} is now the Owner; you are now {}",
                        safe(t.owner.email.as_str()),
                        t.previous_owner.roles
                    ));
                    self.layers.close_top_if::<crate::tui::components::Detail>();
                    self.reload();
                }
                Ok(_) => {}
                Err(e) => self.error(e.to_string()),
            },
            (Effect::Bulk { change, seen, .. }, result) => match result {
                Ok(Reply::BulkDone(outcomes)) => self.bulk_done(change, &seen, outcomes),
                Ok(_) => {}
                Err(e) => self.error(e.to_string()),
            },
            (Effect::Undo(step), result) => match result {
                Ok(Reply::BulkDone(outcomes)) => self.undone(&step, &outcomes),
                Ok(_) => {}
                Err(e) => self.error(format!("{} was not undone: {e}", step.what)),
            },
            (Effect::Delete { email, .. }, result) => match result {
                Ok(_) => {
                    self.notice(format!("deleted {} and their history", safe(&email)));
                    self.reload();
                }
                Err(e) => self.error(format!("{} was not deleted: {e}", safe(&email))),
            },
            (Effect::Resend(ids), result) => {
                let results = match result {
                    Ok(Reply::Resent(results)) => results,
                    Ok(_) => return,
                    Err(e) => ids.into_iter().map(|id| (id, Err(e.clone()))).collect(),
                };
                self.resent(results);
            }
            (Effect::Cancel(ids), result) => {
                let results = match result {
                    Ok(Reply::Cancelled(results)) => results,
                    Ok(_) => return,
                    Err(e) => ids.into_iter().map(|id| (id, Err(e.clone()))).collect(),
                };
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
                self.say(counted(done, "cancelled", &refused));
                self.reload();
            }
            // A form's answer after it closed: its result still counts.
            (_, Ok(Reply::Invited(issued))) => {
                let link = self.ctx().link(&issued.token);
                self.links.insert(issued.user.id, link);
                self.notice(format!("invited {}", safe(issued.user.email.as_str())));
                self.reload();
            }
            (_, Ok(Reply::Updated(_) | Reply::TeamCreated(_) | Reply::TeamRenamed(_)))
            | (_, Ok(Reply::TeamDeleted)) => self.reload(),
            // A dry run for a confirmation that closed, a detail pane or a log that closed:
            // nothing shows it any more.
            (_, Ok(_)) => {}
            (_, Err(e)) => self.error(e.to_string()),
        }
    }

    fn bulk_done(
        &mut self,
        change: BulkChange,
        seen: &std::collections::BTreeMap<UserId, u64>,
        outcomes: Vec<Outcome>,
    ) {
        // Before the reload: what the users were is still in `data`.
        let step = self.undo_of_bulk(&change, seen, &outcomes);
        let notice = summary(&change, &outcomes, |id| self.person(id));
        for o in outcomes.iter().filter(|o| o.is_done()) {
            self.marks.remove(&o.id);
        }
        let done: Vec<UserId> = outcomes
            .iter()
            .filter(|o| o.is_changed())
            .map(|o| o.id)
            .collect();
        match &change {
            BulkChange::SetRoles { roles } => self.own_roles_changed(&done, roles),
            BulkChange::ChangeRoles { add, remove } => {
                if let Some(me) = self.data.as_ref().map(|d| d.me.clone()) {
                    let mine: Vec<crate::domain::Role> = me
                        .roles
                        .iter()
                        .chain(add.iter().copied())
                        .filter(|r| !remove.contains(r))
                        .collect();
                    self.own_roles_changed(&done, &mine);
                }
            }
            _ => {}
        }
        if let Some(step) = step {
            self.remember(Undo::Change(step));
        }
        self.reload();
        self.say_after_reload(notice);
    }

    /// An undo's answer: how many were put back, and each one left as they are, by name.
    fn undone(&mut self, step: &crate::tui::model::UndoStep, outcomes: &[Outcome]) {
        let back = outcomes.iter().filter(|o| o.is_done()).count();
        let refused: Vec<(Option<String>, Error)> = outcomes
            .iter()
            .filter_map(|o| o.refusal().map(|e| (self.person(o.id), e.clone())))
            .collect();
        let mut notice = counted(back, "put back", &refused);
        notice.text = format!("undid {}: {}", step.what, notice.text);
        self.follow_undone(step, outcomes);
        self.reload();
        self.say_after_reload(notice);
    }

    /// A saved edit (the console's or a form's): what puts it back becomes the newest step.
    fn edit_news(&mut self, asked: &Effect, result: &Result<Reply>) {
        let (Effect::Update { id, version, patch }, Ok(Reply::Updated(after))) = (asked, result)
        else {
            return;
        };
        // Only from the state the edit started from; data moved on means it is unknown.
        let Some(before) = self
            .data
            .as_ref()
            .and_then(|d| d.user(*id))
            .filter(|u| u.version == *version)
            .cloned()
        else {
            return;
        };
        if let Some(step) = self.undo_of_edit(&before, patch, after) {
            self.remember(Undo::Change(step));
        }
    }

    fn resent(&mut self, results: Vec<(UserId, Result<crate::service::InviteIssued>)>) {
        let mut done = 0;
        let mut refused = Vec::new();
        let mut issued_links = Vec::new();
        for (id, r) in results {
            match r {
                Ok(issued) => {
                    done += 1;
                    let link = self.ctx().link(&issued.token);
                    self.links.insert(id, link.clone());
                    self.marks.remove(&id);
                    issued_links.push((issued.user.email.to_string(), link));
                }
                Err(e) => refused.push((self.person(id), e)),
            }
        }
        let notice = counted(done, "resent", &refused);
        // Every new link in one list: offline, it is the only way they get out.
        match issued_links.len() {
            0 => {}
            1 => {
                let (email, link) = issued_links.remove(0);
                self.open(Links::one(email, link));
            }
            n => {
                self.open(Links::many(format!("{n} invites resent"), issued_links));
            }
        }
        // After the list opened: what was refused shows beside it.
        self.say(notice);
        self.reload();
    }

    /// Roles set on users that include the acting one: without Owner or Admin, the console
    /// turns read-only at once (the next load would be refused anyway).
    fn own_roles_changed(&mut self, changed: &[UserId], roles: &[crate::domain::Role]) {
        let Some(me) = self.data.as_ref().map(|d| d.me.clone()) else {
            return;
        };
        if !changed.contains(&me.id) {
            return;
        }
        if let Ok(new) = crate::domain::Roles::new(roles.iter().copied()) {
            self.own_user_changed(crate::domain::User { roles: new, ..me });
        }
    }

    /// The acting user as the core now has them: shown at once (the header, their row), and
    /// the console turns read-only if they can no longer manage users, whose next load the
    /// core would refuse.
    fn own_user_changed(&mut self, user: crate::domain::User) {
        if !user.roles.can_manage() {
            self.lost_rights = Some(format!(
                "you are now {}: only Owners and Admins manage users",
                user.roles
            ));
        }
        let Some(seq) = self.data.as_ref().map(|d| d.seq) else {
            return;
        };
        // Not a new sequence number: the next load still asks from the old one.
        self.apply_changes(crate::service::Changes {
            seq,
            users: vec![user],
            ..Default::default()
        });
    }

    /// The core said the acting user may not manage users (their roles changed, here or by
    /// another admin): the console turns read-only, keeping the last data. A load that works
    /// again (the role was given back) ends it.
    fn rights_news(&mut self, asked: &Effect, result: &Result<Reply>) {
        if let Ok(Reply::Updated(user)) = result
            && self.data.as_ref().is_some_and(|d| d.me.id == user.id)
        {
            self.own_user_changed(user.clone());
        }
        match error_of(result) {
            Some(Error::Refused(Refusal::NotAnAdmin { .. })) if self.lost_rights.is_none() => {
                self.lost_rights = Some("only Owners and Admins manage users".into());
            }
            _ => {
                if matches!(asked, Effect::Load { .. })
                    && result.is_ok()
                    && self.data.as_ref().is_some_and(|d| d.me.roles.can_manage())
                {
                    self.lost_rights = None;
                }
            }
        }
    }

    /// Connected mode: a lost session brings up the sign-in screen over whatever is open; a
    /// server that does not answer turns the console "disconnected" until a reload works.
    fn connection_news(&mut self, asked: &Effect, result: &Result<Reply>) {
        let Some(server) = self.context.server.clone() else {
            return;
        };
        // What the console does follows from the kind of failure, as a status and an exit code do.
        match error_of(result).map(|e| (e.class(), e)) {
            Some((ErrorClass::Unauthenticated, e)) => {
                if !self.signing_in() {
                    let why = if matches!(e, Error::Refused(Refusal::ActorInactive { .. })) {
                        "your account was deactivated: an Owner or Admin can reactivate it; then sign in again"
                    } else {
                        "your session has ended (expired or signed out elsewhere); sign in again — everything you had open stays as it was"
                    };
                    self.open(SignInForm::new(
                        &server.url,
                        &server.workspace,
                        &server.email,
                        Some(why.into()),
                    ));
                }
            }
            // A change whose answer was lost is re-read, never re-sent.
            Some((ErrorClass::OutcomeUnknown, _)) => self.reload(),
            Some((ErrorClass::Connection, e)) => {
                if !matches!(self.connection, Connection::Disconnected { .. }) {
                    let detail = match e {
                        Error::Client(ClientError::Unreachable { detail, .. }) => detail.clone(),
                        other => other.to_string(),
                    };
                    self.connection = Connection::Disconnected {
                        since: self.now,
                        detail,
                    };
                }
            }
            _ => {
                if matches!(asked, Effect::Load { .. })
                    && result.is_ok()
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
    pub(super) fn scheduled_reload(&mut self) {
        if self.context.server.is_none() || self.signing_in() || self.lost_rights.is_some() {
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
        let loading = self.requests.queued(|e| matches!(e, Effect::Load { .. }));
        if due && !loading {
            self.reload();
        }
    }

    /// A user as outcomes name them, when still known here.
    pub(super) fn person(&self, id: UserId) -> Option<String> {
        self.data.as_ref()?.user(id).map(person_short)
    }
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

/// The error an answer carries, if any (the first, for answers about several users).
fn error_of(result: &Result<Reply>) -> Option<&Error> {
    match result {
        Err(e) => Some(e),
        Ok(Reply::Resent(v)) => v.iter().find_map(|(_, r)| r.as_ref().err()),
        Ok(Reply::Cancelled(v)) => v.iter().find_map(|(_, r)| r.as_ref().err()),
        Ok(_) => None,
    }
}

/// "2 resent; 1 refused: Daniel (daniel.kim@…): why": a refusal always says whom.
pub(super) fn counted(done: usize, verb: &str, refused: &[(Option<String>, Error)]) -> Notice {
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
