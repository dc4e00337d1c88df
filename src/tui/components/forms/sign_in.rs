//! Connected mode's sign-in screen: first, or again after the session ended. Whatever is
//! underneath, forms included, stays as it was.

use super::{FormOutcome, advance};
use crate::Result;
use crate::text::safe;
use crate::tui::components::{Action, Component, Ctx, EventState, Queue};
use crate::tui::effects::{Effect, Reply, Secret};
use crate::tui::keys::{Dialog, DialogKey as K, Hint, HintSpec, Keymap, dialogs::hint};
use crate::tui::theme::Theme;
use crate::tui::widgets::{hint_line, paste_into, popup};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInField {
    Workspace,
    Email,
    Password,
}

/// The sign-in screen of connected mode. The password is never shown, only its length.
#[derive(Debug, Clone)]
pub struct SignInForm {
    pub server: String,
    pub workspace: Input,
    pub email: Input,
    pub password: Input,
    pub focus: SignInField,
    /// Why the screen is shown (e.g. the session ended), or the last sign-in error.
    pub message: Option<String>,
    pub error: bool,
    pub busy: bool,
}

impl SignInForm {
    pub fn new(server: &str, workspace: &str, email: &str, message: Option<String>) -> Self {
        let focus = if workspace.is_empty() {
            SignInField::Workspace
        } else if email.is_empty() {
            SignInField::Email
        } else {
            SignInField::Password
        };
        SignInForm {
            server: server.to_string(),
            workspace: Input::new(workspace.to_string()),
            email: Input::new(email.to_string()),
            password: Input::default(),
            focus,
            message,
            error: false,
            busy: false,
        }
    }

    /// Pasted text goes into the focused field (a password manager's paste included).
    pub fn paste(&mut self, text: &str) {
        let input = match self.focus {
            SignInField::Workspace => &mut self.workspace,
            SignInField::Email => &mut self.email,
            SignInField::Password => &mut self.password,
        };
        paste_into(input, text);
    }

    /// Enter submits from the password field and moves on from the others.
    pub fn handle(&mut self, key: &KeyEvent, keymap: &Keymap) -> FormOutcome {
        const ORDER: [SignInField; 3] = [
            SignInField::Workspace,
            SignInField::Email,
            SignInField::Password,
        ];
        match keymap.dialog(Dialog::SignIn, key) {
            Some(K::SignInNext) => advance(&mut self.focus, &ORDER, 1),
            Some(K::SignInPrevious) => advance(&mut self.focus, &ORDER, -1),
            Some(K::SignIn) if self.focus == SignInField::Password => return FormOutcome::Submit,
            Some(_) => advance(&mut self.focus, &ORDER, 1),
            None => {
                let event = crossterm::event::Event::Key(*key);
                let input = match self.focus {
                    SignInField::Workspace => &mut self.workspace,
                    SignInField::Email => &mut self.email,
                    SignInField::Password => &mut self.password,
                };
                input.handle_event(&event);
            }
        }
        FormOutcome::Stay
    }
}

pub const BINDINGS: &[HintSpec] = &[
    hint(&[K::SignInNext], "Tab", "next field"),
    hint(&[K::SignIn], "Enter", "sign in"),
    // Ctrl-C always quits: no file can rebind it.
    hint(&[], "Ctrl-C", "quit"),
];

impl Component for SignInForm {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        if self.busy {
            return EventState::Consumed;
        }
        if self.handle(key, cx.keymap) == FormOutcome::Submit {
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

    fn on_reply(
        &mut self,
        _asked: &Effect,
        result: Result<Reply>,
        _cx: &Ctx,
        _out: &mut Queue,
    ) -> Option<Result<Reply>> {
        match result {
            Err(e) => {
                self.busy = false;
                self.password = Input::default();
                self.message = Some(e.to_string());
                self.error = true;
                None
            }
            // Signed in: the console takes the new session and closes the screen.
            ok => Some(ok),
        }
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Hint> {
        cx.keymap.dialog_hints(BINDINGS)
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
        let rect = crate::tui::widgets::centered(area, 76, lines.len() as u16 + 4);
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
