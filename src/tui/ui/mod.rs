//! Drawing: a pure function of the state. Nothing here changes state or does I/O. Text from the
//! data goes through `text::safe` before it becomes a span.

mod columns;
mod table;

use super::app::{App, MIN_HEIGHT, MIN_WIDTH};
use super::keys;
use super::model::Tab;
use super::theme::{SPINNER, Theme};
use crate::text::safe;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Where the table's rows are on screen and which rows of the view they show, when nothing
/// covers them: what a scroll of the terminal can reuse between two frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TablePosition {
    tab: Tab,
    size: (u16, u16),
    /// Screen rows of the table's body (below its header).
    rows: std::ops::Range<u16>,
    offset: usize,
}

pub fn table_position(app: &App) -> Option<TablePosition> {
    if app.too_small() || !app.layers().is_empty() || app.data().is_none() {
        return None;
    }
    let area = Rect::new(0, 0, app.size().0, app.size().1);
    let [_, _, body, _, _] = area.layout(&layout());
    Some(TablePosition {
        tab: app.tab(),
        size: app.size(),
        rows: body.y + 1..body.bottom(),
        offset: app.view().offset,
    })
}

/// The scroll that turns the table of `before` into the table of `after`, if only its offset
/// changed (by less than a page).
pub fn table_scroll(
    before: &Option<TablePosition>,
    after: &Option<TablePosition>,
) -> Option<super::scroll::Scroll> {
    let (Some(b), Some(a)) = (before, after) else {
        return None;
    };
    let page = usize::from(a.rows.end.saturating_sub(a.rows.start));
    let moved = a.offset.abs_diff(b.offset);
    if b.tab != a.tab || b.size != a.size || b.rows != a.rows || moved == 0 || moved >= page {
        return None;
    }
    let by = i32::try_from(moved).ok()?;
    Some(super::scroll::Scroll {
        rows: a.rows.clone(),
        by: if a.offset > b.offset { by } else { -by },
    })
}

fn layout() -> Layout {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
}

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    if app.too_small() {
        let msg = format!("terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT}) — q quits");
        frame.render_widget(Paragraph::new(Line::styled(msg, theme.warn())), area);
        return;
    }
    let [header, tabs, body, status, hints] = area.layout(&layout());
    draw_header(frame, header, app, theme);
    draw_tabs(frame, tabs, app, theme);
    table::draw(frame, body, app, theme);
    draw_status(frame, status, app, theme);
    draw_hints(frame, hints, app, theme);
    let cx = app.ctx();
    for component in app.layers().iter() {
        component.draw(frame, area, &cx, theme);
    }
    no_half_covered_wide_chars(frame.buffer_mut());
}

