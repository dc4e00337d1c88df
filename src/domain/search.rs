//! The one definition of "this user matches the filter", used by the console's filter, the
//! server's `q=` parameter and the CLI's `--filter` alike.
//!
//! Syntax: words separated by spaces must all match, each somewhere in the name, display name,
//! email, role or team names; case and accents are ignored (`soren` finds Søren). Field terms:
//! `role:admin`, `team:billing`, `beta:on`/`beta:off`, `status:active|inactive|invited|expired`.
//! A leading `-` excludes (`-team:billing`, `-contractor`). Double quotes keep spaces in a value
//! (`team:"tier 2"`). A field term with no value yet (`team:`) is ignored while it is typed.

use super::{Invite, Role, Team, TeamId, User, UserStatus};
use std::collections::HashMap;
use time::OffsetDateTime;

/// What `status:` can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusTerm {
    Is(UserStatus),
    /// Invited, and the invite has expired.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
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
struct Term {
    exclude: bool,
    kind: Kind,
}

/// A parsed filter: folded once, then matched against many users.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    terms: Vec<Term>,
    problem: Option<String>,
}

/// A user's name, display name, email, roles and team names, folded and joined once per load
/// so that a keystroke only searches, never folds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(Box<str>);

impl SearchText {
    pub fn new(user: &User, team_names: &HashMap<TeamId, String>) -> Self {
        let mut text = String::with_capacity(64);
        write_search_text(user, team_names, &mut text);
        SearchText(text.into_boxed_str())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A user's folded fields, each followed by a newline: words never contain one, so no match
/// spans two fields, nor (in a [`SearchIndex`]) two users.
fn write_search_text(user: &User, team_names: &HashMap<TeamId, String>, text: &mut String) {
    for part in [
        user.email.as_str(),
        user.full_name.as_str(),
        user.display_name.as_str(),
    ] {
        fold_into(part, text);
        text.push('\n');
    }
    for role in user.roles.iter() {
        fold_into(role.label(), text);
        text.push('\n');
    }
    for name in user.teams.iter().filter_map(|t| team_names.get(t)) {
        fold_into(name, text);
        text.push('\n');
    }
}

/// Many users' search texts, one after the other in one buffer: a word is then found with one
/// pass over the buffer ([`Matcher::word_hits`]) instead of one search per user, and the texts
/// cost no allocation each.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    text: String,
    /// Where each user's text ends in `text`.
    ends: Vec<u32>,
    /// Which bytes each user's text holds (see [`byte_bits`]): a one-letter word, the first
    /// key of every search, is then a bit test per user instead of a search that stops at
    /// almost every user.
    bytes: Vec<u128>,
    /// Per user, what `role:`, `beta:` and `status:` test, packed: read for everyone in one
    /// pass instead of each user's record (a cache miss or two per user).
    fields: Vec<Packed>,
    /// Per user, their teams as bits of `team_slots`; only while the workspace's users belong
    /// to at most 64 teams (`teams_fit`), else `team:` reads the records.
    team_bits: Vec<u64>,
    team_slots: HashMap<TeamId, u32>,
    teams_overflow: bool,
}

/// A user's roles, beta access and status in two bytes.
#[derive(Debug, Clone, Copy)]
struct Packed {
    roles: u8,
    /// Bit 0: beta; bits 1–2: the status.
    flags: u8,
}

impl Packed {
    fn of(user: &User) -> Self {
        let status = match user.status {
            UserStatus::Invited => 0,
            UserStatus::Active => 1,
            UserStatus::Inactive => 2,
        };
        Packed {
            roles: user.roles.bits(),
            flags: u8::from(user.beta) | status << 1,
        }
    }

    fn beta(self) -> bool {
        self.flags & 1 != 0
    }

