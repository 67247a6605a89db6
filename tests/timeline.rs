//! The dashboard's job timeline and stuck jobs against a real Apache Kafka broker: the
//! dashboard's reader fills the panes, the timeline's search worker and the stuck-jobs watcher
//! read the topics, and their events go through `update` as in the app.
//! - a job whose request, three status updates and completion are spread over five topics is
//!   shown whole and in time order (the request only the search finds: it has no pane);
//! - a job requested and in progress, then silent for `stuck_after`, is listed as stuck (and on
//!   the health line), and leaves the list when its completion arrives.

mod common;

use common::{brokers, cluster, unique};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdeck::domain::event::JobSearchCmd;
use kdeck::domain::{OutRecord, Role};
use kdeck::engine::job::stuck::Source;
use kdeck::engine::job::Outcome;
use kdeck::kafka::jobs::{ScanSpec, WatchSpec};
use kdeck::kafka::worker::Worker;
use kdeck::kafka::{admin, consumer, producer, KafkaEvent};
use kdeck::support::config::load::load_with;
use kdeck::support::config::{Config, Overrides, StartAt};
use kdeck::tui::app::effect::Effect;
use kdeck::tui::app::msg::Msg;
use kdeck::tui::app::state::State;
use kdeck::tui::app::update::update;
use kdeck::tui::keymap::Keymap;
use kdeck::tui::modals::timeline::Search;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

struct Topics {
    request: String,
    status_a: String,
    status_b: String,
    done: String,
    dlq: String,
}

