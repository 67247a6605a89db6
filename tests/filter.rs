//! Filters against the real broker: `kdeck tail --filter` writes only what the expression keeps.

mod common;

use common::{brokers, cluster, unique};
use kdeck::domain::OutRecord;
use kdeck::engine::filter::Expr;
use kdeck::kafka::{admin, producer, tail};
use kdeck::support::config::StartAt;
use serde_json::Value;
use std::time::Duration;

/// Export-completion records: every third failed, org ids alternating, some keys `export-`, one
/// non-JSON value and binary header values.
fn export_completions(topic: &str, n: usize) -> Vec<OutRecord> {
    (0..n)
        .map(|i| {
            let status = if i % 3 == 0 { "failed" } else { "complete" };
            let value = if i == 7 {
                b"not json, status failed".to_vec()
            } else {
                format!(
                    r#"{{"export_id":"export-{i}","status":"{status}","progress_percentage":{}}}"#,
                    i * 5
                )
                .into_bytes()
            };
            let key = if i % 2 == 0 {
                format!("export-{i}")
            } else {
                format!("job-{i}")
            };
            OutRecord {
                topic: topic.to_string(),
                partition: Some((i % 2) as i32),
                key: Some(key.into_bytes()),
                value: Some(value),
                headers: vec![
                    (
                        "org_id".into(),
                        format!("org-customer-00{}", i % 2).into_bytes(),
                    ),
                    ("raw".into(), vec![0x00, 0xff, i as u8]),
                ],
                timestamp_ms: None,
            }
        })
        .collect()
}

fn tail_lines(topic: &str, filter: &str, count: Option<u64>) -> (u64, Vec<Value>) {
    let c = cluster(&brokers());
    let mut out = Vec::new();
    let n = tail::run(
        &tail::TailSpec {
            cluster: c,
            group_id: "kdeck-test-tail-filter".into(),
            topics: vec![topic.to_string()],
            start: StartAt::Beginning,
            count,
            exit_at_end: true,
            filter: Some(Expr::compile(filter).unwrap()),
        },
        &mut out,
    )
    .unwrap();
    let lines = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    (n, lines)
}

/// JSON values are embedded as JSON in tail's lines.
fn value_json(line: &Value) -> Option<&Value> {
    (line["value_encoding"] == "json").then_some(&line["value"])
}

