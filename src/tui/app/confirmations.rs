//! The one confirmation path: every change that needs a yes is asked here, whichever key or
//! component wants it, with the core's dry run where the core has one; and what a yes does.

use super::App;
use crate::domain::UserId;
use crate::present::words::{bulk_verb, person, person_short};
use crate::service::BulkChange;
use crate::text::safe;
use crate::tui::components::{Confirm, ConfirmAction, EditForm, TeamsView};
use crate::tui::effects::Effect;

/// How many names a confirmation lists before "… and N more".
const NAMES_SHOWN: usize = 3;

impl App {
    pub(super) fn ask_bulk(&mut self, change: BulkChange) {
        let ids: Vec<UserId> = self.targets().iter().map(|u| u.id).collect();
        self.ask(ConfirmAction::Bulk {
            change,
            ids,
            seen: Default::default(),
        });
    }

    /// The one confirmation path: every change that needs a yes comes here, whichever key or
    /// component asked. It names what the change will do and whom it affects, and asks the
    /// core for a dry run where the core has one (bulk changes, resend and cancel, roles).
    pub(super) fn ask(&mut self, action: ConfirmAction) {
        if self.read_only() && action.changes() {
            return self.error(self.read_only_reason());
        }
        let confirm = match &action {
            ConfirmAction::DeleteUser { id, .. } => {
                match self.data.as_ref().and_then(|d| d.user(*id)) {
                    Some(user) => delete_user_question(user),
                    None => return self.error("that user is no longer here: Ctrl-R reloads"),
                }
            }
            ConfirmAction::DeleteTeam { id, .. } => {
                let team = self
                    .data
                    .as_ref()
                    .and_then(|d| d.teams.iter().find(|t| t.id == *id).cloned());
                match team {
                    Some(team) => self.delete_team_question(&team),
                    None => return self.error("that team is no longer here: Ctrl-R reloads"),
                }
            }
            ConfirmAction::DiscardForm | ConfirmAction::Quit => return,
            _ => match self.question(&action) {
                Some(c) => c,
                None => {
                    return self.error("no user selected: move to a row or mark some with Space");
                }
            },
        };
        let preview = match &action {
            ConfirmAction::Bulk { change, ids, .. } => Some(Effect::Preview {
                change: change.clone(),
                ids: ids.clone(),
            }),
            ConfirmAction::Undo(step) => match step.put_back {
                crate::tui::model::PutBack::Bulk(_) => Some(Effect::PreviewUndo(step.clone())),
                crate::tui::model::PutBack::Edit { .. } => None,
            },
            ConfirmAction::Resend { ids } => Some(Effect::PreviewInvites {
                change: crate::service::InviteChange::Resend,
                ids: ids.clone(),
            }),
            ConfirmAction::Cancel { ids } => Some(Effect::PreviewInvites {
                change: crate::service::InviteChange::Cancel,
                ids: ids.clone(),
            }),
            ConfirmAction::DeleteUser { id, .. } => Some(Effect::PreviewDelete(*id)),
            ConfirmAction::Update { id, patch, .. } => {
                patch.roles.as_ref().map(|roles| Effect::Preview {
                    change: BulkChange::SetRoles {
                        roles: roles.clone(),
                    },
                    ids: vec![*id],
                })
            }
            _ => None,
        };
        let mut confirm = confirm;
        confirm.checking = preview.is_some();
        let layer = self.open(confirm);
        if let Some(effect) = preview {
            self.request(layer, effect);
        }
    }

