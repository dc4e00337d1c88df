//! Passwords: 8 to 256 characters, not easy to guess, stored only as argon2id PHC strings.

use super::error::{Broken, Field, Refusal, Result};
use argon2::password_hash::phc::PasswordHash as Phc;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use std::fmt;

pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 256;
/// zxcvbn's score 3: more than 10^8 guesses, beyond an online attack and costly offline at
/// the argon2 cost below.
const MIN_STRENGTH: zxcvbn::Score = zxcvbn::Score::Three;

/// A password as typed, checked for length. Never printed.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(input: &str) -> Result<Self> {
        let len = input.chars().count();
        if len < MIN_PASSWORD {
            return Err(Refusal::invalid(
                Field::Password,
                format!("must be at least {MIN_PASSWORD} characters"),
            ));
        }
        if len > MAX_PASSWORD {
            return Err(Refusal::invalid(
                Field::Password,
                format!("must be at most {MAX_PASSWORD} characters"),
            ));
        }
        // NIST 800-63B: every printable character and space is allowed; a control character
        // (C0, DEL, C1) can't be typed on a sign-in form and is a pasting or scripting mistake.
        if let Some(c) = input.chars().find(|c| c.is_control()) {
            return Err(Refusal::invalid(
                Field::Password,
                format!(
                    "must not contain control characters such as NUL, tab or a line break \
                     (it contains U+{:04X}); letters, digits, symbols and spaces are all allowed",
                    u32::from(c)
                ),
            ));
        }
        Ok(Password(input.to_string()))
    }

    /// Parses a password someone is choosing: within the length limits and not easy to guess.
    /// zxcvbn estimates the guesses an attacker needs, with its lists of common passwords,
    /// names and words, keyboard patterns, repeats and dates, and with `context` (the person's
    /// email, name, the workspace's name) as words an attacker would try first.
    pub fn parse_new(input: &str, context: &[&str]) -> Result<Self> {
        let password = Self::parse(input)?;
        // The parts of the context on their own too ("acme" from "ann@acme.io"), and run
        // together ("annlee" from "Ann Lee" or "ann.lee@…").
        const SEPARATORS: [char; 5] = ['@', '.', ' ', '-', '_'];
        let mut words: Vec<String> = Vec::new();
        for c in context {
            words.push(c.to_string());
            words.extend(c.split(SEPARATORS).map(str::to_string));
            let local = c.split('@').next().unwrap_or(c);
            words.push(local.replace(SEPARATORS, ""));
            words.push(c.replace(SEPARATORS, ""));
        }
        words.retain(|w| w.chars().count() >= 3);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let estimate = zxcvbn::zxcvbn(input, &words);
        if estimate.score() < MIN_STRENGTH {
            let why = estimate
                .feedback()
                .and_then(|f| f.warning())
                .map(|w| format!(" ({})", w.to_string().trim_end_matches('.')))
                .unwrap_or_default();
            return Err(Refusal::invalid(
                Field::Password,
                format!("is too easy to guess{why}; use a few unrelated words or a longer phrase"),
            ));
        }
        Ok(password)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// argon2id cost parameters. `owasp()` is what production uses; tests may use cheaper ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl HashCost {
    /// OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
    pub const fn owasp() -> Self {
        HashCost {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }

    /// For tests only: the smallest cost argon2 accepts.
    pub const fn insecure_for_tests() -> Self {
        HashCost {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
        }
    }

    fn hasher(self) -> Result<Argon2<'static>, Broken> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| Broken::new(format!("bad argon2 parameters: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

impl Default for HashCost {
    fn default() -> Self {
        Self::owasp()
    }
}

/// A stored password hash (PHC string, salt included).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PasswordHash(String);

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

impl PasswordHash {
    /// Hashes with a fresh random salt. Slow by design: call from a blocking context.
    pub fn new(password: &Password, cost: HashCost) -> Result<Self, Broken> {
        let hash = cost
            .hasher()?
            .hash_password(password.expose().as_bytes())
            .map_err(|e| Broken::new(format!("password hashing failed: {e}")))?;
        Ok(PasswordHash(hash.to_string()))
    }

    /// Checks a password with the parameters recorded in the hash itself.
    pub fn verify(&self, password: &str) -> bool {
        let Ok(parsed) = Phc::new(&self.0) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    }

    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_and_every_printable_character_and_space_is_not() {
        for c in [
            '\0', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{80}', '\u{85}', '\u{9f}',
        ] {
            let e = Password::parse(&format!("correct horse{c}battery")).unwrap_err();
            assert_eq!(e.field(), Some(Field::Password), "{c:?}");
            assert!(e.to_string().contains("control characters"), "{c:?}: {e}");
            assert!(
                !e.to_string().contains("correct"),
                "the password is never echoed"
            );
        }
        for ok in [
            "  correct horse battery  ",
            "\u{a0}ünïcode ∑ horse — battery staple",
            "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ 0123",
            "パスワードは長いほうがいい",
        ] {
            assert!(Password::parse_new(ok, &[]).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn length_limits() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse(&"p".repeat(256)).is_ok());
        let e = Password::parse(&"p".repeat(257)).unwrap_err();
        assert_eq!(e.field(), Some(Field::Password));
    }

    #[test]
    fn refuses_common_and_guessable_passwords() {
        for weak in [
            "password1",
            "12345678",
            "        ",
            "qwertyuiop",
            "Password123!",
            "aaaaaaaaaaaa",
            "iloveyou2024",
        ] {
            let e = Password::parse_new(weak, &[]).unwrap_err();
            assert_eq!(e.field(), Some(Field::Password), "{weak:?}");
            assert!(e.to_string().contains("too easy to guess"), "{weak:?}: {e}");
        }
    }

    #[test]
    fn refuses_passwords_made_of_the_context() {
        let context = ["ann.lee@acme.io", "Ann Lee", "Acme Support"];
        for weak in ["ann.lee@acme.io", "acmesupport", "annlee2026", "AcmeAcme1"] {
            assert!(Password::parse_new(weak, &context).is_err(), "{weak:?}");
        }
    }

    #[test]
    fn accepts_passwords_that_are_hard_to_guess() {
        for strong in [
            "correct horse battery",
            "a long new password",
            "another password",
            "vK8#qz!Lw2",
            "tres tristes tigres comen trigo",
        ] {
            assert!(
                Password::parse_new(strong, &["ann@acme.io"]).is_ok(),
                "{strong:?}"
            );
        }
    }

    #[test]
    fn hash_and_verify() {
        let pw = Password::parse("correct horse").unwrap();
        let h = PasswordHash::new(&pw, HashCost::insecure_for_tests()).unwrap();
        assert!(h.as_phc().starts_with("$argon2id$v=19$"));
        assert!(h.verify("correct horse"));
        assert!(!h.verify("correct horsE"));
        assert!(!format!("{h:?}").contains("argon2"));
        assert!(!format!("{pw:?}").contains("horse"));
    }

    #[test]
    fn production_cost_is_owasp_argon2id() {
        let c = HashCost::default();
        assert_eq!((c.memory_kib, c.iterations, c.parallelism), (19456, 2, 1));
        let h = PasswordHash::new(&Password::parse("long enough").unwrap(), c).unwrap();
        assert!(
            h.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            h.as_phc()
        );
    }
}
