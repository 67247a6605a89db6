//! Replayed keyed records land on the partition their producer chose: the key hash is inferred
//! from the DLQ records' keys and origin partitions (murmur2, FNV-1a, CRC32), against a real
//! broker; kcat reads back where they landed.

mod common;

use common::{brokers, cluster, unique};
use kdeck::domain::OutRecord;
use kdeck::kafka::{admin, producer};
use std::collections::BTreeMap;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

// Independent implementations, written from the clients' sources in their own style.

/// Java's `Utils.murmur2`, in Java's signed arithmetic; `toPositive(h) % n`.
fn java_murmur2_partition(data: &[u8], n: i32) -> i32 {
    let m: i32 = 0x5bd1e995;
    let len = data.len() as i32;
    let mut h: i32 = (0x9747b28cu32 as i32) ^ len;
    let len4 = len / 4;
    for i in 0..len4 as usize {
        let i4 = i * 4;
        let mut k: i32 = (data[i4] as i32 & 0xff)
            .wrapping_add((data[i4 + 1] as i32 & 0xff) << 8)
            .wrapping_add((data[i4 + 2] as i32 & 0xff) << 16)
            .wrapping_add((data[i4 + 3] as i32 & 0xff) << 24);
        k = k.wrapping_mul(m);
        k ^= ((k as u32) >> 24) as i32;
        k = k.wrapping_mul(m);
        h = h.wrapping_mul(m);
        h ^= k;
    }
    let tail = (len & !3) as usize;
    let rem = len % 4;
    if rem == 3 {
        h ^= (data[tail + 2] as i32 & 0xff) << 16;
    }
    if rem >= 2 {
        h ^= (data[tail + 1] as i32 & 0xff) << 8;
    }
    if rem >= 1 {
        h ^= data[tail] as i32 & 0xff;
        h = h.wrapping_mul(m);
    }
    h ^= ((h as u32) >> 13) as i32;
    h = h.wrapping_mul(m);
    h ^= ((h as u32) >> 15) as i32;
    (h & 0x7fffffff) % n
}

/// sarama's hashPartitioner / kafka-go's Hash: `int32(fnv32a(key)) % n`, negated if negative.
fn go_fnv1a_partition(data: &[u8], n: i32) -> i32 {
    let mut h: u32 = 2166136261;
    for b in data {
        h ^= *b as u32;
        h = h.wrapping_mul(16777619);
    }
    let mut p = (h as i32) % n;
    if p < 0 {
        p = -p;
    }
    p
}

/// librdkafka's `consistent`: table-driven CRC-32 (IEEE) of the key, unsigned, % n.
fn rdkafka_crc32_partition(data: &[u8], n: i32) -> i32 {
    let table: Vec<u32> = (0..256u32)
        .map(|i| {
            (0..8).fold(i, |c, _| {
                if c & 1 != 0 {
                    0xedb88320 ^ (c >> 1)
                } else {
                    c >> 1
                }
            })
        })
        .collect();
    let crc = data.iter().fold(0xffffffffu32, |c, b| {
        table[((c ^ *b as u32) & 0xff) as usize] ^ (c >> 8)
    }) ^ 0xffffffff;
    (crc % n as u32) as i32
}

const PARTITIONS: i32 = 6;

fn hdr(k: &str, v: &[u8]) -> (String, Vec<u8>) {
    (k.to_string(), v.to_vec())
}

