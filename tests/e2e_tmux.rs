//! The real `kdeck` binary in tmux against the real broker: records produced to each role's
//! topic appear in the right pane, the detail view opens, and quitting restores the terminal.

mod common;

use common::tmux::Tmux;
use common::{brokers, cluster, unique};
use kdeck::kafka::{admin, producer};
use std::process::Command;
use std::time::{Duration, Instant};

use common::out_record as rec;

/// Row of the first line containing `needle`.
fn row_of(screen: &str, needle: &str) -> usize {
    screen
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{screen}"))
}

#[test]
fn produced_events_appear_in_their_panes() {
    let b = brokers();
    let c = cluster(&b);
    let (done, status, dlq) = (unique("e2e-done"), unique("e2e-status"), unique("e2e-dlq"));
    admin::create_topics(&c, &[&done, &status, &dlq], 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let cmd = format!(
        "{} --config {} -b {b} --completion {done} --status {status} --dlq {dlq} --from beginning",
        env!("CARGO_BIN_EXE_kdeck"),
        cfg.display()
    );
    let t = Tmux::start(&cmd, 120, 40);
    t.wait_for(
        "the dashboard",
        |s| s.contains("Completions") && s.contains("(1 broker)"),
        20,
    );

    producer::produce_all(
        &c,
        &[
            rec(
                &done,
                "e2e-export-1",
                r#"{"export_id":"e2e-export-1","job_id":"job-e2e","org_id":"org-1","status":"complete","completed_at":"2024-01-15T10:30:00Z"}"#,
                &[("event_type", "export_completion")],
            ),
            rec(
                &status,
                "CHG-E2E-1",
                r#"{"event_type":"task_status_update","change_number":"CHG-E2E-1","status":"in_progress","progress_percentage":65,"status_message":"Configuring"}"#,
                &[],
            ),
            rec(
                &dlq,
                "e2e-dead-1",
                r#"{"action":"create_booking"}"#,
                &[
                    ("event-type", "booking.create.requested"),
                    ("retry-count", "3"),
                    ("dlq-original-topic", "bookings"),
                    ("dlq-original-partition", "1"),
                    ("dlq-original-offset", "42"),
                    ("dlq-error", "connection refused"),
                ],
            ),
        ],
        Duration::from_secs(30),
    )
    .unwrap();

    let s = t.wait_for(
        "all three records",
        |s| s.contains("e2e-export-1") && s.contains("CHG-E2E-1") && s.contains("e2e-dead-1"),
        20,
    );
    let (c_row, s_row, d_row) = (
        row_of(&s, "┌ Completions"),
        row_of(&s, "┌ Status"),
        row_of(&s, "┌ DLQ"),
    );
    assert!(c_row < s_row && s_row < d_row);
    let in_pane = |needle: &str, from: usize, to: usize| {
        let r = row_of(&s, needle);
        assert!(
            r > from && r < to,
            "{needle} at row {r}, expected between {from} and {to}:\n{s}"
        );
    };
    in_pane("e2e-export-1", c_row, s_row);
    in_pane("CHG-E2E-1", s_row, d_row);
    in_pane("e2e-dead-1", d_row, 40);
    let status_line = s.lines().find(|l| l.contains("CHG-E2E-1")).unwrap();
    assert!(
        status_line.contains("in_progress") && status_line.contains("65%"),
        "{status_line}"
    );

    // The DLQ record's detail view shows where it came from.
    t.keys(&["3", "Enter"]);
    let s = t.wait_for("the detail view", |s| s.contains("dlq origin"), 5);
    let origin = s.lines().find(|l| l.contains("dlq origin")).unwrap();
    assert!(origin.contains("bookings/1@42"), "{origin}");
    t.keys(&["Escape"]);
    t.wait_for("the detail view to close", |s| !s.contains("dlq origin"), 5);

    // Quit restores the terminal: the alternate screen is gone.
    t.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !t.pane_dead() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(t.pane_dead(), "kdeck did not exit on q");
    let s = t.screen();
    assert!(!s.contains("┌ Completions"), "screen not restored:\n{s}");
}

#[test]
fn unreachable_broker_shows_in_the_ui_and_q_still_quits() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let cmd = format!(
        "{} --config {} -b 127.0.0.1:1",
        env!("CARGO_BIN_EXE_kdeck"),
        cfg.display()
    );
    let t = Tmux::start(&cmd, 100, 30);
    let s = t.wait_for(
        "the unreachable state",
        |s| s.contains("cannot reach the brokers"),
        20,
    );
    assert!(
        s.lines()
            .next()
            .unwrap()
            .contains("✗ 127.0.0.1:1: cannot reach the brokers; retrying"),
        "{s}"
    );
    t.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !t.pane_dead() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        t.pane_dead(),
        "kdeck did not exit promptly on q while the broker is down"
    );
}

