use super::*;

fn s(at: i64, committed: i64, end: i64) -> Sample {
    Sample {
        at_ms: at,
        committed: Some(committed),
        end,
    }
}

fn tp(p: i32) -> Tp {
    ("jobs".to_string(), p)
}

#[test]
fn burrow_rules() {
    // Lag reached zero in the window: OK.
    assert_eq!(
        evaluate(&[s(0, 5, 10), s(1, 10, 10), s(2, 12, 15)], 0, 0, 10),
        LagStatus::Ok
    );
    // Commits move but lag grows every time: WARN.
    assert_eq!(
        evaluate(&[s(0, 1, 10), s(1, 2, 14), s(2, 3, 20)], 0, 0, 10),
        LagStatus::Warn
    );
    // Offsets do not move while lag > 0: STALL.
    assert_eq!(
        evaluate(&[s(0, 5, 10), s(1, 5, 12), s(2, 5, 14)], 0, 2, 10),
        LagStatus::Stall
    );
    // ... and for longer than the window: STOP.
    assert_eq!(
        evaluate(&[s(0, 5, 10), s(1, 5, 12), s(2, 5, 14)], 0, 11, 10),
        LagStatus::Stop
    );
    // Backwards: REWIND, whatever else.
    assert_eq!(
        evaluate(&[s(0, 50, 60), s(1, 20, 61), s(2, 30, 62)], 0, 0, 10),
        LagStatus::Rewind
    );
    // Not moving but caught up (idle topic): OK.
    assert_eq!(
        evaluate(&[s(0, 10, 10), s(1, 10, 10), s(2, 10, 10)], 0, 100, 10),
        LagStatus::Ok
    );
    // Within the allowed lag: OK even when stalled.
    assert_eq!(
        evaluate(&[s(0, 5, 7), s(1, 5, 7), s(2, 5, 7)], 3, 1, 10),
        LagStatus::Ok
    );
    // Bounded lag that neither grows nor reaches zero: OK.
    assert_eq!(
        evaluate(&[s(0, 1, 10), s(1, 5, 12), s(2, 8, 17)], 0, 0, 10),
        LagStatus::Ok
    );
    // Moved earlier in the window, then stuck for three refreshes: STALL already.
    assert_eq!(
        evaluate(
            &[
                s(0, 1, 10),
                s(1, 5, 12),
                s(2, 5, 14),
                s(3, 5, 16),
                s(4, 5, 18)
            ],
            0,
            3,
            10
        ),
        LagStatus::Stall
    );
    // An idle partition that just received a record has not stalled.
    assert_eq!(
        evaluate(&[s(0, 5, 5), s(1, 5, 5), s(2, 5, 5), s(3, 5, 6)], 0, 0, 10),
        LagStatus::Ok
    );
    assert_eq!(evaluate(&[], 0, 0, 10), LagStatus::Unknown);
}

#[test]
fn end_table_interpolates_produce_time() {
    let mut t = EndTable::default();
    t.observe(100, 10_000);
    t.observe(100, 11_000); // no move: no new point, but 100 was still the end at 11 s
    t.observe(200, 20_000);
    t.observe(400, 30_000);
    // Offset 150 appeared between 11 s (the end still 100) and 20 s: halfway.
    assert_eq!(t.produced_at(150), Some(15_500));
    assert_eq!(t.produced_at(300), Some(25_000));
    // Before the table: unknown (only a lower bound).
    assert_eq!(t.produced_at(50), None);
    // At or past the end: not produced yet.
    assert_eq!(t.produced_at(400), None);
}

#[test]
fn seconds_behind_handles_idle_topics_and_old_data() {
    let mut t = EndTable::default();
    t.observe(100, 0);
    t.observe(200, 10_000);
    // Caught up on an idle topic: zero, however long ago the last record was.
    assert_eq!(seconds_behind(200, 200, 3_600_000, &t, None), (0.0, true));
    // Behind: interpolated; then the clock moves on and the record keeps waiting.
    assert_eq!(seconds_behind(150, 200, 10_000, &t, None), (5.0, true));
    assert_eq!(seconds_behind(150, 200, 70_000, &t, None), (65.0, true));
    // Reprocessing data older than the table: a lower bound, unless the record's own
    // timestamp was looked up.
    assert_eq!(seconds_behind(10, 200, 10_000, &t, None), (10.0, false));
    assert_eq!(
        seconds_behind(10, 200, 10_000, &t, Some(-86_390_000)),
        (86_400.0, true)
    );
}

fn snap(at: i64, committed: &[(i32, i64)], ends: &[(i32, i64)]) -> LagSnapshot {
    LagSnapshot {
        at_ms: at,
        groups: vec![GroupSnapshot {
            group: "g".into(),
            state: Some("Stable".into()),
            members: Some(1),
            committed: committed.iter().map(|(p, o)| (tp(*p), *o)).collect(),
            ..Default::default()
        }],
        ends: ends.iter().map(|(p, o)| (tp(*p), *o)).collect(),
        ..Default::default()
    }
}

