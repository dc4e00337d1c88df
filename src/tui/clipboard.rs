//! Copying text to the admin's own clipboard with OSC 52 (works over SSH), and saying honestly
//! what happened: the console can only send the sequence, never see whether the terminal took
//! it. Inside tmux the sequence reaches the terminal only if tmux lets it through
//! (`allow-passthrough`, off by default since tmux 3.3, for the wrapped sequence; or
//! `set-clipboard on` for the plain one): tmux is asked at the start and after each copy, off
//! the render loop, and a setting that drops it is named with the command that fixes it.

use base64::Engine;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What the console knows about the way to the terminal's clipboard.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Route {
    /// Not inside tmux: the sequence goes straight to the terminal.
    #[default]
    Direct,
    /// Inside tmux, whose answer is not known (not yet asked, or it didn't answer in time).
    TmuxUnknown,
    /// Inside tmux, with its answers to `show-options -gv allow-passthrough` and
    /// `show-options -gv set-clipboard`.
    Tmux(TmuxOptions),
}

/// tmux's answer to one `show-options -gv NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Value(String),
    /// tmux doesn't know the option (tmux before 3.3 has no `allow-passthrough`, and lets
    /// every wrapped sequence through).
    Unknown,
    /// No answer (tmux missing, failed, or too slow).
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TmuxOptions {
    pub allow_passthrough: Answer,
    pub set_clipboard: Answer,
}

/// What to tell the admin after sending: a plain notice, or an error saying how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub text: String,
    pub error: bool,
}

impl TmuxOptions {
    /// Whether tmux passes the sequence on, by the route it takes.
    fn passes(&self) -> Option<&'static str> {
        match &self.allow_passthrough {
            Answer::Value(v) if matches!(v.as_str(), "on" | "all") => {
                return Some("tmux's allow-passthrough");
            }
            Answer::Unknown => return Some("tmux's passthrough"),
            _ => {}
        }
        match &self.set_clipboard {
            Answer::Value(v) if v == "on" => Some("tmux's set-clipboard"),
            _ => None,
        }
    }

    /// True when both answers are known and both routes are closed.
    fn drops(&self) -> bool {
        matches!(&self.allow_passthrough, Answer::Value(v) if v == "off")
            && matches!(&self.set_clipboard, Answer::Value(v) if v == "off" || v == "external")
    }
}

const FIX: &str = "tmux set -g set-clipboard on";

/// What to say after sending `what` (e.g. "the invite link of ann@…") by `route`. What
/// matters comes first, so that 80 columns show it: what happened, then the fix, then details.
pub fn report(what: &str, route: &Route) -> Report {
    let sent = |how: &str| Report {
        text: format!("sent to the terminal's clipboard{how} (OSC 52): {what}"),
        error: false,
    };
    match route {
        Route::Direct => sent(""),
        Route::Tmux(options) => match options.passes() {
            Some(how) => sent(&format!(" through {how}")),
            None if options.drops() => {
                let clipboard = match &options.set_clipboard {
                    Answer::Value(v) => v.as_str(),
                    _ => "?",
                };
                Report {
                    text: format!(
                        "tmux blocks it: run `{FIX}`, then y again (allow-passthrough off, set-clipboard {clipboard}; `tmux set -g allow-passthrough on` works too)"
                    ),
                    error: true,
                }
            }
            None => unknown(what),
        },
        Route::TmuxUnknown => unknown(what),
    }
}

fn unknown(what: &str) -> Report {
    Report {
        text: format!("sent via tmux (OSC 52); if nothing arrives: {FIX} ({what})"),
        error: false,
    }
}

/// The bytes that put `text` on the clipboard: OSC 52, and inside tmux also wrapped for its
/// passthrough, so whichever of the two tmux allows gets through (both set the same text).
pub fn sequence(text: &str, in_tmux: bool) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let osc = format!("\x1b]52;c;{encoded}\x07");
    if in_tmux {
        let wrapped = format!("\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b"));
        format!("{osc}{wrapped}")
    } else {
        osc
    }
}

/// Writes the sequence for `text` to the terminal.
pub fn write(text: &str) -> std::io::Result<()> {
    let seq = sequence(text, in_tmux());
    let mut out = std::io::stdout();
    out.write_all(seq.as_bytes())?;
    out.flush()
}

pub fn in_tmux() -> bool {
    std::env::var_os("TMUX").is_some_and(|v| !v.is_empty())
}

/// How long tmux gets to answer each question.
const ASK_TIMEOUT: Duration = Duration::from_millis(500);