#[test]
fn embedded_demo_fills_every_pane() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let cmd = format!(
        "{} --config {} --demo --demo-rate 8",
        env!("CARGO_BIN_EXE_kdeck"),
        cfg.display()
    );
    let t = Tmux::start(&cmd, 120, 40);
    let seen = |s: &str, pane: &str| {
        s.lines()
            .find(|l| l.contains(&format!("┌ {pane} ")))
            .and_then(|l| l.split(" · ").nth(1))
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let s = t.wait_for(
        "records in all three streams and four demo groups",
        |s| {
            seen(s, "Completions") > 0
                && seen(s, "Status") > 0
                && seen(s, "DLQ") > 0
                && s.contains("4 groups")
        },
        45,
    );
    assert!(s.lines().next().unwrap().contains("demo ●"), "{s}");
    for g in [
        "scheduler-consu",
        "task-manager-gr",
        "export-notifier",
        "crawl-workers",
    ] {
        assert!(s.contains(g), "{g} missing:\n{s}");
    }
    // The first screen carries no error: kdeck runs the demo's groups, so it says what they
    // are instead of what the mock cluster cannot tell.
    for error in ["does not list groups", "state n/a", "members n/a"] {
        assert!(
            !s.contains(error),
            "{error:?} on the demo's first screen:\n{s}"
        );
    }
    assert!(
        s.contains("· Stable (simulated"),
        "the selected group's state:\n{s}"
    );
    t.keys(&["q"]);
}

#[test]
fn headless_demo_is_readable_by_kcat() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["demo", "--rate", "20"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut out, &mut first).unwrap();
    let addr = first
        .trim()
        .strip_prefix("kdeck demo cluster: ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    // Jobs take 2.5-6 s to complete.
    std::thread::sleep(Duration::from_secs(8));
    let kcat = Command::new("kcat")
        .args([
            "-b",
            &addr,
            "-C",
            "-t",
            "export-completions",
            "-o",
            "beginning",
            "-e",
            "-J",
            "-q",
        ])
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let text = String::from_utf8_lossy(&kcat.stdout);
    let line = text
        .lines()
        .next()
        .expect("kcat read at least one completion");
    let rec: serde_json::Value = serde_json::from_str(line).unwrap();
    let payload: serde_json::Value =
        serde_json::from_str(rec["payload"].as_str().unwrap()).unwrap();
    // The export service's completion: key = export_id, headers event_type and org_id.
    assert_eq!(rec["key"], payload["export_id"]);
    let headers = rec["headers"].as_array().unwrap();
    assert_eq!(headers[0], "event_type");
    assert_eq!(headers[1], "export_completion");
    assert_eq!(headers[2], "org_id");
    assert_eq!(headers[3], payload["org_id"]);
}

/// Bidi, zero-width and escape characters in a record never reach the terminal raw: the bytes
/// kdeck writes (taped with pipe-pane) hold none of them, in the table or the detail view, and
/// the screen shows them as visible markers.
#[test]
fn hostile_characters_never_reach_the_terminal() {
    let b = brokers();
    let c = cluster(&b);
    let (done, status, dlq) = (
        unique("e2e-h-done"),
        unique("e2e-h-st"),
        unique("e2e-h-dlq"),
    );
    admin::create_topics(&c, &[&done, &status, &dlq], 1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let tape = dir.path().join("tape");
    let cmd = format!(
        "sleep 0.5; exec {} --config {} -b {b} --completion {done} --status {status} --dlq {dlq} --from beginning",
        env!("CARGO_BIN_EXE_kdeck"),
        cfg.display()
    );
    let t = Tmux::start(&cmd, 120, 40);
    Command::new("tmux")
        .args(["-L", &t.socket, "pipe-pane", "-t", &t.session, "-o"])
        .arg(format!("cat > {}", tape.display()))
        .status()
        .unwrap();
    t.wait_for("the dashboard", |s| s.contains("(1 broker)"), 20);
    producer::produce_all(
        &c,
        &[rec(
            &dlq,
            "evil\u{202E}key",
            "{\"status\":\"failed\u{1b}[31m\",\"error\":\"x\u{2066}y\u{200B}z\"}",
            &[("dlq-error", "boom\u{202E}gnp.exe")],
        )],
        Duration::from_secs(30),
    )
    .unwrap();
    t.wait_for("the record", |s| s.contains("evil⟨U+"), 20);
    t.keys(&["3", "Enter"]);
    let s = t.wait_for("the detail view", |s| s.contains("dlq error"), 5);
    assert!(s.contains("boom⟨U+202E⟩gnp.exe"), "{s}");
    t.keys(&["Escape", "q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !t.pane_dead() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    let bytes = std::fs::read(&tape).unwrap();
    assert!(bytes.len() > 1000, "the tape recorded the session");
    for (name, seq) in [
        ("U+202E", "\u{202E}".as_bytes()),
        ("U+2066", "\u{2066}".as_bytes()),
        ("U+200B", "\u{200B}".as_bytes()),
        ("the value's ESC", b"failed\x1b".as_slice()),
    ] {
        assert!(
            !bytes.windows(seq.len()).any(|w| w == seq),
            "{name} reached the terminal raw"
        );
    }
}
