//! The audit log: one JSONL file per run in `<data dir>/replay/<RUN_ID>.jsonl`. The first line
//! describes the run (request, DLQ ranges, target end offsets at the start); then one line per
//! record once its fate is known (acknowledged, found on the target, failed); an `end` line when
//! the attempt ends. A run's file is locked while a kdeck sends for it, so a resume cannot race
//! a run that is still alive.

use crate::domain::replay::{Coord, PartitionRange, ReplayRequest};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Target topic -> (partition, end offset) when the run started sending.
pub type TargetStarts = BTreeMap<String, Vec<(i32, i64)>>;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    Run {
        run: String,
        by: String,
        at: String,
        request: Box<ReplayRequest>,
        ranges: Vec<PartitionRange>,
        target_starts: TargetStarts,
    },
    /// A later attempt of the same run (`kdeck replay --resume`).
    Resume { run: String, by: String, at: String },
    Record {
        run: String,
        by: String,
        at: String,
        /// `dlq/partition@offset`
        source: String,
        /// `topic/partition@offset` once acknowledged or found; the topic alone when it failed.
        target: String,
        result: RecordResult,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    End {
        run: String,
        at: String,
        acked: u64,
        failed: u64,
        cancelled: bool,
    },
}

/// [`Line::Record`] by reference: the same JSON.
#[derive(Serialize)]
pub struct RecordLine<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub run: &'a str,
    pub by: &'a str,
    pub at: &'a str,
    pub source: &'a str,
    pub target: &'a str,
    pub result: RecordResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordResult {
    Acked,
    /// Not in the audit but found on the target by its provenance headers on resume.
    Found,
    Failed,
}

/// Where audit files live: `KDECK_DATA_DIR/replay`, else the platform data dir's `replay`.
pub fn audit_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("KDECK_DATA_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("replay"));
    }
    directories::ProjectDirs::from("", "", "kdeck").map(|d| d.data_dir().join("replay"))
}

pub fn run_file(dir: &Path, run_id: &str) -> PathBuf {
    dir.join(format!("{run_id}.jsonl"))
}

/// `user@host`, for the audit and the `kdeck-replayed-by` header.
pub fn who() -> String {
    let user = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .or_else(user_from_passwd)
        .unwrap_or_else(|| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into());
    format!("{user}@{host}")
}

/// The login name of this process's uid, where /proc and /etc/passwd say (Linux without $USER).
fn user_from_passwd() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid).then(|| name.to_string())
    })
}

pub fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An audit file open for appending, locked for this process.
pub struct AuditWriter {
    out: BufWriter<File>,
    path: PathBuf,
}

impl AuditWriter {
    /// Creates the run's file (it must not exist) and writes its first line, synced to disk
    /// before anything is sent.
    pub fn create(dir: &Path, first: &Line, run_id: &str) -> anyhow::Result<AuditWriter> {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("creating the audit folder {}: {e}", dir.display()))?;
        let path = run_file(dir, run_id);
        let f = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| anyhow::anyhow!("creating the audit file {}: {e}", path.display()))?;
        let mut w = Self::locked(f, path, run_id)?;
        w.write(first)?;
        w.sync()?;
        Ok(w)
    }

    /// Opens an existing run's file for a resume; refuses while another kdeck holds it.
    pub fn reopen(dir: &Path, run_id: &str) -> anyhow::Result<AuditWriter> {
        let path = run_file(dir, run_id);
        let f = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| anyhow::anyhow!("opening the audit file {}: {e}", path.display()))?;
        Self::locked(f, path, run_id)
    }

    fn locked(f: File, path: PathBuf, run_id: &str) -> anyhow::Result<AuditWriter> {
        match f.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
                "run {run_id} is still being sent by another kdeck (its audit file {} is locked); stop that one first",
                path.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                anyhow::bail!("locking the audit file {}: {e}", path.display())
            }
        }
        Ok(AuditWriter {
            out: BufWriter::with_capacity(1 << 16, f),
            path,
        })
    }

    pub fn write(&mut self, line: &Line) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.out, line)?;
        self.out
            .write_all(b"\n")
            .map_err(|e| anyhow::anyhow!("writing the audit file {}: {e}", self.path.display()))
    }

    /// A `record` line without building a [`Line`] (one per acknowledgement: the hot path).
    pub fn write_record(&mut self, r: &RecordLine<'_>) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.out, r)?;
        self.out
            .write_all(b"\n")
            .map_err(|e| anyhow::anyhow!("writing the audit file {}: {e}", self.path.display()))
    }

    pub fn flush(&mut self) -> anyhow::Result<()> {
        self.out
            .flush()
            .map_err(|e| anyhow::anyhow!("writing the audit file {}: {e}", self.path.display()))
    }

    pub fn sync(&mut self) -> anyhow::Result<()> {
        self.flush()?;
        self.out
            .get_ref()
            .sync_data()
            .map_err(|e| anyhow::anyhow!("syncing the audit file {}: {e}", self.path.display()))
    }
}

