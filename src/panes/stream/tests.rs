use super::*;
use crate::decode::{to_record, Incoming};

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
