//! A 3-node KRaft cluster of the test's own (`scripts/kafka.sh start --nodes 3`: replication
//! factor 3, min.insync.replicas 2): the partition leader's broker is killed mid-stream.

mod own_broker;

use kdeck::kafka::admin;
use own_broker::{
    cluster, ended_by_interrupt, exactly_once, last_lag, leader_of, produce_until, tail, wait_for,
    OwnBroker, Running,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// `kdeck tail` and `kdeck lag --watch` go on from the other replicas when the leader's broker
/// dies: no gap, no duplicate, both processes stay up, and the lag shown ends exact (a lag
/// probe that kept asking the dead coordinator once showed the end offset from before the kill).
#[test]
fn leader_killed_mid_stream_tail_has_no_gap_lag_stays_exact() {
    leader_killed();
}

fn leader_killed() {
    let brokers = OwnBroker::start("cluster", &["--nodes", "3"]);
    let b = brokers.brokers();
    let c = cluster(&b);
    let (topic, group) = ("ha-stream", "ha-group");
    admin::create_replicated_topics(&c, &[topic], 1, 3).unwrap();
    admin::commit_offsets(&c, group, &[(topic, 0, 0)]).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut lag = Running::lag_watch(&dir, &b, group);
    let mut tail_run = Running::tail_from_beginning(&dir, &b, topic);
    let stop = Arc::new(AtomicBool::new(false));
    let producer = produce_until(c.clone(), topic.to_string(), stop.clone());

    std::thread::sleep(Duration::from_secs(5));
    let leader = leader_of(&b, topic, 0).expect("the partition's leader");
    let before = tail_run.stdout().lines().count();
    assert!(before > 0, "tail read nothing before the kill");
    brokers.kill(leader);
    std::thread::sleep(Duration::from_secs(15));
    lag.assert_alive("after the leader was killed");
    tail_run.assert_alive("after the leader was killed");
    let new_leader = leader_of(&b, topic, 0);
    assert!(
        new_leader.is_some_and(|l| l != leader),
        "no new leader: {new_leader:?}"
    );

    stop.store(true, Ordering::Relaxed);
    let sent = producer.join().expect("producer");
    wait_for(Duration::from_secs(60), || {
        tail_run.stdout().lines().count() >= sent
    });
    if let Err(e) = exactly_once(&tail_run.stdout(), sent) {
        panic!(
            "tail across the leader change: {e}\nstderr: {}",
            tail_run.stderr()
        );
    }
    assert!(
        tail_run.stdout().lines().count() > before,
        "tail read nothing after the kill"
    );
    let lag_ok = wait_for(Duration::from_secs(30), || {
        last_lag(&lag.stdout(), group) == Some(sent as i64)
    });
    assert!(
        lag_ok,
        "lag did not reach {sent}: {}\nstderr: {}",
        tail(&lag.stdout(), 600),
        lag.stderr()
    );
    for (name, run) in [("lag", &mut lag), ("tail", &mut tail_run)] {
        let st = run.interrupt();
        assert!(ended_by_interrupt(st), "{name} ended with {st:?}");
    }
}