fn kdeck(brokers: &str, data: &std::path::Path, args: &[&str]) -> Output {
    let config = data.join("empty.toml");
    std::fs::write(&config, "").unwrap();
    Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .arg("-b")
        .arg(brokers)
        .arg("--config")
        .arg(&config)
        .args(args)
        .env("KDECK_DATA_DIR", data.join("data"))
        .env_remove("KDECK_PROFILE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// key -> partition of every record on `topic`, as kcat reads them.
fn kcat_partitions(brokers: &str, topic: &str) -> BTreeMap<String, i32> {
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
        .args(["-f", "%p %k\n"])
        .output()
        .expect("kcat is installed (scripts/deps.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(p, k)| (k.to_string(), p.parse().unwrap()))
        .collect()
}

/// Dead-letters 8 keyed records whose origin partitions `place` chose, replays them, and checks
/// each lands on its origin partition; returns the dry run's text.
fn replays_onto_origin_partitions(name: &str, place: fn(&[u8], i32) -> i32, label: &str) {
    let b = brokers();
    let c = cluster(&b);
    let dlq = unique(&format!("kdeck-rpp-{name}-dlq"));
    let origin = unique(&format!("kdeck-rpp-{name}-origin"));
    admin::create_topics(&c, &[&dlq], 1).unwrap();
    admin::create_topics(&c, &[&origin], PARTITIONS).unwrap();
    let mut want = BTreeMap::new();
    let recs: Vec<OutRecord> = (0..8)
        .map(|i| {
            let key = format!("job-{name}-{i}");
            let p = place(key.as_bytes(), PARTITIONS);
            want.insert(key.clone(), p);
            OutRecord {
                topic: dlq.clone(),
                partition: Some(0),
                key: Some(key.into_bytes()),
                value: Some(format!("{{\"n\":{i}}}").into_bytes()),
                headers: vec![
                    hdr("dlq-original-topic", origin.as_bytes()),
                    hdr("dlq-original-partition", p.to_string().as_bytes()),
                    hdr("dlq-original-offset", (100 + i).to_string().as_bytes()),
                    hdr("dlq-error", b"timeout"),
                    hdr("retry-count", b"3"),
                ],
                timestamp_ms: None,
            }
        })
        .collect();
    // The keys must not all fall on one partition, or any hash would do.
    let distinct: std::collections::BTreeSet<_> = want.values().collect();
    assert!(distinct.len() >= 3, "{name}: {want:?}");
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let dry = kdeck(
        &b,
        dir.path(),
        &["replay", "--dlq", &dlq, "--all", "--dry-run"],
    );
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let line = format!("{label}: 8 of 8 records' keys map to their origin partitions");
    assert!(text.contains(&line), "{name}: dry run:\n{text}");

    let out = kdeck(&b, dir.path(), &["replay", "--dlq", &dlq, "--all", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = kcat_partitions(&b, &origin);
    assert_eq!(
        got, want,
        "{name}: each replayed record on its origin partition"
    );
}

#[test]
fn murmur2_keyed_records_replay_onto_their_origin_partitions() {
    replays_onto_origin_partitions("murmur2", java_murmur2_partition, "murmur2 (Java client)");
}

#[test]
fn fnv1a_keyed_records_replay_onto_their_origin_partitions() {
    replays_onto_origin_partitions("fnv1a", go_fnv1a_partition, "FNV-1a (kafka-go, sarama)");
}

#[test]
fn crc32_keyed_records_replay_onto_their_origin_partitions() {
    replays_onto_origin_partitions(
        "crc32",
        rdkafka_crc32_partition,
        "CRC32 (librdkafka consistent)",
    );
}

/// The profile's per-DLQ setting wins over what the records suggest.
#[test]
fn a_configured_partitioner_overrides_the_inference() {
    let b = brokers();
    let c = cluster(&b);
    let dlq = unique("kdeck-rpp-set-dlq");
    let origin = unique("kdeck-rpp-set-origin");
    admin::create_topics(&c, &[&dlq], 1).unwrap();
    admin::create_topics(&c, &[&origin], PARTITIONS).unwrap();
    let recs: Vec<OutRecord> = (0..4)
        .map(|i| {
            let key = format!("job-set-{i}");
            let p = go_fnv1a_partition(key.as_bytes(), PARTITIONS);
            OutRecord {
                topic: dlq.clone(),
                partition: Some(0),
                key: Some(key.into_bytes()),
                value: Some(b"{}".to_vec()),
                headers: vec![
                    hdr("dlq-original-topic", origin.as_bytes()),
                    hdr("dlq-original-partition", p.to_string().as_bytes()),
                    hdr("dlq-original-offset", i.to_string().as_bytes()),
                ],
                timestamp_ms: None,
            }
        })
        .collect();
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("set.toml");
    std::fs::write(
        &config,
        format!(
            "default_profile = \"t\"\n[profiles.t]\nbrokers = \"{b}\"\n[profiles.t.replay.partitioners]\n\"{dlq}\" = \"crc32\"\n"
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .arg("--config")
        .arg(&config)
        .args(["replay", "--dlq", &dlq, "--all", "--dry-run"])
        .env("KDECK_DATA_DIR", dir.path().join("data"))
        .env_remove("KDECK_PROFILE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("CRC32 (librdkafka consistent): set for this DLQ in replay.partitioners"),
        "{text}"
    );
}
