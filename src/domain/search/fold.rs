//! Folding text the way people type it: lower case, accents dropped.

/// Lower case without accents, for matching the way people type: "Søren Ærø" → "soren aero".
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

pub(super) fn fold_into(text: &str, out: &mut String) {
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
pub(super) fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Letters that carry their accent in the letter itself, so NFD leaves them whole.
pub(super) fn unaccented_letter(c: char) -> Option<&'static str> {
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
