//! The real binary in tmux on the embedded demo (no broker needed): the status pane filtered
//! to failed tasks, a failed task's timeline opened with `t` (its request found on the request
//! topic by the search, its statuses, its end), a record of it opened and closed, and the
//! demo's hanging jobs counted as stuck on the health line and listed by `J`.

mod common;

use common::tmux::Tmux;

/// "M/N" of the status pane's filter in its title: (matched, scanned).
fn filter_counts(screen: &str) -> (u64, u64) {
    let Some(line) = screen.lines().find(|l| l.contains("┌ Status")) else {
        return (0, 0);
    };
    let Some(rest) = line.split("filter ").nth(1) else {
        return (0, 0);
    };
    let counts = rest.rsplit(" · ").next().unwrap_or("");
    let mut it = counts
        .split(|c: char| c == '/' || c.is_whitespace())
        .filter_map(|n| n.parse::<u64>().ok());
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

#[test]
fn demo_failed_task_timeline_and_stuck_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let cmd = format!(
        "{} --config {} --demo --demo-rate 10",
        env!("CARGO_BIN_EXE_kdeck"),
        cfg.display()
    );
    let t = Tmux::start(&cmd, 150, 45);
    t.wait_for("the dashboard", |s| s.contains("┌ Status"), 30);
    // The task manager's task status wraps its body in `message`; a failed crawl says "error".
    t.keys(&["2", "f", r#".value.message.status == "error""#, "Enter"]);
    let s = t.wait_for(
        "a failed task in the filtered status pane",
        |s| filter_counts(s).0 > 0,
        60,
    );
    let (matched, scanned) = filter_counts(&s);
    assert!(matched <= scanned && scanned > matched, "{s}");

    t.keys(&["t"]);
    let s = t.wait_for(
        "the timeline with the search done",
        |s| s.contains("Timeline of job") && s.contains("searched the job's topics"),
        30,
    );
    let rows: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.contains("delta"))
        .skip(1)
        .take_while(|l| l.contains(" +") || l.contains(" -"))
        .collect();
    assert!(rows.len() >= 3, "request, statuses, the end:\n{s}");
    assert!(
        rows[0].contains("request") && rows[0].contains("requests-web-crawl"),
        "the request comes first, found on its topic:\n{s}"
    );
    assert!(rows[0].contains("+0.000s"), "{s}");
    assert!(
        rows.iter()
            .any(|r| r.contains("status") && r.contains("error")),
        "{s}"
    );
    let outcome = s.lines().find(|l| l.contains("outcome")).unwrap();
    // Either, by timing: a failed crawl's dead letter follows its "error" status 0.7 s later
    // (demo time), and the timeline may be opened and searched before or after it is written.
    assert!(
        outcome.contains("failed") || outcome.contains("dead-lettered"),
        "{outcome}"
    );
    assert!(outcome.contains("end-to-end"), "{outcome}");

    // A record of the timeline in the detail view, then back.
    t.keys(&["Enter"]);
    t.wait_for(
        "the detail view",
        |s| s.contains("partition") && !s.contains("delta "),
        5,
    );
    t.keys(&["Escape"]);
    t.wait_for("the timeline again", |s| s.contains("Timeline of job"), 5);
    t.keys(&["Escape"]);
    t.wait_for("the dashboard", |s| !s.contains("Timeline of job"), 5);

    stuck_jobs_show_and_open(&t);
    t.keys(&["Escape", "Escape", "Escape", "q"]);
    t.wait_for("kdeck to exit", |_| t.pane_dead(), 10);
}

/// A demo job every 12 s hangs; with the demo's 20 s stuck_after it shows within a minute.
fn stuck_jobs_show_and_open(t: &Tmux) {
    let s = t.wait_for(
        "a stuck job on the health line",
        |s| s.lines().next().is_some_and(|l| l.contains("stuck job")),
        60,
    );
    assert!(s.lines().next().unwrap().contains('⧗'), "{s}");
    t.keys(&["J"]);
    let s = t.wait_for(
        "the stuck-jobs view",
        |s| s.contains("Stuck jobs (") && s.contains("in_progress"),
        5,
    );
    assert!(s.contains("silent 20s or more"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for(
        "a stuck job's timeline",
        |s| s.contains("Timeline of job"),
        5,
    );
}
