//! What every dialog draws with: the bordered box over the tables, the hint line generated from
//! a component's bindings, a scroll stopped at the last page, one line of the activity log.
//! Each dialog draws itself in its own module under `tui::components`.

use crate::domain::AuditEvent;
use crate::present::time::date_time;
use crate::text::safe;
use crate::tui::components::Binding;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear};

/// A scroll position that never goes past the last page (End asks for "as far as it goes").
pub(crate) fn last_page(scroll: usize, lines: &[Line], area: Rect) -> usize {
    let width = usize::from(area.width).max(1);
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
    scroll.min(rows.saturating_sub(usize::from(area.height)))
}

pub(crate) fn popup<'a>(
    frame: &mut Frame,
    area: Rect,
    title: &'a str,
    theme: &Theme,
) -> (Rect, Block<'a>) {
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Span::styled(format!(" {title} "), theme.title()));
    (block.inner(area), block)
}

/// A dialog's hint line, from the keys it says it answers to.
pub(crate) fn hint_line(bindings: &[Binding], theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, b) in bindings.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        spans.push(Span::styled(b.keys.to_string(), theme.key()));
        spans.push(Span::styled(format!(" {}", b.what), theme.dim()));
    }
    Line::from(spans)
}

pub(crate) fn event_line(e: &AuditEvent, theme: &Theme) -> Line<'static> {
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
