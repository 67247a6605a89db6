use super::*;
use crate::codec::decode::{to_record, Incoming};
use crate::domain::{Header, Role};

fn rec(offset: i64, error: &str, origin: &str) -> Record {
    let headers = vec![
        Header {
            key: "dlq-error".into(),
            value: Some(error.as_bytes().to_vec()),
        },
        Header {
            key: "dlq-original-topic".into(),
            value: Some(origin.as_bytes().to_vec()),
        },
    ];
    to_record(
        Incoming {
            topic: "jobs.dlq",
            partition: 1,
            offset,
            timestamp_ms: Some(1_700_000_000_000 + offset * 1000),
            key: None,
            value: Some(b"{}"),
            headers,
        },
        1024,
        true,
    )
}

fn setup() -> (StreamPane, DlqTriage) {
    let mut pane = StreamPane::new(Role::Dlq, 100);
    let mut t = DlqTriage::default();
    let batch = vec![
        rec(0, "timeout after 30s", "jobs"),
        rec(1, "schema error: field 7", "exports"),
        rec(2, "timeout after 12s", "jobs"),
        rec(3, "timeout after 9s", "tasks"),
    ];
    t.observe(&batch);
    pane.push_batch(batch, 0);
    (pane, t)
}

#[test]
fn failures_group_by_masked_reason_most_frequent_first() {
    let (_, t) = setup();
    let g = t.groups();
    assert_eq!(g.len(), 2);
    assert_eq!(g[0].key, "timeout after #s");
    assert_eq!(g[0].count, 3);
    assert_eq!(g[0].first_ms, Some(1_700_000_000_000));
    assert_eq!(g[0].last_ms, Some(1_700_000_003_000));
    let origins: Vec<&str> = g[0].origins.iter().map(String::as_str).collect();
    assert_eq!(origins, vec!["jobs", "tasks"]);
    assert_eq!(g[0].sample, "timeout after 9s");
    assert_eq!(g[1].key, "schema error: field #");
}

#[test]
fn enter_on_a_group_lists_its_messages_and_esc_goes_back() {
    let (mut pane, mut t) = setup();
    t.handle(&mut pane, Action::ByReason, 10);
    assert!(t.by_reason);
    t.handle(&mut pane, Action::Open, 10);
    assert!(!t.by_reason);
    let shown: Vec<i64> = (0..pane.len())
        .map(|i| pane.nth_newest(i).unwrap().offset)
        .collect();
    assert_eq!(shown, vec![3, 2, 0]);
    t.handle(&mut pane, Action::Close, 10);
    assert!(t.by_reason);
    assert!(pane.filter.is_none());
}

#[test]
fn marking_a_group_marks_all_its_messages_and_again_unmarks() {
    let (mut pane, mut t) = setup();
    t.handle(&mut pane, Action::ByReason, 10);
    t.handle(&mut pane, Action::Down, 10);
    t.handle(&mut pane, Action::Mark, 10);
    assert_eq!(t.marks.len(), 1);
    assert!(t.marks.contains(&("jobs.dlq".to_string(), 1, 1)));
    t.handle(&mut pane, Action::Up, 10);
    t.handle(&mut pane, Action::Mark, 10);
    assert_eq!(t.marks.len(), 4);
    t.handle(&mut pane, Action::Mark, 10);
    assert_eq!(t.marks.len(), 1);
}

#[test]
fn space_marks_the_selected_message_and_moves_on() {
    let (mut pane, mut t) = setup();
    t.handle(&mut pane, Action::Mark, 10);
    t.handle(&mut pane, Action::Mark, 10);
    let mut marked: Vec<i64> = t.marks.iter().map(|c| c.2).collect();
    marked.sort();
    assert_eq!(marked, vec![2, 3]);
    assert_eq!(pane.selected, 2);
    assert!(matches!(
        t.handle(&mut pane, Action::Replay, 10),
        Reply::Forward {
            action: Action::Replay,
            ..
        }
    ));
}