/// A wide character (CJK) in the table whose second cell a dialog's border now covers would
/// still be printed whole by the terminal, over the border: ratatui's diff never sends the cell
/// after a wide character, and `Clear` only resets the cells inside the dialog. Such a
/// character gives way to a blank, so the buffer is one the diff can draw faithfully.
pub fn no_half_covered_wide_chars(buf: &mut ratatui::buffer::Buffer) {
    use unicode_width::UnicodeWidthStr;
    let area = buf.area;
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            let symbol = buf[(x, y)].symbol();
            if symbol.len() == 1 {
                // ASCII, one cell wide: most of the screen, and no need to measure it.
                x += 1;
                continue;
            }
            let width = symbol.width() as u16;
            if width > 1 {
                let end = x.saturating_add(width);
                let covered = end > area.right()
                    || (x + 1..end).any(|h| !matches!(buf[(h, y)].symbol(), " " | ""));
                if covered {
                    buf[(x, y)].set_symbol(" ");
                } else {
                    x = end;
                    continue;
                }
            }
            x += 1;
        }
    }
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = vec![Span::styled(" atender-admin ", theme.accent())];
    // First, where even 80 columns show it.
    if app.read_only() {
        spans.push(Span::styled("READ-ONLY ", theme.warn()));
    }
    match app.data() {
        Some(d) => {
            spans.push(Span::styled(safe(d.workspace.name.as_str()), theme.title()));
            spans.push(Span::raw("  │  "));
            spans.push(Span::raw(safe(&app.context().mode)));
            spans.push(Span::raw("  │  as "));
            spans.push(Span::styled(safe(d.me.email.as_str()), theme.title()));
            spans.push(Span::styled(format!(" ({})", d.me.roles), theme.dim()));
        }
        None => spans.push(Span::raw(safe(&app.context().mode))),
    }
    if let Some((done, total)) = app.progress() {
        spans.push(Span::styled(
            format!("  {done}/{total} done"),
            theme.accent(),
        ));
    }
    if let super::model::Connection::Disconnected { .. } = app.connection() {
        spans.push(Span::styled("  disconnected — retrying", theme.error()));
    }
    if app.in_flight() > 0 {
        spans.push(Span::styled(
            format!("  {} working", SPINNER[app.spinner() % SPINNER.len()]),
            theme.accent(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_tabs(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for (tab, label) in tab_labels(app) {
        let style = if tab == app.tab() {
            theme.selected_tab()
        } else {
            theme.plain()
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    let view = app.view();
    let keys = super::model::SortKey::cycle(app.tab());
    let sort = keys[view.sort % keys.len()];
    let partial = app.data().is_some_and(|d| !d.is_complete());
    let filtering = app.filter_focused() || !app.filter().value().is_empty();
    let status = if partial {
        // Only the first screenful of each tab is here: say so rather than pretend to an order.
        " loading everyone… (first page shown)".to_string()
    } else if filtering {
        // The table's header shows the sort by its arrow: the filter needs the room.
        String::new()
    } else {
        format!(
            " sort: {}{}",
            sort.label(),
            if view.reversed { " ↑" } else { " ↓" }
        )
    };
    spans.push(Span::styled(status, theme.dim()));
    if app.filter_focused() || !app.filter().value().is_empty() {
        // The count first: a long filter may run off the edge, its result must not.
        let shown = view.rows.len();
        spans.push(Span::styled(
            format!("   {shown} match{} ", if shown == 1 { "" } else { "es" }),
            theme.dim(),
        ));
        spans.push(Span::styled("/", theme.key()));
        spans.push(Span::raw(safe(app.filter().value())));
        if app.filter_focused() {
            let x = area.x + spans.iter().map(|s| s.width() as u16).sum::<u16>();
            let cursor_back = app
                .filter()
                .value()
                .chars()
                .count()
                .saturating_sub(app.filter().cursor()) as u16;
            frame.set_cursor_position((
                x.saturating_sub(cursor_back)
                    .min(area.right().saturating_sub(1)),
                area.y,
            ));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Each tab's label on the tab line, in order (a space before the first and after each).
fn tab_labels(app: &App) -> Vec<(Tab, String)> {
    Tab::ALL
        .into_iter()
        .enumerate()
        .map(|(i, tab)| {
            let count = app.data().map_or(0, |d| d.count(tab.status()));
            // Below 100 columns "Pending Invites" would leave the filter no room.
            let title = match tab {
                Tab::Pending if app.size().0 < 100 => "Pending",
                _ => tab.title(),
            };
            (tab, format!(" {} {title} ({count}) ", i + 1))
        })
        .collect()
}

/// What is at a screen position when nothing covers the table: a tab's label or a row.
pub fn hit(app: &App, column: u16, row: u16) -> Option<super::mouse::Hit> {
    use super::mouse::Hit;
    let area = Rect::new(0, 0, app.size().0, app.size().1);
    let [_, tabs, body, _, _] = area.layout(&layout());
    if row == tabs.y {
        let mut x = tabs.x + 1;
        for (tab, label) in tab_labels(app) {
            let width = Span::raw(label.as_str()).width() as u16;
            if (x..x + width).contains(&column) {
                return Some(Hit::Tab(tab));
            }
            x += width + 1;
        }
        return None;
    }
    // Below the table's header row.
    if row > body.y && row < body.bottom() {
        let view = app.view();
        let index = view.offset + usize::from(row - body.y - 1);
        return (index < view.rows.len()).then_some(Hit::Row(index));
    }
    None
}

fn draw_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    // Where the cursor is, on the right; the message gets the rest of the line.
    let readout = position(app);
    let readout_width = readout.as_ref().map_or(0, |r| r.chars().count() as u16 + 2);
    let [message, at] = area.layout(&Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(readout_width),
    ]));
    if let Some(readout) = readout {
        frame.render_widget(
            Paragraph::new(Line::styled(format!(" {readout} "), theme.dim()))
                .alignment(ratatui::layout::Alignment::Right),
            at,
        );
    }
    let room = usize::from(message.width.saturating_sub(1));
    // What the filter can't understand is said where there is room for it.
    let filter = crate::domain::search::Filter::new(app.filter().value());
    let notice = app.shown_notice();
    if let (Some(problem), None) = (filter.problem(), notice) {
        let text = format!("filter: {}", safe(problem));
        let line = Line::styled(format!(" {}", columns::fit(&text, room)), theme.error());
        frame.render_widget(Paragraph::new(line), message);
        return;
    }
    let (text, style) = match (notice, &app.load_error()) {
        (None, _) if app.lost_rights().is_some() => (
            format!(
                "read-only: {} — showing the data as last loaded; changes are off",
                app.lost_rights().map(safe).unwrap_or_default()
            ),
            theme.warn(),
        ),
        (Some(n), _) => (
            safe(&n.text),
            if n.error { theme.error() } else { theme.ok() },
        ),
        (None, Some(e)) => (safe(e), theme.error()),
        (None, None) if app.data().is_none() => ("loading…".to_string(), theme.dim()),
        _ => (String::new(), theme.plain()),
    };
    let line = Line::styled(format!(" {}", columns::fit(&text, room)), style);
    frame.render_widget(Paragraph::new(line), message);
}

/// `35/218`: the cursor's row and how many rows the tab shows (with a filter on, how many
/// match). `+` while only the first page has loaded. None before anything is loaded.
pub fn position(app: &App) -> Option<String> {
    let data = app.data()?;
    let view = app.view();
    let more = if data.is_complete() { "" } else { "+" };
    let at = if view.rows.is_empty() {
        0
    } else {
        view.cursor.min(view.rows.len() - 1) + 1
    };
    Some(format!("{at}/{}{more}", view.rows.len()))
}

fn draw_hints(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = Vec::new();
    let marked = app.marked_count_in_tab();
    if marked > 0 {
        spans.push(Span::styled(format!(" {marked} marked "), theme.marked()));
    }
    if let Some(top) = app.layers().top_component() {
        // A dialog's own keys, from its bindings; whole ones only.
        let mut room = usize::from(area.width).saturating_sub(spans.iter().map(Span::width).sum());
        for b in top.bindings(&app.ctx()) {
            let key = format!(" {}", b.keys);
            let what = format!(" {} ", b.what);
            let width = key.chars().count() + what.chars().count();
            if width > room {
                break;
            }
            room -= width;
            spans.push(Span::styled(key, theme.key()));
            spans.push(Span::raw(what));
        }
    } else if app.filter_focused() {
        spans.push(Span::styled(" Enter", theme.key()));
        spans.push(Span::raw(" keep filter  "));
        spans.push(Span::styled("Esc", theme.key()));
        spans.push(Span::raw(" clear"));
    } else {
        // Whole hints only: one that doesn't fit is left out, never cut. Read-only leaves
        // out the changes.
        let mut room = usize::from(area.width).saturating_sub(spans.iter().map(Span::width).sum());
        let read_only = app.read_only();
        for (key, what) in app.keymap().hints(app.tab()) {
            if read_only && hint_changes(app, key) {
                continue;
            }
            let key = format!(" {key}");
            let what = format!(" {what} ");
            let width = key.chars().count() + what.chars().count();
            if width > room {
                continue;
            }
            room -= width;
            spans.push(Span::styled(key, theme.key()));
            spans.push(Span::raw(what));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Whether the table binding written `label` changes the workspace.
fn hint_changes(app: &App, label: &str) -> bool {
    keys::BINDINGS
        .iter()
        .filter(|b| b.scope.applies_to(app.tab()))
        .any(|b| app.keymap().label(b.command) == label && keys::changes(b.command))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::buffer::Buffer;

    #[test]
    fn a_wide_character_under_a_border_gives_way() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 8, 2));
        buf.set_string(0, 0, "陳志明", ratatui::style::Style::default());
        buf.set_string(0, 1, "陳志明", ratatui::style::Style::default());
        // a dialog's border lands on the second half of 志 in the first row
        buf[(3, 0)].set_symbol("│");
        no_half_covered_wide_chars(&mut buf);
        let row = |y| {
            (0..8)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        };
        assert_eq!(row(0), "陳  │明   ");
        // an untouched row keeps its characters
        assert_eq!(row(1), "陳 志 明   ");
        // the result is a buffer whose every wide character owns its next cell
        for y in 0..2 {
            for x in 0..7 {
                if unicode_width::UnicodeWidthStr::width(buf[(x, y)].symbol()) == 2 {
                    assert_eq!(buf[(x + 1, y)].symbol(), " ");
                }
            }
        }
    }

    #[test]
    fn a_wide_character_cut_by_the_right_edge_gives_way() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 3, 1));
        buf[(2, 0)].set_symbol("陳");
        no_half_covered_wide_chars(&mut buf);
        assert_eq!(buf[(2, 0)].symbol(), " ");
    }
}
