//! The job timeline (`t`) and the stuck-jobs view (`J`) through `update`, with fake worker
//! news (no broker): what opens, in which order the records come, what the search adds, which
//! effects go out, what the keys of the timeline open; and snapshots of both screens.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdeck::codec::decode::{to_record, Incoming};
use kdeck::domain::event::{JobFound, JobSearchUpdate};
use kdeck::domain::{Header, Record, Role};
use kdeck::engine::job::stuck::{Source, StuckJob, StuckReport};
use kdeck::engine::job::{Outcome, Step};
use kdeck::kafka::KafkaEvent;
use kdeck::support::config::load::load_with;
use kdeck::support::config::Overrides;
use kdeck::tui::app::effect::Effect;
use kdeck::tui::app::msg::Msg;
use kdeck::tui::app::state::State;
use kdeck::tui::app::update::update;
use kdeck::tui::keymap::Keymap;
use kdeck::tui::modals::timeline::{Search, TimelineView};
use std::collections::BTreeMap;

const NOW: i64 = 1_763_200_000_000;
const T: i64 = NOW - 60_000;

fn rec(topic: &str, p: i32, off: i64, at: i64, v: &str, headers: &[(&str, &str)]) -> Record {
    to_record(
        Incoming {
            topic,
            partition: p,
            offset: off,
            timestamp_ms: Some(at),
            key: Some(b"CHG-7"),
            value: Some(v.as_bytes()),
            headers: headers
                .iter()
                .map(|(k, v)| Header {
                    key: k.to_string(),
                    value: Some(v.as_bytes().to_vec()),
                })
                .collect(),
        },
        1 << 20,
        topic.contains("dlq"),
    )
}

fn status(chg: &str, n: i64, pct: i64, topic: &str, off: i64) -> Record {
    let v = format!(
        r#"{{"event_type":"task_status_update","change_number":"{chg}","request_id":"status_update_{chg}_{n}","original_request_id":"device_conn_{chg}","status":"in_progress","progress_percentage":{pct}}}"#
    );
    rec(topic, 0, off, T + n * 1000, &v, &[])
}

fn request() -> Record {
    rec(
        "scheduler.jobs.ingest",
        1,
        77,
        T,
        r#"{"event_type":"device_connection","change_number":"CHG-7","request_id":"device_conn_CHG-7","device_name":"NYC-Core-SW01"}"#,
        &[],
    )
}

fn completion() -> Record {
    rec(
        "franc.task.completion",
        2,
        5,
        T + 4000,
        r#"{"event_type":"task_completion","change_number":"CHG-7","original_request_id":"device_conn_CHG-7","completion_status":"completed","completion_message":"connected"}"#,
        &[],
    )
}

fn dlq_record() -> Record {
    rec(
        "dlq-domain-services",
        1,
        9,
        T + 6000,
        r#"{"export_id":"export-9","org_id":"org-1"}"#,
        &[
            ("dlq-error", "S3 upload failed"),
            ("dlq-original-topic", "export-requests"),
        ],
    )
}

fn keymap() -> Keymap {
    Keymap::new(&BTreeMap::new()).unwrap()
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(
        s,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        &keymap(),
    )
}

fn feed(s: &mut State, ev: KafkaEvent) {
    update(s, Msg::Kafka(ev), &keymap());
}

/// Job CHG-7's three status updates (over two topics) and its completion in the panes, with
/// another job's status between them and the DLQ record of an export.
fn state() -> State {
    let cfg = load_with(&Overrides::default(), &|_| None, None).unwrap();
    let mut s = State::new(&cfg, false, NOW);
    feed(
        &mut s,
        KafkaEvent::Records(Role::Completion, vec![completion()]),
    );
    feed(&mut s, KafkaEvent::Records(Role::Dlq, vec![dlq_record()]));
    let statuses = vec![
        status("CHG-7", 1, 20, "franc.task.status", 0),
        status("CHG-8", 1, 10, "franc.task.status", 1),
        status("CHG-7", 2, 55, "franc.task.status", 2),
        status("CHG-7", 3, 85, "task-status", 0),
    ];
    feed(&mut s, KafkaEvent::Records(Role::Status, statuses));
    update(&mut s, Msg::Tick(NOW), &keymap());
    s
}

fn timeline(s: &State) -> &TimelineView {
    match s.modal_as::<kdeck::tui::modals::timeline::TimelineView>() {
        Some(v) => v,
        None => panic!("no timeline open"),
    }
}

