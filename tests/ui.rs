//! Screens rendered into ratatui's TestBackend from fixed state (no terminal, no broker), and
//! key flows through `update`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdeck::codec::decode::{to_record, Incoming};
use kdeck::domain::{Connection, Header, Record, Role};
use kdeck::engine::lag::{GroupSnapshot, LagSnapshot};
use kdeck::kafka::KafkaEvent;
use kdeck::support::config::load::load_with;
use kdeck::support::config::Overrides;
use kdeck::tui::app::effect::Effect;
use kdeck::tui::app::msg::Msg;
use kdeck::tui::app::state::State;
use kdeck::tui::app::update::update;
use kdeck::tui::keymap::Keymap;
use kdeck::tui::panes::PaneId;
use kdeck::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::collections::BTreeMap;

const NOW: i64 = 1_763_200_000_000; // fixed clock

fn h(k: &str, v: &str) -> Header {
    Header {
        key: k.into(),
        value: Some(v.as_bytes().to_vec()),
    }
}

fn record(
    topic: &str,
    offset: i64,
    key: &str,
    value: &[u8],
    headers: Vec<Header>,
    dlq: bool,
) -> Record {
    to_record(
        Incoming {
            topic,
            partition: (offset % 3) as i32,
            offset,
            timestamp_ms: Some(NOW - 60_000 + offset * 1000),
            key: Some(key.as_bytes()),
            value: Some(value),
            headers,
        },
        1 << 20,
        dlq,
    )
}

fn state() -> State {
    let cfg = load_with(&Overrides::default(), &|_| None, None).unwrap();
    let mut s = State::new(&cfg, false, NOW);
    let km = keymap();
    let completions: Vec<Record> = (0..4)
        .map(|i| {
            let status = if i == 2 { "failed" } else { "complete" };
            let v = format!(
                r#"{{"export_id":"export-{i}","job_id":"job-{i}","org_id":"org-customer-001","status":"{status}","completed_at":"2025-11-15T10:00:0{i}Z","error_message":"{}"}}"#,
                if i == 2 { "S3 upload failed" } else { "" }
            );
            record("export-completions", i, &format!("export-{i}"), v.as_bytes(), vec![h("event_type", "export_completion")], false)
        })
        .collect();
    let statuses: Vec<Record> = (10..13)
        .map(|i| {
            let v = format!(
                r#"{{"event_type":"task_status_update","change_number":"CHG-{i}","status":"in_progress","progress_percentage":{},"status_message":"Configuring interfaces"}}"#,
                i * 5
            );
            record("franc.task.status", i, &format!("CHG-{i}"), v.as_bytes(), vec![], false)
        })
        .collect();
    let dlq = vec![
        record(
            "dlq-domain-services",
            20,
            "booking-1",
            br#"{"action":"create_booking"}"#,
            vec![
                h("event-type", "booking.create.requested"),
                h("retry-count", "3"),
                h("dlq-original-topic", "bookings"),
                h("dlq-original-partition", "1"),
                h("dlq-original-offset", "42"),
                h("dlq-error", "connection refused"),
            ],
            true,
        ),
        record(
            "dlq-domain-services",
            21,
            "bin",
            &[0xff, 0xfe, 0x00, 0x9c, 0x41],
            vec![],
            true,
        ),
    ];
    for (role, batch) in [
        (Role::Completion, completions),
        (Role::Status, statuses),
        (Role::Dlq, dlq),
    ] {
        update(&mut s, Msg::Kafka(KafkaEvent::Records(role, batch)), &km);
    }
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Connection(Connection::Connected { brokers: 3 })),
        &km,
    );
    // Three lag refreshes: one group keeps up, one falls behind, one has stopped.
    for i in 0..4i64 {
        let tp = |t: &str, p: i32| (t.to_string(), p);
        let group = |name: &str, committed: Vec<((String, i32), i64)>| GroupSnapshot {
            group: name.into(),
            state: Some("Stable".into()),
            members: Some(2),
            committed: committed.into_iter().collect(),
            ..Default::default()
        };
        let snap = LagSnapshot {
            at_ms: NOW - 6000 + i * 1500,
            groups: vec![
                group(
                    "scheduler-consumer-group",
                    vec![(tp("scheduler.jobs.ingest", 0), 100 + 10 * i)],
                ),
                group(
                    "export-notifier",
                    vec![
                        (tp("export-completions", 0), 50 + i),
                        (tp("export-completions", 1), 40 + i),
                    ],
                ),
                group("task-manager-group", vec![(tp("task-status", 0), 7)]),
            ],
            ends: [
                (tp("scheduler.jobs.ingest", 0), 100 + 10 * i),
                (tp("export-completions", 0), 60 + 5 * i),
                (tp("export-completions", 1), 45 + 5 * i),
                (tp("task-status", 0), 30 + 8 * i),
            ]
            .into_iter()
            .collect(),
            took_ms: 3,
            ..Default::default()
        };
        update(&mut s, Msg::Kafka(KafkaEvent::Lag(Box::new(snap))), &km);
    }
    update(&mut s, Msg::Tick(NOW), &km);
    s
}

