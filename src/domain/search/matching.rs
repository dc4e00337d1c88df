//! Matching: a `Filter` resolved for one workspace (`Matcher`) tested against users, their
//! search texts or a whole `SearchIndex` in one pass. The grammar lives in `grammar`.

use super::*;

/// Each term's roles or teams as bits of a [`SearchIndex`] (see [`Matcher::field_masks`]).
#[derive(Debug, Clone)]
pub struct FieldMasks {
    pub(super) terms: Vec<u64>,
    /// A team term in a workspace whose teams don't fit the index's bits (more than 64 in
    /// use): the records are read.
    pub(super) read_records: bool,
}

/// A filter ready for one workspace: team terms resolved to team ids.
#[derive(Clone)]
pub struct Matcher<'a> {
    pub(super) filter: &'a Filter,
    /// Per term: the teams a `team:` term names (empty for other terms).
    pub(super) teams: Vec<Vec<TeamId>>,
    /// Per word term: its substring searcher, built once rather than per user.
    pub(super) finders: Vec<Option<memchr::memmem::Finder<'a>>>,
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
    pub(super) fn matches_text_of(
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
