//! The topic browser end to end: the real binary in tmux, against a broker of its own whose
//! topics are named unlike kdeck's defaults, and the shared broker as a second cluster.
//! A first start opens the browser with the proposals taken; one enter gives a dashboard of
//! those topics; ctrl-s saves them as a profile (the file's comments kept) that a second start
//! uses as is; switching profile to the other cluster shows none of the first one's records.

mod common;
mod own_broker;

use common::tmux::Tmux;
use common::{brokers, cluster, out_record as rec, unique};
use kdeck::kafka::{admin, producer};
use own_broker::OwnBroker;
use std::time::Duration;

const CONFIG: &str = r#"# my kdeck settings — keep this line
default_profile = "start"

[ui]
# a quiet theme
theme = "default"

[profiles.start]
brokers = "BROKER_A" # the order service's cluster
[profiles.start.topics]
request = []
completion = ["nope.completion"]
status = ["nope.status"]
dlq = ["nope.dlq"]

[profiles.other]
brokers = "BROKER_B"
[profiles.other.topics]
request = []
completion = ["OTHER_TOPIC"]
status = []
dlq = []
"#;

/// The order service's topics on cluster A, with records of each shape.
fn orders_cluster(a: &str) {
    let c = cluster(a);
    let names = [
        "orders.v1.events",
        "orders.v1.status",
        "orders.v1.DLT",
        "payments-dead-letter",
        "app-log",
    ];
    admin::create_topics(&c, &names, 2).unwrap();
    let mut recs = Vec::new();
    for i in 0..6 {
        let id = format!("order-{i}");
        let done = format!(r#"{{"order_id":"{id}","status":"completed"}}"#);
        recs.push(rec("orders.v1.events", &id, &done, &[]));
        let progress = format!(r#"{{"order_id":"{id}","status":"in_progress","progress":40}}"#);
        recs.push(rec("orders.v1.status", &id, &progress, &[]));
        let spring = [
            ("kafka_dlt-original-topic", "orders.v1.commands"),
            (
                "kafka_dlt-exception-fqcn",
                "java.lang.IllegalStateException",
            ),
            ("kafka_dlt-exception-message", "price must be positive"),
        ];
        recs.push(rec("orders.v1.DLT", &id, r#"{"order_id":"x"}"#, &spring));
        let connect = [
            ("__connect.errors.topic", "payments"),
            ("__connect.errors.exception.message", "schema mismatch"),
        ];
        recs.push(rec(
            "payments-dead-letter",
            &id,
            r#"{"amount":3}"#,
            &connect,
        ));
        recs.push(rec("app-log", &id, &format!("GET /health 200 {i}ms"), &[]));
    }
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();
}

/// Cluster B's one completion topic.
fn other_cluster(b: &str, topic: &str) {
    let c = cluster(b);
    admin::create_topics(&c, &[topic], 1).unwrap();
    let recs: Vec<_> = (0..3)
        .map(|i| {
            let v = format!(r#"{{"job_id":"from-b-{i}","status":"completed"}}"#);
            rec(topic, &format!("from-b-{i}"), &v, &[])
        })
        .collect();
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();
}

fn kdeck(dir: &std::path::Path, args: &str) -> Tmux {
    let cmd = format!(
        "XDG_DATA_HOME={} XDG_CONFIG_HOME={} {} --config {} {args}",
        dir.join("data").display(),
        dir.join("xdg").display(),
        env!("CARGO_BIN_EXE_kdeck"),
        dir.join("config.toml").display()
    );
    Tmux::start(&cmd, 160, 45)
}

/// The screen line that names `topic` in the browser's table.
fn row_of<'a>(screen: &'a str, topic: &str) -> &'a str {
    let cell = format!(" {topic} ");
    screen
        .lines()
        .find(|l| l.contains(&cell) && !l.contains("use these topics"))
        .unwrap_or_else(|| panic!("{topic} not listed:\n{screen}"))
}

#[test]
fn an_unknown_cluster_is_recognised_wired_saved_and_switched_away_from() {
    let own = OwnBroker::start("browse", &[]);
    let a = own.brokers();
    let b = brokers();
    let other_topic = unique("other-completions");
    orders_cluster(&a);
    other_cluster(&b, &other_topic);
    let dir = tempfile::tempdir().unwrap();
    let config = CONFIG
        .replace("BROKER_A", &a)
        .replace("BROKER_B", &b)
        .replace("OTHER_TOPIC", &other_topic);
    std::fs::write(dir.path().join("config.toml"), config).unwrap();

    // A first start: the browser opens by itself and proposes from the records.
    let t = kdeck(dir.path(), "");
    // Every topic sampled: the message can come while one is still being read.
    let screen = t.wait_for(
        "the proposals",
        |s| s.contains("roles proposed from their newest records") && !s.contains("sampling…"),
        60,
    );
    assert!(
        screen.contains("none of the configured topics exists here"),
        "{screen}"
    );
    for (topic, role) in [
        ("orders.v1.DLT", "DLQ"),
        ("payments-dead-letter", "DLQ"),
        ("orders.v1.events", "compl"),
        ("orders.v1.status", "status"),
    ] {
        // Inside the browser's frame (it is drawn over the dashboard's panes).
        let row = row_of(&screen, topic).split('│').nth(2).unwrap_or_default();
        assert!(row.starts_with(role), "{topic}: {row}");
    }
    let log = row_of(&screen, "app-log");
    assert!(log.contains("none"), "the log topic is none of them: {log}");
    assert!(
        screen.contains("DLQ: orders.v1.DLT, payments-dead-letter"),
        "the first row says what enter opens: {screen}"
    );
    // The evidence in words, for the selected topic.
    t.keys(&["Down", "Down"]);
    let screen = t.wait_for("the evidence", |s| s.contains("orders.v1.DLT: 6 of 6"), 10);
    assert!(screen.contains("kafka_dlt-*"), "{screen}");

    // One enter on the first row: a dashboard of those topics.
    t.keys(&["Home", "Enter"]);
    let screen = t.wait_for(
        "the orders dashboard",
        |s| {
            s.contains("orders.v1.events/")
                && s.contains("orders.v1.DLT/")
                && s.contains("orders.v1.status/")
        },
        60,
    );
    assert!(
        !screen.contains("Topics of"),
        "the browser closed: {screen}"
    );

    // ctrl-s from the browser: saved as a profile, comments kept.
    t.keys(&["T"]);
    t.wait_for("the browser", |s| s.contains("Topics of"), 20);
    t.keys(&["C-s"]);
    t.wait_for("the name field", |s| s.contains("save as profile"), 10);
    t.keys(&[
        "BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "orders", "Enter",
    ]);
    let screen = t.wait_for("the saved notice", |s| s.contains("profile `orders`"), 20);
    assert!(screen.contains("--profile orders"), "{screen}");
    let saved = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    for kept in [
        "# my kdeck settings — keep this line",
        "# a quiet theme",
        "# the order service's cluster",
        "[profiles.other]",
        "[profiles.orders]",
        r#"dlq = ["orders.v1.DLT", "payments-dead-letter"]"#,
        r#"completion = ["orders.v1.events"]"#,
    ] {
        assert!(saved.contains(kept), "{kept:?} in:\n{saved}");
    }
    // Nothing changed since the dashboard opened on them: the browser stays until closed.
    t.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(300));
    t.keys(&["q"]);
    t.wait_for("kdeck to quit", |_| t.pane_dead(), 20);
    drop(t);

    // A second start with that profile: the dashboard as saved, no browser.
    let t = kdeck(dir.path(), "--profile orders");
    let screen = t.wait_for(
        "the saved dashboard",
        |s| s.contains("orders.v1.events/") && s.contains("orders.v1.DLT/"),
        60,
    );
    assert!(!screen.contains("Topics of"), "{screen}");
    assert!(
        screen.contains("kdeck orders"),
        "the health line names the profile: {screen}"
    );

    // Switch to the other profile (the other cluster): none of the first one's records.
    t.keys(&["P"]);
    t.wait_for(
        "the profile list",
        |s| s.contains("Profiles") && s.contains(" other "),
        10,
    );
    t.keys(&["End", "Enter"]);
    let screen = t.wait_for(
        "the other cluster's records",
        |s| s.contains("from-b-2") && s.contains("kdeck other"),
        60,
    );
    assert!(
        !screen.contains("orders.v1."),
        "a record of the first cluster shows:\n{screen}"
    );
    assert!(
        screen.contains(&b),
        "the health line names the cluster: {screen}"
    );
    std::thread::sleep(Duration::from_secs(2));
    let later = t.screen();
    assert!(
        !later.contains("orders.v1."),
        "a late record of the first cluster:\n{later}"
    );
}
