//! The modals over the dashboard, one folder each. A modal is registered here by its name,
//! one line: its key context, default keys and the actions that open it come from its
//! `ENTRY` (see `app::component`). The order is the help screen's.

use crate::tui::app::component::Entry;

macro_rules! registry {
    ($($name:ident),* $(,)?) => {
        $(pub mod $name;)*
        /// Every modal, in the help screen's order.
        pub const REGISTRY: &[Entry] = &[$($name::ENTRY),*];
    };
}

registry! {
    detail,
    help,
    replay,
    publish,
    filter,
    search,
    timeline,
    stuck,
    export,
    topics,
    groups,
    offsets,
    profiles,
}

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
