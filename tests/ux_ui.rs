//! Through `update`, as the run loop drives it: saved filters in the filter input (Tab, @name),
//! the all-panes toggle, a filter re-applied in bounded chunks, the mouse (click, double-click,
//! wheel), export of the focused pane and copy from the detail view.

mod common;

use common::fixtures::{filter_dialog as dialog, keymap, status_record, NOW};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdeck::domain::event::KafkaEvent;
use kdeck::domain::{Record, Role};
use kdeck::support::config::load::load_with;
use kdeck::support::config::Overrides;
use kdeck::tui::app::effect::Effect;
use kdeck::tui::app::mouse::MouseInput;
use kdeck::tui::app::msg::Msg;
use kdeck::tui::app::state::State;
use kdeck::tui::app::update::update;
use kdeck::tui::panes::PaneId;
use ratatui::layout::Rect;
use std::path::PathBuf;

fn record(offset: i64) -> Record {
    status_record(offset, false)
}

fn push(s: &mut State, role: Role, offsets: std::ops::Range<i64>) {
    let batch = offsets.map(record).collect();
    update(s, Msg::Kafka(KafkaEvent::Records(role, batch)), &keymap());
}

fn config(file: Option<&str>) -> kdeck::support::config::Config {
    let o = Overrides {
        config_path: file.map(|f| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/configs")
                .join(f)
        }),
        ..Default::default()
    };
    load_with(&o, &|_| None, None).unwrap()
}

/// Ten records in the completion and status panes, the status pane focused.
fn state_with(file: Option<&str>) -> State {
    let mut s = State::new(&config(file), false, NOW);
    push(&mut s, Role::Completion, 0..10);
    push(&mut s, Role::Status, 0..10);
    s.focus = PaneId::Stream(Role::Status);
    s
}

fn press(s: &mut State, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, mods)), &keymap())
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    press(s, code, KeyModifiers::NONE)
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

fn statuses(s: &State, role: Role) -> Vec<String> {
    let p = s.stream(role);
    (0..p.len())
        .map(|i| p.nth_newest(i).unwrap().decoded.status.clone().unwrap())
        .collect()
}

#[test]
fn saved_filters_are_listed_and_tab_picks_one() {
    let mut s = state_with(Some("valid/filters.toml"));
    key(&mut s, KeyCode::Char('f'));
    let screen = common::screen::render(&s, 120, 40);
    assert!(
        screen.contains("saved filters (tab picks, or type @name):"),
        "{screen}"
    );
    assert!(
        screen.contains(r#"@failed      .value.status == "failed""#),
        "{screen}"
    );
    insta::assert_snapshot!("filter_input_with_saved_filters_120x40", screen);
    // Sorted by name: acme, export-keys, failed.
    key(&mut s, KeyCode::Tab);
    assert_eq!(dialog(&s).field.value(), "@acme");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    assert_eq!(dialog(&s).field.value(), "@failed");
    key(&mut s, KeyCode::BackTab);
    assert_eq!(dialog(&s).field.value(), "@export-keys");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Enter);
    assert!(s.modal.is_none());
    assert_eq!(statuses(&s, Role::Status), vec!["failed"; 4]);
    let screen = common::screen::render(&s, 120, 40);
    assert!(screen.contains("filter @failed · 4/10"), "{screen}");
    // Opening again shows the name, not the expression.
    key(&mut s, KeyCode::Char('f'));
    assert_eq!(dialog(&s).field.value(), "@failed");
}

#[test]
fn typing_an_unknown_name_says_which_names_there_are() {
    let mut s = state_with(Some("valid/filters.toml"));
    key(&mut s, KeyCode::Char('f'));
    typed(&mut s, "@nope");
    key(&mut s, KeyCode::Enter);
    let err = dialog(&s)
        .field
        .error
        .clone()
        .expect("an error at the input");
    assert_eq!(
        err,
        "no saved filter is named \"nope\" (saved: acme, export-keys, failed)"
    );
    assert!(s.stream(Role::Status).filter.is_none());
}

