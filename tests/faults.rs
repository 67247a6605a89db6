//! Faults on a real broker of the test's own (scripts/kafka.sh in a run directory of its own):
//! the broker is killed with SIGKILL and restarted on the same port and data while kdeck runs.

mod own_broker;

use kdeck::config::Cluster;
use kdeck::domain::OutRecord;
use kdeck::kafka::admin;
use kdeck::kafka::producer::Writer;
use own_broker::{ended_by_interrupt, tail, wait_for, OwnBroker, Running};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn cluster(brokers: &str) -> Cluster {
    Cluster {
        brokers: brokers.to_string(),
        client_id: "kdeck-faults".into(),
        properties: Default::default(),
    }
}

/// Produces `n{i}` keys, one every 10 ms, until told to stop; then waits for every ack.
/// Idempotent, with a long delivery timeout, so a broker restart neither loses nor repeats one.
fn produce_until(
    c: Cluster,
    topic: String,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let w = Writer::new(
            &c,
            &[
                ("enable.idempotence", "true"),
                ("message.timeout.ms", "180000"),
            ],
        )
        .unwrap();
        let mut sent = 0usize;
        let mut acked: Vec<kdeck::kafka::producer::Report> = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let rec = OutRecord {
                topic: topic.clone(),
                key: Some(format!("n{sent}").into_bytes()),
                value: Some(format!("{{\"n\":{sent}}}").into_bytes()),
                ..Default::default()
            };
            w.send(&rec, sent).unwrap();
            sent += 1;
            acked.extend(w.poll(Duration::from_millis(10)));
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(180);
        while acked.len() < sent && std::time::Instant::now() < deadline {
            acked.extend(w.poll(Duration::from_millis(100)));
        }
        let failed: Vec<_> = acked.iter().filter(|(_, r)| r.is_err()).collect();
        assert!(failed.is_empty(), "deliveries failed: {failed:?}");
        assert_eq!(acked.len(), sent, "not every record was acknowledged");
        sent
    })
}

fn keys_of(jsonl: &str) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("tail wrote a line that is not JSON ({e}): {line}"));
        let k = v["key"].as_str().unwrap_or_default().to_string();
        *seen.entry(k).or_insert(0) += 1;
    }
    seen
}

/// The lag of `group` in the last JSON document `kdeck lag --watch --output json` wrote.
fn last_lag(out: &str, group: &str) -> Option<i64> {
    let last = out.lines().rev().find(|l| l.starts_with('{'))?;
    let v: serde_json::Value = serde_json::from_str(last).ok()?;
    v["groups"]
        .as_array()?
        .iter()
        .find(|g| g["group"] == group)?["lag"]
        .as_i64()
}

/// Regression for the abort after a broker restart (`rd_kafka_enq_once_del_source_return:
/// Assertion 'eonce->refcnt > 0' failed`, exit 134, 13-18 s after the restart), and the
/// single-broker fault of the issue: `kdeck lag -g G --watch` and `kdeck tail` stay up through a
/// kill -9 and restart while records flow, recover by themselves, and tail shows every record
/// exactly once.
#[test]
fn lag_watch_and_tail_survive_a_broker_restart_and_show_every_record_once() {
    let broker = OwnBroker::start("faults", &[]);
    let b = broker.brokers();
    let c = cluster(&b);
    let (topic, group) = ("fault-stream", "fault-group");
    admin::create_topics(&c, &[topic], 3).unwrap();
    admin::commit_offsets(&c, group, &[(topic, 0, 0), (topic, 1, 0), (topic, 2, 0)]).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut lag = Running::spawn(
        &dir,
        "lag",
        &[
            "lag",
            "-b",
            &b,
            "-g",
            group,
            "--watch",
            "--interval",
            "1",
            "--samples",
            "1",
            "--output",
            "json",
        ],
    );
    let mut tail_run = Running::spawn(
        &dir,
        "tail",
        &["tail", "-b", &b, "-t", topic, "--from", "beginning"],
    );
    let stop = Arc::new(AtomicBool::new(false));
    let producer = produce_until(c.clone(), topic.to_string(), stop.clone());

    std::thread::sleep(Duration::from_secs(5));
    broker.kill(1);
    std::thread::sleep(Duration::from_secs(12));
    lag.assert_alive("while the broker was down");
    tail_run.assert_alive("while the broker was down");
    broker.restart(1);
    // The abort came 13-18 s after the broker was back.
    std::thread::sleep(Duration::from_secs(25));
    lag.assert_alive("after the broker came back");
    tail_run.assert_alive("after the broker came back");

    stop.store(true, Ordering::Relaxed);
    let sent = producer.join().expect("producer");
    assert!(sent > 500, "too few records produced: {sent}");

    let complete = wait_for(Duration::from_secs(60), || {
        tail_run.stdout().lines().count() >= sent
    });
    let seen = keys_of(&tail_run.stdout());
    let missing: Vec<String> = (0..sent)
        .map(|i| format!("n{i}"))
        .filter(|k| !seen.contains_key(k))
        .collect();
    let repeated: Vec<(&String, &usize)> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        complete && missing.is_empty() && repeated.is_empty() && seen.len() == sent,
        "tail after the restart: {} of {sent} keys, missing {:?}, repeated {:?}, stderr: {}",
        seen.len(),
        &missing[..missing.len().min(20)],
        &repeated[..repeated.len().min(20)],
        tail_run.stderr()
    );

    // Nothing was committed after offset 0, so the group's lag is every record.
    let lag_ok = wait_for(Duration::from_secs(30), || {
        last_lag(&lag.stdout(), group) == Some(sent as i64)
    });
    assert!(
        lag_ok,
        "lag --watch did not recover to {sent}: last output {}\nstderr: {}",
        tail(&lag.stdout(), 600),
        lag.stderr()
    );

    for (name, run) in [("lag", &mut lag), ("tail", &mut tail_run)] {
        let st = run.interrupt();
        assert!(ended_by_interrupt(st), "{name} ended with {st:?}");
        let err = run.stderr();
        assert!(!err.contains("Assertion"), "{name}: {err}");
        assert!(
            !err.contains("BrokerTransportFailure") && !err.contains("AllBrokersDown"),
            "{name}: {err}"
        );
    }
    assert!(
        !lag.stdout().contains('\x1b') && !tail_run.stdout().contains('\x1b'),
        "escape sequences written to a file"
    );
}
