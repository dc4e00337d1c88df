//! The invite and edit forms: labels, inputs, checkboxes, and the core's errors under their
//! fields.

use super::centered;
use crate::domain::Field;
use crate::text::safe;
use crate::tui::components::Ctx;
use crate::tui::forms::{CheckList, EditField, EditForm, InviteField, InviteForm};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use std::collections::HashMap;
use tui_input::Input;

const LABEL: usize = 15;

/// Lines of a form, remembering where the focused text input is for the cursor.
struct Builder<'t> {
    lines: Vec<Line<'static>>,
    cursor: Option<(u16, u16)>,
    theme: &'t Theme,
    /// Inner width of the form, for wrapping error messages.
    width: usize,
}

/// Splits text into lines of at most `width` columns, at spaces where it can.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
        if needed > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

impl<'t> Builder<'t> {
    fn label(&self, text: &str, focused: bool) -> Span<'static> {
        let marker = if focused { "▶ " } else { "  " };
        let style = if focused {
            self.theme.title()
        } else {
            self.theme.dim()
        };
        Span::styled(format!("{marker}{text:<width$}", width = LABEL - 2), style)
    }

    fn input(&mut self, name: &str, input: &Input, focused: bool, note: Option<&str>) {
        let mut spans = vec![self.label(name, focused)];
        let value = safe(input.value());
        let shown = if value.is_empty() && !focused {
            "—".to_string()
        } else {
            value
        };
        spans.push(Span::styled(
            shown,
            if focused {
                self.theme.focus()
            } else {
                self.theme.plain()
            },
        ));
        if let Some(n) = note {
            spans.push(Span::styled(format!("  {n}"), self.theme.dim()));
        }
        if focused {
            self.cursor = Some((
                (LABEL + input.visual_cursor()) as u16,
                self.lines.len() as u16,
            ));
        }
        self.lines.push(Line::from(spans));
    }

    /// Checkboxes in a row, continuing on further lines when they don't fit.
    fn checklist<T: Copy + PartialEq>(
        &mut self,
        name: &str,
        list: &CheckList<T>,
        focused: bool,
        empty: &str,
    ) {
        let mut spans = vec![self.label(name, focused)];
        let mut used = LABEL;
        if list.items.is_empty() {
            spans.push(Span::styled(empty.to_string(), self.theme.dim()));
        }
        for (i, (_, label, on)) in list.items.iter().enumerate() {
            let text = format!("[{}] {}", if *on { "x" } else { " " }, safe(label));
            let width = unicode_width::UnicodeWidthStr::width(text.as_str()) + 2;
            if used + width > self.width && used > LABEL {
                self.lines.push(Line::from(std::mem::take(&mut spans)));
                spans.push(Span::raw(" ".repeat(LABEL)));
                used = LABEL;
            }
            let style = if focused && i == list.cursor {
                self.theme.focus()
            } else {
                self.theme.plain()
            };
            spans.push(Span::styled(text, style));
            spans.push(Span::raw("  "));
            used += width;
        }
        self.lines.push(Line::from(spans));
    }

    fn checkbox(&mut self, name: &str, on: bool, focused: bool, note: &str) {
        let style = if focused {
            self.theme.focus()
        } else {
            self.theme.plain()
        };
        self.lines.push(Line::from(vec![
            self.label(name, focused),
            Span::styled(format!("[{}]", if on { "x" } else { " " }), style),
            Span::styled(format!("  {note}"), self.theme.dim()),
        ]));
    }

    fn error(&mut self, errors: &HashMap<Field, String>, field: Field) {
        if let Some(e) = errors.get(&field) {
            let text = format!("✗ {}", safe(e));
            for part in wrap(&text, self.width.saturating_sub(LABEL)) {
                self.lines.push(Line::from(vec![
                    Span::raw(" ".repeat(LABEL)),
                    Span::styled(part, self.theme.error()),
                ]));
            }
        }
    }

    fn footer(&mut self, general: Option<&str>, busy: bool, save_focused: bool, hint: &str) {
        self.lines.push(Line::raw(""));
        if let Some(e) = general {
            self.lines
                .push(Line::styled(format!("✗ {}", safe(e)), self.theme.error()));
        }
        let save = Span::styled(
            "[ Save ]",
            if save_focused {
                self.theme.focus()
            } else {
                self.theme.title()
            },
        );
        let status = if busy { "  saving…" } else { "" };
        self.lines.push(Line::from(vec![
            self.label("", save_focused),
            save,
            Span::styled(status, self.theme.accent()),
        ]));
        self.lines
            .push(Line::styled(hint.to_string(), self.theme.dim()));
    }

    fn render(self, frame: &mut Frame, area: Rect, title: &str) {
        let height = self.lines.len() as u16 + 2;
        let rect = centered(area, FORM_WIDTH, height);
        frame.render_widget(Clear, rect);
        let block = Block::bordered()
            .border_type(BorderType::Rounded)
            .title(Span::styled(format!(" {title} "), self.theme.title()));
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        frame.render_widget(Paragraph::new(self.lines), inner);
        if let Some((x, y)) = self.cursor {
            let pos = Position::new(
                (inner.x + x).min(inner.right().saturating_sub(1)),
                inner.y + y,
            );
            if inner.contains(pos) {
                frame.set_cursor_position(pos);
            }
        }
    }
}

