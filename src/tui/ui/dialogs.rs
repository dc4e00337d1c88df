//! Dialogs over the tables: confirmation, deletion, detail pane, help, activity log, invite link.

use super::centered;
use crate::domain::AuditEvent;
use crate::present::time::{ago, date_time, until};
use crate::text::safe;
use crate::tui::keymap::{BINDINGS, Scope};
use crate::tui::state::{App, Confirm, LogView, Overlay};
use crate::tui::theme::Theme;
use crate::tui::update::access_line;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, overlay: &Overlay, app: &App, theme: &Theme) {
    match overlay {
        Overlay::Confirm(c) => confirm(frame, area, c, app, theme),
        Overlay::Detail {
            detail,
            error,
            scroll,
            ..
        } => detail_pane(
            frame,
            area,
            detail.as_ref(),
            error.as_deref(),
            *scroll,
            app,
            theme,
        ),
        Overlay::Help { scroll } => help(frame, area, *scroll, app, theme),
        Overlay::Log(log) => activity(frame, area, log, theme),
        Overlay::Link { email, link } => link_dialog(frame, area, email, link, app, theme),
        Overlay::SignIn(form) => sign_in(frame, area, form, theme),
        Overlay::Teams(view) => teams(frame, area, view, app, theme),
        Overlay::Roles { list, ids } => picker(
            frame,
            area,
            "Set roles",
            &format!(
                "Roles for {} — Space toggles, Enter continues, Esc cancels",
                users(ids.len())
            ),
            list,
            true,
            theme,
        ),
        Overlay::Team { list, ids } => picker(
            frame,
            area,
            "Team",
            &format!(
                "{} — Enter adds to the team, x removes from it, Esc cancels",
                users(ids.len())
            ),
            list,
            false,
            theme,
        ),
        Overlay::Invite(_) | Overlay::Edit(_) => {}
    }
}

/// A scroll position that never goes past the last page (End asks for "as far as it goes").
fn last_page(scroll: usize, lines: &[Line], area: Rect) -> usize {
    let width = usize::from(area.width).max(1);
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
    scroll.min(rows.saturating_sub(usize::from(area.height)))
}

/// "1 user", "3 users".
fn users(n: usize) -> String {
    if n == 1 {
        "1 user".into()
    } else {
        format!("{n} users")
    }
}

fn popup<'a>(frame: &mut Frame, area: Rect, title: &'a str, theme: &Theme) -> (Rect, Block<'a>) {
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Span::styled(format!(" {title} "), theme.title()));
    (block.inner(area), block)
}

/// A dialog's hint line, from the keys it says it answers to.
fn hint_line(bindings: &[(&str, &str)], theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (keys, what)) in bindings.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        spans.push(Span::styled(keys.to_string(), theme.key()));
        spans.push(Span::styled(format!(" {what}"), theme.dim()));
    }
    Line::from(spans)
}

fn buttons(yes: bool, theme: &Theme) -> Line<'static> {
    // Brackets and a pointer as well as colour: the choice shows under NO_COLOR too.
    let button = |on: bool, label: &str| {
        let text = if on {
            format!("▶[ {label} ]")
        } else {
            format!(" [ {label} ]")
        };
        Span::styled(text, if on { theme.focus() } else { theme.plain() })
    };
    Line::from(vec![
        button(yes, "Yes"),
        Span::raw("   "),
        button(!yes, "No"),
    ])
}

