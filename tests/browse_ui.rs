//! The topic browser, the group list and the profile switcher, driven through `update` with
//! the worker news they would get (no broker: tests/topics.rs and tests/e2e_browse.rs talk
//! to a real one), and drawn into ratatui's TestBackend.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kdeck::codec::decode::{to_record, Incoming};
use kdeck::domain::browse::{BrowseUpdate, Sampled, TopicInfo};
use kdeck::domain::lag::{LagSnapshot, ListedGroup};
use kdeck::domain::{Header, Record};
use kdeck::engine::roles::propose;
use kdeck::kafka::KafkaEvent;
use kdeck::support::config::load::load_with;
use kdeck::support::config::{Overrides, Topics};
use kdeck::tui::app::effect::Effect;
use kdeck::tui::app::msg::Msg;
use kdeck::tui::app::state::State;
use kdeck::tui::app::update::update;
use kdeck::tui::keymap::Keymap;
use kdeck::tui::modals::groups::GroupList;
use kdeck::tui::modals::profiles::{Choice, ProfileList};
use kdeck::tui::modals::topics::Browser;
use std::collections::BTreeMap;

mod common;

use common::screen::render;

const NOW: i64 = 1_763_200_000_000;

fn keymap() -> Keymap {
    Keymap::new(&BTreeMap::new()).unwrap()
}

fn state() -> State {
    let cfg = load_with(&Overrides::default(), &|_| None, None).unwrap();
    let mut s = State::new(&cfg, false, NOW);
    s.size = (120, 40);
    s
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    key_mod(s, code, KeyModifiers::NONE)
}

fn key_mod(s: &mut State, code: KeyCode, m: KeyModifiers) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, m)), &keymap())
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

fn h(k: &str, v: &str) -> Header {
    Header {
        key: k.into(),
        value: Some(v.as_bytes().to_vec()),
    }
}

fn rec(topic: &str, offset: i64, value: &str, headers: Vec<Header>) -> Record {
    to_record(
        Incoming {
            topic,
            partition: (offset % 2) as i32,
            offset,
            timestamp_ms: Some(NOW - 90_000 + offset * 1000),
            key: Some(format!("order-{offset}").as_bytes()),
            value: Some(value.as_bytes()),
            headers,
        },
        1 << 16,
        false,
    )
}

fn info(name: &str, records: i64) -> TopicInfo {
    TopicInfo {
        name: name.into(),
        partitions: 2,
        replication: 1,
        records: Some(records),
        end_sum: Some(records),
        retention_ms: Some(7 * 86_400_000),
        error: None,
    }
}

