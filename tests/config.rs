//! Config loading: folders of valid and invalid files (each invalid one names the error it must
//! give), the example config, and the layering of file < environment < flags.

use kdeck::cmd::load_config_with as load_with;
use kdeck::support::config::{Overrides, StartAt};
use std::collections::HashMap;
use std::path::PathBuf;

fn dir(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/configs")
        .join(sub)
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn with_file(path: PathBuf) -> Overrides {
    Overrides {
        config_path: Some(path),
        ..Default::default()
    }
}

#[test]
fn valid_configs_load() {
    let mut n = 0;
    for e in std::fs::read_dir(dir("valid")).unwrap() {
        let p = e.unwrap().path();
        load_with(&with_file(p.clone()), &no_env, None)
            .unwrap_or_else(|e| panic!("{} should load: {e}", p.display()));
        n += 1;
    }
    assert!(n >= 2);
}

#[test]
fn invalid_configs_name_file_key_and_expectation() {
    let mut n = 0;
    for e in std::fs::read_dir(dir("invalid")).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} lacks an '# expect:' line", p.display()));
        let err = load_with(&with_file(p.clone()), &no_env, None)
            .expect_err(&format!("{} should fail", p.display()))
            .to_string();
        assert!(
            err.contains(expect),
            "{}: got {err:?}, want {expect:?}",
            p.display()
        );
        assert!(
            err.contains(p.file_name().unwrap().to_str().unwrap()),
            "error names the file: {err}"
        );
        assert!(!err.contains('\n'), "one line: {err:?}");
        // Rust's names for types mean nothing to someone editing TOML.
        for rust in [
            "usize", "u32", "i64", "i128", "struct ", "Option", "FileUi", "a map",
        ] {
            assert!(!err.contains(rust), "{}: Rust type in {err:?}", p.display());
        }
        n += 1;
    }
    assert!(n >= 20);
}

#[test]
fn example_config_loads_with_every_profile() {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let cfg = load_with(&with_file(p.clone()), &no_env, None).unwrap();
    assert_eq!(cfg.profile, "local");
    assert_eq!(cfg.cluster.brokers, "localhost:9092");
    assert_eq!(
        cfg.topics.completion,
        vec!["export-completions", "franc.task.completion"]
    );
    assert_eq!(cfg.topics.status, vec!["task-status", "franc.task.status"]);
    assert_eq!(cfg.consumer.start, StartAt::Tail(50));
    let prod = load_with(
        &Overrides {
            config_path: Some(p),
            profile: Some("prod".into()),
            ..Default::default()
        },
        &no_env,
        None,
    )
    .unwrap();
    assert_eq!(prod.cluster.properties["security.protocol"], "SASL_SSL");
    assert_eq!(prod.cluster.properties["sasl.mechanism"], "SCRAM-SHA-512");
    assert_eq!(
        prod.cluster.properties["ssl.ca.location"],
        "/etc/kafka/ca.pem"
    );
    assert_eq!(prod.cluster.properties["socket.keepalive.enable"], "true");
    let tm = &prod.services[0];
    assert_eq!((tm.name.as_str(), tm.every_ms), ("task-manager", 5_000));
    assert_eq!(tm.series[2].metric, "kafka_consumer_lag");
}

#[test]
fn defaults_without_any_file() {
    let cfg = load_with(&Overrides::default(), &no_env, None).unwrap();
    assert_eq!(cfg.cluster.brokers, "localhost:9092");
    assert_eq!(cfg.topics.completion, vec!["export-completions"]);
    assert_eq!(cfg.topics.status, vec!["task-status"]);
    assert_eq!(cfg.topics.dlq, vec!["dlq-domain-services"]);
    assert_eq!(cfg.source, None);
}

