//! Replay as plain data: what the user selected, what the engine will send and why, how far it
//! got. Shared by the engine (`crate::engine::replay`), the Kafka layer and the dashboard's dialog.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// A record's place, written `topic/partition@offset` (the `kdeck-replay-source` header).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Coord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

impl fmt::Display for Coord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}@{}", self.topic, self.partition, self.offset)
    }
}

impl Coord {
    /// Parses `topic/partition@offset`; topics may contain `/`, so the last ones split.
    pub fn parse(s: &str) -> Option<Coord> {
        let (rest, offset) = s.rsplit_once('@')?;
        let (topic, partition) = rest.rsplit_once('/')?;
        Some(Coord {
            topic: topic.to_string(),
            partition: partition.parse().ok()?,
            offset: offset.parse().ok()?,
        })
    }
}

/// Which DLQ records to replay. Fixed with the DLQ's end offsets when the replay starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Selection {
    All,
    One {
        partition: i32,
        offset: i64,
    },
    /// Offsets `from..=to` on one partition, or on every partition.
    Offsets {
        partition: Option<i32>,
        from: i64,
        to: i64,
    },
    /// Record timestamps in `[since, until)`, milliseconds since the epoch.
    Time {
        since_ms: Option<i64>,
        until_ms: Option<i64>,
    },
    /// Records whose failure reason contains this text (any case), or whose masked reason
    /// (`reason_key`) equals it: the dashboard's by-reason groups.
    Reason {
        text: String,
    },
    /// Exactly these (partition, offset) pairs: the dashboard's marks.
    Marked {
        coords: Vec<(i32, i64)>,
    },
}

impl Selection {
    /// Offsets this selection can reach on `partition`: (first, last inclusive); None = none.
    pub fn bounds(&self, partition: i32) -> Option<(i64, i64)> {
        match self {
            Selection::One {
                partition: p,
                offset,
            } => (*p == partition).then_some((*offset, *offset)),
            Selection::Offsets {
                partition: p,
                from,
                to,
            } => p
                .is_none_or(|p| p == partition)
                .then_some((*from, *to))
                .filter(|(a, b)| a <= b),
            Selection::Marked { coords } => {
                let mut it = coords.iter().filter(|(p, _)| *p == partition).map(|c| c.1);
                let first = it.next()?;
                Some(it.fold((first, first), |(lo, hi), o| (lo.min(o), hi.max(o))))
            }
            _ => Some((0, i64::MAX)),
        }
    }

    /// Whether a record read inside the bounds is selected. `reason` is its failure text.
    pub fn matches(
        &self,
        partition: i32,
        offset: i64,
        timestamp_ms: Option<i64>,
        reason: Option<&str>,
    ) -> bool {
        match self {
            Selection::All => true,
            Selection::One {
                partition: p,
                offset: o,
            } => *p == partition && *o == offset,
            Selection::Offsets {
                partition: p,
                from,
                to,
            } => p.is_none_or(|p| p == partition) && (*from..=*to).contains(&offset),
            Selection::Time { since_ms, until_ms } => timestamp_ms
                .is_some_and(|t| since_ms.is_none_or(|s| t >= s) && until_ms.is_none_or(|u| t < u)),
            Selection::Reason { text } => reason.is_some_and(|r| {
                reason_key(r) == *text || r.to_lowercase().contains(&text.to_lowercase())
            }),
            Selection::Marked { coords } => coords.contains(&(partition, offset)),
        }
    }
}

/// What `retry-count` becomes on the replayed record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetryCount {
    /// Set to 0: the replayed job gets its full retry budget again.
    #[default]
    Reset,
    Keep,
}

