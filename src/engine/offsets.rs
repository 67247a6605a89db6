//! Moving a consumer group's committed offsets (`kdeck offsets reset` and `undo`) as plain
//! logic: the strategies, where each partition goes (clamped to what the log holds), the CSV
//! Kafka's own tool reads and writes, and the audit lines. Reading the cluster and committing
//! is `crate::kafka::offsets`.

use crate::domain::lag::Tp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

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

/// What the cluster says about one partition before the move.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub earliest: i64,
    pub latest: i64,
    /// The group's committed offset; None when it has none there.
    pub current: Option<i64>,
    /// With `Strategy::Time`: the broker's answer (None: no record that late, so the end).
    pub by_time: Option<i64>,
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

/// Where one partition goes and, when the wanted offset lay outside the log, a warning.
pub fn target(strategy: &Strategy, tp: &Tp, f: &Facts) -> (i64, Option<String>) {
    let wanted = match strategy {
        Strategy::Earliest => f.earliest,
        Strategy::Latest => f.latest,
        Strategy::Current => f.current.unwrap_or(f.latest),
        Strategy::Offset(n) => *n,
        Strategy::ShiftBy(n) => f.current.unwrap_or(f.earliest).saturating_add(*n),
        Strategy::Time(_) => f.by_time.unwrap_or(f.latest),
        Strategy::Given(m) => m.get(tp).copied().unwrap_or(f.current.unwrap_or(f.latest)),
    };
    let (t, p) = tp;
    if wanted < f.earliest {
        let w = format!(
            "{t}/{p}: offset {wanted} is before the earliest offset {}; using {}",
            f.earliest, f.earliest
        );
        (f.earliest, Some(w))
    } else if wanted > f.latest {
        let w = format!(
            "{t}/{p}: offset {wanted} is past the latest offset {}; using {}",
            f.latest, f.latest
        );
        (f.latest, Some(w))
    } else {
        (wanted, None)
    }
}

/// `--topic` values: `orders` (every partition) or `orders:0,2`.
pub fn parse_topic(spec: &str) -> Result<(String, Option<Vec<i32>>), String> {
    let Some((t, parts)) = spec.rsplit_once(':') else {
        return Ok((spec.to_string(), None));
    };
    if t.is_empty() {
        return Err(format!("--topic {spec:?}: the topic name is missing"));
    }
    let ps = parts
        .split(',')
        .map(|p| p.trim().parse::<i32>().ok().filter(|p| *p >= 0))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            format!("--topic {spec:?}: expected TOPIC or TOPIC:P,P with partition numbers")
        })?;
    Ok((t.to_string(), Some(ps)))
}

/// The CSV of Kafka's tool: `topic,partition,offset` per line (blank lines skipped).
pub fn parse_csv(text: &str) -> Result<BTreeMap<Tp, i64>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        let bad = || format!("line {}: expected topic,partition,offset, got {l:?}", i + 1);
        let mut f = l.rsplitn(3, ',');
        let offset = f.next().and_then(|o| o.trim().parse::<i64>().ok());
        let partition = f.next().and_then(|p| p.trim().parse::<i32>().ok());
        let topic = f.next().map(str::trim).filter(|t| !t.is_empty());
        match (topic, partition, offset) {
            (Some(t), Some(p), Some(o)) => {
                out.insert((t.to_string(), p), o);
            }
            _ => return Err(bad()),
        }
    }
    Ok(out)
}

/// The same CSV, of the new offsets.
pub fn to_csv(moves: &[Move]) -> String {
    moves
        .iter()
        .map(|m| format!("{},{},{}\n", m.topic, m.partition, m.new))
        .collect()
}

/// Whether a group in this state may be moved: nobody is reading with it.
pub fn movable(state: &str) -> bool {
    matches!(state, "Empty" | "Dead" | "")
}

/// A group's state in words.
pub fn state_words(state: &str, members: usize) -> String {
    let what = match state {
        "Empty" => "has no members",
        "Dead" | "" => "does not exist or has no members",
        "Stable" => "is active",
        "PreparingRebalance" | "CompletingRebalance" => "is rebalancing",
        _ => "is in a state kdeck does not know",
    };
    let who = match members {
        0 => String::new(),
        1 => ", 1 member reading".into(),
        n => format!(", {n} members reading"),
    };
    format!("{what} (state {state}{who})")
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

/// `<data dir>/offsets/audit.jsonl` (KDECK_DATA_DIR overrides the data dir).
pub fn audit_file() -> Option<PathBuf> {
    crate::engine::replay::audit::audit_dir()
        .and_then(|d| d.parent().map(|p| p.join("offsets").join("audit.jsonl")))
}

/// The run `id` in an audit file's text (a line cut short is skipped).
pub fn find_run(text: &str, id: &str) -> Option<AuditRun> {
    text.lines()
        .filter_map(|l| serde_json::from_str::<AuditRun>(l).ok())
        .find(|r| r.run == id)
}

pub fn time_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| format!("{ms} ms"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(current: Option<i64>) -> Facts {
        Facts {
            earliest: 2,
            latest: 20,
            current,
            by_time: None,
        }
    }

    #[test]
    fn targets_follow_the_strategy_and_clamp() {
        let tp = ("t".to_string(), 0);
        let f = facts(Some(10));
        assert_eq!(target(&Strategy::Earliest, &tp, &f).0, 2);
        assert_eq!(target(&Strategy::Latest, &tp, &f).0, 20);
        assert_eq!(target(&Strategy::Current, &tp, &f).0, 10);
        assert_eq!(target(&Strategy::ShiftBy(-3), &tp, &f).0, 7);
        let (o, w) = target(&Strategy::ShiftBy(30), &tp, &f);
        assert_eq!(o, 20);
        assert!(w.unwrap().contains("past the latest offset 20"));
        let (o, w) = target(&Strategy::Offset(0), &tp, &f);
        assert_eq!(o, 2);
        assert!(w.unwrap().contains("before the earliest offset 2"));
        assert_eq!(target(&Strategy::Current, &tp, &facts(None)).0, 20);
    }

    #[test]
    fn moves_say_what_is_read_again() {
        let m = Move {
            topic: "t".into(),
            partition: 0,
            current: Some(10),
            new: 4,
            earliest: 0,
            latest: 20,
            span_from_ms: None,
            span_to_ms: None,
        };
        assert_eq!(m.effect_text(), "read again 6");
        assert_eq!(m.span_offsets(), Some((4, 9)));
        assert_eq!(m.span_text(), "unknown");
        assert_eq!((m.lag_before(), m.lag_after()), (Some(10), 16));
    }

    #[test]
    fn csv_and_topics_parse() {
        let m = parse_csv("a,0,5\n\na-b,1,7\n").unwrap();
        assert_eq!(m.get(&("a-b".to_string(), 1)), Some(&7));
        assert!(parse_csv("a,x,5").unwrap_err().contains("line 1"));
        assert_eq!(
            parse_topic("t:0,2").unwrap(),
            ("t".into(), Some(vec![0, 2]))
        );
        assert_eq!(parse_topic("t").unwrap(), ("t".into(), None));
        assert!(parse_topic("t:x").is_err());
    }
}
