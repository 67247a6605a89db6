//! `kdeck job` against a real Apache Kafka broker: a job spread over five topics (a request
//! topic, two status topics, a completion topic and a DLQ) is printed whole and in time order,
//! as text and as JSON; a job that ends in the DLQ says so; an unknown id exits 1.

mod common;

use common::{brokers, cluster, unique};
use kdeck::domain::OutRecord;
use kdeck::kafka::{admin, producer};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

struct Topics {
    request: String,
    status_a: String,
    status_b: String,
    done: String,
    dlq: String,
}

impl Topics {
    fn new() -> Topics {
        Topics {
            request: unique("kdeck-job-req"),
            status_a: unique("kdeck-job-st-a"),
            status_b: unique("kdeck-job-st-b"),
            done: unique("kdeck-job-done"),
            dlq: unique("kdeck-job-dlq"),
        }
    }

    fn config(&self, dir: &Path) -> std::path::PathBuf {
        let p = dir.join("kdeck.toml");
        let text = format!(
            "[profiles.t.topics]\nrequest = [\"{}\"]\nstatus = [\"{}\", \"{}\"]\n\
             completion = [\"{}\"]\ndlq = [\"{}\"]\n",
            self.request, self.status_a, self.status_b, self.done, self.dlq
        );
        std::fs::write(&p, text).unwrap();
        p
    }
}

