//! Replay against a real Apache Kafka broker, through the `kdeck replay` binary; kcat is the
//! independent reader of what was replayed.

mod common;
mod own_broker;

use common::{brokers, cluster, unique};
use kdeck::domain::OutRecord;
use kdeck::kafka::{admin, producer};
use kdeck::support::config::Cluster;
use own_broker::OwnBroker;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A scratch data dir (audit log) and an empty config file, so no user setting leaks in.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("empty.toml"), "").unwrap();
        Scratch { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("empty.toml")
    }

    fn audit_dir(&self) -> PathBuf {
        self.dir.path().join("data").join("replay")
    }

    fn kdeck(&self, brokers: &str, config: &Path, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kdeck"));
        c.arg("-b")
            .arg(brokers)
            .arg("--config")
            .arg(config)
            .args(args)
            .env("KDECK_DATA_DIR", self.dir.path().join("data"))
            .env_remove("KDECK_PROFILE")
            .stdin(Stdio::null());
        c
    }

    fn run(&self, brokers: &str, args: &[&str]) -> Output {
        self.kdeck(brokers, &self.config(), args).output().unwrap()
    }
}

fn summary_of(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_else(|| {
        panic!(
            "no summary on stdout; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    serde_json::from_str(line).unwrap()
}

fn hdr(k: &str, v: &[u8]) -> (String, Vec<u8>) {
    (k.to_string(), v.to_vec())
}

/// One record as kcat printed it.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    partition: i32,
    offset: i64,
    key: Vec<u8>,
    value: Vec<u8>,
    headers: Vec<(String, String)>,
}

/// Reads a whole topic with kcat, in a raw format so binary keys and values stay byte-exact:
/// `<partition> <offset> <key len> <value len>\n<key><value><headers>\n`.
fn kcat_read(brokers: &str, topic: &str) -> Vec<Seen> {
    let out = Command::new("kcat")
        .args([
            "-b",
            brokers,
            "-C",
            "-t",
            topic,
            "-o",
            "beginning",
            "-e",
            "-q",
        ])
        .args(["-f", "%p %o %K %S\n%k%s%h\n"])
        .output()
        .expect("kcat is installed (scripts/deps.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b = out.stdout;
    let mut seen = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let nl = i + b[i..].iter().position(|c| *c == b'\n').unwrap();
        let head = std::str::from_utf8(&b[i..nl]).unwrap();
        let n: Vec<i64> = head.split(' ').map(|x| x.parse().unwrap()).collect();
        let (klen, vlen) = (n[2].max(0) as usize, n[3].max(0) as usize);
        let k0 = nl + 1;
        let v0 = k0 + klen;
        let h0 = v0 + vlen;
        let hend = h0 + b[h0..].iter().position(|c| *c == b'\n').unwrap();
        let htext = String::from_utf8(b[h0..hend].to_vec()).unwrap();
        let headers = htext
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k.to_string(), v.to_string())
            })
            .collect();
        seen.push(Seen {
            partition: n[0] as i32,
            offset: n[1],
            key: b[k0..v0].to_vec(),
            value: b[v0..h0].to_vec(),
            headers,
        });
        i = hend + 1;
    }
    seen
}

fn header<'a>(s: &'a Seen, k: &str) -> Option<&'a str> {
    s.headers
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
}

/// Headers kcat shows except kdeck's provenance.
fn app_headers(s: &Seen) -> Vec<(String, String)> {
    s.headers
        .iter()
        .filter(|(k, _)| !k.starts_with("kdeck-replay"))
        .cloned()
        .collect()
}

