//! The DLQ triage and replay dialog through `update`, with scripted worker news: marks, the
//! dry run, typing into fields (keys are text there, not bindings), validation, sending,
//! progress, stale news and read-only refusal. Screens are rendered into a TestBackend.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdeck::codec::decode::{to_record, Incoming};
use kdeck::domain::event::{KafkaEvent, ReplayUpdate};
use kdeck::domain::replay::{
    PlanItem, ReplayPlan, ReplayProgress, ReplaySummary, Selection, Target, TargetWhy,
};
use kdeck::domain::{Header, Record, Role};
use kdeck::support::config::load::load_with;
use kdeck::support::config::Overrides;
use kdeck::tui::app::effect::Effect;
use kdeck::tui::app::msg::Msg;
use kdeck::tui::app::state::State;
use kdeck::tui::app::update::update;
use kdeck::tui::keymap::Keymap;
use kdeck::tui::modals::replay::Stage;
use kdeck::tui::panes::PaneId;
use std::collections::{BTreeMap, HashMap};

const NOW: i64 = 1_763_200_000_000;

fn dlq_record(offset: i64, error: &str, value: &str) -> Record {
    let headers = vec![
        Header {
            key: "dlq-error".into(),
            value: Some(error.as_bytes().to_vec()),
        },
        Header {
            key: "dlq-original-topic".into(),
            value: Some(b"scheduler.jobs.ingest".to_vec()),
        },
    ];
    to_record(
        Incoming {
            topic: "jobs.dlq",
            partition: 0,
            offset,
            timestamp_ms: Some(NOW - 10_000 + offset),
            key: Some(format!("job-{offset}").as_bytes()),
            value: Some(value.as_bytes()),
            headers,
        },
        1 << 20,
        true,
    )
}

fn keymap() -> Keymap {
    Keymap::new(&BTreeMap::new()).unwrap()
}

fn state(read_only: bool) -> State {
    let o = Overrides {
        dlq: vec!["jobs.dlq".into()],
        read_only,
        ..Default::default()
    };
    let cfg = load_with(&o, &|_| None, None).unwrap();
    let mut s = State::new(&cfg, false, NOW);
    let batch = vec![
        dlq_record(0, "timeout after 30s", r#"{"job_id":"a"}"#),
        dlq_record(1, "schema error at 7", r#"{"job_id":"b"}"#),
        dlq_record(2, "timeout after 3s", r#"{"job_id":"c"}"#),
    ];
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Records(Role::Dlq, batch)),
        &keymap(),
    );
    s.focus = PaneId::Stream(Role::Dlq);
    s
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(
        s,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        &keymap(),
    )
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        let e = key(s, KeyCode::Char(c));
        assert!(e.is_empty(), "typing {c:?} made effects {e:?}");
    }
}

fn dialog(s: &State) -> &kdeck::tui::modals::replay::ReplayDialog {
    match s.modal_as::<kdeck::tui::modals::replay::ReplayDialog>() {
        Some(d) => d,
        None => panic!("the replay dialog is not open"),
    }
}

fn plan(job_total: u64, before: u64) -> ReplayPlan {
    let request = kdeck::domain::replay::ReplayRequest::new(
        "jobs.dlq",
        Selection::One {
            partition: 0,
            offset: 0,
        },
        Default::default(),
    );
    ReplayPlan {
        run_id: "20261125T120000Z-abcdef".into(),
        request,
        ranges: vec![],
        total: job_total,
        per_target: BTreeMap::from([("scheduler.jobs.ingest".to_string(), job_total)]),
        per_reason: vec![("timeout after #s".into(), job_total)],
        per_why: BTreeMap::new(),
        unsendable: 0,
        first: Some(PlanItem {
            source: kdeck::domain::replay::Coord::parse("jobs.dlq/0@0").unwrap(),
            timestamp_ms: None,
            reason: Some("timeout after 30s".into()),
            target: Target {
                topic: Some("scheduler.jobs.ingest".into()),
                partition: None,
                why: TargetWhy::OriginHeader,
                note: None,
            },
            key: Some(b"job-0".to_vec()),
            value: Some(br#"{"job_id":"a"}"#.to_vec()),
            headers: vec![("kdeck-replay-count".into(), Some(b"1".to_vec()))],
        }),
        replayed_before: before,
        already_done: 0,
        target_partitions: BTreeMap::new(),
        partitioner: None,
        warnings: vec![],
        resume: None,
    }
}

fn news(s: &mut State, u: ReplayUpdate) {
    update(s, Msg::Kafka(KafkaEvent::Replay(u)), &keymap());
}

fn screen(s: &State) -> String {
    common::screen::render(s, 120, 40)
}

#[test]
fn r_on_a_selected_message_opens_the_dialog_and_asks_for_the_dry_run() {
    let mut s = state(false);
    let e = key(&mut s, KeyCode::Char('r'));
    let [Effect::PlanReplay { job, requests }] = e.as_slice() else {
        panic!("expected one dry-run request, got {e:?}");
    };
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].dlq, "jobs.dlq");
    assert_eq!(
        requests[0].selection,
        Selection::One {
            partition: 0,
            offset: 2
        }
    );
    assert!(matches!(dialog(&s).stage, Stage::Planning));
    news(
        &mut s,
        ReplayUpdate::Planned {
            job: *job,
            result: Ok(vec![ReplayPlan {
                partitioner: Some(kdeck::domain::replay::PartitionerChoice {
                    hash: Some(kdeck::domain::replay::KeyHash::Fnv1a),
                    why: "FNV-1a (kafka-go, sarama): 4 of 4 records' keys map to their origin partitions".into(),
                }),
                ..plan(1, 0)
            }]),
        },
    );
    assert!(matches!(dialog(&s).stage, Stage::Ready(_)));
    let text = screen(&s);
    assert!(
        text.contains("partitioner FNV-1a (kafka-go, sarama): 4 of 4"),
        "{text}"
    );
    assert!(text.contains("scheduler.jobs.ingest ← 1"), "{text}");
    assert!(text.contains("the origin topic header"), "{text}");
    assert!(text.contains("kdeck-replay-count=1"), "{text}");
}

