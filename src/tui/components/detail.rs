//! A user's details with the one-line answer to "can this user sign in, and if not, why";
//! for an Owner looking at another active user, `O` offers ownership.

use super::{Action, Component, ConfirmAction, Ctx, EventState, Queue};
use crate::Result;
use crate::domain::UserId;
use crate::present::time::{ago, date_time, until};
use crate::service::UserDetail;
use crate::text::safe;
use crate::tui::effects::{Effect, Reply};
use crate::tui::keys::dialogs::{change, hint};
use crate::tui::keys::{Dialog, DialogKey as K, Hint, HintSpec};
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, event_line, hint_line, popup, scroll_key, top_line};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Debug, Clone)]
pub struct Detail {
    pub id: UserId,
    pub detail: Option<UserDetail>,
    pub error: Option<String>,
    pub scroll: usize,
    /// The last top line the latest drawing could show (drawing is pure but remembers it).
    pub last_top: std::cell::Cell<Option<usize>>,
}

pub const BINDINGS: &[HintSpec] = &[
    hint(&[K::DetailClose], "Esc", "close"),
    hint(&[K::Up, K::Down], "↑↓ j k", "scroll"),
    hint(&[K::Top, K::Bottom], "g G", "top, bottom"),
    change(&[K::MakeOwner], "O", "make this user the Owner (Owners)"),
];

impl Detail {
    pub fn new(id: UserId) -> Self {
        Detail {
            id,
            detail: None,
            error: None,
            scroll: 0,
            last_top: Default::default(),
        }
    }

    fn offers_ownership(&self, cx: &Ctx) -> bool {
        cx.data
            .is_some_and(|d| d.user(self.id).is_some_and(|u| d.offers_ownership_to(u)))
    }
}

impl Component for Detail {
    fn on_key(&mut self, key: &KeyEvent, cx: &Ctx, out: &mut Queue) -> EventState {
        match cx.keymap.dialog(Dialog::Detail, key) {
            Some(K::MakeOwner) if self.offers_ownership(cx) => {
                out.push(Action::Ask(ConfirmAction::TransferOwnership {
                    to: self.id,
                }))
            }
            Some(K::DetailClose) => out.push(Action::Close),
            command => return scroll_key(command, &mut self.scroll, self.last_top.get()).into(),
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
            Ok(Reply::Detail(d)) => self.detail = Some(d),
            Ok(other) => return Some(Ok(other)),
            Err(e) => self.error = Some(e.to_string()),
        }
        None
    }

    fn bindings(&self, cx: &Ctx) -> Vec<Hint> {
        let offer = self.offers_ownership(cx);
        let specs: Vec<HintSpec> = BINDINGS
            .iter()
            .filter(|s| offer || s.rows != [K::MakeOwner])
            .copied()
            .collect();
        super::shown(cx.keymap.dialog_hints(&specs), cx)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, cx: &Ctx, theme: &Theme) {
        let rect = centered(area, 100, area.height.saturating_sub(4));
        let (inner, block) = popup(frame, rect, "User", theme);
        frame.render_widget(block, rect);
        // How to leave and move sits above the scrolling text, visible at any height.
        let [hint_row, inner] = inner.layout(&Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
        ]));
        frame.render_widget(hint_line(&self.bindings(cx), theme), hint_row);
        let Some(d) = &self.detail else {
            let text = self.error.as_deref().map_or_else(
                || Line::styled("loading…", theme.dim()),
                |e| Line::styled(safe(e), theme.error()),
            );
            frame.render_widget(Paragraph::new(text), inner);
            return;
        };
        let lines = detail_lines(d, cx, theme);
        frame.render_widget(
            Paragraph::new(lines.clone())
                .wrap(Wrap { trim: false })
                .scroll((
                    top_line(self.scroll, &self.last_top, &lines, inner) as u16,
                    0,
                )),
            inner,
        );
    }
}

fn detail_lines(d: &UserDetail, cx: &Ctx, theme: &Theme) -> Vec<Line<'static>> {
    let data = cx.data;
    let now = cx.now;
    let email_of = |id| data.and_then(|d| d.user(id)).map(|u| u.email.to_string());
    let u = &d.user;
    let teams = data
        .map(|data| data.teams_of(u).join(", "))
        .unwrap_or_default();
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<14}"), theme.dim()),
            Span::raw(value),
        ])
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Can sign in?  ", theme.title()),
            Span::styled(
                safe(&access_line(
                    &d.access,
                    now,
                    email_of,
                    cx.keymap,
                    cx.read_only,
                )),
                if matches!(d.access, crate::domain::rules::Access::CanSignIn) {
                    theme.ok()
                } else {
                    theme.warn()
                },
            ),
        ]),
        Line::raw(""),
        field("Display name", safe(u.display_name.as_str())),
        field("Full name", safe(u.full_name.as_str())),
        field("Email", safe(u.email.as_str())),
        field("Roles", u.roles.to_string()),
        field(
            "Teams",
            if teams.is_empty() {
                "—".into()
            } else {
                safe(&teams)
            },
        ),
        field("Status", u.status.label().to_string()),
        field("Beta access", if u.beta { "on" } else { "off" }.into()),
        field(
            "Created",
            format!("{} ({})", date_time(u.created_at), ago(u.created_at, now)),
        ),
        field(
            "Updated",
            format!("{} ({})", date_time(u.updated_at), ago(u.updated_at, now)),
        ),
        field(
            "Invited by",
            u.invited_by
                .and_then(email_of)
                .map(|e| safe(&e))
                .unwrap_or_else(|| "—".into()),
        ),
        field(
            "Last sign-in",
            u.last_login_at.map_or("never".into(), |t| ago(t, now)),
        ),
        field("Version", u.version.to_string()),
    ];
    if let Some(inv) = &d.invite {
        let state = match inv.accepted_at {
            Some(t) => format!("accepted {}", ago(t, now)),
            // `until` says "in 4d" or "expired 18h ago": only the first needs "expires".
            None if inv.expires_at > now => format!(
                "sent {} ×{}, expires {}",
                ago(inv.sent_at, now),
                inv.times_sent,
                until(inv.expires_at, now)
            ),
            None => format!(
                "sent {} ×{}, {}",
                ago(inv.sent_at, now),
                inv.times_sent,
                until(inv.expires_at, now)
            ),
        };
        lines.push(field("Invite", state));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Recent activity", theme.title()));
    if d.recent_events.is_empty() {
        lines.push(Line::styled("  none", theme.dim()));
    }
    for e in &d.recent_events {
        lines.push(event_line(e, theme));
    }
    lines
}

/// The one-line answer to "why can't this user get in?", naming the keys in force (none that
/// read-only mode refuses).
pub fn access_line(
    access: &crate::domain::rules::Access,
    now: time::OffsetDateTime,
    who: impl Fn(UserId) -> Option<String>,
    keymap: &crate::tui::keys::Keymap,
    read_only: bool,
) -> String {
    // Read-only, the keys that would fix it are off here: say who can, not a key that is refused.
    let (resend, reactivate) = if read_only {
        (
            "an admin with changes on can resend it".to_string(),
            "an admin with changes on can reactivate them".to_string(),
        )
    } else {
        (
            format!(
                "press {} on Pending Invites to resend",
                keymap.label(crate::tui::keys::Command::Resend)
            ),
            format!(
                "press {} on the Inactive tab to reactivate",
                keymap.label(crate::tui::keys::Command::Reactivate)
            ),
        )
    };
    let hints = crate::present::access::AccessHints {
        resend: &resend,
        reactivate: &reactivate,
    };
    crate::present::access::access_line_hinted(access, now, who, &hints)
}