#[test]
fn ctrl_t_applies_the_filter_to_every_record_pane_with_its_own_counts() {
    let mut s = state_with(None);
    push(&mut s, Role::Dlq, 0..3);
    key(&mut s, KeyCode::Char('f'));
    press(&mut s, KeyCode::Char('t'), KeyModifiers::CONTROL);
    assert!(dialog(&s).all_panes);
    let screen = common::screen::render(&s, 120, 40);
    assert!(screen.contains("· all record panes"), "{screen}");
    typed(&mut s, r#".value.status == "failed""#);
    key(&mut s, KeyCode::Enter);
    assert_eq!(statuses(&s, Role::Status), vec!["failed"; 4]);
    assert_eq!(statuses(&s, Role::Completion), vec!["failed"; 4]);
    assert_eq!(statuses(&s, Role::Dlq), vec!["failed"]);
    let screen = common::screen::render(&s, 120, 40);
    assert!(
        screen.contains(r#"filter .value.status == "failed" · 4/10"#),
        "{screen}"
    );
    assert!(
        screen.contains(r#"filter .value.status == "failed" · 1/3"#),
        "{screen}"
    );
    // The scope is remembered; ctrl-t again and an empty filter clears the focused pane only.
    key(&mut s, KeyCode::Char('f'));
    assert!(dialog(&s).all_panes);
    press(&mut s, KeyCode::Char('t'), KeyModifiers::CONTROL);
    press(&mut s, KeyCode::Char('u'), KeyModifiers::CONTROL);
    key(&mut s, KeyCode::Enter);
    assert!(s.stream(Role::Status).filter.is_none());
    assert!(s.stream(Role::Completion).filter.is_some());
}

#[test]
fn a_filter_on_a_large_ring_is_applied_in_bounded_chunks() {
    let cfg = config(None);
    let mut cfg = cfg;
    cfg.ui.buffer_size = 20_000;
    let mut s = State::new(&cfg, false, NOW);
    push(&mut s, Role::Status, 0..20_000);
    s.focus = PaneId::Stream(Role::Status);
    key(&mut s, KeyCode::Char('f'));
    typed(&mut s, r#".value.status == "failed""#);
    key(&mut s, KeyCode::Enter);
    let p = s.stream(Role::Status);
    let first = p.filter.as_ref().unwrap().scanned;
    assert!(
        first <= kdeck::tui::panes::stream::STEP_RECORDS as u64,
        "{first}"
    );
    assert!(p.filter_scanning());
    // The newest records are there at once.
    assert_eq!(p.nth_newest(0).unwrap().offset, 19_998);
    let wide = common::screen::render(&s, 220, 40);
    assert!(wide.contains("scanning…"), "{wide}");
    // Records arriving meanwhile are filtered as they come, above the backlog.
    push(&mut s, Role::Status, 20_000..20_005);
    let mut steps = 0;
    while s.stream(Role::Status).filter_scanning() {
        update(&mut s, Msg::FilterStep, &keymap());
        steps += 1;
        assert!(steps < 100, "the scan does not end");
    }
    assert!(steps >= 8, "{steps} steps for 20,000 records");
    let p = s.stream(Role::Status);
    let f = p.filter.as_ref().unwrap();
    // 20,000 records held (the ring evicted the 5 oldest before the scan reached them): each
    // scanned once.
    assert_eq!(f.scanned, 20_000);
    let want: Vec<i64> = (5..20_005)
        .rev()
        .filter(|o| o % 5 == 1 || o % 5 == 3)
        .collect();
    let got: Vec<i64> = (0..p.len())
        .map(|i| p.nth_newest(i).unwrap().offset)
        .collect();
    assert_eq!(got, want);
    assert_eq!(f.matched, want.len() as u64);
}

/// The status pane's rectangle at 120x40 (what the mouse hits).
fn status_rect(s: &State) -> Rect {
    kdeck::tui::app::mouse::pane_at(s, 2, 15)
        .map(|(_, r)| r)
        .unwrap()
}

fn mouse(s: &mut State, m: MouseInput) -> Vec<Effect> {
    update(s, Msg::Mouse(m), &keymap())
}

#[test]
fn a_click_focuses_the_pane_and_selects_the_row_and_a_double_click_opens_it() {
    let mut s = state_with(None);
    s.size = (120, 40);
    s.focus = PaneId::Lag;
    let r = status_rect(&s);
    // Row 0 is the newest (offset 9); the third row is offset 7.
    mouse(
        &mut s,
        MouseInput::Click {
            col: r.x + 5,
            row: r.y + 4,
            at_ms: NOW,
        },
    );
    assert_eq!(s.focus, PaneId::Stream(Role::Status));
    assert_eq!(s.stream(Role::Status).selected, 2);
    assert!(s.modal.is_none());
    // Too late for a double-click: another single click.
    mouse(
        &mut s,
        MouseInput::Click {
            col: r.x + 5,
            row: r.y + 4,
            at_ms: NOW + 2_000,
        },
    );
    assert!(s.modal.is_none());
    mouse(
        &mut s,
        MouseInput::Click {
            col: r.x + 5,
            row: r.y + 4,
            at_ms: NOW + 2_200,
        },
    );
    match s.modal_as::<kdeck::tui::modals::detail::DetailState>() {
        Some(d) => assert!(d.title.ends_with("/0@7"), "{}", d.title),
        None => panic!("a double-click opens the detail view"),
    }
    // A click on the header row or a border selects nothing.
    s.modal = None;
    mouse(
        &mut s,
        MouseInput::Click {
            col: r.x + 5,
            row: r.y + 1,
            at_ms: NOW + 9_000,
        },
    );
    assert_eq!(s.stream(Role::Status).selected, 2);
}

#[test]
fn the_wheel_scrolls_the_pane_under_it_or_the_detail_view() {
    let mut s = state_with(None);
    s.size = (120, 40);
    let r = status_rect(&s);
    s.focus = PaneId::Stream(Role::Completion);
    mouse(
        &mut s,
        MouseInput::ScrollDown {
            col: r.x + 3,
            row: r.y + 3,
        },
    );
    assert_eq!(s.focus, PaneId::Stream(Role::Status));
    assert_eq!(s.stream(Role::Status).selected, 3);
    mouse(
        &mut s,
        MouseInput::ScrollUp {
            col: r.x + 3,
            row: r.y + 3,
        },
    );
    assert_eq!(s.stream(Role::Status).selected, 0);
    assert_eq!(s.stream(Role::Completion).selected, 0);
    // A long value in the detail view scrolls with the wheel.
    let mut big = record(3);
    big.value = Some(format!("{{\"lines\":[{}]}}", vec!["1"; 400].join(",")).into_bytes());
    big.value_size = big.value.as_ref().unwrap().len();
    let mut d = kdeck::tui::modals::detail::DetailState::from_record(&big);
    d.fit_to((40, 20));
    s.modal = Some(Box::new(d));
    mouse(&mut s, MouseInput::ScrollDown { col: 10, row: 10 });
    match s.modal_as::<kdeck::tui::modals::detail::DetailState>() {
        Some(d) => assert_eq!(d.scroll, 3),
        None => panic!("the detail view stays open"),
    }
}

#[test]
fn export_writes_the_focused_pane_as_shown_oldest_first() {
    let mut s = state_with(None);
    s.export_dir = Some(PathBuf::from("/tmp/kdeck-exports"));
    key(&mut s, KeyCode::Char('/'));
    typed(&mut s, "org-customer-001");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('E'));
    let Some(d) = s.modal_as::<kdeck::tui::modals::export::ExportDialog>() else {
        panic!("E opens the export dialog");
    };
    assert_eq!(d.count, 5);
    assert_eq!(
        d.field.value(),
        "/tmp/kdeck-exports/kdeck-status-pane-20251115-094640.jsonl"
    );
    let screen = common::screen::render(&s, 120, 40);
    assert!(
        screen.contains("export 5 records of the Status pane"),
        "{screen}"
    );
    press(&mut s, KeyCode::Char('u'), KeyModifiers::CONTROL);
    typed(&mut s, "/tmp/x.jsonl");
    let effects = key(&mut s, KeyCode::Enter);
    assert!(s.modal.is_none());
    let [Effect::Export { path, records }] = effects.as_slice() else {
        panic!("one export effect, got {effects:?}");
    };
    assert_eq!(path, &PathBuf::from("/tmp/x.jsonl"));
    let offsets: Vec<i64> = records.0.iter().map(|r| r.offset).collect();
    assert_eq!(offsets, vec![1, 3, 5, 7, 9]);
    // The worker's answer, in words on the status line.
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Exported(Ok(kdeck::engine::export::Summary {
            path: "/tmp/x.jsonl".into(),
            written: 5,
            cut: 0,
        }))),
        &keymap(),
    );
    let screen = common::screen::render(&s, 120, 40);
    assert!(
        screen.contains("✓ exported 5 records to /tmp/x.jsonl"),
        "{screen}"
    );
    // The news stays a while, then goes.
    update(&mut s, Msg::Tick(NOW + 5_000), &keymap());
    assert!(s.health.notice.is_some());
    update(&mut s, Msg::Tick(NOW + 16_000), &keymap());
    assert!(s.health.notice.is_none());
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Exported(Err(
            "cannot create /x: permission denied".into(),
        ))),
        &keymap(),
    );
    let w = s.health.warning.clone().unwrap().0;
    assert_eq!(w, "export failed: cannot create /x: permission denied");
}

