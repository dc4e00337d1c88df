//! The one definition of "this user matches the filter", used by the console's filter and the
//! server's `q=` parameter alike: case-insensitive, on names, email, roles and team names.

use super::{Team, TeamId, User};
use std::collections::HashMap;

/// A prepared filter: lower-cased once, then matched against many users.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    needle: String,
}

impl Filter {
    pub fn new(text: &str) -> Self {
        Filter {
            needle: text.trim().to_lowercase(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.needle.is_empty()
    }

    fn hit(&self, haystack: &str) -> bool {
        // ASCII fast path: most names and all emails are ASCII.
        if haystack.is_ascii() && self.needle.is_ascii() {
            let (h, n) = (haystack.as_bytes(), self.needle.as_bytes());
            return h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
        }
        haystack.to_lowercase().contains(&self.needle)
    }

    pub fn matches(&self, user: &User, team_names: &HashMap<TeamId, String>) -> bool {
        if self.is_empty() {
            return true;
        }
        self.hit(user.email.as_str())
            || self.hit(user.full_name.as_str())
            || self.hit(user.display_name.as_str())
            || user.roles.iter().any(|r| self.hit(r.label()))
            || user
                .teams
                .iter()
                .filter_map(|t| team_names.get(t))
                .any(|name| self.hit(name))
    }
}

/// Team id → name, for matching and display.
pub fn team_names(teams: &[Team]) -> HashMap<TeamId, String> {
    teams
        .iter()
        .map(|t| (t.id, t.name.as_str().to_string()))
        .collect()
}
