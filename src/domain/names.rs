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

/// Characters a stored name must never hold, on their own: C0/C1 controls (ESC among them),
/// every format character (general category Cf: the bidi controls and marks, zero-width space,
/// soft hyphen, word joiner, byte-order mark, the tag characters U+E0000–E007F, the musical
/// formatting U+1D173–1D17A, …), private-use, surrogate and unassigned code points (the
/// noncharacters U+FFFE, U+FFFF, … among them), the line/paragraph separators that would break a
/// row in two, and the invisible fillers and selectors that are letters, marks or symbols to
/// Unicode but show nothing: the Hangul fillers, the Braille blank, the combining grapheme
/// joiner, variation selectors, Mongolian free variation selectors and the Khmer inherent
/// vowels. The joiners ZWJ U+200D and ZWNJ U+200C are format characters, but allowed where a
/// script needs them (`joiner_is_needed`), so they are not listed here.
pub fn forbidden_in_name(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    if is_joiner(c) {
        return false;
    }
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::PrivateUse
            | GeneralCategory::Surrogate
            | GeneralCategory::Unassigned
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    ) || invisible_filler(c)
}

/// Letters, marks and symbols that draw as nothing (or as a blank) on their own.
fn invisible_filler(c: char) -> bool {
    matches!(
        c,
        '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
            | '\u{2800}' // Braille pattern blank
            | '\u{034F}' // combining grapheme joiner
            | '\u{17B4}' | '\u{17B5}' // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}' // Mongolian free variation selectors
            | '\u{FE00}'..='\u{FE0F}' // variation selectors
            | '\u{E0100}'..='\u{E01EF}' // variation selectors supplement
    )
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200C}' | '\u{200D}')
}

/// The scripts whose spelling uses the joiners: Arabic-script languages (Persian, Urdu, …),
/// Syriac and N'Ko (ZWNJ breaks a joining letter), and the Indic scripts (ZWJ and ZWNJ choose
/// between a conjunct, a half form and a visible virama).
fn uses_joiners(c: char) -> bool {
    use unicode_script::{Script, UnicodeScript};
    matches!(
        c.script(),
        Script::Arabic
            | Script::Syriac
            | Script::Nko
            | Script::Devanagari
            | Script::Bengali
            | Script::Gurmukhi
            | Script::Gujarati
            | Script::Oriya
            | Script::Tamil
            | Script::Telugu
            | Script::Kannada
            | Script::Malayalam
            | Script::Sinhala
    )
}

/// A joiner is kept only between two characters of one script that uses joiners (`می‌خواهم`,
/// `क्‍ष`), or, for ZWJ, between two emoji (`👩‍💻`): anywhere else (in Latin text, at either
/// end, doubled) it only hides a difference between two names that look alike.
fn joiner_is_needed(before: Option<char>, joiner: char, after: Option<char>) -> bool {
    use unicode_properties::UnicodeEmoji;
    use unicode_script::UnicodeScript;
    let (Some(before), Some(after)) = (before, after) else {
        return false;
    };
    let emoji = |c: char| !c.is_ascii() && c.is_emoji_char();
    (joiner == '\u{200D}' && emoji(before) && emoji(after))
        || (uses_joiners(before) && uses_joiners(after) && before.script() == after.script())
}

/// The first character of `name` a name must not hold where it stands, if any.
pub fn first_forbidden_in_name(name: &str) -> Option<char> {
    let chars: Vec<char> = name.chars().collect();
    chars.iter().enumerate().find_map(|(i, &c)| {
        let bad = if is_joiner(c) {
            let before = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
            !joiner_is_needed(before, c, chars.get(i + 1).copied())
        } else {
            forbidden_in_name(c)
        };
        bad.then_some(c)
    })
}

/// A letter or digit that shows on screen. The Hangul fillers are letters to Unicode but draw
/// as blanks (a name of U+3164 alone looks empty).
fn visible_letter_or_digit(c: char) -> bool {
    c.is_alphanumeric() && !invisible_filler(c)
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
    if let Some(c) = first_forbidden_in_name(trimmed) {
        let what = if is_joiner(c) {
            "a joiner its script doesn't need"
        } else {
            "the invisible character"
        };
        return Err(Refusal::invalid(
            field,
            format!(
                "contains {what} U+{:04X}; remove it (paste as plain text)",
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

impl TeamName {
    /// What the name looks like: the UTS #39 confusable skeleton of `folded` (Cyrillic `і`
    /// and Latin `i`, `rn` and `m`, are one). Two team names with one look are one team.
    pub fn look(&self) -> String {
        let skeleton: String = unicode_security::skeleton(&self.folded()).collect();
        skeleton.to_lowercase()
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
    fn refuses_format_private_unassigned_and_invisible_fillers_anywhere() {
        for bad in [
            "Billing\u{E0020}",
            "Bill\u{E0062}ing",
            "Bil\u{1D173}ling",
            "Billing\u{34F}",
            "Billing\u{FE0F}",
            "Billing\u{FE00}",
            "Billing\u{E0100}",
            "Bill\u{FFFE}ing",
            "Bill\u{FFFF}",
            "Bill\u{FDD0}",
            "Bill\u{E000}",
            "Bill\u{F0000}",
            "Bill\u{378}",
            "Ann\u{3164}Lee",
            "Ann\u{115F}",
            "Ann\u{1160}",
            "Ann\u{FFA0}",
            "Ann\u{2800}Lee",
            "Ann\u{180B}",
            "Ann\u{17B4}",
            "Ann\u{600}",
            "Ann\u{2061}",
            "Ann\u{200B}Lee",
        ] {
            let e = PersonName::parse(bad).unwrap_err();
            assert!(e.to_string().contains("U+"), "{bad:?}: {e}");
            assert!(PersonName::parse_display(bad).is_err(), "{bad:?}");
            assert!(TeamName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn joiners_only_where_a_script_needs_them() {
        for ok in [
            "می\u{200C}خواهم",  // Persian: ZWNJ between Arabic letters
            "क्\u{200D}ष",       // Devanagari: ZWJ after a virama
            "ಕ್\u{200C}ಷ",       // Kannada: ZWNJ
            "👩\u{200D}💻 Dev", // an emoji ZWJ sequence
        ] {
            assert!(PersonName::parse(ok).is_ok(), "{ok:?}");
            assert!(TeamName::parse(ok).is_ok(), "{ok:?}");
        }
        for bad in [
            "Bil\u{200D}ling",
            "Ann\u{200C}",
            "\u{200D}Ann",
            "می\u{200C}\u{200C}خواهم",
            "a\u{200D}👩",
            "क\u{200D}a",
            "1\u{200D}2",
        ] {
            let e = PersonName::parse(bad).unwrap_err();
            assert!(e.to_string().contains("joiner"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn lookalike_team_names_share_a_look() {
        let look = |n: &str| TeamName::parse(n).unwrap().look();
        assert_eq!(look("Billing"), look("B\u{456}lling")); // Cyrillic і
        assert_eq!(look("Billing"), look("BILLING"));
        assert_eq!(look("Corn"), look("Com"));
        assert_ne!(look("Billing"), look("Bowling"));
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
