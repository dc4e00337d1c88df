//! The activity log, newest first, loaded a page at a time as the admin scrolls; `/` filters
//! the loaded events: `user:EMAIL`, `action:ACTION` and `since:7d` as `atender-admin log` reads
//! them, other words as the users' filter does.

use super::{Action, Component, Ctx, EventState, Queue};
use crate::Result;
use crate::domain::search::Filter;
use crate::domain::{AuditEvent, AuditFilter};
use crate::text::safe;
use crate::tui::effects::{Effect, Reply};
use crate::tui::keys::{Dialog, DialogKey as K, Hint, HintSpec, Keymap, dialogs::hint};
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, event_line, fit_line, hint_line, paste_into, popup};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

#[derive(Debug, Clone, Default)]
pub struct LogView {
    pub events: Vec<AuditEvent>,
    pub next: Option<String>,
    /// Position in the events the filter shows.
    pub scroll: usize,
    pub loading: bool,
    pub error: Option<String>,
    /// `/` filters the loaded events with the users' filter syntax.
    pub filter: Input,
    pub filter_focus: bool,
}

pub const BINDINGS: &[HintSpec] = &[
    hint(&[K::LogClose], "Esc", "close"),
    hint(&[K::Up, K::Down], "↑↓ j k", "scroll"),
    hint(&[K::PageUp, K::PageDown], "PgUp PgDn", "page"),
    hint(&[K::Top, K::Bottom], "g G", "newest, oldest"),
    hint(&[K::LogFilter], "/", "filter"),
];
const FILTER_BINDINGS: &[HintSpec] = &[
    hint(&[K::LogFilterKeep], "Enter", "keep the filter"),
    hint(&[K::LogFilterClear], "Esc", "clear it"),
];

impl LogView {
    /// A log waiting for its first page.
    pub fn loading() -> Self {
        LogView {
            loading: true,
            ..Default::default()
        }
    }

    /// The loaded events the filter shows, newest first.
    /// The loaded events the filter shows: `user:`, `action:` and `since:` terms as in
    /// `atender-admin log`, every other word as the users' filter matches text. A term that
    /// can't be read (an unknown action) shows nothing, and the line says why.
    pub fn shown_at(&self, now: time::OffsetDateTime) -> Vec<&AuditEvent> {
        let Ok((terms, words)) = AuditFilter::parse_terms(self.filter.value(), now) else {
            return vec![];
        };
        let filter = Filter::new(&words.join(" "));
        if filter.is_empty() && terms.is_empty() {
            return self.events.iter().collect();
        }
        self.events
            .iter()
            .filter(|e| terms.matches(e) && filter.matches_text(&e.search_line()))
            .collect()
    }

    /// Why the filter shows nothing, when one of its terms can't be read.
    pub fn filter_problem(&self, now: time::OffsetDateTime) -> Option<String> {
        AuditFilter::parse_terms(self.filter.value(), now)
            .err()
            .map(|e| e.to_string())
    }

    fn filter_key(&mut self, key: &KeyEvent, keymap: &Keymap) {
        match keymap.dialog(Dialog::LogFilter, key) {
            Some(K::LogFilterKeep) => self.filter_focus = false,
            Some(_) => {
                self.filter = Input::default();
                self.filter_focus = false;
                self.scroll = 0;
            }
            _ => {
                if self
                    .filter
                    .handle_event(&crossterm::event::Event::Key(*key))
                    .is_some_and(|c| c.value)
                {
                    self.scroll = 0;
                }
            }
        }
    }
}

