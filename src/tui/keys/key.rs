//! One key as bindings compare it and as keys.toml writes it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub(super) const NONE: KeyModifiers = KeyModifiers::NONE;
pub(super) const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
pub(super) const CTRL: KeyModifiers = KeyModifiers::CONTROL;

use KeyCode::*;

/// A key as bindings compare it: Shift is part of the character (`G`), Ctrl-letters are
/// lower-case (terminals differ in both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (SHIFT | CTRL | KeyModifiers::ALT);
        let code = match code {
            Char(c) => {
                mods.remove(SHIFT);
                if mods.contains(CTRL) {
                    Char(c.to_ascii_lowercase())
                } else {
                    Char(c)
                }
            }
            BackTab => {
                mods.remove(SHIFT);
                BackTab
            }
            other => other,
        };
        Key { code, mods }
    }

    pub fn of(event: &KeyEvent) -> Key {
        Key::new(event.code, event.modifiers)
    }

    /// How the key is written on screen and in `keys.toml`.
    pub fn label(self) -> String {
        let mut out = String::new();
        if self.mods.contains(CTRL) {
            out.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        if self.mods.contains(SHIFT) {
            out.push_str("Shift-");
        }
        match self.code {
            Char(' ') => out.push_str("Space"),
            Char(c) if self.mods.contains(CTRL) => out.push(c.to_ascii_uppercase()),
            Char(c) => out.push(c),
            F(n) => out.push_str(&format!("F{n}")),
            other => out.push_str(match other {
                Up => "↑",
                Down => "↓",
                Left => "←",
                Right => "→",
                Enter => "Enter",
                Esc => "Esc",
                Tab => "Tab",
                BackTab => "Shift-Tab",
                Home => "Home",
                End => "End",
                PageUp => "PgUp",
                PageDown => "PgDn",
                Backspace => "Backspace",
                Delete => "Del",
                Insert => "Ins",
                _ => "?",
            }),
        }
        out
    }
}

/// Ctrl-C always quits: no file can take the way out away.
pub(super) const CTRL_C: Key = Key {
    code: Char('c'),
    mods: CTRL,
};

/// One key as written in `keys.toml`: a character (`j`, `D`, `?`), or a name (`Up`, `PgDn`,
/// `Enter`, `Esc`, `Tab`, `Space`, `Home`, `F5`, …), after `Ctrl-`, `Alt-` or `Shift-`.
pub fn parse_key(written: &str) -> Result<Key, String> {
    const HOW: &str = "write one character (j, D, ?) or a key's name (Up, Down, Left, Right, PgUp, PgDn, Home, End, Enter, Esc, Tab, Space, Backspace, Del, Ins, F1–F12), with Ctrl-, Alt- or Shift- before it";
    let mut mods = NONE;
    let mut rest = written.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        let (flag, len) = if lower.starts_with("ctrl-") && rest.len() > 5 {
            (CTRL, 5)
        } else if lower.starts_with("alt-") && rest.len() > 4 {
            (KeyModifiers::ALT, 4)
        } else if lower.starts_with("shift-") && rest.len() > 6 {
            (SHIFT, 6)
        } else {
            break;
        };
        mods |= flag;
        rest = &rest[len..];
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (None, _) => return Err(format!("an empty key: {HOW}")),
        (Some(c), None) if !c.is_control() && c != ' ' => {
            if mods.contains(SHIFT) {
                if !c.is_alphabetic() {
                    return Err(format!(
                        "write the shifted character itself (? rather than Shift-/): {HOW}"
                    ));
                }
                mods.remove(SHIFT);
                Char(c.to_uppercase().next().unwrap_or(c))
            } else {
                Char(c)
            }
        }
        _ => match rest.to_ascii_lowercase().as_str() {
            "up" | "↑" => Up,
            "down" | "↓" => Down,
            "left" | "←" => Left,
            "right" | "→" => Right,
            "enter" | "return" => Enter,
            "esc" | "escape" => Esc,
            "tab" if mods.contains(SHIFT) => {
                mods.remove(SHIFT);
                BackTab
            }
            "tab" => Tab,
            "backtab" => BackTab,
            "space" => Char(' '),
            "home" => Home,
            "end" => End,
            "pgup" | "pageup" => PageUp,
            "pgdn" | "pagedown" => PageDown,
            "backspace" => Backspace,
            "del" | "delete" => Delete,
            "ins" | "insert" => Insert,
            name => match name.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                Some(n @ 1..=12) => F(n),
                _ => return Err(format!("not a key: {HOW}")),
            },
        },
    };
    Ok(Key::new(code, mods))
}
