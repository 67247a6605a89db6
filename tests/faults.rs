//! Faults on a real broker of the test's own (scripts/kafka.sh in a run directory of its own):
//! the broker is killed with SIGKILL and restarted on the same port and data while kdeck runs.

mod own_broker;

use kdeck::kafka::admin;
use own_broker::{
    cluster, ended_by_interrupt, exactly_once, last_lag, produce_until, tail, wait_for, OwnBroker,
    Running, Tmux,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
    let mut lag = Running::lag_watch(&dir, &b, group);
    let mut tail_run = Running::tail_from_beginning(&dir, &b, topic);
    // The dashboard too, with the stream shown in two panes (a topic may feed both).
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let dash = Tmux::start(
        &format!(
            "{} --config {} -b {b} -g {group} --status {topic} --dlq {topic} --from beginning",
            env!("CARGO_BIN_EXE_kdeck"),
            empty.display()
        ),
        160,
        45,
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
    assert!(!dash.dead(), "the dashboard died:\n{}", dash.screen());

    stop.store(true, Ordering::Relaxed);
    let sent = producer.join().expect("producer");
    assert!(sent > 500, "too few records produced: {sent}");

    wait_for(Duration::from_secs(60), || {
        tail_run.stdout().lines().count() >= sent
    });
    if let Err(e) = exactly_once(&tail_run.stdout(), sent) {
        panic!("tail after the restart: {e}\nstderr: {}", tail_run.stderr());
    }

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

    // The newest record reaches both panes of the dashboard.
    let newest = format!("n{}", sent - 1);
    let shown = wait_for(Duration::from_secs(30), || {
        dash.screen().matches(newest.as_str()).count() >= 2
    });
    assert!(shown, "{newest} not in both panes:\n{}", dash.screen());
    dash.keys("q");
    assert!(
        wait_for(Duration::from_secs(10), || dash.dead()),
        "the dashboard did not quit"
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
