//! `kdeck publish` against the real broker: every built-in template's record as kcat reads it,
//! validation that sends nothing, the `tail | publish --input jsonl` copy byte for byte, the
//! rate, and read-only refusal.

mod common;

use common::{brokers, cluster, unique};
use kdeck::domain::OutRecord;
use kdeck::engine::publish::Catalog;
use kdeck::kafka::{admin, producer, replay as kr};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs kdeck with its audit in a temporary data dir and no user templates.
fn kdeck(args: &[&str], stdin: Option<&[u8]>, data: &std::path::Path) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kdeck"));
    c.args(args)
        .env("KDECK_DATA_DIR", data)
        .env("KDECK_CONFIG_DIR", data.join("config"))
        .env_remove("KAFKA_TOPIC_PREFIX")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("kdeck runs");
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every record of `topic` as kcat prints it in JSON (key, payload, headers).
fn kcat_json(b: &str, topic: &str) -> Vec<Value> {
    let out = Command::new("kcat")
        .args([
            "-b",
            b,
            "-C",
            "-t",
            topic,
            "-o",
            "beginning",
            "-e",
            "-J",
            "-q",
        ])
        .output()
        .expect("kcat is installed (scripts/deps.sh)");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every record of `topic` as kcat's raw bytes (lengths, key, value, headers), sorted: equal
/// lists mean equal records, byte for byte, whatever the partitions.
fn kcat_raw(b: &str, topic: &str) -> Vec<Vec<u8>> {
    let out = Command::new("kcat")
        .args([
            "-b",
            b,
            "-C",
            "-t",
            topic,
            "-o",
            "beginning",
            "-e",
            "-q",
            "-f",
            "%K|%k|%S|%s|%h<<END>>",
        ])
        .output()
        .expect("kcat is installed");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut recs: Vec<Vec<u8>> = split(&out.stdout, b"<<END>>")
        .into_iter()
        .filter(|r| !r.is_empty())
        .collect();
    recs.sort();
    recs
}

fn split(all: &[u8], sep: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + sep.len() <= all.len() {
        if &all[i..i + sep.len()] == sep {
            out.push(all[start..i].to_vec());
            i += sep.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(all[start..].to_vec());
    out
}

fn records_in(b: &str, topic: &str) -> i64 {
    kr::watermarks(&cluster(b), topic)
        .unwrap()
        .iter()
        .map(|(_, lo, hi)| hi - lo)
        .sum()
}

fn at<'a>(v: &'a Value, dotted: &str) -> &'a Value {
    dotted.split('.').fold(v, |v, p| &v[p])
}

/// `{{field.X}}` alone: the field it names.
fn field_ref(expr: &str) -> Option<&str> {
    expr.strip_prefix("{{field.")?.strip_suffix("}}")
}

#[test]
fn every_builtin_template_reads_back_with_kcat() {
    let b = brokers();
    let data = tempfile::tempdir().unwrap();
    for t in &Catalog::builtin().templates {
        let topic = unique(&format!("kdeck-pub-{}", t.name));
        let mut args = vec!["-b", &b, "publish", "--template", &t.name, "-t", &topic];
        args.extend(["--output", "json"]);
        let set;
        if t.name == "raw" {
            set = format!("topic={topic}");
            args.extend([
                "--set",
                &set,
                "--set",
                "key=k1",
                "--set",
                r#"headers={"h":"v"}"#,
            ]);
        }
        let out = kdeck(&args, None, data.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            t.name,
            text(&out.stderr)
        );
        let lines: Vec<Value> = text(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{}: one delivery and the summary", t.name);
        assert_eq!(lines[0]["topic"], topic.as_str());
        assert_eq!(lines[1]["type"], "summary");
        assert_eq!(lines[1]["acked"], 1);
        let got = kcat_json(&b, &topic);
        assert_eq!(got.len(), 1, "{}", t.name);
        let rec = &got[0];
        assert_eq!(rec["key"], lines[0]["key"], "{}: key", t.name);
        assert_eq!(rec["partition"], lines[0]["partition"]);
        assert_eq!(rec["offset"], lines[0]["offset"]);
        let payload: Value = serde_json::from_str(rec["payload"].as_str().unwrap())
            .unwrap_or_else(|e| panic!("{}: payload is JSON: {e}", t.name));
        check_shape(t, rec, &payload);
    }
}

/// The key and headers the template names, checked against the payload kcat read.
fn check_shape(t: &kdeck::engine::publish::Template, rec: &Value, payload: &Value) {
    let name = &t.name;
    if t.value.is_none() {
        for f in t.fields.iter().filter(|f| f.body && !f.omit_empty) {
            assert!(
                !at(payload, &f.name).is_null() || f.default == "null",
                "{name}: {} in {payload}",
                f.name
            );
        }
    }
    if let Some(k) = t.key.as_deref().and_then(field_ref) {
        if t.field(k).is_some_and(|f| f.body) {
            assert_eq!(rec["key"], *at(payload, k), "{name}: key is field {k}");
        }
    }
    let hs: Vec<&str> = rec["headers"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let pairs: Vec<(&str, &str)> = hs.chunks(2).map(|c| (c[0], c[1])).collect();
    let mut want: Vec<&str> = t.headers.iter().map(|(n, _)| n.as_str()).collect();
    if t.name == "raw" {
        want.push("h");
    }
    let names: Vec<&str> = pairs.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, want, "{name}: header names in order");
    for ((n, expr), (_, v)) in t.headers.iter().zip(&pairs) {
        if !expr.contains("{{") {
            assert_eq!(v, expr, "{name}: header {n}");
        } else if let Some(f) = field_ref(expr).filter(|f| t.field(f).is_some_and(|x| x.body)) {
            assert_eq!(Value::from(*v), *at(payload, f), "{name}: header {n}");
        } else {
            assert!(
                !v.is_empty() && !v.contains("{{"),
                "{name}: header {n} = {v}"
            );
        }
    }
}

#[test]
fn each_validation_error_is_shown_and_nothing_is_sent() {
    let b = brokers();
    let data = tempfile::tempdir().unwrap();
    let topic = unique("kdeck-pub-invalid");
    admin::create_topics(&cluster(&b), &[&topic], 3).unwrap();
    let cases = [
        (
            "progress_percentage=sixty",
            "field progress_percentage: not an integer",
        ),
        ("timestamp=yesterday", "field timestamp: not a datetime"),
        ("status=done", "field status: \"done\" is not one of"),
        ("change_number=", "field change_number: required but empty"),
        ("error_details={oops", "field error_details: invalid JSON"),
        (
            "source={{whoami}}",
            "field source: unknown placeholder {{whoami}}",
        ),
    ];
    for (set, want) in cases {
        let out = kdeck(
            &[
                "-b",
                &b,
                "publish",
                "--template",
                "portal-task-status",
                "-t",
                &topic,
                "--set",
                set,
                "--count",
                "5",
            ],
            None,
            data.path(),
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {err}");
        assert!(err.contains(want), "{set}: {err}");
        assert!(err.contains("nothing sent"), "{err}");
        assert!(out.stdout.is_empty());
    }
    assert_eq!(records_in(&b, &topic), 0);
}

/// JSON, text, binary, empty and null values with text and binary headers.
fn mixed(topic: &str) -> Vec<OutRecord> {
    let values: [Option<&[u8]>; 6] = [
        Some(br#"{"export_id":"export-1","n":[1,2.5,null],"s":"\u00e9\"q"}"#),
        Some(b"plain text, not json"),
        Some(&[0xff, 0xfe, 0x00, 0x80, 0x0a]),
        None,
        Some(b""),
        Some(b"[1,2,3]"),
    ];
    values
        .iter()
        .enumerate()
        .map(|(i, v)| OutRecord {
            topic: topic.into(),
            partition: Some((i % 3) as i32),
            key: match i {
                2 => Some(vec![0x00, 0xff, i as u8]),
                3 => None,
                _ => Some(format!("key-{i}").into_bytes()),
            },
            value: v.map(<[u8]>::to_vec),
            headers: vec![
                ("event-type".into(), b"export_completion".to_vec()),
                ("bin".into(), vec![0x00, 0xff, 0x10, i as u8]),
                ("empty".into(), Vec::new()),
            ],
            timestamp_ms: None,
        })
        .collect()
}

#[test]
fn tail_into_publish_jsonl_copies_byte_exact() {
    let b = brokers();
    let data = tempfile::tempdir().unwrap();
    let (t1, t2) = (unique("kdeck-pub-src"), unique("kdeck-pub-dst"));
    admin::create_topics(&cluster(&b), &[&t1, &t2], 3).unwrap();
    let recs = mixed(&t1);
    producer::produce_all(&cluster(&b), &recs, Duration::from_secs(30)).unwrap();
    let tail = kdeck(
        &["-b", &b, "tail", "-t", &t1, "--from", "beginning", "-e"],
        None,
        data.path(),
    );
    assert!(tail.status.success(), "{}", text(&tail.stderr));
    let out = kdeck(
        &["-b", &b, "publish", "--input", "jsonl", "-t", &t2],
        Some(&tail.stdout),
        data.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), recs.len());
    let (a, c) = (kcat_raw(&b, &t1), kcat_raw(&b, &t2));
    assert_eq!(a.len(), recs.len());
    assert_eq!(a, c, "kcat reads the copy byte for byte as the source");
    // The null value stays null (kcat prints length -1), not an empty value.
    assert!(
        c.iter().any(|r| r.starts_with(b"-1||-1|")),
        "{:?}",
        c.iter().map(|r| text(r)).collect::<Vec<_>>()
    );
}

#[test]
fn stdin_value_key_and_headers_like_kcat() {
    let b = brokers();
    let data = tempfile::tempdir().unwrap();
    let topic = unique("kdeck-pub-stdin");
    admin::create_topics(&cluster(&b), &[&topic], 3).unwrap();
    let value = b"{\"a\":1}\n\xff binary tail";
    let out = kdeck(
        &[
            "-b",
            &b,
            "publish",
            "-t",
            &topic,
            "-k",
            "k-9",
            "-H",
            "x=1",
            "-H",
            "y=two=2",
            "--partition",
            "2",
        ],
        Some(value),
        data.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with(&format!("{topic} [2] at offset 0")));
    let got = kcat_raw(&b, &topic);
    let mut want = format!("3|k-9|{}|", value.len()).into_bytes();
    want.extend_from_slice(value);
    want.extend_from_slice(b"|x=1,y=two=2");
    assert_eq!(got, vec![want]);
}

#[test]
fn count_1000_at_200_per_second_takes_about_5_s() {
    let b = brokers();
    let data = tempfile::tempdir().unwrap();
    let topic = unique("kdeck-pub-rate");
    admin::create_topics(&cluster(&b), &[&topic], 3).unwrap();
    let t0 = Instant::now();
    let out = kdeck(
        &[
            "-b",
            &b,
            "publish",
            "--template",
            "schedule-job",
            "-t",
            &topic,
            "--count",
            "1000",
            "--rate",
            "200",
        ],
        None,
        data.path(),
    );
    let took = t0.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 1000);
    assert!(
        took >= Duration::from_secs(4) && took <= Duration::from_secs(8),
        "took {took:?}"
    );
    assert_eq!(records_in(&b, &topic), 1000);
    // {{seq}}-driven fields differ per record: 1000 distinct request ids.
    let ids: std::collections::HashSet<String> = kcat_json(&b, &topic)
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(r["payload"].as_str().unwrap()).unwrap()["requestId"]
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 1000);
    let audit = std::fs::read_to_string(data.path().join("publish.jsonl")).unwrap();
    let end: Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(
        (
            end["type"].as_str(),
            end["acked"].as_u64(),
            end["result"].as_str()
        ),
        (Some("end"), Some(1000), Some("ok"))
    );
}

#[test]
fn read_only_refuses_and_writes_nothing() {
    let b = brokers();
    let data = tempfile::tempdir().unwrap();
    let topic = unique("kdeck-pub-ro");
    admin::create_topics(&cluster(&b), &[&topic], 3).unwrap();
    let tpl = kdeck(
        &[
            "-b",
            &b,
            "--read-only",
            "publish",
            "--template",
            "schedule-job",
            "-t",
            &topic,
        ],
        None,
        data.path(),
    );
    let raw = kdeck(
        &["-b", &b, "--read-only", "publish", "-t", &topic],
        Some(b"v"),
        data.path(),
    );
    for out in [tpl, raw] {
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains("publish refused"),
            "{}",
            text(&out.stderr)
        );
    }
    assert_eq!(records_in(&b, &topic), 0);
    assert!(!data.path().join("publish.jsonl").exists());
}

