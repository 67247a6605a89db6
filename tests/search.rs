//! Search back in time against the real broker: `kdeck tail --since/--until` finds records by
//! the broker's time index, and the dashboard's `s` finds a record older than the panes hold
//! (through `update` and the real workers). Plus the dialog's behaviour with scripted news.

mod common;

use common::{brokers, cluster, unique};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdeck::domain::event::KafkaEvent;
use kdeck::domain::{OutRecord, Role};
use kdeck::engine::search::{Progress, SearchUpdate, Summary};
use kdeck::kafka::{admin, producer};
use kdeck::support::config::load::load_with;
use kdeck::support::config::Overrides;
use kdeck::tui::app::effect::Effect;
use kdeck::tui::app::effects::Workers;
use kdeck::tui::app::msg::Msg;
use kdeck::tui::app::state::State;
use kdeck::tui::app::update::update;
use kdeck::tui::keymap::Keymap;
use kdeck::tui::modals::search::Phase;
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

const MIN: i64 = 60_000;
/// More records than a pane holds (ui.buffer_size defaults to 2,000).
const FILLER: usize = 5_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn rec(topic: &str, p: i32, value: String, ts: Option<i64>) -> OutRecord {
    OutRecord {
        topic: topic.into(),
        partition: Some(p),
        key: Some(format!("k-{p}").into_bytes()),
        value: Some(value.into_bytes()),
        headers: vec![],
        timestamp_ms: ts,
    }
}

