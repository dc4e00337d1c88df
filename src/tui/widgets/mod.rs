//! What every dialog draws with: the bordered box over the tables, a centred rectangle, the
//! hint line generated from the key rows in force, a scroll stopped at the last page, one line
//! of the activity log, a list of checkboxes, and pasting into a text field. Widgets know
//! nothing of the app or of any particular dialog (`tui::components` draw themselves with
//! these).

pub mod check_list;

pub use check_list::{CheckList, role_list, team_list};

use crate::domain::AuditEvent;
use crate::present::time::date_time;
use crate::text::safe;
use crate::tui::keys::{DialogKey, Hint};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear};
use tui_input::Input;

/// A scroll position that never goes past the last page (End asks for "as far as it goes").
pub fn last_page(scroll: usize, lines: &[Line], area: Rect) -> usize {
    let width = usize::from(area.width).max(1);
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
    scroll.min(rows.saturating_sub(usize::from(area.height)))
}

pub fn popup<'a>(
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
pub fn hint_line(bindings: &[Hint], theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, b) in bindings.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.dim()));
        }
        spans.push(Span::styled(b.keys.clone(), theme.key()));
        spans.push(Span::styled(format!(" {}", b.what), theme.dim()));
    }
    Line::from(spans)
}

pub fn event_line(e: &AuditEvent, theme: &Theme) -> Line<'static> {
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

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2));
    let h = h.min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Inserts pasted text at the cursor as one line: line breaks and tabs become spaces (a
/// trailing line break is dropped), so a paste never acts as Enter or Tab. Returns whether
/// anything was inserted.
pub fn paste_into(input: &mut Input, text: &str) -> bool {
    let line: String = text
        .replace("\r\n", "\n")
        .trim_end_matches(['\n', '\r'])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.is_empty() {
        return false;
    }
    let value = input.value();
    let at = input.cursor();
    let byte = value.char_indices().nth(at).map_or(value.len(), |(b, _)| b);
    let joined = format!("{}{line}{}", &value[..byte], &value[byte..]);
    *input = Input::new(joined).with_cursor(at + line.chars().count());
    true
}

/// The top line to draw for `scroll`, remembering in `last_top` the last one there is, for the
/// scrolling keys (`scroll_key`) of the next key press. Drawing stays pure but for this note.
pub fn top_line(
    scroll: usize,
    last_top: &std::cell::Cell<Option<usize>>,
    lines: &[Line],
    area: Rect,
) -> usize {
    last_top.set(Some(last_page(usize::MAX, lines, area)));
    last_page(scroll, lines, area)
}

/// The scrolling keys of help and the detail pane: moves `scroll` for the command and says
/// whether it was one of them. `last` is the last top line the latest drawing could show:
/// past it (after End) the scroll is brought back first, so ↑ moves at once.
pub fn scroll_key(command: Option<DialogKey>, scroll: &mut usize, last: Option<usize>) -> bool {
    if let Some(last) = last {
        *scroll = (*scroll).min(last);
    }
    match command {
        Some(DialogKey::Down) => *scroll += 1,
        Some(DialogKey::Up) => *scroll = scroll.saturating_sub(1),
        Some(DialogKey::PageDown) => *scroll += 10,
        Some(DialogKey::PageUp) => *scroll = scroll.saturating_sub(10),
        Some(DialogKey::Top) => *scroll = 0,
        Some(DialogKey::Bottom) => *scroll = usize::from(u16::MAX),
        _ => return false,
    }
    true
}

/// `line` cut to `width` cells, ending in `…` when anything was cut (styles kept).
pub fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    use unicode_width::UnicodeWidthChar;
    if line.width() <= width {
        return line;
    }
    let mut spans = Vec::new();
    let mut used = 0;
    let room = width.saturating_sub(1);
    for span in line.spans {
        let w = span.width();
        if used + w <= room {
            used += w;
            spans.push(span);
            continue;
        }
        let mut text = String::new();
        for c in span.content.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > room {
                break;
            }
            used += cw;
            text.push(c);
        }
        spans.push(Span::styled(text, span.style));
        break;
    }
    spans.push(Span::raw("…"));
    Line::from(spans)
}
