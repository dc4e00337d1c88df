//! A progress bar for long bulk runs, on a terminal only: piped output gets nothing extra.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// Below this many users a run is quick enough to need no bar.
pub const SHOW_FROM: usize = 200;

pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar over `total` users when there are enough of them and both stdout and stderr are a
    /// terminal (a script reading stdout or stderr sees only the lines it expects).
    pub fn new(total: usize, what: &str) -> Progress {
        let shown = total >= SHOW_FROM
            && std::io::stdout().is_terminal()
            && std::io::stderr().is_terminal();
        if !shown {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(what.to_string());
        Progress(Some(bar))
    }

    /// A spinner for one long call whose progress can't be counted (a dry run is one
    /// transaction over every user).
    pub fn spinner(total: usize, what: &str) -> Progress {
        let mut p = Progress::new(total, what);
        if let Some(bar) = &p.0 {
            bar.set_length(0);
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        } else {
            p.0 = None;
        }
        p
    }

    pub fn advance(&self, n: usize) {
        if let Some(bar) = &self.0 {
            bar.inc(n as u64);
        }
    }

    /// Runs `f` (which prints to stdout) with the bar hidden, so lines and bar don't mix.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.0 {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