/// Partition 0: a needle 3 h old, one 30 min old (the one to find), one 5 min old; partition
/// 1: a record 30 min old; then `FILLER` fresh records over both. Produced in time order, so
/// the broker's time index sees them in order.
fn fixture(needle: &str) -> String {
    let c = cluster(&brokers());
    let topic = unique("kdeck-search");
    admin::create_topics(&c, &[&topic], 2).unwrap();
    let now = now_ms();
    let marker = |age: &str| format!(r#"{{"marker":"{needle}","age":"{age}"}}"#);
    let phases = vec![
        vec![rec(&topic, 0, marker("3h"), Some(now - 180 * MIN))],
        vec![
            rec(&topic, 0, marker("30m"), Some(now - 30 * MIN)),
            rec(&topic, 1, r#"{"age":"30m"}"#.into(), Some(now - 30 * MIN)),
        ],
        vec![rec(&topic, 0, marker("5m"), Some(now - 5 * MIN))],
        (0..FILLER)
            .map(|i| {
                let v = format!(r#"{{"n":{i},"status":"complete"}}"#);
                rec(&topic, (i % 2) as i32, v, None)
            })
            .collect(),
    ];
    for phase in phases {
        producer::produce_all(&c, &phase, Duration::from_secs(30)).unwrap();
    }
    topic
}

/// Runs `kdeck tail` on the topic with a deadline: (exit code, JSON lines, stderr).
fn tail(topic: &str, args: &[&str]) -> (i32, Vec<Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kdeck"));
    cmd.arg("--config")
        .arg(&cfg)
        .args(["tail", "-b", &brokers(), "-t", topic])
        .args(args)
        .env_remove("KDECK_PROFILE");
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let id = child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        // The tail must end by itself; a hung one fails the test instead of hanging it.
        let _ = Command::new("kill").arg(id.to_string()).status();
    });
    let out = child.wait_with_output().unwrap();
    drop(watchdog);
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let code = out.status.code().unwrap_or(-1);
    (
        code,
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ages(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| l["value"]["age"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn tail_since_finds_the_old_record_once_and_until_excludes_later_ones() {
    let needle = unique("needle");
    let topic = fixture(&needle);
    let filter = format!(r#".value.marker == "{needle}""#);

    let (code, lines, err) = tail(&topic, &["--filter", &filter, "--since", "1h", "-e"]);
    assert_eq!(code, 0, "{err}");
    let found = ages(&lines);
    assert_eq!(
        found.iter().filter(|a| *a == "30m").count(),
        1,
        "the 30-minute-old record exactly once: {found:?}"
    );
    assert!(
        !found.contains(&"3h".to_string()),
        "older than --since: {found:?}"
    );
    assert_eq!(found, vec!["30m", "5m"]);

    // --until 10m: the 5-minute-old needle and every fresh record are excluded; an --until
    // already past ends the tail at the end even without -e.
    let since = now_ms() - 60 * MIN;
    let until = now_ms() - 10 * MIN;
    for extra in [&["-e"][..], &[][..]] {
        let mut args = vec!["--since", "1h", "--until", "10m"];
        args.extend_from_slice(extra);
        let (code, lines, err) = tail(&topic, &args);
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            lines.len(),
            2,
            "only the two 30-minute-old records: {lines:?}"
        );
        for l in &lines {
            let ts = l["timestamp"].as_i64().unwrap();
            assert!(ts >= since - MIN && ts < until, "{l}");
        }
    }
}

#[test]
fn tail_refuses_bad_durations_in_words() {
    let topic = unique("kdeck-search-none");
    for (args, flag) in [
        (&["--since", "yesterday"][..], "--since"),
        (&["--since", "1h", "--until", "soon"][..], "--until"),
        (&["--since", "10m", "--until", "1h"][..], "not before"),
    ] {
        let (code, lines, err) = tail(&topic, args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(lines.is_empty());
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(
            !err.contains("Err(") && !err.contains("ParseError"),
            "{err}"
        );
    }
}

fn keymap() -> Keymap {
    Keymap::new(&BTreeMap::new()).unwrap()
}

fn press(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(
        s,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        &keymap(),
    )
}

fn type_text(s: &mut State, text: &str) {
    for c in text.chars() {
        assert!(press(s, KeyCode::Char(c)).is_empty());
    }
}

/// Clears the focused field (the dialog opens with the last query and range).
fn clear(s: &mut State) {
    for _ in 0..40 {
        press(s, KeyCode::Backspace);
    }
}

fn dialog(s: &State) -> &kdeck::tui::modals::search::SearchDialog {
    match s.modal_as::<kdeck::tui::modals::search::SearchDialog>() {
        Some(d) => d,
        None => panic!("the search dialog is not open"),
    }
}

fn state_for(topic: &str, brokers: Option<String>) -> State {
    let o = Overrides {
        brokers,
        completion: vec![topic.to_string()],
        start: Some("beginning".into()),
        ..Default::default()
    };
    let cfg = load_with(&o, &|_| None, None).unwrap();
    State::new(&cfg, false, now_ms())
}

/// Opens the dialog with `s`, types the query and the range, presses Enter.
fn search(s: &mut State, query: &str, range: &str) -> Vec<Effect> {
    assert!(press(s, KeyCode::Char('s')).is_empty());
    clear(s);
    type_text(s, query);
    press(s, KeyCode::Tab);
    clear(s);
    type_text(s, range);
    press(s, KeyCode::Enter)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_search_finds_a_record_older_than_the_panes_hold() {
    let needle = unique("needle");
    let topic = fixture(&needle);
    let cfg = load_with(
        &Overrides {
            brokers: Some(brokers()),
            completion: vec![topic.clone()],
            start: Some("beginning".into()),
            ..Default::default()
        },
        &|_| None,
        None,
    )
    .unwrap();
    let mut s = State::new(&cfg, false, now_ms());
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let mut workers = Workers::start(&cfg, tx);
    let effects = search(&mut s, &needle, "last 1h");
    assert!(
        matches!(effects.as_slice(), [Effect::Search { .. }]),
        "{effects:?}"
    );
    for e in effects {
        assert_eq!(workers.execute(e).1, None);
    }
    // Until the search ends and the pane has read everything (it keeps only the newest).
    let deadline = Instant::now() + Duration::from_secs(60);
    let pane_full = |s: &State| s.stream(Role::Completion).rate.total >= (FILLER + 4) as u64;
    while Instant::now() < deadline && !(dialog(&s).phase == Phase::Done && pane_full(&s)) {
        if let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
            update(&mut s, Msg::Kafka(ev), &keymap());
        }
    }
    let d = dialog(&s);
    assert_eq!(
        d.phase,
        Phase::Done,
        "the search did not end: {:?}",
        d.outcome
    );
    let sum = d.outcome.clone().unwrap().unwrap();
    assert!(!sum.capped && !sum.cancelled, "{sum:?}");
    let ages: Vec<String> = d
        .results
        .records
        .iter()
        .rev()
        .map(|r| {
            serde_json::from_slice::<Value>(r.value.as_ref().unwrap()).unwrap()["age"].to_string()
        })
        .collect();
    assert_eq!(
        ages,
        vec!["\"5m\"", "\"30m\""],
        "newest first, 3h outside the range"
    );
    assert!(sum.progress.scanned >= (FILLER + 3) as u64, "{sum:?}");
    let pane = s.stream(Role::Completion);
    assert!(pane_full(&s), "the pane read {} records", pane.rate.total);
    let old = d.results.nth_newest(1).unwrap().clone();
    assert!(
        pane.records
            .iter()
            .all(|r| (r.partition, r.offset) != (old.partition, old.offset)),
        "the pane must not hold the old record (it holds {})",
        pane.records.len()
    );
    // Enter opens the result like a stream row; Esc goes back to the results.
    press(&mut s, KeyCode::Down);
    press(&mut s, KeyCode::Enter);
    assert!(dialog(&s)
        .detail
        .as_ref()
        .unwrap()
        .title
        .ends_with(&format!("@{}", old.offset)));
    let screen = common::screen::render(&s, 120, 40);
    assert!(screen.contains(&needle[..20]), "{screen}");
    press(&mut s, KeyCode::Esc);
    assert!(dialog(&s).detail.is_none());
    workers.detach();
}

#[test]
fn dialog_validates_stops_and_drops_late_news() {
    let mut s = state_for("jobs.completion", None);
    // A bad expression and a bad range: no search, both errors shown.
    let effects = search(&mut s, ".value ==", "last fortnight");
    assert!(effects.is_empty(), "{effects:?}");
    let d = dialog(&s);
    assert!(d.query.error.is_some() && d.range.error.is_some());
    assert_eq!(d.phase, Phase::Form);
    let screen = common::screen::render(&s, 120, 40);
    assert!(screen.contains("fortnight"), "{screen}");

    press(&mut s, KeyCode::Esc);
    assert!(s.modal.is_none());
    // Keys typed into the field are text: `q` does not quit.
    let effects = search(&mut s, "q failed", "");
    let Some(Effect::Search { job, request }) = effects.first() else {
        panic!("{effects:?}")
    };
    let job = *job;
    assert!(request.range.is_open());
    assert!(!s.quit);

    // Late news of another job is dropped; this job's matches and progress are shown.
    let r = |off: i64| {
        kdeck::codec::decode::to_record(
            kdeck::codec::decode::Incoming {
                topic: "jobs.completion",
                partition: 0,
                offset: off,
                timestamp_ms: Some(off),
                key: None,
                value: Some(b"q failed"),
                headers: vec![],
            },
            1024,
            false,
        )
    };
    let ev = |u| Msg::Kafka(KafkaEvent::Search(u));
    update(
        &mut s,
        ev(SearchUpdate::Matches {
            job: job + 1,
            records: vec![r(99)],
        }),
        &keymap(),
    );
    update(
        &mut s,
        ev(SearchUpdate::Matches {
            job,
            records: vec![r(9), r(8)],
        }),
        &keymap(),
    );
    update(
        &mut s,
        ev(SearchUpdate::Matches {
            job,
            records: vec![r(3)],
        }),
        &keymap(),
    );
    let progress = Progress {
        scanned: 1234,
        matched: 3,
        per_sec: 500.0,
        total: 5000,
    };
    update(
        &mut s,
        ev(SearchUpdate::Progress { job, progress }),
        &keymap(),
    );
    let d = dialog(&s);
    let offsets: Vec<i64> = (0..3)
        .map(|i| d.results.nth_newest(i).unwrap().offset)
        .collect();
    assert_eq!(offsets, vec![9, 8, 3], "newest first, later batches below");
    let screen = common::screen::render(&s, 120, 40);
    assert!(screen.contains("1234 of 5000 records scanned"), "{screen}");
    assert!(
        screen.contains("[█████░░░░░░░░░░░░░░░]  25%"),
        "a progress bar: {screen}"
    );

    // Esc stops the scan; what was found stays.
    assert_eq!(press(&mut s, KeyCode::Esc), vec![Effect::CancelSearch]);
    let sum = Summary {
        cancelled: true,
        progress,
        ..Default::default()
    };
    update(
        &mut s,
        ev(SearchUpdate::Finished {
            job,
            result: Ok(sum),
        }),
        &keymap(),
    );
    assert_eq!(dialog(&s).phase, Phase::Done);
    assert_eq!(dialog(&s).results.len(), 3);
    assert!(common::screen::render(&s, 120, 40).contains("stopped"));
    // A capped search says so in the results title.
    let capped = Summary {
        capped: true,
        progress,
        ..Default::default()
    };
    update(
        &mut s,
        ev(SearchUpdate::Finished {
            job,
            result: Ok(capped),
        }),
        &keymap(),
    );
    let screen = common::screen::render(&s, 120, 40);
    assert!(screen.contains("capped at 10.0k (newest kept)"), "{screen}");
    // Esc again: back to the form with the last query; once more: closed.
    press(&mut s, KeyCode::Esc);
    assert_eq!(dialog(&s).phase, Phase::Form);
    assert_eq!(dialog(&s).query.value(), "q failed");
    press(&mut s, KeyCode::Esc);
    assert!(s.modal.is_none());
}

/// The real binary in tmux: `s`, a text query, the range, Enter; the matches older than the
/// pane's records are listed and open in the detail view; Esc steps back and closes.
#[test]
fn search_in_the_real_dashboard() {
    let needle = unique("needle");
    let topic = fixture(&needle);
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    // The pane holds the newest 10 records per partition: the needles are far older.
    let cmd = format!(
        "{} --config {} -b {} --completion {topic} --from -10",
        env!("CARGO_BIN_EXE_kdeck"),
        cfg.display(),
        brokers()
    );
    let t = common::tmux::Tmux::start(&cmd, 120, 40);
    t.wait_for("the dashboard", |s| s.contains("(1 broker)"), 20);
    t.keys(&["s"]);
    t.wait_for("the search dialog", |s| s.contains("search back"), 10);
    t.keys(&["C-u", &needle, "Tab", "C-u", "last 1h", "Enter"]);
    let s = t.wait_for("the search to end", |s| s.contains("done in"), 30);
    assert!(s.contains("2 matched"), "{s}");
    assert!(
        s.contains("@2 ") && s.contains("@1 "),
        "both needles listed: {s}"
    );
    t.keys(&["Enter"]);
    let s = t.wait_for("the detail view", |s| s.contains("5m"), 10);
    assert!(s.contains(&needle[..20]), "{s}");
    t.keys(&["Escape", "Escape"]);
    t.wait_for("the form again", |s| s.contains("enter search"), 10);
    t.keys(&["Escape", "q"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !t.pane_dead() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(t.pane_dead(), "kdeck did not quit: {}", t.screen());
}

/// The worker keeps the newest `max_matches` and says it stopped there.
#[test]
fn scan_keeps_the_newest_matches_up_to_the_cap() {
    let needle = unique("needle");
    let topic = fixture(&needle);
    let req = kdeck::engine::search::SearchRequest {
        topics: vec![(topic.clone(), false)],
        query: kdeck::engine::search::Query::parse("complete").unwrap(),
        range: Default::default(),
        max_matches: 100,
        value_cap: 16,
    };
    let mut found = Vec::new();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let sum = kdeck::kafka::search::scan(&cluster(&brokers()), &req, &cancel, &mut |n| {
        if let kdeck::kafka::search::News::Matches(rs) = n {
            found.extend(rs);
        }
        true
    })
    .unwrap();
    assert!(sum.capped, "{sum:?}");
    assert_eq!(found.len(), 100);
    // The first round reads the newest 2,000 of each partition: no more was needed.
    assert!(sum.progress.scanned <= 4_000, "{sum:?}");
    // The newest by time: the last fillers written (n close to 4,999; batches of the two
    // partitions interleave by a few), never the older ones the round also read.
    for r in &found {
        assert!(r.value.as_ref().unwrap().len() <= 16, "values are capped");
        let n: usize = r.decoded.summary["n=".len()..]
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{r:?}"));
        assert!(
            n >= FILLER - 400,
            "an old match kept over newer ones: n={n}"
        );
    }
    let times: Vec<i64> = found.iter().map(|r| r.timestamp_ms.unwrap()).collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
}
