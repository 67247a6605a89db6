use super::*;
use crate::support::config::load::load_with;
use crate::support::config::Overrides;

const COMMENTED: &str = r#"# my kdeck settings
default_profile = "local"

[ui]
# dark terminal
theme = "mono"

[profiles.local]
brokers = "localhost:9092" # the laptop
# groups I care about
watch_groups = ["a"]

[profiles.local.topics]
# only these
completion = ["done"]

[profiles.prod]
brokers = "prod:9092"
read_only = true
"#;

fn draft(name: &str) -> ProfileDraft {
    ProfileDraft {
        name: name.into(),
        brokers: "host:9092".into(),
        topics: Topics {
            request: vec![],
            completion: vec!["orders.v1.events".into()],
            status: vec!["orders.v1.status".into()],
            dlq: vec!["orders.v1.DLT".into(), "payments-dead-letter".into()],
        },
        watch_groups: vec!["orders-service".into()],
    }
}

fn load(path: &Path, profile: &str) -> crate::support::config::Config {
    let o = Overrides {
        config_path: Some(path.to_path_buf()),
        profile: Some(profile.into()),
        ..Default::default()
    };
    load_with(&o, &|_| None, None).expect("the saved file loads")
}

#[test]
fn a_new_profile_keeps_every_comment_and_other_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, COMMENTED).unwrap();
    let saved = save_profile(&path, &draft("orders")).unwrap();
    assert!(!saved.updated && !saved.created_file && !saved.made_default);
    let text = std::fs::read_to_string(&path).unwrap();
    for kept in [
        "# my kdeck settings",
        "# dark terminal",
        "brokers = \"localhost:9092\" # the laptop",
        "# groups I care about",
        "# only these",
        "read_only = true",
    ] {
        assert!(text.contains(kept), "{kept:?} kept in:\n{text}");
    }
    let cfg = load(&path, "orders");
    assert_eq!(cfg.cluster.brokers, "host:9092");
    assert_eq!(cfg.topics, draft("x").topics);
    assert_eq!(cfg.watch_groups, vec!["orders-service".to_string()]);
    // The other profiles read as before.
    assert_eq!(
        load(&path, "local").topics.completion,
        vec!["done".to_string()]
    );
    assert_eq!(load(&path, "prod").cluster.brokers, "prod:9092");
    assert!(saved.words("orders").contains("--profile orders"));
}

#[test]
fn updating_a_profile_keeps_its_comments_and_other_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, COMMENTED).unwrap();
    let saved = save_profile(&path, &draft("local")).unwrap();
    assert!(saved.updated);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("brokers = \"host:9092\" # the laptop"),
        "{text}"
    );
    assert!(
        text.contains("# groups I care about\nwatch_groups = [\"orders-service\"]"),
        "{text}"
    );
    assert!(text.contains("# only these"), "{text}");
    let cfg = load(&path, "local");
    assert_eq!(cfg.topics.dlq.len(), 2);
    // An empty role is written as an empty list: the built-in request topics do not return.
    assert!(cfg.topics.request.is_empty());
}

#[test]
fn a_missing_file_is_created_with_the_profile_as_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/config.toml");
    let saved = save_profile(&path, &draft("orders")).unwrap();
    assert!(saved.created_file && saved.made_default);
    assert!(saved.words("orders").contains("kdeck starts with it"));
    let o = Overrides {
        config_path: Some(path.clone()),
        ..Default::default()
    };
    let cfg = load_with(&o, &|_| None, None).unwrap();
    assert_eq!(cfg.profile, "orders");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("default_profile = \"orders\""), "{text}");
    assert_eq!(
        list_profiles(&path).unwrap(),
        vec![("orders".to_string(), Some("host:9092".to_string()))]
    );
}

#[test]
fn a_broken_file_is_left_alone_and_a_bad_name_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "profiles = [1\n").unwrap();
    let e = save_profile(&path, &draft("orders")).unwrap_err();
    assert!(e.contains("not valid TOML, left as it is"), "{e}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "profiles = [1\n");
    std::fs::write(&path, "[profiles]\norders = 3\n").unwrap();
    let e = save_profile(&path, &draft("orders")).unwrap_err();
    assert!(
        e.contains("`orders` in the config file is not a table"),
        "{e}"
    );
    let e = save_profile(&path, &draft("my profile")).unwrap_err();
    assert!(e.contains("letters, digits"), "{e}");
}

#[cfg(unix)]
#[test]
fn the_files_permissions_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, COMMENTED).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    save_profile(&path, &draft("orders")).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}