fn rec(topic: &str, key: &str, value: Value, at_ms: i64, headers: &[(&str, &str)]) -> OutRecord {
    OutRecord {
        topic: topic.to_string(),
        partition: None,
        key: Some(key.as_bytes().to_vec()),
        value: Some(value.to_string().into_bytes()),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect(),
        timestamp_ms: Some(at_ms),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn kdeck(b: &str, config: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kdeck"));
    c.arg("-b").arg(b).arg("--config").arg(config).args(args);
    // The services' topic variables would replace the configured lists.
    for var in [
        "KDECK_PROFILE",
        "KAFKA_TOPIC",
        "KAFKA_TOPIC_PREFIX",
        "TASK_STATUS_TOPIC",
        "WEB_CRAWL_REQUEST_TOPIC",
        "KAFKA_CONSUMER_DLQ_TOPIC",
        "KAFKA_PRODUCER_DLQ_TOPIC",
    ] {
        c.env_remove(var);
    }
    c.stdin(Stdio::null()).output().unwrap()
}

/// The FRANC portal's shapes: a device-connection request, three status updates over two status
/// topics, a completion; produced out of time order, with noise around them.
fn portal_job(t: &Topics, chg: &str, t0: i64) -> Vec<OutRecord> {
    let req_id = format!("device_conn_{chg}");
    let status = |n: i64, pct: i64, topic: &str| {
        rec(
            topic,
            chg,
            json!({"event_type": "task_status_update", "change_number": chg,
                   "request_id": format!("status_update_{chg}_{n}"),
                   "original_request_id": req_id, "status": "in_progress",
                   "progress_percentage": pct, "status_message": format!("step {n}")}),
            t0 + n * 1000,
            &[],
        )
    };
    vec![
        rec(
            &t.done,
            chg,
            json!({"event_type": "task_completion", "change_number": chg,
                   "request_id": format!("completion_{chg}"), "original_request_id": req_id,
                   "completion_status": "completed", "completion_message": "connected"}),
            t0 + 4000,
            &[],
        ),
        status(2, 65, &t.status_b),
        rec(
            &t.request,
            chg,
            json!({"event_type": "device_connection", "change_number": chg,
                   "request_id": req_id, "device_name": "NYC-Core-SW01", "location": "NYC"}),
            t0,
            &[],
        ),
        status(1, 20, &t.status_a),
        status(3, 90, &t.status_a),
    ]
}

fn produce(b: &str, recs: &[OutRecord]) {
    producer::produce_all(&cluster(b), recs, Duration::from_secs(30)).unwrap();
}

fn setup() -> (String, Topics, tempfile::TempDir, std::path::PathBuf, i64) {
    let b = brokers();
    let t = Topics::new();
    let names = [&t.request, &t.status_a, &t.status_b, &t.done, &t.dlq];
    let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    admin::create_topics(&cluster(&b), &names, 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = t.config(dir.path());
    (b, t, dir, config, now_ms() - 60_000)
}

#[test]
fn a_job_over_five_topics_is_printed_whole_and_in_time_order() {
    let (b, t, _dir, config, t0) = setup();
    // Older than --since: on partition 0 before everything else, so the time index skips it.
    let mut old = rec(
        &t.request,
        "CHG-OLD",
        json!({"change_number": "CHG-7", "request_id": "device_conn_CHG-7"}),
        t0 - 2 * 3_600_000,
        &[],
    );
    old.partition = Some(0);
    produce(&b, &[old]);
    let mut recs = portal_job(&t, "CHG-7", t0);
    recs.extend(portal_job(&t, "CHG-8", t0 + 100));
    // Names the job, but in no identity field.
    recs.push(rec(
        &t.status_a,
        "x",
        json!({"note": "device_conn_CHG-7", "status": "in_progress"}),
        t0 + 1500,
        &[],
    ));
    produce(&b, &recs);

    let out = kdeck(&b, &config, &["job", "device_conn_CHG-7"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "header, 5 records, outcome:\n{text}");
    let want = [
        ("+0.000s", t.request.as_str(), "request", ""),
        ("+1.000s", t.status_a.as_str(), "status", "20%"),
        ("+2.000s", t.status_b.as_str(), "status", "65%"),
        ("+3.000s", t.status_a.as_str(), "status", "90%"),
        ("+4.000s", t.done.as_str(), "completion", ""),
    ];
    for (line, (delta, topic, kind, pct)) in lines[1..6].iter().zip(want) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[0], delta, "{line}");
        assert_eq!(words[2], kind, "{line}");
        assert!(words[3].starts_with(&format!("{topic}/")), "{line}");
        assert!(pct.is_empty() || words[4] == pct, "{line}");
    }
    assert!(lines[5].contains("completed") && lines[5].contains("connected"));
    assert_eq!(lines[6], "outcome: completed · end-to-end 4.000s");

    // By its change number: the same five records (the other job and the noise stay out).
    let by_chg = kdeck(&b, &config, &["job", "CHG-7", "--output", "json"]);
    assert!(by_chg.status.success());
    let objs: Vec<Value> = String::from_utf8_lossy(&by_chg.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 6, "{objs:?}");
    let mut sent: Vec<&OutRecord> = recs.iter().take(5).collect();
    sent.sort_by_key(|r| r.timestamp_ms);
    for (o, r) in objs.iter().zip(&sent) {
        assert_eq!(o["topic"], r.topic.as_str());
        assert_eq!(o["timestamp"], r.timestamp_ms.unwrap());
        assert_eq!(o["key"], "CHG-7");
        assert!(o["partition"].is_i64() && o["offset"].is_i64());
        let value: Value = serde_json::from_slice(r.value.as_ref().unwrap()).unwrap();
        assert_eq!(o["value"], value, "the value as it was written");
        assert_eq!(o["delta_ms"], r.timestamp_ms.unwrap() - t0);
    }
    assert_eq!(objs[2]["progress"], 65.0);
    let summary = &objs[5];
    assert_eq!(summary["kind"], "summary");
    assert_eq!(summary["outcome"], "completed");
    assert_eq!(summary["latency_ms"], 4000);
    assert_eq!(summary["records"], 5);
}

#[test]
fn a_job_that_ends_in_the_dlq_says_so_and_an_unknown_id_exits_1() {
    let (b, t, _dir, config, t0) = setup();
    // The task manager's envelope on the request and statuses; the Go package's correlation
    // header on the dead letter.
    let task = unique("task");
    let trace = format!("tr-{task}");
    let env = |status: &str| {
        json!({"headers": {"taskId": task, "traceId": trace},
               "message": {"taskId": task, "status": status}})
    };
    let recs = vec![
        rec(
            &t.request,
            "r",
            json!({"headers": {"requestId": task, "traceId": trace},
                   "message": {"userQuery": "find"}}),
            t0,
            &[],
        ),
        rec(&t.status_a, "s", env("new"), t0 + 500, &[]),
        rec(&t.status_b, "s", env("in_progress"), t0 + 900, &[]),
        rec(&t.status_a, "s", env("retrying"), t0 + 1200, &[]),
        // Names the job by its trace id only: found with --related.
        rec(
            &t.status_b,
            "s",
            json!({"status": "in_progress", "step": "fetch"}),
            t0 + 1500,
            &[("traceId", &trace)],
        ),
        rec(
            &t.dlq,
            "d",
            json!({"action": "crawl"}),
            t0 + 2500,
            &[("correlation-id", &task), ("dlq-error", "timeout")],
        ),
    ];
    produce(&b, &recs);
    let out = kdeck(&b, &config, &["job", &task]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "{text}");
    assert!(lines[5].contains(&format!("{}/", t.dlq)) && lines[5].contains(" dlq "));
    assert_eq!(lines[6], "outcome: dead-lettered (DLQ) · end-to-end 2.500s");

    let related = kdeck(&b, &config, &["job", &task, "--related"]);
    let text = String::from_utf8_lossy(&related.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        9,
        "header, related ids, 6 records, outcome:\n{text}"
    );
    assert!(
        lines[1].starts_with("related ids:") && lines[1].contains(&trace),
        "{text}"
    );
    assert!(
        lines[6].starts_with("+1.500s") && lines[6].contains("step=fetch"),
        "{text}"
    );

    let none = kdeck(&b, &config, &["job", "no-such-job-anywhere"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(none.stdout.is_empty());
    let err = String::from_utf8_lossy(&none.stderr);
    assert!(
        err.contains("no record carries \"no-such-job-anywhere\""),
        "{err}"
    );
}

/// Reads `ranges` and feeds every record to the tracker, as the dashboard will.
fn feed(
    cfg: &kdeck::support::config::Config,
    tracker: &mut kdeck::engine::job::stuck::StuckTracker,
    ranges: &[(String, kdeck::domain::replay::PartitionRange)],
) -> usize {
    let kinds: std::collections::HashMap<_, _> = cfg.topics.lifecycle().into_iter().collect();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let mut n = 0;
    kdeck::kafka::replay::read_ranges(&cfg.cluster, ranges, &cancel, &mut |r| {
        let source = kinds[&r.topic];
        let rec = kdeck::codec::decode::to_record(
            kdeck::codec::decode::Incoming {
                topic: &r.topic,
                partition: r.partition,
                offset: r.offset,
                timestamp_ms: r.timestamp_ms,
                key: r.key.as_deref(),
                value: r.value.as_deref(),
                headers: r.headers,
            },
            1 << 20,
            source == kdeck::engine::job::stuck::Source::Dlq,
        );
        tracker.observe_record(&cfg.jobs.identity, &rec, source, 0);
        n += 1;
        true
    })
    .unwrap();
    n
}

#[test]
fn a_job_without_completion_is_stuck_until_its_completion_arrives() {
    use kdeck::engine::job::stuck::StuckTracker;
    let (b, t, _dir, config, t0) = setup();
    let o = kdeck::support::config::Overrides {
        config_path: Some(config),
        brokers: Some(b.clone()),
        ..Default::default()
    };
    let cfg = kdeck::support::config::load::load_with(&o, &|_| None, None).unwrap();
    // The scheduler's request, the task manager's status envelope, the export completion.
    let request = |job: &str| {
        json!({"requestId": format!("r-{job}"), "appName": "sms",
               "idempotencyKey": format!("sms-{job}"), "jobData": {"job_id": job}})
    };
    let status = |job: &str| json!({"headers": {"taskId": job}, "message": {"taskId": job, "status": "in_progress"}});
    let done = |job: &str| json!({"export_id": format!("export-{job}"), "job_id": job, "status": "complete"});
    let (s, d) = (unique("S"), unique("D"));
    produce(
        &b,
        &[
            rec(&t.request, "k", request(&s), t0, &[]),
            rec(&t.status_a, "k", status(&s), t0 + 1000, &[]),
            rec(&t.request, "k", request(&d), t0, &[]),
            rec(&t.status_b, "k", status(&d), t0 + 1000, &[]),
            rec(&t.done, "k", done(&d), t0 + 2000, &[]),
        ],
    );
    let names: Vec<String> = cfg.topics.lifecycle().into_iter().map(|(t, _)| t).collect();
    let (first, _) = kdeck::kafka::window::ranges_since(&cfg.cluster, &names, t0 - 1000).unwrap();
    let mut tracker = StuckTracker::new(cfg.jobs.stuck_after_ms, cfg.jobs.max_open);
    assert_eq!(feed(&cfg, &mut tracker, &first), 5);
    let after = t0 + 1000 + cfg.jobs.stuck_after_ms;
    assert!(tracker.stuck(after - 1).is_empty(), "not yet");
    let stuck = tracker.stuck(after);
    assert_eq!(stuck.len(), 1, "{stuck:?}");
    assert_eq!(stuck[0].id, s);
    assert_eq!(stuck[0].last_status, "in_progress");
    assert_eq!(stuck[0].opened_ms, t0);

    produce(&b, &[rec(&t.done, "k", done(&s), t0 + 3000, &[])]);
    let (now, _) = kdeck::kafka::window::ranges_since(&cfg.cluster, &names, t0 - 1000).unwrap();
    // Only what arrived since the first read.
    let new: Vec<_> = now
        .into_iter()
        .map(|(topic, mut r)| {
            if let Some((_, f)) = first
                .iter()
                .find(|(ft, f)| *ft == topic && f.partition == r.partition)
            {
                r.from = f.to;
            }
            (topic, r)
        })
        .collect();
    assert_eq!(feed(&cfg, &mut tracker, &new), 1);
    assert!(tracker.stuck(after + 60_000).is_empty());
    assert_eq!(tracker.open_count(), 0);
}
