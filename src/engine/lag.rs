//! Consumer lag: what the lag worker measured (`LagSnapshot`), and what kdeck makes of a
//! window of them (`LagTracker`): Burrow-style statuses, lag in seconds by interpolating over
//! a bounded table of (end offset, time) points per partition, rates and time to zero.

pub use crate::domain::lag::{GroupSnapshot, LagSnapshot, Tp};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Worst last: a group's status is its worst partition's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "UPPERCASE")]
pub enum LagStatus {
    /// No committed offset yet.
    Unknown,
    Ok,
    Warn,
    Rewind,
    Stall,
    Stop,
}

impl LagStatus {
    pub fn label(self) -> &'static str {
        match self {
            LagStatus::Unknown => "-",
            LagStatus::Ok => "OK",
            LagStatus::Warn => "WARN",
            LagStatus::Rewind => "REWIND",
            LagStatus::Stall => "STALL",
            LagStatus::Stop => "STOP",
        }
    }

    pub fn parse(s: &str) -> Option<LagStatus> {
        match s.to_ascii_lowercase().as_str() {
            "ok" => Some(LagStatus::Ok),
            "warn" => Some(LagStatus::Warn),
            "rewind" => Some(LagStatus::Rewind),
            "stall" => Some(LagStatus::Stall),
            "stop" => Some(LagStatus::Stop),
            _ => None,
        }
    }
}

/// The rules, for the help screen.
pub const RULES: &[(&str, &str)] = &[
    (
        "OK",
        "lag reached the allowed lag within the window, or is not growing",
    ),
    (
        "WARN",
        "offsets are committed, but lag grew at every refresh of the window",
    ),
    (
        "STALL",
        "committed offsets did not move over the window while lag > allowed",
    ),
    (
        "STOP",
        "no offset movement for longer than the whole window while lag > allowed",
    ),
    (
        "REWIND",
        "a committed offset went backwards within the window",
    ),
    (
        "secs",
        "time since the oldest unconsumed record was produced (≥: lower bound)",
    ),
    (
        "ttz",
        "time to zero at the current consume rate net of production (∞: not shrinking)",
    ),
];

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub at_ms: i64,
    pub committed: Option<i64>,
    pub end: i64,
}

impl Sample {
    pub fn lag(&self) -> Option<i64> {
        self.committed.map(|c| (self.end - c).max(0))
    }
}

/// Burrow's evaluation of one partition over its window of samples (oldest first).
/// `since_move_ms` is how long the partition has had lag without its committed offset moving.
pub fn evaluate(samples: &[Sample], allowed: i64, since_move_ms: i64, window_ms: i64) -> LagStatus {
    let Some(last) = samples.last() else {
        return LagStatus::Unknown;
    };
    let Some(cur_lag) = last.lag() else {
        return LagStatus::Unknown;
    };
    let committed: Vec<i64> = samples.iter().filter_map(|s| s.committed).collect();
    if committed.windows(2).any(|w| w[1] < w[0]) {
        return LagStatus::Rewind;
    }
    if cur_lag > allowed && since_move_ms > window_ms {
        return LagStatus::Stop;
    }
    // Burrow tells STALL (commits that repeat the same offset) from STOP (no commits) by
    // commit time, which Kafka does not return; kdeck reads offsets only, so the same offset
    // for the last three refreshes is STALL, and for longer than the window, STOP (above).
    // Only refreshes that had lag count: an idle partition that just received a record has
    // not stalled.
    let unmoved = samples
        .iter()
        .rev()
        .take_while(|s| s.committed == last.committed && s.lag().is_some_and(|l| l > allowed))
        .count();
    if unmoved >= 3 {
        return LagStatus::Stall;
    }
    let lags: Vec<i64> = samples.iter().filter_map(Sample::lag).collect();
    if lags.iter().any(|l| *l <= allowed) {
        return LagStatus::Ok;
    }
    if lags.len() >= 3 && lags.windows(2).all(|w| w[1] > w[0]) {
        return LagStatus::Warn;
    }
    LagStatus::Ok
}

