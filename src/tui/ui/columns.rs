//! Table columns sized to the terminal, and text cut to its column with a visible `…`.
//!
//! Every column asks for a width that shows its usual content. When the terminal is narrower
//! than the sum, columns give up space in a fixed order (the least useful first, the email
//! last), each down to its minimum; an optional column leaves the table before a more useful
//! one would have to give. The widths depend only on the terminal's width, never on the rows
//! on screen, so columns stay put while scrolling.

use std::borrow::Cow;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// What a column asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Never narrower than this while shown.
    pub min: u16,
    /// The width it gets when there is room.
    pub want: u16,
    /// Its share of the room left over once every column has what it wants.
    pub grow: u16,
    /// When it gives up space: lower gives first.
    pub gives: u8,
    /// An optional column leaves the table when the columns giving at this point in the order
    /// (and later) would otherwise have to give.
    pub leaves: Option<u8>,
}

impl Column {
    /// A column that always has exactly `width`.
    pub const fn fixed(width: u16) -> Column {
        Column {
            min: width,
            want: width,
            grow: 0,
            gives: u8::MAX,
            leaves: None,
        }
    }
}

/// The width of each column in `width` cells with `spacing` between shown columns; `None` for
/// a column that left the table. Columns at their minimum that still don't fit are left to the
/// table to clip (the console never draws narrower than `MIN_WIDTH`, where everything fits).
pub fn allocate(columns: &[Column], width: u16, spacing: u16) -> Vec<Option<u16>> {
    let mut shown = vec![true; columns.len()];
    'again: loop {
        let visible: Vec<usize> = (0..columns.len()).filter(|&i| shown[i]).collect();
        let gaps = i64::from(spacing) * visible.len().saturating_sub(1) as i64;
        let mut widths: Vec<u16> = columns.iter().map(|c| c.want).collect();
        let wanted: i64 = visible.iter().map(|&i| i64::from(widths[i])).sum::<i64>() + gaps;
        let mut excess = wanted - i64::from(width);
        // (rank, leave before give at the same rank, column)
        let mut turns: Vec<(u8, bool, usize)> = visible
            .iter()
            .map(|&i| (columns[i].gives, true, i))
            .chain(
                visible
                    .iter()
                    .filter_map(|&i| columns[i].leaves.map(|rank| (rank, false, i))),
            )
            .collect();
        turns.sort();
        for (_, gives, i) in turns {
            if excess <= 0 {
                break;
            }
            if !gives {
                shown[i] = false;
                continue 'again;
            }
            let c = &columns[i];
            let room = i64::from(c.want.saturating_sub(c.min)).min(excess);
            widths[i] = c.want - room as u16;
            excess -= room;
        }
        if excess < 0 {
            share(&mut widths, columns, &visible, (-excess) as u64);
        }
        return (0..columns.len())
            .map(|i| shown[i].then_some(widths[i]))
            .collect();
    }
}

/// Spreads `room` over the visible columns by their `grow` weights.
fn share(widths: &mut [u16], columns: &[Column], visible: &[usize], room: u64) {
    let weights: u64 = visible.iter().map(|&i| u64::from(columns[i].grow)).sum();
    if weights == 0 {
        return;
    }
    let mut left = room;
    for &i in visible {
        let part = room * u64::from(columns[i].grow) / weights;
        widths[i] = widths[i].saturating_add(part as u16);
        left -= part;
    }
    // What integer division left over goes to the first growing columns, a cell each.
    for &i in visible.iter().filter(|&&i| columns[i].grow > 0) {
        if left == 0 {
            break;
        }
        widths[i] = widths[i].saturating_add(1);
        left -= 1;
    }
}

