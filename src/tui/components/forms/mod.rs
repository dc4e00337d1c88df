//! The invite, edit and sign-in forms, each in its own module with its state, keys, replies
//! and drawing; here what they share: what a key did, moving between fields, the core's errors
//! next to their fields, the keys every form answers to, and the form's drawing builder.
//! A form never validates on its own: the core does, and the form shows it. Whatever
//! happens, what the admin typed stays until they save or choose to discard it.

pub mod edit;
pub mod invite;
pub mod sign_in;

pub use edit::{EditField, EditForm};
pub use invite::{InviteField, InviteForm};
pub use sign_in::{SignInField, SignInForm};

use super::{Action, Confirm, ConfirmAction, Ctx, Queue};
use crate::Error;
use crate::domain::{Email, Field, PersonName, TeamName};
use crate::text::safe;
use crate::tui::keys::dialogs::{change, hint};
use crate::tui::keys::{Dialog, DialogKey as K, HintSpec, Keymap};
use crate::tui::theme::Theme;
use crate::tui::widgets::{CheckList, centered};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};
use std::collections::HashMap;
use tui_input::Input;

/// What a key did to a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormOutcome {
    Stay,
    Submit,
    /// Esc: close (the caller asks first if anything was typed).
    Close,
    /// Ctrl-R in an edit form: load the user's current data into it.
    Reload,
}

/// Checks a field that shows an error again, once its text changed, with the core's own
/// parser for it: a fixed field loses its error at once, a new mistake replaces it. An error
/// only the store can judge (an email already taken) goes when the text changes; saving asks
/// the core again.
fn recheck(errors: &mut HashMap<Field, String>, field: Field, value: &str) {
    if !errors.contains_key(&field) {
        return;
    }
    let verdict = match field {
        Field::Email => Email::parse(value).err(),
        Field::FullName => PersonName::parse(value).err(),
        Field::DisplayName => PersonName::parse_display(value).err(),
        Field::TeamName if !value.trim().is_empty() => TeamName::parse(value).err(),
        _ => None,
    };
    let problem = verdict.and_then(|e| e.field_problems().into_iter().find(|p| p.field == field));
    match problem {
        Some(p) => errors.insert(field, p.reason),
        None => errors.remove(&field),
    };
}

fn show_error(errors: &mut HashMap<Field, String>, general: &mut Option<String>, e: &Error) {
    errors.clear();
    *general = None;
    let problems = e.field_problems();
    if problems.is_empty() {
        *general = Some(e.to_string());
    }
    for p in problems {
        errors.insert(p.field, p.reason);
    }
}

fn advance<F: Copy + PartialEq>(focus: &mut F, order: &[F], step: isize) {
    let i = order.iter().position(|f| f == focus).unwrap_or(0) as isize;
    let n = order.len() as isize;
    *focus = order[((i + step).rem_euclid(n)) as usize];
}

/// Keys every form shares: Tab / Shift-Tab move, Ctrl-S saves, Esc closes.
fn common_keys<F: Copy + PartialEq>(
    key: &KeyEvent,
    keymap: &Keymap,
    scope: Dialog,
    focus: &mut F,
    order: &[F],
    save: F,
) -> Option<FormOutcome> {
    match keymap.dialog(scope, key) {
        Some(K::FormClose) => Some(FormOutcome::Close),
        Some(K::FormSave) => Some(FormOutcome::Submit),
        Some(K::FormNext) => {
            advance(focus, order, 1);
            Some(FormOutcome::Stay)
        }
        Some(K::FormPrevious) => {
            advance(focus, order, -1);
            Some(FormOutcome::Stay)
        }
        _ if key.code == KeyCode::Enter && *focus == save => Some(FormOutcome::Submit),
        _ => None,
    }
}

pub const BINDINGS: &[HintSpec] = &[
    hint(&[K::FormNext, K::FormPrevious], "Tab S-Tab", "move"),
    hint(&[K::FormListToggle], "Space", "toggle"),
    hint(&[K::FormListUp, K::FormListDown], "↑↓ j k", "lists"),
    change(&[K::FormSave], "Ctrl-S", "save"),
    hint(
        &[K::FormRefresh],
        "Ctrl-R",
        "edit: load the current version, keeping your changes",
    ),
    hint(&[K::FormClose], "Esc", "cancel"),
];