fn confirm(frame: &mut Frame, area: Rect, c: &Confirm, app: &App, theme: &Theme) {
    let mut lines: Vec<Line> = vec![Line::styled(safe(&c.title), theme.title()), Line::raw("")];
    lines.extend(c.lines.iter().map(|l| Line::raw(safe(l))));
    let person = |id| {
        app.data
            .as_ref()
            .and_then(|d| d.user(id))
            .map(crate::tui::update::person_short)
    };
    match (&c.preview, &c.preview_error) {
        (Some(outcomes), _) => {
            let refused: Vec<_> = outcomes
                .iter()
                .filter_map(|o| o.refusal().map(|e| (o.id, e)))
                .collect();
            let already = outcomes
                .iter()
                .filter(|o| o.is_done() && !o.is_changed())
                .count();
            let n = outcomes.len();
            if already > 0 {
                lines.push(Line::styled(
                    if n == 1 {
                        "Already so: nothing to change.".to_string()
                    } else {
                        format!("{already} of {n} already so: nothing to change for them.")
                    },
                    theme.dim(),
                ));
            }
            if refused.is_empty() && already == 0 {
                lines.push(Line::styled(
                    match n {
                        1 => "The rules allow it.".to_string(),
                        2 => "The rules allow both.".to_string(),
                        _ => format!("The rules allow all {n}."),
                    },
                    theme.ok(),
                ));
            } else if !refused.is_empty() {
                lines.push(Line::styled(
                    if n == 1 {
                        "It will be refused:".to_string()
                    } else {
                        format!("{} of {n} will be refused:", refused.len())
                    },
                    theme.warn(),
                ));
                for (id, e) in refused.iter().take(5) {
                    let who = person(*id).map(|p| format!("{p}: ")).unwrap_or_default();
                    lines.push(Line::styled(
                        format!("  ✗ {who}{}", safe(&e.to_string())),
                        theme.error(),
                    ));
                }
                if refused.len() > 5 {
                    lines.push(Line::raw(format!("  … and {} more", refused.len() - 5)));
                }
            }
        }
        (None, Some(e)) => lines.push(Line::styled(
            format!("could not check: {}", safe(e)),
            theme.error(),
        )),
        (None, None)
            if matches!(
                c.pending,
                crate::tui::state::Pending::Bulk { .. } | crate::tui::state::Pending::Undo { .. }
            ) =>
        {
            lines.push(Line::styled("checking what the rules allow…", theme.dim()));
        }
        _ => {}
    }
    lines.push(Line::raw(""));
    let mut cursor_row = None;
    match &c.typed {
        Some(t) => {
            lines.push(Line::from(vec![
                Span::raw(format!("Type {} to confirm: ", t.what)),
                Span::styled(safe(&t.expected), theme.title()),
            ]));
            cursor_row = Some((lines.len(), t.input.visual_cursor()));
            lines.push(Line::from(vec![
                Span::styled("> ", theme.key()),
                Span::raw(safe(t.input.value())),
            ]));
            if let Some(e) = &t.error {
                lines.push(Line::styled(format!("✗ {}", safe(e)), theme.error()));
            }
        }
        None => lines.push(buttons(c.yes, theme)),
    }
    lines.push(hint_line(c.bindings(), theme));
    let width = area.width.saturating_sub(4).min(76);
    // Wrapped lines count: long names must not push the buttons out of the box.
    let inner_width = usize::from(width.saturating_sub(2)).max(1);
    let h: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_width))
        .sum();
    let rect = centered(area, width, h as u16 + 2);
    let (inner, block) = popup(frame, rect, "Confirm", theme);
    frame.render_widget(block, rect);
    frame.render_widget(
        Paragraph::new(lines.clone()).wrap(Wrap { trim: false }),
        inner,
    );
    if let Some((row, col)) = cursor_row {
        // The row on screen: every line above it may have wrapped.
        let y: usize = lines[..row]
            .iter()
            .map(|l| l.width().max(1).div_ceil(inner_width))
            .sum();
        let x = inner.x + 2 + col as u16;
        frame.set_cursor_position((
            x.min(inner.right().saturating_sub(1)),
            (inner.y + y as u16).min(inner.bottom().saturating_sub(1)),
        ));
    }
}

