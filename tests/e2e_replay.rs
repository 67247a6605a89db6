//! DLQ triage and replay end to end in the embedded demo (no broker needed): the real binary
//! in tmux, the by-reason view, a reason group marked and replayed, the progress finishing,
//! and the audit log holding one acknowledged line per replayed message.

mod common;

use common::tmux::{seen, Tmux};

fn audit_records(dir: &std::path::Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        for l in text.lines() {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(l) {
                if v.get("source").is_some() && v.get("result").is_some() {
                    out.push(v);
                }
            }
        }
    }
    out
}

/// The count of the `n`-th marked figure in a title like "DLQ by reason 7 reasons · 3 marked".
fn marked(screen: &str) -> u64 {
    screen
        .split(" marked")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// (acknowledged, failed, total) of each "run ID: A acknowledged, F failed of T from DLQ" line.
fn run_counts(screen: &str) -> Vec<(u64, u64, u64)> {
    screen
        .lines()
        .filter_map(|l| {
            let rest = l.split("run ").nth(1)?.split_once(": ")?.1;
            let (acked, rest) = rest.split_once(" acknowledged, ")?;
            let (failed, rest) = rest.split_once(" failed of ")?;
            let total = rest.split_whitespace().next()?;
            Some((
                acked.parse().ok()?,
                failed.parse().ok()?,
                total.parse().ok()?,
            ))
        })
        .collect()
}

#[test]
fn a_reason_group_is_marked_replayed_and_audited_in_the_demo() {
    let data = tempfile::tempdir().unwrap();
    let cmd = format!(
        "KDECK_DATA_DIR={} {} --demo --demo-rate 12",
        data.path().display(),
        env!("CARGO_BIN_EXE_kdeck")
    );
    let t = Tmux::start(&cmd, 150, 44);
    t.wait_for("the dashboard", |s| s.contains("DLQ"), 20);
    t.keys(&["3", "z"]);
    t.wait_for(
        "the demo's first DLQ records",
        |s| s.contains("dlq-domain-services/"),
        40,
    );
    t.keys(&["b"]);
    t.wait_for(
        "the by-reason view with a group of two or more",
        |s| {
            s.contains("DLQ by reason")
                && s.lines().any(|l| {
                    l.trim_start_matches('│')
                        .split_whitespace()
                        .next()
                        .and_then(|n| n.parse::<u64>().ok())
                        .is_some_and(|n| n >= 2)
                })
        },
        60,
    );
    t.keys(&["Space"]);
    let s = t.wait_for("marks", |s| marked(s) >= 2, 10);
    let n = marked(&s);
    t.keys(&["r"]);
    t.wait_for(
        "the dry run",
        |s| s.contains("dry run") && s.contains("first message as it will be sent"),
        30,
    );
    let s = t.screen();
    assert!(
        s.contains(&format!("{n} message(s)")),
        "the dry run counts the {n} marked:\n{s}"
    );
    t.keys(&["Enter"]);
    let s = t.wait_for(
        "the replay to finish",
        |s| s.contains(" acknowledged, 0 failed of "),
        30,
    );
    // One run per DLQ topic the marked group spans, and which group is first when `Space`
    // marks depends on what the demo has dead-lettered by then: the number of runs is not
    // known, their sum is. Every run acknowledged all it read and none failed, n in all.
    let runs = run_counts(&s);
    assert!(!runs.is_empty(), "no run summary:\n{s}");
    for &(acked, failed, total) in &runs {
        assert_eq!((acked, failed), (total, 0), "a run with failures:\n{s}");
    }
    assert_eq!(
        runs.iter().map(|r| r.0).sum::<u64>(),
        n,
        "every marked message acknowledged:\n{s}"
    );
    let acked: Vec<_> = audit_records(&data.path().join("replay"))
        .into_iter()
        .filter(|v| v["result"] == "acked")
        .collect();
    assert_eq!(
        acked.len() as u64,
        n,
        "one audit line per replayed message: {acked:?}"
    );
    // Back in the list, the replayed messages carry their replay count.
    t.keys(&["Enter", "b"]);
    t.wait_for("↻ marks on replayed messages", |s| s.contains("↻ 1×"), 10);
    // Pause the DLQ pane so rows hold still, select a replayed message and follow its job: the
    // demo pipeline picked the replayed request up, so its new events arrive.
    t.keys(&["p"]);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let s = t.screen();
    let lines: Vec<&str> = s.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.contains("topic/p@offset"))
        .expect("the DLQ table header");
    let row = lines[header + 1..]
        .iter()
        .position(|l| l.contains("↻ 1×"))
        .expect("a replayed row on screen");
    for _ in 0..row {
        t.keys(&["Down"]);
    }
    // Follow it, then let the DLQ pane read on: a replay that fails again lands there.
    t.keys(&["F", "p"]);
    t.wait_for(
        "the replayed job's new events (status pane, completions or DLQ)",
        |s| seen(s) >= 1,
        40,
    );
    t.keys(&["q"]);
    t.wait_for("kdeck to exit", |_| t.pane_dead(), 10);
}