fn rows(v: &TimelineView) -> Vec<(String, Option<i64>, Option<f64>)> {
    v.timeline
        .steps
        .iter()
        .map(|s| {
            let r = &s.record;
            (
                format!("{}/{}@{}", r.topic, r.partition, r.offset),
                s.delta_ms,
                s.progress,
            )
        })
        .collect()
}

/// Opens CHG-7's timeline from the status pane's newest row.
fn open_chg7(s: &mut State) -> (u64, Vec<String>) {
    key(s, KeyCode::Char('2'));
    let effects = key(s, KeyCode::Char('t'));
    match effects.as_slice() {
        [Effect::SearchJob { gen, ids, since_ms }] => {
            assert_eq!(
                *since_ms,
                T + 1000 - 3_600_000,
                "an hour before the first known"
            );
            (*gen, ids.clone())
        }
        other => panic!("expected one search, got {other:?}"),
    }
}

fn found(gen: u64, steps: Vec<Step>) -> KafkaEvent {
    KafkaEvent::JobSearch(JobSearchUpdate::Done {
        gen,
        result: Ok(JobFound {
            steps,
            scanned: 12_345,
            warnings: vec![],
            stopped: false,
        }),
    })
}

fn step(record: Record, source: Source) -> Step {
    Step {
        record,
        source,
        progress: None,
        delta_ms: None,
    }
}

#[test]
fn t_opens_the_jobs_records_from_memory_in_time_order_then_merges_the_search() {
    let mut s = state();
    let (gen, ids) = open_chg7(&mut s);
    assert!(ids.contains(&"CHG-7".to_string()) && ids.contains(&"device_conn_CHG-7".to_string()));
    let v = timeline(&s);
    assert_eq!(
        rows(v),
        vec![
            ("franc.task.status/0@0".into(), Some(0), Some(20.0)),
            ("franc.task.status/0@2".into(), Some(1000), Some(55.0)),
            ("task-status/0@0".into(), Some(2000), Some(85.0)),
            ("franc.task.completion/2@5".into(), Some(3000), None),
        ],
        "CHG-8's status is not CHG-7's"
    );
    assert_eq!(v.timeline.outcome, Outcome::Completed);
    assert_eq!(v.timeline.latency_ms, Some(3000));
    assert!(matches!(v.search, Search::Running { .. }));

    // Another search's news changes nothing.
    feed(
        &mut s,
        found(gen + 100, vec![step(request(), Source::Request)]),
    );
    assert_eq!(timeline(&s).timeline.steps.len(), 4);
    feed(
        &mut s,
        KafkaEvent::JobSearch(JobSearchUpdate::Progress {
            gen,
            scanned: 5000,
            found: 2,
        }),
    );
    let screen = common::screen::render(&s, 120, 40);
    assert!(
        screen.contains("5000 records read, 2 of the job"),
        "{screen}"
    );

    // The search found the request (not in any pane) and the completion again.
    let steps = vec![
        step(completion(), Source::Completion),
        step(request(), Source::Request),
    ];
    feed(&mut s, found(gen, steps));
    let v = timeline(&s);
    let r = rows(v);
    assert_eq!(r.len(), 5, "the completion is not doubled");
    assert_eq!(r[0].0, "scheduler.jobs.ingest/1@77");
    let deltas: Vec<Option<i64>> = r.iter().map(|x| x.1).collect();
    assert_eq!(deltas, [0, 1000, 2000, 3000, 4000].map(Some));
    assert_eq!(v.timeline.latency_ms, Some(4000), "from the request");
    assert!(matches!(
        v.search,
        Search::Done {
            added: 1,
            scanned: 12_345,
            ..
        }
    ));
    insta::assert_snapshot!("timeline_120x40", common::screen::render(&s, 120, 40));
}

#[test]
fn esc_stops_the_search_first_then_closes() {
    let mut s = state();
    open_chg7(&mut s);
    assert_eq!(key(&mut s, KeyCode::Esc), vec![Effect::CancelJobSearch]);
    assert!(matches!(
        timeline(&s).search,
        Search::Running { stopping: true, .. }
    ));
    key(&mut s, KeyCode::Esc);
    assert!(s.modal.is_none());
}

