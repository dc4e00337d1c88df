//! Counted nouns as people write them: "1 user", "3 users", never "1 users".

/// `n` and the noun in its singular or plural form.
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The words for a bulk change: (question, past tense).
pub fn bulk_verb(change: &crate::service::BulkChange) -> (&'static str, &'static str) {
    match change {
        crate::service::BulkChange::Deactivate => ("Deactivate", "deactivated"),
        crate::service::BulkChange::Reactivate => ("Reactivate", "reactivated"),
        crate::service::BulkChange::SetRoles { .. }
        | crate::service::BulkChange::ChangeRoles { .. } => ("Change the roles of", "changed"),
        crate::service::BulkChange::AddTeam { .. } => ("Add to the team", "added"),
        crate::service::BulkChange::RemoveTeam { .. } => ("Remove from the team", "removed"),
        crate::service::BulkChange::SetBeta { beta: true } => {
            ("Turn on beta access for", "beta on")
        }
        crate::service::BulkChange::SetBeta { beta: false } => {
            ("Turn off beta access for", "beta off")
        }
    }
}

/// A user named so that two Daniels can be told apart: `Daniel (daniel.kim@demo.example)`.
pub fn person(user: &crate::domain::User) -> String {
    format!(
        "{} ({})",
        crate::text::safe(user.display_name.as_str()),
        crate::text::safe(user.email.as_str())
    )
}

/// As `person`, shorter, for lists and the footer: `Daniel (daniel.kim@…)`.
pub fn person_short(user: &crate::domain::User) -> String {
    let email = user.email.as_str();
    let local = email.split_once('@').map_or(email, |(local, _)| local);
    format!(
        "{} ({}@…)",
        crate::text::safe(user.display_name.as_str()),
        crate::text::safe(local)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "user", "users"), "1 user");
        assert_eq!(count(0, "user", "users"), "0 users");
        assert_eq!(count(2, "member", "members"), "2 members");
        assert_eq!(count(21, "user", "users"), "21 users");
    }
}