/// `text` in at most `width` terminal cells: cut with `…` when longer, never through a wide
/// character (a CJK character that doesn't fit whole is left out, the `…` takes its place).
pub fn fit(text: &str, width: usize) -> Cow<'_, str> {
    if text.width() <= width {
        return Cow::Borrowed(text);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn col(min: u16, want: u16, grow: u16, gives: u8) -> Column {
        Column {
            min,
            want,
            grow,
            gives,
            leaves: None,
        }
    }

    #[test]
    fn cut_text_ends_with_an_ellipsis_within_its_width() {
        assert_eq!(fit("Night Shift, Returns", 17), "Night Shift, Ret…");
        assert_eq!(fit("Returns", 7), "Returns");
        assert_eq!(fit("Returns", 8), "Returns");
        assert_eq!(fit("Returns", 1), "…");
        assert_eq!(fit("Returns", 0), "");
        assert_eq!(fit("", 3), "");
    }

    #[test]
    fn wide_characters_are_never_split() {
        // 陳 志明 is 2 + 1 + 2 + 2 = 7 cells
        assert_eq!(fit("陳 志明", 7), "陳 志明");
        assert_eq!(fit("陳 志明", 6), "陳 志…");
        // the … can't take half of 志: it goes, and the text is one cell short rather than over
        assert_eq!(fit("陳 志明", 5), "陳 …");
        assert_eq!(fit("陳志明", 4), "陳…");
        assert_eq!(fit("陳志明", 3), "陳…");
        assert_eq!(fit("陳志明", 2), "…");
        for w in 0..10 {
            for s in ["陳 志明", "Amélie Nguyen", "ｆｕｌｌ", "a陳b志"] {
                assert!(fit(s, w).width() <= w, "{s} in {w}");
            }
        }
    }

    #[test]
    fn room_enough_gives_each_what_it_wants_and_shares_the_rest() {
        let cols = [col(4, 10, 1, 0), col(4, 10, 3, 1)];
        assert_eq!(allocate(&cols, 21, 1), vec![Some(10), Some(10)]);
        // 8 more: a quarter and three quarters
        assert_eq!(allocate(&cols, 29, 1), vec![Some(12), Some(16)]);
        // 3 more: 0 and 2 by weight, the leftover cell to the first grower
        assert_eq!(allocate(&cols, 24, 1), vec![Some(11), Some(12)]);
    }

    #[test]
    fn columns_give_space_in_order_down_to_their_minimum() {
        let email = col(16, 34, 1, 9);
        let roles = col(10, 17, 0, 2);
        let teams = col(8, 18, 1, 1);
        let cols = [email, roles, teams];
        // 6 too wide: teams gives first
        assert_eq!(allocate(&cols, 65, 1), vec![Some(34), Some(17), Some(12)]);
        // 15 too wide: teams down to its minimum, then roles
        assert_eq!(allocate(&cols, 56, 1), vec![Some(34), Some(12), Some(8)]);
        // the email is cut only once everything else is at its minimum
        assert_eq!(allocate(&cols, 46, 1), vec![Some(26), Some(10), Some(8)]);
        // below every minimum, the minimums stay (the table clips)
        assert_eq!(allocate(&cols, 20, 1), vec![Some(16), Some(10), Some(8)]);
    }

    #[test]
    fn an_optional_column_leaves_before_a_more_useful_one_gives() {
        let full_name = Column {
            leaves: Some(4),
            ..col(10, 18, 1, 0)
        };
        let cols = [col(8, 16, 1, 4), full_name, col(16, 34, 1, 5)];
        // 3 too wide: the optional column gives 3
        assert_eq!(allocate(&cols, 67, 1), vec![Some(16), Some(15), Some(34)]);
        // 8 too wide: down to its minimum, and it stays
        assert_eq!(allocate(&cols, 62, 1), vec![Some(16), Some(10), Some(34)]);
        // 9 too wide: the name would have to give, so the optional column leaves instead and
        // what it held is shared out
        assert_eq!(allocate(&cols, 61, 1), vec![Some(21), None, Some(39)]);
        // 20 too wide: gone, and the rest fits
        assert_eq!(allocate(&cols, 50, 1), vec![Some(15), None, Some(34)]);
    }

    #[test]
    fn fixed_columns_keep_their_width() {
        let cols = [Column::fixed(1), col(5, 20, 1, 0), Column::fixed(4)];
        assert_eq!(allocate(&cols, 20, 1), vec![Some(1), Some(13), Some(4)]);
        assert_eq!(allocate(&cols, 40, 1), vec![Some(1), Some(33), Some(4)]);
    }
}
