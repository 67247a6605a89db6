//! kdeck against the services' own Kafka clients, on the real broker: each built-in template a
//! service consumes is published by kdeck and read by that service's library (the export
//! consumer's sarama, the Go package's kafka-go, the task manager's kafkajs, the portal's
//! kafka-python, the scheduler's kafka-clients), decoded as its contract states; dead letters
//! written by kafka-go (the Go package's DLQ headers) and by Spring Kafka's real
//! `DeadLetterPublishingRecoverer` are decoded and replayed by kdeck onto the partitions their
//! producers chose, byte for byte. The clients are built by scripts/interop.sh.

mod common;

use common::{brokers, cluster, unique};
use kdeck::kafka::{admin, replay as kr};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The clients scripts/interop.sh built: `KDECK_TEST_INTEROP`, else its default directory when
/// it is complete. Without them the test fails: a test that did not run must not pass.
fn interop() -> PathBuf {
    let dir = match std::env::var("KDECK_TEST_INTEROP") {
        Ok(d) if !d.trim().is_empty() => PathBuf::from(d.trim()),
        _ => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/interop")),
    };
    assert!(
        dir.join("interop.env").exists(),
        "this test needs the services' own Kafka clients and {} has none: run scripts/test.sh \
         (it runs scripts/interop.sh), or scripts/interop.sh and set KDECK_TEST_INTEROP to the \
         directory it prints",
        dir.display()
    );
    dir
}

