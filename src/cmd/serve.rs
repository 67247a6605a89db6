//! `kdeck serve`: the pipeline's health for Prometheus. A lag thread refreshes every group's
//! lag (the same probe and estimator as `kdeck lag`) and renders those series once per refresh;
//! the stream reader counts the pipeline's records; the HTTP loop answers `/metrics` from the
//! last refresh (a scrape never waits on the cluster), `/healthz` and `/readyz`. SIGTERM or
//! SIGINT stops it cleanly (exit 0).

use crate::cmd::cli::ServeArgs;
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::event::KafkaEvent;
use crate::domain::lag::Tp;
use crate::engine::lag::LagTracker;
use crate::engine::serve::{pipeline_text, LagExport, Pipeline};
use crate::kafka::consumer::{self, StreamSpec};
use crate::kafka::lag::{LagProbe, LagSpec};
use crate::support::config::Config;
use body::{Body, Packed};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const HELP: &str = "Endpoints:\n  /metrics  Prometheus text format (OpenMetrics when the scraper asks for it)\n  \
/healthz  200 while the process runs\n  /readyz   200 when the last lag refresh reached the cluster \
recently, else 503 saying why\n\
Every series, its type, labels and meaning: README, section `kdeck serve`.\n\
Exit codes:\n  0  stopped by SIGTERM or SIGINT\n  2  usage or configuration error, or the address \
cannot be listened on (in use, not an address of this machine)\n\
Example:\n  kdeck serve -b kafka:9092 --profile prod --listen 0.0.0.0:9308";

mod body;

/// What the threads share with the HTTP loop; held only to copy or store.
#[derive(Default)]
struct Shared {
    lag: Packed,
    up: bool,
    last_ok_ms: Option<i64>,
    trouble: Option<String>,
    pipe: Pipeline,
}

pub fn run(cfg: &Config, a: &ServeArgs) -> anyhow::Result<ExitCode> {
    let server = match tiny_http::Server::http(a.listen.as_str()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kdeck serve: cannot listen on {}: {e}", a.listen);
            return Ok(ExitCode::from(2));
        }
    };
    let shown = server
        .server_addr()
        .to_ip()
        .map_or(a.listen.clone(), |s| s.to_string());
    eprintln!("kdeck serve: listening on http://{shown}/metrics");
    tracing::info!("kdeck serve: listening on {shown}");
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, stop.clone())?;
    }
    let interval = a
        .interval
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_millis(cfg.lag.refresh_ms))
        .max(Duration::from_millis(200));
    let shared = Arc::new(Mutex::new(Shared::default()));
    {
        let (cfg, shared, stop) = (cfg.clone(), shared.clone(), stop.clone());
        std::thread::Builder::new()
            .name("kdeck-serve-lag".into())
            .spawn(move || lag_loop(&cfg, interval, &shared, &stop))?;
    }
    let _reader = start_pipeline(cfg, &shared)?;
    http_loop(&server, &shared, &stop, &cfg.profile, interval);
    eprintln!("kdeck serve: stopped");
    tracing::info!("kdeck serve: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Refreshes lag every `interval` until stopped. A refresh that does not reach the cluster
/// keeps the last series (stale, said by `kdeck_up 0`) rather than dropping or zeroing them.
fn lag_loop(cfg: &Config, interval: Duration, shared: &Mutex<Shared>, stop: &AtomicBool) {
    let mut topics = cfg.topics.all();
    topics.extend(cfg.lag_topics.iter().cloned());
    let spec = LagSpec {
        cluster: cfg.cluster.clone(),
        watch_groups: cfg.watch_groups.clone(),
        topics,
        discover: cfg.lag.discover_groups,
        refresh_ms: interval.as_millis() as u64,
        simulated: Vec::new(),
    };
    let mut probe = match LagProbe::new(spec) {
        Ok(p) => p,
        Err(e) => {
            lock(shared).trouble = Some(format!("cannot start the lag probe: {e:#}"));
            return;
        }
    };
    let ms = interval.as_millis() as u64;
    let mut tracker = LagTracker::new(cfg.lag.window, cfg.lag.allowed_lag, ms);
    let mut last = LagExport::default();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let snap = probe.refresh(SystemClock.now_ms());
        let trouble = probe.trouble().map(|(_, m)| m.clone());
        if trouble.is_none() {
            let mut export = LagExport::new(&snap, Vec::new(), true);
            let tps: Vec<Tp> = snap.ends.keys().cloned().collect();
            export.earliest = probe.start_offsets(&tps);
            tracker.ingest(snap);
            export.views = tracker.views();
            last = export;
        } else {
            last.up = false;
        }
        let text = Packed::new(&cfg.profile, &last);
        {
            let mut s = lock(shared);
            s.lag = text;
            s.up = trouble.is_none();
            if trouble.is_none() {
                s.last_ok_ms = Some(SystemClock.now_ms());
            }
            s.trouble = trouble;
        }
        nap(interval.saturating_sub(started.elapsed()), stop);
    }
}

