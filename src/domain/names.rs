//! Human-readable names: person names (full and display), team names, workspace names.
//! Parsed once: a name is trimmed, in Unicode NFC, within its length limit, free of characters
//! that could rewrite a terminal, reorder text on screen or hide inside it, and shows at least
//! one letter or digit.

use super::error::{Field, Refusal, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_normalization::UnicodeNormalization;

pub const MAX_PERSON_NAME: usize = 100;
pub const MAX_TEAM_NAME: usize = 64;
pub const MAX_WORKSPACE_NAME: usize = 64;

/// Characters a stored name must never hold: C0/C1 controls (ESC among them), the bidi
/// embedding, override and isolate controls and marks, the line/paragraph separators that would
/// break a row in two, and the invisible format characters that make two names look alike
/// (zero-width space, soft hyphen, word joiner, byte-order mark…). Joiners (ZWJ U+200D, ZWNJ
/// U+200C) stay allowed: Persian and Indic names need them.
pub fn forbidden_in_name(c: char) -> bool {
    c.is_control()
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2060}'..='\u{2064}'
                | '\u{206A}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// A letter or digit that shows on screen. The Hangul fillers are letters to Unicode but draw
/// as blanks (a name of U+3164 alone looks empty).
fn visible_letter_or_digit(c: char) -> bool {
    c.is_alphanumeric() && !matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}')
}

fn parse_name(input: &str, field: Field, max: usize) -> Result<String> {
    let normalised: String = input.trim().nfc().collect();
    let trimmed = normalised.as_str();
    if trimmed.is_empty() {
        return Err(Refusal::invalid(field, "can't be empty"));
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(Refusal::invalid(
            field,
            format!("is {len} characters long; the limit is {max}"),
        ));
    }
    if let Some(c) = trimmed.chars().find(|&c| forbidden_in_name(c)) {
        return Err(Refusal::invalid(
            field,
            format!(
                "contains the invisible control character U+{:04X}; remove it (paste as plain text)",
                c as u32
            ),
        ));
    }
    if !trimmed.chars().any(visible_letter_or_digit) {
        return Err(Refusal::invalid(
            field,
            "needs at least one visible letter or digit",
        ));
    }
    Ok(normalised)
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $field:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn parse(input: &str) -> Result<Self> {
                parse_name(input, $field, $max).map(Self)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// Builds a name without checking it. Only for tests that must show how the front
            /// ends treat data that bypassed the core (an older store, a misbehaving server).
            #[doc(hidden)]
            pub fn unchecked(raw: impl Into<String>) -> Self {
                Self(raw.into())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        // Reading a stored or received record never fails on its content: every write went
        // through `parse`, and one odd record (an older store, a misbehaving server) must not
        // hide a whole workspace. Front ends neutralise what they display (`text::safe`).
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                String::deserialize(d).map(Self)
            }
        }
    };
}

name_type!(
    /// A user's full name or display name: 1 to 100 characters.
    PersonName, Field::FullName, MAX_PERSON_NAME
);
name_type!(
    /// A team's name: 1 to 64 characters, unique per workspace ignoring case.
    TeamName, Field::TeamName, MAX_TEAM_NAME
);
name_type!(
    /// A workspace's name: 1 to 64 characters.
    WorkspaceName, Field::WorkspaceName, MAX_WORKSPACE_NAME
);

impl PersonName {
    /// Parses a display name: the same rules as a full name, reported against its own field.
    pub fn parse_display(input: &str) -> Result<Self> {
        parse_name(input, Field::DisplayName, MAX_PERSON_NAME).map(Self)
    }
}

impl TeamName {
    /// The key that makes team names unique regardless of case and of how an accent was typed:
    /// NFC, then full case folding (upper then lower case: "Straße" and "STRASSE" are one),
    /// then NFC again because case mapping can decompose.
    pub fn folded(&self) -> String {
        let nfc: String = self.0.nfc().collect();
        nfc.to_uppercase().to_lowercase().nfc().collect()
    }
}

