//! Making data text safe for a terminal. Names and emails are checked by the core, but data
//! from an older store or a misbehaving server may still hold control characters; nothing from
//! the data may reach the terminal as an escape sequence or reorder the text around it.

/// The visible stand-in for a neutralised character.
pub const PLACEHOLDER: char = '\u{FFFD}';

/// True for characters that must never be written to a terminal from data: C0 and C1
/// controls (ESC, CSI…), bidi embeddings, overrides, isolates and marks, line and paragraph
/// separators, and other invisible format characters — except the joiners real names need.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200E}' | '\u{200F}' | '\u{061C}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}' | '\u{2029}'
            | '\u{206A}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0000}'..='\u{E007F}')
}

/// Returns the text with every unsafe character replaced by a visible placeholder.
pub fn safe(text: &str) -> String {
    safe_ref(text).into_owned()
}

/// [`safe`] without a copy when there is nothing to replace (almost always).
pub fn safe_ref(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| if is_unsafe(c) { PLACEHOLDER } else { c })
        .collect::<String>()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_never_survive() {
        let evil = "Ann\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\u{9b}31m\u{202E}eel\u{2066}";
        let s = safe(evil);
        assert!(!s.chars().any(is_unsafe), "{s:?}");
        assert!(s.starts_with("Ann\u{FFFD}"));
    }

    #[test]
    fn real_names_are_untouched() {
        for name in [
            "José Álvarez",
            "山田 太郎",
            "می\u{200C}خواهم",
            "👩\u{200D}💻",
        ] {
            assert_eq!(safe(name), name);
        }
    }
}
