//! The one frame every modal is drawn in: the area under it cleared, a border in the focused
//! colour, a bold title. A modal adds what is its own (a bottom title) to the block.

use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Clear};
use ratatui::Frame;

/// A dialog's block with its title.
pub fn block<'a>(title: impl Into<String>, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(
            title.into(),
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ))
}

/// Clears `rect`, draws `block` there and returns the area inside it.
pub fn frame(f: &mut Frame, rect: Rect, block: Block<'_>) -> Rect {
    f.render_widget(Clear, rect);
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    inner
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    #[test]
    fn the_frame_clears_borders_and_titles_and_gives_the_inside() {
        let mut t = Terminal::new(TestBackend::new(20, 5)).unwrap();
        let theme = Theme::load_with("default", false).unwrap();
        let mut inner = Rect::default();
        t.draw(|f| {
            f.render_widget(
                ratatui::widgets::Paragraph::new(vec!["x".repeat(20); 5].join("\n")),
                f.area(),
            );
            inner = frame(f, Rect::new(2, 1, 10, 3), block(" t ", &theme));
        })
        .unwrap();
        assert_eq!(inner, Rect::new(3, 2, 8, 1));
        let buf = t.backend().buffer();
        let row = |y: u16| (0..20).map(|x| buf[(x, y)].symbol()).collect::<String>();
        assert_eq!(row(1), "xx┌ t ─────┐xxxxxxxx");
        assert_eq!(row(2), "xx│        │xxxxxxxx");
        assert_eq!(buf[(4, 1)].fg, theme.title);
    }
}
