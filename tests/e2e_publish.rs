//! Publishing from the dashboard end to end in the embedded demo (no broker needed): the real
//! binary in tmux, a template picked by typing, a field filled, the record sent, and the job
//! it starts followed through the simulated pipeline's status and completion events.

mod common;

use common::tmux::{seen, Tmux};

#[test]
fn a_published_job_runs_through_the_demo_pipeline_and_is_followed() {
    let data = tempfile::tempdir().unwrap();
    let cmd = format!(
        "KDECK_DATA_DIR={d} KDECK_CONFIG_DIR={d} {} --demo --demo-rate 2",
        env!("CARGO_BIN_EXE_kdeck"),
        d = data.path().display(),
    );
    let t = Tmux::start(&cmd, 150, 50);
    t.wait_for("the dashboard", |s| s.contains("Completions"), 20);
    t.keys(&["n"]);
    t.wait_for(
        "the template picker",
        |s| s.contains("choose a template"),
        10,
    );
    for c in "schedule-job".chars() {
        t.keys(&[&c.to_string()]);
    }
    t.keys(&["Enter"]);
    t.wait_for("the form", |s| s.contains("Publish · schedule-job"), 10);
    // Fill a field: the app name (second field), typed over its default.
    t.keys(&["Tab", "C-u", "C-k"]);
    for c in "sms2".chars() {
        t.keys(&[&c.to_string()]);
    }
    t.wait_for(
        "the preview to follow the typing",
        |s| s.contains("\"appName\": \"sms2\""),
        10,
    );
    t.keys(&["Enter"]);
    t.wait_for(
        "the delivery",
        |s| s.contains("1 acknowledged, 0 failed"),
        30,
    );
    t.keys(&["Escape"]);
    let s = t.wait_for(
        "the job's status and completion events",
        |s| s.contains("following job") && seen(s) >= 2,
        40,
    );
    assert!(seen(&s) >= 2, "{s}");
    t.keys(&["1", "z"]);
    t.wait_for(
        "its completion highlighted in the completions pane",
        |s| s.lines().any(|l| l.contains("» ") && l.contains("sms2-")),
        20,
    );
    // The publish was audited.
    let audit = std::fs::read_to_string(data.path().join("publish.jsonl")).unwrap();
    assert!(audit.contains("\"source\":\"schedule-job\""), "{audit}");
    assert!(audit.contains("\"acked\":1"), "{audit}");
    t.keys(&["q"]);
    t.wait_for("kdeck to exit", |_| t.pane_dead(), 10);
}
