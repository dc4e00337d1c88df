//! Scrolling the table with the terminal's own scroll region: when only the table's offset
//! changed, the terminal moves the rows it already shows (DECSTBM + SU/SD) and the frame's diff
//! then sends only what is new (the rows that came into view, the cursor row), instead of every
//! row of the table.
//!
//! Correct whatever the hint: the terminal's "previous" buffer is replaced by the last frame
//! moved exactly as the terminal moved it, so the next diff brings the screen to the new frame.

use ratatui::DefaultTerminal;
use ratatui::buffer::{Buffer, Cell};
use std::io::Write;
use std::ops::Range;

/// Move the screen rows `rows` by `by` lines: positive moves their content up (the table
/// scrolled down), negative down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scroll {
    pub rows: Range<u16>,
    pub by: i32,
}

/// Scrolls the terminal's region and makes `shown` (the last frame drawn), moved the same way,
/// the buffer the next draw is compared with. Does nothing when the frame no longer fits the
/// terminal (a resize redraws everything anyway) or the move is as big as the region.
pub fn apply(
    terminal: &mut DefaultTerminal,
    shown: &Buffer,
    scroll: &Scroll,
) -> std::io::Result<()> {
    let area = shown.area;
    let size = terminal.size()?;
    let (top, bottom) = (scroll.rows.start, scroll.rows.end.min(area.bottom()));
    let height = i32::from(bottom.saturating_sub(top));
    if size.width != area.width
        || size.height != area.height
        || scroll.by == 0
        || scroll.by.abs() >= height
        || top < area.top()
    {
        return Ok(());
    }
    *terminal.current_buffer_mut() = moved(shown, top, bottom, scroll.by);
    // The moved frame becomes "previous"; the next draw starts from a clean buffer.
    terminal.swap_buffers();
    let (n, code) = if scroll.by > 0 {
        (scroll.by, 'S')
    } else {
        (-scroll.by, 'T')
    };
    // Attributes off first: lines the scroll brings in are erased with the current background.
    write!(
        terminal.backend_mut(),
        "\x1b[0m\x1b[{};{}r\x1b[{n}{code}\x1b[r",
        top + 1,
        bottom
    )
}

/// `buffer` with its rows `top..bottom` moved by `by` (positive: up), the rows left behind
/// blank, as a terminal's scroll leaves them.
fn moved(buffer: &Buffer, top: u16, bottom: u16, by: i32) -> Buffer {
    let mut out = buffer.clone();
    let width = usize::from(buffer.area.width);
    let row = |y: u16| {
        let start = usize::from(y - buffer.area.top()) * width;
        start..start + width
    };
    for y in top..bottom {
        let from = i32::from(y) + by;
        let dest = row(y);
        if from >= i32::from(top) && from < i32::from(bottom) {
            let src = row(from as u16);
            out.content[dest].clone_from_slice(&buffer.content[src]);
        } else {
            out.content[dest].fill(Cell::default());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    fn lines(buffer: &Buffer) -> Vec<String> {
        (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn rows_move_inside_the_region_only_and_leave_blanks() {
        let area = Rect::new(0, 0, 3, 5);
        let buffer = Buffer::with_lines(["hhh", "aaa", "bbb", "ccc", "fff"]);
        assert_eq!(buffer.area, area);
        assert_eq!(
            lines(&moved(&buffer, 1, 4, 1)),
            ["hhh", "bbb", "ccc", "   ", "fff"]
        );
        assert_eq!(
            lines(&moved(&buffer, 1, 4, -2)),
            ["hhh", "   ", "   ", "aaa", "fff"]
        );
    }
}