#[test]
fn user_templates_override_built_ins_and_are_listed() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("config").join("templates");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("mine.toml"),
        "name = \"task-status\"\ndescription = \"ours\"\ntopic = \"team.status\"\n[[field]]\nname = \"id\"\n",
    )
    .unwrap();
    let out = kdeck(&["publish", "--list"], None, data.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = text(&out.stdout);
    let row = list
        .lines()
        .find(|l| l.starts_with("task-status "))
        .unwrap();
    assert!(row.contains("team.status") && row.contains("ours"), "{row}");
    assert_eq!(list.lines().count(), Catalog::builtin().templates.len() + 1);
}

/// The embedded demo (librdkafka's mock cluster, no broker needed) picks up a request that
/// `kdeck publish` sends: the task's status events appear and it ends, within seconds.
#[test]
fn the_demo_pipeline_picks_up_a_published_request() {
    let demo = kdeck::kafka::demo::start(0.5).unwrap();
    let data = tempfile::tempdir().unwrap();
    let id = unique("pickup");
    let set = format!("headers.requestId={id}");
    let out = kdeck(
        &[
            "-b",
            &demo.bootstrap,
            "publish",
            "--template",
            "web-crawl-request",
            "--set",
            &set,
        ],
        None,
        data.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let deadline = Instant::now() + Duration::from_secs(45);
    let mut statuses: Vec<String> = Vec::new();
    while Instant::now() < deadline {
        statuses = task_statuses(&demo.cluster(), &id);
        if statuses.iter().any(|s| s == "completed" || s == "error") {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        statuses.iter().filter(|s| *s == "in_progress").count() >= 3,
        "progress of the published task: {statuses:?}"
    );
    let last = statuses.last().map(String::as_str);
    assert!(
        matches!(last, Some("completed") | Some("error")),
        "{statuses:?}"
    );
}

/// The statuses of task `id` on the demo's task-status topic so far, in order. Reads by
/// assignment up to the current ends (no consumer group, so no join delay).
fn task_statuses(c: &kdeck::support::config::Cluster, id: &str) -> Vec<String> {
    let ranges: Vec<(String, kdeck::domain::replay::PartitionRange)> =
        kr::watermarks(c, "task-status")
            .unwrap()
            .into_iter()
            .map(|(partition, from, to)| {
                let r = kdeck::domain::replay::PartitionRange {
                    partition,
                    from,
                    to,
                };
                ("task-status".to_string(), r)
            })
            .collect();
    let mut found: Vec<(i64, i32, i64, String)> = Vec::new();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    kr::read_ranges(c, &ranges, &cancel, &mut |r| {
        if r.key.as_deref() == Some(id.as_bytes()) {
            let v: Value = serde_json::from_slice(r.value.as_deref().unwrap_or_default()).unwrap();
            let status = v["message"]["status"].as_str().unwrap_or("").to_string();
            found.push((r.timestamp_ms.unwrap_or(0), r.partition, r.offset, status));
        }
        true
    })
    .unwrap();
    found.sort();
    found.into_iter().map(|(_, _, _, s)| s).collect()
}