const FORM_WIDTH: u16 = 100;

fn builder<'t>(area: Rect, theme: &'t Theme) -> Builder<'t> {
    let width = usize::from(
        FORM_WIDTH
            .min(area.width.saturating_sub(2))
            .saturating_sub(2),
    );
    Builder {
        lines: Vec::new(),
        cursor: None,
        theme,
        width,
    }
}

pub fn draw_invite(frame: &mut Frame, area: Rect, f: &InviteForm, cx: &Ctx, theme: &Theme) {
    let mut b = builder(area, theme);
    let at = |field| f.focus == field;
    b.input("Email", &f.email, at(InviteField::Email), None);
    b.error(&f.errors, Field::Email);
    b.input("Full name", &f.full_name, at(InviteField::FullName), None);
    b.error(&f.errors, Field::FullName);
    let note = (!f.display_edited).then_some("(follows the full name until edited)");
    b.input(
        "Display name",
        &f.display_name,
        at(InviteField::DisplayName),
        note,
    );
    b.error(&f.errors, Field::DisplayName);
    b.checklist("Roles", &f.roles, at(InviteField::Roles), "");
    b.error(&f.errors, Field::Roles);
    b.checklist(
        "Teams",
        &f.teams,
        at(InviteField::Teams),
        "no teams yet: create one below",
    );
    b.error(&f.errors, Field::Teams);
    b.input(
        "New team",
        &f.new_team,
        at(InviteField::NewTeam),
        Some("Enter creates it and ticks it"),
    );
    b.error(&f.errors, Field::TeamName);
    let offline = !cx.connected;
    let send_note = if offline {
        "offline: no email can be sent here; you get the link to deliver"
    } else {
        "email the invite link"
    };
    b.checkbox("Send invite", f.send, at(InviteField::Send), send_note);
    b.footer(
        f.error.as_deref(),
        f.busy,
        at(InviteField::Save),
        &crate::tui::components::user_forms::hint(cx),
    );
    b.render(frame, area, "Invite a user");
}

pub fn draw_edit(frame: &mut Frame, area: Rect, f: &EditForm, cx: &Ctx, theme: &Theme) {
    let mut b = builder(area, theme);
    let at = |field| f.focus == field;
    b.lines.push(Line::from(vec![
        Span::styled(
            format!("  {:<width$}", "Email", width = LABEL - 2),
            theme.dim(),
        ),
        Span::raw(safe(f.user.email.as_str())),
        Span::styled(
            format!("  ({}, version {})", f.user.status, f.user.version),
            theme.dim(),
        ),
    ]));
    b.input("Full name", &f.full_name, at(EditField::FullName), None);
    b.error(&f.errors, Field::FullName);
    let note = f
        .display_follows
        .then_some("(follows the full name until edited)");
    b.input(
        "Display name",
        &f.display_name,
        at(EditField::DisplayName),
        note,
    );
    b.error(&f.errors, Field::DisplayName);
    b.checklist("Roles", &f.roles, at(EditField::Roles), "");
    b.error(&f.errors, Field::Roles);
    b.checklist(
        "Teams",
        &f.teams,
        at(EditField::Teams),
        "no teams in this workspace",
    );
    b.error(&f.errors, Field::Teams);
    b.checkbox(
        "Beta access",
        f.beta,
        at(EditField::Beta),
        "per-user access to beta features",
    );
    b.footer(
        f.error.as_deref(),
        f.busy,
        at(EditField::Save),
        &crate::tui::components::user_forms::hint(cx),
    );
    b.render(frame, area, "Edit user");
}
