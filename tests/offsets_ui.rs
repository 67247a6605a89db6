//! The offsets dialog through `update`, with scripted worker news: opened on the lag pane's
//! group and partition and on a record (skip it), the preview asked for, a group with members
//! refused, the confirmation before the commit, read-only refusal, stale news dropped, and the
//! undo offered after a commit. Screens are rendered into a TestBackend.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdeck::codec::decode::{to_record, Incoming};
use kdeck::domain::event::KafkaEvent;
use kdeck::domain::lag::{GroupSnapshot, LagSnapshot};
use kdeck::domain::offsets::{
    AuditRun, Committed, GroupState, Move, OffsetsUpdate, Outcome, Plan, Selection, Strategy,
    Target,
};
use kdeck::domain::{Header, Record, Role};
use kdeck::support::config::load::load_with;
use kdeck::support::config::Overrides;
use kdeck::tui::app::effect::Effect;
use kdeck::tui::app::msg::Msg;
use kdeck::tui::app::state::State;
use kdeck::tui::app::update::update;
use kdeck::tui::keymap::Keymap;
use kdeck::tui::modals::offsets::{OffsetsDialog, Stage};
use kdeck::tui::panes::PaneId;
use std::collections::BTreeMap;

const NOW: i64 = 1_763_200_000_000;

fn keymap() -> Keymap {
    Keymap::new(&BTreeMap::new()).unwrap()
}

fn record(topic: &str, offset: i64, headers: Vec<Header>) -> Record {
    let dlq = !headers.is_empty();
    to_record(
        Incoming {
            topic,
            partition: 1,
            offset,
            timestamp_ms: Some(NOW - 1_000),
            key: Some(b"job-1"),
            value: Some(br#"{"job_id":"j1","status":"failed"}"#),
            headers,
        },
        1 << 20,
        dlq,
    )
}

fn header(k: &str, v: &str) -> Header {
    Header {
        key: k.into(),
        value: Some(v.as_bytes().to_vec()),
    }
}

/// Two watched groups: `billing` reads orders (committed 7 of 10 on partition 1), `audit`
/// reads payments.
fn state(read_only: bool) -> State {
    let o = Overrides {
        dlq: vec!["orders.DLT".into()],
        status: vec!["orders".into()],
        read_only,
        ..Default::default()
    };
    let cfg = load_with(&o, &|_| None, None).unwrap();
    let mut s = State::new(&cfg, false, NOW);
    let group = |g: &str, t: &str| GroupSnapshot {
        group: g.into(),
        state: Some("Empty".into()),
        members: Some(0),
        committed: BTreeMap::from([((t.to_string(), 0), 10), ((t.to_string(), 1), 7)]),
        ..Default::default()
    };
    let snap = LagSnapshot {
        at_ms: NOW,
        groups: vec![group("billing", "orders"), group("audit", "payments")],
        ends: BTreeMap::from([
            (("orders".to_string(), 0), 10),
            (("orders".to_string(), 1), 10),
            (("payments".to_string(), 0), 10),
            (("payments".to_string(), 1), 10),
        ]),
        ..Default::default()
    };
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Lag(Box::new(snap))),
        &keymap(),
    );
    s
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(
        s,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        &keymap(),
    )
}

fn dialog(s: &State) -> &OffsetsDialog {
    match s.modal_as::<OffsetsDialog>() {
        Some(d) => d,
        None => panic!("the offsets dialog is not open"),
    }
}

fn planned(s: &mut State, job: u64, state: &str, members: usize, moves: Vec<Move>) {
    let plan = Plan {
        group: dialog(s).group_name().to_string(),
        state: GroupState {
            state: state.into(),
            members,
        },
        moves,
        warnings: vec![],
        strategy: "to offset 8".into(),
        undo_of: None,
    };
    let news = OffsetsUpdate::Planned {
        job,
        result: Ok(Box::new(plan)),
    };
    update(s, Msg::Kafka(KafkaEvent::Offsets(news)), &keymap());
}

fn mv(topic: &str, p: i32, current: i64, new: i64) -> Move {
    Move {
        topic: topic.into(),
        partition: p,
        current: Some(current),
        new,
        earliest: 0,
        latest: 10,
        span_from_ms: Some(NOW - 60_000),
        span_to_ms: Some(NOW - 30_000),
    }
}

