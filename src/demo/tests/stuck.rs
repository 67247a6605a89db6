//! Stuck jobs: a few of the demo's hang, then complete.

use crate::demo::{demo_topics, Pipeline, DEMO_STUCK_AFTER_MS};
use crate::domain::Header;
use crate::engine::job::stuck::{Source, StuckTracker};

const T0: i64 = 1_700_000_000_000;

fn source(topic: &str) -> Source {
    let t = demo_topics();
    t.lifecycle()
        .into_iter()
        .find(|(x, _)| x == topic)
        .map_or(Source::Status, |(_, k)| k)
}

/// Runs the simulator in 100 ms steps over `[from, to)`, feeding the tracker.
fn feed(p: &mut Pipeline, t: &mut StuckTracker, from: i64, to: i64) {
    let id = crate::engine::job::Identity::builtin();
    for ms in (from..to).step_by(100) {
        for ev in p.step(ms, T0 + ms) {
            let r = ev.record;
            let headers: Vec<Header> = r
                .headers
                .iter()
                .map(|(k, v)| Header {
                    key: k.clone(),
                    value: Some(v.clone()),
                })
                .collect();
            let json = (r.topic == crate::demo::java_status::TOPIC)
                .then(|| crate::demo::java_status::as_json(r.value.as_deref()?))
                .flatten();
            let value = json.as_deref().or(r.value.as_deref());
            let parts = (r.key.as_deref(), &headers[..], value);
            crate::engine::job::stuck::observe(t, id, parts, source(&r.topic), T0 + ms);
        }
    }
}

#[test]
fn a_few_demo_jobs_get_stuck_and_leave_the_list_when_they_complete() {
    for rate in [3.0, 200.0] {
        a_few_get_stuck_at(rate);
    }
}

fn a_few_get_stuck_at(rate: f64) {
    let mut p = Pipeline::new(0x5eed_c0de, rate);
    let mut t = StuckTracker::new(DEMO_STUCK_AFTER_MS, 10_000);
    feed(&mut p, &mut t, 0, 40_000);
    let stuck = t.stuck(T0 + 40_000);
    let first: Vec<String> = stuck.iter().map(|j| j.id.clone()).collect();
    // One job in 12 s hangs: those of the first 20 s (at about 1 s and 13 s) are stuck.
    assert_eq!(stuck.len(), 2, "at {rate} jobs/s: {stuck:?}");
    assert!(
        stuck.iter().all(|j| j.last_status == "in_progress"),
        "{stuck:?}"
    );
    // Their completion comes STUCK_FOR_MS after their request: they leave the list.
    feed(&mut p, &mut t, 40_000, 60_000);
    let later: Vec<String> = t.stuck(T0 + 60_000).into_iter().map(|j| j.id).collect();
    assert!(
        !later.contains(&first[0]),
        "{} still stuck: {later:?}",
        first[0]
    );
    assert!(!later.is_empty(), "later jobs hang in turn");
}