    /// The question for a change to users: the title names them, the lines say what follows.
    /// `None` when there is nobody to change.
    pub(super) fn question(&self, action: &ConfirmAction) -> Option<Confirm> {
        let (verb, ids) = match action {
            ConfirmAction::Bulk { change, ids, .. } => (bulk_verb(change).0, ids.clone()),
            ConfirmAction::Undo(step) => ("Undo", step.ids()),
            ConfirmAction::Resend { ids } => ("Resend the invite of", ids.clone()),
            ConfirmAction::Cancel { ids } => ("Cancel the invite of", ids.clone()),
            ConfirmAction::TransferOwnership { to } => ("Make the Owner:", vec![*to]),
            ConfirmAction::Update { id, .. } => ("Save the changes to", vec![*id]),
            _ => return None,
        };
        if ids.is_empty() {
            return None;
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
        let roles_text = |roles: &[crate::domain::Role]| {
            if roles.is_empty() {
                "(none)".to_string()
            } else {
                roles
                    .iter()
                    .map(|r| r.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let title = match action {
            ConfirmAction::Bulk {
                change: BulkChange::SetRoles { roles },
                ..
            } => format!("Set the roles of {who} to {}?", roles_text(roles)),
            ConfirmAction::Bulk {
                change: BulkChange::ChangeRoles { add, remove },
                ..
            } => {
                let mut parts = Vec::new();
                if !add.is_empty() {
                    parts.push(format!("add {}", roles_text(add)));
                }
                if !remove.is_empty() {
                    parts.push(format!("remove {}", roles_text(remove)));
                }
                format!(
                    "For {who}: {}? Their other roles stay as they are.",
                    parts.join(", ")
                )
            }
            ConfirmAction::Bulk {
                change: BulkChange::AddTeam { team },
                ..
            } => format!("Add {who} to the team {}?", team_name(team)),
            ConfirmAction::Bulk {
                change: BulkChange::RemoveTeam { team },
                ..
            } => format!("Remove {who} from the team {}?", team_name(team)),
            ConfirmAction::TransferOwnership { .. } => format!("Make {who} the Owner?"),
            ConfirmAction::Undo(step) => format!("Undo {}?", step.what),
            ConfirmAction::Update {
                patch:
                    crate::service::UserPatch {
                        roles: Some(roles), ..
                    },
                ..
            } => format!("Save {who} with the roles {}?", roles_text(roles)),
            _ => format!("{verb} {who}?"),
        };
        let mut lines = Vec::new();
        if ids.len() > 1 {
            lines.push(listed(&names, ids.len()));
        }
        // More than the line names: `a` lists everyone, with their full emails.
        let everyone = if ids.len() > NAMES_SHOWN {
            let data = self.data.as_ref();
            ids.iter()
                .filter_map(|id| data.and_then(|d| d.user(*id)).map(person))
                .collect()
        } else {
            Vec::new()
        };
        // Said only when true: hidden by a filter on this tab, or listed on another tab.
        let hidden = if self.filter.value().trim().is_empty() {
            0
        } else {
            self.hidden_by_filter(&ids)
        };
        if hidden > 0 {
            lines.push(format!("{hidden} of them hidden by the filter"));
        }
        for (tab, n) in self.on_other_tabs(&ids) {
            let them = if n == ids.len() && n > 1 {
                "All of them".to_string()
            } else if n == ids.len() {
                "They are".to_string()
            } else {
                format!("{n} of them")
            };
            let verb = if n == ids.len() && n == 1 { "" } else { " are" };
            lines.push(format!("{them}{verb} on the {} tab", tab.title()));
        }
        match action {
            ConfirmAction::Resend { .. } => {
                lines.push("Each gets a new link; earlier links stop working.".into())
            }
            ConfirmAction::Cancel { .. } => {
                lines.push("Each invited user is removed; their links stop working.".into());
                lines.push("This can't be undone: to bring them back, invite them again.".into());
            }
            ConfirmAction::Undo(_) => lines.push(
                "Anyone changed by someone else since is left as they are, and named.".into(),
            ),
            ConfirmAction::TransferOwnership { .. } => {
                lines.push("They become an Owner and you stop being one, in one step.".into());
                lines.push("You keep your other roles, or become an Admin.".into());
                lines.push(
                    "You can't take it back yourself: only an Owner can make you one again.".into(),
                );
            }
            ConfirmAction::Update { .. } | ConfirmAction::Bulk { .. }
                if self.removes_own_rights(action) =>
            {
                lines.push(
                    "⚠ You are changing your own roles: without Owner or Admin you can no".into(),
                );
                lines.push(
                    "  longer manage users or teams. The console then turns read-only, and".into(),
                );
                lines.push("  only another Owner or Admin can give the role back.".into());
            }
            _ => {}
        }
        let mut confirm = Confirm::new(action.clone(), title, lines);
        confirm.everyone = everyone;
        Some(confirm)
    }

    /// Whether the change takes away the acting user's right to manage users: their own roles
    /// set to ones without Owner or Admin.
    pub(super) fn removes_own_rights(&self, action: &ConfirmAction) -> bool {
        let Some(me) = self.data.as_ref().map(|d| d.me.id) else {
            return false;
        };
        let (ids, roles): (Vec<UserId>, &[crate::domain::Role]) = match action {
            ConfirmAction::Bulk {
                change: BulkChange::SetRoles { roles },
                ids,
                ..
            } => (ids.clone(), roles),
            ConfirmAction::Update { id, patch, .. } => match &patch.roles {
                Some(roles) => (vec![*id], roles),
                None => return false,
            },
            _ => return false,
        };
        let manages = roles
            .iter()
            .any(|r| matches!(r, crate::domain::Role::Owner | crate::domain::Role::Admin));
        ids.contains(&me) && !manages
    }

    /// Users as dialogs name them: `Daniel (daniel.kim@demo.example)`, never a bare display
    /// name that five people share.
    pub(super) fn names(&self, ids: &[UserId]) -> Vec<String> {
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

    /// A team's deletion: what it takes away is listed, and a team with members asks for its
    /// name typed.
    pub(super) fn delete_team_question(&self, team: &crate::domain::Team) -> Confirm {
        let name = team.name.as_str().to_string();
        let action = ConfirmAction::DeleteTeam {
            id: team.id,
            name: name.clone(),
        };
        if team.member_count == 0 {
            return Confirm::new(
                action,
                format!("Delete the team {}?", safe(&name)),
                vec!["It has no members.".into()],
            );
        }
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
        let lines = vec![
            format!(
                "Its {n} member{} lose the team; nothing else about them changes.",
                if n == 1 { "" } else { "s" }
            ),
            listed(&self.names(&members), members.len()),
        ];
        Confirm::new(
            action,
            format!(
                "Delete the team {} and its {n} membership{}?",
                safe(&name),
                if n == 1 { "" } else { "s" }
            ),
            lines,
        )
        .typed(name, "the team's name")
    }

    /// The admin said yes: do it.
    pub(super) fn confirmed(&mut self, action: ConfirmAction) {
        if self.read_only() && action.changes() {
            return self.error(self.read_only_reason());
        }
        match action {
            ConfirmAction::Bulk { change, ids, seen } => {
                self.effect(Effect::Bulk { change, ids, seen })
            }
            ConfirmAction::Undo(step) => self.undo_confirmed(step),
            ConfirmAction::DeleteUser { id, email } => self.effect(Effect::Delete { id, email }),
            // The component that asked carries out its own yes (and shows itself busy).
            ConfirmAction::DeleteTeam { .. } => match self.layers.find::<TeamsView>(|_| true) {
                Some(layer) => {
                    self.with_layer(layer, |c, _, out| c.on_confirmed(action, out));
                }
                None => {
                    if let ConfirmAction::DeleteTeam { id, name } = action {
                        self.effect(Effect::DeleteTeam { id, name });
                    }
                }
            },
            ConfirmAction::Update { id, .. } => {
                match self.layers.find::<EditForm>(|f| f.user.id == id) {
                    Some(layer) => {
                        self.with_layer(layer, |c, _, out| c.on_confirmed(action, out));
                    }
                    None => {
                        if let ConfirmAction::Update { id, version, patch } = action {
                            self.effect(Effect::Update { id, version, patch });
                        }
                    }
                }
            }
            ConfirmAction::Resend { ids } => self.effect(Effect::Resend(ids)),
            ConfirmAction::Cancel { ids } => self.effect(Effect::Cancel(ids)),
            ConfirmAction::TransferOwnership { to } => self.effect(Effect::TransferOwnership(to)),
            ConfirmAction::DiscardForm => {
                if let Some(top) = self.layers.top_id() {
                    self.layers.close(top);
                }
            }
            ConfirmAction::Quit => self.quit = true,
        }
    }
}

/// A user's deletion: it cannot be undone, so the email is typed.
fn delete_user_question(user: &crate::domain::User) -> Confirm {
    let lines = vec![
        "Deletion is permanent: the account, its invite, its sessions and its whole".into(),
        "history (audit events) are erased. Deactivating keeps the history and can".into(),
        "be undone — prefer it unless the account was created in error or must be".into(),
        "removed for compliance.".into(),
    ];
    let action = ConfirmAction::DeleteUser {
        id: user.id,
        email: user.email.to_string(),
    };
    Confirm::new(action, format!("Delete {} for good?", person(user)), lines)
        .typed(user.email.as_str(), "the user's email")
}

/// The first few names, then how many more: "A (a@x), B (b@x), C (c@x), … and 17 more".
pub(super) fn listed(names: &[String], total: usize) -> String {
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
