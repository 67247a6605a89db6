//! A test's own broker(s), started through `scripts/kafka.sh` in a run directory of its own, so
//! a test can kill and restart them without touching the shared broker other tests use.
#![allow(dead_code)]

use kdeck::domain::OutRecord;
use kdeck::kafka::producer::Writer;
use kdeck::support::config::Cluster;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::{Child, Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct OwnBroker {
    dir: PathBuf,
    pub env: HashMap<String, String>,
}

impl OwnBroker {
    /// Starts brokers with `scripts/kafka.sh start <args>`. Fails the test (never skips) when
    /// they cannot start: these tests need Java and the broker's jars (scripts/test.sh).
    pub fn start(name: &str, args: &[&str]) -> OwnBroker {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/kafka")
            .join(format!("{name}-{}", std::process::id()));
        let mut b = OwnBroker {
            dir,
            env: HashMap::new(),
        };
        let mut start = vec!["start"];
        start.extend_from_slice(args);
        let out = b.script(&start);
        assert!(
            out.status.success(),
            "could not start a broker for this test (needs Java and `scripts/kafka.sh fetch`; \
             run scripts/test.sh): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(b.dir.join("broker.env")).expect("broker.env");
        b.env = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        b
    }

    pub fn brokers(&self) -> String {
        self.env["KDECK_TEST_BROKERS"].clone()
    }

    fn script(&self, args: &[&str]) -> Output {
        Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/kafka.sh"))
            .args(args)
            .env("KDECK_KAFKA_DIR", &self.dir)
            .env("KDECK_KAFKA_OWNER", std::process::id().to_string())
            .output()
            .expect("running scripts/kafka.sh")
    }

    /// kill -9 one node; its data and ports stay for `restart`.
    pub fn kill(&self, node: u32) {
        let out = self.script(&["kill", &node.to_string()]);
        assert!(
            out.status.success(),
            "kill: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn restart(&self, node: u32) {
        let out = self.script(&["restart", &node.to_string()]);
        assert!(
            out.status.success(),
            "restart: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        let _ = self.script(&["stop"]);
    }
}

/// The binary under test; KDECK_TEST_BIN runs another build (to show a test fails without a fix).
pub fn kdeck() -> Command {
    Command::new(std::env::var("KDECK_TEST_BIN").unwrap_or(env!("CARGO_BIN_EXE_kdeck").into()))
}

/// A running kdeck whose output goes to files (stdout is then not a terminal).
pub struct Running {
    pub name: String,
    pub child: Child,
    pub out: PathBuf,
    pub err: PathBuf,
}

impl Running {
    pub fn spawn(dir: &tempfile::TempDir, name: &str, args: &[&str]) -> Running {
        let out = dir.path().join(format!("{name}.out"));
        let err = dir.path().join(format!("{name}.err"));
        let mut cmd = kdeck();
        // A shell without job control starts background jobs with SIGINT ignored, and children
        // inherit that: a suite run in the background would then see kdeck "ignore" Ctrl-C.
        // SAFETY: only async-signal-safe calls (signal) between fork and exec.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGQUIT, libc::SIG_DFL);
                Ok(())
            });
        }
        let child = cmd
            .args(args)
            .env_remove("KDECK_CONFIG")
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .expect("starting kdeck");
        Running {
            name: name.to_string(),
            child,
            out,
            err,
        }
    }

    /// `kdeck lag -g GROUP --watch` refreshing every second, one JSON document per refresh.
    pub fn lag_watch(dir: &tempfile::TempDir, brokers: &str, group: &str) -> Running {
        let args = [
            "lag",
            "-b",
            brokers,
            "-g",
            group,
            "--watch",
            "--interval",
            "1",
            "--samples",
            "1",
            "--output",
            "json",
        ];
        Running::spawn(dir, "lag", &args)
    }

    /// `kdeck tail -t TOPIC --from beginning`, never ending by itself.
    pub fn tail_from_beginning(dir: &tempfile::TempDir, brokers: &str, topic: &str) -> Running {
        let args = ["tail", "-b", brokers, "-t", topic, "--from", "beginning"];
        Running::spawn(dir, "tail", &args)
    }

    pub fn stdout(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.err).unwrap_or_default()
    }

    pub fn assert_alive(&mut self, when: &str) {
        if let Some(st) = self.child.try_wait().unwrap() {
            panic!(
                "kdeck died {when}: {st:?}\nstderr: {}\nstdout tail: {}",
                self.stderr(),
                tail(&self.stdout(), 800)
            );
        }
    }

    /// Ends it with SIGINT (as Ctrl-C does) and returns how it ended.
    pub fn interrupt(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "kdeck {} did not end within 15 s of SIGINT\nstderr: {}",
                    self.name,
                    tail(&self.stderr(), 800)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn tail(s: &str, n: usize) -> &str {
    let start = s.len().saturating_sub(n);
    let start = (start..s.len())
        .find(|i| s.is_char_boundary(*i))
        .unwrap_or(s.len());
    &s[start..]
}

/// Ended by SIGINT, or exited with 130 after handling it: both are a clean Ctrl-C.
pub fn ended_by_interrupt(st: std::process::ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    st.signal() == Some(2) || st.code() == Some(130) || st.code() == Some(0)
}

/// Waits until `f` holds, up to `limit`.
pub fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    f()
}

pub fn cluster(brokers: &str) -> Cluster {
    Cluster {
        brokers: brokers.to_string(),
        client_id: "kdeck-faults".into(),
        properties: Default::default(),
    }
}

/// Produces `n{i}` keys, one every 10 ms, until told to stop; then waits for every ack.
/// Idempotent, with a long delivery timeout, so a broker restart neither loses nor repeats one.
pub fn produce_until(
    c: Cluster,
    topic: String,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let w = Writer::new(
            &c,
            &[
                ("enable.idempotence", "true"),
                ("message.timeout.ms", "180000"),
            ],
        )
        .unwrap();
        let mut sent = 0usize;
        let mut acked: Vec<kdeck::kafka::producer::Report> = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let rec = OutRecord {
                topic: topic.clone(),
                key: Some(format!("n{sent}").into_bytes()),
                value: Some(format!("{{\"n\":{sent}}}").into_bytes()),
                ..Default::default()
            };
            w.send(&rec, sent).unwrap();
            sent += 1;
            acked.extend(w.poll(Duration::from_millis(10)));
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(180);
        while acked.len() < sent && std::time::Instant::now() < deadline {
            acked.extend(w.poll(Duration::from_millis(100)));
        }
        let failed: Vec<_> = acked.iter().filter(|(_, r)| r.is_err()).collect();
        assert!(failed.is_empty(), "deliveries failed: {failed:?}");
        assert_eq!(acked.len(), sent, "not every record was acknowledged");
        sent
    })
}

