//! Huge values against the real broker: a 50 MB topic of ~1 MB records read through the
//! dashboard's stream consumer into a `StreamPane` stays within the configured caps (values
//! cut at `ui.max_value_bytes`, the ring at its size), the process's memory grows by a bounded
//! amount, and the detail view of a cut record renders.

mod common;

use common::{brokers, cluster, unique};
use kdeck::domain::event::KafkaEvent;
use kdeck::domain::{OutRecord, Role};
use kdeck::kafka::{admin, consumer, producer};
use kdeck::support::config::{StartAt, Topics};
use kdeck::tui::modals::detail::DetailState;
use kdeck::tui::panes::stream::StreamPane;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::{Duration, Instant};

const RECORDS: usize = 50;
/// Under librdkafka's default message.max.bytes (1,000,000 including overhead) and the
/// broker's default (1 MiB).
const VALUE_BYTES: usize = 990_000;
/// The configured caps under test.
const VALUE_CAP: usize = 64 * 1024;
const RING: usize = 20;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// A JSON value of exactly VALUE_BYTES: a job status with a big payload field.
fn huge_value(i: usize) -> Vec<u8> {
    let head =
        format!(r#"{{"job_id":"huge-{i}","status":"completed","progress_percentage":100,"blob":""#);
    let tail = r#""}"#;
    let mut v = head.into_bytes();
    let fill = VALUE_BYTES - v.len() - tail.len();
    v.extend((0..fill).map(|k| b'a' + (k % 26) as u8));
    v.extend_from_slice(tail.as_bytes());
    assert_eq!(v.len(), VALUE_BYTES);
    v
}

fn produce(topic: &str) {
    let c = cluster(&brokers());
    admin::create_topics(&c, &[topic], 1).unwrap();
    // In slices, so the test's own copies of 50 MB never exist at once.
    for chunk in (0..RECORDS).collect::<Vec<_>>().chunks(10) {
        let recs: Vec<OutRecord> = chunk
            .iter()
            .map(|i| OutRecord {
                topic: topic.to_string(),
                partition: Some(0),
                key: Some(format!("huge-{i}").into_bytes()),
                value: Some(huge_value(*i)),
                headers: vec![],
                timestamp_ms: None,
            })
            .collect();
        producer::produce_all(&c, &recs, Duration::from_secs(60)).unwrap();
    }
}

fn render_detail(d: &DetailState) -> String {
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let theme = kdeck::tui::theme::Theme::load("default").unwrap();
    t.draw(|f| kdeck::tui::modals::detail::draw(f, f.area(), d, &theme))
        .unwrap();
    let b = t.backend().buffer().clone();
    (0..b.area.height)
        .map(|y| {
            (0..b.area.width)
                .map(|x| b[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_50mb_topic_of_1mb_records_stays_within_the_caps() {
    let topic = unique("kdeck-huge");
    produce(&topic);
    let before = rss_kib();

    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let spec = consumer::StreamSpec {
        cluster: cluster(&brokers()),
        group_id: "kdeck-test-huge".into(),
        topics: Topics {
            completion: vec![],
            status: vec![topic.clone()],
            dlq: vec![],
            ..Default::default()
        },
        start: StartAt::Beginning,
        value_cap: VALUE_CAP,
        jobs: None,
    };
    let handle = consumer::spawn(spec, tx);
    let mut pane = StreamPane::new(Role::Status, RING);
    let mut peak = before;
    let deadline = Instant::now() + Duration::from_secs(120);
    while pane.rate.total < RECORDS as u64 && Instant::now() < deadline {
        match rx.try_recv() {
            Ok(KafkaEvent::Records(Role::Status, batch)) => pane.push_batch(batch, 0),
            Ok(_) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
        peak = peak.max(rss_kib());
    }
    handle.stop();
    let after = rss_kib();
    assert_eq!(pane.rate.total, RECORDS as u64, "every record arrived");

    // The ring holds RING records, the newest, each cut at the cap.
    assert_eq!(pane.records.len(), RING);
    assert_eq!(pane.evicted, (RECORDS - RING) as u64);
    assert_eq!(
        pane.nth_newest(0).unwrap().key.as_deref(),
        Some(&b"huge-49"[..])
    );
    for r in &pane.records {
        assert_eq!(r.value.as_ref().unwrap().len(), VALUE_CAP);
        assert_eq!(r.value_size, VALUE_BYTES);
        assert!(r.truncated());
    }
    let held: usize = pane
        .records
        .iter()
        .map(|r| r.value.as_ref().unwrap().len())
        .sum();
    assert!(held <= RING * VALUE_CAP);

    // Memory: the ring's values (1.3 MB) plus librdkafka's local queue (16 MiB at most,
    // `queued.max.messages.kbytes`) and a fetch in flight; nowhere near the 50 MB read.
    let grew = peak.saturating_sub(before);
    eprintln!(
        "huge: VmRSS before {before} KiB, peak {peak} KiB (+{grew} KiB), after stop {after} KiB"
    );
    assert!(grew < 24 * 1024, "RSS grew by {grew} KiB reading 50 MB");

    // The detail view of a cut record renders, says it is cut, and quickly.
    let r = pane.nth_newest(0).unwrap();
    let started = Instant::now();
    let mut d = DetailState::from_record(r);
    d.fit_to((120, 40));
    let screen = render_detail(&d);
    let took = started.elapsed();
    assert!(screen.contains("990000 B"), "{screen}");
    assert!(screen.contains("showing the first 65536 B"), "{screen}");
    assert!(screen.contains("huge-49"), "{screen}");
    assert!(took < Duration::from_secs(1), "detail took {took:?}");
    eprintln!("huge: detail view of a cut 990000 B record in {took:?}");
}