#[test]
fn marks_make_the_selection_and_a_group_replays_by_reason() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char(' '));
    key(&mut s, KeyCode::Char(' '));
    let e = key(&mut s, KeyCode::Char('r'));
    let [Effect::PlanReplay { requests, .. }] = e.as_slice() else {
        panic!("{e:?}");
    };
    assert_eq!(
        requests[0].selection,
        Selection::Marked {
            coords: vec![(0, 1), (0, 2)]
        }
    );
    key(&mut s, KeyCode::Esc);
    assert!(s.modal.is_none());
    // Marks off again, then the by-reason view: the biggest group replays by its reason.
    key(&mut s, KeyCode::Char('a'));
    key(&mut s, KeyCode::Char('a'));
    assert!(s.dlq().marks.is_empty());
    key(&mut s, KeyCode::Char('b'));
    let e = key(&mut s, KeyCode::Char('r'));
    let [Effect::PlanReplay { requests, .. }] = e.as_slice() else {
        panic!("{e:?}");
    };
    assert_eq!(
        requests[0].selection,
        Selection::Reason {
            text: "timeout after #s".into()
        }
    );
}

#[test]
fn keys_typed_into_the_value_field_are_text_not_bindings() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('r'));
    let job = dialog(&s).job;
    news(
        &mut s,
        ReplayUpdate::Planned {
            job,
            result: Ok(vec![plan(1, 0)]),
        },
    );
    // tab: target, tab: rate, tab: value.
    for _ in 0..3 {
        key(&mut s, KeyCode::Tab);
    }
    for _ in 0..20 {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "q1?rcs p");
    assert!(!s.quit);
    assert!(s.modal.is_some());
    assert_eq!(dialog(&s).value.value(), "q1?rcs p");
    // Not JSON any more: Esc leaves the field and sending is refused with the reason shown.
    key(&mut s, KeyCode::Esc);
    assert!(s.modal.is_some(), "esc in a field only leaves the field");
    let e = key(&mut s, KeyCode::Enter);
    assert!(e.is_empty(), "{e:?}");
    let d = dialog(&s);
    assert!(d
        .value
        .error
        .as_deref()
        .unwrap()
        .starts_with("not valid JSON"));
    assert!(screen(&s).contains("not valid JSON"));
}

