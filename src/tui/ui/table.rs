//! The user tables. Only the rows on screen are built, whatever the workspace's size; columns
//! are sized by `columns` and every cut cell ends in `…`.

use super::columns::{self, Column, fit};
use crate::domain::User;
use crate::present::time::{ago, until};
use crate::text::{safe, safe_ref};
use crate::tui::app::App;
use crate::tui::keys::Command;
use crate::tui::model::{Data, SortKey, Tab};
use crate::tui::theme::{MARK, Theme};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use std::borrow::Cow;

/// Space between two columns.
const SPACING: u16 = 1;

/// What a column shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Mark,
    DisplayName,
    FullName,
    /// The Pending tab's name (an invitee has no sign-ins to tell apart by).
    Name,
    Email,
    Roles,
    Teams,
    LastSignIn,
    Beta,
    Deactivated,
    DeactivatedBy,
    Sent,
    Expires,
    SentBy,
    TimesSent,
}

impl Col {
    fn title(self) -> &'static str {
        match self {
            Col::Mark => "",
            Col::DisplayName => "Display name",
            Col::FullName => "Full name",
            Col::Name => "Name",
            Col::Email => "Email",
            Col::Roles => "Roles",
            Col::Teams => "Teams",
            Col::LastSignIn => "Last sign-in",
            Col::Beta => "Beta",
            Col::Deactivated => "Deactivated",
            Col::DeactivatedBy => "By",
            Col::Sent => "Sent",
            Col::Expires => "Expires",
            Col::SentBy => "Sent by",
            Col::TimesSent => "×",
        }
    }

    /// The column a sort key orders by, if it has one (created has none: the tab line names it).
    fn sorted_by(key: SortKey, tab: Tab) -> Option<Col> {
        Some(match key {
            SortKey::Name if tab == Tab::Pending => Col::Name,
            SortKey::Name => Col::DisplayName,
            SortKey::Email => Col::Email,
            SortKey::Roles => Col::Roles,
            SortKey::Teams => Col::Teams,
            SortKey::Sent => Col::Sent,
            SortKey::Expires => Col::Expires,
            SortKey::LastSignIn => Col::LastSignIn,
            SortKey::Deactivated => Col::Deactivated,
            SortKey::Created => return None,
        })
    }
}

const fn flexible(min: u16, want: u16, grow: u16, gives: u8) -> Column {
    Column {
        min,
        want,
        grow,
        gives,
        leaves: None,
    }
}

const fn optional(column: Column, leaves: u8) -> Column {
    Column {
        leaves: Some(leaves),
        ..column
    }
}

/// Each tab's columns, in order, with what each asks for. Whatever else gives, the email gives
/// last: it is what tells two people apart. Wants fit the usual content and the title with its
/// sort arrow (`Last sign-in↓` is 13).
fn tab_columns(tab: Tab) -> &'static [(Col, Column)] {
    const MARK_COL: (Col, Column) = (Col::Mark, Column::fixed(1));
    // 40 holds nearly every address whole (the demo's longest is 37), from 80 columns on.
    const EMAIL: Column = flexible(16, 40, 2, 9);
    // Grows with the room: "Supervisor, Agent" is whole on a wide terminal.
    const ROLES: Column = flexible(10, 12, 1, 3);
    match tab {
        // At 80 columns: the full name (mostly the display name again) and the last sign-in
        // (a sort key still, and in the details) leave, teams, roles and the display name
        // give, and the email keeps its 40.
        Tab::Active => {
            const ACTIVE: &[(Col, Column)] = &[
                MARK_COL,
                (Col::DisplayName, flexible(8, 16, 2, 4)),
                (Col::FullName, optional(flexible(10, 18, 2, 0), 4)),
                (Col::Email, EMAIL),
                (Col::Roles, ROLES),
                (Col::Teams, flexible(8, 18, 3, 1)),
                (Col::LastSignIn, optional(flexible(8, 13, 0, 2), 4)),
                (Col::Beta, Column::fixed(4)),
            ];
            ACTIVE
        }
        // When and by whom stay longest: they are what this tab is for.
        Tab::Inactive => {
            const INACTIVE: &[(Col, Column)] = &[
                MARK_COL,
                (Col::DisplayName, flexible(8, 16, 2, 5)),
                (Col::Email, EMAIL),
                // Leaves before the email gives (in the details still): at 80 columns the
                // email is whole beside when and by whom.
                (Col::Roles, optional(ROLES, 5)),
                (Col::Teams, optional(flexible(8, 18, 3, 0), 5)),
                (Col::Deactivated, Column::fixed(12)),
                (Col::DeactivatedBy, flexible(10, 34, 1, 1)),
                (Col::LastSignIn, optional(flexible(8, 13, 0, 2), 5)),
            ];
            INACTIVE
        }
        Tab::Pending => {
            const PENDING: &[(Col, Column)] = &[
                MARK_COL,
                (Col::Email, EMAIL),
                (Col::Name, flexible(7, 16, 2, 5)),
                (Col::Roles, ROLES),
                // Leaves at 80 columns so the email is whole (it is still the sort, and in
                // the details); when it expires stays.
                (Col::Sent, optional(Column::fixed(8), 5)),
                // "expired 18h ago" whole; "in under a minute" may lose its end.
                (Col::Expires, flexible(15, 17, 0, 1)),
                (Col::SentBy, optional(flexible(10, 34, 1, 0), 5)),
                (Col::TimesSent, optional(Column::fixed(2), 5)),
            ];
            PENDING
        }
    }
}

