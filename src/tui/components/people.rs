//! Everyone a confirmation affects, listed in full and scrollable (the confirmation itself
//! names three and says how many more); closing it goes back to the confirmation.

use super::{Action, Component, Ctx, EventState, Queue};
use crate::text::safe;
use crate::tui::keys::{Dialog, DialogKey as K, Hint, HintSpec, dialogs::hint};
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, hint_line, popup, scroll_key, top_line};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

#[derive(Debug, Clone, Default)]
pub struct People {
    pub title: String,
    pub names: Vec<String>,
    pub scroll: usize,
    /// The last top line the latest drawing could show.
    pub last_top: std::cell::Cell<Option<usize>>,
}

pub const BINDINGS: &[HintSpec] = &[
    hint(&[K::PeopleClose], "Esc", "back"),
    hint(&[K::Up, K::Down], "↑↓ j k", "scroll"),
    hint(&[K::PageUp, K::PageDown], "PgUp PgDn", "page"),
];

impl People {
    pub fn new(title: impl Into<String>, names: Vec<String>) -> Self {
        People {
            title: title.into(),
            names,
            ..People::default()
        }
    }
}

impl Component for People {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        match cx.keymap.dialog(Dialog::People, key) {
            Some(K::PeopleClose) => {
                out.push(Action::Close);
                EventState::Consumed
            }
            command => scroll_key(command, &mut self.scroll, self.last_top.get()).into(),
        }
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Hint> {
        cx.keymap.dialog_hints(BINDINGS)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        let rect = centered(area, 80, area.height.saturating_sub(4));
        let title = format!("{} ({})", self.title, self.names.len());
        let (inner, block) = popup(frame, rect, &title, theme);
        frame.render_widget(block, rect);
        let [hint_row, inner] = inner.layout(&Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
        ]));
        frame.render_widget(hint_line(&self.bindings(cx), theme), hint_row);
        let lines: Vec<Line> = self.names.iter().map(|n| Line::raw(safe(n))).collect();
        let top = top_line(self.scroll, &self.last_top, &lines, inner);
        frame.render_widget(Paragraph::new(lines).scroll((top as u16, 0)), inner);
    }
}
