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

/// Rows the metrics pane needs for its rates, status mix, latency, jobs and DLQ lines.
const METRICS_ROWS: u16 = 10;

/// Where the panes go. The record panes get the full width, since their text is what people
/// read; consumer lag and metrics share a row under them, as tall as the lag pane's groups
/// need (`lag_rows`, with its borders), at least what metrics needs, at most a third.
pub fn compute(area: Rect, focus: PaneId, zoom: bool, lag_rows: u16) -> Areas {
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
    let bottom_h = lag_rows.max(METRICS_ROWS).min(body.height / 3);
    let [streams, bottom] =
        Layout::vertical([Constraint::Min(9), Constraint::Length(bottom_h)]).areas(body);
    let [completion, status, dlq] = Layout::vertical([Constraint::Ratio(1, 3); 3]).areas(streams);
    let [lag, metrics] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(bottom);
    Areas {
        health,
        tabs: None,
        panes: vec![
            (PaneId::Stream(Role::Completion), completion),
            (PaneId::Stream(Role::Status), status),
            (PaneId::Stream(Role::Dlq), dlq),
            (PaneId::Lag, lag),
            (PaneId::Metrics, metrics),
        ],
        hints,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_layout_at_120x40_shows_all_panes_without_overlap() {
        let a = compute(Rect::new(0, 0, 120, 40), PaneId::Lag, false, 8);
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
        let a = compute(Rect::new(0, 0, 80, 24), PaneId::Stream(Role::Dlq), false, 8);
        assert_eq!(a.panes.len(), 1);
        assert_eq!(a.panes[0].0, PaneId::Stream(Role::Dlq));
        assert!(a.tabs.is_some());
    }

    #[test]
    fn record_panes_take_the_width_and_lag_is_as_tall_as_its_groups() {
        let a = compute(Rect::new(0, 0, 120, 40), PaneId::Lag, false, 8);
        let at = |id| a.panes.iter().find(|(p, _)| *p == id).unwrap().1;
        for role in Role::ALL {
            assert_eq!(at(PaneId::Stream(role)).width, 120);
        }
        // Four groups: borders, header and details take four more rows; metrics needs ten.
        assert_eq!(at(PaneId::Lag).height, 10);
        assert_eq!(at(PaneId::Metrics).height, 10);
        let many = compute(Rect::new(0, 0, 120, 40), PaneId::Lag, false, 30);
        let lag = many
            .panes
            .iter()
            .find(|(p, _)| *p == PaneId::Lag)
            .unwrap()
            .1;
        assert_eq!(lag.height, 12, "at most a third of the body");
        let tall = compute(Rect::new(0, 0, 220, 60), PaneId::Lag, false, 14);
        let lag = tall
            .panes
            .iter()
            .find(|(p, _)| *p == PaneId::Lag)
            .unwrap()
            .1;
        assert_eq!(lag.height, 14);
    }
}
