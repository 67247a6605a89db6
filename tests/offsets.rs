//! `kdeck offsets reset` / `undo` against a real Apache Kafka broker, through the binary: a
//! topic of 2 partitions × 20 records written a minute apart, a group committed at 10 and 5.

mod common;

use common::{brokers, cluster, unique};
use kdeck::domain::OutRecord;
use kdeck::kafka::offsets::GroupClient;
use kdeck::kafka::{admin, producer};
use kdeck::support::config::Cluster;
use serde_json::Value;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MIN: i64 = 60_000;

struct Setup {
    b: String,
    c: Cluster,
    topic: String,
    group: String,
    /// Record i of each partition was written at t0 + i minutes.
    t0: i64,
    dir: tempfile::TempDir,
}

fn setup(name: &str) -> Setup {
    let b = brokers();
    let c = cluster(&b);
    let (topic, group) = (
        unique(&format!("off-{name}")),
        unique(&format!("grp-{name}")),
    );
    admin::create_topics(&c, &[&topic], 2).unwrap();
    // An hour ago plus half a minute: --by-duration 50m lands between records 9 and 10.
    let now = chrono::Utc::now().timestamp_millis();
    let t0 = now - 60 * MIN + 30_000;
    let recs: Vec<OutRecord> = (0..2)
        .flat_map(|p| {
            let topic = topic.clone();
            (0..20).map(move |i| OutRecord {
                topic: topic.clone(),
                partition: Some(p),
                key: Some(format!("k{i}").into_bytes()),
                value: Some(format!("{{\"n\":{i}}}").into_bytes()),
                timestamp_ms: Some(t0 + i * MIN),
                ..Default::default()
            })
        })
        .collect();
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();
    admin::commit_offsets(&c, &group, &[(&topic, 0, 10), (&topic, 1, 5)]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.toml"), "").unwrap();
    Setup {
        b,
        c,
        topic,
        group,
        t0,
        dir,
    }
}

impl Setup {
    fn kdeck(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kdeck"))
            .arg("-b")
            .arg(&self.b)
            .arg("--config")
            .arg(self.dir.path().join("empty.toml"))
            .args(args)
            .env("KDECK_DATA_DIR", self.dir.path().join("data"))
            .env_remove("KDECK_PROFILE")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    fn reset(&self, args: &[&str]) -> Output {
        let mut all = vec![
            "offsets",
            "reset",
            "--group",
            &self.group,
            "--topic",
            &self.topic,
        ];
        all.extend_from_slice(args);
        self.kdeck(&all)
    }

    /// The preview as JSON: (new, read again, skipped, lag before, lag after) per partition.
    fn preview(&self, args: &[&str]) -> (Value, Vec<[i64; 5]>) {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--output", "json"]);
        let out = self.reset(&all);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let rows = v["partitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                ["new", "read_again", "skipped", "lag_before", "lag_after"]
                    .map(|k| p[k].as_i64().unwrap())
            })
            .collect();
        (v, rows)
    }

    fn committed(&self) -> Vec<i64> {
        let g = GroupClient::new(&self.c, &self.group).unwrap();
        let tps = [(self.topic.clone(), 0), (self.topic.clone(), 1)];
        let m = g.committed(&tps).unwrap();
        tps.iter()
            .map(|tp| m.get(tp).copied().unwrap_or(-1))
            .collect()
    }
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn run_id(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("run ").map(str::to_string))
        .unwrap_or_else(|| panic!("no run id: {}", text(o)))
}

#[test]
fn every_strategy_previews_exact_offsets_and_commits_nothing() {
    let s = setup("preview");
    let (v, rows) = s.preview(&["--to-earliest"]);
    assert_eq!(rows, vec![[0, 10, 0, 10, 20], [0, 5, 0, 15, 20]]);
    let p0 = &v["partitions"][0];
    assert_eq!(p0["span_from_ms"].as_i64(), Some(s.t0));
    assert_eq!(p0["span_to_ms"].as_i64(), Some(s.t0 + 9 * MIN));
    assert_eq!(v["state"], "Empty");
    assert_eq!(
        s.preview(&["--to-latest"]).1,
        vec![[20, 0, 10, 10, 0], [20, 0, 15, 15, 0]]
    );
    assert_eq!(
        s.preview(&["--to-current"]).1,
        vec![[10, 0, 0, 10, 10], [5, 0, 0, 15, 15]]
    );
    assert_eq!(
        s.preview(&["--to-offset", "12"]).1,
        vec![[12, 0, 2, 10, 8], [12, 0, 7, 15, 8]]
    );
    assert_eq!(
        s.preview(&["--shift-by", "-3"]).1,
        vec![[7, 3, 0, 10, 13], [2, 3, 0, 15, 18]]
    );
    let at = chrono::DateTime::from_timestamp_millis(s.t0 + 15 * MIN)
        .unwrap()
        .to_rfc3339();
    assert_eq!(
        s.preview(&["--to-datetime", &at]).1,
        vec![[15, 0, 5, 10, 5], [15, 0, 10, 15, 5]]
    );
    assert_eq!(
        s.preview(&["--by-duration", "50m"]).1,
        vec![[10, 0, 0, 10, 10], [10, 0, 5, 15, 10]]
    );
    let v = s.preview(&["--to-latest"]).0;
    assert_eq!(
        v["partitions"][1]["span_from_ms"].as_i64(),
        Some(s.t0 + 5 * MIN)
    );
    assert_eq!(
        v["partitions"][1]["span_to_ms"].as_i64(),
        Some(s.t0 + 19 * MIN)
    );
    let one = s.kdeck(&[
        "offsets",
        "reset",
        "--group",
        &s.group,
        "--topic",
        &format!("{}:1", s.topic),
        "--to-earliest",
        "--output",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(
        v["partitions"].as_array().unwrap().len(),
        1,
        "{}",
        text(&one)
    );
    let txt = s.reset(&["--to-earliest"]);
    let out = String::from_utf8_lossy(&txt.stdout);
    assert!(
        out.contains("read again 10") && out.contains("has no members"),
        "{out}"
    );
    assert_eq!(s.committed(), vec![10, 5], "a preview commits nothing");
}

#[test]
fn values_outside_the_log_are_clamped_with_a_warning() {
    let s = setup("clamp");
    let out = s.reset(&["--to-offset", "50", "--output", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["partitions"][0]["new"], 20);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("offset 50 is past the latest offset 20; using 20"),
        "{err}"
    );
    let out = s.reset(&["--shift-by", "-30"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("before the earliest offset 0"));
}

#[test]
fn execute_moves_exactly_and_undo_puts_back() {
    let s = setup("exec");
    let out = s.reset(&["--shift-by", "-3", "--execute", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(s.committed(), vec![7, 2]);
    let id = run_id(&out);
    let audit = std::fs::read_to_string(s.dir.path().join("data/offsets/audit.jsonl")).unwrap();
    let line: Value = serde_json::from_str(audit.lines().next().unwrap()).unwrap();
    assert_eq!(line["run"], id.as_str());
    assert_eq!(line["group"], s.group.as_str());
    assert_eq!(line["partitions"][0]["before"], 10);
    assert_eq!(line["partitions"][1]["after"], 2);
    assert!(line["by"].as_str().unwrap().contains('@'));
    let pre = s.kdeck(&["offsets", "undo", &id, "--output", "json"]);
    assert_eq!(pre.status.code(), Some(0), "{}", text(&pre));
    let v: Value = serde_json::from_slice(&pre.stdout).unwrap();
    assert_eq!(v["partitions"][0]["new"], 10);
    assert_eq!(
        s.committed(),
        vec![7, 2],
        "the undo preview commits nothing"
    );
    let done = s.kdeck(&["offsets", "undo", &id, "--execute", "--yes"]);
    assert_eq!(done.status.code(), Some(0), "{}", text(&done));
    assert_eq!(s.committed(), vec![10, 5]);
    let unknown = s.kdeck(&["offsets", "undo", "no-such-run"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
}

#[test]
fn without_a_terminal_execute_needs_yes() {
    let s = setup("noterm");
    let out = s.reset(&["--to-earliest", "--execute"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert_eq!(s.committed(), vec![10, 5]);
}

#[test]
fn read_only_refuses_and_changes_nothing() {
    let s = setup("ro");
    let out = s.kdeck(&[
        "--read-only",
        "offsets",
        "reset",
        "--group",
        &s.group,
        "--topic",
        &s.topic,
        "--to-earliest",
        "--execute",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refused"),
        "{}",
        text(&out)
    );
    assert_eq!(s.committed(), vec![10, 5]);
    let preview = s.kdeck(&[
        "--read-only",
        "offsets",
        "reset",
        "--group",
        &s.group,
        "--topic",
        &s.topic,
        "--to-earliest",
    ]);
    assert_eq!(
        preview.status.code(),
        Some(0),
        "a preview reads only: {}",
        text(&preview)
    );
}

#[test]
fn csv_output_round_trips_through_from_file() {
    let s = setup("csv");
    let out = s.reset(&["--to-offset", "7", "--output", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let csv = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(csv, format!("{t},0,7\n{t},1,7\n", t = s.topic));
    let file = s.dir.path().join("new.csv");
    std::fs::write(&file, &csv).unwrap();
    let f = file.to_str().unwrap();
    let out = s.kdeck(&[
        "offsets",
        "reset",
        "--group",
        &s.group,
        "--from-file",
        f,
        "--execute",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(s.committed(), vec![7, 7]);
}

#[test]
fn a_group_with_an_active_member_is_refused_and_nothing_changes() {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let s = setup("active");
    let stop = Arc::new(AtomicBool::new(false));
    let member = {
        let (b, g, t, stop) = (s.b.clone(), s.group.clone(), s.topic.clone(), stop.clone());
        std::thread::spawn(move || {
            let c: BaseConsumer = rdkafka::ClientConfig::new()
                .set("bootstrap.servers", &b)
                .set("group.id", &g)
                .set("enable.auto.commit", "false")
                .create()
                .unwrap();
            c.subscribe(&[&t]).unwrap();
            while !stop.load(Ordering::Relaxed) {
                let _ = c.poll(Duration::from_millis(100));
            }
        })
    };
    let g = GroupClient::new(&s.c, &s.group).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while g.state().unwrap().state != "Stable" {
        assert!(Instant::now() < deadline, "the member never joined");
        std::thread::sleep(Duration::from_millis(300));
    }
    let out = s.reset(&["--to-earliest", "--execute", "--yes"]);
    stop.store(true, Ordering::Relaxed);
    member.join().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is active (state Stable, 1 member reading)"),
        "{err}"
    );
    assert_eq!(s.committed(), vec![10, 5]);
}

#[test]
fn all_topics_takes_the_group_s_partitions_and_none_means_no_offset() {
    let s = setup("all");
    let out = s.kdeck(&[
        "offsets",
        "reset",
        "--group",
        &s.group,
        "--all-topics",
        "--to-earliest",
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["partitions"].as_array().unwrap().len(), 2, "{v}");
    // A group that never committed: current "none", --to-current goes to the latest.
    let fresh = unique("grp-fresh");
    let args = [
        "offsets",
        "reset",
        "--group",
        &fresh,
        "--topic",
        &s.topic,
        "--to-current",
    ];
    let out = s.kdeck(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("none"),
        "{}",
        text(&out)
    );
    let mut exec = args.to_vec();
    exec.extend_from_slice(&["--execute", "--yes"]);
    let out = s.kdeck(&exec);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let g = GroupClient::new(&s.c, &fresh).unwrap();
    let m = g
        .committed(&[(s.topic.clone(), 0), (s.topic.clone(), 1)])
        .unwrap();
    assert_eq!(m.values().copied().collect::<Vec<_>>(), vec![20, 20]);
    // Nothing to put back: it had no offsets before.
    let undo = s.kdeck(&["offsets", "undo", &run_id(&out)]);
    assert_eq!(undo.status.code(), Some(2), "{}", text(&undo));
    assert!(String::from_utf8_lossy(&undo.stderr).contains("left where it is"));
}
