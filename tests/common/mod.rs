//! Shared by the tests that need the real broker the test command starts.
#![allow(dead_code)]

use kdeck::config::Cluster;
use std::collections::BTreeMap;

/// The real broker's address: `KDECK_TEST_BROKERS`, else the file `scripts/kafka.sh start`
/// writes. Under CI a missing broker fails the test; elsewhere the test says why and skips.
pub fn brokers() -> Option<String> {
    if let Ok(b) = std::env::var("KDECK_TEST_BROKERS") {
        if !b.is_empty() {
            return Some(b);
        }
    }
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/target/kafka/broker.env");
    if let Ok(text) = std::fs::read_to_string(file) {
        if let Some(b) = text
            .lines()
            .find_map(|l| l.strip_prefix("KDECK_TEST_BROKERS="))
        {
            return Some(b.trim().to_string());
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but no real broker: KDECK_TEST_BROKERS is unset (run scripts/test.sh)");
    }
    eprintln!("SKIPPED: no real broker (run scripts/test.sh, or scripts/kafka.sh start)");
    None
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