pub fn keys_of(jsonl: &str) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("tail wrote a line that is not JSON ({e}): {line}"));
        let k = v["key"].as_str().unwrap_or_default().to_string();
        *seen.entry(k).or_insert(0) += 1;
    }
    seen
}

/// The lag of `group` in the last JSON document `kdeck lag --watch --output json` wrote.
pub fn last_lag(out: &str, group: &str) -> Option<i64> {
    let last = out.lines().rev().find(|l| l.starts_with('{'))?;
    let v: serde_json::Value = serde_json::from_str(last).ok()?;
    v["groups"]
        .as_array()?
        .iter()
        .find(|g| g["group"] == group)?["lag"]
        .as_i64()
}

/// Every key `n0..n{sent}` exactly once in a tail's output, or a message saying what differs.
pub fn exactly_once(jsonl: &str, sent: usize) -> Result<(), String> {
    let seen = keys_of(jsonl);
    let missing: Vec<String> = (0..sent)
        .map(|i| format!("n{i}"))
        .filter(|k| !seen.contains_key(k))
        .collect();
    let repeated: Vec<(&String, &usize)> = seen.iter().filter(|(_, n)| **n > 1).collect();
    if missing.is_empty() && repeated.is_empty() && seen.len() == sent {
        return Ok(());
    }
    Err(format!(
        "{} of {sent} keys, missing {:?}, repeated {:?}",
        seen.len(),
        &missing[..missing.len().min(20)],
        &repeated[..repeated.len().min(20)]
    ))
}

/// The node id leading `topic`/`partition`, from kcat's view of the cluster.
pub fn leader_of(brokers: &str, topic: &str, partition: i32) -> Option<u32> {
    let out = Command::new("kcat")
        .args(["-b", brokers, "-L", "-t", topic, "-m", "5"])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let prefix = format!("partition {partition}, leader ");
    text.lines().find_map(|l| {
        let rest = l.trim().strip_prefix(&prefix)?;
        rest.split(',').next()?.trim().parse().ok()
    })
}

/// kdeck's dashboard in a tmux server of its own (never the user's or another helper's).
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn start(cmd: &str, w: u16, h: u16) -> Tmux {
        let t = Tmux {
            socket: format!("helpera-faults-{}", std::process::id()),
        };
        let ok = Command::new("tmux")
            .args(["-L", &t.socket, "new-session", "-d", "-s", "kdeck"])
            .args(["-x", &w.to_string(), "-y", &h.to_string(), cmd])
            .status()
            .expect("tmux is installed (scripts/deps.sh)");
        assert!(ok.success());
        let _ = Command::new("tmux")
            .args([
                "-L",
                &t.socket,
                "set-option",
                "-t",
                "kdeck",
                "remain-on-exit",
                "on",
            ])
            .status();
        t
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "kdeck"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn dead(&self) -> bool {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "display-message",
                "-p",
                "-t",
                "kdeck",
                "#{pane_dead}",
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    pub fn keys(&self, keys: &str) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "kdeck", keys])
            .status();
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}
