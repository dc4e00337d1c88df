//! The one definition of "this user matches the filter", used by the console's filter, the
//! server's `q=` parameter and the CLI's `--filter` alike.
//!
//! Syntax: words separated by spaces must all match, each somewhere in the name, display name,
//! email, role or team names; case and accents are ignored (`soren` finds Søren). Field terms:
//! `role:admin`, `team:billing`, `beta:on`/`beta:off`, `status:active|inactive|invited|expired`.
//! A leading `-` excludes (`-team:billing`, `-contractor`). Double quotes keep spaces in a value
//! (`team:"tier 2"`). A field term with no value yet (`team:`) is ignored while it is typed.

//!
//! `grammar` parses a filter, `matching` tests users against it, `index` holds the
//! per-user search texts the console searches, `fold` is the shared case and accent folding.

use crate::domain::{Invite, Role, Team, TeamId, User, UserStatus};
use std::collections::HashMap;
use time::OffsetDateTime;

mod fold;
mod grammar;
mod index;
mod matching;

pub use fold::*;
pub use grammar::*;
pub use index::*;
pub use matching::*;

/// Team id → name, for matching and display.
pub fn team_names(teams: &[Team]) -> HashMap<TeamId, String> {
    teams
        .iter()
        .map(|t| (t.id, t.name.as_str().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_and_accents() {
        assert_eq!(fold("Søren Kierkegård"), "soren kierkegard");
        assert_eq!(fold("Aïcha Benali"), "aicha benali");
        assert_eq!(fold("ÉLODIE Straße"), "elodie strasse");
        assert_eq!(fold("Łukasz Ærø"), "lukasz aero");
        assert_eq!(fold("Nguyễn Thị"), "nguyen thi");
        assert_eq!(fold("ann@acme.io"), "ann@acme.io");
    }

    #[test]
    fn terms_are_parsed_with_their_fields() {
        let f = Filter::new(r#"agent  -team:"tier 2" role:ad beta:on status:expired"#);
        assert_eq!(f.problem(), None);
        assert_eq!(f.terms.len(), 5);
        assert_eq!(f.terms[1].kind, Kind::Team("tier 2".into()));
        assert!(f.terms[1].exclude);
        assert_eq!(f.terms[2].kind, Kind::Role("ad".into()));
        assert!(f.uses_time());
    }

    #[test]
    fn a_field_without_a_value_is_ignored_and_a_bad_value_explained() {
        assert!(Filter::new("team:").is_empty());
        assert!(Filter::new("-").terms.len() == 1);
        let f = Filter::new("beta:maybe");
        assert!(f.is_empty());
        assert!(f.problem().unwrap().contains("beta:on"));
        assert!(
            Filter::new("role:boss")
                .problem()
                .unwrap()
                .contains("role:admin")
        );
        assert!(Filter::parse("status:gone").is_err());
        assert!(Filter::parse("status:pending agent").is_ok());
    }

    #[test]
    fn one_pass_over_the_index_finds_what_each_users_search_finds() {
        use crate::domain::{Email, PersonName, Roles, WorkspaceId};
        let ws = WorkspaceId::new();
        let person = |email: &str, name: &str| {
            User::new_invited(
                ws,
                Email::parse(email).unwrap(),
                PersonName::parse(name).unwrap(),
                PersonName::parse(name).unwrap(),
                Roles::parse_list("agent").unwrap(),
                None,
                OffsetDateTime::UNIX_EPOCH,
            )
        };
        let users = [
            person("ab@x.io", "Søren Ab"),
            person("cd@x.io", "Aïcha Cd"),
            person("ef@x.io", "Søren Søren"),
        ];
        let names = HashMap::new();
        let mut index = SearchIndex::default();
        for u in &users {
            index.push(u, &names);
        }
        assert_eq!(index.text(1), "cd@x.io\naicha cd\naicha cd\nagent\n");
        // Words across two users' texts ("ab\n…cd") never match; hits jump to the next user.
        for typed in [
            "soren",
            "soren -ab",
            "aicha",
            "agent",
            "io cd",
            "ab\ncd",
            "-soren",
            "zz",
        ] {
            let filter = Filter::new(typed);
            let matcher = filter.matcher(&names);
            let each: Vec<bool> = users
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    matcher.matches_indexed(u, index.text(i), None, OffsetDateTime::UNIX_EPOCH)
                })
                .collect();
            assert_eq!(matcher.word_hits(&index), each, "{typed:?}");
        }
        let soren = Filter::new("soren -ab");
        assert_eq!(
            soren.matcher(&names).word_hits(&index),
            [false, false, true]
        );
    }

    /// The packed fields (roles, beta, status, team bits) answer as each user's record does,
    /// with few teams (bits) and with more than 64 (the records are read).
    #[test]
    fn packed_fields_answer_as_the_records_do() {
        use crate::domain::{Email, PersonName, Roles, TeamSet, WorkspaceId};
        let ws = WorkspaceId::new();
        for team_count in [3usize, 70] {
            let teams: Vec<TeamId> = (0..team_count).map(|_| TeamId::new()).collect();
            let names: HashMap<TeamId, String> = teams
                .iter()
                .enumerate()
                .map(|(n, &t)| {
                    (
                        t,
                        format!("Team {n} {}", ["Billing", "Tech", "Night"][n % 3]),
                    )
                })
                .collect();
            let roles = ["agent", "admin", "supervisor,agent", "owner,admin"];
            let users: Vec<User> = (0..40)
                .map(|n| {
                    let mut u = User::new_invited(
                        ws,
                        Email::parse(&format!("u{n}@x.io")).unwrap(),
                        PersonName::parse("Ana").unwrap(),
                        PersonName::parse("Ana").unwrap(),
                        Roles::parse_list(roles[n % 4]).unwrap(),
                        None,
                        OffsetDateTime::UNIX_EPOCH,
                    );
                    u.status = [
                        UserStatus::Active,
                        UserStatus::Inactive,
                        UserStatus::Invited,
                    ][n % 3];
                    u.beta = n % 5 == 0;
                    u.teams = (0..n % 4)
                        .map(|k| teams[(n * 7 + k * 13) % team_count])
                        .collect::<TeamSet>();
                    u
                })
                .collect();
            let mut index = SearchIndex::default();
            for u in &users {
                index.push(u, &names);
            }
            let now = OffsetDateTime::UNIX_EPOCH;
            let expires = |i: usize| i.is_multiple_of(2).then_some(now);
            for typed in [
                "role:ag",
                "-role:admin",
                "role:s beta:on",
                "team:tech",
                "-team:billing",
                "team:tech team:night",
                "team:nobody",
                "beta:off status:active",
                "status:expired",
                "ana role:o -team:night",
            ] {
                let filter = Filter::new(typed);
                let matcher = filter.matcher(&names);
                let masks = matcher.field_masks(&index);
                for (i, u) in users.iter().enumerate() {
                    assert_eq!(
                        matcher.matches_fields_at(&masks, &index, i, || u, expires(i), now),
                        matcher.matches_fields(u, expires(i), now),
                        "{typed:?}, user {i}, {team_count} teams"
                    );
                }
            }
        }
    }

    #[test]
    fn free_text_matches_words_and_exclusions() {
        let line = "Deactivated Søren Ærø by ann@acme.io";
        assert!(Filter::new("soren deact").matches_text(line));
        assert!(!Filter::new("soren -ann").matches_text(line));
        assert!(Filter::new("beta:on aero").matches_text(line));
    }

    #[test]
    fn growing_a_word_or_adding_a_term_narrows() {
        let n = |new: &str, old: &str| Filter::new(new).narrows(&Filter::new(old));
        assert!(n("bil", "bi"));
        assert!(n("agent bil", "agent"));
        assert!(n("team:billing", "team:bil"));
        assert!(n("role:admin", "role:a"));
        assert!(n("x -team:billing", "-team:billing"));
        assert!(!n("bi", "bil"));
        assert!(!n("-team:billing", "-team:bil"));
        assert!(!n("beta:off", "beta:on"));
        assert!(n("anything", ""));
    }
}