/// A cluster named unlike the defaults: an order service's events, status and Spring dead
/// letters, a Connect dead-letter topic, a plain log, and a topic kdeck may not read.
fn cluster_samples() -> (Vec<TopicInfo>, Vec<Sampled>) {
    let events: Vec<Record> = (0..12)
        .map(|i| {
            rec(
                "orders.v1.events",
                i,
                &format!(r#"{{"order_id":"o-{i}","status":"completed"}}"#),
                vec![],
            )
        })
        .collect();
    let status: Vec<Record> = (0..12)
        .map(|i| {
            rec(
                "orders.v1.status",
                i,
                &format!(r#"{{"order_id":"o-{i}","status":"in_progress","progress":{i}}}"#),
                vec![],
            )
        })
        .collect();
    let dlt: Vec<Record> = (0..6)
        .map(|i| {
            let hs = vec![
                h("kafka_dlt-original-topic", "orders.v1.commands"),
                h("kafka_dlt-original-partition", "0"),
                h("kafka_dlt-original-offset", &i.to_string()),
                h(
                    "kafka_dlt-exception-message",
                    "Listener failed; price must be positive",
                ),
            ];
            rec("orders.v1.DLT", i, r#"{"order_id":"o-1","price":-1}"#, hs)
        })
        .collect();
    let connect: Vec<Record> = (0..4)
        .map(|i| {
            let hs = vec![
                h("__connect.errors.topic", "payments"),
                h("__connect.errors.exception.message", "Unknown magic byte"),
            ];
            rec("payments-dead-letter", i, "not json", hs)
        })
        .collect();
    let log: Vec<Record> = (0..10)
        .map(|i| rec("app-log", i, "GET /health 200", vec![]))
        .collect();
    let mut infos = vec![
        info("app-log", 10),
        info("orders.v1.DLT", 6),
        info("orders.v1.events", 12),
        info("orders.v1.status", 12),
        info("payments-dead-letter", 4),
    ];
    infos.push(TopicInfo {
        error: Some("not authorised to read it".into()),
        records: None,
        end_sum: None,
        ..info("secret.audit", 0)
    });
    let sampled = [events, status, dlt, connect, log]
        .into_iter()
        .map(|records| {
            let topic = records[0].topic.clone();
            Sampled {
                proposal: propose(&topic, &records),
                topic,
                records,
            }
        })
        .collect();
    (infos, sampled)
}

fn browser(s: &State) -> &Browser {
    s.modal_as::<Browser>().expect("the topic browser is open")
}

/// The news a browser's list brings, as its worker would send it.
fn feed_list(s: &mut State) {
    let job = browser(s).job;
    let (infos, sampled) = cluster_samples();
    let km = keymap();
    let news = [
        BrowseUpdate::Listed {
            job,
            result: Ok(infos),
        },
        BrowseUpdate::Sampled {
            job,
            topics: sampled,
        },
        BrowseUpdate::Recognised { job, took_ms: 1234 },
    ];
    for n in news {
        update(s, Msg::Kafka(KafkaEvent::Browse(n)), &km);
    }
}

/// A first start on a cluster where none of the configured topics exists.
fn first_start() -> (State, Vec<Effect>) {
    let mut s = state();
    let missing = s.wiring.topics.all();
    let effects = update(
        &mut s,
        Msg::Kafka(KafkaEvent::MissingTopics(missing)),
        &keymap(),
    );
    (s, effects)
}

#[test]
fn a_first_start_on_an_unknown_cluster_opens_the_browser_and_one_enter_wires_the_proposals() {
    let (mut s, effects) = first_start();
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Browse {
                internal: false,
                ..
            }]
        ),
        "{effects:?}"
    );
    assert!(browser(&s).first_start);
    feed_list(&mut s);
    let screen = render(&s, 160, 45);
    for evidence in [
        "6 of 6 records carry dead-letter headers from Spring",
        "none of the configured topics exists here",
        "not authorised to read it",
    ] {
        assert!(screen.contains(evidence), "{evidence:?} in:\n{screen}");
    }
    let effects = key(&mut s, KeyCode::Enter);
    let Some(Effect::Rewire { topics, .. }) =
        effects.iter().find(|e| matches!(e, Effect::Rewire { .. }))
    else {
        panic!("enter on the first row re-wires: {effects:?}");
    };
    assert_eq!(
        *topics,
        Topics {
            request: vec![],
            completion: vec!["orders.v1.events".into()],
            status: vec!["orders.v1.status".into()],
            dlq: vec!["orders.v1.DLT".into(), "payments-dead-letter".into()],
        }
    );
    assert!(effects.contains(&Effect::CancelBrowse));
    // It opens by itself once only.
    let mut s2 = state();
    s2.browser_offered = true;
    let missing = s2.wiring.topics.all();
    assert!(update(
        &mut s2,
        Msg::Kafka(KafkaEvent::MissingTopics(missing)),
        &keymap()
    )
    .is_empty());
    assert!(s2.modal.is_none());
}

#[test]
fn a_cluster_with_one_configured_topic_does_not_open_the_browser() {
    let mut s = state();
    let mut missing = s.wiring.topics.all();
    missing.pop();
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::MissingTopics(missing)),
        &keymap(),
    );
    assert!(s.modal.is_none());
}

