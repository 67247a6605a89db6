//! The publish dialog through `update`: the picker narrows as you type, fields take typed keys
//! as text, enum fields step through their choices, every validation error is shown and sends
//! nothing, a valid form sends with its count and rate, republish fills the raw template from a
//! record, and read-only profiles refuse. Screens render into a TestBackend.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdeck::codec::decode::{to_record, Incoming};
use kdeck::domain::event::{KafkaEvent, PublishUpdate};
use kdeck::domain::{Header, Role};
use kdeck::support::config::load::load_with;
use kdeck::support::config::Overrides;
use kdeck::tui::app::effect::Effect;
use kdeck::tui::app::msg::Msg;
use kdeck::tui::app::state::State;
use kdeck::tui::app::update::update;
use kdeck::tui::keymap::Keymap;
use kdeck::tui::modals::publish::{PublishDialog, Stage};
use kdeck::tui::panes::PaneId;
use std::collections::BTreeMap;

const NOW: i64 = 1_763_200_000_000;

fn keymap() -> Keymap {
    Keymap::new(&BTreeMap::new()).unwrap()
}

fn state(read_only: bool) -> State {
    let o = Overrides {
        read_only,
        ..Default::default()
    };
    let cfg = load_with(&o, &|_| None, None).unwrap();
    State::new(&cfg, false, NOW)
}

fn press(s: &mut State, code: KeyCode, m: KeyModifiers) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, m)), &keymap())
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    press(s, code, KeyModifiers::NONE)
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        assert!(key(s, KeyCode::Char(c)).is_empty(), "typing {c:?}");
    }
}

fn clear(s: &mut State) {
    press(s, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(s, KeyCode::Char('k'), KeyModifiers::CONTROL);
}

fn dialog(s: &State) -> &PublishDialog {
    match s.modal_as::<kdeck::tui::modals::publish::PublishDialog>() {
        Some(d) => d,
        None => panic!("the publish dialog is not open"),
    }
}

/// Moves focus to the field named `name`.
fn to_field(s: &mut State, name: &str) {
    for _ in 0..40 {
        let d = dialog(s);
        let form = d.form.as_ref().unwrap();
        if form.fields().get(d.focus).is_some_and(|f| f.name == name) {
            return;
        }
        key(s, KeyCode::Tab);
    }
    panic!("no field {name}");
}

fn screen(s: &State) -> String {
    common::screen::render(s, 120, 50)
}

fn open(s: &mut State, filter: &str) {
    key(s, KeyCode::Char('n'));
    typed(s, filter);
    key(s, KeyCode::Enter);
    assert!(
        matches!(dialog(s).stage, Stage::Form),
        "{:?}",
        dialog(s).stage
    );
}

#[test]
fn the_picker_narrows_as_you_type_and_keys_are_text() {
    let mut s = state(false);
    key(&mut s, KeyCode::Char('n'));
    let all = dialog(&s).shown().len();
    assert!(all >= 10, "built-ins: {all}");
    // q, ? and 1 are bindings on the dashboard; here they are text.
    typed(&mut s, "q?1");
    assert!(!s.quit);
    assert_eq!(dialog(&s).filter.value(), "q?1");
    assert!(dialog(&s).shown().is_empty());
    clear(&mut s);
    typed(&mut s, "crawl");
    let names: Vec<String> = dialog(&s)
        .shown()
        .iter()
        .map(|i| dialog(&s).templates[*i].name.clone())
        .collect();
    // The built-ins only (no user folder here): one has "crawl" in its name or description.
    assert_eq!(names, ["web-crawl-request"]);
}

#[test]
fn enum_fields_step_through_choices_and_bad_values_are_shown_and_not_sent() {
    let mut s = state(false);
    open(&mut s, "schedule-job");
    to_field(&mut s, "priority");
    let before = dialog(&s).inputs[dialog(&s).focus].value().to_string();
    key(&mut s, KeyCode::Right);
    let after = dialog(&s).inputs[dialog(&s).focus].value().to_string();
    assert_ne!(before, after);
    assert!(["high", "normal", "low"].contains(&after.as_str()));
    // A datetime that is not one: the error is at the field, and enter sends nothing.
    to_field(&mut s, "scheduledTime");
    clear(&mut s);
    typed(&mut s, "tomorrow");
    let focus = dialog(&s).focus;
    assert!(
        dialog(&s).error_of(focus).is_some(),
        "error shown at the field"
    );
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(dialog(&s).note.as_deref().unwrap().starts_with("not sent"));
    let text = screen(&s);
    assert!(text.contains("✗ "), "{text}");
    // An unknown placeholder is an error too, not text.
    clear(&mut s);
    typed(&mut s, "{{nope}}");
    let focus = dialog(&s).focus;
    let e = dialog(&s).error_of(focus).unwrap().to_string();
    assert!(e.contains("nope"), "{e}");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
}

#[test]
fn a_valid_form_sends_count_records_at_a_rate_and_follows_the_job() {
    let mut s = state(false);
    open(&mut s, "schedule-job");
    // Count and rate come after the template's fields.
    let n = dialog(&s).inputs.len();
    for _ in 0..n {
        key(&mut s, KeyCode::Tab);
    }
    clear(&mut s);
    typed(&mut s, "25");
    key(&mut s, KeyCode::Tab);
    typed(&mut s, "5");
    let e = key(&mut s, KeyCode::Enter);
    let [Effect::Publish {
        job,
        count,
        rate,
        form,
        ..
    }] = e.as_slice()
    else {
        panic!("{e:?}");
    };
    assert_eq!((*count, *rate), (25, Some(5.0)));
    assert_eq!(form.template.name, "schedule-job");
    let job = *job;
    let record = dialog(&s).preview().unwrap().unwrap();
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Publish(PublishUpdate::First {
            job,
            record: record.clone(),
            at: kdeck::domain::publish::Delivered {
                seq: 1,
                topic: record.topic.clone(),
                partition: 0,
                offset: 7,
                key: record.key.clone(),
            },
        })),
        &keymap(),
    );
    assert!(s.follow.is_some(), "the sent job is followed");
    assert!(screen(&s).contains("following job"));
    assert!(matches!(
        key(&mut s, KeyCode::Char('c')).as_slice(),
        [Effect::CancelPublish]
    ));
}

