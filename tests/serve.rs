//! `kdeck serve` against a real Apache Kafka broker, scraped by a real Prometheus server (the
//! Debian package scripts/deps.sh installs, with promtool): lag in records and seconds of
//! groups with known backlogs, an idle caught-up group at 0, a group status and a DLQ reason
//! series found through Prometheus's query API; the exposition checked by `promtool check
//! metrics`; listen errors; a broker killed and restarted under it; the alert rules and the
//! Grafana dashboard in assets/ checked against what kdeck serves.

mod common;
mod own_broker;

use common::{brokers, cluster, unique};
use kdeck::domain::OutRecord;
use kdeck::kafka::{admin, producer};
use own_broker::{wait_for, OwnBroker, Running};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MIN: i64 = 60_000;

/// A GET over plain HTTP/1.0: (status, content type, body).
fn get(port: u16, path: &str, accept: &str) -> Option<(u16, String, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let req = format!("GET {path} HTTP/1.0\r\nHost: localhost\r\nAccept: {accept}\r\n\r\n");
    s.write_all(req.as_bytes()).ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let code = head.split_whitespace().nth(1)?.parse().ok()?;
    let kind = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or_default()
        .to_string();
    Some((code, kind, body.to_string()))
}

fn metrics(port: u16) -> String {
    match get(port, "/metrics", "text/plain") {
        Some((200, _, body)) => body,
        other => panic!("/metrics did not answer 200: {other:?}"),
    }
}

/// The value of the first sample whose line starts with `start`.
fn value(text: &str, start: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no sample {start}… in:\n{text}"))
}

/// The port `kdeck serve` said it listens on.
fn port_of(r: &Running) -> u16 {
    let mut port = None;
    wait_for(Duration::from_secs(20), || {
        port = r
            .stderr()
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|p| p.parse().ok());
        port.is_some()
    });
    port.unwrap_or_else(|| panic!("kdeck serve said no address: {}", r.stderr()))
}

fn serve(dir: &tempfile::TempDir, brokers: &str, extra: &[&str]) -> (Running, u16) {
    std::fs::write(dir.path().join("empty.toml"), "").unwrap();
    let config = dir.path().join("empty.toml");
    let mut args = vec!["-b", brokers, "--config", config.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--interval",
        "1",
        "--log-json",
    ]);
    let r = Running::spawn(dir, "serve", &args);
    let port = port_of(&r);
    (r, port)
}

/// A topic of 2 partitions × 20 records written 10 s apart, the first 10 minutes ago; group
/// `behind` committed at 10 and 5, group `idle` at the end of both.
struct Backlog {
    topic: String,
    behind: String,
    idle: String,
    dlq: String,
    t0: i64,
}

