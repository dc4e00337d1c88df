//! Drawing: a pure function of the state. Nothing here changes state or does I/O. Text from the
//! data goes through `text::safe` before it becomes a span.

mod dialogs;
mod forms;
mod table;

use super::keymap;
use super::state::{App, MIN_HEIGHT, MIN_WIDTH, Overlay, Tab};
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
    if app.too_small() || !app.overlays.is_empty() || app.data.is_none() {
        return None;
    }
    let area = Rect::new(0, 0, app.size.0, app.size.1);
    let [_, _, body, _, _] = area.layout(&layout());
    Some(TablePosition {
        tab: app.tab,
        size: app.size,
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
    for overlay in &app.overlays {
        match overlay {
            Overlay::Invite(form) => forms::draw_invite(frame, area, form, app, theme),
            Overlay::Edit(form) => forms::draw_edit(frame, area, form, theme),
            other => dialogs::draw(frame, area, other, app, theme),
        }
    }
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = vec![Span::styled(" atender-admin ", theme.accent())];
    match &app.data {
        Some(d) => {
            spans.push(Span::styled(safe(d.workspace.name.as_str()), theme.title()));
            spans.push(Span::raw("  │  "));
            spans.push(Span::raw(safe(&app.context.mode)));
            spans.push(Span::raw("  │  as "));
            spans.push(Span::styled(safe(d.me.email.as_str()), theme.title()));
            spans.push(Span::styled(format!(" ({})", d.me.roles), theme.dim()));
        }
        None => spans.push(Span::raw(safe(&app.context.mode))),
    }
    if let Some((done, total)) = app.progress {
        spans.push(Span::styled(
            format!("  {done}/{total} done"),
            theme.accent(),
        ));
    }
    if let super::state::Connection::Disconnected { .. } = app.connection {
        spans.push(Span::styled("  disconnected — retrying", theme.error()));
    }
    if app.in_flight > 0 {
        spans.push(Span::styled(
            format!("  {} working", SPINNER[app.spinner % SPINNER.len()]),
            theme.accent(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_tabs(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for (i, tab) in Tab::ALL.into_iter().enumerate() {
        let count = app.data.as_ref().map_or(0, |d| d.count(tab.status()));
        let label = format!(" {} {} ({count}) ", i + 1, tab.title());
        let style = if tab == app.tab {
            theme.selected_tab()
        } else {
            theme.plain()
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    let view = app.view();
    let keys = super::state::SortKey::cycle(app.tab);
    let sort = keys[view.sort % keys.len()];
    let partial = app.data.as_ref().is_some_and(|d| !d.is_complete());
    let status = if partial {
        // Only the first screenful of each tab is here: say so rather than pretend to an order.
        " loading everyone… (first page shown)".to_string()
    } else {
        format!(
            " sort: {}{}",
            sort.label(),
            if view.reversed { " ↑" } else { " ↓" }
        )
    };
    spans.push(Span::styled(status, theme.dim()));
    if app.filter_focus || !app.filter.value().is_empty() {
        // The count first: a long filter may run off the edge, its result must not.
        let shown = view.rows.len();
        spans.push(Span::styled(
            format!("   {shown} match{} ", if shown == 1 { "" } else { "es" }),
            theme.dim(),
        ));
        spans.push(Span::styled("/", theme.key()));
        spans.push(Span::raw(safe(app.filter.value())));
        if app.filter_focus {
            let x = area.x + spans.iter().map(|s| s.width() as u16).sum::<u16>();
            let cursor_back = app
                .filter
                .value()
                .chars()
                .count()
                .saturating_sub(app.filter.cursor()) as u16;
            frame.set_cursor_position((
                x.saturating_sub(cursor_back)
                    .min(area.right().saturating_sub(1)),
                area.y,
            ));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    // What the filter can't understand is said where there is room for it.
    let filter = crate::domain::search::Filter::new(app.filter.value());
    if let (Some(problem), None) = (filter.problem(), &app.notice) {
        let line = Line::styled(format!(" filter: {}", safe(problem)), theme.error());
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    let line = match (&app.notice, &app.load_error) {
        (Some(n), _) => Line::styled(
            format!(" {}", safe(&n.text)),
            if n.error { theme.error() } else { theme.ok() },
        ),
        (None, Some(e)) => Line::styled(format!(" {}", safe(e)), theme.error()),
        (None, None) if app.data.is_none() => Line::styled(" loading…", theme.dim()),
        _ => Line::raw(""),
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn draw_hints(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let mut spans = Vec::new();
    let marked = app.marked_in_tab().len();
    if marked > 0 {
        spans.push(Span::styled(format!(" {marked} marked "), theme.marked()));
    }
    if app.filter_focus {
        spans.push(Span::styled(" Enter", theme.key()));
        spans.push(Span::raw(" keep filter  "));
        spans.push(Span::styled("Esc", theme.key()));
        spans.push(Span::raw(" clear"));
    } else {
        for (key, what) in keymap::hints(app.tab) {
            spans.push(Span::styled(format!(" {key}"), theme.key()));
            spans.push(Span::raw(format!(" {what} ")));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2));
    let h = h.min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
