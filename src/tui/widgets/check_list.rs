//! A list of checkboxes with a cursor (the roles and teams of the forms and pickers).

use crate::domain::{Role, Team, TeamId, TeamSet};
use crate::tui::keys::DialogKey;

/// A list of checkboxes with a cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckList<T> {
    pub items: Vec<(T, String, bool)>,
    pub cursor: usize,
}

impl<T: Copy + PartialEq> CheckList<T> {
    pub fn new(items: Vec<(T, String, bool)>) -> Self {
        CheckList { items, cursor: 0 }
    }

    pub fn checked(&self) -> Vec<T> {
        self.items.iter().filter(|i| i.2).map(|i| i.0).collect()
    }

    pub fn set(&mut self, value: T, on: bool) {
        if let Some(item) = self.items.iter_mut().find(|i| i.0 == value) {
            item.2 = on;
        }
    }

    /// Moves or toggles for a form's list command; whether it was one.
    pub fn handle(&mut self, command: Option<DialogKey>) -> bool {
        match command {
            Some(DialogKey::FormListUp) => self.cursor = self.cursor.saturating_sub(1),
            Some(DialogKey::FormListDown) => {
                self.cursor = (self.cursor + 1).min(self.items.len().saturating_sub(1))
            }
            Some(DialogKey::FormListTop) => self.cursor = 0,
            Some(DialogKey::FormListBottom) => self.cursor = self.items.len().saturating_sub(1),
            Some(DialogKey::FormListToggle) => {
                if let Some(item) = self.items.get_mut(self.cursor) {
                    item.2 = !item.2;
                }
            }
            _ => return false,
        }
        true
    }
}

pub fn role_list(selected: &[Role]) -> CheckList<Role> {
    CheckList::new(
        Role::ALL
            .iter()
            .map(|r| (*r, r.label().to_string(), selected.contains(r)))
            .collect(),
    )
}

pub fn team_list(teams: &[Team], selected: &TeamSet) -> CheckList<TeamId> {
    CheckList::new(
        teams
            .iter()
            .map(|t| (t.id, t.name.as_str().to_string(), selected.contains(&t.id)))
            .collect(),
    )
}