#[test]
fn keys_give_roles_narrowing_finds_topics_and_enter_peeks() {
    let (mut s, _) = first_start();
    feed_list(&mut s);
    key(&mut s, KeyCode::Char('/'));
    typed(&mut s, "log");
    assert_eq!(browser(&s).visible().len(), 1);
    key(&mut s, KeyCode::Enter); // keep the narrowing, back to the list
    assert_eq!(browser(&s).selected, 1, "the match is selected");
    key(&mut s, KeyCode::Char('s'));
    assert_eq!(
        browser(&s).topics().status,
        vec!["app-log".to_string(), "orders.v1.status".to_string()]
    );
    key(&mut s, KeyCode::Char('s'));
    assert_eq!(
        browser(&s).topics().status,
        vec!["orders.v1.status".to_string()]
    );
    key(&mut s, KeyCode::Char('r'));
    assert_eq!(browser(&s).topics().request, vec!["app-log".to_string()]);
    key(&mut s, KeyCode::Char('x'));
    assert!(browser(&s).topics().request.is_empty());
    key(&mut s, KeyCode::Enter);
    assert_eq!(browser(&s).peeking.as_deref(), Some("app-log"));
    let screen = render(&s, 120, 40);
    assert!(screen.contains("newest records of app-log"), "{screen}");
    assert!(screen.contains("GET /health 200"), "{screen}");
    key(&mut s, KeyCode::Esc);
    assert!(browser(&s).peeking.is_none());
    // Esc in the narrowing field clears it.
    key(&mut s, KeyCode::Char('/'));
    key(&mut s, KeyCode::Esc);
    assert_eq!(browser(&s).visible().len(), 6);
}

#[test]
fn news_of_a_replaced_list_is_dropped() {
    let (mut s, _) = first_start();
    let old = browser(&s).job;
    let effects = key_mod(&mut s, KeyCode::Char('r'), KeyModifiers::CONTROL);
    let Some(Effect::Browse { job, .. }) = effects.first() else {
        panic!("ctrl-r lists again: {effects:?}");
    };
    assert_ne!(*job, old);
    let (infos, _) = cluster_samples();
    let late = BrowseUpdate::Listed {
        job: old,
        result: Ok(infos),
    };
    update(&mut s, Msg::Kafka(KafkaEvent::Browse(late)), &keymap());
    assert!(browser(&s).rows.is_empty(), "the late list is not shown");
}

#[test]
fn ctrl_s_asks_a_name_then_saves_and_wires() {
    let (mut s, _) = first_start();
    feed_list(&mut s);
    key_mod(&mut s, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(browser(&s).save_as.is_some());
    for _ in 0.."default".len() {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "bad name");
    assert!(
        key(&mut s, KeyCode::Enter).is_empty(),
        "a name with a space is refused"
    );
    for _ in 0.."bad name".len() {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "orders");
    let effects = key(&mut s, KeyCode::Enter);
    let Some(Effect::SaveProfile(draft)) = effects.first() else {
        panic!("saved first: {effects:?}");
    };
    assert_eq!(draft.name, "orders");
    assert_eq!(
        draft.topics.dlq,
        vec![
            "orders.v1.DLT".to_string(),
            "payments-dead-letter".to_string()
        ]
    );
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Rewire { .. })),
        "and then shown: {effects:?}"
    );
}

#[test]
fn applying_nothing_is_refused_in_words() {
    let mut s = state();
    key(&mut s, KeyCode::Char('T'));
    let job = browser(&s).job;
    let (infos, _) = cluster_samples();
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Browse(BrowseUpdate::Listed {
            job,
            result: Ok(infos),
        })),
        &keymap(),
    );
    assert_eq!(
        browser(&s).selected,
        1,
        "opened by hand, the first topic is selected"
    );
    // The configured topics are not on this cluster: nothing has a role.
    assert!(key(&mut s, KeyCode::Char('a')).is_empty());
    let w = s.health.warning.clone().expect("a warning").0;
    assert!(w.contains("give at least one topic a role"), "{w}");
}

#[test]
fn snapshot_topic_browser_120x40() {
    let (mut s, _) = first_start();
    feed_list(&mut s);
    s.now_ms = NOW;
    insta::assert_snapshot!(render(&s, 120, 40));
}

#[test]
fn snapshot_topic_browser_80x24() {
    let (mut s, _) = first_start();
    feed_list(&mut s);
    insta::assert_snapshot!(render(&s, 80, 24));
}