/// The columns shown at `width` and the width of each.
fn layout(tab: Tab, width: u16) -> Vec<(Col, u16)> {
    let cols = tab_columns(tab);
    let specs: Vec<Column> = cols.iter().map(|(_, c)| *c).collect();
    cols.iter()
        .zip(columns::allocate(&specs, width, SPACING))
        .filter_map(|((col, _), w)| w.map(|w| (*col, w)))
        .collect()
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(data) = app.data() else {
        return;
    };
    let view = app.view();
    if view.rows.is_empty() {
        // The keys named are the ones in force (keys.toml may have moved them).
        let key = |command| app.keymap().label(command);
        let text = if app.filter().value().is_empty() {
            match app.tab() {
                Tab::Active => " no active users".to_string(),
                Tab::Inactive => " nobody is deactivated".to_string(),
                Tab::Pending => format!(
                    " no pending invites — press {} to invite someone",
                    key(Command::Invite)
                ),
            }
        } else {
            format!(
                " nothing matches the filter — {} clears it",
                key(Command::Back)
            )
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim())), area);
        return;
    }
    let shown = layout(app.tab(), area.width);
    let height = usize::from(area.height.saturating_sub(1));
    // Drawing never trusts the offset blindly: a view not yet refreshed must not panic.
    let start = view.offset.min(view.rows.len());
    let end = (start + height).min(view.rows.len());
    let keys = SortKey::cycle(app.tab());
    let sorted = Col::sorted_by(keys[view.sort % keys.len()], app.tab());
    // Written straight into the buffer, one `set_stringn` per cell: ratatui's `Table` gives
    // each cell a `Text`, a `Line` and an area of its own, which was most of a frame.
    let buf = frame.buffer_mut();
    let line = |y: u16| Rect::new(area.x, y, area.width, 1);
    let header_y = area.y;
    buf.set_style(line(header_y), theme.header());
    let mut x = area.x;
    for &(col, width) in &shown {
        let w = usize::from(width);
        let title = if Some(col) == sorted {
            // The arrow stays when the title is cut: it is the point of the title.
            let arrow = if view.reversed { "↑" } else { "↓" };
            format!("{}{arrow}", fit(col.title(), w.saturating_sub(1)))
        } else {
            fit(col.title(), w).into_owned()
        };
        put(buf, x, header_y, &title, w, Style::default());
        x = x.saturating_add(width + SPACING);
    }
    for (i, &index) in view.rows[start..end].iter().enumerate() {
        let y = header_y + 1 + i as u16;
        let user = &data.users[index];
        let marked = app.marks().contains(&user.id);
        if start + i == view.cursor {
            buf.set_style(line(y), theme.cursor_row());
        } else if marked {
            buf.set_style(line(y), theme.title());
        }
        let mut x = area.x;
        for &(col, width) in &shown {
            let (text, style) = cell(col, user, marked, data, app, theme);
            let w = usize::from(width);
            put(buf, x, y, &fit(&text, w), w, style);
            x = x.saturating_add(width + SPACING);
        }
    }
}

/// Writes `text` at (x, y) in at most `width` cells, as `Buffer::set_stringn` does. Names and
/// emails are mostly ASCII, where each byte is a grapheme one cell wide: splitting them into
/// graphemes was a fifth of a frame.
fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, width: usize, style: Style) {
    if !text.is_ascii() {
        buf.set_stringn(x, y, text, width, style);
        return;
    }
    let room = usize::from(buf.area.right().saturating_sub(x)).min(width);
    let mut at = x;
    for (i, b) in text.bytes().enumerate() {
        if at - x >= room as u16 {
            break;
        }
        if b.is_ascii_control() {
            continue; // as set_stringn: never written (text from data is made safe before)
        }
        buf[(at, y)].set_symbol(&text[i..=i]).set_style(style);
        at += 1;
    }
}