fn keymap() -> Keymap {
    Keymap::new(&BTreeMap::new()).unwrap()
}

fn render(s: &State, w: u16, h: u16) -> String {
    let theme = Theme::load("default").unwrap();
    let km = keymap();
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| kdeck::tui::widgets::view::draw(f, s, &theme, &km))
        .unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn render_buf(s: &State, w: u16, h: u16) -> ratatui::buffer::Buffer {
    let theme = Theme::load("default").unwrap();
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| kdeck::tui::widgets::view::draw(f, s, &theme, &keymap()))
        .unwrap();
    t.backend().buffer().clone()
}

/// The style of the first cell of `word` on the row that contains `row_key`.
fn style_of(buf: &ratatui::buffer::Buffer, row_key: &str, word: &str) -> ratatui::style::Style {
    for y in 0..buf.area.height {
        let cells: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        let line: String = cells.concat();
        if !line.contains(row_key) {
            continue;
        }
        // Cells and chars line up: every symbol on these rows is one column wide.
        let chars: Vec<char> = line.chars().collect();
        let w: Vec<char> = word.chars().collect();
        // A whole word: not the "dlq" inside "dlq-domain-services".
        let boundary =
            |i: usize| i >= chars.len() || !chars[i].is_alphanumeric() && chars[i] != '-';
        if let Some(x) = (0..chars.len()).find(|i| {
            chars[*i..].starts_with(&w) && (*i == 0 || boundary(*i - 1)) && boundary(*i + w.len())
        }) {
            return buf[(x as u16, y)].style();
        }
    }
    panic!("{word:?} not found on a row with {row_key:?}")
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(
        s,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        &keymap(),
    )
}

#[test]
fn dashboard_120x40() {
    let s = state();
    let screen = render(&s, 120, 40);
    assert!(screen.contains("Completions"));
    assert!(screen.contains("Consumer lag"));
    assert!(screen.contains("Metrics"));
    insta::assert_snapshot!(screen);
}

/// The layout at the common terminal sizes: every pane keeps its title, nothing overflows a
/// row, and the record panes' text gets the room (snapshots, one a size).
#[test]
fn dashboard_at_common_sizes() {
    let s = state();
    for (w, h) in [(100, 30), (160, 45), (220, 60)] {
        let screen = render(&s, w, h);
        for title in ["Completions", "Status", "DLQ", "Consumer lag", "Metrics"] {
            assert!(screen.contains(title), "{title} at {w}x{h}:\n{screen}");
        }
        for line in screen.lines() {
            assert_eq!(line.chars().count(), w as usize, "{line:?} at {w}x{h}");
        }
        assert!(
            screen.contains("✗ connection refused · create_booking"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("dashboard_{w}x{h}"), screen);
    }
}

#[test]
fn lag_pane_shows_statuses_and_drills_down() {
    let mut s = state();
    let screen = render(&s, 120, 40);
    let line = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(line("scheduler-c").contains("OK"), "{screen}");
    assert!(line("export-noti").contains("WARN"), "{screen}");
    assert!(line("task-manage").contains("STALL"), "{screen}");
    // Worst first.
    let names: Vec<&str> = s.lag.views.iter().map(|g| g.group.as_str()).collect();
    assert_eq!(
        names,
        [
            "task-manager-group",
            "export-notifier",
            "scheduler-consumer-group"
        ]
    );
    key(&mut s, KeyCode::Char('4'));
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.lag.drill.as_deref(), Some("scheduler-consumer-group"));
    let screen = render(&s, 120, 40);
    let row = screen
        .lines()
        .find(|l| l.contains("scheduler.jobs.ingest/0 "))
        .unwrap_or_default();
    assert!(row.contains(" 130 "), "{screen}");
    insta::assert_snapshot!("lag_drill_120x40", screen);
    let small = render(&s, 80, 24);
    assert!(small.contains("scheduler.jobs.ingest/0"), "{small}");
    insta::assert_snapshot!("lag_drill_80x24", small);
    key(&mut s, KeyCode::Esc);
    assert!(s.lag.drill.is_none());
}

