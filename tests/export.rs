//! Real broker: an export of the records the dashboard holds is byte for byte what
//! `kdeck tail` writes for the same records (binary key, binary header, binary value,
//! tombstone, pretty-printed JSON).

mod common;

use kdeck::codec::decode::{to_record, Incoming};
use kdeck::domain::{Header, OutRecord};
use std::process::Command;
use std::time::Duration;

fn records(topic: &str) -> Vec<OutRecord> {
    let r = |key: Option<&[u8]>, value: Option<&[u8]>, headers: Vec<(&str, &[u8])>| OutRecord {
        topic: topic.to_string(),
        partition: Some(0),
        key: key.map(<[u8]>::to_vec),
        value: value.map(<[u8]>::to_vec),
        headers: headers
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect(),
        timestamp_ms: None,
    };
    vec![
        r(
            Some(&[0x00, 0xff, 0x80]),
            Some(br#"{"export_id":"export-1","status":"failed"}"#),
            vec![("org_id", b"org-customer-001")],
        ),
        r(
            Some(b"job-2"),
            Some(b"plain text, not JSON"),
            vec![("sig", &[0xde, 0xad, 0xbe, 0xef]), ("empty", b"")],
        ),
        r(Some(b"bin"), Some(&[0xc3, 0x28, 0x00, 0xff]), vec![]),
        r(Some(b"gone"), None, vec![]),
        r(None, Some(b"{\n  \"pretty\": [1,\n 2]\n}\n"), vec![]),
    ]
}

#[test]
fn an_export_is_byte_for_byte_what_tail_writes() {
    let b = common::brokers();
    let c = common::cluster(&b);
    let topic = common::unique("kdeck-export");
    kdeck::kafka::admin::create_topics(&c, &[&topic], 1).unwrap();
    let out = records(&topic);
    kdeck::kafka::producer::produce_all(&c, &out, Duration::from_secs(30)).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let tail = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .arg("--config")
        .arg(&cfg)
        .args(["tail", "-b", &b, "-t", &topic, "--from", "beginning", "-e"])
        .output()
        .unwrap();
    assert!(
        tail.status.success(),
        "{}",
        String::from_utf8_lossy(&tail.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(tail.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), out.len());

    // The records as the dashboard keeps them (decoded, value capped), with the broker's
    // offsets and timestamps.
    let held: Vec<_> = out
        .iter()
        .zip(&lines)
        .map(|(o, l)| {
            to_record(
                Incoming {
                    topic: &topic,
                    partition: 0,
                    offset: l["offset"].as_i64().unwrap(),
                    timestamp_ms: l["timestamp"].as_i64(),
                    key: o.key.as_deref(),
                    value: o.value.as_deref(),
                    headers: o
                        .headers
                        .iter()
                        .map(|(k, v)| Header {
                            key: k.clone(),
                            value: Some(v.clone()),
                        })
                        .collect(),
                },
                1 << 20,
                false,
            )
        })
        .collect();
    let path = dir.path().join("exports/pane.jsonl");
    let s = kdeck::engine::export::write_jsonl(&path, &held).unwrap();
    assert_eq!(s.written, 5);
    let written = std::fs::read(&path).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&written),
        String::from_utf8_lossy(&tail.stdout)
    );
    assert_eq!(written, tail.stdout);
    // The binary key and the tombstone took tail's encodings.
    assert_eq!(lines[0]["key_encoding"], "base64");
    assert_eq!(lines[3]["value_encoding"], "null");
}