/// A cell's text (made safe, not yet cut) and style.
fn cell<'a>(
    col: Col,
    user: &'a User,
    marked: bool,
    data: &'a Data,
    app: &App,
    theme: &Theme,
) -> (Cow<'a, str>, Style) {
    let plain = |text: String| (Cow::Owned(text), Style::default());
    let shown = |text: &'a str| (safe_ref(text), Style::default());
    let fixed = |text: &'static str, style: Style| (Cow::Borrowed(text), style);
    let when = |at: Option<time::OffsetDateTime>, none: &'static str| match at {
        Some(t) => plain(ago(t, app.now())),
        None => fixed(none, Style::default()),
    };
    let email_of = |id| {
        data.user(id).map_or(Cow::Borrowed("a deleted user"), |u| {
            safe_ref(u.email.as_str())
        })
    };
    let none = || fixed("—", Style::default());
    let invite = data.invites.get(&user.id);
    match col {
        Col::Mark => fixed(if marked { MARK } else { " " }, theme.marked()),
        Col::DisplayName | Col::Name => shown(user.display_name.as_str()),
        Col::FullName => shown(user.full_name.as_str()),
        Col::Email => shown(user.email.as_str()),
        Col::Roles => plain(user.roles.to_string()),
        Col::Teams => plain(safe(&data.teams_of(user).join(", "))),
        Col::LastSignIn => when(user.last_login_at, "never"),
        Col::Beta => fixed(if user.beta { "β on" } else { "" }, theme.accent()),
        Col::Deactivated => when(user.deactivated_at, "—"),
        Col::DeactivatedBy => match user.deactivated_by {
            Some(id) => (email_of(id), Style::default()),
            None => none(),
        },
        Col::Sent => invite.map_or_else(none, |i| plain(ago(i.sent_at, app.now()))),
        Col::Expires => match invite {
            Some(i) if i.is_expired(app.now()) => {
                (Cow::Owned(until(i.expires_at, app.now())), theme.error())
            }
            Some(i) => plain(until(i.expires_at, app.now())),
            None => none(),
        },
        Col::SentBy => invite.map_or_else(none, |i| (email_of(i.sent_by), Style::default())),
        Col::TimesSent => invite.map_or_else(
            || fixed("", Style::default()),
            |i| plain(i.times_sent.to_string()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_writes_what_set_stringn_writes() {
        let style = Style::default().fg(ratatui::style::Color::Red);
        for text in [
            "amelie.nguyen@demo.example",
            "Ana Novak",
            "a\u{7}b\tc",
            "",
            "陳志明",
            "Aïcha",
        ] {
            for (x, width) in [(0, 30), (2, 5), (0, 0), (7, 9), (9, 4)] {
                let area = Rect::new(0, 0, 12, 1);
                let (mut ours, mut theirs) = (Buffer::empty(area), Buffer::empty(area));
                put(&mut ours, x, 0, text, width, style);
                theirs.set_stringn(x, 0, text, width, style);
                assert_eq!(ours, theirs, "{text:?} at {x} in {width}");
            }
        }
    }

    fn widths(tab: Tab, width: u16) -> Vec<(Col, u16)> {
        layout(tab, width)
    }

    fn of(shown: &[(Col, u16)], col: Col) -> Option<u16> {
        shown.iter().find(|(c, _)| *c == col).map(|(_, w)| *w)
    }

    #[test]
    fn every_tab_fills_the_terminal_exactly() {
        for tab in Tab::ALL {
            for width in [80, 100, 120, 160, 200, 300] {
                let shown = widths(tab, width);
                let used: u16 =
                    shown.iter().map(|(_, w)| w).sum::<u16>() + SPACING * (shown.len() as u16 - 1);
                assert_eq!(used, width, "{tab:?} at {width}: {shown:?}");
            }
        }
    }

    #[test]
    fn at_80_columns_the_email_keeps_its_space_on_every_tab() {
        for tab in Tab::ALL {
            let shown = widths(tab, 80);
            assert_eq!(of(&shown, Col::Email), Some(40), "{tab:?}: {shown:?}");
            // and no column is below its minimum
            for (col, w) in &shown {
                let spec = tab_columns(tab).iter().find(|(c, _)| c == col).unwrap().1;
                assert!(*w >= spec.min, "{tab:?} {col:?}: {w}");
            }
        }
        let active = widths(Tab::Active, 80);
        assert_eq!(of(&active, Col::FullName), None, "{active:?}");
        assert!(of(&active, Col::Roles).unwrap() < 12);
        let inactive = widths(Tab::Inactive, 80);
        assert!(of(&inactive, Col::Deactivated).is_some());
        assert!(of(&inactive, Col::DeactivatedBy).is_some());
    }

    #[test]
    fn at_120_columns_every_column_is_there() {
        for tab in Tab::ALL {
            let shown = widths(tab, 120);
            assert_eq!(shown.len(), tab_columns(tab).len(), "{tab:?}: {shown:?}");
        }
    }
}