#[test]
fn a_valid_edit_is_planned_again_then_sent_and_progress_shown() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('r'));
    let job = dialog(&s).job;
    news(
        &mut s,
        ReplayUpdate::Planned {
            job,
            result: Ok(vec![plan(1, 0)]),
        },
    );
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    typed(&mut s, "250");
    key(&mut s, KeyCode::Tab);
    for _ in 0..20 {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, r#"{"job_id":"c2"}"#);
    // Leaving the edited value asks for a new dry run with the edit.
    let e = key(&mut s, KeyCode::Esc);
    let [Effect::PlanReplay {
        job: job2,
        requests,
    }] = e.as_slice()
    else {
        panic!("{e:?}");
    };
    assert!(*job2 > job);
    assert_eq!(
        requests[0].value_edit.as_deref(),
        Some(&br#"{"job_id":"c2"}"#[..])
    );
    assert_eq!(requests[0].rate, Some(250.0));
    // News of the replaced dry run is dropped.
    news(
        &mut s,
        ReplayUpdate::Planned {
            job,
            result: Err("old".into()),
        },
    );
    assert!(matches!(dialog(&s).stage, Stage::Planning));
    let job2 = *job2;
    news(
        &mut s,
        ReplayUpdate::Planned {
            job: job2,
            result: Ok(vec![plan(1, 0)]),
        },
    );
    let e = key(&mut s, KeyCode::Enter);
    assert!(
        matches!(e.as_slice(), [Effect::RunReplay { job, .. }] if *job == job2),
        "{e:?}"
    );
    news(
        &mut s,
        ReplayUpdate::Progress {
            job: job2,
            index: 0,
            progress: ReplayProgress {
                run_id: "r".into(),
                total: 1,
                sent: 1,
                acked: 0,
                ..Default::default()
            },
        },
    );
    assert!(screen(&s).contains("sent 1 / 1 · acknowledged 0 · failed 0"));
    // Esc does not close a running replay; c cancels it.
    key(&mut s, KeyCode::Esc);
    assert!(s.modal.is_some());
    assert!(matches!(
        key(&mut s, KeyCode::Char('c')).as_slice(),
        [Effect::CancelReplay]
    ));
    news(
        &mut s,
        ReplayUpdate::Finished {
            job: job2,
            result: Ok(vec![ReplaySummary {
                run_id: "r".into(),
                dlq: "jobs.dlq".into(),
                total: 1,
                acked: 1,
                ..Default::default()
            }]),
        },
    );
    assert!(screen(&s).contains("run r: 1 acknowledged, 0 failed of 1 from jobs.dlq"));
    news(
        &mut s,
        ReplayUpdate::Counts {
            dlq: "jobs.dlq".into(),
            counts: HashMap::from([((0, 2), 2)]),
        },
    );
    key(&mut s, KeyCode::Enter);
    assert!(s.modal.is_none());
    assert!(screen(&s).contains("↻ 2×"));
}

#[test]
fn records_replayed_before_need_a_second_enter() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('r'));
    let job = dialog(&s).job;
    news(
        &mut s,
        ReplayUpdate::Planned {
            job,
            result: Ok(vec![plan(1, 1)]),
        },
    );
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(screen(&s).contains("press enter again to replay them again"));
    let e = key(&mut s, KeyCode::Enter);
    assert!(matches!(e.as_slice(), [Effect::RunReplay { .. }]), "{e:?}");
}

#[test]
fn a_read_only_profile_refuses_to_open_the_dialog() {
    let mut s = state(true);
    let e = key(&mut s, KeyCode::Char('r'));
    assert!(e.is_empty());
    assert!(s.modal.is_none());
    let w = &s.health.warning.as_ref().unwrap().0;
    assert!(w.starts_with("replay refused"), "{w}");
}

#[test]
fn snapshots_of_the_by_reason_view_and_the_dialog() {
    let mut s = state(false);
    s.zoom = true;
    key(&mut s, KeyCode::Char(' '));
    key(&mut s, KeyCode::Char('b'));
    insta::assert_snapshot!("dlq_by_reason_120x40", screen(&s));
    key(&mut s, KeyCode::Char('b'));
    key(&mut s, KeyCode::Char('r'));
    let job = dialog(&s).job;
    news(
        &mut s,
        ReplayUpdate::Planned {
            job,
            result: Ok(vec![plan(1, 0)]),
        },
    );
    insta::assert_snapshot!("replay_dialog_120x40", screen(&s));
}

#[test]
fn shift_f_follows_the_selected_records_job_in_every_pane() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('F'));
    let f = s.follow.as_ref().expect("following");
    assert!(f.ids.contains("job-2"), "{f:?}");
    // A status record of the same job arrives: counted and highlighted.
    let status = to_record(
        Incoming {
            topic: "task-status",
            partition: 0,
            offset: 9,
            timestamp_ms: Some(NOW),
            key: Some(b"job-2"),
            value: Some(br#"{"status":"in_progress"}"#),
            headers: vec![],
        },
        1024,
        false,
    );
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Records(Role::Status, vec![status])),
        &keymap(),
    );
    assert_eq!(s.follow.as_ref().unwrap().seen, 1);
    let text = screen(&s);
    assert!(text.contains("following job c (1 seen)"), "{text}");
    assert!(text.contains("» "), "{text}");
    key(&mut s, KeyCode::Char('F'));
    assert!(s.follow.is_none(), "f again stops following");
}
