//! The table look every pane shares: a bold header row, one space between columns, and the
//! selected row highlighted only in the focused pane.

use crate::tui::theme::Theme;
use ratatui::layout::Constraint;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Cell, Row, Table};

pub fn mark<'a>(row: Row<'a>, selected: bool, theme: &Theme) -> Row<'a> {
    if selected {
        row.style(theme.selected())
    } else {
        row
    }
}

/// Column widths that, with one space between columns, add up to at most `total`. Each column
/// gets what it wants (`(min, want)`), the `flex` column the rest. When that is not enough the
/// others give way toward their minimum, right to left, and then whole columns go from the
/// right (width 0: the caller leaves them out).
pub fn allot(total: usize, cols: &[(usize, usize)], flex: Option<usize>) -> Vec<usize> {
    let mut w: Vec<usize> = cols.iter().map(|c| c.1.max(c.0)).collect();
    if let Some(f) = flex {
        w[f] = cols[f].0;
    }
    let used = |w: &[usize]| {
        let shown: Vec<&usize> = w.iter().filter(|x| **x > 0).collect();
        shown.iter().copied().sum::<usize>() + shown.len().saturating_sub(1)
    };
    if used(&w) <= total {
        if let Some(f) = flex {
            w[f] += total - used(&w);
        }
        return w;
    }
    for i in (0..w.len()).rev() {
        let over = used(&w).saturating_sub(total);
        w[i] -= (w[i] - cols[i].0.min(w[i])).min(over);
    }
    for i in (1..w.len()).rev() {
        if used(&w) <= total {
            break;
        }
        w[i] = 0;
    }
    if used(&w) > total {
        w[0] = total;
    }
    w
}

/// A table whose every cell is sanitised (`sanitize::cell`) and cut with an ellipsis to its
/// column's width, so nothing from a record reaches the terminal raw and nothing is cut
/// silently. Columns of width 0 are left out.
pub fn grid<'a>(
    cols: &[(&'a str, usize)],
    rows: Vec<(Vec<(String, Style)>, bool)>,
    block: Block<'a>,
    theme: &Theme,
) -> Table<'a> {
    let keep: Vec<usize> = (0..cols.len()).filter(|i| cols[*i].1 > 0).collect();
    let header: Vec<String> = keep
        .iter()
        .map(|i| crate::codec::text::fit(cols[*i].0, cols[*i].1))
        .collect();
    let widths: Vec<Constraint> = keep
        .iter()
        .map(|i| Constraint::Length(cols[*i].1 as u16))
        .collect();
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|(cells, selected)| {
            let cells: Vec<Cell> = keep
                .iter()
                .filter_map(|i| {
                    let (text, style) = cells.get(*i)?;
                    Some(Cell::from(crate::codec::sanitize::cell(text, cols[*i].1)).style(*style))
                })
                .collect();
            mark(Row::new(cells), selected, theme)
        })
        .collect();
    Table::new(rows, widths)
        .header(
            Row::new(header).style(
                Style::default()
                    .fg(theme.header)
                    .add_modifier(Modifier::BOLD),
            ),
        )
        .column_spacing(1)
        .block(block)
}

#[cfg(test)]
mod tests {
    use super::allot;

    #[test]
    fn widths_never_exceed_the_total() {
        let cols = [(8, 8), (6, 12), (4, 8), (4, 9), (4, 4)];
        assert_eq!(allot(60, &cols, Some(4)), vec![8, 12, 8, 9, 19]);
        for total in 0..80 {
            let w = allot(total, &cols, Some(4));
            let shown: Vec<_> = w.iter().filter(|x| **x > 0).collect();
            let used = shown.iter().copied().sum::<usize>() + shown.len().saturating_sub(1);
            assert!(used <= total, "{total}: {w:?}");
        }
        assert_eq!(allot(30, &cols, Some(4)), vec![8, 6, 4, 4, 4]);
    }
}
