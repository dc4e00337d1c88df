//! Teams: named groups of users inside one workspace.

use super::{TeamId, TeamName, WorkspaceId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub workspace: WorkspaceId,
    pub name: TeamName,
    /// Kept in the team's own record so every membership change writes it: two concurrent
    /// changes to one team then conflict in the store instead of racing a team deletion.
    pub member_count: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The teams a user belongs to: a sorted list without repeats. A user has a few teams at
/// most, and a console holds 100,000 users: a `BTreeSet` spends a 192-byte node on each, this
/// one 16 bytes per team. Written as a JSON array in id order, as a `BTreeSet` was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TeamSet(Vec<TeamId>);

impl TeamSet {
    pub fn new() -> Self {
        TeamSet(Vec::new())
    }

    /// Adds `team`; `false` if it was already there.
    pub fn insert(&mut self, team: TeamId) -> bool {
        match self.0.binary_search(&team) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, team);
                true
            }
        }
    }

    /// Removes `team`; `false` if it was not there.
    pub fn remove(&mut self, team: &TeamId) -> bool {
        match self.0.binary_search(team) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    pub fn contains(&self, team: &TeamId) -> bool {
        self.0.binary_search(team).is_ok()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// In id order.
    pub fn iter(&self) -> std::slice::Iter<'_, TeamId> {
        self.0.iter()
    }
}

impl FromIterator<TeamId> for TeamSet {
    fn from_iter<I: IntoIterator<Item = TeamId>>(iter: I) -> Self {
        let mut teams: Vec<TeamId> = iter.into_iter().collect();
        teams.sort_unstable();
        teams.dedup();
        teams.shrink_to_fit();
        TeamSet(teams)
    }
}

impl Extend<TeamId> for TeamSet {
    fn extend<I: IntoIterator<Item = TeamId>>(&mut self, iter: I) {
        for team in iter {
            self.insert(team);
        }
    }
}

impl<'a> IntoIterator for &'a TeamSet {
    type Item = &'a TeamId;
    type IntoIter = std::slice::Iter<'a, TeamId>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for TeamSet {
    type Item = TeamId;
    type IntoIter = std::vec::IntoIter<TeamId>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'de> Deserialize<'de> for TeamSet {
    /// Any order and repeats are accepted (a `BTreeSet` accepted them), kept sorted and once.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<TeamId>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod team_set_tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn behaves_as_a_set_and_is_written_as_a_btreeset_was() {
        let ids: Vec<TeamId> = (0..6).map(|_| TeamId::new()).collect();
        let mut set = TeamSet::new();
        let mut model = BTreeSet::new();
        for (i, id) in ids.iter().chain(ids.iter().rev()).enumerate() {
            if i % 3 == 2 {
                assert_eq!(set.remove(id), model.remove(id));
            } else {
                assert_eq!(set.insert(*id), model.insert(*id));
            }
            assert_eq!(set.len(), model.len());
            assert!(set.iter().eq(model.iter()));
            assert_eq!(
                serde_json::to_string(&set).unwrap(),
                serde_json::to_string(&model).unwrap()
            );
        }
        let unsorted = format!("[\"{}\",\"{}\",\"{}\"]", ids[3], ids[1], ids[3]);
        let read: TeamSet = serde_json::from_str(&unsorted).unwrap();
        let expected: BTreeSet<TeamId> = serde_json::from_str(&unsorted).unwrap();
        assert!(read.iter().eq(expected.iter()));
        assert!(read.contains(&ids[1]) && !read.contains(&ids[0]));
    }
}