#[test]
fn services_environment_is_understood() {
    let env: HashMap<&str, &str> = HashMap::from([
        ("KAFKA_BOOTSTRAP_SERVERS", "b1:9092,b2:9092"),
        ("KAFKA_TOPIC", "prod-export-completions"),
        ("KAFKA_TOPIC_PREFIX", "franc"),
        ("KAFKA_CLIENT_ID", "me"),
        ("KAFKA_GROUP_ID", "task-manager-group"),
        ("KAFKA_SECURITY_PROTOCOL", "sasl_ssl"),
        ("KAFKA_SASL_MECHANISM", "scram-sha-256"),
        ("KAFKA_SASL_USERNAME", "u"),
        ("KAFKA_SASL_PASSWORD", "p"),
        ("KAFKA_SSL_CAFILE", "/ca.pem"),
        ("KAFKA_SSL_CERTFILE", "/cert.pem"),
        ("KAFKA_SSL_KEYFILE", "/key.pem"),
    ]);
    let get = |k: &str| env.get(k).map(|v| v.to_string());
    let cfg = load_with(&Overrides::default(), &get, None).unwrap();
    assert_eq!(cfg.cluster.brokers, "b1:9092,b2:9092");
    assert_eq!(cfg.cluster.client_id, "me");
    assert_eq!(cfg.topics.completion, vec!["prod-export-completions"]);
    assert_eq!(cfg.topics.status, vec!["task-status", "franc.task.status"]);
    assert_eq!(cfg.watch_groups, vec!["task-manager-group"]);
    let p = &cfg.cluster.properties;
    assert_eq!(p["security.protocol"], "SASL_SSL");
    assert_eq!(p["sasl.mechanism"], "SCRAM-SHA-256");
    assert_eq!(p["sasl.username"], "u");
    assert_eq!(p["sasl.password"], "p");
    assert_eq!(p["ssl.ca.location"], "/ca.pem");
    assert_eq!(p["ssl.certificate.location"], "/cert.pem");
    assert_eq!(p["ssl.key.location"], "/key.pem");
}

#[test]
fn kafka_brokers_wins_over_bootstrap_servers_and_flags_win_over_env() {
    let env: HashMap<&str, &str> = HashMap::from([
        ("KAFKA_BROKERS", "env:1"),
        ("KAFKA_BOOTSTRAP_SERVERS", "env:2"),
    ]);
    let get = |k: &str| env.get(k).map(|v| v.to_string());
    assert_eq!(
        load_with(&Overrides::default(), &get, None)
            .unwrap()
            .cluster
            .brokers,
        "env:1"
    );
    let o = Overrides {
        brokers: Some("flag:1".into()),
        properties: vec![("fetch.max.bytes".into(), "1000".into())],
        ..Default::default()
    };
    let cfg = load_with(&o, &get, None).unwrap();
    assert_eq!(cfg.cluster.brokers, "flag:1");
    assert_eq!(cfg.cluster.properties["fetch.max.bytes"], "1000");
}

#[test]
fn env_beats_file_and_boolean_tls_sasl_switches_work() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("c.toml");
    std::fs::write(&p, "[profiles.x]\nbrokers = \"file:1\"\n").unwrap();
    let env: HashMap<&str, &str> = HashMap::from([
        ("KAFKA_BROKERS", "env:9"),
        ("KAFKA_SSL_ENABLED", "true"),
        ("KAFKA_SASL_ENABLED", "true"),
    ]);
    let get = |k: &str| env.get(k).map(|v| v.to_string());
    let cfg = load_with(&with_file(p.clone()), &get, None).unwrap();
    assert_eq!(cfg.cluster.brokers, "env:9");
    assert_eq!(cfg.cluster.properties["security.protocol"], "SASL_SSL");
    let cfg = load_with(&with_file(p), &no_env, None).unwrap();
    assert_eq!(cfg.cluster.brokers, "file:1");
}

#[test]
fn platform_config_is_used_when_present_and_missing_explicit_file_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("config.toml");
    std::fs::write(&p, "[ui]\nbuffer_size = 77\n").unwrap();
    let cfg = load_with(&Overrides::default(), &no_env, Some(p.clone())).unwrap();
    assert_eq!(cfg.ui.buffer_size, 77);
    assert_eq!(cfg.source, Some(p));
    let err = load_with(&with_file(tmp.path().join("nope.toml")), &no_env, None).unwrap_err();
    assert!(
        err.to_string().contains("nope.toml: cannot read it"),
        "{err}"
    );
}

#[test]
fn bad_flag_start_names_the_flag() {
    let o = Overrides {
        start: Some("soon".into()),
        ..Default::default()
    };
    let err = load_with(&o, &no_env, None).unwrap_err().to_string();
    assert!(err.starts_with("--from: expected"), "{err}");
}

