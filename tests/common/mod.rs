//! Shared by the tests that need the real broker the test command starts.
#![allow(dead_code)]

pub mod fixtures;
pub mod registry;
pub mod screen;
pub mod tmux;

use kdeck::support::config::Cluster;
use std::collections::BTreeMap;

/// The real broker's address: `KDECK_TEST_BROKERS`, else the file `scripts/kafka.sh start`
/// writes. Without one the test fails with a pointer to the test command: a test that did not
/// run must never be counted as passed.
pub fn brokers() -> String {
    if let Ok(b) = std::env::var("KDECK_TEST_BROKERS") {
        if !b.trim().is_empty() {
            return b.trim().to_string();
        }
    }
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/target/kafka/broker.env");
    if let Ok(text) = std::fs::read_to_string(file) {
        if let Some(b) = text
            .lines()
            .find_map(|l| l.strip_prefix("KDECK_TEST_BROKERS="))
            .map(str::trim)
            .filter(|b| !b.is_empty())
        {
            return b.to_string();
        }
    }
    panic!(
        "this test needs the real Kafka broker and none is configured: run scripts/test.sh \
         (it starts one), or start one with scripts/kafka.sh start (it writes {file}), or set \
         KDECK_TEST_BROKERS=host:port"
    );
}

pub fn cluster(brokers: &str) -> Cluster {
    Cluster {
        brokers: brokers.to_string(),
        client_id: "kdeck-test".into(),
        properties: BTreeMap::new(),
    }
}

/// A topic name no other test run uses.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// A record to produce: key, value and headers as text.
pub fn out_record(
    topic: &str,
    key: &str,
    value: &str,
    headers: &[(&str, &str)],
) -> kdeck::domain::OutRecord {
    kdeck::domain::OutRecord {
        topic: topic.into(),
        key: Some(key.as_bytes().to_vec()),
        value: Some(value.as_bytes().to_vec()),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect(),
        ..Default::default()
    }
}
