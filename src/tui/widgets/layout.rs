//! Pure rectangle math: where each pane goes at a given size.

use crate::domain::Role;
use crate::tui::panes::PaneId;
use ratatui::layout::{Constraint, Direction, Layout, Rect};

/// Below this the dashboard shows one pane at a time behind a tab strip.
pub const MIN_FULL_WIDTH: u16 = 100;
pub const MIN_FULL_HEIGHT: u16 = 28;

#[derive(Debug, Clone, PartialEq)]
pub struct Areas {
    pub health: Rect,
    pub tabs: Option<Rect>,
    pub panes: Vec<(PaneId, Rect)>,
    pub hints: Rect,
}

pub fn compact(area: Rect) -> bool {
    area.width < MIN_FULL_WIDTH || area.height < MIN_FULL_HEIGHT
}

pub fn compute(area: Rect, focus: PaneId, zoom: bool) -> Areas {
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .split(area);
    let (health, body, hints) = (rows[0], rows[1], rows[2]);
    if zoom || compact(area) {
        let parts = Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Length(1), Constraint::Min(2)])
            .split(body);
        return Areas {
            health,
            tabs: Some(parts[0]),
            panes: vec![(focus, parts[1])],
            hints,
        };
    }
    let cols = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Percentage(58), Constraint::Percentage(42)])
        .split(body);
    let left = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Ratio(1, 3),
            Constraint::Ratio(1, 3),
            Constraint::Ratio(1, 3),
        ])
        .split(cols[0]);
    let right = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Percentage(55), Constraint::Percentage(45)])
        .split(cols[1]);
    Areas {
        health,
        tabs: None,
        panes: vec![
            (PaneId::Stream(Role::Completion), left[0]),
            (PaneId::Stream(Role::Status), left[1]),
            (PaneId::Stream(Role::Dlq), left[2]),
            (PaneId::Lag, right[0]),
            (PaneId::Metrics, right[1]),
        ],
        hints,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_layout_at_120x40_shows_all_panes_without_overlap() {
        let a = compute(Rect::new(0, 0, 120, 40), PaneId::Lag, false);
        assert_eq!(a.panes.len(), 5);
        for (i, (_, r1)) in a.panes.iter().enumerate() {
            assert!(r1.height >= 5 && r1.width >= 40, "{r1:?} too small");
            for (_, r2) in a.panes.iter().skip(i + 1) {
                assert!(r1.intersection(*r2).is_empty(), "{r1:?} overlaps {r2:?}");
            }
        }
    }

    #[test]
    fn small_terminal_shows_focused_pane_with_tabs() {
        let a = compute(Rect::new(0, 0, 80, 24), PaneId::Stream(Role::Dlq), false);
        assert_eq!(a.panes.len(), 1);
        assert_eq!(a.panes[0].0, PaneId::Stream(Role::Dlq));
        assert!(a.tabs.is_some());
    }
}
