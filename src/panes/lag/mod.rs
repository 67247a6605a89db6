//! Consumer lag pane (filled by the lag worker).

pub mod view;

#[derive(Default)]
pub struct LagPane {
    pub selected: usize,
}

impl LagPane {
    pub fn move_by(&mut self, delta: isize, _action: crate::app::action::Action) {
        self.selected = (self.selected as isize + delta).max(0) as usize;
    }
    pub fn toggle_drill(&mut self) {}
    pub fn close_drill(&mut self) {}
}