#[test]
fn enter_opens_a_record_and_esc_comes_back_to_the_timeline() {
    let mut s = state();
    let (gen, _) = open_chg7(&mut s);
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    match s.modal_as::<kdeck::tui::modals::detail::DetailState>() {
        Some(d) => assert_eq!(d.title, "franc.task.status/0@2"),
        None => panic!("no detail"),
    }
    // The search's answer reaches the timeline under the detail view.
    feed(&mut s, found(gen, vec![step(request(), Source::Request)]));
    key(&mut s, KeyCode::Esc);
    let v = timeline(&s);
    assert_eq!(v.timeline.steps.len(), 5);
    assert_eq!(
        v.selected_step().unwrap().record.offset,
        2,
        "the selection stayed on its record"
    );
    // Help over the timeline, and back.
    key(&mut s, KeyCode::Char('?'));
    assert!(s
        .modal_as::<kdeck::tui::modals::help::HelpState>()
        .is_some());
    key(&mut s, KeyCode::Esc);
    assert_eq!(timeline(&s).timeline.steps.len(), 5);
    // The detail view's `t` opens the timeline of the record shown.
    key(&mut s, KeyCode::Enter);
    let effects = key(&mut s, KeyCode::Char('t'));
    assert!(matches!(effects.as_slice(), [Effect::SearchJob { .. }]));
    assert_eq!(timeline(&s).timeline.steps.len(), 4, "a new timeline");
}

#[test]
fn r_replays_the_jobs_dlq_record_and_e_republishes_its_request() {
    let mut s = state();
    key(&mut s, KeyCode::Char('3'));
    key(&mut s, KeyCode::Char('t'));
    assert_eq!(timeline(&s).label, "export-9");
    assert_eq!(timeline(&s).timeline.outcome, Outcome::DeadLettered);
    let effects = key(&mut s, KeyCode::Char('r'));
    match s.modal_as::<kdeck::tui::modals::replay::ReplayDialog>() {
        Some(d) => {
            assert_eq!(d.scope.what, "dlq-domain-services/1@9");
        }
        _ => panic!("no replay dialog"),
    }
    assert!(
        matches!(effects.as_slice(), [Effect::PlanReplay { .. }]),
        "{effects:?}"
    );
    // No request of this job: republish says so and opens nothing.
    key(&mut s, KeyCode::Esc);
    assert!(s
        .modal_as::<kdeck::tui::modals::timeline::TimelineView>()
        .is_some());
    key(&mut s, KeyCode::Char('e'));
    assert!(s
        .modal_as::<kdeck::tui::modals::timeline::TimelineView>()
        .is_some());
    let warning = s.health.warning.as_ref().map(|w| w.0.clone());
    assert!(warning.unwrap_or_default().contains("no request"));

    // CHG-7 has a request once the search found it; it has no DLQ record.
    let mut s = state();
    let (gen, _) = open_chg7(&mut s);
    key(&mut s, KeyCode::Char('r'));
    assert!(s
        .modal_as::<kdeck::tui::modals::timeline::TimelineView>()
        .is_some());
    feed(&mut s, found(gen, vec![step(request(), Source::Request)]));
    key(&mut s, KeyCode::Char('e'));
    match s.modal_as::<kdeck::tui::modals::publish::PublishDialog>() {
        Some(d) => {
            let values: Vec<&str> = d.inputs.iter().map(|f| f.value()).collect();
            assert!(
                values.iter().any(|v| v.contains("\"device_conn_CHG-7\"")),
                "{values:?}"
            );
            assert!(values.contains(&"scheduler.jobs.ingest"), "{values:?}");
        }
        _ => panic!("no publish dialog"),
    }
}

fn report() -> StuckReport {
    let job = |id: &str, others: &[&str], last: i64, status: &str| StuckJob {
        id: id.into(),
        ids: std::iter::once(id)
            .chain(others.iter().copied())
            .map(String::from)
            .collect(),
        opened_ms: last - 2000,
        last_ms: last,
        last_status: status.into(),
        silent_ms: NOW - last,
    };
    StuckReport {
        jobs: vec![
            job(
                "device_conn_CHG-3",
                &["CHG-3"],
                NOW - 600_000,
                "in_progress",
            ),
            job("job-42", &[], NOW - 420_000, "requested"),
        ],
        stuck: 2,
        open: 17,
        evicted: 0,
        after_ms: 300_000,
    }
}