impl Component for LogView {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        if self.filter_focus {
            self.filter_key(key, cx.keymap);
            return EventState::Consumed;
        }
        let command = cx.keymap.dialog(Dialog::Log, key);
        match command {
            // Esc is one level back: a filter goes before the log does.
            Some(K::LogClose)
                if key.code == crossterm::event::KeyCode::Esc
                    && !self.filter.value().is_empty() =>
            {
                self.filter = Input::default();
                self.scroll = 0;
            }
            Some(K::LogClose) => out.push(Action::Close),
            Some(K::LogFilter) => self.filter_focus = true,
            Some(K::Down | K::PageDown) => {
                let step = if command == Some(K::PageDown) { 10 } else { 1 };
                let shown = self.shown_at(cx.now).len();
                self.scroll = (self.scroll + step).min(shown.saturating_sub(1));
                // Near the end of what is loaded: the next page.
                if self.scroll + 20 >= shown
                    && !self.loading
                    && let Some(before) = self.next.as_ref().and_then(|n| n.parse().ok())
                {
                    self.loading = true;
                    out.push(Action::Request(Effect::Audit {
                        before: Some(before),
                    }));
                }
            }
            Some(K::Up) => self.scroll = self.scroll.saturating_sub(1),
            Some(K::PageUp) => self.scroll = self.scroll.saturating_sub(10),
            Some(K::Top) => self.scroll = 0,
            Some(K::Bottom) => self.scroll = self.shown_at(cx.now).len().saturating_sub(1),
            _ => return EventState::NotConsumed,
        }
        EventState::Consumed
    }

    fn on_paste(&mut self, text: &str) -> EventState {
        if !self.filter_focus {
            return EventState::NotConsumed;
        }
        if paste_into(&mut self.filter, text) {
            self.scroll = 0;
        }
        EventState::Consumed
    }

    fn on_reply(
        &mut self,
        asked: &Effect,
        result: Result<Reply>,
        _cx: &Ctx,
        _out: &mut Queue,
    ) -> Option<Result<Reply>> {
        self.loading = false;
        match result {
            Ok(Reply::Audit(page)) => {
                if matches!(asked, Effect::Audit { before: None }) {
                    self.events.clear();
                }
                self.events.extend(page.items);
                self.next = page.next;
            }
            Ok(other) => return Some(Ok(other)),
            Err(e) => self.error = Some(e.to_string()),
        }
        None
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Hint> {
        cx.keymap.dialog_hints(if self.filter_focus {
            FILTER_BINDINGS
        } else {
            BINDINGS
        })
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        let rect = centered(
            area,
            area.width.saturating_sub(4),
            area.height.saturating_sub(2),
        );
        let (inner, block) = popup(frame, rect, "Activity log — newest first", theme);
        frame.render_widget(block, rect);
        let [hint_row, inner] = inner.layout(&Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
        ]));
        frame.render_widget(hint_line(&self.bindings(cx), theme), hint_row);
        let mut lines: Vec<Line> = Vec::new();
        if let Some(e) = &self.error {
            lines.push(Line::styled(safe(e), theme.error()));
        }
        let height = usize::from(inner.height.saturating_sub(1));
        let shown = self.shown_at(cx.now);
        for e in shown.iter().skip(self.scroll).take(height) {
            lines.push(fit_line(event_line(e, theme), usize::from(inner.width)));
        }
        if self.loading {
            lines.push(Line::styled("loading…", theme.dim()));
        } else if self.events.is_empty() && self.error.is_none() {
            lines.push(Line::styled("no activity yet", theme.dim()));
        } else if let Some(problem) = self.filter_problem(cx.now) {
            lines.push(Line::styled(safe(&problem), theme.error()));
        } else if shown.is_empty() {
            lines.push(Line::styled(
                "nothing loaded matches the filter — Esc clears it",
                theme.dim(),
            ));
        }
        let more = if self.next.is_some() { "+" } else { "" };
        let position = (self.scroll + 1).min(shown.len());
        let mut footer = vec![Span::styled(
            if self.filter.value().is_empty() && !self.filter_focus {
                format!("{position} of {}{more}", shown.len())
            } else {
                format!(
                    "{position} of {} matching ({} loaded{more}) · ",
                    shown.len(),
                    self.events.len()
                )
            },
            theme.dim(),
        )];
        if self.filter_focus || !self.filter.value().is_empty() {
            footer.push(Span::styled("/", theme.key()));
            footer.push(Span::raw(safe(self.filter.value())));
            if let Some(problem) = Filter::new(self.filter.value()).problem() {
                footer.push(Span::styled(
                    format!("  ({})", safe(problem)),
                    theme.error(),
                ));
            }
        }
        lines.truncate(height);
        lines.push(Line::from(footer));
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
