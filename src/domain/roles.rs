//! Roles and the non-empty set of roles a user holds.

use super::error::{Field, Refusal, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Supervisor,
    Agent,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Supervisor, Role::Agent];

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Supervisor => "Supervisor",
            Role::Agent => "Agent",
        }
    }

    pub(crate) fn bit(self) -> u8 {
        1 << (self as u8)
    }

    pub fn parse(input: &str) -> Result<Role> {
        let s = input.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.label().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                Refusal::invalid(
                    Field::Roles,
                    format!("\"{s}\" is not a role; use Owner, Admin, Supervisor or Agent"),
                )
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One or more roles. Can't be empty: every user has at least one role.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Roles(u8);

impl Roles {
    pub fn one(role: Role) -> Self {
        Roles(role.bit())
    }

    pub fn new(roles: impl IntoIterator<Item = Role>) -> Result<Self> {
        let bits = roles.into_iter().fold(0u8, |acc, r| acc | r.bit());
        if bits == 0 {
            return Err(Refusal::invalid(Field::Roles, "choose at least one role"));
        }
        Ok(Roles(bits))
    }

    /// Parses a comma-separated list such as "admin, agent".
    pub fn parse_list(input: &str) -> Result<Self> {
        let roles = input
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(Role::parse)
            .collect::<Result<Vec<_>>>()?;
        Roles::new(roles)
    }

    pub fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    /// One bit per role, as [`Role::bit`] sets it.
    pub(crate) fn bits(self) -> u8 {
        self.0
    }

    pub fn is_owner(self) -> bool {
        self.contains(Role::Owner)
    }

    /// Owners and Admins manage users and teams.
    pub fn can_manage(self) -> bool {
        self.contains(Role::Owner) || self.contains(Role::Admin)
    }

    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.contains(*r))
    }

    /// The same set with one role added or removed; `None` if that would leave it empty.
    pub fn with(self, role: Role, present: bool) -> Option<Self> {
        let bits = if present {
            self.0 | role.bit()
        } else {
            self.0 & !role.bit()
        };
        (bits != 0).then_some(Roles(bits))
    }

    /// The highest role, for sorting.
    pub fn highest(self) -> Role {
        self.iter().next().unwrap_or(Role::Agent)
    }
}

impl fmt::Debug for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels: Vec<&str> = self.iter().map(Role::label).collect();
        f.write_str(&labels.join(", "))
    }
}

impl Serialize for Roles {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Roles {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let roles = Vec::<Role>::deserialize(d)?;
        Roles::new(roles).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_empty() {
        assert!(Roles::new([]).is_err());
        assert!(Roles::parse_list(" , ").is_err());
        assert!(serde_json::from_str::<Roles>("[]").is_err());
        assert_eq!(Roles::one(Role::Owner).with(Role::Owner, false), None);
    }

    #[test]
    fn parses_lists_case_insensitively() {
        let r = Roles::parse_list("agent, SUPERVISOR").unwrap();
        assert!(r.contains(Role::Agent) && r.contains(Role::Supervisor) && !r.is_owner());
        assert_eq!(r.to_string(), "Supervisor, Agent");
        assert!(
            Roles::parse_list("agent, king")
                .unwrap_err()
                .to_string()
                .contains("king")
        );
    }

    #[test]
    fn serde_roundtrip() {
        let r = Roles::new([Role::Admin, Role::Agent]).unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#"["admin","agent"]"#);
        assert_eq!(serde_json::from_str::<Roles>(&json).unwrap(), r);
    }
}
