//! A live table of one role's records: a capped ring, newest first, with scroll-back that stays
//! on the selected record while new ones arrive.

pub mod view;

use crate::app::action::Action;
use crate::app::component::{nav_delta, Hint, Reply};
use crate::app::effect::Effect;
use crate::app::state::Modal;
use crate::domain::{Record, Role};
use crate::modals::detail::DetailState;
use crate::rate::RateMeter;
use std::collections::VecDeque;

pub struct StreamPane {
    pub role: Role,
    /// Oldest at the front, newest at the back; never more than `cap`.
    pub records: VecDeque<Record>,
    pub cap: usize,
    /// Rows from the newest: 0 follows the stream.
    pub selected: usize,
    pub paused: bool,
    pub rate: RateMeter,
    /// Records dropped off the ring since start.
    pub evicted: u64,
}

impl StreamPane {
    pub fn new(role: Role, cap: usize) -> StreamPane {
        StreamPane {
            role,
            records: VecDeque::with_capacity(cap.min(4096)),
            cap,
            selected: 0,
            paused: false,
            rate: RateMeter::new(300),
            evicted: 0,
        }
    }

    pub fn push_batch(&mut self, batch: Vec<Record>, now_ms: i64) {
        self.rate.add(now_ms, batch.len() as u64);
        let n = batch.len();
        for r in batch {
            if self.records.len() == self.cap {
                self.records.pop_front();
                self.evicted += 1;
            }
            self.records.push_back(r);
        }
        // Scrolled back: keep the same record selected as new ones arrive above it.
        if self.selected > 0 {
            self.selected = (self.selected + n).min(self.records.len().saturating_sub(1));
        }
    }

    pub fn following(&self) -> bool {
        self.selected == 0
    }

    /// The i-th record counting from the newest.
    pub fn nth_newest(&self, i: usize) -> Option<&Record> {
        let len = self.records.len();
        (i < len).then(|| &self.records[len - 1 - i])
    }

    pub fn selected_record(&self) -> Option<&Record> {
        self.nth_newest(self.selected)
    }

    pub fn move_by(&mut self, delta: isize) {
        let max = self.records.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, max.max(0)) as usize;
    }

    pub fn to_oldest(&mut self) {
        self.selected = self.records.len().saturating_sub(1);
    }

    pub const HINTS: &'static [Hint] = &[
        (Action::Down, "scroll"),
        (Action::Open, "open"),
        (Action::TogglePause, "pause"),
    ];

    pub fn handle(&mut self, action: Action, page: isize) -> Reply {
        if let Some(d) = nav_delta(action, page) {
            self.move_by(d);
            return Reply::Done;
        }
        match action {
            Action::Top | Action::Close => self.selected = 0,
            Action::Bottom => self.to_oldest(),
            Action::Open => {
                if let Some(r) = self.selected_record() {
                    return Reply::Open(Modal::Detail(DetailState::from_record(r)));
                }
            }
            Action::TogglePause => {
                self.paused = !self.paused;
                return Reply::Effects(vec![if self.paused {
                    Effect::PauseStream(self.role)
                } else {
                    Effect::ResumeStream(self.role)
                }]);
            }
            _ => {}
        }
        Reply::Done
    }
}

#[cfg(test)]
mod tests;