#[test]
fn metrics_pane_at_80x24() {
    let mut s = state();
    key(&mut s, KeyCode::Char('5'));
    let screen = render(&s, 80, 24);
    // Top reasons are DLQ reasons: the DLQ record's error and the binary one without any;
    // a failed completion is not a dead letter.
    let reason = |text: &str| {
        screen
            .lines()
            .find(|l| l.contains(text))
            .unwrap_or_else(|| panic!("{text:?} missing:\n{screen}"))
            .to_string()
    };
    assert!(reason("connection refused").contains("1×"), "{screen}");
    assert!(reason("(no error given)").contains("1×"), "{screen}");
    assert!(!screen.contains("S3 upload failed"), "{screen}");
    assert!(
        reason("mix").contains("complete 3 in_progress 3 failed 1"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn dashboard_80x24_collapses_to_tabs() {
    let mut s = state();
    key(&mut s, KeyCode::Char('3'));
    let screen = render(&s, 80, 24);
    assert!(screen.contains("3 DLQ"));
    assert!(
        !screen.contains("Status 0.0/s"),
        "only the focused pane is drawn"
    );
    insta::assert_snapshot!(screen);
}

#[test]
fn detail_of_binary_dlq_record_shows_hex_and_origin() {
    let mut s = state();
    key(&mut s, KeyCode::Char('3'));
    key(&mut s, KeyCode::Enter);
    assert!(s
        .modal_as::<kdeck::tui::modals::detail::DetailState>()
        .is_some());
    let screen = render(&s, 120, 40);
    assert!(
        screen.contains("binary (not UTF-8), shown as hex"),
        "{screen}"
    );
    assert!(screen.contains("ff fe 00 9c 41"), "{screen}");
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    let screen = render(&s, 120, 40);
    let origin = screen
        .lines()
        .find(|l| l.contains("dlq origin"))
        .unwrap_or_default();
    assert!(origin.contains("bookings/1@42"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn help_lists_keys_from_the_keymap() {
    let mut s = state();
    key(&mut s, KeyCode::Char('?'));
    let screen = render(&s, 120, 40);
    let describe = kdeck::tui::app::action::Action::TogglePause.describe();
    let line = screen
        .lines()
        .find(|l| l.contains(describe))
        .unwrap_or_else(|| panic!("{describe:?} missing:\n{screen}"));
    assert!(line.contains("space p"), "the keys that pause: {line}");
    insta::assert_snapshot!(screen);
    key(&mut s, KeyCode::Esc);
    assert!(s.modal.is_none());
}

#[test]
fn keys_move_focus_pause_and_quit() {
    let mut s = state();
    assert_eq!(s.focus, PaneId::Stream(Role::Completion));
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.focus, PaneId::Stream(Role::Status));
    update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)),
        &keymap(),
    );
    assert_eq!(s.focus, PaneId::Stream(Role::Completion));
    assert_eq!(
        key(&mut s, KeyCode::Char(' ')),
        vec![Effect::PauseStream(Role::Completion)]
    );
    assert!(s.stream(Role::Completion).paused);
    assert!(render(&s, 120, 40).contains("PAUSED"));
    assert_eq!(
        key(&mut s, KeyCode::Char(' ')),
        vec![Effect::ResumeStream(Role::Completion)]
    );
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.stream(Role::Completion).selected, 1);
    key(&mut s, KeyCode::Esc);
    assert_eq!(
        s.stream(Role::Completion).selected,
        0,
        "esc returns to follow"
    );
    key(&mut s, KeyCode::Char('z'));
    assert!(s.zoom);
    assert!(render(&s, 120, 40).contains("1 Completions"));
    assert_eq!(key(&mut s, KeyCode::Char('q')), vec![Effect::Quit]);
    let ctrl_c = update(
        &mut state(),
        Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        &keymap(),
    );
    assert_eq!(ctrl_c, vec![Effect::Quit]);
}

#[test]
fn unreachable_broker_shows_in_health_line() {
    let mut s = state();
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Connection(Connection::Down {
            error: "cannot reach the brokers; retrying".into(),
        })),
        &keymap(),
    );
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::MissingTopics(vec!["task-status".into()])),
        &keymap(),
    );
    let screen = render(&s, 120, 40);
    let first = screen.lines().next().unwrap();
    assert!(
        first.contains("✗ localhost:9092: cannot reach the brokers; retrying"),
        "{first}"
    );
    assert!(screen.contains("no topic: task-status"), "{screen}");
}

