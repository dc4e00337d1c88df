//! Connected mode's sign-in screen (first, or again after the session ended), over whatever is
//! open: forms and dialogs underneath stay as they were.

use super::{Action, Binding, Component, Ctx, EventState, Queue, key};
use crate::text::safe;
use crate::tui::effects::{Effect, Msg, Secret};
use crate::tui::forms::{FormOutcome, SignInField, SignInForm};
use crate::tui::theme::Theme;
use crate::tui::ui::dialogs::{hint_line, popup};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;

pub const BINDINGS: &[Binding] = &[
    key("Tab", "next field"),
    key("Enter", "sign in"),
    key("Ctrl-C", "quit"),
];

impl Component for SignInForm {
    fn on_key(&mut self, key: &KeyEvent, _cx: &Ctx, out: &mut Queue) -> EventState {
        if self.busy {
            return EventState::Consumed;
        }
        if self.handle(key) == FormOutcome::Submit {
            self.busy = true;
            self.message = Some("signing in…".into());
            self.error = false;
            out.push(Action::Request(Effect::SignIn {
                workspace: self.workspace.value().trim().to_string(),
                email: self.email.value().trim().to_string(),
                password: Secret(self.password.value().to_string()),
            }));
        }
        EventState::Consumed
    }

    fn on_paste(&mut self, text: &str) -> EventState {
        if !self.busy {
            self.paste(text);
        }
        EventState::Consumed
    }

    fn on_reply(&mut self, msg: Msg, _cx: &Ctx, _out: &mut Queue) -> Option<Msg> {
        match msg {
            Msg::SignedIn(Err(e)) => {
                self.busy = false;
                self.password = Input::default();
                self.message = Some(e.to_string());
                self.error = true;
                None
            }
            // Signed in: the console takes the new session and closes the screen.
            other => Some(other),
        }
    }

    fn bindings(&self, _cx: &Ctx) -> Vec<Binding> {
        BINDINGS.to_vec()
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        let f = self;
        let field = |label: &str, value: String, focused: bool| {
            Line::from(vec![
                Span::styled(
                    format!("{}{label:<11}", if focused { "▶ " } else { "  " }),
                    if focused { theme.title() } else { theme.dim() },
                ),
                Span::styled(
                    value,
                    if focused {
                        theme.focus()
                    } else {
                        theme.plain()
                    },
                ),
            ])
        };
        let masked = "•".repeat(f.password.value().chars().count());
        let mut lines = vec![
            Line::from(vec![
                Span::raw("Server  "),
                Span::styled(safe(&f.server), theme.title()),
            ]),
            Line::raw(""),
            field(
                "Workspace",
                safe(f.workspace.value()),
                f.focus == SignInField::Workspace,
            ),
            field(
                "Email",
                safe(f.email.value()),
                f.focus == SignInField::Email,
            ),
            field("Password", masked, f.focus == SignInField::Password),
            Line::raw(""),
        ];
        if let Some(m) = &f.message {
            lines.push(Line::styled(
                safe(m),
                if f.error {
                    theme.error()
                } else {
                    theme.accent()
                },
            ));
        }
        lines.push(hint_line(&self.bindings(cx), theme));
        let rect = crate::tui::ui::centered(area, 76, lines.len() as u16 + 4);
        let (inner, block) = popup(frame, rect, "Sign in", theme);
        frame.render_widget(block, rect);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        let (input, row) = match f.focus {
            SignInField::Workspace => (&f.workspace, 2),
            SignInField::Email => (&f.email, 3),
            SignInField::Password => (&f.password, 4),
        };
        let x = inner.x + 13 + input.visual_cursor() as u16;
        frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + row));
    }
}