/// A run as its audit file tells it.
#[derive(Clone, Debug)]
pub struct RunLog {
    pub run_id: String,
    pub request: ReplayRequest,
    pub ranges: Vec<PartitionRange>,
    pub target_starts: TargetStarts,
    /// DLQ coordinates that reached the target (acknowledged or found).
    pub done: HashSet<Coord>,
    pub failed: HashSet<Coord>,
    pub attempts: u32,
}

/// Parses a run's file. A line cut short by a kill (the last one) is ignored.
pub fn parse_run(text: &str) -> anyhow::Result<RunLog> {
    let mut log: Option<RunLog> = None;
    for (i, l) in text.lines().enumerate() {
        let Ok(line) = serde_json::from_str::<Line>(l) else {
            continue;
        };
        match (line, log.as_mut()) {
            (
                Line::Run {
                    run,
                    request,
                    ranges,
                    target_starts,
                    ..
                },
                None,
            ) if i == 0 => {
                log = Some(RunLog {
                    run_id: run,
                    request: *request,
                    ranges,
                    target_starts,
                    done: HashSet::new(),
                    failed: HashSet::new(),
                    attempts: 1,
                })
            }
            (Line::Resume { .. }, Some(r)) => r.attempts += 1,
            (Line::Record { source, result, .. }, Some(r)) => {
                let Some(c) = Coord::parse(&source) else {
                    continue;
                };
                if result == RecordResult::Failed {
                    r.failed.insert(c);
                } else {
                    r.failed.remove(&c);
                    r.done.insert(c);
                }
            }
            _ => {}
        }
    }
    log.ok_or_else(|| anyhow::anyhow!("the audit file does not start with a run line"))
}

pub fn read_run(dir: &Path, run_id: &str) -> anyhow::Result<RunLog> {
    let path = run_file(dir, run_id);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow::anyhow!(
                "no run {run_id}: no audit file {} (a run killed before it sent anything has none)",
                path.display()
            )
        } else {
            anyhow::anyhow!("reading the audit file {}: {e}", path.display())
        }
    })?;
    parse_run(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// How many runs replayed each record of `dlq`, (partition, offset) -> runs: the dashboard's
/// `↻ 2×` marks. Unreadable files and lines are skipped.
pub fn replay_counts(dir: &Path, dlq: &str) -> HashMap<(i32, i64), u32> {
    let mut counts: HashMap<(i32, i64), u32> = HashMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return counts;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "jsonl") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let mut seen: HashSet<(i32, i64)> = HashSet::new();
        // Scanned, not parsed: histories grow to millions of lines, and topic names and
        // coordinates never need JSON escapes.
        for l in text.lines() {
            if !l.starts_with("{\"type\":\"record\"") || l.contains("\"result\":\"failed\"") {
                continue;
            }
            match field(l, "source").and_then(Coord::parse) {
                Some(c) if c.topic == dlq => {
                    seen.insert((c.partition, c.offset));
                }
                _ => {}
            }
        }
        for k in seen {
            *counts.entry(k).or_default() += 1;
        }
    }
    counts
}