/// DLQ records in four dead-letter dialects, five each, each naming its own origin topic.
fn dialect_records(dlq: &str, origins: &[String; 4]) -> Vec<OutRecord> {
    let mut out = Vec::new();
    for i in 0..5u8 {
        let v = |s: String| Some(s.into_bytes());
        let key = |d: &str| Some(format!("{d}-key-{i} ✓").into_bytes());
        out.push(OutRecord {
            topic: dlq.into(),
            partition: Some(0),
            key: key("go-package"),
            value: v(format!(
                "{{\"export_id\":\"e-{i}\",\"note\":\"quote \\\" tab \\t é\",\"error\":\"timeout after {i}00ms\"}}"
            )),
            headers: vec![
                hdr("event-type", b"export_completion"),
                hdr("dlq-original-topic", origins[0].as_bytes()),
                hdr("dlq-original-partition", b"1"),
                hdr("dlq-original-offset", format!("{}", 40 + i).as_bytes()),
                hdr("dlq-error", b"timeout"),
                hdr("correlation-id", format!("c-{i}").as_bytes()),
                hdr("retry-count", b"3"),
            ],
            timestamp_ms: None,
        });
        out.push(OutRecord {
            topic: dlq.into(),
            partition: Some(1),
            key: key("spring"),
            value: v(format!("{{\"order\":{i},\"emoji\":\"🚀\"}}")),
            headers: vec![
                hdr("__TypeId__", b"com.example.Order"),
                hdr("kafka_dlt-original-topic", origins[1].as_bytes()),
                hdr("kafka_dlt-original-partition", &2i32.to_be_bytes()),
                hdr(
                    "kafka_dlt-original-offset",
                    &(1000 + i as i64).to_be_bytes(),
                ),
                hdr(
                    "kafka_dlt-exception-fqcn",
                    b"java.lang.IllegalStateException",
                ),
                hdr("kafka_dlt-exception-message", b"bad order"),
                hdr("traceparent", b"00-abc-def-01"),
            ],
            timestamp_ms: None,
        });
        out.push(OutRecord {
            topic: dlq.into(),
            partition: Some(2),
            key: key("scs"),
            value: v(format!("line one {i}\nline two\ttabbed")),
            headers: vec![
                hdr("contentType", b"text/plain"),
                hdr("x-original-topic", origins[2].as_bytes()),
                hdr("x-exception-message", b"parse failure"),
                hdr("x-exception-stacktrace", b"at a.b.C(C.java:1)\n\tat d.e.F"),
            ],
            timestamp_ms: None,
        });
        out.push(OutRecord {
            topic: dlq.into(),
            partition: Some(0),
            key: key("connect"),
            value: Some(vec![0x00, 0xff, 0x0a, 0x2c, 0x3d, i, 0x80]),
            headers: vec![
                hdr("tenant", "é-acme".as_bytes()),
                hdr("__connect.errors.topic", origins[3].as_bytes()),
                hdr("__connect.errors.partition", b"0"),
                hdr("__connect.errors.offset", b"7"),
                hdr(
                    "__connect.errors.exception.class.name",
                    b"org.apache.kafka.connect.errors.DataException",
                ),
                hdr(
                    "__connect.errors.exception.message",
                    b"Converting byte[] failed",
                ),
            ],
            timestamp_ms: None,
        });
    }
    out
}

