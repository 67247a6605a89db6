//! The services' own metrics beside Kafka's: a small real HTTP endpoint serving the
//! Prometheus text format stands in for a service (its request counter grows at each scrape);
//! kdeck's scraper reads the chosen series from it, the dashboard's metrics pane shows them
//! (a counter as a rate, a gauge as its value), and an endpoint that is down, or a bad series in
//! the config, is said in words without leaking a password.

mod common;

use kdeck::domain::event::KafkaEvent;
use kdeck::engine::services::Selector;
use kdeck::support::config::load::load_with;
use kdeck::support::config::services::Service;
use kdeck::support::config::Overrides;
use kdeck::tui::app::msg::Msg;
use kdeck::tui::app::state::State;
use kdeck::tui::app::update::update;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Serves `/api/metrics` like the task manager: 10 more 5xx requests at each scrape, a queue of
/// 14, and series the selectors must leave out. Returns the port and the scrape count.
fn endpoint() -> (u16, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicU64::new(0));
    let h = hits.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut line = String::new();
            let mut r = BufReader::new(conn.try_clone().unwrap());
            while r.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let n = h.fetch_add(1, Ordering::SeqCst) + 1;
            let body = format!(
                "# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\n\
                 http_requests_total{{route=\"/api/tasks\",status=\"500\"}} {}\n\
                 http_requests_total{{route=\"/api/tasks\",status=\"200\"}} {}\n\
                 http_requests_total{{route=\"/health\",status=\"503\"}} 1\n\
                 # TYPE queue_depth gauge\nqueue_depth 14\n",
                n * 10,
                n * 1000
            );
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = conn.write_all(resp.as_bytes());
        }
    });
    (port, hits)
}

fn service(url: &str) -> Service {
    Service {
        name: "task-manager".into(),
        url: url.into(),
        series: vec![
            Selector::parse(r#"http_requests_total{status=~"5..",route!="/health"}"#).unwrap(),
            Selector::parse("queue_depth").unwrap(),
        ],
        every_ms: 1000,
    }
}

fn updates(svc: Service, n: usize) -> Vec<kdeck::domain::event::ServiceUpdate> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let _worker = kdeck::kafka::services::spawn(vec![svc], tx);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut out = Vec::new();
    while out.len() < n {
        assert!(
            Instant::now() < deadline,
            "the scraper reported {} of {n}",
            out.len()
        );
        match rx.try_recv() {
            Ok(KafkaEvent::Service(u)) => out.push(u),
            Ok(_) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    out
}

#[test]
fn a_service_s_series_reach_the_metrics_pane_as_a_rate_and_a_value() {
    let (port, hits) = endpoint();
    let url = format!("http://127.0.0.1:{port}/api/metrics");
    let got = updates(service(&url), 3);
    for (i, u) in got.iter().enumerate() {
        let v = u.result.as_ref().unwrap();
        // Only the 5xx of /api/tasks: 10 per scrape, summed over the matching samples.
        assert_eq!(v[0], Some(((i as f64 + 1.0) * 10.0, true)), "scrape {i}");
        assert_eq!(v[1], Some((14.0, false)));
    }
    assert!(hits.load(Ordering::SeqCst) >= 3);
    let gap = (got[2].at_ms - got[1].at_ms) as f64 / 1000.0;
    assert!((0.8..3.0).contains(&gap), "scraped every second: {gap}");

    // The dashboard: the pane shows the counter's rate and the gauge.
    let o = Overrides::default();
    let mut cfg = load_with(&o, &|_| None, None).unwrap();
    cfg.services = vec![service(&url)];
    let mut s = State::new(&cfg, false, 0);
    let keymap = common::fixtures::keymap();
    for u in got {
        update(&mut s, Msg::Kafka(KafkaEvent::Service(u)), &keymap);
    }
    let screen = common::screen::render(&s, 200, 50);
    let line = screen
        .lines()
        .find(|l| l.contains("status=~\"5..\""))
        .unwrap_or_else(|| panic!("no service line:\n{screen}"));
    let shown: f64 = line
        .split("/s")
        .next()
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no rate in {line}"));
    assert!(
        (shown - 10.0 / gap).abs() < 0.01,
        "{line}: expected {}/s",
        10.0 / gap
    );
    assert!(
        screen.lines().any(|l| l.contains("││task-manager ")),
        "{screen}"
    );
    let gauge = screen.lines().find(|l| l.contains("queue_depth")).unwrap();
    assert!(gauge.contains(" 14 "), "{gauge}");
}

#[test]
fn an_endpoint_that_is_down_is_said_in_words_without_its_password() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://ops:hunter2@127.0.0.1:{port}/metrics");
    let got = updates(service(&url), 1);
    let err = got[0].result.as_ref().unwrap_err();
    assert!(
        err.contains("cannot scrape") && err.contains("connection refused"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn a_bad_series_or_address_in_the_config_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (series, url, words) in [
        (
            r#"["http_requests_total{status=~\"(\"}"]"#,
            "http://x/metrics",
            "services[0].series",
        ),
        (r#"["queue_depth"]"#, "x:9090", "services[0].url"),
    ] {
        let path = dir.path().join("c.toml");
        let text = format!(
            "[profiles.p]\nbrokers = \"b:9092\"\n[[profiles.p.services]]\nname = \"tm\"\nurl = \"{url}\"\nseries = {series}\n"
        );
        std::fs::write(&path, text).unwrap();
        let o = Overrides {
            config_path: Some(path.clone()),
            profile: Some("p".into()),
            ..Default::default()
        };
        let e = kdeck::support::config::load(&o).unwrap_err().to_string();
        assert!(e.contains(words), "{e}");
    }
}