    fn status(self) -> UserStatus {
        match self.flags >> 1 {
            0 => UserStatus::Invited,
            1 => UserStatus::Active,
            _ => UserStatus::Inactive,
        }
    }
}

/// The bits of `text`'s bytes: printable ASCII byte `b` sets bit `b` (exactly); any other byte
/// sets one of the bits below 32, which no printable byte uses.
fn byte_bits(text: &[u8]) -> u128 {
    text.iter().fold(0u128, |bits, &b| {
        bits | 1u128 << if b < 128 { b } else { b & 31 }
    })
}

impl SearchIndex {
    pub fn push(&mut self, user: &User, team_names: &HashMap<TeamId, String>) {
        let start = self.text.len();
        write_search_text(user, team_names, &mut self.text);
        self.bytes.push(byte_bits(&self.text.as_bytes()[start..]));
        self.fields.push(Packed::of(user));
        let mut bits = 0u64;
        for team in &user.teams {
            let next = self.team_slots.len() as u32;
            let slot = *self.team_slots.entry(*team).or_insert(next);
            if slot < 64 {
                bits |= 1 << slot;
            } else {
                self.teams_overflow = true;
            }
        }
        self.team_bits.push(bits);
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The folded text of the `i`th user pushed.
    pub fn text(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// Gives back the spare capacity once every user is in.
    pub fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.bytes.shrink_to_fit();
        self.fields.shrink_to_fit();
        self.team_bits.shrink_to_fit();
    }
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
    pub fn parse(text: &str) -> Result<Self, super::Error> {
        let filter = Filter::new(text);
        match &filter.problem {
            Some(problem) => Err(super::Error::invalid(
                super::Field::Filter,
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

/// Each term's roles or teams as bits of a [`SearchIndex`] (see [`Matcher::field_masks`]).
#[derive(Debug, Clone)]
pub struct FieldMasks {
    terms: Vec<u64>,
    /// A team term in a workspace whose teams don't fit the index's bits (more than 64 in
    /// use): the records are read.
    read_records: bool,
}

/// A filter ready for one workspace: team terms resolved to team ids.
#[derive(Clone)]
pub struct Matcher<'a> {
    filter: &'a Filter,
    /// Per term: the teams a `team:` term names (empty for other terms).
    teams: Vec<Vec<TeamId>>,
    /// Per word term: its substring searcher, built once rather than per user.
    finders: Vec<Option<memchr::memmem::Finder<'a>>>,
}

impl Matcher<'_> {
    /// `expires_at`: the user's pending invite's expiry, if any.
    pub fn matches(
        &self,
        user: &User,
        text: &SearchText,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> bool {
        self.matches_text_of(user, Some(text.as_str()), expires_at, now)
    }

    /// The same, with the user's folded text as a string (a [`SearchIndex`] entry).
    pub fn matches_indexed(
        &self,
        user: &User,
        text: &str,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> bool {
        self.matches_text_of(user, Some(text), expires_at, now)
    }

    /// Every term but the words, which [`Matcher::word_hits`] has already decided.
    pub fn matches_fields(
        &self,
        user: &User,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> bool {
        self.matches_text_of(user, None, expires_at, now)
    }

    /// Prepares [`Matcher::matches_fields_at`] for `index`: each term's roles and teams as bits.
    pub fn field_masks(&self, index: &SearchIndex) -> FieldMasks {
        let terms = self
            .filter
            .terms
            .iter()
            .zip(&self.teams)
            .map(|(term, teams)| match &term.kind {
                Kind::Role(prefix) => Role::ALL
                    .iter()
                    .filter(|r| {
                        r.label()
                            .get(..prefix.len())
                            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
                    })
                    .fold(0u64, |bits, r| bits | u64::from(r.bit())),
                Kind::Team(_) => teams
                    .iter()
                    .filter_map(|t| index.team_slots.get(t))
                    .filter(|&&slot| slot < 64)
                    .fold(0u64, |bits, &slot| bits | 1 << slot),
                _ => 0,
            })
            .collect();
        let team_terms = self
            .filter
            .terms
            .iter()
            .any(|t| matches!(t.kind, Kind::Team(_)));
        FieldMasks {
            terms,
            read_records: index.teams_overflow && team_terms,
        }
    }

    /// [`Matcher::matches_fields`] for the `i`th user of `index`, from its packed fields; the
    /// record is read (`user`) only for team terms in a workspace of more than 64 teams.
    pub fn matches_fields_at<'u>(
        &self,
        masks: &FieldMasks,
        index: &SearchIndex,
        i: usize,
        user: impl FnOnce() -> &'u User,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> bool {
        if masks.read_records {
            return self.matches_fields(user(), expires_at, now);
        }
        let packed = index.fields[i];
        self.filter
            .terms
            .iter()
            .zip(&masks.terms)
            .zip(&self.finders)
            .all(|((term, &mask), finder)| {
                let hit = match (&term.kind, finder) {
                    (_, Some(_)) | (Kind::Word(_), None) => return true,
                    (Kind::Role(_), _) => u64::from(packed.roles) & mask != 0,
                    (Kind::Team(_), _) => index.team_bits[i] & mask != 0,
                    (Kind::Beta(on), _) => packed.beta() == *on,
                    (Kind::Status(StatusTerm::Is(status)), _) => packed.status() == *status,
                    (Kind::Status(StatusTerm::Expired), _) => {
                        packed.status() == UserStatus::Invited
                            && expires_at.is_some_and(|e| now >= e)
                    }
                };
                hit != term.exclude
            })
    }

    /// Whether the filter has word terms (searched in the text) at all.
    pub fn has_words(&self) -> bool {
        self.finders.iter().any(Option::is_some)
    }

    /// Whether the filter has terms other than words (roles, teams, beta, status): without
    /// them, [`Matcher::word_hits`] decides alone and no user record needs reading.
    pub fn has_fields(&self) -> bool {
        self.finders.iter().any(Option::is_none)
    }

    /// For each user of `index`: whether their text has every word of the filter and none of
    /// its excluded words. One pass over the whole index per word; after a hit the search
    /// jumps to the next user's text, so it costs at most one search per user.
    pub fn word_hits(&self, index: &SearchIndex) -> Vec<bool> {
        self.word_hits_skipping(index, &[])
    }

    /// The same, skipping the terms `skip` marks (by position; see [`Filter::settled_by`]):
    /// the answer is then only right for users known to satisfy those terms.
    pub fn word_hits_skipping(&self, index: &SearchIndex, skip: &[bool]) -> Vec<bool> {
        let mut all = vec![true; index.len()];
        let bytes = index.text.as_bytes();
        for (n, (term, finder)) in self.filter.terms.iter().zip(&self.finders).enumerate() {
            let Some(finder) = finder else { continue };
            if skip.get(n).copied().unwrap_or(false) {
                continue;
            }
            if let &[b @ 33..=126] = finder.needle() {
                // One printable letter: each user's bits say it exactly.
                let bit = 1u128 << b;
                for (keep, bits) in all.iter_mut().zip(&index.bytes) {
                    *keep &= (bits & bit != 0) != term.exclude;
                }
                continue;
            }
            let mut found = vec![false; index.len()];
            let (mut pos, mut user) = (0usize, 0usize);
            while pos < bytes.len() {
                let Some(at) = finder.find(&bytes[pos..]) else {
                    break;
                };
                let at = pos + at;
                while (index.ends[user] as usize) <= at {
                    user += 1;
                }
                found[user] = true;
                pos = index.ends[user] as usize;
            }
            for (keep, hit) in all.iter_mut().zip(found) {
                *keep &= hit != term.exclude;
            }
        }
        all
    }

    /// `text: None` skips the word terms (decided elsewhere).
    fn matches_text_of(
        &self,
        user: &User,
        text: Option<&str>,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> bool {
        self.filter
            .terms
            .iter()
            .zip(self.teams.iter().zip(&self.finders))
            .all(|(term, (teams, finder))| {
                let hit = match (&term.kind, finder) {
                    (_, Some(finder)) => match text {
                        Some(text) => finder.find(text.as_bytes()).is_some(),
                        None => return true,
                    },
                    (Kind::Word(word), None) => match text {
                        Some(text) => text.contains(word.as_str()),
                        None => return true,
                    },
                    (Kind::Role(prefix), _) => user.roles.iter().any(|r| {
                        // Labels are ASCII: compared in place, no lower-cased copy per user.
                        r.label()
                            .get(..prefix.len())
                            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
                    }),
                    (Kind::Team(_), _) => teams.iter().any(|t| user.teams.contains(t)),
                    (Kind::Beta(on), _) => user.beta == *on,
                    (Kind::Status(StatusTerm::Is(status)), _) => user.status == *status,
                    (Kind::Status(StatusTerm::Expired), _) => {
                        user.status == UserStatus::Invited && expires_at.is_some_and(|e| now >= e)
                    }
                };
                hit != term.exclude
            })
    }
}

fn implies(new: &Term, old: &Term) -> bool {
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
fn tokens(text: &str) -> Vec<String> {
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
fn parse_term(body: &str) -> Result<Option<Kind>, String> {
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

/// Lower case without accents, for matching the way people type: "Søren Ærø" → "soren aero".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

fn fold_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        out.extend(text.chars().map(|c| c.to_ascii_lowercase()));
        return;
    }
    let nfd = icu_normalizer::DecomposingNormalizerBorrowed::new_nfd();
    let ccc = icu_normalizer::properties::CanonicalCombiningClassMapBorrowed::new();
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(plain) = unaccented_letter(c) {
            out.push_str(plain);
        } else {
            for d in nfd.normalize_iter(std::iter::once(c)) {
                // Combining marks (accents) go; what they sat on stays.
                if ccc.get32_u8(u32::from(d)) == 0 && !is_combining_mark(d) {
                    out.extend(d.to_lowercase());
                }
            }
        }
    }
}

/// Combining marks with class 0 that NFD can leave behind (e.g. U+0338 has class 1, but some
/// marks like U+20DD have 0): the common diacritics block is enough for names.
fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Letters that carry their accent in the letter itself, so NFD leaves them whole.
fn unaccented_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'ø' | 'Ø' => "o",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ß' | 'ẞ' => "ss",
        'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'ł' | 'Ł' => "l",
        'þ' | 'Þ' => "th",
        'ı' => "i",
        'ħ' | 'Ħ' => "h",
        'ŧ' | 'Ŧ' => "t",
        _ => return None,
    })
}

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