#[test]
fn every_dialect_replays_to_its_origin_byte_exact() {
    let b = brokers();
    let c = cluster(&b);
    let dlq = unique("kdeck-rp-dlq");
    let origins = [0, 1, 2, 3].map(|i| unique(&format!("kdeck-rp-origin{i}")));
    let names: Vec<&str> = std::iter::once(dlq.as_str())
        .chain(origins.iter().map(String::as_str))
        .collect();
    admin::create_topics(&c, &names, 3).unwrap();
    let recs = dialect_records(&dlq, &origins);
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();

    let s = Scratch::new();
    let out = s.run(
        &b,
        &[
            "replay", "--dlq", &dlq, "--all", "--yes", "--output", "json",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let sum = summary_of(&out);
    let run = sum["run_id"].as_str().unwrap().to_string();
    assert!(stderr.contains(&format!("run {run}")), "{stderr}");
    assert_eq!(sum["acked"], 20);
    assert_eq!(sum["failed"], 0);

    for (d, origin) in origins.iter().enumerate() {
        assert_eq!(sum["per_target"][origin]["acked"], 5, "{sum}");
        let got = kcat_read(&b, origin);
        assert_eq!(got.len(), 5, "{origin}: exactly the DLQ's records");
        for g in &got {
            let src = header(g, "kdeck-replay-source").unwrap();
            let (_, offset) = src.rsplit_once('@').unwrap();
            let (rest, _) = src.rsplit_once('@').unwrap();
            let partition: i32 = rest.rsplit_once('/').unwrap().1.parse().unwrap();
            assert!(src.starts_with(&format!("{dlq}/")), "{src}");
            // The DLQ record this one came from: each partition was written in order from
            // offset 0, so the offset is the index among that partition's records.
            let orig = recs
                .iter()
                .filter(|r| r.partition == Some(partition))
                .nth(offset.parse().unwrap())
                .unwrap();
            assert_eq!(Some(&g.key), orig.key.as_ref(), "key of {src}");
            assert_eq!(Some(&g.value), orig.value.as_ref(), "value of {src}");
            let want: Vec<(String, String)> = orig
                .headers
                .iter()
                .filter(|(k, _)| !kdeck::engine::replay::headers::is_diagnostic(k))
                .map(|(k, v)| {
                    let v = if k == "retry-count" {
                        b"0".to_vec()
                    } else {
                        v.clone()
                    };
                    (k.clone(), String::from_utf8(v).unwrap())
                })
                .collect();
            assert_eq!(app_headers(g), want, "application headers of {src} ({d})");
            assert_eq!(header(g, "kdeck-replay-run"), Some(run.as_str()));
            assert_eq!(header(g, "kdeck-replay-count"), Some("1"));
            assert!(header(g, "kdeck-replayed-at").is_some_and(|t| t.contains('T')));
            assert!(header(g, "kdeck-replayed-by").is_some_and(|t| t.contains('@')));
        }
    }
    let audit = std::fs::read_to_string(s.audit_dir().join(format!("{run}.jsonl"))).unwrap();
    assert_eq!(audit.matches("\"result\":\"acked\"").count(), 20);
    // The dashboard's marks: each DLQ record replayed once.
    let counts = kdeck::engine::replay::audit::replay_counts(&s.audit_dir(), &dlq);
    assert_eq!(counts.len(), 20);
    assert!(counts.values().all(|n| *n == 1));
}

/// A record the pipeline executor's Go package dead-lettered, exactly as its DLQ writer sends it: the
/// package's standard headers, then the four the writer adds. Replayed to its origin topic, it
/// carries none of the four back; the application headers arrive byte for byte.
#[test]
fn go_package_dlq_record_replays_without_its_four_dlq_headers() {
    let b = brokers();
    let c = cluster(&b);
    let dlq = unique("kdeck-rp-go-dlq");
    let origin = unique("kdeck-rp-go-origin");
    admin::create_topics(&c, &[&dlq, &origin], 1).unwrap();
    let application = [
        hdr("event-id", b"e-7"),
        hdr("event-type", b"booking.create.requested"),
        hdr("correlation-id", b"corr-abc-123"),
        hdr("schema-version", b"v1"),
        hdr("source", b"pipeline-executor"),
        hdr("timestamp", b"2025-11-18T15:00:00Z"),
        hdr("retry-count", b"3"),
    ];
    let go_dlq = [
        hdr("original-topic", origin.as_bytes()),
        hdr("dlq-error", b"connection refused"),
        hdr("dlq-timestamp", b"2025-11-18T17:00:05+02:00"),
        hdr("dlq-consumer-group", b"bookings-service-consumer-group"),
    ];
    let rec = OutRecord {
        topic: dlq.clone(),
        partition: Some(0),
        key: Some(b"booking-12345".to_vec()),
        value: Some(br#"{"action":"create_booking"}"#.to_vec()),
        headers: application.iter().chain(&go_dlq).cloned().collect(),
        timestamp_ms: None,
    };
    producer::produce_all(&c, &[rec], Duration::from_secs(30)).unwrap();

    let s = Scratch::new();
    let out = s.run(
        &b,
        &[
            "replay", "--dlq", &dlq, "--all", "--yes", "--output", "json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sum = summary_of(&out);
    assert_eq!(sum["acked"], 1, "{sum}");
    assert_eq!(sum["per_target"][&origin]["acked"], 1, "{sum}");

    let got = kcat_read(&b, &origin);
    assert_eq!(got.len(), 1);
    let g = &got[0];
    for (k, _) in &go_dlq {
        assert_eq!(header(g, k), None, "{k} came back: {:?}", g.headers);
    }
    let want: Vec<(String, String)> = application
        .iter()
        .map(|(k, v)| {
            let v = if k == "retry-count" { b"0" } else { &v[..] };
            (k.clone(), String::from_utf8(v.to_vec()).unwrap())
        })
        .collect();
    assert_eq!(app_headers(g), want);
    assert_eq!(g.key, b"booking-12345");
    assert_eq!(
        header(g, "kdeck-replay-source"),
        Some(format!("{dlq}/0@0").as_str())
    );
}

/// `n` records over partitions 0..3 of `dlq`, each naming `target` as its origin.
fn dlq_with_origin(c: &Cluster, dlq: &str, target: &str, n: usize) {
    let recs: Vec<OutRecord> = (0..n)
        .map(|i| OutRecord {
            topic: dlq.into(),
            partition: Some((i % 3) as i32),
            key: Some(format!("k{i}").into_bytes()),
            value: Some(format!("{{\"job\":{i},\"error\":\"boom {i}\"}}").into_bytes()),
            headers: vec![
                hdr("dlq-original-topic", target.as_bytes()),
                hdr("event-type", b"job"),
            ],
            timestamp_ms: None,
        })
        .collect();
    producer::produce_all(c, &recs, Duration::from_secs(60)).unwrap();
}

/// Source header -> how many times it is on the topic.
fn copies(seen: &[Seen]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for s in seen {
        if let Some(src) = header(s, "kdeck-replay-source") {
            *m.entry(src.to_string()).or_insert(0) += 1;
        }
    }
    m
}

const ACKED: &str = "\"result\":\"acked\"";

fn count_lines(path: &Path, needle: &str) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.matches(needle).count())
        .unwrap_or(0)
}

/// Starts `kdeck replay` in the background; returns the child and its run id (from stderr).
fn spawn_replay(
    s: &Scratch,
    b: &str,
    config: &Path,
    args: &[&str],
) -> (std::process::Child, String) {
    let mut child = s
        .kdeck(b, config, args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if let Some(id) = line.strip_prefix("run ") {
                let _ = tx.send(id.trim().to_string());
            }
        }
    });
    let run = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("kdeck replay prints `run <ID>` as it starts");
    (child, run)
}

#[test]
fn sigkill_mid_run_then_resume_leaves_each_record_once() {
    let b = brokers();
    let c = cluster(&b);
    const N: usize = 20_000;
    let dlq = unique("kdeck-rp-kill-dlq");
    let target = unique("kdeck-rp-kill-target");
    admin::create_topics(&c, &[&dlq, &target], 3).unwrap();
    dlq_with_origin(&c, &dlq, &target, N);

    let s = Scratch::new();
    let args = [
        "replay", "--dlq", &dlq, "--all", "--yes", "--rate", "4000", "--output", "json",
    ];
    let (mut child, run) = spawn_replay(&s, &b, &s.config(), &args);
    let audit = s.audit_dir().join(format!("{run}.jsonl"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while count_lines(&audit, ACKED) < 3000 {
        assert!(Instant::now() < deadline, "no acknowledgements logged");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before the kill"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let on_target_at_kill = kcat_read(&b, &target).len();
    assert!(
        on_target_at_kill < N,
        "the kill came too late to test anything"
    );
    // Records acknowledged whose audit line never reached the disk look exactly like records in
    // flight at the kill that the broker wrote: drop the last 100 lines so the resume must find
    // them on the target rather than send them again.
    let text = std::fs::read_to_string(&audit).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let dropped = 100;
    for _ in 0..dropped {
        let i = lines.iter().rposition(|l| l.contains(ACKED)).unwrap();
        lines.remove(i);
    }
    std::fs::write(&audit, lines.join("\n") + "\n").unwrap();
    let logged = count_lines(&audit, ACKED);

    let out = s.run(
        &b,
        &[
            "replay", "--resume", &run, "--yes", "--rate", "1000000", "--output", "json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sum = summary_of(&out);
    let seen = kcat_read(&b, &target);
    let m = copies(&seen);
    let twice = m.values().filter(|n| **n > 1).count();
    println!(
        "kill test: {N} DLQ records; at the kill {logged} acknowledged in the audit (the last {dropped} lines dropped), {on_target_at_kill} on the target; \
         resume: {} skipped (audit), {} found on the target, {} sent; target now holds {} records, {} distinct sources, {twice} duplicated",
        sum["skipped_acked"], sum["found_on_target"], sum["acked"], seen.len(), m.len()
    );
    assert_eq!(seen.len(), N, "target holds each record once");
    assert_eq!(m.len(), N);
    assert_eq!(twice, 0);
    assert!(seen
        .iter()
        .all(|r| header(r, "kdeck-replay-run") == Some(run.as_str())));
    let resumed = sum["skipped_acked"].as_u64().unwrap()
        + sum["found_on_target"].as_u64().unwrap()
        + sum["acked"].as_u64().unwrap();
    assert_eq!(resumed, N as u64, "{sum}");
    assert_eq!(
        sum["found_on_target"].as_u64().unwrap() as usize,
        on_target_at_kill - logged
    );
    assert!(on_target_at_kill - logged >= dropped);
}

#[test]
fn a_dlq_that_is_its_own_target_ends_with_each_record_once() {
    let b = brokers();
    let c = cluster(&b);
    let dlq = unique("kdeck-rp-self");
    admin::create_topics(&c, &[&dlq], 3).unwrap();
    let recs: Vec<OutRecord> = (0..60)
        .map(|i| OutRecord {
            topic: dlq.clone(),
            partition: Some(i % 3),
            key: Some(format!("k{i}").into_bytes()),
            value: Some(format!("v{i}").into_bytes()),
            headers: vec![hdr("app", b"1")],
            timestamp_ms: None,
        })
        .collect();
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();
    let s = Scratch::new();
    let started = Instant::now();
    let out = s.run(
        &b,
        &[
            "replay", "--dlq", &dlq, "--all", "--to", &dlq, "--yes", "--output", "json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(summary_of(&out)["acked"], 60);
    let seen = kcat_read(&b, &dlq);
    assert_eq!(seen.len(), 120, "the 60 originals and one copy of each");
    let m = copies(&seen);
    assert_eq!(m.len(), 60);
    assert!(m.values().all(|n| *n == 1));
    // Copies are never copied again: every source is one of the original 60.
    assert!(m.keys().all(|k| {
        let c = kdeck::domain::replay::Coord::parse(k).unwrap();
        seen.iter().any(|r| {
            r.partition == c.partition
                && r.offset == c.offset
                && header(r, "kdeck-replay-source").is_none()
        })
    }));
}

#[test]
fn read_only_refuses_every_write_path_and_writes_nothing() {
    let b = brokers();
    let c = cluster(&b);
    let dlq = unique("kdeck-rp-ro-dlq");
    let target = unique("kdeck-rp-ro-target");
    admin::create_topics(&c, &[&dlq, &target], 3).unwrap();
    dlq_with_origin(&c, &dlq, &target, 10);
    let s = Scratch::new();
    let ro = s.dir.path().join("ro.toml");
    std::fs::write(&ro, "[profiles.prod]\nread_only = true\n").unwrap();
    let refusals: Vec<(PathBuf, Vec<&str>)> = vec![
        (ro.clone(), vec!["replay", "--dlq", &dlq, "--all", "--yes"]),
        (
            s.config(),
            vec!["--read-only", "replay", "--dlq", &dlq, "--all", "--yes"],
        ),
        (ro.clone(), vec!["demo", "--rate", "50"]),
        (s.config(), vec!["--read-only", "demo", "--rate", "50"]),
    ];
    for (config, args) in &refusals {
        let out = s.kdeck(&b, config, args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("refused") && err.contains("read-only"),
            "{args:?}: {err}"
        );
    }
    // A dry run writes nothing, so it is allowed.
    let out = s
        .kdeck(&b, &ro, &["replay", "--dlq", &dlq, "--all", "--dry-run"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("10 records"));
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        kcat_read(&b, &target).is_empty(),
        "nothing reached the target"
    );
    // Refused before any run starts, and a dry run opens no audit file: no folder at all.
    assert!(
        !s.audit_dir().exists(),
        "{} was created",
        s.audit_dir().display()
    );
    // The engine itself refuses too (the dashboard calls it directly).
    let ctx = kdeck::kafka::replay::ReplayContext {
        cluster: c.clone(),
        read_only: Some("profile `prod` is read-only (read_only = true)".into()),
        audit_dir: s.audit_dir(),
        who: "t@h".into(),
    };
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let req = kdeck::domain::replay::ReplayRequest::new(
        &dlq,
        kdeck::domain::replay::Selection::All,
        Default::default(),
    );
    let plan = kdeck::kafka::replay::plan(&ctx, req, &cancel).unwrap();
    assert_eq!(plan.total, 10);
    let err = kdeck::kafka::replay::execute(&ctx, &plan, &cancel, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    assert!(kcat_read(&b, &target).is_empty());
    assert!(!s.audit_dir().exists(), "the engine opened an audit file");
}

#[test]
fn without_a_terminal_it_refuses_to_send_unless_yes() {
    let b = brokers();
    let c = cluster(&b);
    let dlq = unique("kdeck-rp-ask-dlq");
    let target = unique("kdeck-rp-ask-target");
    admin::create_topics(&c, &[&dlq, &target], 3).unwrap();
    dlq_with_origin(&c, &dlq, &target, 3);
    let s = Scratch::new();
    let out = s.run(&b, &["replay", "--dlq", &dlq, "--all"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert!(kcat_read(&b, &target).is_empty());
}

#[test]
fn broker_stopped_during_replay_then_resume_completes_without_duplicates() {
    // A broker of its own, to stop hard and restart on the same port and data.
    let broker = OwnBroker::start("replay-down", &[]);
    let b = broker.brokers();
    let c = cluster(&b);
    const N: usize = 5000;
    let (dlq, target) = ("rp-down-dlq", "rp-down-target");
    admin::create_topics(&c, &[dlq, target], 3).unwrap();
    dlq_with_origin(&c, dlq, target, N);

    let s = Scratch::new();
    let cfg = s.dir.path().join("fast-timeout.toml");
    std::fs::write(&cfg, "[profiles.t.replay]\ndelivery_timeout_ms = 4000\n").unwrap();
    let args = [
        "replay", "--dlq", dlq, "--all", "--yes", "--rate", "1500", "--output", "json",
    ];
    let mut cmd = s.kdeck(&b, &cfg, &args);
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let audit_dir = s.audit_dir();
    let deadline = Instant::now() + Duration::from_secs(60);
    let acked_lines = || {
        std::fs::read_dir(&audit_dir)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map_or(0, |e| count_lines(&e.path(), ACKED))
    };
    while acked_lines() < 1000 {
        assert!(Instant::now() < deadline, "no acknowledgements logged");
        std::thread::sleep(Duration::from_millis(20));
    }
    broker.kill(1);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sum = summary_of(&out);
    let run = sum["run_id"].as_str().unwrap().to_string();
    let (acked, failed) = (
        sum["acked"].as_u64().unwrap(),
        sum["failed"].as_u64().unwrap(),
    );
    assert!(failed > 0, "failures are reported: {sum}");
    let audit = s.audit_dir().join(format!("{run}.jsonl"));
    assert_eq!(count_lines(&audit, ACKED) as u64, acked);

    broker.restart(1);
    // Nothing marked done that is not on the target.
    let before = copies(&kcat_read(&b, target));
    let text = std::fs::read_to_string(&audit).unwrap();
    for l in text.lines().filter(|l| l.contains(ACKED)) {
        let v: Value = serde_json::from_str(l).unwrap();
        assert!(before.contains_key(v["source"].as_str().unwrap()), "{l}");
    }
    let out = s
        .kdeck(
            &b,
            &cfg,
            &["replay", "--resume", &run, "--yes", "--output", "json"],
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sum2 = summary_of(&out);
    let seen = kcat_read(&b, target);
    let m = copies(&seen);
    println!(
        "broker-down test: {N} records; first attempt {acked} acknowledged, {failed} failed, {} on the target after restart; \
         resume: {} skipped, {} found, {} sent; target {} records, {} distinct",
        before.len(), sum2["skipped_acked"], sum2["found_on_target"], sum2["acked"], seen.len(), m.len()
    );
    assert_eq!(seen.len(), N);
    assert_eq!(m.len(), N);
}

#[test]
fn commit_group_moves_only_past_what_was_replayed() {
    let b = brokers();
    let c = cluster(&b);
    let dlq = unique("kdeck-rp-commit-dlq");
    let target = unique("kdeck-rp-commit-target");
    admin::create_topics(&c, &[&dlq, &target], 3).unwrap();
    dlq_with_origin(&c, &dlq, &target, 30); // 10 per partition
    let group = unique("kdeck-rp-dlq-reader");
    admin::commit_offsets(&c, &group, &[(&dlq, 0, 0), (&dlq, 1, 0)]).unwrap();
    let s = Scratch::new();
    let cfg = s.dir.path().join("commit.toml");
    std::fs::write(
        &cfg,
        format!("[profiles.t.replay]\ncommit_group = \"{group}\"\n"),
    )
    .unwrap();

    // Records 2..=5 of partition 0: the group sits at 0, before them, so it must not move.
    let args = [
        "replay",
        "--dlq",
        &dlq,
        "--partition",
        "0",
        "--from-offset",
        "2",
        "--to-offset",
        "5",
        "--yes",
        "--output",
        "json",
    ];
    let out = s.kdeck(&b, &cfg, &args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sum = summary_of(&out);
    assert_eq!(sum["acked"], 4);
    assert_eq!(sum["committed"], serde_json::json!([]));
    let at = |p: i32| kdeck::kafka::replay::committed(&c, &group, &dlq, &[p]).unwrap()[&p];
    assert_eq!(at(0), Some(0));

    let args = [
        "replay", "--dlq", &dlq, "--all", "--yes", "--output", "json",
    ];
    let out = s.kdeck(&b, &cfg, &args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sum = summary_of(&out);
    assert_eq!(sum["committed"], serde_json::json!([[0, 10], [1, 10]]));
    assert_eq!((at(0), at(1), at(2)), (Some(10), Some(10), None));
    assert!(
        sum["warnings"].to_string().contains("no committed offset"),
        "{sum}"
    );
}

#[test]
fn replay_settings_and_read_only_come_from_the_profile_and_the_flag() {
    use kdeck::domain::replay::RetryCount;
    use kdeck::support::config::{load::load_with, Overrides};
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs/valid/replay.toml");
    let no_env = |_: &str| None;
    let o = Overrides {
        config_path: Some(p.clone()),
        ..Default::default()
    };
    let cfg = load_with(&o, &no_env, None).unwrap();
    assert_eq!(
        cfg.read_only.as_deref(),
        Some("profile `prod` is read-only (read_only = true)")
    );
    let r = &cfg.replay;
    assert_eq!(r.targets["dlq-domain-services"], "export-requests");
    assert!(r.keep_diagnostic_headers);
    assert_eq!(r.retry_count, RetryCount::Keep);
    assert_eq!(r.commit_group.as_deref(), Some("dlq-reader"));
    assert_eq!(r.partitioner, "consistent_random");
    assert_eq!(r.delivery_timeout_ms, 5000);
    let empty = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs/valid/empty.toml");
    let o = Overrides {
        config_path: Some(empty),
        read_only: true,
        ..Default::default()
    };
    let cfg = load_with(&o, &no_env, None).unwrap();
    assert_eq!(
        cfg.read_only.as_deref(),
        Some("kdeck runs with --read-only")
    );
    assert_eq!(cfg.replay, Default::default());
}

#[test]
fn selections_and_the_dry_run_send_nothing_and_count_right() {
    let b = brokers();
    let c = cluster(&b);
    let dlq = unique("kdeck-rp-sel-dlq");
    let target = unique("kdeck-rp-sel-target");
    admin::create_topics(&c, &[&dlq, &target], 3).unwrap();
    dlq_with_origin(&c, &dlq, &target, 30); // errors "boom 0" .. "boom 29"
    let s = Scratch::new();
    let dry = |sel: &[&str]| -> Value {
        let mut args = vec!["replay", "--dlq", &dlq, "--dry-run", "--output", "json"];
        args.extend_from_slice(sel);
        let out = s.run(&b, &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        summary_of(&out)
    };
    let all = dry(&["--all"]);
    assert_eq!(all["total"], 30);
    assert_eq!(all["per_target"][&target], 30);
    assert_eq!(all["per_reason"][0], serde_json::json!(["boom #", 30]));
    assert_eq!(all["first"]["why"], "origin_header");
    // "boom 1" and "boom 10" to "boom 19".
    assert_eq!(dry(&["--reason", "BOOM 1"])["total"], 11);
    let one = dry(&["--partition", "1", "--offset", "3"]);
    assert_eq!(one["total"], 1);
    assert_eq!(one["first"]["source"], format!("{dlq}/1@3"));
    assert_eq!(dry(&["--from-offset", "2", "--to-offset", "4"])["total"], 9);
    assert_eq!(
        dry(&[
            "--partition",
            "2",
            "--from-offset",
            "2",
            "--to-offset",
            "40"
        ])["total"],
        8
    );
    assert_eq!(dry(&["--since", "2000-01-01T00:00:00Z"])["total"], 30);
    assert_eq!(dry(&["--until", "2000-01-01T00:00:00Z"])["total"], 0);
    assert!(kcat_read(&b, &target).is_empty(), "a dry run sends nothing");
    assert!(!s.audit_dir().exists(), "a dry run logs nothing");
}

/// The engine as the dashboard drives it: marked records, a plan, then execute with events.
#[test]
fn engine_api_replays_marked_records_with_progress_events() {
    use kdeck::domain::replay::{ReplayEvent, ReplayRequest, Selection};
    use kdeck::kafka::replay::{execute, plan, ReplayContext};
    let b = brokers();
    let c = cluster(&b);
    let dlq = unique("kdeck-rp-api-dlq");
    let target = unique("kdeck-rp-api-target");
    admin::create_topics(&c, &[&dlq, &target], 3).unwrap();
    dlq_with_origin(&c, &dlq, &target, 30);
    let s = Scratch::new();
    let ctx = ReplayContext {
        cluster: c.clone(),
        read_only: None,
        audit_dir: s.audit_dir(),
        who: "tester@host".into(),
    };
    let marks = vec![(0, 1), (2, 9), (1, 4)];
    let req = ReplayRequest::new(
        &dlq,
        Selection::Marked {
            coords: marks.clone(),
        },
        Default::default(),
    );
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let p = plan(&ctx, req, &cancel).unwrap();
    assert_eq!(p.total, 3);
    assert_eq!(p.per_target[&target], 3);
    let first = p.first.as_ref().unwrap();
    assert_eq!(first.target.topic.as_deref(), Some(target.as_str()));
    let mut events = Vec::new();
    let sum = execute(&ctx, &p, &cancel, &mut |e| events.push(e)).unwrap();
    assert!(sum.ok(), "{sum:?}");
    assert_eq!(sum.acked, 3);
    match events.last() {
        Some(ReplayEvent::Progress(pr)) => assert_eq!((pr.acked, pr.total), (3, 3)),
        other => panic!("last event: {other:?}"),
    }
    let seen = kcat_read(&b, &target);
    let mut got: Vec<String> = copies(&seen).into_keys().collect();
    got.sort();
    let mut want: Vec<String> = marks
        .iter()
        .map(|(p, o)| format!("{dlq}/{p}@{o}"))
        .collect();
    want.sort();
    assert_eq!(got, want);
    assert!(seen
        .iter()
        .all(|r| header(r, "kdeck-replayed-by") == Some("tester@host")));
    // Replaying one again: the plan says it was replayed before.
    let again = ReplayRequest::new(
        &dlq,
        Selection::One {
            partition: 2,
            offset: 9,
        },
        Default::default(),
    );
    assert_eq!(plan(&ctx, again, &cancel).unwrap().replayed_before, 1);
}