#[test]
fn an_empty_export_path_is_refused_at_the_field() {
    let mut s = state_with(None);
    key(&mut s, KeyCode::Char('E'));
    press(&mut s, KeyCode::Char('u'), KeyModifiers::CONTROL);
    let effects = key(&mut s, KeyCode::Enter);
    assert!(effects.is_empty());
    let Some(d) = s.modal_as::<kdeck::tui::modals::export::ExportDialog>() else {
        panic!("the dialog stays open");
    };
    assert_eq!(
        d.field.error.as_deref(),
        Some("type the path of the file to write")
    );
}

#[test]
fn copy_is_off_by_default_and_says_how_to_turn_it_on() {
    let mut s = state_with(None);
    key(&mut s, KeyCode::Enter);
    assert!(s
        .modal_as::<kdeck::tui::modals::detail::DetailState>()
        .is_some());
    let effects = key(&mut s, KeyCode::Char('y'));
    assert!(effects.is_empty());
    let w = s.health.warning.clone().unwrap().0;
    assert!(w.contains("clipboard = \"osc52\" under [ui]"), "{w}");
}

#[test]
fn copy_sends_the_value_with_osc52_when_enabled() {
    let mut s = state_with(Some("valid/filters.toml"));
    key(&mut s, KeyCode::Enter);
    let effects = key(&mut s, KeyCode::Char('y'));
    let want = kdeck::tui::clipboard::osc52(br#"{"export_id":"export-9","status":"in_progress"}"#);
    assert_eq!(effects, vec![Effect::Osc52(want)]);
    let n = s.health.notice.clone().unwrap().0;
    assert!(n.starts_with("copied the value (47 bytes)"), "{n}");
}

#[test]
fn on_a_small_screen_a_click_on_a_tab_focuses_its_pane() {
    let mut s = state_with(None);
    s.size = (80, 24);
    let screen = common::screen::render(&s, 80, 24);
    let tabs_row = screen
        .lines()
        .position(|l| l.contains(" 4 Consumer lag "))
        .unwrap();
    let col = screen
        .lines()
        .nth(tabs_row)
        .unwrap()
        .find(" 4 Consumer lag ")
        .unwrap();
    // Columns are cells; the line is ASCII up to the tab.
    mouse(
        &mut s,
        MouseInput::Click {
            col: col as u16 + 3,
            row: tabs_row as u16,
            at_ms: NOW,
        },
    );
    assert_eq!(s.focus, PaneId::Lag);
}

#[test]
fn a_burst_of_arrivals_is_filtered_in_bounded_steps_and_the_selection_holds() {
    let mut cfg = config(None);
    cfg.ui.buffer_size = 50_000;
    let mut s = State::new(&cfg, false, NOW);
    s.focus = PaneId::Stream(Role::Status);
    push(&mut s, Role::Status, 0..10);
    key(&mut s, KeyCode::Char('f'));
    typed(&mut s, r#".value.status == "failed""#);
    key(&mut s, KeyCode::Enter);
    // Scrolled back onto offset 6 (kept: 8, 6, 3, 1).
    key(&mut s, KeyCode::Down);
    let on = |s: &State| s.stream(Role::Status).selected_record().unwrap().offset;
    assert_eq!(on(&s), 6);
    push(&mut s, Role::Status, 10..10_010);
    let p = s.stream(Role::Status);
    assert!(p.filter_scanning(), "one push filters one bounded step");
    assert!(
        p.filter.as_ref().unwrap().scanned <= 10 + kdeck::tui::panes::stream::STEP_RECORDS as u64
    );
    assert_eq!(on(&s), 6, "the selection stays on its record");
    while s.stream(Role::Status).filter_scanning() {
        update(&mut s, Msg::FilterStep, &keymap());
    }
    let p = s.stream(Role::Status);
    let f = p.filter.as_ref().unwrap();
    assert_eq!(f.scanned, 10_010);
    assert_eq!(f.matched, 4_004);
    assert_eq!(p.nth_newest(0).unwrap().offset, 10_008);
    assert_eq!(on(&s), 6, "the selection stays on its record");
}

#[test]
fn a_large_pane_is_copied_for_export_in_steps_and_records_that_left_are_counted() {
    use kdeck::tui::modals::export::GATHER_STEP;
    let mut cfg = config(None);
    cfg.ui.buffer_size = 50_000;
    let mut s = State::new(&cfg, false, NOW);
    s.focus = PaneId::Stream(Role::Status);
    push(&mut s, Role::Status, 0..50_000);
    key(&mut s, KeyCode::Char('E'));
    press(&mut s, KeyCode::Char('u'), KeyModifiers::CONTROL);
    typed(&mut s, "/tmp/big.jsonl");
    let effects = key(&mut s, KeyCode::Enter);
    assert!(effects.is_empty(), "50,000 records are not copied at once");
    assert!(s.export_gather.is_some());
    // The ring moves on meanwhile: Enter copied the first chunk (offsets 0..20,000); this
    // evicts 0..20,010, so 10 records of the second chunk are gone before it is copied.
    push(
        &mut s,
        Role::Status,
        50_000..50_000 + GATHER_STEP as i64 + 10,
    );
    let mut steps = 1;
    let effects = loop {
        let e = update(&mut s, Msg::FilterStep, &keymap());
        steps += 1;
        if !e.is_empty() {
            break e;
        }
        assert!(steps < 10);
    };
    assert_eq!(steps, 3);
    let [Effect::Export { records, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(records.0.len(), 50_000 - 10);
    assert_eq!(records.0[0].offset, 0);
    assert_eq!(records.0[GATHER_STEP].offset, GATHER_STEP as i64 + 10);
    let w = s.health.warning.clone().unwrap().0;
    assert!(w.contains("10 records left the pane"), "{w}");
}
