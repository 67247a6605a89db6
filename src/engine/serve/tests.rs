use super::*;
use crate::codec::decode::{to_record, Incoming};
use crate::domain::lag::GroupSnapshot;
use crate::domain::Header;
use crate::engine::lag::LagTracker;

fn tp(t: &str, p: i32) -> Tp {
    (t.to_string(), p)
}

/// Group `billing` committed 10 and 5 on orders' two partitions, both ending at 20; one
/// member owns partition 0.
fn export() -> LagExport {
    let snap = LagSnapshot {
        at_ms: 1_000_000,
        groups: vec![GroupSnapshot {
            group: "billing".into(),
            state: Some("Stable".into()),
            members: Some(1),
            committed: [(tp("orders", 0), 10), (tp("orders", 1), 5)].into(),
            owners: [(tp("orders", 0), "client-a".to_string())].into(),
            member_of: [(
                tp("orders", 0),
                ("m-1".to_string(), "/10.0.0.7".to_string()),
            )]
            .into(),
            ..Default::default()
        }],
        ends: [(tp("orders", 0), 20), (tp("orders", 1), 20)].into(),
        took_ms: 250,
        ..Default::default()
    };
    let mut tr = LagTracker::new(5, 0, 1000);
    tr.ingest(snap.clone());
    let mut e = LagExport::new(&snap, tr.views(), true);
    e.earliest = [(tp("orders", 0), 2), (tp("orders", 1), 0)].into();
    e
}

fn line<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start:?} in:\n{text}"))
}

#[test]
fn lag_series_carry_kafka_lag_exporter_names_labels_and_exact_values() {
    let t = render("prod", &export(), &Pipeline::default(), false);
    assert_eq!(
        line(&t, "kafka_consumergroup_group_lag{cluster_name=\"prod\",group=\"billing\",topic=\"orders\",partition=\"0\""),
        "kafka_consumergroup_group_lag{cluster_name=\"prod\",group=\"billing\",topic=\"orders\",partition=\"0\",member_host=\"/10.0.0.7\",consumer_id=\"m-1\",client_id=\"client-a\"} 10"
    );
    assert!(line(&t, "kafka_consumergroup_group_offset{cluster_name=\"prod\",group=\"billing\",topic=\"orders\",partition=\"1\"").ends_with(" 5"));
    assert!(line(&t, "kafka_consumergroup_group_sum_lag{").ends_with(" 25"));
    assert!(line(&t, "kafka_consumergroup_group_max_lag{").ends_with(" 15"));
    assert!(line(&t, "kafka_consumergroup_group_topic_sum_lag{cluster_name=\"prod\",group=\"billing\",topic=\"orders\"}").ends_with(" 25"));
    assert!(line(
        &t,
        "kafka_partition_earliest_offset{cluster_name=\"prod\",topic=\"orders\",partition=\"0\"}"
    )
    .ends_with(" 2"));
    assert!(line(
        &t,
        "kafka_partition_latest_offset{cluster_name=\"prod\",topic=\"orders\",partition=\"1\"}"
    )
    .ends_with(" 20"));
    // One status series per status, exactly one of them 1.
    let statuses: Vec<&str> = t
        .lines()
        .filter(|l| l.starts_with("kdeck_consumergroup_status{"))
        .collect();
    assert_eq!(statuses.len(), 6);
    assert_eq!(statuses.iter().filter(|l| l.ends_with(" 1")).count(), 1);
    assert!(line(&t, "kdeck_refresh_duration_seconds{").ends_with(" 0.25"));
    assert!(!t.contains("NaN") && !t.contains("inf"), "{t}");
    // Every family has its HELP and TYPE before its samples.
    for l in t.lines().filter(|l| !l.starts_with('#')) {
        let name = l.split(['{', ' ']).next().unwrap();
        let base = name
            .trim_end_matches("_bucket")
            .trim_end_matches("_sum")
            .trim_end_matches("_count");
        assert!(
            t.contains(&format!("# TYPE {name} ")) || t.contains(&format!("# TYPE {base} ")),
            "{name}"
        );
    }
}

fn dead_letter(reason: &str) -> Record {
    let headers = vec![Header {
        key: "dlq-error".into(),
        value: Some(reason.as_bytes().to_vec()),
    }];
    to_record(
        Incoming {
            topic: "jobs.dlq",
            partition: 0,
            offset: 0,
            timestamp_ms: Some(1),
            key: None,
            value: Some(b"{}"),
            headers,
        },
        1 << 20,
        true,
    )
}

#[test]
fn dlq_reasons_are_masked_and_bounded_and_counters_only_grow() {
    let mut p = Pipeline::default();
    p.ingest(
        Role::Dlq,
        &[
            dead_letter("timeout after 3012ms"),
            dead_letter("timeout after 5000ms"),
        ],
    );
    let t = render("c", &LagExport::default(), &p, false);
    assert!(line(&t, "kdeck_dlq_records_total{cluster_name=\"c\",topic=\"jobs.dlq\",reason=\"timeout after #ms\"}").ends_with(" 2"));
    let many: Vec<Record> = (0..30)
        .map(|i| dead_letter(&format!("reason {}", "x".repeat(i + 1))))
        .collect();
    p.ingest(Role::Dlq, &many);
    let t = render("c", &LagExport::default(), &p, false);
    let series = t
        .lines()
        .filter(|l| l.starts_with("kdeck_dlq_records_total{"))
        .count();
    assert_eq!(series, MAX_REASONS + 1, "{t}");
    assert!(line(
        &t,
        "kdeck_dlq_records_total{cluster_name=\"c\",topic=\"jobs.dlq\",reason=\"other\"}"
    )
    .ends_with(" 11"));
    // A reason that already has its series keeps counting there.
    p.ingest(Role::Dlq, &[dead_letter("reason x")]);
    let t = render("c", &LagExport::default(), &p, false);
    assert!(line(
        &t,
        "kdeck_dlq_records_total{cluster_name=\"c\",topic=\"jobs.dlq\",reason=\"reason x\"}"
    )
    .ends_with(" 2"));
    assert!(line(
        &t,
        "kdeck_topic_records_total{cluster_name=\"c\",topic=\"jobs.dlq\",role=\"dlq\"}"
    )
    .ends_with(" 33"));
}

#[test]
fn latency_fills_cumulative_buckets_and_open_metrics_ends_with_eof() {
    let mut p = Pipeline::default();
    for s in [0.05, 3.0, 7200.0] {
        p.latency(s);
    }
    let t = render("c", &LagExport::default(), &p, true);
    assert!(line(
        &t,
        "kdeck_end_to_end_latency_seconds_bucket{cluster_name=\"c\",le=\"0.1\"}"
    )
    .ends_with(" 1"));
    assert!(line(
        &t,
        "kdeck_end_to_end_latency_seconds_bucket{cluster_name=\"c\",le=\"5\"}"
    )
    .ends_with(" 2"));
    assert!(line(
        &t,
        "kdeck_end_to_end_latency_seconds_bucket{cluster_name=\"c\",le=\"+Inf\"}"
    )
    .ends_with(" 3"));
    assert!(line(&t, "kdeck_end_to_end_latency_seconds_count{").ends_with(" 3"));
    assert!(t.contains("# TYPE kdeck_topic_records counter\n"));
    assert!(t.ends_with("# EOF\n"));
}
