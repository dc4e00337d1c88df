//! The answers of the service: each goes to the component that asked (by its id on the stack),
//! and what is the console's own (loads, bulk changes, resends, cancels, deletions, the session,
//! the acting user's own rights) is dealt with here.

use super::components::ReplyKind;
use super::effects::{Effect, Loaded, Msg};
use super::forms::SignInForm;
use super::state::*;
use super::update::{bulk_verb, person_short};
use crate::domain::{Error, UserId};
use crate::service::{BulkChange, Outcome};
use crate::text::safe;

impl App {
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
        self.rights_news(&msg);
        // A reply goes to the component that asked for it, wherever it is on the stack.
        let kind = ReplyKind::of_msg(&msg);
        let addressed = (kind != ReplyKind::Other)
            .then(|| self.awaiting.iter().position(|(k, _)| *k == kind))
            .flatten()
            .map(|i| self.awaiting.remove(i).1);
        self.sync_layers();
        let rest = match addressed.filter(|&layer| self.layer_position(layer).is_some()) {
            Some(layer) => self
                .with_layer(layer, |c, cx, out| c.on_reply(msg, cx, out))
                .flatten(),
            // Not a component's, or it has closed: the console's own.
            None => Some(msg),
        };
        if let Some(msg) = rest {
            self.app_reply(msg);
        }
        if self.stale_views {
            self.refresh_views();
        }
    }

    /// Answers that are the console's own, not a component's.
    pub(crate) fn app_reply(&mut self, msg: Msg) {
        match msg {
            Msg::SignedIn(result) => {
                let Some(layer) = self.find_layer(|o| matches!(o, Overlay::SignIn(_))) else {
                    return;
                };
                match result {
                    Ok(connected) => {
                        // Back to exactly where the admin was: forms and dialogs underneath stay.
                        self.close_layer(layer);
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
                        self.with_layer(layer, |c, cx, out| {
                            c.on_reply(Msg::SignedIn(Err(e)), cx, out)
                        });
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
                    // Said by the header and footer (read-only); the last data stays.
                    Err(Error::NotAnAdmin { .. }) if self.lost_rights.is_some() => {}
                    Err(e) => {
                        self.load_error = Some(e.to_string());
                        self.error(format!("could not load: {e}"));
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
                    if matches!(self.overlays.last(), Some(Overlay::Detail(_))) {
                        self.overlays.pop();
                        self.sync_layers();
                    }
                    self.reload();
                }
                Err(e) => self.error(e.to_string()),
            },
            Msg::BulkDone { change, result } => match result {
                Ok(outcomes) => {
                    let undone = self.undoing.take().is_some_and(|u| u == change);
                    let notice = summary(&change, &outcomes, |id| self.person(id));
                    self.say(notice);
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
                        self.undo = Some(Undo::Change {
                            change,
                            ids: done.clone(),
                        });
                    }
                    if let BulkChange::SetRoles { roles } = &change {
                        self.own_roles_changed(&done, roles);
                    }
                    self.reload();
                }
                Err(e) => {
                    self.undoing = None;
                    self.error(e.to_string())
                }
            },
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
                        self.open(Overlay::Link(Links::one(email, link)));
                    }
                    n => {
                        self.open(Overlay::Link(Links::many(
                            format!("{n} invites resent"),
                            issued_links,
                        )));
                    }
                }
                // After the list opened: what was refused shows beside it.
                self.say(notice);
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
                self.say(counted(done, "cancelled", &refused));
                self.reload();
            }
            // A component's answer after it closed: its result still counts.
            Msg::Invited(Ok(issued)) => {
                let link = self.ctx().link(&issued.token);
                self.links.insert(issued.user.id, link);
                self.notice(format!("invited {}", safe(issued.user.email.as_str())));
                self.reload();
            }
            Msg::Updated(Ok(_))
            | Msg::TeamCreated(Ok(_))
            | Msg::TeamRenamed(Ok(_))
            | Msg::TeamDeleted { result: Ok(()), .. } => self.reload(),
            other => {
                if let Some(e) = other.error() {
                    self.error(e.to_string());
                }
            }
        }
    }

    /// Roles set on users that include the acting one: without Owner or Admin, the console
    /// turns read-only at once (the next load would be refused anyway).
    pub(crate) fn own_roles_changed(&mut self, changed: &[UserId], roles: &[crate::domain::Role]) {
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
    pub(crate) fn own_user_changed(&mut self, user: crate::domain::User) {
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
        apply_changes(
            self,
            crate::service::Changes {
                seq,
                users: vec![user],
                ..Default::default()
            },
        );
    }

    /// The core said the acting user may not manage users (their roles changed, here or by
    /// another admin): the console turns read-only, keeping the last data. A load that works
    /// again (the role was given back) ends it.
    pub(crate) fn rights_news(&mut self, msg: &Msg) {
        if let Msg::Updated(Ok(user)) = msg
            && self.data.as_ref().is_some_and(|d| d.me.id == user.id)
        {
            self.own_user_changed(user.clone());
        }
        match msg.error() {
            Some(Error::NotAnAdmin { .. }) if self.lost_rights.is_none() => {
                self.lost_rights = Some("only Owners and Admins manage users".into());
            }
            _ => {
                if matches!(msg, Msg::Loaded { result: Ok(_), .. })
                    && self.data.as_ref().is_some_and(|d| d.me.roles.can_manage())
                {
                    self.lost_rights = None;
                }
            }
        }
    }

    /// Connected mode: a lost session brings up the sign-in screen over whatever is open; a
    /// server that does not answer turns the console "disconnected" until a reload works.
    pub(crate) fn connection_news(&mut self, msg: &Msg) {
        let Some(server) = self.context.server.clone() else {
            return;
        };
        match msg.error() {
            Some(Error::Unauthenticated) => {
                if !self.signing_in() {
                    let why = "your session has ended (expired or signed out elsewhere); sign in again — everything you had open stays as it was";
                    self.open(Overlay::SignIn(SignInForm::new(
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
    pub(crate) fn scheduled_reload(&mut self) {
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
        let loading = self
            .effects
            .iter()
            .any(|e| matches!(e, Effect::Load { .. }));
        if due && !loading {
            self.reload();
        }
    }

    /// A user as outcomes name them, when still known here.
    pub(crate) fn person(&self, id: UserId) -> Option<String> {
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

/// "2 resent; 1 refused: Daniel (daniel.kim@…): why": a refusal always says whom.
pub(crate) fn counted(done: usize, verb: &str, refused: &[(Option<String>, Error)]) -> Notice {
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