#[test]
fn keymap_errors_name_the_key() {
    use kdeck::tui::keymap::Keymap;
    use std::collections::BTreeMap;
    let bad_action = BTreeMap::from([(
        "dashboard".to_string(),
        BTreeMap::from([("x".to_string(), "explode".to_string())]),
    )]);
    let e = Keymap::new(&bad_action).unwrap_err();
    assert!(
        e.contains("keys.dashboard.\"x\": unknown action \"explode\""),
        "{e}"
    );
    let bad_key = BTreeMap::from([(
        "global".to_string(),
        BTreeMap::from([("hyper-q".to_string(), "quit".to_string())]),
    )]);
    assert!(Keymap::new(&bad_key).unwrap_err().contains("not a key"));
}

#[test]
fn themes_load_and_bad_theme_is_explained() {
    use kdeck::tui::theme::Theme;
    assert!(Theme::load("default").is_ok());
    assert!(Theme::load("mono").unwrap().reverse_selection);
    let e = Theme::load("/no/such/theme.toml").unwrap_err();
    assert!(e.contains("neither a built-in theme"), "{e}");
    // Through the config, the error names the file and the key.
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("with-theme.toml");
    std::fs::write(&p, "[ui]\ntheme = \"/no/such/theme.toml\"\n").unwrap();
    let e = load_with(&with_file(p), &no_env, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("config file ")
            && e.contains("with-theme.toml: key `ui.theme`: \"/no/such/theme.toml\""),
        "{e}"
    );
}

#[test]
fn several_profiles_need_a_choice_and_any_choice_is_honoured() {
    let p = dir("invalid").join("two_profiles_none_chosen.toml");
    let pick = |o: Overrides, env: &dyn Fn(&str) -> Option<String>| load_with(&o, env, None);
    let by_flag = pick(
        Overrides {
            profile: Some("prod".into()),
            ..with_file(p.clone())
        },
        &no_env,
    )
    .unwrap();
    assert_eq!(
        (by_flag.profile.as_str(), by_flag.cluster.brokers.as_str()),
        ("prod", "prod:9092")
    );
    let by_env = pick(with_file(p.clone()), &|k: &str| {
        (k == "KDECK_PROFILE").then(|| "dev".to_string())
    })
    .unwrap();
    assert_eq!(by_env.cluster.brokers, "dev:9092");
    // A profile named by the environment that the file lacks is an error, not the defaults.
    let e = pick(with_file(p), &|k: &str| {
        (k == "KDECK_PROFILE").then(|| "staging".to_string())
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("profile `staging` (from KDECK_PROFILE) is not defined (defined: dev, prod)"),
        "{e}"
    );
    // Without any file, a named profile cannot exist: said so, not silently the defaults.
    let e = load_with(
        &Overrides {
            profile: Some("prod".into()),
            ..Default::default()
        },
        &no_env,
        None,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        "profile `prod` (from --profile) is not defined: no config file was found \
         (pass --config PATH or set KDECK_CONFIG)"
    );
}

#[test]
fn debug_prints_of_the_config_never_show_a_secret() {
    let o = Overrides {
        properties: vec![
            ("sasl.pasword".into(), "S3cr3t".into()),
            ("client.rack".into(), "r1".into()),
        ],
        ..Default::default()
    };
    let cfg = load_with(&o, &no_env, None).unwrap();
    for text in [format!("{o:?}"), format!("{cfg:?}"), format!("{cfg:#?}")] {
        assert!(!text.contains("S3cr3t"), "{text}");
        assert!(
            text.contains("sasl.pasword") && text.contains("r1"),
            "{text}"
        );
    }
}

#[test]
fn replay_partitioners_are_set_per_dlq() {
    use kdeck::domain::replay::KeyHash;
    let cfg = load_with(&with_file(dir("valid").join("replay.toml")), &no_env, None).unwrap();
    let p = &cfg.replay.partitioners;
    assert_eq!(p.get("dlq-pipeline"), Some(&Some(KeyHash::Fnv1a)));
    assert_eq!(p.get("scheduler.jobs.dlq"), Some(&None));
    assert_eq!(p.get("dlq-domain-services"), None);
}
