//! `kdeck topics` on a real broker, with topics named unlike kdeck's defaults: each one is
//! recognised from what its records carry (Spring's and Kafka Connect's dead-letter headers,
//! status words, completions), a plain log topic as none of them, with the evidence in words.

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
        line.contains("2 partition(s) × 1 · 6 record(s)  dlq (high)"),
        "{line}"
    );
}