#[test]
fn tiny_terminal_does_not_panic() {
    let s = state();
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10), (300, 100)] {
        let screen = render(&s, w, h);
        assert_eq!(screen.lines().count(), h as usize);
        for line in screen.lines() {
            assert_eq!(
                unicode_width::UnicodeWidthStr::width(line),
                w as usize,
                "{w}x{h}: {line:?}"
            );
        }
        if h >= 5 {
            assert!(
                screen.starts_with(&" kdeck"[..(w as usize).min(6)]),
                "{screen}"
            );
        }
    }
}

/// A record the pipeline executor's Go package dead-lettered: its DLQ writer's consumer group and failure
/// time are shown by meaning, not only among the raw headers.
#[test]
fn detail_of_go_package_dlq_record_shows_group_and_failure_time_by_meaning() {
    let r = record(
        "dlq-domain-services",
        7,
        "booking-12345",
        br#"{"action":"create_booking"}"#,
        vec![
            h("event-type", "booking.create.requested"),
            h("source", "pipeline-executor"),
            h("retry-count", "3"),
            h("original-topic", "pipeline-executor-to-bookings"),
            h("dlq-error", "connection refused"),
            h("dlq-timestamp", "2025-11-18T17:00:05+02:00"),
            h("dlq-consumer-group", "bookings-service-consumer-group"),
        ],
        true,
    );
    let d = kdeck::tui::modals::detail::DetailState::from_record(&r);
    let row = |label: &str| {
        d.lines
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        row("consumer group"),
        Some("bookings-service-consumer-group")
    );
    assert_eq!(row("failed at"), Some("2025-11-18T15:00:05.000Z"));
    assert_eq!(row("dlq error"), Some("connection refused"));
    assert_eq!(
        row("dlq written by"),
        Some("pipeline executor's Go package")
    );
    assert!(row("undecoded").is_none(), "{:?}", d.lines);
    // The raw headers are still listed too.
    assert_eq!(
        row("  dlq-consumer-group"),
        Some("bookings-service-consumer-group")
    );
}

#[test]
fn long_values_wrap_in_the_detail_view() {
    let mut s = state();
    let long = "x".repeat(300);
    let r = record(
        "dlq-domain-services",
        30,
        "long",
        b"{}",
        vec![h("dlq-error", &format!("boom {long} END"))],
        true,
    );
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Records(Role::Dlq, vec![r])),
        &keymap(),
    );
    key(&mut s, KeyCode::Char('3'));
    key(&mut s, KeyCode::Enter);
    let screen = render(&s, 120, 40);
    assert!(
        screen.contains("END"),
        "the end of a long value is visible:\n{screen}"
    );
}

#[test]
fn q_in_help_quits() {
    let mut s = state();
    key(&mut s, KeyCode::Char('?'));
    assert!(s
        .modal_as::<kdeck::tui::modals::help::HelpState>()
        .is_some());
    assert_eq!(key(&mut s, KeyCode::Char('q')), vec![Effect::Quit]);
}

fn open_dlq_record(s: &mut State, r: Record) {
    update(
        s,
        Msg::Kafka(KafkaEvent::Records(Role::Dlq, vec![r])),
        &keymap(),
    );
    key(s, KeyCode::Char('3'));
    key(s, KeyCode::Enter);
    assert!(s
        .modal_as::<kdeck::tui::modals::detail::DetailState>()
        .is_some());
}