#[test]
fn stuck_jobs_show_on_the_health_line_and_in_their_view_and_enter_opens_a_timeline() {
    let mut s = state();
    let screen = common::screen::render(&s, 120, 40);
    assert!(!screen.contains("stuck"), "nothing before the first report");
    feed(&mut s, KafkaEvent::Stuck(Box::new(report())));
    let screen = common::screen::render(&s, 120, 40);
    assert!(
        screen.lines().next().unwrap().contains("⧗ 2 stuck jobs"),
        "{screen}"
    );
    key(&mut s, KeyCode::Char('5'));
    let screen = common::screen::render(&s, 120, 40);
    assert!(
        screen.contains("jobs   2 stuck (silent 5m00s or more) · 17 open"),
        "{screen}"
    );
    key(&mut s, KeyCode::Char('J'));
    insta::assert_snapshot!("stuck_jobs_120x40", common::screen::render(&s, 120, 40));
    key(&mut s, KeyCode::Down);
    let effects = key(&mut s, KeyCode::Enter);
    match effects.as_slice() {
        [Effect::SearchJob { ids, since_ms, .. }] => {
            assert_eq!(ids, &["job-42".to_string()]);
            assert_eq!(*since_ms, NOW - 422_000 - 3_600_000);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(timeline(&s).label, "job-42");
    // Esc twice (stop the search, close): back on the stuck list.
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Esc);
    assert!(s
        .modal_as::<kdeck::tui::modals::stuck::StuckView>()
        .is_some());
    // A report without the job: it left the list (its completion arrived).
    let mut r = report();
    r.jobs.remove(1);
    r.stuck = 1;
    feed(&mut s, KafkaEvent::Stuck(Box::new(r)));
    let screen = common::screen::render(&s, 120, 40);
    assert!(!screen.contains("job-42") && screen.contains("Stuck jobs (1)"));
    key(&mut s, KeyCode::Esc);
    assert!(s.modal.is_none());
}

#[test]
fn both_views_fit_small_terminals() {
    let mut s = state();
    open_chg7(&mut s);
    let screen = common::screen::render(&s, 80, 24);
    assert!(screen.contains("Timeline of job CHG-7"), "{screen}");
    assert!(screen.contains("completed · end-to-end 3.000s"), "{screen}");
    for (w, h) in [(30, 8), (10, 4), (1, 1)] {
        common::screen::render(&s, w, h);
    }
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Esc);
    feed(&mut s, KafkaEvent::Stuck(Box::new(report())));
    key(&mut s, KeyCode::Char('J'));
    let screen = common::screen::render(&s, 80, 24);
    assert!(
        screen.contains("Stuck jobs (2)") && screen.contains("job-42"),
        "{screen}"
    );
    for (w, h) in [(30, 8), (10, 4), (1, 1)] {
        common::screen::render(&s, w, h);
    }
}

#[test]
fn going_from_record_to_timeline_again_and_again_keeps_a_bounded_stack() {
    let mut s = state();
    open_chg7(&mut s);
    for _ in 0..50 {
        key(&mut s, KeyCode::Enter);
        assert!(s
            .modal_as::<kdeck::tui::modals::detail::DetailState>()
            .is_some());
        key(&mut s, KeyCode::Char('t'));
        assert!(s
            .modal_as::<kdeck::tui::modals::timeline::TimelineView>()
            .is_some());
    }
    assert!(s.parked.len() <= 8, "{} parked", s.parked.len());
    // Closing walks back through what is kept, then to the dashboard.
    for _ in 0..20 {
        key(&mut s, KeyCode::Esc);
        key(&mut s, KeyCode::Esc);
    }
    assert!(s.modal.is_none() && s.parked.is_empty());
}

#[test]
fn e_exports_the_timeline_in_its_order_and_the_timeline_comes_back() {
    let mut s = state();
    s.export_dir = Some(std::path::PathBuf::from("/tmp/kdeck-exports"));
    open_chg7(&mut s);
    key(&mut s, KeyCode::Char('E'));
    let Some(d) = s.modal_as::<kdeck::tui::modals::export::ExportDialog>() else {
        panic!("E opens the export dialog over the timeline");
    };
    assert_eq!(d.count, 4);
    assert!(
        d.field.value().contains("kdeck-timeline-chg-7-"),
        "{}",
        d.field.value()
    );
    // Esc cancels: the timeline is back.
    key(&mut s, KeyCode::Esc);
    assert_eq!(timeline(&s).timeline.steps.len(), 4);
    key(&mut s, KeyCode::Char('E'));
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Export { records, .. }] = effects.as_slice() else {
        panic!("one export effect, got {effects:?}");
    };
    let got: Vec<String> = records
        .0
        .iter()
        .map(|r| format!("{}/{}@{}", r.topic, r.partition, r.offset))
        .collect();
    let want: Vec<String> = rows(timeline(&s)).into_iter().map(|r| r.0).collect();
    assert_eq!(got, want, "the timeline's records, in its order");
}
