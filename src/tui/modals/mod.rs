pub mod detail;
pub mod export;
pub mod filter;
pub mod help;
pub mod publish;
pub mod replay;
pub mod search;
pub mod stuck;
pub mod timeline;

use ratatui::layout::Rect;

/// A rectangle of `pct` of `area`, centred.
pub fn centered(area: Rect, pct_x: u16, pct_y: u16) -> Rect {
    let w = area.width * pct_x / 100;
    let h = area.height * pct_y / 100;
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w.max(1),
        h.max(1),
    )
}
