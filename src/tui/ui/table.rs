//! The user tables. Only the rows on screen are built, whatever the workspace's size.

use crate::domain::User;
use crate::present::time::{ago, until};
use crate::text::safe;
use crate::tui::state::{App, Data, SortKey, Tab};
use crate::tui::theme::{MARK, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(data) = &app.data else {
        return;
    };
    let view = app.view();
    if view.rows.is_empty() {
        let text = if app.filter.value().is_empty() {
            match app.tab {
                Tab::Active => " no active users",
                Tab::Inactive => " nobody is deactivated",
                Tab::Pending => " no pending invites — press i to invite someone",
            }
        } else {
            " nothing matches the filter — Esc clears it"
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), area);
        return;
    }
    let height = usize::from(area.height.saturating_sub(1));
    // Drawing never trusts the offset blindly: a view not yet refreshed must not panic.
    let start = view.offset.min(view.rows.len());
    let end = (start + height).min(view.rows.len());
    let keys = SortKey::cycle(app.tab);
    let sorted = keys[view.sort % keys.len()];
    let rows: Vec<Row> = view.rows[start..end]
        .iter()
        .enumerate()
        .map(|(i, &index)| {
            let user = &data.users[index];
            let marked = app.marks.contains(&user.id);
            let mut cells = vec![Cell::from(Span::styled(
                if marked { MARK } else { " " },
                theme.marked(),
            ))];
            cells.extend(match app.tab {
                Tab::Pending => pending_cells(user, data, app, theme),
                Tab::Active => user_cells(user, data, app, theme),
                Tab::Inactive => inactive_cells(user, data, app, theme),
            });
            let mut row = Row::new(cells);
            if start + i == view.cursor {
                row = row.style(theme.cursor_row());
            } else if marked {
                row = row.style(theme.title());
            }
            row
        })
        .collect();
    let (titles, widths) = columns(app.tab);
    let sorted_title = match sorted {
        SortKey::Name if app.tab == Tab::Pending => "Name",
        SortKey::Name => "Display name",
        SortKey::Email => "Email",
        SortKey::Roles => "Roles",
        SortKey::Teams => "Teams",
        SortKey::Sent => "Sent",
        SortKey::Expires => "Expires",
        SortKey::LastSignIn => "Last sign-in",
        SortKey::Deactivated => "Deactivated",
        // No column of its own: the tab line names the sort.
        SortKey::Created => "",
    };
    let header = Row::new(titles.iter().map(|t| {
        if !t.is_empty() && *t == sorted_title {
            Cell::from(format!("{t}{}", if view.reversed { "↑" } else { "↓" }))
        } else {
            Cell::from(*t)
        }
    }))
    .style(theme.header());
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, area);
}

/// Each tab's column titles and widths; a title names the sort key it shows.
fn columns(tab: Tab) -> (Vec<&'static str>, Vec<Constraint>) {
    let mark = Constraint::Length(1);
    match tab {
        Tab::Pending => (
            vec![
                "", "Email", "Name", "Roles", "Sent", "Expires", "Sent by", "×",
            ],
            vec![
                mark,
                Constraint::Fill(4),
                Constraint::Fill(2),
                Constraint::Length(12),
                Constraint::Length(9),
                Constraint::Length(15),
                Constraint::Fill(3),
                Constraint::Length(2),
            ],
        ),
        Tab::Active => (
            vec![
                "",
                "Display name",
                "Full name",
                "Email",
                "Roles",
                "Teams",
                "Last sign-in",
                "Beta",
            ],
            vec![
                mark,
                Constraint::Fill(2),
                Constraint::Fill(2),
                Constraint::Fill(4),
                Constraint::Length(17),
                Constraint::Fill(2),
                // Room for the title and the sort arrow.
                Constraint::Length(13),
                Constraint::Length(4),
            ],
        ),
        Tab::Inactive => (
            vec![
                "",
                "Display name",
                "Email",
                "Roles",
                "Teams",
                "Deactivated",
                "By",
                "Last sign-in",
            ],
            vec![
                mark,
                Constraint::Fill(2),
                Constraint::Fill(4),
                Constraint::Length(17),
                Constraint::Fill(2),
                Constraint::Length(12),
                Constraint::Fill(3),
                Constraint::Length(13),
            ],
        ),
    }
}

fn when<'a>(
    at: Option<time::OffsetDateTime>,
    now: time::OffsetDateTime,
    none: &'a str,
) -> Cell<'a> {
    Cell::from(at.map_or_else(|| none.to_string(), |t| ago(t, now)))
}

fn user_cells<'a>(user: &User, data: &Data, app: &App, theme: &Theme) -> Vec<Cell<'a>> {
    vec![
        Cell::from(safe(user.display_name.as_str())),
        Cell::from(safe(user.full_name.as_str())),
        Cell::from(safe(user.email.as_str())),
        Cell::from(user.roles.to_string()),
        Cell::from(safe(&data.teams_of(user).join(", "))),
        when(user.last_login_at, app.now, "never"),
        Cell::from(Span::styled(
            if user.beta { "β on" } else { "" },
            theme.accent(),
        )),
    ]
}

/// Deactivated users: when and by whom, instead of the full name and beta.
fn inactive_cells<'a>(user: &User, data: &Data, app: &App, _theme: &Theme) -> Vec<Cell<'a>> {
    let by = user
        .deactivated_by
        .map(|id| {
            data.user(id)
                .map_or_else(|| "a deleted user".into(), |u| safe(u.email.as_str()))
        })
        .unwrap_or_else(|| "—".into());
    vec![
        Cell::from(safe(user.display_name.as_str())),
        Cell::from(safe(user.email.as_str())),
        Cell::from(user.roles.to_string()),
        Cell::from(safe(&data.teams_of(user).join(", "))),
        when(user.deactivated_at, app.now, "—"),
        Cell::from(by),
        when(user.last_login_at, app.now, "never"),
    ]
}

fn pending_cells<'a>(user: &User, data: &Data, app: &App, theme: &Theme) -> Vec<Cell<'a>> {
    let invite = data.invites.get(&user.id);
    let (sent, expires, by, times) = match invite {
        Some(i) => {
            let expired = i.is_expired(app.now);
            let by = data
                .user(i.sent_by)
                .map(|u| safe(u.email.as_str()))
                .unwrap_or_else(|| "—".into());
            let exp_style = if expired {
                theme.error()
            } else {
                theme.plain()
            };
            (
                Cell::from(ago(i.sent_at, app.now)),
                Cell::from(Span::styled(until(i.expires_at, app.now), exp_style)),
                Cell::from(by),
                Cell::from(i.times_sent.to_string()),
            )
        }
        None => (
            Cell::from("—"),
            Cell::from("—"),
            Cell::from("—"),
            Cell::from(""),
        ),
    };
    vec![
        Cell::from(safe(user.email.as_str())),
        Cell::from(safe(user.display_name.as_str())),
        Cell::from(user.roles.to_string()),
        sent,
        expires,
        by,
        times,
    ]
}
