//! The filter's grammar: terms (words, `role:`, `team:`, `beta:`, `status:`, exclusions,
//! quotes) parsed into a `Filter`, and how one filter narrows another. Matching users lives in
//! `matching`; nothing here reads a user.

use super::*;

/// What `status:` can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusTerm {
    Is(UserStatus),
    /// Invited, and the invite has expired.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// Folded text found anywhere in the user's search text.
    Word(String),
    /// A role whose (folded) label starts with this.
    Role(String),
    /// A team whose folded name contains this.
    Team(String),
    Beta(bool),
    Status(StatusTerm),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Term {
    pub(super) exclude: bool,
    pub(super) kind: Kind,
}

/// A parsed filter: folded once, then matched against many users.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub(super) terms: Vec<Term>,
    pub(super) problem: Option<String>,
}

impl Filter {
    /// Parses what the admin typed. Never fails: a term that can't be understood is left out of
    /// the matching and explained by [`Filter::problem`].
    pub fn new(text: &str) -> Self {
        let mut filter = Filter::default();
        for token in tokens(text) {
            let (exclude, body) = match token.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (true, rest),
                _ => (false, token.as_str()),
            };
            match parse_term(body) {
                Ok(Some(kind)) => filter.terms.push(Term { exclude, kind }),
                Ok(None) => {}
                Err(problem) => {
                    filter.problem.get_or_insert(problem);
                }
            }
        }
        filter
    }

    /// Parses, refusing a filter with a term that can't be understood (for scripts and the API,
    /// where nobody watches the result narrow as they type).
    pub fn parse(text: &str) -> Result<Self, crate::domain::Refusal> {
        let filter = Filter::new(text);
        match &filter.problem {
            Some(problem) => Err(crate::domain::Refusal::invalid(
                crate::domain::Field::Filter,
                problem.to_string(),
            )),
            None => Ok(filter),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Why part of the filter is being ignored, for the admin to fix.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// Whether the result depends on the time (expired invites).
    pub fn uses_time(&self) -> bool {
        self.terms
            .iter()
            .any(|t| t.kind == Kind::Status(StatusTerm::Expired))
    }

    /// True when every user this filter matches is sure to match `previous` too, so the
    /// previous result can be narrowed instead of searching everyone again.
    pub fn narrows(&self, previous: &Filter) -> bool {
        previous
            .terms
            .iter()
            .all(|old| self.terms.iter().any(|new| implies(new, old)))
    }

    /// For each term: whether every user `previous` matches is sure to satisfy it, so a search
    /// narrowing `previous`'s result can skip it (`agent bil` after `agent bi` searches `bil`
    /// only).
    pub fn settled_by(&self, previous: &Filter) -> Vec<bool> {
        self.terms
            .iter()
            .map(|new| previous.terms.iter().any(|old| implies(old, new)))
            .collect()
    }

    /// Prepares the filter for a workspace's teams.
    pub fn matcher<'a>(&'a self, team_names: &HashMap<TeamId, String>) -> Matcher<'a> {
        let teams = self
            .terms
            .iter()
            .map(|t| match &t.kind {
                Kind::Team(value) => team_names
                    .iter()
                    .filter(|(_, name)| fold(name).contains(value.as_str()))
                    .map(|(&id, _)| id)
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        let finders = self
            .terms
            .iter()
            .map(|t| match &t.kind {
                Kind::Word(word) => Some(memchr::memmem::Finder::new(word.as_bytes())),
                _ => None,
            })
            .collect();
        Matcher {
            filter: self,
            teams,
            finders,
        }
    }

    /// The plain, unprepared match: folds everything on every call. For single lookups and as
    /// the reference the fast paths are tested against.
    pub fn matches(
        &self,
        user: &User,
        team_names: &HashMap<TeamId, String>,
        invite: Option<&Invite>,
        now: OffsetDateTime,
    ) -> bool {
        self.matcher(team_names).matches(
            user,
            &SearchText::new(user, team_names),
            invite.map(|i| i.expires_at),
            now,
        )
    }
}

impl Filter {
    /// Matches free text, such as an activity-log line, the same way: words and excluded words
    /// as for users; `role:`/`team:` look for their value in the text; `beta:` and `status:`
    /// say nothing about text and match everything.
    pub fn matches_text(&self, text: &str) -> bool {
        let folded = fold(text);
        self.terms.iter().all(|term| {
            let hit = match &term.kind {
                Kind::Word(v) | Kind::Role(v) | Kind::Team(v) => folded.contains(v.as_str()),
                Kind::Beta(_) | Kind::Status(_) => return true,
            };
            hit != term.exclude
        })
    }
}

pub(super) fn implies(new: &Term, old: &Term) -> bool {
    if new.exclude != old.exclude {
        return false;
    }
    if new.exclude {
        // Excluding more text excludes fewer users: only the same term is sure to narrow.
        return new.kind == old.kind;
    }
    match (&new.kind, &old.kind) {
        (Kind::Word(n), Kind::Word(o)) | (Kind::Team(n), Kind::Team(o)) => n.contains(o.as_str()),
        (Kind::Role(n), Kind::Role(o)) => n.starts_with(o.as_str()),
        (n, o) => n == o,
    }
}

/// Splits on whitespace outside double quotes; quotes are dropped.
pub(super) fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// One term without its `-`; `Ok(None)` for a field term still without a value.
pub(super) fn parse_term(body: &str) -> Result<Option<Kind>, String> {
    let Some((field, value)) = body.split_once(':') else {
        return Ok(Some(Kind::Word(fold(body))));
    };
    let field = field.to_ascii_lowercase();
    let value = fold(value.trim());
    let known = ["role", "team", "beta", "status"];
    if !known.contains(&field.as_str()) {
        // Not a field: search the text as typed (colons can be part of nothing else we hold,
        // but a typo should still find nothing rather than be dropped).
        return Ok(Some(Kind::Word(fold(body))));
    }
    if value.is_empty() {
        return Ok(None);
    }
    match field.as_str() {
        "role" => {
            if Role::ALL
                .iter()
                .any(|r| r.label().to_ascii_lowercase().starts_with(&value))
            {
                Ok(Some(Kind::Role(value)))
            } else {
                Err(format!(
                    "role:{value} is not a role; use role:owner, role:admin, role:supervisor or role:agent"
                ))
            }
        }
        "team" => Ok(Some(Kind::Team(value))),
        "beta" => match value.as_str() {
            "on" | "yes" | "true" => Ok(Some(Kind::Beta(true))),
            "off" | "no" | "false" => Ok(Some(Kind::Beta(false))),
            _ => Err(format!("beta:{value}: use beta:on or beta:off")),
        },
        _ => match value.as_str() {
            "expired" => Ok(Some(Kind::Status(StatusTerm::Expired))),
            other => UserStatus::parse(other)
                .map(|s| Some(Kind::Status(StatusTerm::Is(s))))
                .ok_or_else(|| {
                    format!(
                        "status:{value}: use status:active, status:inactive, status:invited or status:expired"
                    )
                }),
        },
    }
}
