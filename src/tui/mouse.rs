//! The mouse, off unless asked for (`--mouse`), and never at the cost of the terminal's own
//! text selection by default:
//!
//! - `--mouse` (`scroll`): alternate-scroll mode (DECSET 1007). The terminal turns the wheel
//!   into ↑/↓ keys while the console's screen is up; the mouse itself is never captured, so
//!   selecting and copying text works as everywhere else. Terminals without the mode ignore it.
//! - `--mouse click`: the mouse is captured (DECSET 1000 clicks and wheel, 1006 SGR
//!   coordinates): a click picks a tab or a row, the wheel moves the cursor. Selecting text
//!   then takes Shift (Option on macOS terminals) while dragging, as in every app that
//!   captures the mouse.
//!
//! Whatever is turned on is turned off again on every way out, a panic included.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MouseMode {
    /// Nothing: the terminal keeps the mouse (the default).
    #[default]
    Off,
    /// The wheel moves the cursor (alternate-scroll mode); selection untouched.
    Scroll,
    /// Clicks pick tabs and rows, the wheel moves the cursor; Shift-drag selects text.
    Click,
}

impl MouseMode {
    /// What turns the mode on.
    pub fn enable(self) -> &'static str {
        match self {
            MouseMode::Off => "",
            MouseMode::Scroll => "\x1b[?1007h",
            MouseMode::Click => "\x1b[?1000h\x1b[?1006h",
        }
    }

    /// What turns it off again (the terminal's defaults).
    pub fn disable(self) -> &'static str {
        match self {
            MouseMode::Off => "",
            MouseMode::Scroll => "\x1b[?1007l",
            MouseMode::Click => "\x1b[?1006l\x1b[?1000l",
        }
    }
}

/// Where on the screen a click landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Tab(super::model::Tab),
    /// A row of the current tab's view (an index into `TabView::rows`).
    Row(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_turns_off_what_it_turned_on() {
        assert_eq!(MouseMode::default(), MouseMode::Off);
        assert_eq!(MouseMode::Off.enable(), "");
        for mode in [MouseMode::Scroll, MouseMode::Click] {
            let on: Vec<&str> = mode.enable().split("\x1b[?").skip(1).collect();
            let off: Vec<&str> = mode.disable().split("\x1b[?").skip(1).collect();
            assert_eq!(on.len(), off.len());
            for o in on {
                let number = o.trim_end_matches('h');
                assert!(off.contains(&format!("{number}l").as_str()), "{mode:?} {o}");
            }
        }
        // scroll mode never captures the mouse
        assert!(!MouseMode::Scroll.enable().contains("1000"));
    }
}
