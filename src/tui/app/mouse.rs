//! Mouse input as the keyboard's actions: a click focuses the pane under it and selects the
//! row there, a second click on the same cell soon after opens it (as Enter does), and the wheel
//! scrolls the pane under it (or the open detail view / help) as the arrow keys do. The run loop
//! only turns terminal events into `MouseInput`; the decisions are made here, in `update`.

use super::action::Action;
use super::state::State;
use crate::domain::Role;
use crate::tui::panes::PaneId;
use ratatui::layout::Rect;

/// Two clicks on one cell within this long are a double-click.
pub const DOUBLE_CLICK_MS: i64 = 500;
/// Rows one wheel notch scrolls.
pub const WHEEL_ROWS: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseInput {
    /// The left button went down at (column, row), at this time (ms).
    Click {
        col: u16,
        row: u16,
        at_ms: i64,
    },
    ScrollUp {
        col: u16,
        row: u16,
    },
    ScrollDown {
        col: u16,
        row: u16,
    },
}

/// A click remembered for telling a double-click.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Click {
    pub col: u16,
    pub row: u16,
    pub at_ms: i64,
}

/// Changes focus and selection as the mouse says; returns the actions that follow (scrolls,
/// opening the row), for `update` to route like keys.
pub fn to_actions(state: &mut State, m: MouseInput) -> Vec<Action> {
    match m {
        MouseInput::ScrollUp { col, row } => wheel(state, col, row, Action::Up),
        MouseInput::ScrollDown { col, row } => wheel(state, col, row, Action::Down),
        MouseInput::Click { col, row, at_ms } => click(state, col, row, at_ms),
    }
}

fn wheel(state: &mut State, col: u16, row: u16, action: Action) -> Vec<Action> {
    match &state.modal {
        // A modal scrolls as its arrow keys do; the panes behind it stay put.
        Some(m) if m.wheel_scrolls() => vec![action; WHEEL_ROWS],
        Some(_) => vec![],
        None => match pane_at(state, col, row) {
            Some((pane, _)) => {
                state.focus = pane;
                vec![action; WHEEL_ROWS]
            }
            None => vec![],
        },
    }
}

fn click(state: &mut State, col: u16, row: u16, at_ms: i64) -> Vec<Action> {
    let now = Click { col, row, at_ms };
    let previous = state.last_click.replace(now);
    if state.modal.is_some() {
        return vec![];
    }
    if let Some(pane) = tab_at(state, col, row) {
        state.focus = pane;
        return vec![];
    }
    let Some((pane, rect)) = pane_at(state, col, row) else {
        return vec![];
    };
    let double = previous.is_some_and(|p| {
        p.col == col && p.row == row && (0..=DOUBLE_CLICK_MS).contains(&(at_ms - p.at_ms))
    });
    if double && state.focus == pane {
        // The first click selected the row: open it, wherever the view scrolled since.
        state.last_click = None;
        return vec![Action::Open];
    }
    state.focus = pane;
    select_row(state, pane, rect, row);
    vec![]
}

/// The pane (and its rectangle) drawn at this cell, in the layout the screen has now.
pub fn pane_at(state: &State, col: u16, row: u16) -> Option<(PaneId, Rect)> {
    let screen = Rect::new(0, 0, state.size.0, state.size.1);
    let areas = crate::tui::widgets::layout::compute(
        screen,
        state.focus,
        state.zoom,
        state.lag.wanted_rows(),
    );
    areas
        .panes
        .into_iter()
        .find(|(_, r)| r.contains(ratatui::layout::Position { x: col, y: row }))
}

/// The tab under the pointer on a small (or zoomed) screen's tab strip, drawn as
/// ` N Title ` and a space per pane (`ui::view::draw_tabs`).
fn tab_at(state: &State, col: u16, row: u16) -> Option<PaneId> {
    let screen = Rect::new(0, 0, state.size.0, state.size.1);
    let tabs = crate::tui::widgets::layout::compute(
        screen,
        state.focus,
        state.zoom,
        state.lag.wanted_rows(),
    )
    .tabs?;
    if row != tabs.y || col < tabs.x {
        return None;
    }
    let mut x = tabs.x as usize;
    for (i, p) in PaneId::ORDER.iter().enumerate() {
        let w =
            unicode_width::UnicodeWidthStr::width(format!(" {} {} ", i + 1, p.title()).as_str());
        if (x..x + w).contains(&(col as usize)) {
            return Some(*p);
        }
        x += w + 1;
    }
    None
}

/// Selects the record (or DLQ reason group) drawn on screen row `row` of the pane.
fn select_row(state: &mut State, pane: PaneId, rect: Rect, row: u16) {
    let PaneId::Stream(role) = pane else {
        return;
    };
    if role == Role::Dlq && state.dlq().by_reason {
        let n = state.dlq().groups().len();
        let at = crate::tui::panes::stream::view::row_at(state.dlq().selected, rect, row);
        if let Some(i) = at.filter(|i| *i < n) {
            state.dlq_mut().selected = i;
        }
        return;
    }
    let p = state.stream_mut(role);
    let at = crate::tui::panes::stream::view::row_at(p.selected, rect, row);
    if let Some(i) = at.filter(|i| *i < p.len()) {
        p.selected = i;
    }
}
