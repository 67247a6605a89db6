use super::LagPane;
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, _pane: &LagPane, focused: bool, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(" Consumer lag ");
    f.render_widget(
        Paragraph::new(Line::styled(
            "lag: not yet measured",
            Style::default().fg(theme.muted),
        ))
        .block(block),
        area,
    );
}