/// The profile's `[replay]` settings, resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplaySettings {
    /// DLQ topic -> target topic, for records without an origin header.
    pub targets: BTreeMap<String, String>,
    /// Keep the dead-letter diagnostic headers (exception, stack trace, origin) on the replay.
    pub keep_diagnostic_headers: bool,
    pub retry_count: RetryCount,
    /// A consumer group of the DLQ to commit past what was replayed. None: never commit.
    pub commit_group: Option<String>,
    /// librdkafka partitioner for records whose partition the key decides.
    pub partitioner: String,
    /// How long a record may wait for its acknowledgement before it counts as failed.
    pub delivery_timeout_ms: u64,
    /// DLQ topic -> the key hash its producer used (`[replay.partitioners]`); `None` = the
    /// configured default. A DLQ not listed here has its key hash inferred from its records.
    #[serde(default)]
    pub partitioners: BTreeMap<String, Option<KeyHash>>,
}

/// A key hash a producer may have partitioned with: `hash(key) % partitions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyHash {
    /// The Java client's default (and librdkafka's `murmur2`).
    Murmur2,
    /// kafka-go's `Hash` balancer and sarama's `HashPartitioner`.
    Fnv1a,
    /// librdkafka's `consistent`.
    Crc32,
}

impl KeyHash {
    pub const ALL: [KeyHash; 3] = [KeyHash::Murmur2, KeyHash::Fnv1a, KeyHash::Crc32];

    /// The name the profile uses (`[replay.partitioners]`).
    pub fn name(self) -> &'static str {
        match self {
            KeyHash::Murmur2 => "murmur2",
            KeyHash::Fnv1a => "fnv1a",
            KeyHash::Crc32 => "crc32",
        }
    }

    /// The name with the clients that use it.
    pub fn label(self) -> &'static str {
        match self {
            KeyHash::Murmur2 => "murmur2 (Java client)",
            KeyHash::Fnv1a => "FNV-1a (kafka-go, sarama)",
            KeyHash::Crc32 => "CRC32 (librdkafka consistent)",
        }
    }

    pub fn parse(s: &str) -> Option<KeyHash> {
        KeyHash::ALL.into_iter().find(|h| h.name() == s)
    }
}

/// Which key hash places a DLQ's keyed records, and why: inferred from the records whose key
/// and origin partition are known, or set by the profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionerChoice {
    /// None: the profile's `replay.partitioner` (librdkafka decides).
    pub hash: Option<KeyHash>,
    /// e.g. "FNV-1a (kafka-go, sarama): 4 of 4 records' keys map to their origin partitions".
    pub why: String,
}

impl Default for ReplaySettings {
    fn default() -> Self {
        ReplaySettings {
            targets: BTreeMap::new(),
            keep_diagnostic_headers: false,
            retry_count: RetryCount::Reset,
            commit_group: None,
            // The Java client's default: a replayed keyed record lands where the original
            // (most often Java) producer put it.
            partitioner: "murmur2_random".into(),
            delivery_timeout_ms: 30_000,
            partitioners: BTreeMap::new(),
        }
    }
}

/// What the user asked for. Stored in the audit log so a resume decides exactly the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplayRequest {
    pub dlq: String,
    pub selection: Selection,
    /// The target for records with neither an origin header nor a profile mapping.
    pub to: Option<String>,
    /// A target for every record, whatever its headers say.
    pub force_to: Option<String>,
    /// Send to the origin partition (from the header) instead of letting the key decide.
    pub keep_partition: bool,
    /// Records per second; None = as fast as the broker takes them.
    pub rate: Option<f64>,
    pub stop_on_error: bool,
    /// A new value for a single-record replay (the dialog's editor).
    pub value_edit: Option<Vec<u8>>,
    pub settings: ReplaySettings,
    /// A jq expression (see `crate::engine::filter`): of the selected records, only those it keeps.
    /// Part of the stored request, so a resume selects exactly the same records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

impl ReplayRequest {
    pub fn new(dlq: &str, selection: Selection, settings: ReplaySettings) -> ReplayRequest {
        ReplayRequest {
            dlq: dlq.to_string(),
            selection,
            to: None,
            force_to: None,
            keep_partition: false,
            rate: None,
            stop_on_error: false,
            value_edit: None,
            settings,
            filter: None,
        }
    }
}

