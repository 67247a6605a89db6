//! The log file: a connection failure is in it, a secret given on the command line is not,
//! and nothing needs a broker (127.0.0.1:1 never answers).

mod common;

use common::tmux::Tmux;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const DEAD: &str = "127.0.0.1:1";
const SECRET: &str = "Hunter2-Sekrit-7781";

/// Every log file in `dir`, read whole.
fn log_text(dir: &Path) -> String {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.iter().all(|f| {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("kdeck.") && name.ends_with(".log")
        }),
        "unexpected files in the log folder: {files:?}"
    );
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect()
}

fn empty_config(dir: &Path) -> String {
    let cfg = dir.join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    cfg.display().to_string()
}

#[test]
fn headless_failure_is_logged_without_the_secret() {
    let logs = tempfile::tempdir().unwrap();
    let conf = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args([
            "tail",
            "-t",
            "x",
            "-e",
            "--config",
            &empty_config(conf.path()),
        ])
        .args(["-b", DEAD, "-X", "security.protocol=SASL_PLAINTEXT"])
        .args(["-X", "sasl.mechanism=PLAIN", "-X", "sasl.username=alice"])
        .arg("-X")
        .arg(format!("sasl.password={SECRET}"))
        .env("KDECK_LOG_DIR", logs.path())
        .env_remove("KDECK_LOG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let log = log_text(logs.path());
    assert!(log.contains("kdeck started"), "{log}");
    assert!(log.contains("sasl.password=******"), "{log}");
    let failure = log
        .lines()
        .find(|l| l.contains("ERROR"))
        .unwrap_or_else(|| panic!("no error line:\n{log}"));
    assert!(failure.contains("cannot reach the brokers"), "{failure}");
    assert!(failure.contains(DEAD), "{failure}");
    assert!(!log.contains(SECRET), "the secret is in the log:\n{log}");
    // The terminal gets the message, not the log lines.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("INFO") && !stderr.contains(SECRET),
        "{stderr}"
    );
}

#[test]
fn dashboard_logs_the_connection_loss_to_the_file_only() {
    let logs = tempfile::tempdir().unwrap();
    let conf = tempfile::tempdir().unwrap();
    let cmd = format!(
        "env KDECK_LOG_DIR={} {} --config {} -b {DEAD} --log-level debug \
         -X sasl.password={SECRET} -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=PLAIN \
         -X sasl.username=alice",
        logs.path().display(),
        env!("CARGO_BIN_EXE_kdeck"),
        empty_config(conf.path())
    );
    let t = Tmux::start(&cmd, 100, 30);
    let s = t.wait_for("the connection failure", |s| s.contains("retrying"), 20);
    assert!(
        !s.contains("INFO") && !s.contains("WARN"),
        "log lines on screen:\n{s}"
    );
    // The help names the log file (its last lines: scroll down).
    t.keys(&["?"]);
    let mut help = t.screen();
    // The help grows with every modal: jump to its end rather than count rows.
    t.keys(&["End"]);
    for _ in 0..100 {
        if help.contains("Log file") {
            break;
        }
        t.keys(&["jjj"]);
        help = t.screen();
    }
    let shown = format!("{}/kdeck.YYYY-MM-DD.log", logs.path().display());
    assert!(help.contains(&shown), "{shown} not in the help:\n{help}");
    t.keys(&["Escape", "q"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !t.pane_dead() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(t.pane_dead(), "kdeck did not quit");
    drop(t);
    let log = log_text(logs.path());
    let down = log
        .lines()
        .find(|l| l.contains("connection down"))
        .unwrap_or_else(|| panic!("no connection change logged:\n{log}"));
    assert!(down.contains("cannot reach the brokers"), "{down}");
    // Once per change, not once per rescan.
    assert_eq!(log.matches("connection down").count(), 1, "{log}");
    assert!(!log.contains(SECRET), "the secret is in the log:\n{log}");
}

#[test]
fn a_log_level_that_is_no_level_is_refused() {
    let logs = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["lag", "-b", DEAD, "--log-level", "verbose"])
        .env("KDECK_LOG_DIR", logs.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\"verbose\"") && err.contains("debug"),
        "{err}"
    );
}