fn plan_effect(e: &[Effect]) -> (u64, String, Selection, Target) {
    match e {
        [Effect::PlanOffsets {
            job,
            group,
            selection,
            target,
        }] => (*job, group.clone(), selection.clone(), target.clone()),
        other => panic!("expected one preview effect, got {other:?}"),
    }
}

fn screen(s: &State) -> String {
    common::screen::render(s, 140, 40)
}

#[test]
fn the_lag_pane_group_opens_a_dialog_that_previews_then_asks_then_commits() {
    let mut s = state(false);
    s.focus = PaneId::Lag;
    // The lag pane sorts its groups; select billing whichever row it is on.
    let row = s
        .lag
        .views
        .iter()
        .position(|g| g.group == "billing")
        .unwrap();
    s.lag.selected = row;
    assert!(
        key(&mut s, KeyCode::Char('O')).is_empty(),
        "nothing is read before enter"
    );
    assert_eq!(dialog(&s).group_name(), "billing");
    assert_eq!(dialog(&s).selection, Selection::AllTopics);
    // The first choice takes a value: typed keys are text, not bindings ("y" commits elsewhere).
    for c in "-3".chars() {
        assert!(key(&mut s, KeyCode::Char(c)).is_empty());
    }
    let (job, group, sel, target) = plan_effect(&key(&mut s, KeyCode::Enter));
    assert_eq!((group.as_str(), sel), ("billing", Selection::AllTopics));
    assert_eq!(target, Target::Move(Strategy::ShiftBy(-3)));
    assert!(screen(&s).contains("reading the group's offsets"));
    planned(
        &mut s,
        job,
        "Empty",
        0,
        vec![mv("orders", 0, 10, 7), mv("orders", 1, 7, 4)],
    );
    let shown = screen(&s);
    assert!(shown.contains("read again 3"), "{shown}");
    assert!(shown.contains("6 record(s) read again"), "{shown}");
    // Enter asks; only y commits.
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(matches!(dialog(&s).stage, Stage::Asking(_)));
    assert!(screen(&s).contains("Commit new offsets on 2 partition(s) for group billing?"));
    let e = key(&mut s, KeyCode::Char('y'));
    let [Effect::ExecuteOffsets { job: exec, plan }] = e.as_slice() else {
        panic!("expected the commit, got {e:?}");
    };
    assert_eq!(plan.moves.len(), 2);
    let run = AuditRun {
        run: "20261205T120000Z-abc123".into(),
        by: "me".into(),
        at: "now".into(),
        group: "billing".into(),
        strategy: plan.strategy.clone(),
        undo_of: None,
        partitions: vec![],
        verified: true,
    };
    let done = OffsetsUpdate::Executed {
        job: *exec,
        outcome: Outcome::Committed(Box::new(Committed {
            run,
            mismatches: vec![],
            audit_error: None,
        })),
    };
    update(&mut s, Msg::Kafka(KafkaEvent::Offsets(done)), &keymap());
    assert!(screen(&s).contains("run 20261205T120000Z-abc123: committed 2 partition(s)"));
    // Enter now previews the undo of that run.
    let (_, _, _, target) = plan_effect(&key(&mut s, KeyCode::Enter));
    assert_eq!(target, Target::UndoLast);
}

#[test]
fn a_group_with_members_and_a_read_only_profile_are_refused_before_asking() {
    for (read_only, members, why) in [(false, 2, "2 members reading"), (true, 0, "read-only")] {
        let mut s = state(read_only);
        s.focus = PaneId::Lag;
        key(&mut s, KeyCode::Char('O'));
        key(&mut s, KeyCode::Down); // to the earliest offset: no value to type
        let (job, ..) = plan_effect(&key(&mut s, KeyCode::Enter));
        let st = if members > 0 { "Stable" } else { "Empty" };
        planned(&mut s, job, st, members, vec![mv("orders", 0, 10, 0)]);
        assert!(screen(&s).contains(why), "{}", screen(&s));
        assert!(key(&mut s, KeyCode::Enter).is_empty());
        assert!(
            matches!(dialog(&s).stage, Stage::Ready(_)),
            "no question asked"
        );
        assert!(
            key(&mut s, KeyCode::Char('y')).is_empty(),
            "nothing committed"
        );
    }
}