/// Why a record goes where it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetWhy {
    Override,
    OriginHeader,
    ProfileMapping,
    UserTopic,
    Unresolved,
}

impl TargetWhy {
    pub fn describe(self) -> &'static str {
        match self {
            TargetWhy::Override => "the target given for every record",
            TargetWhy::OriginHeader => "the origin topic header",
            TargetWhy::ProfileMapping => "the profile's replay.targets mapping",
            TargetWhy::UserTopic => "the topic given with --to",
            TargetWhy::Unresolved => "nowhere: no origin header, no mapping, no --to",
        }
    }
}

/// Where one record goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Target {
    pub topic: Option<String>,
    /// Some with keep-partition and an origin partition header, or when the DLQ's key hash
    /// is known (inferred or configured) and the record has a key.
    pub partition: Option<i32>,
    pub why: TargetWhy,
    /// Anything the user should know (e.g. "no origin partition header: the key decides").
    pub note: Option<String>,
}

/// One record exactly as it will be sent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlanItem {
    pub source: Coord,
    /// The DLQ record's timestamp (the replayed record gets the time it is sent).
    pub timestamp_ms: Option<i64>,
    pub reason: Option<String>,
    pub target: Target,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// Offsets `[from, to)` of one DLQ partition; `to` is its end offset when the replay started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionRange {
    pub partition: i32,
    pub from: i64,
    pub to: i64,
}

/// The dry run: what a replay would send. Counts and one sample, so it stays small.
#[derive(Clone, Debug)]
pub struct ReplayPlan {
    pub run_id: String,
    pub request: ReplayRequest,
    pub ranges: Vec<PartitionRange>,
    /// Records to send (already-done ones of a resumed run excluded).
    pub total: u64,
    pub per_target: BTreeMap<String, u64>,
    /// (reason, count), most frequent first, at most `REASONS_MAX` (the rest under "other").
    pub per_reason: Vec<(String, u64)>,
    pub per_why: BTreeMap<TargetWhy, u64>,
    /// Records that cannot be sent (no target, missing topic, bad partition), with why.
    pub unsendable: u64,
    pub first: Option<PlanItem>,
    /// Selected records that an earlier run already replayed (the audit says so).
    pub replayed_before: u64,
    /// For a resumed run: records done before (acknowledged, or found on the target).
    pub already_done: u64,
    pub warnings: Vec<String>,
    /// Set when this plan continues an interrupted run.
    pub resume: Option<ResumeBase>,
    /// Partition count of every target topic seen (None: it does not exist).
    pub target_partitions: BTreeMap<String, Option<i32>>,
    /// The key hash that places keyed records without a kept partition, and why.
    pub partitioner: Option<PartitionerChoice>,
}

/// What a resumed run starts from: what reached the target before.
#[derive(Clone, Debug, Default)]
pub struct ResumeBase {
    /// Target topic -> (partition, end offset) when the run first started sending.
    pub target_starts: BTreeMap<String, Vec<(i32, i64)>>,
    /// Acknowledged, as the audit log says.
    pub acked: HashSet<Coord>,
    /// Not acknowledged in the audit but found on the target: source -> where it landed.
    pub found: HashMap<Coord, Coord>,
}

impl ResumeBase {
    pub fn is_done(&self, c: &Coord) -> bool {
        self.acked.contains(c) || self.found.contains_key(c)
    }
}

pub const REASONS_MAX: usize = 50;

/// A record that did not reach its target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failure {
    pub source: Coord,
    pub target: Option<String>,
    pub error: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplayProgress {
    pub run_id: String,
    pub total: u64,
    pub sent: u64,
    pub acked: u64,
    pub failed: u64,
    /// Records a resumed run skipped because they had reached the target before.
    pub skipped: u64,
    /// Acknowledged records per second so far.
    pub rate: f64,
    pub eta_secs: Option<f64>,
}

