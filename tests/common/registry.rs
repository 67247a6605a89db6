//! The real schema registry and Confluent's own Python serializers that the test command
//! starts and installs (scripts/registry.sh, scripts/pyclients.sh).

use std::io::Write;
use std::process::{Command, Stdio};

fn from_env_or_file(var: &str, file: &str, what: &str) -> String {
    if let Ok(v) = std::env::var(var) {
        if !v.trim().is_empty() {
            return v.trim().to_string();
        }
    }
    let path = format!("{}/{file}", env!("CARGO_MANIFEST_DIR"));
    if let Ok(text) = std::fs::read_to_string(&path) {
        let v = text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{var}=")).map(str::to_string))
            .unwrap_or_else(|| text.trim().to_string());
        if !v.trim().is_empty() {
            return v.trim().to_string();
        }
    }
    panic!(
        "this test needs {what} and none is configured: run scripts/test.sh (it starts one), \
         or set {var}"
    );
}

/// `http://127.0.0.1:PORT/apis/ccompat/v7`.
pub fn url() -> String {
    from_env_or_file(
        "KDECK_TEST_REGISTRY",
        "target/registry/run/registry.env",
        "the real schema registry",
    )
}

pub fn python() -> String {
    if let Ok(p) = std::env::var("KDECK_TEST_PYTHON") {
        if !p.trim().is_empty() {
            return p;
        }
    }
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/pyclients/venv/bin/python"
    );
    assert!(
        std::path::Path::new(p).exists(),
        "this test needs Confluent's Python client: run scripts/test.sh (scripts/pyclients.sh)"
    );
    p.to_string()
}

pub fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/schemas/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Runs tests/clients/sr_client.py with `args`, `stdin` fed in; its stdout. Panics with its
/// stderr when it fails.
pub fn client(args: &[&str], stdin: &str) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/sr_client.py");
    let mut child = Command::new(python())
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the Python client starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "sr_client.py {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The schema id a `produce` run printed.
pub fn produced_id(out: &str) -> u32 {
    out.lines()
        .find_map(|l| l.strip_prefix("schema-id "))
        .and_then(|i| i.trim().parse().ok())
        .unwrap_or_else(|| panic!("no schema id in {out}"))
}

/// Registers the referenced Avro record once per test (its subject is shared: registering
/// the same text again gives the same id).
pub fn register_job_error() {
    client(
        &[
            "register",
            "--registry",
            &url(),
            "--subject",
            "com.kdeck.test.JobError",
            "--format",
            "avro",
            "--schema",
            &fixture("job_error.avsc"),
        ],
        "",
    );
}