#[test]
fn tracker_stall_then_stop_then_recovery() {
    let mut tr = LagTracker::new(5, 0, 1000);
    // Keeps up for a while.
    for i in 0..5 {
        tr.ingest(snap(i * 1000, &[(0, i * 10)], &[(0, i * 10)]));
    }
    assert_eq!(tr.views()[0].status, LagStatus::Ok);
    // Stops committing at 40 while production continues.
    for i in 5..9 {
        tr.ingest(snap(i * 1000, &[(0, 40)], &[(0, i * 10)]));
    }
    let v = &tr.views()[0];
    assert_eq!(v.status, LagStatus::Stall, "{v:?}");
    assert_eq!(v.lag, 40);
    for i in 9..12 {
        tr.ingest(snap(i * 1000, &[(0, 40)], &[(0, i * 10)]));
    }
    let v = &tr.views()[0];
    assert_eq!(v.status, LagStatus::Stop, "{v:?}");
    assert_eq!(v.time_to_zero, None, "not shrinking");
    // Lag in seconds: offset 40 was produced when the end passed it, at 4 s.
    assert!((v.seconds - 7.0).abs() < 1.01, "{}", v.seconds);
    // Catches up.
    tr.ingest(snap(12_000, &[(0, 120)], &[(0, 120)]));
    let v = &tr.views()[0];
    assert_eq!(v.status, LagStatus::Ok);
    assert_eq!(v.lag, 0);
    assert_eq!(v.seconds, 0.0);
}

#[test]
fn tracker_rates_and_time_to_zero() {
    let mut tr = LagTracker::new(10, 0, 1000);
    // Produces 10/s, consumes 30/s from a lag of 100.
    for i in 0..5 {
        tr.ingest(snap(i * 1000, &[(0, 30 * i)], &[(0, 100 + 10 * i)]));
    }
    let v = &tr.views()[0];
    assert!((v.consume_rate - 30.0).abs() < 1e-9);
    assert!((v.produce_rate - 10.0).abs() < 1e-9);
    assert_eq!(v.lag, 20);
    assert!((v.time_to_zero.unwrap() - 20.0 / 30.0).abs() < 1e-9);
    assert_eq!(v.trend, vec![100, 80, 60, 40, 20]);
}

#[test]
fn group_status_is_the_worst_partition() {
    let mut tr = LagTracker::new(5, 0, 1000);
    for i in 0..4 {
        tr.ingest(snap(
            i * 1000,
            &[(0, i * 10), (1, 5)],
            &[(0, i * 10), (1, 5 + i * 10)],
        ));
    }
    let v = &tr.views()[0];
    assert_eq!(v.partitions[0].status, LagStatus::Ok);
    assert_eq!(v.partitions[1].status, LagStatus::Stall);
    assert_eq!(v.status, LagStatus::Stall);
}

#[test]
fn history_is_bounded() {
    let mut tr = LagTracker::new(5, 0, 1000);
    for i in 0..1000 {
        tr.ingest(snap(i * 1000, &[(0, i)], &[(0, i + 1)]));
    }
    let v = &tr.views()[0];
    assert_eq!(v.trend.len(), HISTORY);
}

/// A ramp, as kafka-lag-exporter got wrong (values of hours while producers speed up): a
/// topic idle for an hour, then 100 records/s for a minute, then 1,000/s, while the group reads
/// 50/s behind. Each refresh's lag seconds is how long ago the group's next record was written,
/// from the end offsets kdeck saw, never more than the time since the ramp began.
#[test]
fn lag_seconds_stay_true_through_a_ramp() {
    let mut tr = LagTracker::new(10, 0, 1000);
    let hour = 3_600_000;
    let mut end = 1_000;
    let mut committed = 1_000;
    tr.ingest(snap(0, &[(0, committed)], &[(0, end)]));
    tr.ingest(snap(hour, &[(0, committed)], &[(0, end)]));
    let mut produced_at = std::collections::BTreeMap::new();
    for sec in 1..=120 {
        let rate = if sec <= 60 { 100 } else { 1_000 };
        for o in end..end + rate {
            produced_at.insert(o, hour + sec * 1000);
        }
        end += rate;
        committed += 50;
        let now = hour + sec * 1000;
        tr.ingest(snap(now, &[(0, committed)], &[(0, end)]));
        let v = &tr.views()[0];
        let p = &v.partitions[0];
        assert!(p.seconds.is_finite() && p.seconds >= 0.0);
        assert!(
            p.seconds <= sec as f64 + 1.0,
            "{}s after the ramp began: {}",
            sec,
            p.seconds
        );
        // The group's next record was written in the second its offset was seen.
        let truth = (now - produced_at[&committed]) as f64 / 1000.0;
        assert!(
            (p.seconds - truth).abs() <= 1.0,
            "at {sec}s: {} vs {truth}",
            p.seconds
        );
    }
}
