//! The per-user index: each user's folded search text and packed fields, kept once per load
//! so a keystroke only searches. No parsing of filters here.

use super::*;

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
pub(super) fn write_search_text(
    user: &User,
    team_names: &HashMap<TeamId, String>,
    text: &mut String,
) {
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
    pub(super) text: String,
    /// Where each user's text ends in `text`.
    pub(super) ends: Vec<u32>,
    /// Which bytes each user's text holds (see [`byte_bits`]): a one-letter word, the first
    /// key of every search, is then a bit test per user instead of a search that stops at
    /// almost every user.
    pub(super) bytes: Vec<u128>,
    /// Per user, what `role:`, `beta:` and `status:` test, packed: read for everyone in one
    /// pass instead of each user's record (a cache miss or two per user).
    pub(super) fields: Vec<Packed>,
    /// Per user, their teams as bits of `team_slots`; only while the workspace's users belong
    /// to at most 64 teams (`teams_fit`), else `team:` reads the records.
    pub(super) team_bits: Vec<u64>,
    pub(super) team_slots: HashMap<TeamId, u32>,
    pub(super) teams_overflow: bool,
}

/// A user's roles, beta access and status in two bytes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Packed {
    pub(super) roles: u8,
    /// Bit 0: beta; bits 1–2: the status.
    pub(super) flags: u8,
}

impl Packed {
    pub(super) fn of(user: &User) -> Self {
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

    pub(super) fn beta(self) -> bool {
        self.flags & 1 != 0
    }

    pub(super) fn status(self) -> UserStatus {
        match self.flags >> 1 {
            0 => UserStatus::Invited,
            1 => UserStatus::Active,
            _ => UserStatus::Inactive,
        }
    }
}

/// The bits of `text`'s bytes: printable ASCII byte `b` sets bit `b` (exactly); any other byte
/// sets one of the bits below 32, which no printable byte uses.
pub(super) fn byte_bits(text: &[u8]) -> u128 {
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