/// (end offset, first seen, last seen) points of one partition, taken when the end moved:
/// enough to say when a given offset was produced, without unbounded history.
#[derive(Clone, Debug, Default)]
pub struct EndTable {
    points: VecDeque<(i64, i64, i64)>,
}

const END_POINTS: usize = 256;

impl EndTable {
    pub fn observe(&mut self, end: i64, at_ms: i64) {
        match self.points.back_mut() {
            // Still there: the next record was written after this refresh, not after the
            // first one that saw this end (a topic idle for an hour, then a burst, must not
            // spread the burst's records over the idle hour).
            Some((o, _, last)) if *o == end => *last = at_ms,
            Some((o, _, _)) if *o > end => {
                // The topic was recreated or truncated: old points mean nothing now.
                self.points.clear();
                self.points.push_back((end, at_ms, at_ms));
            }
            _ => {
                if self.points.len() == END_POINTS {
                    self.points.pop_front();
                }
                self.points.push_back((end, at_ms, at_ms));
            }
        }
    }

    /// When `offset` was produced, estimated; `None` when the table starts after it (then
    /// only a lower bound is known: see `oldest`).
    pub fn produced_at(&self, offset: i64) -> Option<i64> {
        // Point (o, first, last): from first to last the partition ended at o, so offset o
        // was written after `last` and offsets below the next point's end by its `first`.
        let idx = self.points.iter().position(|(o, _, _)| *o > offset)?;
        if idx == 0 {
            return None;
        }
        let (o1, _, t1) = self.points[idx - 1];
        let (o2, t2, _) = self.points[idx];
        let frac = (offset - o1) as f64 / (o2 - o1).max(1) as f64;
        Some(t1 + (frac * (t2 - t1) as f64) as i64)
    }

    /// The first point: its end and when it was first seen.
    pub fn oldest(&self) -> Option<(i64, i64)> {
        self.points.front().map(|(o, first, _)| (*o, *first))
    }
}

/// Seconds the group is behind on one partition: `(seconds, exact)`; `exact` false marks a
/// lower bound. A caught-up partition is 0 however old its last record (idle topics).
pub fn seconds_behind(
    committed: i64,
    end: i64,
    now_ms: i64,
    table: &EndTable,
    record_time: Option<i64>,
) -> (f64, bool) {
    if committed >= end {
        return (0.0, true);
    }
    if let Some(t) = record_time {
        return (((now_ms - t).max(0)) as f64 / 1000.0, true);
    }
    if let Some(t) = table.produced_at(committed) {
        return (((now_ms - t).max(0)) as f64 / 1000.0, true);
    }
    match table.oldest() {
        // Older than anything seen: at least as old as the first observation.
        Some((_, t)) => (((now_ms - t).max(0)) as f64 / 1000.0, false),
        None => (0.0, false),
    }
}

#[derive(Clone, Debug, Default)]
struct PartTrack {
    samples: VecDeque<Sample>,
    last_move_ms: i64,
}

