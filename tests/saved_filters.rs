//! Saved filters (`[filters]` in the config): compiled at load for every subcommand, used as
//! `@name` by the dashboard's filter input and by `kdeck tail --filter @name`.

mod common;

use kdeck::support::config::load::load_with;
use kdeck::support::config::Overrides;
use std::path::PathBuf;
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/configs")
        .join(name)
}

fn load(name: &str) -> Result<kdeck::support::config::Config, String> {
    let o = Overrides {
        config_path: Some(fixture(name)),
        ..Default::default()
    };
    load_with(&o, &|_| None, None).map_err(|e| e.to_string())
}

#[test]
fn saved_filters_load_compiled_and_resolve_by_name() {
    let cfg = load("valid/filters.toml").unwrap();
    let names: Vec<&str> = cfg.filters.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["acme", "export-keys", "failed"]);
    assert!(!cfg.ui.mouse);
    assert!(cfg.ui.clipboard_osc52);
    let e = cfg.filter("@failed").unwrap();
    assert_eq!(e.source(), r#".value.status == "failed""#);
    assert_eq!(e.name(), Some("failed"));
    // Not a name: an expression.
    assert_eq!(cfg.filter(".key").unwrap().name(), None);
    let err = cfg.filter("@nope").unwrap_err();
    assert_eq!(
        err,
        "no saved filter is named \"nope\" (saved: acme, export-keys, failed)"
    );
}

#[test]
fn defaults_have_mouse_on_clipboard_off_and_no_saved_filters() {
    let cfg = load("valid/empty.toml").unwrap();
    assert!(cfg.ui.mouse);
    assert!(!cfg.ui.clipboard_osc52);
    assert!(cfg.filters.is_empty());
    let err = cfg.filter("@failed").unwrap_err();
    assert!(err.contains("the config has no [filters] table"), "{err}");
}

#[test]
fn a_broken_saved_filter_names_the_file_the_filter_and_jaqs_error() {
    let err = load("invalid/filters_bad_expression.toml").unwrap_err();
    assert!(err.contains("filters_bad_expression.toml"), "{err}");
    assert!(err.contains("key `filters.failed`"), "{err}");
    assert!(err.contains("invalid filter: expected"), "{err}");
    let err = load("invalid/filters_unknown_function.toml").unwrap_err();
    assert!(err.contains("unknown filter \"nosuchfn\""), "{err}");
}

/// Every subcommand refuses the file (one validation): `lag` and `tail` too, before any
/// connection, with exit code 2.
#[test]
fn every_subcommand_refuses_a_broken_saved_filter() {
    for args in [&["lag"][..], &["tail", "-e"][..], &["job", "x"][..]] {
        let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
            .arg("--config")
            .arg(fixture("invalid/filters_bad_expression.toml"))
            .args(["-b", "127.0.0.1:1"])
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("key `filters.failed`"), "{args:?}: {err}");
    }
}

#[test]
fn tail_names_an_unknown_saved_filter_before_connecting() {
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .arg("--config")
        .arg(fixture("valid/filters.toml"))
        .args(["-b", "127.0.0.1:1", "tail", "-e", "--filter", "@nope"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "--filter: no saved filter is named \"nope\" (saved: acme, export-keys, failed)"
        ),
        "{err}"
    );
}

fn tail(cfg: &std::path::Path, topic: &str, filter: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .arg("--config")
        .arg(cfg)
        .args(["tail", "-b", &common::brokers(), "-t", topic])
        .args(["--from", "beginning", "-e", "--filter", filter])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Real broker: `--filter @failed` writes exactly what the saved expression does.
#[test]
fn tail_with_a_saved_filter_writes_what_its_expression_keeps() {
    use kdeck::domain::OutRecord;
    let c = common::cluster(&common::brokers());
    let topic = common::unique("kdeck-saved-filter");
    kdeck::kafka::admin::create_topics(&c, &[&topic], 1).unwrap();
    let recs: Vec<OutRecord> = (0..12)
        .map(|i| OutRecord {
            topic: topic.clone(),
            key: Some(format!("export-{i}").into_bytes()),
            value: Some(
                format!(
                    r#"{{"status":"{}"}}"#,
                    if i % 4 == 0 { "failed" } else { "complete" }
                )
                .into_bytes(),
            ),
            ..Default::default()
        })
        .collect();
    kdeck::kafka::producer::produce_all(&c, &recs, std::time::Duration::from_secs(30)).unwrap();
    let cfg = fixture("valid/filters.toml");
    let by_name = tail(&cfg, &topic, "@failed");
    let by_expr = tail(&cfg, &topic, r#".value.status == "failed""#);
    assert_eq!(by_name.lines().count(), 3, "{by_name}");
    assert_eq!(by_name, by_expr);
}