impl WorkspaceName {
    /// A short address for sign-in, from the name: lower-case ASCII letters, digits and dashes.
    pub fn slug(&self) -> String {
        let mut slug = String::new();
        for c in self.0.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        let slug = slug.trim_end_matches('-').to_string();
        if slug.is_empty() {
            "workspace".into()
        } else {
            slug
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_real_names() {
        for ok in [
            "Ann Lee",
            "José Álvarez",
            "山田 太郎",
            "می\u{200C}خواهم",
            "👩\u{200D}💻 Dev",
            "O'Brien-Smith",
        ] {
            let n = PersonName::parse(&format!("  {ok} ")).unwrap();
            assert_eq!(n.as_str(), ok);
        }
    }

    #[test]
    fn refuses_empty_and_overlong() {
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"x".repeat(100)).is_ok());
        let e = PersonName::parse(&"x".repeat(101)).unwrap_err();
        assert_eq!(e.field(), Some(Field::FullName));
        // the limit counts characters, not bytes
        assert!(PersonName::parse(&"é".repeat(100)).is_ok());
        assert!(TeamName::parse(&"t".repeat(65)).is_err());
    }

    #[test]
    fn refuses_controls_and_bidi_overrides() {
        for bad in [
            "Ann\u{1b}[2J",
            "Ann\u{7}",
            "Ann\u{9b}31m",
            "Ann\u{202E}eel",
            "Ann\u{2066}x",
            "A\u{2029}B",
            "a\tb",
        ] {
            assert!(PersonName::parse(bad).is_err(), "{bad:?}");
            assert!(TeamName::parse(bad).is_err(), "{bad:?}");
        }
        let e = PersonName::parse_display("Ann\u{202E}").unwrap_err();
        assert_eq!(e.field(), Some(Field::DisplayName));
        assert!(e.to_string().contains("U+202E"));
    }

    #[test]
    fn team_names_fold_case() {
        assert_eq!(
            TeamName::parse("Billing").unwrap().folded(),
            TeamName::parse("BILLING").unwrap().folded()
        );
    }

    #[test]
    fn team_names_fold_normal_forms_and_full_case() {
        let nfc = TeamName::parse("Caf\u{e9}").unwrap();
        let nfd = TeamName::parse("CAFE\u{301}").unwrap();
        assert_eq!(nfc.folded(), nfd.folded());
        // stored as typed, but in NFC
        assert_eq!(
            TeamName::parse("Cafe\u{301}").unwrap().as_str(),
            "Caf\u{e9}"
        );
        assert_eq!(
            TeamName::parse("Straße").unwrap().folded(),
            TeamName::parse("STRASSE").unwrap().folded()
        );
        // records written before folding changed read the same for ASCII names
        assert_eq!(TeamName::parse("Tier 2").unwrap().folded(), "tier 2");
    }

    #[test]
    fn names_need_a_visible_letter_or_digit() {
        for blank in [
            "\u{200b}",
            "\u{200b}\u{200b}\u{200b}",
            "\u{3164}",
            "\u{3164}\u{3164}",
            "\u{2800}",
            "\u{ffa0}",
            "-- . --",
            "\u{feff}",
        ] {
            let e = PersonName::parse(blank).unwrap_err();
            assert_eq!(e.field(), Some(Field::FullName), "{blank:?}");
            assert!(TeamName::parse(blank).is_err(), "{blank:?}");
            assert!(WorkspaceName::parse(blank).is_err(), "{blank:?}");
        }
        for hidden in ["An\u{ad}n", "Ann\u{200b}", "\u{feff}Ann", "Ann\u{200f}"] {
            assert!(PersonName::parse(hidden).is_err(), "{hidden:?}");
        }
        assert!(PersonName::parse("7").is_ok());
        assert!(PersonName::parse("Zoë").is_ok());
    }

    #[test]
    fn slugs() {
        assert_eq!(
            WorkspaceName::parse("Acme, Inc.").unwrap().slug(),
            "acme-inc"
        );
        assert_eq!(
            WorkspaceName::parse("Demo Support Co").unwrap().slug(),
            "demo-support-co"
        );
        assert_eq!(WorkspaceName::parse("山田").unwrap().slug(), "workspace");
    }

    #[test]
    fn reading_records_is_lenient_parsing_input_is_not() {
        let odd: PersonName = serde_json::from_str("\"a\\u001b[31m\"").unwrap();
        assert_eq!(odd.as_str(), "a\u{1b}[31m");
        assert!(PersonName::parse(odd.as_str()).is_err());
    }
}