/// What the engine reports while it runs (at most ~10 progress events a second).
#[derive(Clone, Debug)]
pub enum ReplayEvent {
    Progress(ReplayProgress),
    Failed(Failure),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TargetCount {
    pub acked: u64,
    pub failed: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ReplaySummary {
    pub run_id: String,
    pub dlq: String,
    pub total: u64,
    pub acked: u64,
    pub failed: u64,
    /// Acknowledged in an earlier attempt of this run (the audit says so).
    pub skipped_acked: u64,
    /// Found on the target by their provenance headers (in flight when the run was stopped).
    pub found_on_target: u64,
    pub per_target: BTreeMap<String, TargetCount>,
    /// The first failures (at most `FAILURES_MAX`); `failed` counts them all.
    pub failures: Vec<Failure>,
    pub cancelled: bool,
    pub elapsed_ms: u64,
    pub rate: f64,
    /// DLQ consumer group offsets committed: (partition, offset).
    pub committed: Vec<(i32, i64)>,
    pub warnings: Vec<String>,
    /// Why the run stopped before reading its whole selection (broker gone, fatal error).
    pub stopped_early: Option<String>,
}

pub const FAILURES_MAX: usize = 1000;

impl ReplaySummary {
    pub fn ok(&self) -> bool {
        self.failed == 0 && !self.cancelled && self.stopped_early.is_none()
    }
}

/// A short, stable form of an error message, for grouping DLQ records by reason:
/// numbers and ids are masked so "timeout after 3012ms" and "timeout after 5000ms" group together.
pub fn reason_key(error: &str) -> String {
    let mut out = String::new();
    let mut in_num = false;
    for c in error.chars().take(120) {
        if c.is_ascii_digit() {
            if !in_num {
                out.push('#');
            }
            in_num = true;
        } else {
            in_num = false;
            out.push(c);
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coords_round_trip() {
        let c = Coord::parse("team/dlq.v1/12@345").unwrap();
        assert_eq!(
            (c.topic.as_str(), c.partition, c.offset),
            ("team/dlq.v1", 12, 345)
        );
        assert_eq!(c.to_string(), "team/dlq.v1/12@345");
        assert!(Coord::parse("dlq@3").is_none());
        assert!(Coord::parse("dlq/x@3").is_none());
    }

    #[test]
    fn selections_bound_and_match() {
        let one = Selection::One {
            partition: 1,
            offset: 7,
        };
        assert_eq!(one.bounds(1), Some((7, 7)));
        assert_eq!(one.bounds(0), None);
        assert!(one.matches(1, 7, None, None) && !one.matches(1, 8, None, None));
        let range = Selection::Offsets {
            partition: None,
            from: 5,
            to: 9,
        };
        assert_eq!(range.bounds(2), Some((5, 9)));
        assert!(range.matches(0, 9, None, None) && !range.matches(0, 10, None, None));
        let marked = Selection::Marked {
            coords: vec![(0, 4), (0, 2), (1, 9)],
        };
        assert_eq!(marked.bounds(0), Some((2, 4)));
        assert!(!marked.matches(0, 3, None, None));
        let time = Selection::Time {
            since_ms: Some(100),
            until_ms: Some(200),
        };
        assert!(time.matches(0, 0, Some(100), None));
        assert!(!time.matches(0, 0, Some(200), None) && !time.matches(0, 0, None, None));
        let reason = Selection::Reason {
            text: "timeout after #ms".into(),
        };
        assert!(reason.matches(0, 0, None, Some("timeout after 300ms")));
        let words = Selection::Reason {
            text: "TIMEOUT".into(),
        };
        assert!(words.matches(0, 0, None, Some("read timeout")));
        assert!(
            !words.matches(0, 0, None, Some("parse error")) && !words.matches(0, 0, None, None)
        );
        assert_eq!(Selection::All.bounds(3), Some((0, i64::MAX)));
    }
}