#[test]
fn republish_fills_the_raw_template_from_the_selected_record() {
    let mut s = state(false);
    let r = to_record(
        Incoming {
            topic: "task-status",
            partition: 0,
            offset: 3,
            timestamp_ms: Some(NOW),
            key: Some(b"job-9"),
            value: Some(br#"{"status":"failed"}"#),
            headers: vec![Header {
                key: "traceId".into(),
                value: Some(b"t-1".to_vec()),
            }],
        },
        1024,
        false,
    );
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Records(Role::Status, vec![r])),
        &keymap(),
    );
    s.focus = PaneId::Stream(Role::Status);
    key(&mut s, KeyCode::Char('e'));
    let d = dialog(&s);
    let form = d.form.as_ref().unwrap();
    assert_eq!(form.template.name, "raw");
    let get = |n: &str| {
        let i = form.fields().iter().position(|f| f.name == n).unwrap();
        d.inputs[i].value().to_string()
    };
    assert_eq!(get("topic"), "task-status");
    assert_eq!(get("key"), "job-9");
    assert_eq!(get("value"), r#"{"status":"failed"}"#);
    assert!(get("headers").contains(r#""traceId":"t-1""#));
    let p = d.preview().unwrap().unwrap();
    assert_eq!(p.value.as_deref(), Some(&br#"{"status":"failed"}"#[..]));
    assert_eq!(
        p.headers,
        vec![("traceId".to_string(), Some(b"t-1".to_vec()))]
    );
}

#[test]
fn save_as_template_asks_the_worker_with_the_form() {
    let mut s = state(false);
    open(&mut s, "raw");
    let e = press(&mut s, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(
        matches!(e.as_slice(), [Effect::SaveTemplate { name, .. }] if name == "raw-copy"),
        "{e:?}"
    );
}

#[test]
fn a_read_only_profile_refuses_publishing() {
    let mut s = state(true);
    key(&mut s, KeyCode::Char('n'));
    assert!(s.modal.is_none());
    assert!(s
        .health
        .warning
        .as_ref()
        .unwrap()
        .0
        .starts_with("publish refused"));
}

#[test]
fn snapshot_of_the_form_with_its_preview() {
    let mut s = state(false);
    open(&mut s, "package-message");
    if let Some(d) = s.modal_as_mut::<kdeck::tui::modals::publish::PublishDialog>() {
        // A fixed clock and seed: the preview's uuids and times are the same every run.
        d.vars = kdeck::engine::publish::Vars::fixed(NOW, 42, &[]);
    }
    insta::assert_snapshot!("publish_form_120x50", screen(&s));
}

#[test]
fn republish_keeps_a_binary_value_as_bytes_unless_edited() {
    let mut s = state(false);
    let bytes = vec![0u8, 0xff, 0x10, 0x80];
    let r = to_record(
        Incoming {
            topic: "dlq-domain-services",
            partition: 1,
            offset: 4,
            timestamp_ms: Some(NOW),
            key: Some(b"job-1"),
            value: Some(&bytes),
            headers: vec![],
        },
        1024,
        true,
    );
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Records(Role::Dlq, vec![r])),
        &keymap(),
    );
    s.focus = PaneId::Stream(Role::Dlq);
    key(&mut s, KeyCode::Char('e'));
    let p = dialog(&s).preview().unwrap().unwrap();
    assert_eq!(p.value, Some(bytes.clone()), "bytes kept as they are");
    assert!(screen(&s).contains("bytes of binary"));
}
