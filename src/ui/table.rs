//! The table look every pane shares: a bold header row, one space between columns, and the
//! selected row highlighted only in the focused pane.

use crate::theme::Theme;
use ratatui::layout::Constraint;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Row, Table};

pub fn table<'a>(
    rows: Vec<Row<'a>>,
    widths: Vec<Constraint>,
    header: Vec<&'a str>,
    block: Block<'a>,
    theme: &Theme,
) -> Table<'a> {
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

pub fn mark<'a>(row: Row<'a>, selected: bool, theme: &Theme) -> Row<'a> {
    if selected {
        row.style(theme.selected())
    } else {
        row
    }
}