#[test]
fn tail_filter_writes_only_matching_records() {
    let c = cluster(&brokers());
    let topic = unique("kdeck-tail-filter");
    admin::create_topics(&c, &[&topic], 2).unwrap();
    let recs = export_completions(&topic, 40);
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();

    // 0, 3, 6, ... 39 are failed, except 7 which is not JSON (and 7 % 3 != 0 anyway).
    let (n, lines) = tail_lines(&topic, r#".value.status == "failed""#, None);
    let expected = (0..40).filter(|i| i % 3 == 0).count();
    assert_eq!(n as usize, expected);
    assert_eq!(lines.len(), expected);
    for l in &lines {
        assert_eq!(value_json(l).unwrap()["status"], "failed", "{l}");
    }

    let (n, lines) = tail_lines(&topic, r#".headers.org_id == "org-customer-001""#, None);
    assert_eq!(n, 20);
    assert!(lines
        .iter()
        .all(|l| l["key"].as_str().unwrap().starts_with("job-")));

    let (n, _) = tail_lines(
        &topic,
        r#"(.key | test("^export-")) and .value.progress_percentage > 50"#,
        None,
    );
    // Even i with i*5 > 50: 12, 14, ..., 38.
    assert_eq!(
        n as usize,
        (0..40).filter(|i| i % 2 == 0 && i * 5 > 50).count()
    );

    // Binary header values are hex: 00 ff 07 on record 7, the non-JSON one.
    let (n, lines) = tail_lines(&topic, r#".headers.raw == "00ff07""#, None);
    assert_eq!(n, 1);
    assert!(lines[0]["value"].as_str().unwrap().starts_with("not json"));

    // The binary: same count, and the first record the filter fails on (7, not JSON) is named
    // once on stderr.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .arg("--config")
        .arg(&cfg)
        .args([
            "tail",
            "-b",
            &brokers(),
            "-t",
            &topic,
            "--from",
            "beginning",
            "-e",
        ])
        .args(["--filter", r#".value.status == "failed""#])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        expected
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("the filter failed").count(), 1, "{err}");
    assert!(err.contains(&format!("{topic}/1@3")), "{err}");

    // --count counts written records, not records read.
    let (n, lines) = tail_lines(&topic, r#".value.status == "complete""#, Some(5));
    assert_eq!((n, lines.len()), (5, 5));
}

#[test]
fn tail_with_an_invalid_filter_fails_in_words() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args([
            "tail",
            "-b",
            "127.0.0.1:1",
            "--filter",
            ".value.status ==",
            "-e",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--filter: invalid filter: expected"), "{err}");
}

/// `kdeck replay` with a scratch data dir (audit log) and an empty config.
fn replay(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let cfg = dir.join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .arg("-b")
        .arg(brokers())
        .arg("--config")
        .arg(&cfg)
        .arg("replay")
        .args(args)
        .env("KDECK_DATA_DIR", dir.join("data"))
        .env_remove("KDECK_PROFILE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn last_json(out: &std::process::Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_else(|| {
        panic!(
            "no summary; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    serde_json::from_str(line).unwrap()
}

#[test]
fn replay_filter_sends_only_matching_records_and_keeps_the_filter_in_the_audit() {
    let c = cluster(&brokers());
    let dlq = unique("kdeck-rp-filter-dlq");
    let target = unique("kdeck-rp-filter-target");
    admin::create_topics(&c, &[&dlq, &target], 1).unwrap();
    let recs: Vec<OutRecord> = (0..30)
        .map(|i| OutRecord {
            topic: dlq.clone(),
            partition: Some(0),
            key: Some(format!("export-{i}").into_bytes()),
            value: Some(
                format!(r#"{{"job_id":"job-{i}","status":"failed","error":"boom {i}"}}"#)
                    .into_bytes(),
            ),
            headers: vec![(
                "org_id".into(),
                format!("org-customer-00{}", i % 3).into_bytes(),
            )],
            timestamp_ms: None,
        })
        .collect();
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let expr = r#".headers.org_id == "org-customer-001""#;

    // The dry run counts what the filter keeps; offsets 0..=14 narrow it further.
    let dry = replay(
        dir.path(),
        &[
            "--dlq",
            &dlq,
            "--from-offset",
            "0",
            "--to-offset",
            "14",
            "--filter",
            expr,
            "--to",
            &target,
            "--dry-run",
            "--output",
            "json",
        ],
    );
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(
        last_json(&dry)["total"],
        5,
        "{}",
        String::from_utf8_lossy(&dry.stdout)
    );

    let out = replay(
        dir.path(),
        &[
            "--dlq", &dlq, "--filter", expr, "--to", &target, "--yes", "--output", "json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(last_json(&out)["acked"], 10);

    let mut read = Vec::new();
    let n = tail::run(
        &tail::TailSpec {
            cluster: c.clone(),
            group_id: "kdeck-test-rp-filter".into(),
            topics: vec![target.clone()],
            start: StartAt::Beginning,
            count: None,
            exit_at_end: true,
            filter: None,
        },
        &mut read,
    )
    .unwrap();
    assert_eq!(n, 10);
    for l in String::from_utf8(read).unwrap().lines() {
        let v: Value = serde_json::from_str(l).unwrap();
        let org = v["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == "org_id")
            .unwrap();
        assert_eq!(org[1], "org-customer-001", "{l}");
    }

    // The audit keeps the filter with the request, so a resume selects the same records.
    let audit: String = walk(&dir.path().join("data"))
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    assert!(
        audit.contains(r#""filter":".headers.org_id == \"org-customer-001\"""#),
        "{audit}"
    );

    let bad = replay(
        dir.path(),
        &["--dlq", &dlq, "--filter", ".a ==", "--to", &target, "--yes"],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--filter: invalid filter"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
