//! The whole dashboard rendered into a TestBackend, as text (the built-in keymap and theme).

use kdeck::tui::app::state::State;
use kdeck::tui::keymap::Keymap;
use kdeck::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::collections::BTreeMap;

pub fn render(s: &State, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::load("default").unwrap();
    let keymap = Keymap::new(&BTreeMap::new()).unwrap();
    t.draw(|f| kdeck::tui::widgets::view::draw(f, s, &theme, &keymap))
        .unwrap();
    let b = t.backend().buffer().clone();
    (0..b.area.height)
        .map(|y| {
            (0..b.area.width)
                .map(|x| b[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
