//! SASL/SCRAM-SHA-512 over TLS against a real broker of the test's own: the test command makes
//! a CA and a broker certificate with keytool and a SCRAM user at format time
//! (`scripts/kafka.sh start --sasl`); kdeck connects with the FRANC portal's SASL/SSL
//! environment variables.

mod own_broker;

use kdeck::domain::OutRecord;
use kdeck::kafka::{admin, producer};
use kdeck::support::config::Cluster;
use own_broker::{kdeck, OwnBroker};
use std::process::Output;
use std::time::Duration;

fn run(broker: &OwnBroker, password: &str, args: &[&str]) -> Output {
    let e = &broker.env;
    kdeck()
        .args(args)
        .args(["-b", &e["KDECK_TEST_SASL_BROKERS"]])
        .env_remove("KDECK_CONFIG")
        .env("HOME", "/nonexistent-kdeck-home")
        .env("XDG_CONFIG_HOME", "/nonexistent-kdeck-home")
        .env("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
        .env("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
        .env("KAFKA_SASL_USERNAME", &e["KDECK_TEST_SASL_USER"])
        .env("KAFKA_SASL_PASSWORD", password)
        .env("KAFKA_SSL_CAFILE", &e["KDECK_TEST_CAFILE"])
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// One broker for every check: starting it (certificates, SCRAM user) is the slow part.
#[test]
fn scram_over_tls_reads_and_a_wrong_password_is_an_authentication_error() {
    let broker = OwnBroker::start("sasl", &["--sasl"]);
    let password = broker.env["KDECK_TEST_SASL_PASSWORD"].clone();
    // Set up through the broker's plain listener (the test's own, not kdeck's connection).
    let plain = Cluster {
        brokers: broker.brokers(),
        client_id: "kdeck-sasl-setup".into(),
        properties: Default::default(),
    };
    let (topic, group) = ("secure-stream", "secure-group");
    admin::create_topics(&plain, &[topic], 1).unwrap();
    let recs: Vec<OutRecord> = (0..5)
        .map(|i| OutRecord {
            topic: topic.into(),
            partition: Some(0),
            key: Some(format!("s{i}").into_bytes()),
            value: Some(format!("{{\"i\":{i}}}").into_bytes()),
            ..Default::default()
        })
        .collect();
    producer::produce_all(&plain, &recs, Duration::from_secs(30)).unwrap();
    admin::commit_offsets(&plain, group, &[(topic, 0, 2)]).unwrap();

    // The right password: tail and lag work over SASL_SSL.
    let out = run(
        &broker,
        &password,
        &["tail", "-t", topic, "--from", "beginning", "-c", "5"],
    );
    assert!(out.status.success(), "tail: {}", text(&out));
    let keys: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["key"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(keys, ["s0", "s1", "s2", "s3", "s4"]);
    assert!(!text(&out).contains(&password), "password in tail output");

    let out = run(
        &broker,
        &password,
        &["lag", "-g", group, "--samples", "1", "--output", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "lag: {}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["groups"][0]["group"], group, "{doc}");
    assert_eq!(doc["groups"][0]["lag"], 3, "{doc}");
    assert!(!text(&out).contains(&password), "password in lag output");

    // A wrong password: an authentication error with its exit code, never "unreachable".
    let wrong = "Wr0ng-S3cr3t-pw";
    let out = run(&broker, wrong, &["lag", "-g", group]);
    let all = text(&out);
    assert_eq!(
        out.status.code(),
        Some(4),
        "lag with a wrong password: {all}"
    );
    assert!(all.contains("authentication failed"), "{all}");
    assert!(!all.contains("cannot reach"), "{all}");
    assert!(
        !all.contains(wrong) && !all.contains(&password),
        "password in: {all}"
    );

    let out = run(&broker, wrong, &["tail", "-t", topic, "-c", "1"]);
    let all = text(&out);
    assert!(
        !out.status.success(),
        "tail with a wrong password succeeded: {all}"
    );
    assert!(all.contains("authentication failed"), "{all}");
    assert!(
        !all.contains(wrong) && !all.contains(&password),
        "password in: {all}"
    );
    assert!(
        !all.contains("retrying"),
        "an exiting tail says it retries: {all}"
    );
}
