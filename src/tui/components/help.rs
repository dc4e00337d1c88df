//! Every key: the table's from the key map, then each dialog's from its own bindings, so help
//! can never drift from what the keys do. Its hint line sits at the top, visible at any height.

use super::{Action, Component, Ctx, EventState, Queue};
use super::{confirm, detail, forms, links, log, picker, teams};
use crate::tui::keys::{BINDINGS as TABLE, Dialog, DialogKey as K, Hint, HintSpec, Scope};
use crate::tui::keys::{changes, dialogs::hint};
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, hint_line, popup, scroll_key, top_line};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

#[derive(Debug, Clone, Default)]
pub struct Help {
    pub scroll: usize,
    /// The last top line the latest drawing could show (drawing is pure but remembers it).
    pub last_top: std::cell::Cell<Option<usize>>,
}

pub const BINDINGS: &[HintSpec] = &[
    hint(&[K::HelpClose], "Esc", "close"),
    hint(&[K::Up, K::Down], "↑↓ j k", "scroll"),
    hint(&[K::PageUp, K::PageDown], "PgUp PgDn", "page"),
    hint(&[K::Top, K::Bottom], "g G Home End", "top, bottom"),
];

/// Every component's keys by title, for the help screen.
pub fn help_sections() -> Vec<(&'static str, &'static [HintSpec])> {
    vec![
        ("Confirmation", confirm::BUTTONS),
        ("Confirmation typed by name", confirm::TYPED),
        ("User details (Enter)", detail::BINDINGS),
        ("Invite and edit forms (i, e)", forms::BINDINGS),
        ("Roles picker (o)", picker::ROLE_BINDINGS),
        ("Team picker (t)", picker::TEAM_BINDINGS),
        ("Teams (T)", teams::BINDINGS),
        ("Team name being typed", teams::EDIT_BINDINGS),
        ("Activity log (L)", log::BINDINGS),
        ("Invite links", links::BINDINGS),
        (
            "Everyone a confirmation affects (a)",
            super::people::BINDINGS,
        ),
        ("Sign in", forms::sign_in::BINDINGS),
        ("Help (?)", BINDINGS),
    ]
}

impl Component for Help {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        match cx.keymap.dialog(Dialog::Help, key) {
            Some(K::HelpClose) => {
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
        let rect = centered(area, 90, area.height.saturating_sub(2));
        let (inner, block) = popup(frame, rect, "Keys", theme);
        frame.render_widget(block, rect);
        let [hint_row, inner] = inner.layout(&Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
        ]));
        frame.render_widget(hint_line(&self.bindings(cx), theme), hint_row);
        let lines = help_lines(cx, theme, usize::from(inner.width));
        frame.render_widget(
            Paragraph::new(lines.clone()).scroll((
                top_line(self.scroll, &self.last_top, &lines, inner) as u16,
                0,
            )),
            inner,
        );
    }
}

/// One binding: its keys, then what it does, wrapped at word boundaries under itself when
/// longer than `room` (the help's inner width), so nothing is cut at 80 columns.
fn row(keys: &str, what: &str, width: usize, room: usize, theme: &Theme) -> Vec<Line<'static>> {
    use unicode_width::UnicodeWidthStr;
    // Keys wider than the column still get a space before what they do.
    let width = width.max(keys.width() + 1);
    let indent = 2 + width;
    let fits = room.saturating_sub(indent).max(16);
    let mut pieces: Vec<String> = Vec::new();
    for word in what.split(' ') {
        match pieces.last_mut() {
            Some(last) if last.width() + 1 + word.width() <= fits => {
                last.push(' ');
                last.push_str(word);
            }
            _ => pieces.push(word.to_string()),
        }
    }
    pieces
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            let lead = if i == 0 {
                format!("  {keys:<width$}")
            } else {
                " ".repeat(indent)
            };
            Line::from(vec![Span::styled(lead, theme.key()), Span::raw(piece)])
        })
        .collect()
}

/// The help text: what applies where, without the changes in read-only mode.
pub fn help_lines(cx: &Ctx, theme: &Theme, room: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if cx.read_only {
        lines.push(Line::styled(
            "Read-only: the keys that change the workspace are left out.",
            theme.warn(),
        ));
    }
    for (scope, title) in [
        (Scope::Everywhere, "Everywhere"),
        (Scope::Users, "Active and Inactive"),
        (Scope::Active, "Active"),
        (Scope::Inactive, "Inactive"),
        (Scope::Pending, "Pending Invites"),
    ] {
        let keys: Vec<_> = TABLE
            .iter()
            .filter(|b| b.scope == scope)
            .filter(|b| !(cx.read_only && changes(b.command)))
            .collect();
        if keys.is_empty() {
            continue;
        }
        lines.push(Line::styled(title, theme.title()));
        for b in keys {
            lines.extend(row(cx.keymap.label(b.command), b.help, 12, room, theme));
        }
    }
    for (title, specs) in help_sections() {
        let shown = super::shown(cx.keymap.dialog_hints(specs), cx);
        if shown.is_empty() {
            continue;
        }
        lines.push(Line::styled(title, theme.title()));
        for b in shown {
            lines.extend(row(&b.keys, b.what, 12, room, theme));
        }
    }
    lines.push(Line::styled("Filter (/)", theme.title()));
    for (k, h) in [
        ("soren", "case and accents ignored: finds Søren"),
        (
            "agent bil",
            "several words: each must match name, email, role or team",
        ),
        ("role:admin", "has the role (role:sup is enough)"),
        (
            "team:billing",
            "in a team whose name contains billing; team:\"tier 2\"",
        ),
        (
            "-team:billing",
            "a leading - excludes (any term, words too)",
        ),
        ("beta:on", "beta access on (beta:off: off)"),
        (
            "status:expired",
            "invites past their expiry (also active, inactive, invited)",
        ),
    ] {
        lines.extend(row(k, h, 15, room, theme));
    }
    lines
}
