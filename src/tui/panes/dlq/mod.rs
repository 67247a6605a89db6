//! DLQ triage on top of the DLQ stream pane: failures grouped by reason, marks for a replay,
//! and how often each message was replayed already (from the audit log).

pub mod view;

use crate::codec::decode::dlq::record_reason;
use crate::domain::Record;
use crate::tui::app::action::Action;
use crate::tui::app::component::{nav_delta, Hint, Reply, Subject};
use crate::tui::panes::stream::{PaneFilter, StreamPane};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Where a record sits: the DLQ topic, partition and offset.
pub type Coord = (String, i32, i64);

/// Reasons kept at most; past it the rarest is dropped (the metrics pane does the same).
const MAX_REASONS: usize = 500;
/// Marks kept at most: a replay of more goes through "everything matching".
pub const MAX_MARKS: usize = 100_000;

#[derive(Clone, Debug, PartialEq)]
pub struct ReasonGroup {
    pub key: String,
    pub count: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    /// Origin topics named by the records' headers (a few at most).
    pub origins: BTreeSet<String>,
    /// The newest record's unmasked reason, as an example.
    pub sample: String,
}

#[derive(Default)]
pub struct DlqTriage {
    pub by_reason: bool,
    pub reasons: HashMap<String, ReasonGroup>,
    /// Row selected in the by-reason view (sorted by count).
    pub selected: usize,
    pub marks: HashSet<Coord>,
    /// How many times each DLQ record was replayed, from the audit log.
    pub replayed: HashMap<Coord, u32>,
}

pub fn coord(r: &Record) -> Coord {
    (r.topic.clone(), r.partition, r.offset)
}

/// The replay dialog for the marks, else the selection.
fn replay() -> Reply {
    Reply::Forward {
        action: Action::Replay,
        subject: Subject::Selection,
        over: false,
    }
}

impl DlqTriage {
    /// How often each record of `dlq` was replayed (from the audit log); what was replayed is
    /// no longer marked for replay.
    pub fn replayed_counts(&mut self, dlq: &str, counts: HashMap<(i32, i64), u32>) {
        self.replayed.retain(|c, _| c.0 != dlq);
        for ((p, o), n) in counts {
            self.replayed.insert((dlq.to_string(), p, o), n);
        }
        let replayed = &self.replayed;
        self.marks.retain(|c| !replayed.contains_key(c));
    }

    pub fn observe(&mut self, batch: &[Record]) {
        for r in batch {
            let Some(key) = record_reason(r) else {
                continue;
            };
            if !self.reasons.contains_key(&key) && self.reasons.len() >= MAX_REASONS {
                self.drop_rarest();
            }
            let g = self.reasons.entry(key.clone()).or_insert(ReasonGroup {
                key,
                count: 0,
                first_ms: r.timestamp_ms,
                last_ms: None,
                origins: BTreeSet::new(),
                sample: String::new(),
            });
            g.count += 1;
            g.last_ms = r.timestamp_ms.or(g.last_ms);
            let origin = r.decoded.dlq.as_ref();
            if let Some(t) = origin.and_then(|o| o.topic.as_ref()) {
                if g.origins.len() < 4 {
                    g.origins.insert(t.clone());
                }
            }
            if let Some(e) = origin.and_then(|o| o.error.as_ref()) {
                g.sample = e.chars().take(200).collect();
            }
        }
    }

    fn drop_rarest(&mut self) {
        if let Some(k) = self
            .reasons
            .values()
            .min_by_key(|g| g.count)
            .map(|g| g.key.clone())
        {
            self.reasons.remove(&k);
        }
    }

    /// Groups, most frequent first (ties: most recent first).
    pub fn groups(&self) -> Vec<&ReasonGroup> {
        let mut v: Vec<&ReasonGroup> = self.reasons.values().collect();
        v.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(b.last_ms.cmp(&a.last_ms))
                .then(a.key.cmp(&b.key))
        });
        v
    }

    pub fn selected_group(&self) -> Option<String> {
        self.groups().get(self.selected).map(|g| g.key.clone())
    }

    pub fn toggle_mark(&mut self, c: Coord) {
        if !self.marks.remove(&c) && self.marks.len() < MAX_MARKS {
            self.marks.insert(c);
        }
    }

    /// Marks every record the pane holds that has this reason; unmarks them when all were.
    pub fn mark_group(&mut self, pane: &StreamPane, key: &str) {
        let coords: Vec<Coord> = pane
            .records
            .iter()
            .filter(|r| record_reason(r).as_deref() == Some(key))
            .map(coord)
            .collect();
        self.mark_all(coords);
    }

    /// Marks all of `coords`, or unmarks them when every one was marked already.
    pub fn mark_all(&mut self, coords: Vec<Coord>) {
        if coords.iter().all(|c| self.marks.contains(c)) {
            for c in &coords {
                self.marks.remove(c);
            }
            return;
        }
        for c in coords {
            if self.marks.len() >= MAX_MARKS {
                break;
            }
            self.marks.insert(c);
        }
    }

    pub fn replay_count(&self, r: &Record) -> u32 {
        self.replayed.get(&coord(r)).copied().unwrap_or(0)
    }

    pub const HINTS: &'static [Hint] = &[
        (Action::Mark, "mark"),
        (Action::ByReason, "by reason"),
        (Action::Replay, "replay"),
        (Action::Open, "open"),
    ];

    /// The DLQ pane's keys: its own first, then those of any stream pane.
    pub fn handle(&mut self, pane: &mut StreamPane, action: Action, page: isize) -> Reply {
        if self.by_reason {
            return self.handle_groups(pane, action, page);
        }
        match action {
            Action::Mark => {
                if let Some(r) = pane.selected_record() {
                    self.toggle_mark(coord(r));
                }
                pane.move_by(1);
                Reply::Done
            }
            Action::MarkAll => {
                let shown = (0..pane.len()).filter_map(|i| pane.nth_newest(i).map(coord));
                self.mark_all(shown.collect());
                Reply::Done
            }
            Action::ByReason => {
                self.by_reason = true;
                Reply::Done
            }
            Action::Close
                if matches!(
                    pane.filter.as_ref().map(|f| &f.filter),
                    Some(PaneFilter::Reason(_))
                ) =>
            {
                // Back from a group's messages to the groups.
                pane.set_filter(None);
                self.by_reason = true;
                Reply::Done
            }
            Action::Replay => replay(),
            _ => pane.on_key(action, page),
        }
    }

    fn handle_groups(&mut self, pane: &mut StreamPane, action: Action, page: isize) -> Reply {
        let n = self.reasons.len();
        if let Some(d) = nav_delta(action, page) {
            let max = n.saturating_sub(1) as isize;
            self.selected = (self.selected as isize + d).clamp(0, max.max(0)) as usize;
            return Reply::Done;
        }
        match action {
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = n.saturating_sub(1),
            Action::Open => {
                if let Some(key) = self.selected_group() {
                    pane.set_filter(Some(PaneFilter::Reason(key)));
                    self.by_reason = false;
                }
            }
            Action::Mark | Action::MarkAll => {
                if let Some(key) = self.selected_group() {
                    self.mark_group(pane, &key);
                }
            }
            Action::ByReason | Action::Close => self.by_reason = false,
            Action::Replay => return replay(),
            _ => {}
        }
        Reply::Done
    }
}

#[cfg(test)]
mod tests;
