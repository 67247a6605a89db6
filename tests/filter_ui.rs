//! Pane filters through `update`: `/` (quick text) and `f` (jq expression) on the focused
//! pane, typing into the input, jaq's error on an invalid expression, the narrowed pane and
//! its scanned/matched counts in the title, history, cancel and clear.

mod common;

use common::fixtures::{filter_dialog as dialog, keymap, status_record, NOW};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdeck::domain::event::KafkaEvent;
use kdeck::domain::{Record, Role};
use kdeck::support::config::load::load_with;
use kdeck::support::config::Overrides;
use kdeck::tui::app::msg::Msg;
use kdeck::tui::app::state::State;
use kdeck::tui::app::update::update;
use kdeck::tui::panes::stream::PaneFilter;
use kdeck::tui::panes::PaneId;

fn progress_record(offset: i64) -> Record {
    status_record(offset, true)
}

fn push(s: &mut State, offsets: std::ops::Range<i64>) {
    let batch = offsets.map(progress_record).collect();
    update(
        s,
        Msg::Kafka(KafkaEvent::Records(Role::Status, batch)),
        &keymap(),
    );
}

fn state() -> State {
    let cfg = load_with(&Overrides::default(), &|_| None, None).unwrap();
    let mut s = State::new(&cfg, false, NOW);
    push(&mut s, 0..10);
    s.focus = PaneId::Stream(Role::Status);
    s
}

