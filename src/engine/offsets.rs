//! Moving a consumer group's committed offsets (`kdeck offsets reset` and `undo`) as plain
//! logic: the strategies, where each partition goes (clamped to what the log holds), the CSV
//! Kafka's own tool reads and writes, and the audit lines. Reading the cluster and committing
//! is `crate::kafka::offsets`.

use crate::domain::lag::Tp;
pub use crate::domain::offsets::{
    time_text, AuditPartition, AuditRun, GroupState, Move, Plan, Selection, Strategy,
};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

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

/// `<data dir>/offsets/audit.jsonl` (KDECK_DATA_DIR overrides the data dir).
pub fn audit_file() -> Option<PathBuf> {
    crate::engine::replay::audit::audit_dir()
        .and_then(|d| d.parent().map(|p| p.join("offsets").join("audit.jsonl")))
}

/// The run `id` in an audit file's text (a line cut short is skipped).
pub fn find_run(text: &str, id: &str) -> Option<AuditRun> {
    runs(text).find(|r| r.run == id)
}

/// The group's newest run in an audit file's text.
pub fn last_run_of(text: &str, group: &str) -> Option<AuditRun> {
    runs(text).filter(|r| r.group == group).last()
}

fn runs(text: &str) -> impl Iterator<Item = AuditRun> + '_ {
    text.lines()
        .filter_map(|l| serde_json::from_str::<AuditRun>(l).ok())
}

/// The audit file's text; Err in words (no data folder, unreadable file).
pub fn read_audit() -> Result<String, String> {
    let path =
        audit_file().ok_or("no data folder to find the audit file in (set KDECK_DATA_DIR)")?;
    std::fs::read_to_string(&path)
        .map_err(|e| format!("reading the audit file {}: {e}", path.display()))
}

/// What undoing `run` moves: each partition back to its offset before the run, and a note for
/// each partition the group had no offset on before (left where it is).
pub fn undo_given(run: &AuditRun) -> (BTreeMap<Tp, i64>, Vec<String>) {
    let mut given = BTreeMap::new();
    let mut notes = Vec::new();
    for p in &run.partitions {
        match p.before {
            Some(b) => {
                given.insert((p.topic.clone(), p.partition), b);
            }
            None => notes.push(format!(
                "{}/{}: the group had no offset there before run {}; left where it is",
                p.topic, p.partition, run.run
            )),
        }
    }
    (given, notes)
}

/// The strategy of an undo, in words.
pub fn undo_words(run: &AuditRun) -> String {
    format!("back to the offsets before run {}", run.run)
}

/// Appends `run` to the audit file and syncs it. One line per run, written with a single
/// `write_all` on a file opened for appending, so concurrent writers do not interleave lines.
pub fn append_audit(run: &AuditRun) -> Result<(), String> {
    let path = audit_file().ok_or("no data folder for the audit file (set KDECK_DATA_DIR)")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("creating the audit folder {}: {e}", dir.display()))?;
    }
    let mut line = serde_json::to_string(run).map_err(|e| e.to_string())?;
    line.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .map_err(|e| format!("opening the audit file {}: {e}", path.display()))?;
    f.write_all(line.as_bytes())
        .and_then(|()| f.sync_data())
        .map_err(|e| format!("writing the audit file {}: {e}", path.display()))
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
