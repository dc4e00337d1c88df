//! One-time secrets (invite tokens, session tokens) and their stored form, a SHA-256 hash.
//! The plain token exists only in the response to the person who needs it; stores keep hashes.

use super::error::{Broken, Field, Refusal, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

const TOKEN_BYTES: usize = 32;

/// A secret token: 32 bytes from the OS CSPRNG, written as base64url without padding.
#[derive(Clone, PartialEq, Eq)]
pub struct Token([u8; TOKEN_BYTES]);

impl Token {
    pub fn generate() -> Result<Self, Broken> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes)
            .map_err(|e| Broken::new(format!("the OS random generator failed: {e}")))?;
        Ok(Token(bytes))
    }

    /// Parses a token as typed or pasted (surrounding whitespace ignored).
    pub fn parse(input: &str) -> Result<Self> {
        let bad = || {
            Refusal::invalid(
                Field::Token,
                "is not an invite or session token (check that the whole link was copied)",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(input.trim()).map_err(|_| bad())?;
        let bytes: [u8; TOKEN_BYTES] = bytes.try_into().map_err(|_| bad())?;
        Ok(Token(bytes))
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0).into())
    }
}

// Never print a secret, even in debug output or logs.
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The SHA-256 of a token: what stores keep.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn from_hex(s: &str) -> Option<Self> {
        if s.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
            let hex = std::str::from_utf8(chunk).ok()?;
            out[i] = u8::from_str_radix(hex, 16).ok()?;
        }
        Some(TokenHash(out))
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", &self.to_hex()[..8])
    }
}

impl Serialize for TokenHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for TokenHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        TokenHash::from_hex(&s).ok_or_else(|| serde::de::Error::custom("not a SHA-256 hex digest"))
    }
}

// The plain token travels once, in the response to whoever must deliver it.
impl Serialize for Token {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Token::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_32_random_bytes_in_base64url() {
        let a = Token::generate().unwrap();
        let b = Token::generate().unwrap();
        assert_ne!(a, b);
        let text = a.encode();
        assert_eq!(text.len(), 43);
        assert!(
            text.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(Token::parse(&format!(" {text}\n")).unwrap(), a);
    }

    #[test]
    fn hash_is_sha256_and_roundtrips_as_hex() {
        let t = Token::parse(&URL_SAFE_NO_PAD.encode([0u8; 32])).unwrap();
        // SHA-256 of 32 zero bytes
        assert_eq!(
            t.hash().to_hex(),
            "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
        );
        let h = t.hash();
        assert_eq!(TokenHash::from_hex(&h.to_hex()), Some(h));
    }

    #[test]
    fn bad_tokens_are_refused_and_secrets_not_printed() {
        assert!(Token::parse("short").is_err());
        assert!(Token::parse(&"A".repeat(44)).is_err());
        let t = Token::generate().unwrap();
        assert!(!format!("{t:?}").contains(&t.encode()));
    }
}