fn key(s: &mut State, code: KeyCode) {
    let e = update(
        s,
        Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        &keymap(),
    );
    assert!(e.is_empty(), "{code:?} made effects {e:?}");
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

fn screen(s: &State) -> String {
    common::screen::render(s, 120, 40)
}

fn shown_statuses(s: &State) -> Vec<String> {
    let p = s.stream(Role::Status);
    (0..p.len())
        .map(|i| {
            p.nth_newest(i)
                .unwrap()
                .decoded
                .status
                .clone()
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn typing_q_in_the_filter_input_types_it() {
    let mut s = state();
    key(&mut s, KeyCode::Char('f'));
    typed(&mut s, "q?1");
    assert!(!s.quit);
    assert_eq!(dialog(&s).field.value(), "q?1");
    assert_eq!(dialog(&s).role, Role::Status);
}

#[test]
fn an_invalid_expression_shows_the_error_and_changes_nothing() {
    let mut s = state();
    key(&mut s, KeyCode::Char('f'));
    typed(&mut s, ".value.status ==");
    key(&mut s, KeyCode::Enter);
    let err = dialog(&s)
        .field
        .error
        .clone()
        .expect("an error at the input");
    assert!(err.starts_with("invalid filter: expected"), "{err}");
    assert!(s.stream(Role::Status).filter.is_none());
    assert_eq!(s.stream(Role::Status).len(), 10);
    assert!(
        screen(&s).contains("invalid filter: expected"),
        "{}",
        screen(&s)
    );
    // Esc cancels: still nothing filtered.
    key(&mut s, KeyCode::Esc);
    assert!(s.modal.is_none());
    assert!(s.stream(Role::Status).filter.is_none());
}

#[test]
fn a_valid_expression_narrows_the_pane_and_the_title_counts() {
    let mut s = state();
    key(&mut s, KeyCode::Char('f'));
    typed(&mut s, r#".value.status == "failed""#);
    key(&mut s, KeyCode::Enter);
    assert!(s.modal.is_none());
    // Offsets 1, 3, 6, 8 are failed.
    assert_eq!(shown_statuses(&s), vec!["failed"; 4]);
    let text = screen(&s);
    assert!(
        text.contains(r#"filter .value.status == "failed" · 4/10"#),
        "{text}"
    );
    // New records are filtered as they come, and counted.
    push(&mut s, 10..15);
    assert_eq!(s.stream(Role::Status).len(), 6);
    assert!(screen(&s).contains("· 6/15"), "{}", screen(&s));
    // An empty filter clears.
    key(&mut s, KeyCode::Char('f'));
    assert_eq!(dialog(&s).field.value(), r#".value.status == "failed""#);
    for _ in 0..40 {
        key(&mut s, KeyCode::Backspace);
    }
    key(&mut s, KeyCode::Enter);
    assert!(s.stream(Role::Status).filter.is_none());
    assert_eq!(s.stream(Role::Status).len(), 15);
}

#[test]
fn quick_filter_is_text_in_any_case() {
    let mut s = state();
    key(&mut s, KeyCode::Char('/'));
    typed(&mut s, "ORG-CUSTOMER-001");
    key(&mut s, KeyCode::Enter);
    let p = s.stream(Role::Status);
    assert!(matches!(
        p.filter.as_ref().map(|f| &f.filter),
        Some(PaneFilter::Quick(_))
    ));
    assert_eq!(p.len(), 5);
    assert!((0..5).all(|i| p.nth_newest(i).unwrap().offset % 2 == 1));
    assert!(
        screen(&s).contains(r#"filter "ORG-CUSTOMER-001" · 5/10"#),
        "{}",
        screen(&s)
    );
    // Other panes are not filtered.
    assert!(s.stream(Role::Completion).filter.is_none());
}

#[test]
fn up_and_down_walk_the_history() {
    let mut s = state();
    for expr in [
        ".value.progress_percentage > 50",
        r#".headers.org_id == "org-customer-000""#,
    ] {
        key(&mut s, KeyCode::Char('f'));
        for _ in 0..60 {
            key(&mut s, KeyCode::Backspace);
        }
        typed(&mut s, expr);
        key(&mut s, KeyCode::Enter);
        assert!(s.modal.is_none(), "{expr} applied");
    }
    assert_eq!(s.stream(Role::Status).len(), 5);
    key(&mut s, KeyCode::Char('f'));
    for _ in 0..60 {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, ".x");
    key(&mut s, KeyCode::Up);
    assert_eq!(
        dialog(&s).field.value(),
        r#".headers.org_id == "org-customer-000""#
    );
    key(&mut s, KeyCode::Up);
    assert_eq!(dialog(&s).field.value(), ".value.progress_percentage > 50");
    key(&mut s, KeyCode::Up);
    assert_eq!(dialog(&s).field.value(), ".value.progress_percentage > 50");
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Down);
    assert_eq!(dialog(&s).field.value(), ".x");
    // The quick filter has its own history (none yet).
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('/'));
    key(&mut s, KeyCode::Up);
    assert_eq!(dialog(&s).field.value(), "");
}

#[test]
fn history_keeps_the_last_twenty() {
    let mut h = kdeck::tui::modals::filter::History::default();
    for i in 0..30 {
        h.push(
            kdeck::tui::modals::filter::FilterKind::Expr,
            &format!(".a == {i}"),
        );
    }
    h.push(kdeck::tui::modals::filter::FilterKind::Expr, ".a == 25");
    let e = h.of(kdeck::tui::modals::filter::FilterKind::Expr);
    assert_eq!(e.len(), 20);
    assert_eq!(e[0], ".a == 25");
    assert_eq!(e[1], ".a == 29");
    assert_eq!(e.iter().filter(|x| *x == ".a == 25").count(), 1);
}

#[test]
fn filters_are_for_record_panes_only() {
    let mut s = state();
    s.focus = PaneId::Lag;
    key(&mut s, KeyCode::Char('/'));
    assert!(s.modal.is_none());
    let w = s
        .health
        .warning
        .as_ref()
        .map(|w| w.0.clone())
        .unwrap_or_default();
    assert!(w.contains("filters apply to"), "{w}");
}

#[test]
fn esc_in_the_dlq_pane_keeps_a_text_filter() {
    let mut s = state();
    let batch = (0..6).map(progress_record).collect();
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Records(Role::Dlq, batch)),
        &keymap(),
    );
    s.focus = PaneId::Stream(Role::Dlq);
    key(&mut s, KeyCode::Char('/'));
    typed(&mut s, "export-3");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.stream(Role::Dlq).len(), 1);
    // Esc is "back to the groups" only for a by-reason filter; a typed filter stays.
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.stream(Role::Dlq).len(), 1);
    assert!(!s.dlq().by_reason);
}
