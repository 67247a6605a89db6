//! Moving a consumer group's committed offsets, as plain data: the strategies, one partition's
//! move, a previewed plan, an executed run as the audit keeps it, and what the dashboard's
//! offsets worker is told and reports. The rules are `engine::offsets`; reading the cluster
//! and committing is `kafka::offsets`.

use super::lag::Tp;
use super::work::Ticket;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where each partition should go.
#[derive(Clone, Debug, PartialEq)]
pub enum Strategy {
    Earliest,
    Latest,
    Current,
    Offset(i64),
    ShiftBy(i64),
    /// The first record written at or after this time (ms since 1970), by the broker's index.
    Time(i64),
    /// Offsets given per partition (from a file, or an undo's before-offsets).
    Given(BTreeMap<Tp, i64>),
}

impl Strategy {
    /// In words, for the preview and the audit.
    pub fn describe(&self) -> String {
        match self {
            Strategy::Earliest => "to the earliest offset".into(),
            Strategy::Latest => "to the latest offset".into(),
            Strategy::Current => "to the current offset".into(),
            Strategy::Offset(n) => format!("to offset {n}"),
            Strategy::ShiftBy(n) => format!("by {n} from the current offset"),
            Strategy::Time(ms) => format!("to the first record at or after {}", time_text(*ms)),
            Strategy::Given(m) => format!("to the offsets given for {} partitions", m.len()),
        }
    }
}

/// Which partitions to move.
#[derive(Clone, Debug, PartialEq)]
pub enum Selection {
    /// Every partition the group has committed offsets on.
    AllTopics,
    /// Topics, each with all its partitions (None) or the ones named.
    Topics(Vec<(String, Option<Vec<i32>>)>),
    /// Exactly these (a file, an undo, a skipped record).
    Partitions(Vec<Tp>),
}

/// One partition's move, as previewed and executed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Move {
    pub topic: String,
    pub partition: i32,
    pub current: Option<i64>,
    pub new: i64,
    pub earliest: i64,
    pub latest: i64,
    /// Time of the records at both ends of what is read again or skipped (None: unknown).
    #[serde(default)]
    pub span_from_ms: Option<i64>,
    #[serde(default)]
    pub span_to_ms: Option<i64>,
}

impl Move {
    pub fn lag_before(&self) -> Option<i64> {
        self.current.map(|c| self.latest - c)
    }
    pub fn lag_after(&self) -> i64 {
        self.latest - self.new
    }
    /// Records read again (positive) or skipped (negative); None without a current offset.
    pub fn delta(&self) -> Option<i64> {
        self.current.map(|c| c - self.new)
    }
    /// The offsets of the first and last record read again or skipped.
    pub fn span_offsets(&self) -> Option<(i64, i64)> {
        let c = self.current?;
        (c != self.new).then(|| (c.min(self.new), c.max(self.new) - 1))
    }
    /// "read again 5", "skip 3", "no change", "no offset before".
    pub fn effect_text(&self) -> String {
        match self.delta() {
            None => "no offset before".into(),
            Some(0) => "no change".into(),
            Some(d) if d > 0 => format!("read again {d}"),
            Some(d) => format!("skip {}", -d),
        }
    }
    pub fn span_text(&self) -> String {
        if self.span_offsets().is_none() {
            return "-".into();
        }
        match (self.span_from_ms, self.span_to_ms) {
            (Some(a), Some(b)) => format!("{} .. {}", time_text(a), time_text(b)),
            _ => "unknown".into(),
        }
    }
}

/// A group as the cluster describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupState {
    pub state: String,
    pub members: usize,
}

impl GroupState {
    /// Nobody is reading with it, so its offsets may be moved.
    pub fn movable(&self) -> bool {
        matches!(self.state.as_str(), "Empty" | "Dead" | "") && self.members == 0
    }

    /// Its state in words.
    pub fn words(&self) -> String {
        let state = self.state.as_str();
        let what = match state {
            "Empty" => "has no members",
            "Dead" | "" => "does not exist or has no members",
            "Stable" => "is active",
            "PreparingRebalance" | "CompletingRebalance" => "is rebalancing",
            _ => "is in a state kdeck does not know",
        };
        let who = match self.members {
            0 => String::new(),
            1 => ", 1 member reading".into(),
            n => format!(", {n} members reading"),
        };
        format!("{what} (state {state}{who})")
    }
}

/// The previewed move of a group.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub group: String,
    pub state: GroupState,
    pub moves: Vec<Move>,
    pub warnings: Vec<String>,
    /// The strategy in words, as the audit keeps it.
    pub strategy: String,
    /// The run this plan undoes.
    pub undo_of: Option<String>,
}

/// One executed run in the audit file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditRun {
    pub run: String,
    pub by: String,
    pub at: String,
    pub group: String,
    pub strategy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_of: Option<String>,
    pub partitions: Vec<AuditPartition>,
    pub verified: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPartition {
    pub topic: String,
    pub partition: i32,
    pub before: Option<i64>,
    pub after: i64,
}

/// What an executed plan came to.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Nothing committed: the group came alive, in words.
    Refused(String),
    /// The commit failed, in words.
    Failed(String),
    Committed(Box<Committed>),
}

/// A commit that went through.
#[derive(Clone, Debug, PartialEq)]
pub struct Committed {
    pub run: AuditRun,
    /// Partitions whose offset read back is not the one asked, in words.
    pub mismatches: Vec<String>,
    /// Why the run could not be audited.
    pub audit_error: Option<String>,
}

/// What a dashboard dialog asks to move.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    Move(Strategy),
    /// Back to the offsets before the group's newest audited run.
    UndoLast,
}

/// Commands to the dashboard's offsets worker; `job` names the dialog's current job.
#[derive(Debug)]
pub enum OffsetsCmd {
    Plan {
        job: Ticket,
        group: String,
        selection: Selection,
        target: Target,
    },
    Execute {
        job: Ticket,
        plan: Box<Plan>,
    },
}

/// The offsets worker's news.
#[derive(Debug)]
pub enum OffsetsUpdate {
    Planned {
        job: u64,
        result: Result<Box<Plan>, String>,
    },
    Executed {
        job: u64,
        outcome: Outcome,
    },
}

pub fn time_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| format!("{ms} ms"))
}