fn listed(group: &str, state: &str, members: usize, topics: &[&str]) -> ListedGroup {
    ListedGroup {
        group: group.into(),
        state: Some(state.into()),
        members,
        topics: topics.iter().map(|t| t.to_string()).collect(),
    }
}

#[test]
fn the_group_list_watches_and_unwatches_at_once() {
    let mut s = state();
    s.wiring.watch_groups = vec!["scheduler-consumer-group".into()];
    let snap = LagSnapshot {
        at_ms: NOW,
        listed: Some(vec![
            listed("orders-service", "Stable", 3, &["orders.v1.commands"]),
            listed("billing", "Empty", 0, &[]),
        ]),
        ..Default::default()
    };
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Lag(Box::new(snap))),
        &keymap(),
    );
    let effects = key(&mut s, KeyCode::Char('W'));
    assert_eq!(effects, vec![Effect::RefreshLag]);
    let names: Vec<String> = s
        .modal_as::<GroupList>()
        .unwrap()
        .rows
        .iter()
        .map(|r| r.group.group.clone())
        .collect();
    assert_eq!(
        names,
        ["scheduler-consumer-group", "billing", "orders-service"]
    );
    insta::assert_snapshot!(render(&s, 120, 40));
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Down);
    let effects = key(&mut s, KeyCode::Char(' '));
    let want = vec![
        "scheduler-consumer-group".to_string(),
        "orders-service".to_string(),
    ];
    assert_eq!(effects, vec![Effect::WatchGroups(want.clone())]);
    assert_eq!(s.wiring.watch_groups, want);
    key(&mut s, KeyCode::Home);
    let effects = key(&mut s, KeyCode::Char(' '));
    assert_eq!(
        effects,
        vec![Effect::WatchGroups(vec!["orders-service".into()])]
    );
    let effects = key_mod(&mut s, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let Some(Effect::SaveProfile(d)) = effects.first() else {
        panic!("{effects:?}")
    };
    assert_eq!(d.watch_groups, vec!["orders-service".to_string()]);
}

#[test]
fn the_profile_switcher_switches_to_another_profile() {
    let mut s = state();
    s.profiles = vec![
        Choice {
            name: "default".into(),
            brokers: Some("localhost:9092".into()),
        },
        Choice {
            name: "staging".into(),
            brokers: Some("staging:9092".into()),
        },
    ];
    key(&mut s, KeyCode::Char('P'));
    assert_eq!(
        s.modal_as::<ProfileList>().unwrap().selected,
        0,
        "the current one is selected"
    );
    insta::assert_snapshot!(render(&s, 100, 30));
    assert!(
        key(&mut s, KeyCode::Enter).is_empty(),
        "the current profile: nothing to switch"
    );
    key(&mut s, KeyCode::Char('P'));
    key(&mut s, KeyCode::Down);
    assert_eq!(
        key(&mut s, KeyCode::Enter),
        vec![Effect::SwitchProfile("staging".into())]
    );
}

#[test]
fn a_rewired_state_shows_nothing_read_before() {
    let mut s = state();
    let batch = vec![rec(
        "export-completions",
        1,
        r#"{"status":"complete"}"#,
        vec![],
    )];
    update(
        &mut s,
        Msg::Kafka(KafkaEvent::Records(kdeck::domain::Role::Completion, batch)),
        &keymap(),
    );
    assert_eq!(s.streams[0].len(), 1);
    let mut cfg = load_with(&Overrides::default(), &|_| None, None).unwrap();
    cfg.topics.completion = vec!["orders.v1.events".into()];
    let ids_before = s.job_ids;
    s.rewired(&cfg, false);
    assert_eq!(s.streams[0].len(), 0);
    assert_eq!(
        s.wiring.topics.completion,
        vec!["orders.v1.events".to_string()]
    );
    assert_eq!(s.job_ids, ids_before, "job ids keep counting");
    let notice = s.health.notice.clone().unwrap().0;
    assert!(notice.contains("now reading profile default"), "{notice}");
}
