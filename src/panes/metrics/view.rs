use super::MetricsPane;
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, _pane: &MetricsPane, focused: bool, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(" Metrics ");
    f.render_widget(
        Paragraph::new(Line::styled(
            "metrics: not yet measured",
            Style::default().fg(theme.muted),
        ))
        .block(block),
        area,
    );
}