/// Five new topics and a profile naming them, stuck after 2 s, read from the beginning.
fn setup() -> (Topics, Config, tempfile::TempDir) {
    let b = brokers();
    let t = Topics {
        request: unique("kdeck-tl-req"),
        status_a: unique("kdeck-tl-st-a"),
        status_b: unique("kdeck-tl-st-b"),
        done: unique("kdeck-tl-done"),
        dlq: unique("kdeck-tl-dlq"),
    };
    let names = [&t.request, &t.status_a, &t.status_b, &t.done, &t.dlq];
    let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    admin::create_topics(&cluster(&b), &names, 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("kdeck.toml");
    let text = format!(
        "[profiles.t.topics]\nrequest = [\"{}\"]\nstatus = [\"{}\", \"{}\"]\n\
         completion = [\"{}\"]\ndlq = [\"{}\"]\n[profiles.t.jobs]\nstuck_after = \"2s\"\n",
        t.request, t.status_a, t.status_b, t.done, t.dlq
    );
    std::fs::write(&p, text).unwrap();
    let o = Overrides {
        config_path: Some(p),
        brokers: Some(b),
        start: Some("beginning".into()),
        ..Default::default()
    };
    let cfg = load_with(&o, &|_| None, None).unwrap();
    assert_eq!(cfg.jobs.stuck_after_ms, 2000);
    assert_eq!(cfg.consumer.start, StartAt::Beginning);
    (t, cfg, dir)
}

fn rec(topic: &str, key: &str, value: Value, at_ms: Option<i64>) -> OutRecord {
    OutRecord {
        topic: topic.to_string(),
        partition: None,
        key: Some(key.as_bytes().to_vec()),
        value: Some(value.to_string().into_bytes()),
        headers: vec![],
        timestamp_ms: at_ms,
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn produce(cfg: &Config, recs: &[OutRecord]) {
    producer::produce_all(&cfg.cluster, recs, Duration::from_secs(30)).unwrap();
}

fn keymap() -> Keymap {
    Keymap::new(&BTreeMap::new()).unwrap()
}

fn key(s: &mut State, c: char) -> Vec<Effect> {
    let k = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    update(s, Msg::Key(k), &keymap())
}

fn scan(cfg: &Config) -> ScanSpec {
    ScanSpec {
        cluster: cfg.cluster.clone(),
        lifecycle: cfg.topics.lifecycle(),
        identity: cfg.jobs.identity.clone(),
        value_cap: cfg.ui.max_value_bytes,
        max_scanned: u64::MAX,
    }
}

/// Feeds the workers' events into `update` until `done(state)` or `within` passes.
fn pump(
    s: &mut State,
    rx: &mut mpsc::Receiver<KafkaEvent>,
    within: Duration,
    done: impl Fn(&State) -> bool,
) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if done(s) {
            return true;
        }
        match rx.try_recv() {
            Ok(ev) => {
                update(s, Msg::Kafka(ev), &keymap());
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    done(s)
}

/// A FRANC portal job: a request, three status updates over two status topics, a completion.
fn portal_job(t: &Topics, chg: &str, t0: i64) -> Vec<OutRecord> {
    let req_id = format!("device_conn_{chg}");
    let status = |n: i64, pct: i64, topic: &str| {
        rec(
            topic,
            chg,
            json!({"event_type": "task_status_update", "change_number": chg,
                   "request_id": format!("status_update_{chg}_{n}"),
                   "original_request_id": req_id, "status": "in_progress",
                   "progress_percentage": pct}),
            Some(t0 + n * 1000),
        )
    };
    vec![
        rec(
            &t.done,
            chg,
            json!({"event_type": "task_completion", "change_number": chg,
                   "original_request_id": req_id, "completion_status": "completed"}),
            Some(t0 + 4000),
        ),
        status(2, 65, &t.status_b),
        rec(
            &t.request,
            chg,
            json!({"event_type": "device_connection", "change_number": chg,
                   "request_id": req_id, "device_name": "NYC-Core-SW01"}),
            Some(t0),
        ),
        status(1, 20, &t.status_a),
        status(3, 90, &t.status_a),
    ]
}

/// The dashboard's reader fills the panes with both jobs' statuses and completions (requests
/// have no pane); the status pane's row of `key`'s newest status is selected.
fn panes_with(
    cfg: &Config,
    tx: mpsc::Sender<KafkaEvent>,
    rx: &mut mpsc::Receiver<KafkaEvent>,
    key_of_job: &str,
) -> (Worker<consumer::StreamCmd>, State) {
    let stream = consumer::spawn(
        consumer::StreamSpec {
            cluster: cfg.cluster.clone(),
            group_id: "kdeck-test-timeline".into(),
            topics: cfg.topics.clone(),
            start: cfg.consumer.start,
            value_cap: cfg.ui.max_value_bytes,
            jobs: None,
        },
        tx,
    );
    let mut s = State::new(cfg, false, now_ms());
    let filled = pump(&mut s, rx, Duration::from_secs(30), |s| {
        s.stream(Role::Status).records.len() == 6 && s.stream(Role::Completion).records.len() == 2
    });
    assert!(filled, "the panes did not fill");
    key(&mut s, '2');
    let pane = s.stream(Role::Status);
    let at = (0..6)
        .find(|i| {
            let r = pane.records.get(pane.records.len() - 1 - i).unwrap();
            r.key.as_deref() == Some(key_of_job.as_bytes())
        })
        .unwrap();
    s.stream_mut(Role::Status).selected = at;
    (stream, s)
}

#[test]
fn a_job_over_five_topics_shows_whole_and_in_order_in_the_dashboard_timeline() {
    let (t, cfg, _dir) = setup();
    let t0 = now_ms() - 60_000;
    let mut recs = portal_job(&t, "CHG-DT", t0);
    recs.extend(portal_job(&t, "CHG-OTHER", t0 + 100));
    produce(&cfg, &recs);

    let (tx, mut rx) = mpsc::channel(64);
    let search = kdeck::kafka::jobs::spawn_search(scan(&cfg), tx.clone());
    let (stream, mut s) = panes_with(&cfg, tx, &mut rx, "CHG-DT");
    let effects = key(&mut s, 't');
    let [Effect::SearchJob { gen, ids, since_ms }] = effects.as_slice() else {
        panic!("expected a search, got {effects:?}");
    };
    assert_eq!(
        s.modal_as::<kdeck::tui::modals::timeline::TimelineView>()
            .map_or(0, |v| v.timeline.steps.len()),
        4,
        "three statuses and the completion come from memory at once"
    );
    let mut search = search;
    search
        .start(*gen, |job| JobSearchCmd {
            job,
            ids: ids.clone(),
            since_ms: *since_ms,
        })
        .unwrap();
    let searched = pump(&mut s, &mut rx, Duration::from_secs(60), |s| {
        s.modal_as::<kdeck::tui::modals::timeline::TimelineView>()
            .is_some_and(|v| matches!(v.search, Search::Done { .. }))
    });
    assert!(searched, "the search did not end");
    let Some(v) = s.modal_as::<kdeck::tui::modals::timeline::TimelineView>() else {
        unreachable!()
    };
    let got: Vec<(Source, &str, Option<i64>, Option<f64>)> = v
        .timeline
        .steps
        .iter()
        .map(|st| {
            (
                st.source,
                st.record.topic.as_str(),
                st.delta_ms,
                st.progress,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Source::Request, t.request.as_str(), Some(0), None),
            (Source::Status, t.status_a.as_str(), Some(1000), Some(20.0)),
            (Source::Status, t.status_b.as_str(), Some(2000), Some(65.0)),
            (Source::Status, t.status_a.as_str(), Some(3000), Some(90.0)),
            (Source::Completion, t.done.as_str(), Some(4000), None),
        ],
        "CHG-OTHER stays out; the request comes from the topics"
    );
    assert_eq!(v.timeline.outcome, Outcome::Completed);
    assert_eq!(v.timeline.latency_ms, Some(4000));
    assert!(
        matches!(
            v.search,
            Search::Done {
                added: 1,
                stopped: false,
                ..
            }
        ),
        "{:?}",
        v.search
    );
    let screen = common::screen::render(&s, 140, 40);
    assert!(screen.contains("completed · end-to-end 4.000s"), "{screen}");
    let _ = &t.dlq;
    stream.stop();
}

#[test]
fn the_search_reads_whole_topics_from_0_and_stops_at_its_cap() {
    let (t, cfg, _dir) = setup();
    let t0 = now_ms() - 60_000;
    let mut recs = portal_job(&t, "CHG-W", t0);
    recs.extend(portal_job(&t, "CHG-X", t0 + 100));
    produce(&cfg, &recs);
    let ids = ["CHG-W".to_string()];
    let no = AtomicBool::new(false);
    let spec = scan(&cfg);
    let all = kdeck::kafka::jobs::find(&spec, &ids, 0, 100, &no, &mut |_, _| {}).unwrap();
    assert_eq!((all.scanned, all.steps.len(), all.stopped), (10, 5, false));
    assert_eq!(all.topics, 5);
    let capped = ScanSpec {
        max_scanned: 3,
        ..scan(&cfg)
    };
    let part = kdeck::kafka::jobs::find(&capped, &ids, 1, 100, &no, &mut |_, _| {}).unwrap();
    assert_eq!(part.scanned, 3);
    assert!(part.stopped && part.steps.len() <= 3);
    assert!(
        part.warnings.iter().any(|w| w.contains("cap")),
        "{:?}",
        part.warnings
    );
    let few = kdeck::kafka::jobs::find(&spec, &ids, 1, 2, &no, &mut |_, _| {}).unwrap();
    assert_eq!(few.steps.len(), 2);
    assert!(few.stopped, "at most max_steps records of the job");
}

fn names(c: &str) -> impl Fn(&Vec<String>) -> bool + '_ {
    move |ids| ids.iter().any(|i| i == c)
}

fn stuck_ids(s: &State) -> Option<Vec<Vec<String>>> {
    let r = s.jobs.report.as_ref()?;
    Some(r.jobs.iter().map(|j| j.ids.clone()).collect())
}

#[test]
fn a_silent_job_is_stuck_after_the_configured_time_and_leaves_when_it_completes() {
    let (t, cfg, _dir) = setup();
    let chg = unique("CHG-STK");
    let quick = unique("CHG-QUICK");
    let req_id = format!("device_conn_{chg}");
    let status = |c: &str, st: &str| {
        json!({"change_number": c, "original_request_id": format!("device_conn_{c}"),
               "status": st, "progress_percentage": 40})
    };
    produce(
        &cfg,
        &[
            rec(
                &t.request,
                &chg,
                json!({"change_number": chg, "request_id": req_id}),
                None,
            ),
            rec(&t.status_b, &chg, status(&chg, "in_progress"), None),
            rec(
                &t.request,
                &quick,
                json!({"request_id": format!("device_conn_{quick}")}),
                None,
            ),
            rec(&t.status_a, &quick, status(&quick, "in_progress"), None),
            rec(&t.done, &quick, status(&quick, "completed"), None),
        ],
    );
    let sent = Instant::now();
    let (tx, mut rx) = mpsc::channel(64);
    // The dashboard's reader tracks stuck jobs on the records it decodes, and reads the
    // request topic for them without a pane.
    let _stream = consumer::spawn(
        consumer::StreamSpec {
            cluster: cfg.cluster.clone(),
            group_id: "kdeck-test-jobs".into(),
            topics: cfg.topics.clone(),
            start: cfg.consumer.start,
            value_cap: cfg.ui.max_value_bytes,
            jobs: Some(WatchSpec {
                lifecycle: cfg.topics.lifecycle(),
                identity: cfg.jobs.identity.clone(),
                start: cfg.consumer.start,
                stuck_after_ms: cfg.jobs.stuck_after_ms,
                max_open: cfg.jobs.max_open,
            }),
        },
        tx,
    );
    let mut s = State::new(&cfg, false, now_ms());
    let listed = pump(&mut s, &mut rx, Duration::from_secs(30), |s| {
        stuck_ids(s).is_some_and(|l| l.iter().any(names(&chg)))
    });
    assert!(listed, "{chg} was never listed: {:?}", s.jobs.report);
    assert!(
        sent.elapsed() >= Duration::from_secs(2),
        "not stuck before stuck_after"
    );
    let list = stuck_ids(&s).unwrap();
    assert!(
        !list.iter().any(names(&quick)),
        "a completed job is not stuck"
    );
    let job = &s.jobs.report.as_ref().unwrap().jobs[0];
    assert_eq!(job.last_status, "in_progress");
    assert!(job.ids.contains(&req_id), "request and status are one job");
    s.now_ms = now_ms();
    let screen = common::screen::render(&s, 120, 40);
    assert!(
        screen.lines().next().unwrap().contains("⧗ 1 stuck job"),
        "{screen}"
    );

    produce(&cfg, &[rec(&t.done, &chg, status(&chg, "completed"), None)]);
    let gone = pump(&mut s, &mut rx, Duration::from_secs(30), |s| {
        stuck_ids(s).is_some_and(|l| !l.iter().any(names(&chg)))
    });
    assert!(gone, "{chg} is still listed after its completion");
    assert_eq!(s.jobs.stuck_count(), 0);
    assert_eq!(s.jobs.report.as_ref().unwrap().open, 0);
}