fn backlog(b: &str) -> Backlog {
    let c = cluster(b);
    let (topic, dlq) = (unique("serve-orders"), unique("serve-dlq"));
    let (behind, idle) = (unique("serve-behind"), unique("serve-idle"));
    admin::create_topics(&c, &[&topic], 2).unwrap();
    admin::create_topics(&c, &[&dlq], 1).unwrap();
    let t0 = chrono::Utc::now().timestamp_millis() - 10 * MIN;
    let mut recs: Vec<OutRecord> = (0..2)
        .flat_map(|p| {
            let topic = topic.clone();
            (0..20).map(move |i| OutRecord {
                topic: topic.clone(),
                partition: Some(p),
                value: Some(format!("{{\"n\":{i}}}").into_bytes()),
                timestamp_ms: Some(t0 + i * 10_000),
                ..Default::default()
            })
        })
        .collect();
    recs.push(OutRecord {
        topic: dlq.clone(),
        partition: Some(0),
        value: Some(br#"{"job_id":"j1"}"#.to_vec()),
        headers: vec![("dlq-error".into(), b"timeout after 3012ms".to_vec())],
        ..Default::default()
    });
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();
    admin::commit_offsets(&c, &behind, &[(&topic, 0, 10), (&topic, 1, 5)]).unwrap();
    admin::commit_offsets(&c, &idle, &[(&topic, 0, 20), (&topic, 1, 20)]).unwrap();
    Backlog {
        topic,
        behind,
        idle,
        dlq,
        t0,
    }
}

/// A Prometheus server of the test's own, scraping `target` every second.
struct Prometheus {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Prometheus {
    fn start(target: u16) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: kdeck\n    static_configs:\n      - targets: [\"127.0.0.1:{target}\"]\n"
            ),
        )
        .unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("log")).unwrap())
            .spawn()
            .expect("prometheus is installed (scripts/deps.sh test)");
        Prometheus {
            child,
            port,
            _dir: dir,
        }
    }

    /// The query's first value, polled until `ok` holds (Prometheus's first scrape comes after
    /// about 6 s).
    fn query_until(&self, q: &str, ok: impl Fn(f64) -> bool) -> f64 {
        let path = format!("/api/v1/query?query={}", encode(q));
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Some((200, _, body)) = get(self.port, &path, "application/json") {
                let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                let found = v["data"]["result"][0]["value"][1]
                    .as_str()
                    .and_then(|s| s.parse::<f64>().ok());
                if let Some(x) = found.filter(|x| ok(*x)) {
                    return x;
                }
                last = body;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!("Prometheus never answered {q} as expected; last answer: {last}");
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn promtool(args: &[&str], stdin: Option<&str>) -> (bool, String) {
    let mut child = Command::new("promtool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool is installed (scripts/deps.sh test)");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn lag_in_records_and_seconds_a_status_and_a_dlq_reason_reach_a_real_prometheus() {
    let b = brokers();
    let k = backlog(&b);
    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "--dlq",
        &k.dlq,
        "--status",
        &k.topic,
        "--from",
        "beginning",
        "-g",
        &k.behind,
        "-g",
        &k.idle,
    ];
    let (mut r, port) = serve(&dir, &b, &flags);
    assert!(
        wait_for(Duration::from_secs(30), || get(port, "/readyz", "*/*")
            .is_some_and(|x| x.0 == 200)),
        "never ready: {:?}\n{}",
        get(port, "/readyz", "*/*"),
        r.stderr()
    );
    // The first scrape after ready may precede the stream reader's first batch.
    assert!(wait_for(Duration::from_secs(30), || metrics(port)
        .contains("kdeck_dlq_records_total")));
    let m = metrics(port);
    let g = |name: &str, group: &str, p: i32| {
        let start = format!(
            "{name}{{cluster_name=\"default\",group=\"{group}\",topic=\"{}\",partition=\"{p}\"",
            k.topic
        );
        value(&m, &start)
    };
    assert_eq!(
        (
            g("kafka_consumergroup_group_lag", &k.behind, 0),
            g("kafka_consumergroup_group_lag", &k.behind, 1)
        ),
        (10.0, 15.0)
    );
    assert_eq!(g("kafka_consumergroup_group_offset", &k.behind, 1), 5.0);
    // Reprocessing old data: the seconds come from the committed record's own time.
    let now = chrono::Utc::now().timestamp_millis();
    let expect = |i: i64| (now - (k.t0 + i * 10_000)) as f64 / 1000.0;
    let s1 = g("kafka_consumergroup_group_lag_seconds", &k.behind, 1);
    assert!(
        (s1 - expect(5)).abs() < 30.0,
        "lag seconds {s1}, expected about {}",
        expect(5)
    );
    // Idle and caught up: 0, however old its last record.
    assert_eq!(g("kafka_consumergroup_group_lag_seconds", &k.idle, 0), 0.0);
    let sum = format!(
        "kafka_consumergroup_group_sum_lag{{cluster_name=\"default\",group=\"{}\"}}",
        k.behind
    );
    assert_eq!(value(&m, &sum), 25.0);
    let start = format!(
        "kafka_partition_latest_offset{{cluster_name=\"default\",topic=\"{}\",partition=\"0\"}}",
        k.topic
    );
    assert_eq!(value(&m, &start), 20.0);
    assert!(!m.contains("NaN"), "{m}");
    let (ok, why) = promtool(&["check", "metrics"], Some(&m));
    assert!(ok, "promtool check metrics: {why}");
    // OpenMetrics when asked.
    let (code, kind, body) = get(
        port,
        "/metrics",
        "application/openmetrics-text;version=1.0.0",
    )
    .unwrap();
    assert_eq!(code, 200);
    assert!(kind.starts_with("application/openmetrics-text"), "{kind}");
    assert!(body.ends_with("# EOF\n") && body.contains("# TYPE kdeck_dlq_records counter"));

    let p = Prometheus::start(port);
    let q = |e: &str| e.replace("G", &k.behind);
    assert_eq!(
        p.query_until(&q("kafka_consumergroup_group_sum_lag{group=\"G\"}"), |v| v
            == 25.0),
        25.0
    );
    let secs = p.query_until(
        &q("kafka_consumergroup_group_max_lag_seconds{group=\"G\"}"),
        |v| v > 0.0,
    );
    assert!((secs - expect(5)).abs() < 60.0, "max lag seconds {secs}");
    let idle = format!(
        "kafka_consumergroup_group_max_lag_seconds{{group=\"{}\"}}",
        k.idle
    );
    assert_eq!(p.query_until(&idle, |v| v == 0.0), 0.0);
    p.query_until(&q("sum(kdeck_consumergroup_status{group=\"G\"})"), |v| {
        v == 1.0
    });
    let reason = format!(
        "kdeck_dlq_records_total{{topic=\"{}\",reason=\"timeout after #ms\"}}",
        k.dlq
    );
    assert_eq!(p.query_until(&reason, |v| v == 1.0), 1.0);

    let _ = Command::new("kill")
        .args(["-TERM", &r.child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(15);
    let st = loop {
        if let Some(st) = r.child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(st.code(), Some(0), "{}", r.stderr());
    assert!(r.stderr().contains("kdeck serve: stopped"));
    // --log-json: the log's lines on stderr too, one JSON object each.
    let json: Vec<serde_json::Value> = (r.stderr().lines())
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(json.iter().any(|v| v["level"] == "INFO"
        && v["fields"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("listening on"))));
}

#[test]
fn an_address_in_use_or_not_an_address_is_a_clear_error_with_exit_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.toml"), "").unwrap();
    for (addr, words) in [
        (format!("127.0.0.1:{port}"), "in use"),
        ("nonsense".to_string(), "cannot listen on nonsense"),
    ] {
        let out = own_broker::kdeck()
            .args(["-b", "127.0.0.1:9", "--config"])
            .arg(dir.path().join("empty.toml"))
            .args(["serve", "--listen", &addr])
            .env("HOME", dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(words), "{err}");
    }
}

#[test]
fn a_broker_killed_and_restarted_makes_it_unready_then_ready_and_metrics_stay_sane() {
    let own = OwnBroker::start("serve-restart", &[]);
    let b = own.brokers();
    let k = backlog(&b);
    let dir = tempfile::tempdir().unwrap();
    let (mut r, port) = serve(&dir, &b, &["-g", &k.behind]);
    let ready = || get(port, "/readyz", "*/*").map(|x| x.0);
    assert!(
        wait_for(Duration::from_secs(30), || ready() == Some(200)),
        "never ready"
    );
    let lag = |m: &str| {
        value(
            m,
            &format!(
                "kafka_consumergroup_group_sum_lag{{cluster_name=\"default\",group=\"{}\"}}",
                k.behind
            ),
        )
    };
    assert!(wait_for(Duration::from_secs(30), || metrics(port)
        .contains("kafka_consumergroup_group_sum_lag")));
    assert_eq!(lag(&metrics(port)), 25.0);
    own.kill(1);
    let sane = |m: &str| {
        assert!(!m.contains("NaN"), "NaN in:\n{m}");
        for l in m
            .lines()
            .filter(|l| l.starts_with("kafka_consumergroup_group_lag"))
        {
            let v: f64 = l.rsplit(' ').next().unwrap().parse().unwrap();
            assert!(v >= 0.0, "negative: {l}");
        }
    };
    assert!(
        wait_for(Duration::from_secs(60), || {
            sane(&metrics(port));
            ready() == Some(503)
        }),
        "still ready with the broker down"
    );
    let (_, _, why) = get(port, "/readyz", "*/*").unwrap();
    assert!(why.starts_with("not ready: "), "{why}");
    let m = metrics(port);
    assert!(m.contains("kdeck_up{cluster_name=\"default\"} 0"), "{m}");
    assert_eq!(
        lag(&m),
        25.0,
        "the last values stay while the broker is away"
    );
    own.restart(1);
    assert!(
        wait_for(Duration::from_secs(90), || {
            sane(&metrics(port));
            ready() == Some(200)
        }),
        "not ready again after the restart: {:?}",
        get(port, "/readyz", "*/*")
    );
    assert_eq!(lag(&metrics(port)), 25.0);
    r.assert_alive("after the broker restart");
}

#[test]
fn the_alert_rules_pass_promtool_and_the_dashboard_reads_only_what_kdeck_serves() {
    let root = env!("CARGO_MANIFEST_DIR");
    let rules = format!("{root}/assets/prometheus/kdeck-alerts.yml");
    let (ok, why) = promtool(&["check", "rules", &rules], None);
    assert!(ok, "promtool check rules: {why}");
    let tests = format!("{root}/assets/prometheus/kdeck-alerts.test.yml");
    let (ok, why) = promtool(&["test", "rules", &tests], None);
    assert!(ok, "promtool test rules: {why}");
    // Every family, the stuck-jobs ones included (they show when the watch runs).
    let pipe = kdeck::engine::serve::Pipeline {
        jobs: Some((0, 0)),
        ..Default::default()
    };
    let served = kdeck::engine::serve::render(
        "c",
        &kdeck::engine::serve::LagExport::default(),
        &pipe,
        false,
    );
    let families: Vec<&str> = served
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    let dash =
        std::fs::read_to_string(format!("{root}/assets/grafana/kdeck-dashboard.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&dash).expect("the dashboard is JSON");
    let panels = v["panels"].as_array().expect("panels");
    assert!(panels.len() >= 6);
    let rules_text = std::fs::read_to_string(&rules).unwrap();
    let mut exprs: Vec<String> = panels
        .iter()
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t["expr"].as_str().map(str::to_string))
        .collect();
    exprs.extend(
        rules_text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("expr: "))
            .map(str::to_string),
    );
    for e in &exprs {
        let names: Vec<&str> = e
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("kafka_") || w.starts_with("kdeck_"))
            .collect();
        assert!(!names.is_empty(), "{e} reads no kdeck series");
        for n in names {
            let base = n.trim_end_matches("_bucket");
            assert!(
                families.iter().any(|f| *f == n || *f == base),
                "{e} reads {n}, which kdeck serve does not serve"
            );
        }
    }
}