/// The hint line of the forms, from their key rows (Ctrl-R is in help: only edits have it).
pub fn hint_text(cx: &Ctx) -> String {
    let specs: Vec<HintSpec> = BINDINGS
        .iter()
        .filter(|s| s.rows != [K::FormRefresh])
        .copied()
        .collect();
    super::shown(cx.keymap.dialog_hints(&specs), cx)
        .iter()
        .map(|b| format!("{} {}", b.keys, b.what))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The key rows that apply with the focus on a list field or not.
fn scope(on_list: bool) -> Dialog {
    if on_list {
        Dialog::FormList
    } else {
        Dialog::Form
    }
}

/// Esc on a form: close it, asking first if it holds input.
fn close(has_input: bool, out: &mut Queue) {
    if has_input {
        out.push(Action::Open(Box::new(Confirm::new(
            ConfirmAction::DiscardForm,
            "Discard what you typed?",
            vec!["The form will close and its input is lost.".into()],
        ))));
    } else {
        out.push(Action::Close);
    }
}

pub(super) const LABEL: usize = 15;

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
        // The form's own message wraps like the fields' errors: never cut off mid-word.
        if let Some(e) = general {
            for (i, part) in wrap(&safe(e), self.width.saturating_sub(2))
                .into_iter()
                .enumerate()
            {
                let lead = if i == 0 { "✗ " } else { "  " };
                self.lines
                    .push(Line::styled(format!("{lead}{part}"), self.theme.error()));
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Role, Team, TeamId};
    use crate::tui::widgets::paste_into;
    use crossterm::event::KeyModifiers;

    fn type_text(form: &mut InviteForm, text: &str) {
        for c in text.chars() {
            form.handle(
                &KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
                &Keymap::default(),
            );
        }
    }

    fn press(form: &mut InviteForm, code: KeyCode) -> FormOutcome {
        form.handle(&KeyEvent::new(code, KeyModifiers::NONE), &Keymap::default())
    }

    #[test]
    fn display_name_follows_full_name_until_edited() {
        let mut f = InviteForm::new(&[]);
        press(&mut f, KeyCode::Tab);
        type_text(&mut f, "Ann Lee");
        assert_eq!(f.display_name.value(), "Ann Lee");
        press(&mut f, KeyCode::Tab);
        type_text(&mut f, "!");
        press(&mut f, KeyCode::BackTab);
        type_text(&mut f, "x");
        assert_eq!(f.display_name.value(), "Ann Lee!");
    }

    #[test]
    fn space_toggles_roles_and_ctrl_s_submits() {
        let mut f = InviteForm::new(&[]);
        type_text(&mut f, "a@b.co");
        for _ in 0..3 {
            press(&mut f, KeyCode::Tab);
        }
        assert_eq!(f.focus, InviteField::Roles);
        press(&mut f, KeyCode::Char(' ')); // Owner on
        assert_eq!(f.roles.checked(), vec![Role::Owner, Role::Agent]);
        let out = f.handle(
            &KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL),
            &Keymap::default(),
        );
        assert_eq!(out, FormOutcome::Submit);
        assert_eq!(f.request().email, "a@b.co");
    }

    #[test]
    fn errors_land_next_to_their_fields_and_keep_the_input() {
        let mut f = InviteForm::new(&[]);
        type_text(&mut f, "bad");
        f.show_error(&Error::invalid(Field::Email, "needs an @"));
        assert_eq!(
            f.errors.get(&Field::Email).map(String::as_str),
            Some("needs an @")
        );
        assert_eq!(f.email.value(), "bad");
        assert_eq!(f.focus, InviteField::Email);
        assert_eq!(press(&mut f, KeyCode::Esc), FormOutcome::Close);
        assert!(f.has_input());
    }

    #[test]
    fn a_fixed_field_loses_its_error_and_a_new_mistake_replaces_it() {
        let mut f = InviteForm::new(&[]);
        type_text(&mut f, "bad");
        f.show_error(&Error::invalid(Field::Email, "needs an @"));
        type_text(&mut f, "@");
        let still = f.errors.get(&Field::Email).cloned();
        assert!(still.is_some(), "still wrong: still shown");
        assert_ne!(
            still.as_deref(),
            Some("needs an @"),
            "the core's new verdict"
        );
        type_text(&mut f, "acme.io");
        assert_eq!(f.errors.get(&Field::Email), None, "fixed: the error goes");
    }

    #[test]
    fn a_pasted_line_break_stays_in_its_field() {
        let mut f = InviteForm::new(&[]);
        press(&mut f, KeyCode::Tab);
        f.paste("Line One\r\nLine Two\n");
        assert_eq!(f.full_name.value(), "Line One Line Two");
        assert_eq!(f.display_name.value(), "Line One Line Two");
        assert_eq!(f.focus, InviteField::FullName);
        let mut input = Input::new("ab".into()).with_cursor(1);
        assert!(paste_into(&mut input, "\tX"));
        assert_eq!((input.value(), input.cursor()), ("a Xb", 3));
    }

    #[test]
    fn an_existing_team_typed_as_new_is_ticked() {
        use crate::domain::{TeamName, WorkspaceId};
        let team = Team {
            id: TeamId::new(),
            workspace: WorkspaceId::new(),
            name: TeamName::parse("Billing").unwrap(),
            member_count: 3,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let mut f = InviteForm::new(std::slice::from_ref(&team));
        f.focus = InviteField::NewTeam;
        type_text(&mut f, " billing ");
        assert_eq!(press(&mut f, KeyCode::Enter), FormOutcome::Stay);
        assert_eq!(f.teams.checked(), vec![team.id]);
        assert_eq!(f.new_team.value(), "");
    }
}