fn detail_pane(
    frame: &mut Frame,
    area: Rect,
    detail: Option<&crate::service::UserDetail>,
    error: Option<&str>,
    scroll: usize,
    app: &App,
    theme: &Theme,
) {
    let rect = centered(area, 100, area.height.saturating_sub(4));
    let (inner, block) = popup(frame, rect, "User", theme);
    frame.render_widget(block, rect);
    let Some(d) = detail else {
        let text = error.map_or_else(
            || Line::styled("loading…", theme.dim()),
            |e| Line::styled(safe(e), theme.error()),
        );
        frame.render_widget(Paragraph::new(text), inner);
        return;
    };
    let data = app.data.as_ref();
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
                safe(&access_line(&d.access, app.now, email_of)),
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
            format!(
                "{} ({})",
                date_time(u.created_at),
                ago(u.created_at, app.now)
            ),
        ),
        field(
            "Updated",
            format!(
                "{} ({})",
                date_time(u.updated_at),
                ago(u.updated_at, app.now)
            ),
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
            u.last_login_at.map_or("never".into(), |t| ago(t, app.now)),
        ),
        field("Version", u.version.to_string()),
    ];
    if let Some(inv) = &d.invite {
        let state = match inv.accepted_at {
            Some(t) => format!("accepted {}", ago(t, app.now)),
            // `until` says "in 4d" or "expired 18h ago": only the first needs "expires".
            None if inv.expires_at > app.now => format!(
                "sent {} ×{}, expires {}",
                ago(inv.sent_at, app.now),
                inv.times_sent,
                until(inv.expires_at, app.now)
            ),
            None => format!(
                "sent {} ×{}, {}",
                ago(inv.sent_at, app.now),
                inv.times_sent,
                until(inv.expires_at, app.now)
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
    lines.push(Line::raw(""));
    let offer = data.is_some_and(|data| data.offers_ownership_to(u));
    lines.push(Line::styled(
        if offer {
            "Esc close · ↑↓ scroll · O make this user the Owner"
        } else {
            "Esc close · ↑↓ scroll"
        },
        theme.dim(),
    ));
    frame.render_widget(
        Paragraph::new(lines.clone())
            .wrap(Wrap { trim: false })
            .scroll((last_page(scroll, &lines, inner) as u16, 0)),
        inner,
    );
}

fn event_line<'a>(e: &AuditEvent, theme: &Theme) -> Line<'a> {
    let target = if e.target_label.is_empty() {
        "(deleted user)".to_string()
    } else {
        safe(&e.target_label)
    };
    let mut spans = vec![
        Span::styled(format!("  {:<16} ", date_time(e.at)), theme.dim()),
        Span::raw(format!("{:<20} ", e.action.label())),
        Span::raw(target),
        Span::styled(format!("  by {}", safe(&e.actor_label)), theme.dim()),
    ];
    if !e.detail.is_empty() {
        spans.push(Span::raw(format!("  {}", safe(&e.detail))));
    }
    Line::from(spans)
}

/// The keys of help and of the detail pane, as their hint line shows them.
pub const HELP_KEYS: &[(&str, &str)] = &[
    ("Esc", "close"),
    ("↑↓ j k", "scroll"),
    ("PgUp PgDn", "page"),
    ("g G Home End", "top, bottom"),
];

fn help(frame: &mut Frame, area: Rect, scroll: usize, app: &App, theme: &Theme) {
    let rect = centered(area, 90, area.height.saturating_sub(2));
    let (inner, block) = popup(frame, rect, "Keys", theme);
    frame.render_widget(block, rect);
    // How to leave and move sits above the scrolling text, visible at any height.
    let [hint_row, inner] = inner.layout(&ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Length(1),
        ratatui::layout::Constraint::Fill(1),
    ]));
    frame.render_widget(hint_line(HELP_KEYS, theme), hint_row);
    let mut lines = Vec::new();
    for (scope, title) in [
        (Scope::Everywhere, "Everywhere"),
        (Scope::Users, "Active and Inactive"),
        (Scope::Active, "Active"),
        (Scope::Inactive, "Inactive"),
        (Scope::Pending, "Pending Invites"),
    ] {
        lines.push(Line::styled(title, theme.title()));
        for b in BINDINGS.iter().filter(|b| b.scope == scope) {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<12}", app.keymap.label(b.command)),
                    theme.key(),
                ),
                Span::raw(b.help),
            ]));
        }
    }
    lines.push(Line::styled("Forms", theme.title()));
    for (k, h) in [
        ("Tab S-Tab", "next / previous field"),
        ("Space", "toggle a checkbox"),
        (
            "↑ ↓ j k",
            "move in a checkbox list (g G Home End: first, last)",
        ),
        ("Ctrl-S", "save (or Enter on Save)"),
        (
            "Ctrl-R",
            "edit form: load the user's current version, keeping your changes",
        ),
        ("Esc", "cancel (asks if anything was typed)"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {k:<12}"), theme.key()),
            Span::raw(h),
        ]));
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
        lines.push(Line::from(vec![
            Span::styled(format!("  {k:<15}"), theme.key()),
            Span::raw(h),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines.clone()).scroll((last_page(scroll, &lines, inner) as u16, 0)),
        inner,
    );
}

