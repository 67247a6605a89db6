pub mod dlq;
pub mod lag;
pub mod metrics;
pub mod stream;

use crate::domain::Role;

/// Every pane of the dashboard, in focus order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaneId {
    Stream(Role),
    Lag,
    Metrics,
}

impl PaneId {
    pub const ORDER: [PaneId; 5] = [
        PaneId::Stream(Role::Completion),
        PaneId::Stream(Role::Status),
        PaneId::Stream(Role::Dlq),
        PaneId::Lag,
        PaneId::Metrics,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Stream(r) => r.title(),
            PaneId::Lag => "Consumer lag",
            PaneId::Metrics => "Metrics",
        }
    }

    pub fn next(self, step: isize) -> PaneId {
        let i = PaneId::ORDER.iter().position(|p| *p == self).unwrap_or(0) as isize;
        let n = PaneId::ORDER.len() as isize;
        PaneId::ORDER[((i + step).rem_euclid(n)) as usize]
    }
}