#[derive(Clone, Debug, Default)]
struct GroupTrack {
    state: Option<String>,
    members: Option<usize>,
    owners: BTreeMap<Tp, String>,
    error: Option<String>,
    parts: BTreeMap<Tp, PartTrack>,
    /// Total lag per refresh for the sparkline.
    history: VecDeque<i64>,
    last_seen_ms: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartView {
    pub topic: String,
    pub partition: i32,
    pub committed: Option<i64>,
    pub end: i64,
    pub lag: i64,
    pub seconds: f64,
    pub seconds_exact: bool,
    pub status: LagStatus,
    pub owner: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupView {
    pub group: String,
    pub state: Option<String>,
    pub members: Option<usize>,
    pub status: LagStatus,
    pub lag: i64,
    pub seconds: f64,
    pub seconds_exact: bool,
    /// Records per second the group commits, over the window.
    pub consume_rate: f64,
    /// Records per second produced to the partitions it reads, over the window.
    pub produce_rate: f64,
    /// Seconds to work through the lag at the consume rate; None when it commits nothing or
    /// lag keeps growing.
    pub time_to_zero: Option<f64>,
    #[serde(skip)]
    pub trend: Vec<i64>,
    pub error: Option<String>,
    pub partitions: Vec<PartView>,
}

const HISTORY: usize = 120;

pub struct LagTracker {
    pub window: usize,
    pub allowed: i64,
    pub window_ms: i64,
    groups: BTreeMap<String, GroupTrack>,
    ends: BTreeMap<Tp, EndTable>,
    record_times: BTreeMap<(Tp, i64), i64>,
    pub notes: Vec<String>,
    pub took_ms: u64,
    pub last_at_ms: i64,
    pub refreshes: u64,
}

impl LagTracker {
    pub fn new(window: usize, allowed: i64, refresh_ms: u64) -> LagTracker {
        LagTracker {
            window: window.max(2),
            allowed,
            window_ms: window as i64 * refresh_ms as i64,
            groups: BTreeMap::new(),
            ends: BTreeMap::new(),
            record_times: BTreeMap::new(),
            notes: Vec::new(),
            took_ms: 0,
            last_at_ms: 0,
            refreshes: 0,
        }
    }

    pub fn ingest(&mut self, snap: LagSnapshot) {
        let at = snap.at_ms;
        for (tp, end) in &snap.ends {
            self.ends.entry(tp.clone()).or_default().observe(*end, at);
        }
        for (k, t) in snap.record_times {
            self.record_times.insert(k, t);
        }
        // Bounded: keep only lookups for offsets still committed somewhere.
        if self.record_times.len() > 4096 {
            let keep: std::collections::BTreeSet<(Tp, i64)> = snap
                .groups
                .iter()
                .flat_map(|g| g.committed.iter().map(|(tp, o)| (tp.clone(), *o)))
                .collect();
            self.record_times.retain(|k, _| keep.contains(k));
        }
        for g in snap.groups {
            let track = self.groups.entry(g.group.clone()).or_default();
            track.state = g.state;
            track.members = g.members;
            track.owners = g.owners;
            track.error = g.error;
            track.last_seen_ms = at;
            let mut total = 0;
            for (tp, committed) in &g.committed {
                let end = snap.ends.get(tp).copied().unwrap_or(*committed);
                let part = track.parts.entry(tp.clone()).or_insert_with(|| PartTrack {
                    samples: VecDeque::new(),
                    last_move_ms: at,
                });
                // The clock for STOP runs only while there is lag and nothing moves.
                if part.samples.back().and_then(|s| s.committed) != Some(*committed)
                    || end - committed <= self.allowed
                {
                    part.last_move_ms = at;
                }
                if part.samples.len() == self.window {
                    part.samples.pop_front();
                }
                part.samples.push_back(Sample {
                    at_ms: at,
                    committed: Some(*committed),
                    end,
                });
                total += (end - committed).max(0);
            }
            if track.history.len() == HISTORY {
                track.history.pop_front();
            }
            track.history.push_back(total);
        }
        self.notes = snap.notes;
        self.took_ms = snap.took_ms;
        self.last_at_ms = at;
        self.refreshes += 1;
    }

    /// What the pane and `kdeck lag` show, as of the last refresh.
    /// Worst first: the groups that need attention lead the table.
    pub fn views(&self) -> Vec<GroupView> {
        let mut v: Vec<GroupView> = self
            .groups
            .iter()
            .map(|(name, g)| self.group_view(name, g))
            .collect();
        v.sort_by(|a, b| {
            b.status
                .cmp(&a.status)
                .then(b.lag.cmp(&a.lag))
                .then(a.group.cmp(&b.group))
        });
        v
    }

    fn group_view(&self, name: &str, g: &GroupTrack) -> GroupView {
        let (mut parts, rates) = self.committed_parts(g);
        parts.extend(self.owned_uncommitted(g));
        parts.sort_by(|a, b| (&a.topic, a.partition).cmp(&(&b.topic, b.partition)));
        let lag: i64 = parts.iter().map(|p| p.lag).sum();
        let worst = parts
            .iter()
            .max_by(|a, b| a.seconds.total_cmp(&b.seconds))
            .map(|p| (p.seconds, p.seconds_exact))
            .unwrap_or((0.0, true));
        let (consume_rate, produce_rate) = rates.per_second();
        let status = parts
            .iter()
            .map(|p| p.status)
            .max()
            .unwrap_or(LagStatus::Unknown);
        // How long the backlog takes at the rate the group commits; unknown while the group
        // commits nothing or its lag keeps growing.
        let time_to_zero = if lag == 0 {
            Some(0.0)
        } else if consume_rate > 0.0 && status < LagStatus::Warn {
            Some(lag as f64 / consume_rate)
        } else {
            None
        };
        GroupView {
            group: name.to_string(),
            state: g.state.clone(),
            members: g.members,
            status,
            lag,
            seconds: worst.0,
            seconds_exact: worst.1,
            consume_rate,
            produce_rate,
            time_to_zero,
            trend: g.history.iter().copied().collect(),
            error: g.error.clone(),
            partitions: parts,
        }
    }

    /// The partitions the group has committed on, and what it consumed and what was produced
    /// over the samples kept.
    fn committed_parts(&self, g: &GroupTrack) -> (Vec<PartView>, Rates) {
        let empty = EndTable::default();
        let mut parts = Vec::new();
        let mut rates = Rates::default();
        for (tp, p) in &g.parts {
            let samples: Vec<Sample> = p.samples.iter().copied().collect();
            let Some(last) = samples.last().copied() else {
                continue;
            };
            let status = evaluate(
                &samples,
                self.allowed,
                last.at_ms - p.last_move_ms,
                self.window_ms,
            );
            let committed = last.committed.unwrap_or(0);
            let table = self.ends.get(tp).unwrap_or(&empty);
            let (secs, exact) = seconds_behind(
                committed,
                last.end,
                last.at_ms,
                table,
                self.record_times.get(&(tp.clone(), committed)).copied(),
            );
            if let (Some(first), true) = (samples.first(), samples.len() >= 2) {
                rates.consumed += (committed - first.committed.unwrap_or(committed)).max(0);
                rates.produced += (last.end - first.end).max(0);
                rates.span_ms = rates.span_ms.max(last.at_ms - first.at_ms);
            }
            parts.push(PartView {
                topic: tp.0.clone(),
                partition: tp.1,
                committed: last.committed,
                end: last.end,
                lag: last.lag().unwrap_or(0),
                seconds: secs,
                seconds_exact: exact,
                status,
                owner: g.owners.get(tp).cloned(),
            });
        }
        (parts, rates)
    }

    /// Partitions a member owns but the group never committed: shown, with no lag known.
    fn owned_uncommitted<'a>(&'a self, g: &'a GroupTrack) -> impl Iterator<Item = PartView> + 'a {
        g.owners
            .iter()
            .filter(|(tp, _)| !g.parts.contains_key(*tp))
            .map(|(tp, owner)| PartView {
                topic: tp.0.clone(),
                partition: tp.1,
                committed: None,
                end: self
                    .ends
                    .get(tp)
                    .and_then(|t| t.points.back().map(|p| p.0))
                    .unwrap_or(0),
                lag: 0,
                seconds: 0.0,
                seconds_exact: false,
                status: LagStatus::Unknown,
                owner: Some(owner.clone()),
            })
    }
}

/// Records consumed and produced over `span_ms`, summed over a group's partitions.
#[derive(Default)]
struct Rates {
    consumed: i64,
    produced: i64,
    span_ms: i64,
}

impl Rates {
    /// (consumed, produced) per second; zero before two samples.
    fn per_second(&self) -> (f64, f64) {
        let secs = self.span_ms as f64 / 1000.0;
        if secs > 0.0 {
            (self.consumed as f64 / secs, self.produced as f64 / secs)
        } else {
            (0.0, 0.0)
        }
    }
}

#[cfg(test)]
mod tests;
