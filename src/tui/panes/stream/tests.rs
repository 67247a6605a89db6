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
