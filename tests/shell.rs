//! Shell completions and the man page are generated from the CLI definition on every test
//! run, so they cannot drift from the flags (or stop generating) unnoticed.

use std::process::Command;

fn kdeck(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(args)
        // Generating must not depend on a config file or a broker.
        .env("KDECK_CONFIG_DIR", "/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "kdeck {args:?}: {stderr}");
    assert!(
        stderr.is_empty(),
        "kdeck {args:?} wrote to stderr: {stderr}"
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn completions_for_every_shell_name_the_subcommands_and_flags() {
    let shells = [
        ("bash", "_kdeck"),
        ("zsh", "#compdef kdeck"),
        ("fish", "complete -c kdeck"),
        ("elvish", "edit:completion:arg-completer[kdeck]"),
        ("powershell", "Register-ArgumentCompleter"),
    ];
    for (shell, marker) in shells {
        let text = kdeck(&["completions", shell]);
        assert!(text.contains(marker), "{shell}: no {marker:?} in:\n{text}");
        for word in ["replay", "publish", "tail", "lag", "log-level", "brokers"] {
            assert!(text.contains(word), "{shell}: {word:?} missing");
        }
    }
}

#[test]
fn bash_completion_script_is_valid_bash() {
    let text = kdeck(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kdeck.bash");
    std::fs::write(&file, &text).unwrap();
    let out = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn unknown_shell_is_refused_with_the_choices() {
    let out = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tcsh") && err.contains("zsh"), "{err}");
}

#[test]
fn man_page_is_roff_with_the_options() {
    let text = kdeck(&["man"]);
    assert!(text.contains(".TH kdeck 1"), "no title header:\n{text}");
    for part in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(text.contains(part), "{part} missing:\n{text}");
    }
    assert!(
        text.contains("brokers") && text.contains("log\\-level"),
        "{text}"
    );
}