#[test]
fn detail_scrolls_by_screen_row_to_the_end_of_a_one_line_value() {
    let mut s = state();
    // 8,000 characters on one line: about 75 screen rows in a 120-column terminal.
    let value = format!("START{}THE_END", "abcdefghij".repeat(800));
    open_dlq_record(
        &mut s,
        record(
            "dlq-domain-services",
            40,
            "long",
            value.as_bytes(),
            vec![],
            true,
        ),
    );
    let screen = render(&s, 120, 40);
    assert!(screen.contains("START"), "{screen}");
    assert!(!screen.contains("THE_END"), "{screen}");
    let Some(d) = s.modal_as::<kdeck::tui::modals::detail::DetailState>() else {
        unreachable!()
    };
    let rows = d.row_count();
    assert!(rows > 70, "the value wraps into many rows: {rows}");
    // One row at a time, the end comes into view (by logical line it never could).
    for _ in 0..rows {
        key(&mut s, KeyCode::Down);
    }
    let screen = render(&s, 120, 40);
    assert!(screen.contains("THE_END"), "{screen}");
    assert!(screen.contains(&format!(" of {rows} (100%)")), "{screen}");
    key(&mut s, KeyCode::Home);
    let screen = render(&s, 120, 40);
    assert!(screen.contains("rows 1-34 of"), "{screen}");
}

#[test]
fn narrow_panes_cut_with_an_ellipsis_and_keep_the_offset() {
    let mut s = state();
    let r = record(
        "sequence-numbers",
        550,
        "a-rather-long-key-value",
        br#"{"status":"in_progress","note":"a summary long enough to be cut"}"#,
        vec![],
        false,
    );
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Records(Role::Completion, vec![r])),
        &keymap(),
    );
    for w in [30u16, 40, 50, 60, 80] {
        let screen = render(&s, w, 20);
        let row = screen
            .lines()
            .find(|l| l.contains("@550"))
            .unwrap_or_else(|| panic!("offset 550 missing at width {w}:\n{screen}"));
        assert!(row.contains("/1@550"), "width {w}: {row}");
        assert!(
            row.contains('…'),
            "width {w}: a cut cell shows an ellipsis: {row}"
        );
        assert!(!row.contains("sequence-numbers/"), "width {w}: {row}");
    }
}

#[test]
fn invisible_and_control_characters_are_drawn_visibly() {
    let mut s = state();
    let r = record(
        "dlq-\u{200B}domain-services",
        60,
        "key\u{202E}txt.exe",
        "{\"status\":\"failed\u{1b}[2J\",\"error\":\"bad\u{2066}thing\u{0085}\"}".as_bytes(),
        vec![h("dlq-error", "boom\u{202E}\u{1b}]0;title\u{7}")],
        true,
    );
    open_dlq_record(&mut s, r);
    for screen in [render(&s, 120, 40), {
        key(&mut s, KeyCode::Esc);
        render(&s, 120, 40)
    }] {
        for c in screen.chars() {
            assert!(
                !kdeck::codec::sanitize::is_unsafe(c) || c == '\n',
                "U+{:04X} reached the screen:\n{screen}",
                c as u32
            );
        }
        assert!(screen.contains("⟨U+202E⟩"), "{screen}");
    }
}

#[test]
fn status_cells_are_coloured_by_class() {
    let s = state();
    let theme = Theme::load("default").unwrap();
    let buf = render_buf(&s, 120, 40);
    use kdeck::domain::StatusClass;
    for (row, word, class) in [
        ("export-2", "failed", StatusClass::Failed),
        ("export-1", "complete", StatusClass::Ok),
        ("CHG-10", "in_progress", StatusClass::Progress),
    ] {
        let fg = style_of(&buf, row, word).fg;
        assert_eq!(fg, theme.status(class).fg, "{word} on the {row} row");
        assert_ne!(fg, Some(ratatui::style::Color::Reset), "{word} is coloured");
    }
    // The DLQ pane shows where a record came from (not a constant "dlq") and why it failed.
    assert_eq!(
        style_of(&buf, "booking-1", "bookings/1").fg,
        Some(theme.muted)
    );
    assert!(render(&s, 120, 40).contains("booking-1 bookings/1 ✗ connection refused"));
    // The three classes are told apart.
    assert_ne!(theme.failed, theme.ok);
    assert_ne!(theme.progress, theme.ok);
    // Lag statuses: a stalled group in the failure colour, one keeping up in the ok colour.
    assert_eq!(
        style_of(&buf, "task-manage", "STALL").fg,
        Some(theme.failed)
    );
    assert_eq!(style_of(&buf, "scheduler-c", "OK").fg, Some(theme.ok));
    assert_eq!(style_of(&buf, "export-noti", "WARN").fg, Some(theme.warn));
}