fn clients_src(rel: &str) -> String {
    format!("{}/tests/clients/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn go(args: &[&str]) -> Command {
    let mut c = Command::new(interop().join("go/interop"));
    c.args(args);
    c
}

fn java(args: &[&str]) -> Command {
    let dir = interop();
    let cp = std::fs::read_to_string(dir.join("java/classpath.txt")).unwrap();
    let mut c = Command::new("java");
    c.arg("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
        .arg("-cp")
        .arg(format!(
            "{}:{}",
            dir.join("java/classes").display(),
            cp.trim()
        ))
        .arg("Interop")
        .args(args);
    c
}

fn node(args: &[&str]) -> Command {
    let mut c = Command::new("node");
    c.arg(clients_src("node/client.js"))
        .args(args)
        .env("NODE_PATH", interop().join("node/node_modules"));
    c
}

fn python(args: &[&str]) -> Command {
    let mut c = Command::new(interop().join("python"));
    c.arg(clients_src("portal_client.py")).args(args);
    c
}

/// Runs a client; its JSON lines. Panics with its stderr when it fails.
fn lines(mut c: Command, what: &str) -> Vec<Value> {
    let out = c.stdin(Stdio::null()).output().unwrap_or_else(|e| {
        panic!("{what}: the client does not start ({e}): run scripts/interop.sh")
    });
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{what}: {e}: {l}")))
        .collect()
}

/// Every record a client read decoded without a misfit; says which field did not fit.
fn all_fit(recs: &[Value], what: &str) {
    for r in recs {
        assert_eq!(r["ok"], true, "{what}: {}", r["error"]);
    }
}

fn kdeck(args: &[&str], data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(args)
        .env("KDECK_DATA_DIR", data.join("data"))
        .env("KDECK_CONFIG_DIR", data.join("config"))
        .env_remove("KAFKA_TOPIC_PREFIX")
        .env_remove("KDECK_PROFILE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `kdeck publish --template T -c N` onto `topic`: the delivery lines (topic, partition, key).
fn publish(b: &str, template: &str, topic: &str, n: usize, sets: &[&str]) -> Vec<Value> {
    let data = tempfile::tempdir().unwrap();
    let count = n.to_string();
    let mut args = vec!["-b", b, "publish", "--template", template, "-t", topic];
    args.extend(["-c", &count, "--output", "json"]);
    for s in sets {
        args.extend(["--set", s]);
    }
    let out = kdeck(&args, data.path());
    assert!(
        out.status.success(),
        "publish {template}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &Value| v["type"] != "summary")
        .collect();
    assert_eq!(got.len(), n, "publish {template}: one delivery line each");
    got
}

fn topic_with(b: &str, prefix: &str, partitions: i32) -> String {
    let t = unique(prefix);
    admin::create_topics(&cluster(b), &[&t], partitions).unwrap();
    t
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `ms` is within `slack_ms` of `want`.
fn near(ms: &Value, want: i64, slack_ms: i64, what: &str) {
    let ms = ms.as_i64().unwrap_or_else(|| panic!("{what}: {ms}"));
    assert!((ms - want).abs() <= slack_ms, "{what}: {ms} vs {want}");
}

/// Keys the delivery lines name, each with its partition.
fn delivered(d: &[Value]) -> BTreeMap<String, i64> {
    d.iter()
        .map(|v| {
            (
                v["key"].as_str().unwrap().to_string(),
                v["partition"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The partition of every record the client read, by key, equals the one kdeck reported, and
/// the one the service's own producer library puts that key on (the client asks it): a test
/// record elsewhere would be out of order with the service's records of the same key.
fn same_partitions(recs: &[Value], d: &[Value], what: &str) {
    for r in recs {
        assert_eq!(
            r["partition"], r["producer_partition"],
            "{what}: key {} where the service's producer puts it",
            r["key"]
        );
    }
    let got: BTreeMap<String, i64> = recs
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r["partition"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, delivered(d), "{what}: keys and partitions");
}

#[test]
fn export_completion_reads_with_sarama_as_the_export_consumer_does() {
    let b = brokers();
    let topic = topic_with(&b, "kdeck-io-export", 3);
    let d = publish(&b, "export-completion", &topic, 6, &[]);
    let t0 = now_ms();
    let recs = lines(
        go(&[
            "sarama-export-completions",
            "-brokers",
            &b,
            "-topic",
            &topic,
            "-n",
            "6",
        ]),
        "sarama",
    );
    all_fit(&recs, "export-completion read by sarama");
    same_partitions(&recs, &d, "export-completion");
    for r in &recs {
        assert_eq!(r["status"], "complete");
        assert_eq!(r["key"], r["export_id"]);
        assert_eq!(r["headers"]["event_type"], "export_completion");
        assert_eq!(r["headers"]["org_id"], r["org_id"]);
        assert_eq!(r["org_id"], "org-customer-001");
        assert!(r["export_id"].as_str().unwrap().starts_with("export-"));
        assert!(r["job_id"].as_str().unwrap().starts_with("job-"));
        let url = r["download_url"].as_str().unwrap();
        assert!(url.ends_with(&format!("/exports/{}", r["export_id"].as_str().unwrap())));
        assert_eq!(r["error_message"], "");
        near(&r["completed_at_unix_ms"], t0, 60_000, "completed_at");
    }
    println!("export-completion: {} records read by sarama", recs.len());
}

/// The Go package's standard headers, as its guide lists them (conversation-id only when set).
const STANDARD_HEADERS: [&str; 7] = [
    "event-id",
    "event-type",
    "correlation-id",
    "schema-version",
    "source",
    "timestamp",
    "retry-count",
];

#[test]
fn package_message_reads_with_kafka_go_as_the_go_package_does() {
    let b = brokers();
    let topic = topic_with(&b, "kdeck-io-pkg", 3);
    let d = publish(&b, "package-message", &topic, 6, &[]);
    let t0 = now_ms();
    let recs = lines(
        go(&[
            "kafkago-package-messages",
            "-brokers",
            &b,
            "-topic",
            &topic,
            "-n",
            "6",
        ]),
        "kafka-go",
    );
    all_fit(&recs, "package-message read by kafka-go");
    same_partitions(&recs, &d, "package-message");
    for r in &recs {
        let mut names: Vec<&str> = r["header_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        names.sort_unstable();
        let mut want = STANDARD_HEADERS.to_vec();
        want.sort_unstable();
        assert_eq!(names, want, "the package's standard headers, once each");
        assert_eq!(r["event_type"], "booking.create.requested");
        assert_eq!(r["source"], "pipeline-executor");
        assert_eq!(r["schema_version"], "v1");
        assert_eq!(r["retry_count"], 0);
        assert!(r["correlation_id"].as_str().unwrap().starts_with("corr-"));
        assert!(r["key"].as_str().unwrap().starts_with("booking-"));
        near(&r["timestamp_unix_ms"], t0, 60_000, "timestamp header");
        assert_eq!(r["action"], "create_booking");
        assert_eq!(r["params"]["user_phone"], "+972501234567");
        let start =
            chrono::DateTime::parse_from_rfc3339(r["params"]["start_time"].as_str().unwrap())
                .expect("params.start_time is RFC 3339");
        near(
            &Value::from(start.timestamp_millis()),
            t0 + 3_600_000,
            60_000,
            "params.start_time",
        );
    }
    println!("package-message: {} records read by kafka-go", recs.len());
}

#[test]
fn task_manager_envelopes_read_with_kafkajs_as_the_task_manager_does() {
    let b = brokers();
    for (template, sub) in [
        ("task-status", "task-status"),
        ("web-crawl-request", "web-crawl-request"),
    ] {
        let topic = topic_with(&b, &format!("kdeck-io-{template}"), 3);
        let d = publish(&b, template, &topic, 2, &[]);
        let t0 = now_ms();
        let recs = lines(
            node(&[sub, "--brokers", &b, "--topic", &topic, "--n", "2"]),
            "kafkajs",
        );
        all_fit(&recs, &format!("{template} read by kafkajs"));
        same_partitions(&recs, &d, template);
        for r in &recs {
            near(&r["timestampMs"], t0, 60_000, "headers.timestamp");
            assert_eq!(r["traceId"].as_str().unwrap().len(), 32);
            assert_eq!(r["spanId"].as_str().unwrap().len(), 16);
            if template == "task-status" {
                assert_eq!(r["taskType"], "web-crawl");
                assert_eq!(r["status"], "completed");
                assert_eq!(r["result"], "Found 5 products matching criteria");
                near(&r["finishedAtMs"], t0, 60_000, "message.finishedAt");
            } else {
                assert_eq!(r["requestType"], "web-crawl");
                assert_eq!(r["userEmail"], "user@example.com");
                assert_eq!(r["originalUrl"], "https://example.com/");
                near(&r["requestedAtMs"], t0, 60_000, "message.requestedAt");
            }
        }
        let traces: std::collections::BTreeSet<&str> = recs
            .iter()
            .map(|r| r["traceId"].as_str().unwrap())
            .collect();
        assert_eq!(
            traces.len(),
            recs.len(),
            "{template}: a trace id per record"
        );
        println!("{template}: {} records read by kafkajs", recs.len());
    }
}

#[test]
fn portal_events_read_with_kafka_python_as_the_portal_schema_states() {
    let b = brokers();
    for template in [
        "device-connection",
        "portal-task-status",
        "portal-task-completion",
    ] {
        let topic = topic_with(&b, &format!("kdeck-io-{template}"), 3);
        let d = publish(&b, template, &topic, 2, &[]);
        let t0 = chrono::Utc::now().naive_utc();
        let recs = lines(
            python(&["--brokers", &b, "--topic", &topic, "--n", "2"]),
            "kafka-python",
        );
        all_fit(&recs, &format!("{template} read by kafka-python"));
        same_partitions(&recs, &d, template);
        for r in &recs {
            let ts = chrono::NaiveDateTime::parse_from_str(
                r["timestamp"].as_str().unwrap(),
                "%Y-%m-%dT%H:%M:%S%.f",
            )
            .unwrap();
            assert!((ts - t0).num_seconds().abs() <= 60, "timestamp {ts}");
            // The portal stamps event_id from its own clock, to the second: kdeck's stamp is
            // local time, which the portal's machines and this one keep in the same zone.
            let stamp = chrono::NaiveDateTime::parse_from_str(
                r["event_id_stamp"].as_str().unwrap(),
                "%Y-%m-%dT%H:%M:%S",
            )
            .unwrap();
            let local = chrono::Local::now().naive_local();
            assert!(
                (stamp - local).num_seconds().abs() <= 60,
                "event_id stamp {stamp}"
            );
            match template {
                "device-connection" => {
                    assert_eq!(r["event_type"], "device_connection");
                    assert_eq!(r["device_name"], "NYC-Core-SW01");
                    assert_eq!(r["interfaces"], serde_json::json!(["Gi0/1"]));
                }
                "portal-task-status" => {
                    assert_eq!(r["event_type"], "task_status_update");
                    assert_eq!(r["status"], "in_progress");
                    assert_eq!(r["progress_percentage"], 65);
                }
                _ => {
                    assert_eq!(r["event_type"], "task_completion");
                    assert_eq!(r["completion_status"], "completed");
                    assert_eq!(r["execution_duration"], 180.5);
                    assert_eq!(r["result_data"]["device_ip"], "10.1.1.100");
                }
            }
        }
        println!("{template}: {} records read by kafka-python", recs.len());
    }
}

#[test]
fn scheduler_requests_read_with_kafka_clients_as_the_scheduler_does() {
    let b = brokers();
    for template in ["schedule-job", "export-job"] {
        let topic = topic_with(&b, &format!("kdeck-io-{template}"), 3);
        let d = publish(&b, template, &topic, 2, &[]);
        let local = chrono::Local::now().naive_local();
        let recs = lines(
            java(&[
                "scheduler-ingest",
                "--brokers",
                &b,
                "--topic",
                &topic,
                "--n",
                "2",
            ]),
            "kafka-clients",
        );
        all_fit(
            &recs,
            &format!("{template} read by the scheduler's consumer"),
        );
        same_partitions(&recs, &d, template);
        for r in &recs {
            let at = chrono::NaiveDateTime::parse_from_str(
                r["scheduledTime"].as_str().unwrap(),
                "%Y-%m-%dT%H:%M:%S%.f",
            )
            .or_else(|_| {
                chrono::NaiveDateTime::parse_from_str(
                    r["scheduledTime"].as_str().unwrap(),
                    "%Y-%m-%dT%H:%M",
                )
            })
            .unwrap();
            assert_eq!(r["priority"], "normal");
            let app = r["appName"].as_str().unwrap();
            if template == "schedule-job" {
                assert_eq!(app, "sms");
                // Five minutes ahead, in the scheduler's own local time.
                let ahead = (at - local).num_seconds();
                assert!(
                    (240..=360).contains(&ahead),
                    "scheduledTime {at}, now {local}"
                );
                assert_eq!(
                    r["key"].as_str().unwrap(),
                    format!("sms-{}", r["requestId"].as_str().unwrap())
                );
                assert!(r["idempotencyKey"].as_str().unwrap().starts_with("sms-"));
                assert_eq!(r["jobData"]["to"], "+8801711000000");
            } else {
                assert_eq!(app, "export");
                assert!((at - local).num_seconds().abs() <= 60, "scheduledTime {at}");
                let data = &r["jobData"];
                assert_eq!(r["key"], data["export_id"]);
                assert_eq!(r["headers"]["event_type"], "export_job");
                assert_eq!(r["headers"]["org_id"], data["org_id"]);
                assert_eq!(data["format"], "json");
                assert_eq!(
                    r["idempotencyKey"].as_str().unwrap(),
                    format!("export-{}", data["job_id"].as_str().unwrap())
                );
            }
        }
        println!(
            "{template}: {} records read by the scheduler's kafka-clients consumer",
            recs.len()
        );
    }
}

/// One record as kcat read it, byte for byte.
#[derive(Debug, Clone)]
struct Seen {
    partition: i32,
    offset: i64,
    key: Vec<u8>,
    value: Vec<u8>,
    headers: Vec<(String, String)>,
}

/// A whole topic through kcat, in a raw format that keeps keys and values byte-exact:
/// `<partition> <offset> <key len> <value len>\n<key><value><headers>\n`.
fn kcat_read(b: &str, topic: &str) -> Vec<Seen> {
    let out = Command::new("kcat")
        .args(["-b", b, "-C", "-t", topic, "-o", "beginning", "-e", "-q"])
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
        let mut headers: Vec<(String, String)> = String::from_utf8_lossy(&b[h0..hend])
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_string(), v.to_string())
            })
            .collect();
        headers.sort();
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

/// `kdeck replay --dlq D --all` as a dry run (its text) or executed (its summary line).
fn replay(b: &str, dlq: &str, data: &Path, execute: bool) -> String {
    let config = data.join("empty.toml");
    std::fs::write(&config, "").unwrap();
    let mode = if execute { "--yes" } else { "--dry-run" };
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["-b", b, "--config"])
        .arg(&config)
        .args(["replay", "--dlq", dlq, "--all", mode])
        .env("KDECK_DATA_DIR", data.join("data"))
        .env_remove("KDECK_PROFILE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "replay {mode}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const ORIGIN_PARTITIONS: i32 = 6;
const DEAD: usize = 8;

/// After the replay of `dlq`, `origin` holds each live record and its replayed copy: the same
/// key on the same partition (after it), the same value bytes, the live record's headers, and
/// kdeck's provenance headers naming the dead letter it came from. Returns how many were
/// checked.
fn replayed_as_live(b: &str, origin: &str, dlq: &str, live: &[Seen]) -> usize {
    let all = kcat_read(b, origin);
    assert_eq!(all.len(), live.len() * 2, "each live record once more");
    for l in live {
        let copies: Vec<&Seen> = all
            .iter()
            .filter(|s| s.key == l.key && (s.partition, s.offset) != (l.partition, l.offset))
            .collect();
        let key = String::from_utf8_lossy(&l.key);
        assert_eq!(copies.len(), 1, "{key}: one replayed copy");
        let c = copies[0];
        assert_eq!(
            c.partition, l.partition,
            "{key}: on the live record's partition"
        );
        assert!(c.offset > l.offset, "{key}: after the live record");
        assert_eq!(c.value, l.value, "{key}: value byte for byte");
        let (kdeck, theirs): (Vec<_>, Vec<_>) = c
            .headers
            .iter()
            .cloned()
            .partition(|(k, _)| k.starts_with("kdeck-replay"));
        assert_eq!(
            theirs, l.headers,
            "{key}: the live record's headers, no dead-letter ones"
        );
        let h = |name: &str| {
            kdeck
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert!(
            h("kdeck-replay-source").is_some_and(|s| s.starts_with(&format!("{dlq}/"))),
            "{key}: {kdeck:?}"
        );
        assert_eq!(h("kdeck-replay-count"), Some("1"), "{key}");
    }
    live.len()
}

/// The live records' keys fall on three partitions or more: on fewer, any hash would fit them.
fn spread(live: &[Seen], what: &str) {
    let parts: std::collections::BTreeSet<i32> = live.iter().map(|s| s.partition).collect();
    assert!(parts.len() >= 3, "{what}: keys on {parts:?} only");
}

/// kafka-go writes live records (Hash balancer) and the Go package's dead letters of them
/// (`origin_headers`: `full` or `package`); kdeck's dry run names the origin and `partitioner`,
/// and the replay puts each copy on its live record's partition.
fn kafka_go_dead_letters_replay(origin_headers: &str, partitioner: &str) -> usize {
    let b = brokers();
    let origin = topic_with(&b, "kdeck-io-kgo-origin", ORIGIN_PARTITIONS);
    let dlq = topic_with(&b, "kdeck-io-kgo-dlq", 1);
    let keys: Vec<String> = (0..DEAD).map(|i| format!("booking-io-{i}")).collect();
    lines(
        go(&[
            "kafkago-write-live",
            "-brokers",
            &b,
            "-topic",
            &origin,
            "-keys",
            &keys.join(","),
        ]),
        "kafka-go writer",
    );
    let live = kcat_read(&b, &origin);
    assert_eq!(live.len(), DEAD);
    spread(&live, "kafka-go Hash balancer");
    let n = DEAD.to_string();
    lines(
        go(&[
            "kafkago-dead-letter",
            "-brokers",
            &b,
            "-topic",
            &origin,
            "-n",
            &n,
            "-dlq",
            &dlq,
            "-origin-headers",
            origin_headers,
            "-error",
            "invalid message: schema mismatch",
        ]),
        "kafka-go dead-letter writer",
    );
    let data = tempfile::tempdir().unwrap();
    let dry = replay(&b, &dlq, data.path(), false);
    assert!(
        dry.contains(&format!("{DEAD} records from {dlq} to send")),
        "{dry}"
    );
    assert!(
        dry.contains(&format!("to {origin}: {DEAD}")),
        "origin topic decoded:\n{dry}"
    );
    assert!(
        dry.contains(&format!("partitioner for keyed records: {partitioner}")),
        "{dry}"
    );
    assert!(
        dry.contains("invalid message: schema mismatch"),
        "reason decoded:\n{dry}"
    );
    let first = live
        .iter()
        .find(|s| dry.contains(&format!("  key     {}", String::from_utf8_lossy(&s.key))))
        .unwrap_or_else(|| panic!("the first record's key:\n{dry}"));
    assert!(
        dry.contains(&format!("to      {origin} (partition {};", first.partition)),
        "the first record to its origin partition:\n{dry}"
    );
    replay(&b, &dlq, data.path(), true);
    // The copy keeps the package's standard headers and goes out with retry-count 0 again: the
    // live record's headers exactly, the dead-letter ones dropped.
    let checked = replayed_as_live(&b, &origin, &dlq, &live);
    // And the Go package reads the copies as it read the live records.
    let all = (2 * DEAD).to_string();
    let read = lines(
        go(&[
            "kafkago-package-messages",
            "-brokers",
            &b,
            "-topic",
            &origin,
            "-n",
            &all,
        ]),
        "kafka-go",
    );
    all_fit(&read, "replayed records read by kafka-go");
    checked
}

#[test]
fn kafka_go_dead_letters_replay_onto_the_partitions_kafka_go_chose() {
    let line = format!(
        "FNV-1a (kafka-go, sarama): {DEAD} of {DEAD} records' keys map to their origin partitions"
    );
    let checked = kafka_go_dead_letters_replay("full", &line);
    println!("kafka-go dead letters: {checked} replayed onto their FNV-1a partitions");
}

/// The package's own sendToDLQ names the origin topic only: no partition to infer the hash
/// from, so the writer decides it (the package produces with kafka-go's Hash balancer).
#[test]
fn go_package_dead_letters_without_an_origin_partition_replay_by_the_packages_hash() {
    let line = "FNV-1a (kafka-go, sarama): the records were written by the pipeline executor's Go package, which produces with kafka-go's Hash balancer (0 with an origin partition to check)";
    let checked = kafka_go_dead_letters_replay("package", line);
    println!("Go package dead letters (origin topic only): {checked} replayed by FNV-1a");
}

#[test]
fn spring_dead_letters_replay_onto_the_partitions_the_java_producer_chose() {
    let b = brokers();
    let origin = topic_with(&b, "kdeck-io-spring-origin", ORIGIN_PARTITIONS);
    // The recoverer's default destination: `<topic>-dlt`, the record's own partition.
    let dlt = format!("{origin}-dlt");
    admin::create_topics(&cluster(&b), &[&dlt], ORIGIN_PARTITIONS).unwrap();
    let keys: Vec<String> = (0..DEAD).map(|i| format!("sms-io{i}")).collect();
    lines(
        java(&[
            "produce-jobs",
            "--brokers",
            &b,
            "--topic",
            &origin,
            "--keys",
            &keys.join(","),
        ]),
        "kafka-clients producer",
    );
    let live = kcat_read(&b, &origin);
    assert_eq!(live.len(), DEAD);
    spread(&live, "the Java client's murmur2");
    let n = DEAD.to_string();
    lines(
        java(&[
            "spring-dead-letter",
            "--brokers",
            &b,
            "--topic",
            &origin,
            "--n",
            &n,
        ]),
        "Spring DeadLetterPublishingRecoverer",
    );
    // Counted, not read with kcat: the recoverer's binary numbers and stack trace have bytes
    // its line format cannot frame.
    let written: i64 = kr::watermarks(&cluster(&b), &dlt)
        .unwrap()
        .iter()
        .map(|(_, lo, hi)| hi - lo)
        .sum();
    assert_eq!(written, DEAD as i64, "records the recoverer wrote");
    let data = tempfile::tempdir().unwrap();
    let dry = replay(&b, &dlt, data.path(), false);
    assert!(
        dry.contains(&format!("{DEAD} records from {dlt} to send")),
        "{dry}"
    );
    assert!(
        dry.contains(&format!("to {origin}: {DEAD}")),
        "origin topic decoded:\n{dry}"
    );
    assert!(
        dry.contains(&format!(
            "partitioner for keyed records: murmur2 (Java client): {DEAD} of {DEAD} records' keys map to their origin partitions"
        )),
        "{dry}"
    );
    assert!(
        dry.contains("ListenerExecutionFailedException: Listener failed; invalid message: scheduledTime is not ISO-"),
        "reason decoded:\n{dry}"
    );
    let first = live
        .iter()
        .find(|s| dry.contains(&format!("  key     {}", String::from_utf8_lossy(&s.key))))
        .unwrap_or_else(|| panic!("the first record's key:\n{dry}"));
    assert!(
        dry.contains(&format!("to      {origin} (partition {};", first.partition)),
        "the first record to its origin partition:\n{dry}"
    );
    replay(&b, &dlt, data.path(), true);
    // The live records had no headers; the copies carry none of the recoverer's.
    let checked = replayed_as_live(&b, &origin, &dlt, &live);
    // And the scheduler's consumer takes the copies as it took the live records.
    let all = (2 * DEAD).to_string();
    let read = lines(
        java(&[
            "scheduler-ingest",
            "--brokers",
            &b,
            "--topic",
            &origin,
            "--n",
            &all,
        ]),
        "kafka-clients",
    );
    all_fit(&read, "replayed records read by the scheduler's consumer");
    println!("Spring dead letters: {checked} replayed onto their murmur2 partitions");
}
