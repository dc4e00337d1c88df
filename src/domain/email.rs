//! The login identifier. Parsed once: an `Email` is always trimmed, in Unicode NFC, lower-cased
//! and plausible, and holds no character that could make two different-looking addresses look
//! alike (invisible, format and bidi characters, compatibility forms such as fullwidth letters,
//! scripts mixed inside one part, a whole part in another script that reads as Latin).

use super::error::{Field, Refusal, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, MixedScript};

/// The RFC 5321 limit on a forward path.
pub const MAX_EMAIL_LEN: usize = 254;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Trims, normalises (NFC), lower-cases and checks the shape `local@domain.tld`.
    /// Deliverability is the mail server's business; this refuses what can never be an address
    /// and what could pass for another one.
    pub fn parse(input: &str) -> Result<Self> {
        let normalised: String = input.trim().nfc().collect();
        let trimmed = normalised.as_str();
        let bad = |reason: &str| Err(Refusal::invalid(Field::Email, reason));
        if trimmed.is_empty() {
            return bad("enter an email address, like ann@example.com");
        }
        if trimmed.chars().count() > MAX_EMAIL_LEN {
            return bad("is longer than 254 characters");
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("must not contain spaces or control characters");
        }
        if let Some(c) = trimmed
            .chars()
            .find(|c| !c.is_ascii() && !c.identifier_allowed())
        {
            return Err(Refusal::invalid(
                Field::Email,
                format!(
                    "contains U+{:04X}, an invisible, formatting or look-alike character; type the address as plain text",
                    c as u32
                ),
            ));
        }
        let Some((local, domain)) = trimmed.rsplit_once('@') else {
            return bad("needs an @, like ann@example.com");
        };
        if local.is_empty() || local.len() > 64 {
            return bad("needs 1 to 64 characters before the @");
        }
        if local.contains('@')
            || local.contains(['<', '>', '(', ')', '[', ']', ',', ';', ':', '"', '\\'])
        {
            return bad("has a character that is not allowed before the @");
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return bad("can't start or end with a dot or have two dots in a row before the @");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return bad("needs a domain with a dot after the @, like example.com");
        }
        for label in &labels {
            let ok = !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-');
            if !ok {
                return bad("has an invalid domain after the @");
            }
        }
        // Each part in one script (Unicode's augmented script sets: Japanese mixing Han and
        // kana is one), so "аnn" with a Cyrillic а can't pass for "ann". The parts may differ:
        // a Cyrillic name at a Latin domain is a real address.
        if std::iter::once(local)
            .chain(labels.iter().copied())
            .any(|part| !part.is_single_script())
        {
            return bad(
                "mixes letters of different scripts (e.g. a Cyrillic а among Latin letters); type it in one script",
            );
        }
        // A whole part in another script whose every letter has a Latin twin ("асе" in
        // Cyrillic) would pass for a Latin address although it is in one script. Unicode's
        // confusables (UTS #39 skeletons, from unicode-security) tell: such a part's skeleton is
        // plain ASCII. Real words of those scripts nearly always hold a letter without a twin.
        for (i, part) in std::iter::once(local)
            .chain(labels.iter().copied())
            .enumerate()
        {
            let lower = part.to_lowercase();
            if lower.is_ascii() {
                continue;
            }
            let skeleton: String = unicode_security::skeleton(&lower).collect();
            if skeleton.is_ascii() {
                let which = if i == 0 {
                    "before the @"
                } else {
                    "of the domain"
                };
                return Err(Refusal::invalid(
                    Field::Email,
                    format!(
                        "the part {which} reads as the Latin \"{skeleton}\" but is written in other letters; type it in Latin letters"
                    ),
                ));
            }
        }
        Ok(Self(trimmed.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Reading a record never fails on its content (see `names`): every write went through `parse`.
// Input from people arrives as plain strings and is parsed by the service.
impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(|s| Email(s.trim().to_lowercase()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_lowercases() {
        assert_eq!(
            Email::parse("  Ann@ACME.io ").unwrap().as_str(),
            "ann@acme.io"
        );
    }

    #[test]
    fn accepts_plausible_addresses() {
        for ok in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "josé@correo.es",
            "x@xn--80ak6aa92e.com",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_what_cannot_be_an_address() {
        for bad in [
            "",
            "   ",
            "ann",
            "ann@",
            "@acme.io",
            "ann@acme",
            "ann@@acme.io",
            "an n@acme.io",
            "ann@acme..io",
            ".ann@acme.io",
            "ann.@acme.io",
            "ann@-acme.io",
            "a\u{1b}[31m@acme.io",
            "ann@acme.io\n",
        ] {
            let r = Email::parse(bad);
            if bad == "ann@acme.io\n" {
                // a trailing newline is whitespace and is trimmed
                assert!(r.is_ok());
                continue;
            }
            assert!(
                matches!(
                    r,
                    Err(Refusal::Invalid {
                        field: Field::Email,
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn nfc_and_nfd_spellings_are_one_address() {
        let nfc = Email::parse("jos\u{e9}@acme.io").unwrap();
        let nfd = Email::parse("jose\u{301}@acme.io").unwrap();
        assert_eq!(nfc, nfd);
        assert_eq!(nfc.as_str(), "jos\u{e9}@acme.io");
    }

    #[test]
    fn refuses_a_whole_part_that_reads_as_latin_in_another_script() {
        // Cyrillic "асе" and "рор", Greek "ορο": each letter has a Latin twin.
        for bad in [
            "\u{430}\u{441}\u{435}@acme.io",
            "ann@\u{440}\u{43e}\u{440}.io",
            "\u{3bf}\u{3c1}\u{3bf}@acme.io",
        ] {
            let e = Email::parse(bad).unwrap_err();
            assert!(e.to_string().contains("reads as"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn international_addresses_keep_working() {
        for ok in [
            "иван@пример.рф",
            "иван@acme.io",
            "山田@例え.jp",
            "やまだ太郎@acme.io",
            "δοκιμή@παράδειγμα.δοκιμή",
            "müller@straße.de",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_lookalikes_of_an_address() {
        for bad in [
            "ann\u{200b}@acme.io",
            "\u{feff}ann@acme.io",
            "an\u{ad}n@acme.io",
            "ann\u{202e}@acme.io",
            "ann\u{2066}@acme.io",
            "ann\u{200e}@acme.io",
            "\u{ff41}\u{ff4e}\u{ff4e}@acme.io",
            "ann@\u{ff41}cme.io",
            "\u{430}nn@acme.io",
            "ann@\u{430}cme.io",
            "ann\u{3164}@acme.io",
        ] {
            let e = Email::parse(bad).unwrap_err();
            assert_eq!(e.field(), Some(Field::Email), "{bad:?}");
        }
        let e = Email::parse("ann\u{200b}@acme.io").unwrap_err();
        assert!(e.to_string().contains("U+200B"), "{e}");
        let e = Email::parse("\u{430}nn@acme.io").unwrap_err();
        assert!(e.to_string().contains("scripts"), "{e}");
    }

    #[test]
    fn length_limit_is_254() {
        let domain = format!(
            "{}.{}.{}.io",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63)
        );
        let local = "l".repeat(254 - 1 - domain.len());
        let at_limit = format!("{local}@{domain}");
        assert_eq!(at_limit.len(), 254);
        assert!(Email::parse(&at_limit).is_ok());
        let over = format!("l{at_limit}");
        assert!(Email::parse(&over).is_err());
    }

    #[test]
    fn reading_records_normalises_without_refusing() {
        let e: Email = serde_json::from_str("\"Ann@Acme.io\"").unwrap();
        assert_eq!(e.as_str(), "ann@acme.io");
        assert!(serde_json::from_str::<Email>("\"nope\"").is_ok());
        assert!(Email::parse("nope").is_err());
    }
}
