//! Behaviour with no broker at all: clear messages, no hangs.

use kdeck::domain::Connection;
use kdeck::kafka::{consumer, KafkaEvent};
use kdeck::support::config::{StartAt, Topics};
use std::process::Command;
use std::time::{Duration, Instant};

/// Nothing listens on port 1 of loopback.
const DEAD: &str = "127.0.0.1:1";

#[test]
fn unreachable_broker_is_reported_not_hung() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let handle = consumer::spawn(
        consumer::StreamSpec {
            cluster: kdeck::support::config::Cluster {
                brokers: DEAD.into(),
                client_id: "t".into(),
                properties: Default::default(),
            },
            group_id: "kdeck-test".into(),
            topics: Topics {
                completion: vec!["x".into()],
                ..Default::default()
            },
            start: StartAt::End,
            value_cap: 1024,
            jobs: None,
        },
        tx,
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut down = None;
    while Instant::now() < deadline && down.is_none() {
        match rx.try_recv() {
            Ok(KafkaEvent::Connection(Connection::Down { error })) => down = Some(error),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    drop(rx);
    handle.detach();
    let err = down.expect("a Down event within 15 s");
    assert!(err.contains("cannot reach the brokers"), "{err}");
}

#[test]
fn tail_against_unreachable_broker_exits_with_a_clear_message() {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["tail", "-b", DEAD, "-t", "x", "-e"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(
            "kdeck: reading metadata of topic \"x\" from 127.0.0.1:1: cannot reach the brokers"
        ),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn topics_against_unreachable_broker_exits_with_a_clear_message() {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["--config", "/dev/null", "topics", "-b", DEAD])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim_end(),
        "kdeck: listing the topics of 127.0.0.1:1: cannot reach the brokers"
    );
    assert!(out.stdout.is_empty(), "nothing listed");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn bad_config_file_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("k.toml");
    std::fs::write(&p, "[ui]\nbuffer_size = \"many\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["--config", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "k.toml line 2: key `ui.buffer_size`: expected a whole number, 0 or more, got the text \"many\""
        ),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1);
}

#[test]
fn bad_flag_property_is_reported() {
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["tail", "-b", DEAD, "-t", "x", "-X", "no.such.property=1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no.such.property"), "{err}");
}

#[test]
fn dashboard_with_a_bad_client_setting_says_so_before_any_ui() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["--config", cfg.to_str().unwrap(), "-b", DEAD])
        .args([
            "-X",
            "security.protocol=SSL",
            "-X",
            "ssl.ca.location=/no/such/ca.pem",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("kdeck: client settings for 127.0.0.1:1"),
        "{err}"
    );
    assert!(err.contains("ssl.ca.location"), "{err}");
    // Nothing drawn: the alternate screen was never entered.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("\u{1b}[?1049h"));
}

/// Issue 6 A4: a mistyped secret property printed its value. Every way a secret-looking
/// property reaches kdeck (flag, profile table, profile key, spelled right or wrong) and every
/// subcommand: the value appears in no output, the name still does.
#[test]
fn secret_values_never_reach_any_output() {
    const SECRET: &str = "S3cr3tValue";
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let table = write(
        "table.toml",
        format!("[profiles.p.librdkafka]\n\"sasl.pasword\" = \"{SECRET}\"\n"),
    );
    let number = write(
        "number.toml",
        "[profiles.p]\nsasl_password = 918273645\n".into(),
    );
    let bare = write(
        "bare.toml",
        format!("[profiles.p.librdkafka]\n\"sasl.password\" = {SECRET}\n"),
    );
    let flag = |p: &str| format!("{p}={SECRET}");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            s(&["tail", "-b", DEAD, "-t", "x", "-X", &flag("sasl.pasword")]),
            "sasl.pasword",
        ),
        (
            s(&["lag", "-b", DEAD, "-g", "g", "-X", &flag("sasl.passwd")]),
            "sasl.passwd",
        ),
        (s(&["-b", DEAD, "-X", &flag("sasl.secert")]), "sasl.secert"),
        (s(&["-b", DEAD, "-X", &flag("ssl.key.pwd")]), "ssl.key.pwd"),
        (
            s(&["-b", DEAD, "-X", &flag("sasl.oauthbearer.client.tokn")]),
            "tokn",
        ),
        (
            s(&["-b", DEAD, "-X", &format!("sasl.password:{SECRET}")]),
            "-X",
        ),
        (
            s(&[
                "-b",
                DEAD,
                "-X",
                "security.protocol=SSL",
                "-X",
                &flag("ssl.key.password"),
                "-X",
                "ssl.key.location=/no/such/key.pem",
            ]),
            "ssl.key.location",
        ),
        // The `=` forgotten: the argument parser reports the stray word, masked.
        (s(&["-b", DEAD, "-X", "sasl.password", SECRET]), "******"),
        (
            s(&["tail", "-X", "sasl.pasword", SECRET]),
            "unexpected argument",
        ),
        (s(&["tail", "-t", "x", "--config", &table]), "sasl.pasword"),
        (s(&["--config", &number]), "sasl_password"),
        (s(&["lag", "--config", &bare]), "line 2"),
    ];
    for (args, names) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
            .args(&args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        assert!(!all.contains(SECRET), "{args:?} leaked the secret: {all}");
        assert!(
            !all.contains("918273645"),
            "{args:?} leaked the secret: {all}"
        );
        assert!(all.contains(names), "{args:?} should name {names:?}: {all}");
    }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// Issue 6 A7: `tail` and `lag` accepted key bindings and themes the dashboard refused. The
/// same file now gets the same error from every subcommand, before any connection.
#[test]
fn every_subcommand_refuses_the_same_bad_ui_config() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, want) in [
        (
            "keys.toml",
            "[keys.dashboard]\nx = \"explode\"\n",
            "unknown action \"explode\"",
        ),
        (
            "theme.toml",
            "[ui]\ntheme = \"neon\"\n",
            "key `ui.theme`: \"neon\" is neither",
        ),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let p = p.to_str().unwrap();
        for args in [
            vec!["--config", p, "-b", DEAD],
            vec!["tail", "--config", p, "-b", DEAD, "-t", "x", "-e"],
            vec!["lag", "--config", p, "-b", DEAD, "-g", "g"],
            vec!["topics", "--config", p, "-b", DEAD],
        ] {
            let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
                .args(&args)
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(
                err.starts_with(&format!("kdeck: config file {p}: ")) && err.contains(want),
                "{args:?}: {err}"
            );
        }
    }
}