#[test]
fn a_lag_partition_skips_the_record_where_the_group_stands() {
    let mut s = state(false);
    s.focus = PaneId::Lag;
    let row = s
        .lag
        .views
        .iter()
        .position(|g| g.group == "billing")
        .unwrap();
    s.lag.selected = row;
    key(&mut s, KeyCode::Enter); // drill into billing's partitions
    let p1 = (s.lag.drilled().unwrap().partitions.iter())
        .position(|p| p.partition == 1)
        .unwrap();
    s.lag.drill_selected = p1;
    // A skip is previewed at once: it has nothing to choose.
    let (_, group, sel, target) = plan_effect(&key(&mut s, KeyCode::Char('O')));
    assert_eq!(group, "billing");
    assert_eq!(sel, Selection::Partitions(vec![("orders".into(), 1)]));
    assert_eq!(target, Target::Move(Strategy::Offset(8)));
}

#[test]
fn a_dead_letter_skips_its_origin_for_the_group_it_names_and_news_of_old_jobs_is_dropped() {
    let mut s = state(false);
    let dl = record(
        "orders.DLT",
        3,
        vec![
            header("kafka_dlt-original-topic", "orders"),
            header("kafka_dlt-original-partition", "\u{0}\u{0}\u{0}\u{1}"),
            header(
                "kafka_dlt-original-offset",
                "\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{5}",
            ),
            header("kafka_dlt-original-consumer-group", "billing"),
            header("kafka_dlt-exception-message", "boom"),
        ],
    );
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Records(Role::Dlq, vec![dl])),
        &keymap(),
    );
    s.focus = PaneId::Stream(Role::Dlq);
    let (old, group, sel, target) = plan_effect(&key(&mut s, KeyCode::Char('O')));
    assert_eq!(group, "billing");
    assert_eq!(sel, Selection::Partitions(vec![("orders".into(), 1)]));
    assert_eq!(target, Target::Move(Strategy::Offset(6)));
    // The group already stands past it: said, in red, above the preview.
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Up);
    let (job, ..) = plan_effect(&key(&mut s, KeyCode::Enter));
    assert_ne!(job, old);
    planned(&mut s, old, "Empty", 0, vec![mv("orders", 1, 9, 6)]);
    assert!(
        matches!(dialog(&s).stage, Stage::Planning),
        "the old job's news is dropped"
    );
    planned(&mut s, job, "Empty", 0, vec![mv("orders", 1, 9, 6)]);
    let shown = screen(&s);
    assert!(shown.contains("already past offset 5"), "{shown}");
}

#[test]
fn a_plain_record_offers_every_watched_group_reading_its_topic() {
    let mut s = state(false);
    let r = record("orders", 4, vec![]);
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Records(Role::Status, vec![r])),
        &keymap(),
    );
    s.focus = PaneId::Stream(Role::Status);
    let (_, group, sel, target) = plan_effect(&key(&mut s, KeyCode::Char('O')));
    assert_eq!(group, "billing", "audit does not read orders");
    assert_eq!(sel, Selection::Partitions(vec![("orders".into(), 1)]));
    assert_eq!(target, Target::Move(Strategy::Offset(5)));
    // A record of a topic no watched group reads: said on the health line, no dialog.
    let mut s = state(false);
    let r = record("elsewhere", 4, vec![]);
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Records(Role::Status, vec![r])),
        &keymap(),
    );
    s.focus = PaneId::Stream(Role::Status);
    assert!(key(&mut s, KeyCode::Char('O')).is_empty());
    assert!(s.modal_as::<OffsetsDialog>().is_none());
    assert!(screen(&s).contains("no watched group reads elsewhere"));
}

#[test]
fn a_bad_value_is_said_under_the_field_and_nothing_is_asked() {
    let mut s = state(false);
    s.focus = PaneId::Lag;
    key(&mut s, KeyCode::Char('O'));
    for c in "ten".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(screen(&s).contains("a whole number"));
}
