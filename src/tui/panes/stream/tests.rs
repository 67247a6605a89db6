use super::*;
use crate::codec::decode::{to_record, Incoming};

fn rec(offset: i64) -> Record {
    to_record(
        Incoming {
            topic: "t",
            partition: 0,
            offset,
            timestamp_ms: Some(offset * 1000),
            key: None,
            value: Some(br#"{"status":"complete"}"#),
            headers: vec![],
        },
        1024,
        false,
    )
}

#[test]
fn ring_is_capped_and_newest_first() {
    let mut p = StreamPane::new(Role::Status, 10);
    p.push_batch((0..25).map(rec).collect(), 0);
    assert_eq!(p.records.len(), 10);
    assert_eq!(p.evicted, 15);
    assert_eq!(p.nth_newest(0).unwrap().offset, 24);
    assert_eq!(p.nth_newest(9).unwrap().offset, 15);
    assert!(p.nth_newest(10).is_none());
    assert_eq!(p.rate.total, 25);
}

#[test]
fn scrolled_back_selection_stays_on_its_record() {
    let mut p = StreamPane::new(Role::Status, 100);
    p.push_batch((0..10).map(rec).collect(), 0);
    p.move_by(3);
    assert_eq!(p.selected_record().unwrap().offset, 6);
    p.push_batch((10..15).map(rec).collect(), 0);
    assert_eq!(p.selected_record().unwrap().offset, 6);
    // Following (row 0) keeps showing the newest.
    p.selected = 0;
    p.push_batch(vec![rec(15)], 0);
    assert_eq!(p.selected_record().unwrap().offset, 15);
}

#[test]
fn movement_is_clamped() {
    let mut p = StreamPane::new(Role::Status, 100);
    p.move_by(5);
    assert_eq!(p.selected, 0);
    p.push_batch((0..3).map(rec).collect(), 0);
    p.move_by(50);
    assert_eq!(p.selected, 2);
    p.move_by(-50);
    assert_eq!(p.selected, 0);
}

fn dlq_rec(offset: i64, error: &str) -> Record {
    let headers = vec![crate::domain::Header {
        key: "dlq-error".into(),
        value: Some(error.as_bytes().to_vec()),
    }];
    to_record(
        Incoming {
            topic: "jobs.dlq",
            partition: 0,
            offset,
            timestamp_ms: Some(offset * 1000),
            key: None,
            value: Some(b"{}"),
            headers,
        },
        1024,
        true,
    )
}

#[test]
fn a_filter_shows_only_its_records_and_counts_what_it_scanned() {
    let mut p = StreamPane::new(Role::Dlq, 6);
    let errs = ["timeout after 30s", "bad json at 4", "timeout after 12s"];
    p.push_batch(
        (0..4).map(|i| dlq_rec(i, errs[i as usize % 3])).collect(),
        0,
    );
    let key = crate::codec::decode::dlq::record_reason(p.nth_newest(0).unwrap()).unwrap();
    assert_eq!(key, "timeout after #s");
    p.set_filter(Some(PaneFilter::Reason(key)));
    // offsets 0, 2 and 3 time out; 1 is bad json.
    assert_eq!(p.len(), 3);
    assert_eq!(p.nth_newest(0).unwrap().offset, 3);
    assert_eq!(p.nth_newest(2).unwrap().offset, 0);
    assert!(p.nth_newest(3).is_none());
    // Past the ring's cap: evicted records leave the view too.
    p.push_batch(
        (4..10).map(|i| dlq_rec(i, errs[i as usize % 3])).collect(),
        0,
    );
    let shown: Vec<i64> = (0..p.len())
        .map(|i| p.nth_newest(i).unwrap().offset)
        .collect();
    assert_eq!(shown, vec![9, 8, 6, 5]);
    let f = p.filter.as_ref().unwrap();
    assert_eq!((f.scanned, f.matched), (10, 7));
    p.set_filter(None);
    assert_eq!(p.len(), 6);
}

/// A record of `topic` at `ts` seconds whose value says `status`.
fn timed(topic: &str, offset: i64, ts: i64, status: &str) -> Record {
    let v = format!(r#"{{"status":"{status}"}}"#);
    to_record(
        Incoming {
            topic,
            partition: 0,
            offset,
            timestamp_ms: Some(ts * 1000),
            key: None,
            value: Some(v.as_bytes()),
            headers: vec![],
        },
        1024,
        false,
    )
}

fn shown(p: &StreamPane) -> Vec<(String, i64)> {
    (0..p.len())
        .rev()
        .map(|i| {
            p.nth_newest(i)
                .map(|r| (r.topic.clone(), r.offset))
                .unwrap()
        })
        .collect()
}

#[test]
fn two_topics_read_from_the_beginning_show_in_time_order() {
    let mut p = StreamPane::new(Role::Completion, 100);
    // Topic a's backlog comes first, then b's, older in part: as a reader catching up sends them.
    p.push_batch(
        (0..5)
            .map(|i| timed("a", i, 10 + 2 * i, "complete"))
            .collect(),
        0,
    );
    p.push_batch(
        (0..5)
            .map(|i| timed("b", i, 9 + 2 * i, "complete"))
            .collect(),
        0,
    );
    let want = [
        ("b", 0),
        ("a", 0),
        ("b", 1),
        ("a", 1),
        ("b", 2),
        ("a", 2),
        ("b", 3),
        ("a", 3),
        ("b", 4),
        ("a", 4),
    ];
    let want: Vec<(String, i64)> = want.iter().map(|(t, o)| (t.to_string(), *o)).collect();
    assert_eq!(shown(&p), want);
}

#[test]
fn a_late_record_keeps_the_filter_and_the_selection_right() {
    let mut p = StreamPane::new(Role::Completion, 100);
    let quick = crate::engine::filter::Quick::new("failed");
    p.set_filter(Some(PaneFilter::Quick(quick)));
    let statuses = [
        "failed", "complete", "failed", "failed", "complete", "failed",
    ];
    let batch = statuses
        .iter()
        .enumerate()
        .map(|(i, s)| timed("a", i as i64, 10 * i as i64, s));
    p.push_batch(batch.collect(), 0);
    p.move_by(2);
    let held = p.selected_record().unwrap().offset;
    // Late ones: one kept (between 2 and 3), one not, one kept older than all.
    p.push_batch(
        vec![
            timed("b", 0, 25, "failed"),
            timed("b", 1, 26, "complete"),
            timed("b", 2, 1, "failed"),
        ],
        0,
    );
    let want: Vec<(String, i64)> = [("b", 2), ("a", 2), ("b", 0), ("a", 3), ("a", 5)]
        .iter()
        .map(|(t, o)| (t.to_string(), *o))
        .collect();
    let mut got = shown(&p);
    got.remove(0); // a/0 at time 0 is the oldest of all
    assert_eq!(got, want);
    assert_eq!(
        p.selected_record().unwrap().offset,
        held,
        "the selection stayed"
    );
    let f = p.filter.as_ref().unwrap();
    assert_eq!((f.scanned, f.matched), (9, 6));
}

#[test]
fn any_arrival_order_shows_the_records_sorted_by_time_with_or_without_a_filter() {
    // A small deterministic generator: no two runs differ, many orders are covered.
    let mut seed = 0x9e37_79b9_u64;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for round in 0..200 {
        let filtered = round % 2 == 0;
        let mut p = StreamPane::new(Role::Completion, 1000);
        if filtered {
            p.set_filter(Some(PaneFilter::Quick(crate::engine::filter::Quick::new(
                "failed",
            ))));
        }
        let mut all = Vec::new();
        for b in 0..(1 + next(6)) {
            let batch: Vec<Record> = (0..next(20))
                .map(|i| {
                    let status = if next(2) == 0 { "failed" } else { "complete" };
                    timed(&format!("t{b}"), i as i64, next(50) as i64, status)
                })
                .collect();
            all.extend(batch.iter().cloned());
            p.push_batch(batch, 0);
        }
        while p.filter_step(STEP_RECORDS) > 0 {}
        let mut want: Vec<&Record> = all
            .iter()
            .filter(|r| !filtered || r.decoded.status.as_deref() == Some("failed"))
            .collect();
        want.sort_by_key(|r| r.timestamp_ms);
        let got: Vec<Option<i64>> = (0..p.len())
            .rev()
            .map(|i| p.nth_newest(i).unwrap().timestamp_ms)
            .collect();
        let want: Vec<Option<i64>> = want.iter().map(|r| r.timestamp_ms).collect();
        assert_eq!(got, want, "round {round}");
    }
}
