//! `kdeck topics` on a real broker, with topics named unlike kdeck's defaults: each one is
//! recognised from what its records carry (Spring's and Kafka Connect's dead-letter headers,
//! status words, completions), a plain log topic as none of them, with the evidence in words;
//! each topic's retention as the cluster keeps it; many topics sampled at once within the
//! sample time; `sample_all` giving every topic once (a transaction's tail included).

mod common;

use common::{brokers, cluster, unique};
use kdeck::kafka::{admin, producer};
use std::process::Command;
use std::time::Duration;

use common::out_record as rec;

#[test]
fn topics_named_unlike_the_defaults_are_recognised_from_their_records() {
    let b = brokers();
    let c = cluster(&b);
    let base = unique("orders");
    let (events, status, dlt, dead, log) = (
        format!("{base}.v1.events"),
        format!("{base}.v1.status"),
        format!("{base}.v1.DLT"),
        format!("{base}-payments-dead-letter"),
        format!("{base}.app-log"),
    );
    admin::create_topics(&c, &[&events, &status, &dlt, &dead, &log], 2).unwrap();
    let mut recs = Vec::new();
    for i in 0..6 {
        let id = format!("order-{i}");
        recs.push(rec(
            &events,
            &id,
            &format!(r#"{{"order_id":"{id}","status":"completed"}}"#),
            &[],
        ));
        recs.push(rec(
            &status,
            &id,
            &format!(r#"{{"order_id":"{id}","status":"in_progress","progress":40}}"#),
            &[],
        ));
        recs.push(rec(
            &dlt,
            &id,
            r#"{"order_id":"x"}"#,
            &[
                ("kafka_dlt-original-topic", &events),
                (
                    "kafka_dlt-exception-fqcn",
                    "java.lang.IllegalStateException",
                ),
                ("kafka_dlt-exception-message", "bad order"),
            ],
        ));
        recs.push(rec(
            &dead,
            &id,
            r#"{"amount":3}"#,
            &[
                ("__connect.errors.topic", "payments"),
                ("__connect.errors.exception.message", "schema mismatch"),
            ],
        ));
        recs.push(rec(&log, &id, &format!("GET /health 200 {i}ms"), &[]));
    }
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args([
            "--config",
            "/dev/null",
            "-b",
            &b,
            "topics",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |t: &str| {
        lines
            .iter()
            .find(|l| l["topic"] == t)
            .unwrap_or_else(|| panic!("{t} not listed: {lines:?}"))
            .clone()
    };
    let expect = [
        (&events, Some("completion")),
        (&status, Some("status")),
        (&dlt, Some("dlq")),
        (&dead, Some("dlq")),
        (&log, None),
    ];
    for (topic, role) in expect {
        let l = of(topic);
        assert_eq!(l["role"].as_str(), role, "{topic}: {l}");
        assert_eq!(l["partitions"], 2, "{l}");
        assert_eq!(l["records"], 6, "{l}");
    }
    let evidence = |t: &str| of(t)["evidence"].as_str().unwrap_or_default().to_string();
    assert!(
        evidence(&dlt).contains("6 of 6 records"),
        "{}",
        evidence(&dlt)
    );
    assert!(evidence(&dlt).contains("kafka_dlt-*"), "{}", evidence(&dlt));
    assert!(
        evidence(&dead).contains("__connect.errors.*"),
        "{}",
        evidence(&dead)
    );
    // The cluster's own topics stay out unless asked for.
    assert!(lines
        .iter()
        .all(|l| !l["topic"].as_str().unwrap().starts_with("__")));
    // The text form says the same in words.
    let text = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["--config", "/dev/null", "-b", &b, "topics"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with(&dlt))
        .unwrap_or_default();
    assert!(
        line.contains("2 partition(s) × 1 · 6 record(s) · retention 7 d  dlq (high)"),
        "{line}"
    );
}

/// `kdeck topics --output json` with `args` after it: one JSON object per topic.
fn topics_json(b: &str, args: &[&str]) -> Vec<serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args([
            "--config",
            "/dev/null",
            "-b",
            b,
            "topics",
            "--output",
            "json",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn line_of<'a>(lines: &'a [serde_json::Value], topic: &str) -> &'a serde_json::Value {
    lines
        .iter()
        .find(|l| l["topic"] == topic)
        .unwrap_or_else(|| panic!("{topic} not listed: {lines:?}"))
}

/// Creates `topic` with `partitions` and these topic settings (kdeck's own admin call sets
/// none).
fn create_with(b: &str, topic: &str, partitions: i32, settings: &[(&str, &str)]) {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    let admin: AdminClient<rdkafka::client::DefaultClientContext> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", b)
        .create()
        .unwrap();
    let mut t = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    for (k, v) in settings {
        t = t.set(k, v);
    }
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    let got = futures::executor::block_on(admin.create_topics([&t], &opts)).unwrap();
    for r in got {
        r.unwrap_or_else(|(t, e)| panic!("creating {t}: {e}"));
    }
}

fn dead_letter(topic: &str, origin: &str, key: &str) -> kdeck::domain::OutRecord {
    rec(
        topic,
        key,
        r#"{"order_id":"x"}"#,
        &[
            ("kafka_dlt-original-topic", origin),
            (
                "kafka_dlt-exception-fqcn",
                "java.lang.IllegalStateException",
            ),
            ("kafka_dlt-exception-message", "bad order"),
        ],
    )
}

#[test]
fn retention_is_the_topics_own_and_roles_still_come_from_the_records() {
    let b = brokers();
    let c = cluster(&b);
    let base = unique("kept");
    let (status, dlt, audit) = (
        format!("{base}.v2.status"),
        format!("{base}.v2.DLT"),
        format!("{base}.audit"),
    );
    create_with(&b, &status, 3, &[("retention.ms", "3600000")]);
    create_with(&b, &dlt, 2, &[("retention.ms", "-1")]);
    create_with(&b, &audit, 1, &[]);
    let mut recs = Vec::new();
    for i in 0..9 {
        let id = format!("order-{i}");
        let value = format!(r#"{{"order_id":"{id}","status":"in_progress","progress":{i}}}"#);
        recs.push(rec(&status, &id, &value, &[]));
        recs.push(dead_letter(&dlt, &status, &id));
        recs.push(rec(&audit, &id, &format!("user {i} logged in"), &[]));
    }
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();
    let lines = topics_json(&b, &[]);
    let expect = [
        (&status, 3_600_000, Some("status")),
        (&dlt, -1, Some("dlq")),
        // Nothing set on the topic: the broker's default, seven days.
        (&audit, 604_800_000, None),
    ];
    for (topic, retention, role) in expect {
        let l = line_of(&lines, topic);
        assert_eq!(l["retention_ms"], retention, "{l}");
        assert_eq!(l["role"].as_str(), role, "{l}");
        assert_eq!(l["records"], 9, "{l}");
    }
    assert!(
        line_of(&lines, &dlt)["evidence"]
            .as_str()
            .unwrap()
            .contains("9 of 9 records"),
        "{lines:?}"
    );
    let text = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["--config", "/dev/null", "-b", &b, "topics"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let line = |t: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{t}  ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line(&status).contains("· retention 1 h  status"), "{text}");
    assert!(line(&dlt).contains("· retention forever  dlq"), "{text}");
    assert!(line(&audit).contains("· retention 7 d  none"), "{text}");
}

/// Sixty topics of three partitions, records on every partition: all proposed, each from all
/// its records, before the sample time is up (a consumer per topic, one after the other, took
/// longer than that).
#[test]
fn many_topics_are_all_proposed_within_the_sample_time() {
    let b = brokers();
    let c = cluster(&b);
    let base = unique("many");
    let names: Vec<String> = (0..60).map(|i| format!("{base}.t{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    admin::create_topics(&c, &refs, 3).unwrap();
    let mut recs = Vec::new();
    for (i, t) in names.iter().enumerate() {
        for n in 0..12 {
            let id = format!("job-{i}-{n}");
            let mut r = match i % 3 {
                0 => dead_letter(t, "orders", &id),
                1 => rec(
                    t,
                    &id,
                    &format!(r#"{{"job_id":"{id}","status":"running"}}"#),
                    &[],
                ),
                _ => rec(
                    t,
                    &id,
                    &format!(r#"{{"job_id":"{id}","status":"succeeded"}}"#),
                    &[],
                ),
            };
            r.partition = Some(n % 3);
            recs.push(r);
        }
    }
    producer::produce_all(&c, &recs, Duration::from_secs(60)).unwrap();
    let sample_secs = 8.0;
    let started = std::time::Instant::now();
    let lines = topics_json(&b, &["--sample-secs", "8"]);
    let took = started.elapsed();
    for (i, t) in names.iter().enumerate() {
        let l = line_of(&lines, t);
        let role = ["dlq", "status", "completion"][i % 3];
        assert_eq!(l["role"], role, "{l}");
        assert_eq!(l["records"], 12, "{l}");
        if role == "dlq" {
            // Every record of every partition was read, not what came by a deadline.
            let evidence = l["evidence"].as_str().unwrap();
            assert!(evidence.contains("12 of 12 records"), "{l}");
        }
    }
    assert!(
        took.as_secs_f64() < sample_secs,
        "60 topics took {took:?}, the sample time is {sample_secs} s"
    );
}

/// `sample_all` gives each topic exactly once: one that cannot be read and an empty one at
/// once, before any read; one whose newest offset is a transaction's commit marker (a record
/// no reader is handed) as soon as it is read, long before the deadline; and when cancelled,
/// every topic at once with what it has.
#[test]
fn sample_all_gives_every_topic_once_and_ends_on_a_transactions_marker() {
    use kdeck::kafka::topics::{list, sample_all, TopicFacts};
    use std::sync::atomic::AtomicBool;
    let b = brokers();
    let c = cluster(&b);
    let base = unique("once");
    let (txn, plain, empty) = (
        format!("{base}.txn"),
        format!("{base}.plain"),
        format!("{base}.empty"),
    );
    admin::create_topics(&c, &[&txn, &plain, &empty], 2).unwrap();
    produce_in_a_transaction(&b, &txn, 5);
    let recs: Vec<_> = (0..6)
        .map(|i| rec(&plain, &format!("k{i}"), r#"{"status":"done"}"#, &[]))
        .collect();
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();
    let mut topics: Vec<TopicFacts> = list(&c, false)
        .unwrap()
        .into_iter()
        .filter(|t| t.name.starts_with(&base))
        .collect();
    assert_eq!(topics.len(), 3, "{topics:?}");
    // Five records and the commit marker after them.
    let held = |t: &TopicFacts| t.offsets.iter().map(|(_, _, e)| e).sum::<i64>();
    assert_eq!(held(topics.iter().find(|t| t.name == txn).unwrap()), 6);
    let mut broken = topics[0].clone();
    broken.name = format!("{base}.refused");
    broken.error = Some("not allowed to read this topic".into());
    topics.push(broken.clone());
    let mut given: Vec<(String, usize)> = Vec::new();
    let started = std::time::Instant::now();
    let never = AtomicBool::new(false);
    sample_all(&c, &topics, Duration::from_secs(20), &never, &mut |t, r| {
        given.push((t.to_string(), r.len()))
    });
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}: {given:?}");
    let mut first_two: Vec<&str> = given[..2].iter().map(|(t, _)| t.as_str()).collect();
    first_two.sort();
    assert_eq!(
        first_two,
        [empty.as_str(), broken.name.as_str()],
        "{given:?}"
    );
    let mut all = given.clone();
    all.sort();
    let mut want = vec![
        (broken.name.clone(), 0),
        (empty.clone(), 0),
        (plain.clone(), 6),
        (txn.clone(), 5),
    ];
    want.sort();
    assert_eq!(all, want);
    // Cancelled before anything is read: every topic still given once.
    let cancelled = AtomicBool::new(true);
    let mut names = Vec::new();
    sample_all(
        &c,
        &topics,
        Duration::from_secs(20),
        &cancelled,
        &mut |t, _| names.push(t.to_string()),
    );
    names.sort();
    let mut want: Vec<String> = topics.iter().map(|t| t.name.clone()).collect();
    want.sort();
    assert_eq!(names, want);
}

/// `n` records on partition 0 of `topic`, written and committed in one transaction.
fn produce_in_a_transaction(b: &str, topic: &str, n: usize) {
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    let p: BaseProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", b)
        .set("transactional.id", unique("kdeck-test-txn"))
        .create()
        .unwrap();
    let t = Duration::from_secs(30);
    p.init_transactions(t).unwrap();
    p.begin_transaction().unwrap();
    for i in 0..n {
        let v = format!(r#"{{"order_id":"o{i}","status":"in_progress"}}"#);
        p.send(BaseRecord::to(topic).partition(0).key("k").payload(&v))
            .map_err(|(e, _)| e)
            .unwrap();
    }
    p.commit_transaction(t).unwrap();
}