fn activity(frame: &mut Frame, area: Rect, log: &LogView, theme: &Theme) {
    let rect = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    let (inner, block) = popup(frame, rect, "Activity log — newest first", theme);
    frame.render_widget(block, rect);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = &log.error {
        lines.push(Line::styled(safe(e), theme.error()));
    }
    let height = usize::from(inner.height.saturating_sub(1));
    let shown = log.shown();
    for e in shown.iter().skip(log.scroll).take(height) {
        lines.push(event_line(e, theme));
    }
    if log.loading {
        lines.push(Line::styled("loading…", theme.dim()));
    } else if log.events.is_empty() && log.error.is_none() {
        lines.push(Line::styled("no activity yet", theme.dim()));
    } else if shown.is_empty() {
        lines.push(Line::styled(
            "nothing loaded matches the filter — Esc clears it",
            theme.dim(),
        ));
    }
    let more = if log.next.is_some() { "+" } else { "" };
    let position = (log.scroll + 1).min(shown.len());
    let mut footer = vec![Span::styled(
        if log.filter.value().is_empty() && !log.filter_focus {
            format!(
                "{position} of {}{more} · ↑↓ PgUp PgDn scroll · / filter · Esc close",
                shown.len()
            )
        } else {
            format!(
                "{position} of {} matching ({} loaded{more}) · ",
                shown.len(),
                log.events.len()
            )
        },
        theme.dim(),
    )];
    if log.filter_focus || !log.filter.value().is_empty() {
        footer.push(Span::styled("/", theme.key()));
        footer.push(Span::raw(safe(log.filter.value())));
        if let Some(problem) = crate::domain::search::Filter::new(log.filter.value()).problem() {
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

fn link_dialog(frame: &mut Frame, area: Rect, email: &str, link: &str, app: &App, theme: &Theme) {
    let lines = vec![
        Line::styled(format!("Invite link for {}", safe(email)), theme.title()),
        Line::raw(""),
        Line::raw(if app.context.server.is_some() {
            "The server emails it when \"Send invite\" was on; you can also deliver it yourself."
        } else {
            "No email is sent from here: deliver this one-time link yourself."
        }),
        Line::raw(
            "Only its hash is stored: after you quit, it can't be shown again (resend for a new one).",
        ),
        Line::raw(""),
        Line::styled(safe(link), theme.accent()),
        Line::raw(""),
        Line::styled(
            "y send to the terminal's clipboard (OSC 52) · Esc close",
            theme.dim(),
        ),
    ];
    let rect = centered(area, 96, 11);
    let (inner, block) = popup(frame, rect, "Invite sent", theme);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn sign_in(frame: &mut Frame, area: Rect, f: &crate::tui::forms::SignInForm, theme: &Theme) {
    use crate::tui::forms::SignInField;
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
    lines.push(Line::styled(
        "Tab next field · Enter sign in · Ctrl-C quit",
        theme.dim(),
    ));
    let rect = centered(area, 76, lines.len() as u16 + 4);
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

fn picker<T: Copy + PartialEq>(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    help: &str,
    list: &crate::tui::forms::CheckList<T>,
    checkboxes: bool,
    theme: &Theme,
) {
    let mut lines = vec![Line::styled(help.to_string(), theme.dim()), Line::raw("")];
    for (i, (_, label, on)) in list.items.iter().enumerate() {
        let mark = if checkboxes {
            if *on { "[x] " } else { "[ ] " }
        } else {
            ""
        };
        let cursor = if i == list.cursor { "▶ " } else { "  " };
        let style = if i == list.cursor {
            theme.focus()
        } else {
            theme.plain()
        };
        lines.push(Line::from(vec![
            Span::raw(cursor),
            Span::styled(format!("{mark}{}", safe(label)), style),
        ]));
    }
    let rect = centered(area, 80, lines.len() as u16 + 2);
    let (inner, block) = popup(frame, rect, title, theme);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn teams(
    frame: &mut Frame,
    area: Rect,
    view: &crate::tui::state::TeamsView,
    app: &App,
    theme: &Theme,
) {
    use crate::tui::state::TeamEdit;
    let list: Vec<&crate::domain::Team> = app
        .data
        .as_ref()
        .map(|d| d.teams.iter().collect())
        .unwrap_or_default();
    let mut lines = Vec::new();
    if list.is_empty() {
        lines.push(Line::styled("no teams yet", theme.dim()));
    }
    for (i, t) in list.iter().enumerate() {
        let here = i == view.cursor;
        let members = format!(
            "{} member{}",
            t.member_count,
            if t.member_count == 1 { "" } else { "s" }
        );
        lines.push(Line::from(vec![
            Span::raw(if here { "▶ " } else { "  " }),
            Span::styled(
                format!("{:<40}", safe(t.name.as_str())),
                if here { theme.focus() } else { theme.plain() },
            ),
            Span::styled(format!("  {members}"), theme.dim()),
        ]));
    }
    lines.push(Line::raw(""));
    let mut cursor = None;
    match &view.editing {
        Some(TeamEdit::New(input)) | Some(TeamEdit::Rename(_, input)) => {
            let label = if matches!(view.editing, Some(TeamEdit::New(_))) {
                "New team: "
            } else {
                "Rename to: "
            };
            cursor = Some((label.chars().count() + input.visual_cursor(), lines.len()));
            lines.push(Line::from(vec![
                Span::styled(label, theme.title()),
                Span::styled(safe(input.value()), theme.focus()),
            ]));
            lines.push(Line::styled("Enter save · Esc cancel", theme.dim()));
        }
        None => lines.push(Line::styled(
            "n new · r rename · D delete · ↑↓ move · Esc close",
            theme.dim(),
        )),
    }
    if let Some(e) = &view.error {
        lines.push(Line::styled(format!("✗ {}", safe(e)), theme.error()));
    }
    if view.busy {
        lines.push(Line::styled("saving…", theme.accent()));
    }
    let rect = centered(area, 80, lines.len() as u16 + 2);
    let (inner, block) = popup(frame, rect, "Teams", theme);
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some((x, y)) = cursor {
        let pos = (
            (inner.x + x as u16).min(inner.right().saturating_sub(1)),
            inner.y + y as u16,
        );
        frame.set_cursor_position(pos);
    }
}
