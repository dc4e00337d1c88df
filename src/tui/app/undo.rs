//! `u`: the admin's own changes in this console, newest first, each put back on exactly the
//! users it changed and only where nobody changed them since (the core refuses a user whose
//! version moved on: they get their own outcome line).

use super::App;
use crate::domain::{Role, User, UserId};
use crate::service::{BulkChange, Outcome, UserPatch};
use crate::tui::components::ConfirmAction;
use crate::tui::effects::Effect;
use crate::tui::model::{PutBack, UNDO_KEPT, Undo, UndoStep};
use std::collections::BTreeMap;

impl App {
    /// Keeps `undo` as the newest step (the oldest goes past `UNDO_KEPT`).
    pub(super) fn remember(&mut self, undo: Undo) {
        self.undo.push(undo);
        if self.undo.len() > UNDO_KEPT {
            self.undo.remove(0);
        }
    }

    /// `u`: the newest step not yet undone. Marks come back at once; a change asks first.
    pub(super) fn undo_newest(&mut self) {
        match self.undo.last().cloned() {
            Some(Undo::Change(step)) => self.ask(ConfirmAction::Undo(step)),
            Some(Undo::ClearedMarks(ids)) => {
                self.undo.pop();
                let n = ids.len();
                self.marks.extend(ids);
                self.notice(format!(
                    "put back {n} mark{}",
                    if n == 1 { "" } else { "s" }
                ));
            }
            None => self.notice("nothing to undo"),
        }
    }

    /// Yes to an undo: it is spent (the next `u` goes one step further back), and its answer
    /// is not itself offered for undoing.
    pub(super) fn undo_confirmed(&mut self, step: UndoStep) {
        if let Some(i) = self
            .undo
            .iter()
            .rposition(|u| matches!(u, Undo::Change(s) if *s == step))
        {
            self.undo.remove(i);
        }
        self.effect(Effect::Undo(step));
    }

    /// The step that puts back a bulk change, from the users it changed (with the version it
    /// left each at) and what they were before (still in `data`: the reload comes after).
    pub(super) fn undo_of_bulk(
        &self,
        change: &BulkChange,
        seen: &BTreeMap<UserId, u64>,
        outcomes: &[Outcome],
    ) -> Option<UndoStep> {
        let changed: Vec<(UserId, u64)> = outcomes
            .iter()
            .filter(|o| o.is_changed())
            .filter_map(|o| Some((o.id, o.version?)))
            .collect();
        if changed.is_empty() {
            return None;
        }
        let simple = |inverse: BulkChange| vec![(inverse, changed.clone())];
        let changes = match change {
            BulkChange::Deactivate => simple(BulkChange::Reactivate),
            BulkChange::Reactivate => simple(BulkChange::Deactivate),
            BulkChange::SetBeta { beta } => simple(BulkChange::SetBeta { beta: !beta }),
            BulkChange::AddTeam { team } => simple(BulkChange::RemoveTeam { team: *team }),
            BulkChange::RemoveTeam { team } => simple(BulkChange::AddTeam { team: *team }),
            // Roles differ from user to user: one change per set of roles they had.
            BulkChange::SetRoles { .. } | BulkChange::ChangeRoles { .. } => {
                let data = self.data.as_ref()?;
                let mut by_roles: BTreeMap<Vec<Role>, Vec<(UserId, u64)>> = BTreeMap::new();
                for (id, version) in &changed {
                    let before: Vec<Role> = data.user(*id)?.roles.iter().collect();
                    by_roles.entry(before).or_default().push((*id, *version));
                }
                by_roles
                    .into_iter()
                    .map(|(roles, users)| (BulkChange::SetRoles { roles }, users))
                    .collect()
            }
        };
        let n = changed.len();
        let whom = if n == 1 {
            self.person(changed[0].0).unwrap_or_else(|| "1 user".into())
        } else {
            format!("{n} users")
        };
        let before = changed
            .iter()
            .filter_map(|(id, _)| Some((*id, *seen.get(id)?)))
            .collect();
        Some(UndoStep {
            what: format!("{} of {whom}", what_of(change)),
            put_back: PutBack::Bulk(changes),
            before,
        })
    }

    /// The step that puts back an edit: the fields it changed, as they were before.
    pub(super) fn undo_of_edit(
        &self,
        before: &User,
        patch: &UserPatch,
        after: &User,
    ) -> Option<UndoStep> {
        let mut back = UserPatch::default();
        if patch.full_name.is_some() && before.full_name != after.full_name {
            back.full_name = Some(before.full_name.as_str().to_string());
        }
        if patch.display_name.is_some() && before.display_name != after.display_name {
            back.display_name = Some(before.display_name.as_str().to_string());
        }
        if patch.roles.is_some() && before.roles != after.roles {
            back.roles = Some(before.roles.iter().collect());
        }
        if patch.teams.is_some() && before.teams != after.teams {
            back.teams = Some(before.teams.iter().copied().collect());
        }
        if patch.beta.is_some() && before.beta != after.beta {
            back.beta = Some(before.beta);
        }
        if back == UserPatch::default() {
            return None;
        }
        Some(UndoStep {
            what: format!(
                "the edit of {}",
                self.person(after.id)
                    .unwrap_or_else(|| after.email.to_string())
            ),
            put_back: PutBack::Edit {
                id: after.id,
                version: after.version,
                patch: back,
            },
            before: [(before.id, before.version)].into_iter().collect(),
        })
    }
}

impl App {
    /// After an undo: each user it put back is as they were before that step, so older steps
    /// that pinned them there follow them to the version the undo left.
    pub(super) fn follow_undone(&mut self, step: &UndoStep, outcomes: &[Outcome]) {
        for o in outcomes.iter().filter(|o| o.is_changed()) {
            let (Some(from), Some(to)) = (step.before.get(&o.id), o.version) else {
                continue;
            };
            for undo in &mut self.undo {
                if let Undo::Change(older) = undo {
                    older.repin(o.id, *from, to);
                }
            }
        }
    }
}

/// "the deactivation", "the roles change": how a step is named.
fn what_of(change: &BulkChange) -> String {
    match change {
        BulkChange::Deactivate => "the deactivation".into(),
        BulkChange::Reactivate => "the reactivation".into(),
        BulkChange::SetBeta { beta: true } => "beta access on".into(),
        BulkChange::SetBeta { beta: false } => "beta access off".into(),
        BulkChange::AddTeam { .. } => "the team membership added".into(),
        BulkChange::RemoveTeam { .. } => "the team membership removed".into(),
        BulkChange::SetRoles { .. } | BulkChange::ChangeRoles { .. } => "the roles change".into(),
    }
}