/// Sleeps `d`, waking early when stopped.
fn nap(d: Duration, stop: &AtomicBool) {
    let until = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100).min(until - Instant::now()));
    }
}

fn lock(m: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The stream reader on the pipeline's topics, its records counted as they come; the worker
/// returned must be kept (dropping it stops the reader).
fn start_pipeline(
    cfg: &Config,
    shared: &Arc<Mutex<Shared>>,
) -> anyhow::Result<crate::kafka::worker::Worker<crate::domain::event::StreamCmd>> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let worker = consumer::spawn(
        StreamSpec {
            cluster: cfg.cluster.clone(),
            group_id: cfg.consumer.group_id.clone(),
            topics: cfg.topics.clone(),
            start: cfg.consumer.start,
            value_cap: cfg.ui.max_value_bytes,
            jobs: (cfg.jobs.track_stuck).then(|| crate::kafka::jobs::WatchSpec::from_config(cfg)),
        },
        tx,
    );
    let shared = shared.clone();
    std::thread::Builder::new()
        .name("kdeck-serve-pipeline".into())
        .spawn(move || {
            while let Some(ev) = rx.blocking_recv() {
                match ev {
                    KafkaEvent::Records(role, batch) => lock(&shared).pipe.ingest(role, &batch),
                    KafkaEvent::Stuck(r) => lock(&shared).pipe.jobs = Some((r.open, r.stuck)),
                    KafkaEvent::Warning(w) => tracing::warn!("kdeck serve: {w}"),
                    _ => {}
                }
            }
        })?;
    Ok(worker)
}

fn http_loop(
    server: &tiny_http::Server,
    shared: &Mutex<Shared>,
    stop: &AtomicBool,
    cluster: &str,
    interval: Duration,
) {
    while !stop.load(Ordering::Relaxed) {
        match server.recv_timeout(Duration::from_millis(200)) {
            Ok(Some(req)) => answer(req, shared, cluster, interval),
            Ok(None) => {}
            Err(e) => tracing::warn!("kdeck serve: reading a request: {e}"),
        }
    }
}

fn answer(req: tiny_http::Request, shared: &Mutex<Shared>, cluster: &str, interval: Duration) {
    let path = req.url().split('?').next().unwrap_or("").to_string();
    let small = |code: u16, body: &str| (code, TEXT, Body::plain(body.as_bytes().to_vec()));
    let (code, kind, body) = match path.as_str() {
        "/metrics" => metrics(&req, shared, cluster),
        "/healthz" => small(200, "ok\n"),
        "/readyz" => {
            let (code, text) = ready(shared, interval);
            small(code, &text)
        }
        "/" => small(200, "kdeck serve: /metrics /healthz /readyz\n"),
        _ => small(404, "not found: try /metrics, /healthz or /readyz\n"),
    };
    let header = |k: &str, v: &str| {
        tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("a valid header")
    };
    let mut headers = vec![header("Content-Type", kind)];
    if body.gzip() {
        headers.push(header("Content-Encoding", "gzip"));
    }
    let len = body.len();
    let resp = tiny_http::Response::new(code.into(), headers, body, Some(len), None);
    if let Err(e) = req.respond(resp) {
        tracing::debug!("kdeck serve: answering {path}: {e}");
    }
}

const TEXT: &str = "text/plain; charset=utf-8";
const PROMETHEUS: &str = "text/plain; version=0.0.4; charset=utf-8";
const OPEN_METRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

fn metrics(
    req: &tiny_http::Request,
    shared: &Mutex<Shared>,
    cluster: &str,
) -> (u16, &'static str, Body) {
    let asks = |name: &'static str, what: &str| {
        (req.headers().iter()).any(|h| h.field.equiv(name) && h.value.as_str().contains(what))
    };
    let open_metrics = asks("Accept", "application/openmetrics-text");
    let gzip = asks("Accept-Encoding", "gzip");
    let (lag, pipe) = {
        let s = lock(shared);
        (s.lag.clone(), pipeline_text(cluster, &s.pipe, open_metrics))
    };
    let kind = if open_metrics {
        OPEN_METRICS
    } else {
        PROMETHEUS
    };
    (200, kind, Body::metrics(&lag, pipe.into_bytes(), gzip))
}

/// Ready while the last refresh that reached the cluster is at most three refreshes (and 10 s)
/// old.
fn ready(shared: &Mutex<Shared>, interval: Duration) -> (u16, String) {
    let s = lock(shared);
    let allowed = (interval * 3 + Duration::from_secs(10)).as_millis() as i64;
    let age = s.last_ok_ms.map(|t| SystemClock.now_ms() - t);
    match (age, &s.trouble) {
        (Some(a), _) if a <= allowed && s.up => (200, "ready\n".into()),
        (_, Some(why)) => (503, format!("not ready: {why}\n")),
        (None, None) => (503, "not ready: no lag refresh yet\n".into()),
        (Some(a), None) => (
            503,
            format!("not ready: the last lag refresh was {} s ago\n", a / 1000),
        ),
    }
}