/// The text of a string field `"name":"…"` in a JSON line kdeck wrote.
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let pat = format!("\"{name}\":\"");
    let i = line.find(&pat)? + pat.len();
    let j = line[i..].find('"')?;
    Some(&line[i..i + j])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::replay::{ReplaySettings, Selection};

    fn rec(source: &str, result: RecordResult) -> String {
        serde_json::to_string(&Line::Record {
            run: "r".into(),
            by: "u@h".into(),
            at: "t".into(),
            source: source.into(),
            target: "orders".into(),
            result,
            error: None,
        })
        .unwrap()
    }

    fn run_line(id: &str) -> String {
        serde_json::to_string(&Line::Run {
            run: id.into(),
            by: "u@h".into(),
            at: "t".into(),
            request: Box::new(ReplayRequest::new(
                "dlq",
                Selection::All,
                ReplaySettings::default(),
            )),
            ranges: vec![PartitionRange {
                partition: 0,
                from: 0,
                to: 9,
            }],
            target_starts: [("orders".to_string(), vec![(0, 5)])].into(),
        })
        .unwrap()
    }

    #[test]
    fn parses_a_killed_run() {
        let text = format!(
            "{}\n{}\n{}\n{}\n{}\n{{\"type\":\"record\",\"run\":\"r\",\"so",
            run_line("r"),
            rec("dlq/0@1", RecordResult::Acked),
            rec("dlq/0@2", RecordResult::Failed),
            serde_json::to_string(&Line::Resume {
                run: "r".into(),
                by: "u".into(),
                at: "t".into()
            })
            .unwrap(),
            rec("dlq/0@3", RecordResult::Found),
        );
        let log = parse_run(&text).unwrap();
        assert_eq!(log.run_id, "r");
        assert_eq!(log.attempts, 2);
        assert_eq!(log.target_starts["orders"], vec![(0, 5)]);
        let done: Vec<i64> = {
            let mut v: Vec<i64> = log.done.iter().map(|c| c.offset).collect();
            v.sort();
            v
        };
        assert_eq!(done, [1, 3]);
        assert_eq!(log.failed.len(), 1);
        assert!(parse_run(&rec("dlq/0@1", RecordResult::Acked)).is_err());
    }

    #[test]
    fn a_record_line_reads_back_as_a_line() {
        let text = serde_json::to_string(&RecordLine {
            kind: "record",
            run: "r",
            by: "u@h",
            at: "t",
            source: "dlq/0@1",
            target: "orders/2@9",
            result: RecordResult::Acked,
            error: None,
        })
        .unwrap();
        let line: Line = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string(&line).unwrap(), text);
    }

    #[test]
    fn counts_runs_per_record() {
        let dir = tempfile::tempdir().unwrap();
        let a = format!(
            "{}\n{}\n{}\n",
            run_line("a"),
            rec("dlq/0@1", RecordResult::Acked),
            rec("dlq/0@2", RecordResult::Failed)
        );
        let b = format!(
            "{}\n{}\n{}\n{}\n",
            run_line("b"),
            rec("dlq/0@1", RecordResult::Found),
            rec("dlq/0@1", RecordResult::Acked),
            rec("other/0@1", RecordResult::Acked)
        );
        std::fs::write(dir.path().join("a.jsonl"), a).unwrap();
        std::fs::write(dir.path().join("b.jsonl"), b).unwrap();
        let c = replay_counts(dir.path(), "dlq");
        assert_eq!(c.get(&(0, 1)), Some(&2));
        assert_eq!(c.get(&(0, 2)), None);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn a_run_file_is_locked_while_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let first: Line = serde_json::from_str(&run_line("x")).unwrap();
        let w = AuditWriter::create(dir.path(), &first, "x").unwrap();
        let again = AuditWriter::reopen(dir.path(), "x");
        assert!(again
            .err()
            .unwrap()
            .to_string()
            .contains("still being sent"));
        drop(w);
        assert!(AuditWriter::reopen(dir.path(), "x").is_ok());
        assert!(read_run(dir.path(), "nope").is_err());
    }
}