/// Asks tmux about both options. Blocks for up to a second: call it off the render loop.
pub fn ask_tmux() -> Route {
    Route::Tmux(TmuxOptions {
        allow_passthrough: ask_option("allow-passthrough"),
        set_clipboard: ask_option("set-clipboard"),
    })
}

fn ask_option(name: &str) -> Answer {
    let child = Command::new("tmux")
        .args(["show-options", "-gv", name])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        return Answer::None;
    };
    let deadline = Instant::now() + ASK_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Answer::None;
            }
        }
    };
    let Ok(output) = child.wait_with_output() else {
        return Answer::None;
    };
    parse_answer(
        status.success(),
        &String::from_utf8_lossy(&output.stdout),
        &String::from_utf8_lossy(&output.stderr),
    )
}

/// tmux's reply to `show-options -gv NAME`, as an answer.
pub fn parse_answer(success: bool, stdout: &str, stderr: &str) -> Answer {
    if success {
        return match stdout.trim() {
            "" => Answer::None,
            v => Answer::Value(v.to_string()),
        };
    }
    // "invalid option: allow-passthrough" (tmux 3.2), "unknown option: …" (older)
    if stderr.contains("invalid option") || stderr.contains("unknown option") {
        Answer::Unknown
    } else {
        Answer::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmux(passthrough: (bool, &str, &str), clipboard: (bool, &str, &str)) -> Route {
        Route::Tmux(TmuxOptions {
            allow_passthrough: parse_answer(passthrough.0, passthrough.1, passthrough.2),
            set_clipboard: parse_answer(clipboard.0, clipboard.1, clipboard.2),
        })
    }

    const WHAT: &str = "the invite link of ann@acme.io";

    #[test]
    fn outside_tmux_it_says_sent_never_copied() {
        let r = report(WHAT, &Route::Direct);
        assert_eq!(
            r.text,
            "sent to the terminal's clipboard (OSC 52): the invite link of ann@acme.io"
        );
        assert!(!r.error);
        assert!(!r.text.contains("copied"));
    }

    #[test]
    fn tmux_3_3_defaults_drop_it_and_the_fix_is_named() {
        // tmux 3.3+: allow-passthrough off, set-clipboard external
        let r = report(WHAT, &tmux((true, "off\n", ""), (true, "external\n", "")));
        assert!(r.error);
        assert!(
            r.text
                .contains("allow-passthrough off, set-clipboard external"),
            "{}",
            r.text
        );
        assert!(
            r.text
                .starts_with("tmux blocks it: run `tmux set -g set-clipboard on`")
        );
        assert!(r.text.contains("tmux set -g allow-passthrough on"));
        let off = report(WHAT, &tmux((true, "off\n", ""), (true, "off\n", "")));
        assert!(off.error && off.text.contains("set-clipboard off"));
    }

    #[test]
    fn either_open_route_gets_it_through() {
        for on in ["on", "all"] {
            let r = report(WHAT, &tmux((true, on, ""), (true, "external", "")));
            assert!(!r.error);
            assert!(
                r.text.contains("through tmux's allow-passthrough (OSC 52)"),
                "{}",
                r.text
            );
        }
        let r = report(WHAT, &tmux((true, "off", ""), (true, "on", "")));
        assert!(!r.error);
        assert!(
            r.text.contains("through tmux's set-clipboard"),
            "{}",
            r.text
        );
    }

    #[test]
    fn tmux_before_3_3_has_no_passthrough_option_and_lets_it_through() {
        let r = report(
            WHAT,
            &tmux(
                (false, "", "invalid option: allow-passthrough\n"),
                (true, "external", ""),
            ),
        );
        assert!(!r.error);
        assert!(r.text.contains("through tmux's passthrough"), "{}", r.text);
    }

    #[test]
    fn no_answer_from_tmux_sends_and_says_what_to_do_if_nothing_arrives() {
        for route in [
            Route::TmuxUnknown,
            tmux((false, "", "no server running"), (false, "", "")),
            // one answer known: can't tell
            tmux((true, "off", ""), (false, "", "error connecting")),
        ] {
            let r = report(WHAT, &route);
            assert!(!r.error, "{route:?}");
            assert!(r.text.contains("if nothing arrives"), "{}", r.text);
            assert!(r.text.contains(FIX));
        }
    }

    #[test]
    fn inside_tmux_both_sequences_go_out() {
        let plain = sequence("hi", false);
        assert_eq!(plain, "\x1b]52;c;aGk=\x07");
        let both = sequence("hi", true);
        assert!(both.starts_with(&plain));
        assert!(both.ends_with("\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"));
    }
}
