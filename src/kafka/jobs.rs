//! One job's records on the topics: the scan `kdeck job` and the dashboard's timeline share
//! (`find`), the timeline's search worker (`spawn_search`) and the stuck-jobs watcher
//! (`spawn_watch`). Both workers run on their own threads and report on the app's one event
//! channel; the UI task never parses a value for them.

use super::worker::{progress, report, Worker};
use super::KafkaEvent;
use crate::codec::decode::json::Obj;
use crate::domain::event::{JobFound, JobSearchCmd, JobSearchUpdate};
use crate::domain::replay::PartitionRange;
use crate::engine::job::stuck::{observe_value, Source, StuckTracker};
use crate::engine::job::{matching, Identity, Step};
use crate::support::config::{Cluster, StartAt};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Where a job's records are looked for, and how they are read.
#[derive(Clone, Debug)]
pub struct ScanSpec {
    pub cluster: Cluster,
    /// Every topic of a job's life once, with its kind (`Topics::lifecycle`).
    pub lifecycle: Vec<(String, Source)>,
    pub identity: Identity,
    pub value_cap: usize,
    /// Records read at most (`u64::MAX`: the whole window).
    pub max_scanned: u64,
}

/// What one scan found.
pub struct Found {
    pub steps: Vec<Step>,
    pub scanned: u64,
    /// Topics that exist and were read.
    pub topics: usize,
    pub warnings: Vec<String>,
    /// Ended before the end of the window (stopped, or `max_steps` records found).
    pub stopped: bool,
}

/// Reads the job's topics from `since_ms` to their current end and keeps the records that
/// name any of `ids`, at most `max_steps`. `progress(scanned, found)` is called about every
/// 4,096 records; raising `cancel` stops the scan with what it found so far.
pub fn find(
    spec: &ScanSpec,
    ids: &[String],
    since_ms: i64,
    max_steps: usize,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(u64, usize),
) -> anyhow::Result<Found> {
    let kinds: HashMap<&str, Source> = spec
        .lifecycle
        .iter()
        .map(|(t, k)| (t.as_str(), *k))
        .collect();
    let Plan {
        ranges,
        mut warnings,
        topics,
    } = window(spec, since_ms)?;
    let mut steps = Vec::new();
    let mut scanned = 0u64;
    let mut read_cap = false;
    let more = super::replay::read_ranges(&spec.cluster, &ranges, cancel, &mut |r| {
        if scanned >= spec.max_scanned {
            read_cap = true;
            return false;
        }
        scanned += 1;
        if scanned.is_multiple_of(4096) {
            progress(scanned, steps.len());
        }
        let wire = crate::codec::decode::wire::decoded(&r.topic, r.value.as_deref());
        let value = match wire.as_ref().and_then(|w| w.json.as_deref()) {
            Some(j) => Some(j.as_bytes()),
            None => r.value.as_deref(),
        };
        let Some(pct) = matching(&spec.identity, ids, &r.key, &r.headers, value) else {
            return true;
        };
        let source = kinds
            .get(r.topic.as_str())
            .copied()
            .unwrap_or(Source::Status);
        let record = r.decode(spec.value_cap, source == Source::Dlq);
        steps.push(Step {
            record,
            source,
            progress: pct,
            delta_ms: None,
        });
        steps.len() < max_steps
    })?;
    warnings.extend(more);
    let capped = steps.len() >= max_steps;
    if capped {
        warnings.push(format!(
            "more than {max_steps} records carry {}: showing the first {max_steps} read",
            ids.join(", ")
        ));
    }
    if read_cap {
        warnings.push(format!(
            "stopped after {scanned} records (the search's cap); kdeck job reads further"
        ));
    }
    progress(scanned, steps.len());
    Ok(Found {
        steps,
        scanned,
        topics,
        warnings,
        stopped: capped || read_cap || cancel.load(Ordering::Relaxed),
    })
}

/// What a scan reads: the ranges, warnings for topics that do not exist, how many exist.
struct Plan {
    ranges: Vec<(String, PartitionRange)>,
    warnings: Vec<String>,
    topics: usize,
}

/// The ranges to read, warnings for topics that do not exist, and how many do.
fn window(spec: &ScanSpec, since_ms: i64) -> anyhow::Result<Plan> {
    let names: Vec<String> = spec.lifecycle.iter().map(|(t, _)| t.clone()).collect();
    if names.is_empty() {
        anyhow::bail!("no topics are configured (topics.request, status, completion, dlq)");
    }
    let (ranges, missing) = super::window::ranges_since(&spec.cluster, &names, since_ms)?;
    let brokers = &spec.cluster.brokers;
    if missing.len() == names.len() {
        anyhow::bail!(
            "none of the job topics exists on {brokers} ({})",
            names.join(", ")
        );
    }
    let warnings = missing
        .iter()
        .map(|t| format!("topic {t:?} does not exist on {brokers}; skipped"))
        .collect();
    Ok(Plan {
        ranges,
        warnings,
        topics: names.len() - missing.len(),
    })
}

/// Records of one job the dashboard's search keeps at most.
pub const SEARCH_MAX_STEPS: usize = 2_000;
/// Records the dashboard's search reads at most (`esc` stops it sooner).
pub const SEARCH_MAX_SCANNED: u64 = 10_000_000;

/// The timeline's search worker: one search at a time, progress about 4 times a second.
pub fn spawn_search(spec: ScanSpec, events: mpsc::Sender<KafkaEvent>) -> Worker<JobSearchCmd> {
    // Bounded: a new search raises the old one's stop flag first, so the queue stays short.
    Worker::spawn("job search", 4, &events.clone(), move |rx| {
        while let Ok(cmd) = rx.recv() {
            if !search_once(&spec, cmd, &events) {
                return;
            }
        }
    })
}

/// Runs one search; false when the app is gone.
fn search_once(spec: &ScanSpec, cmd: JobSearchCmd, events: &mpsc::Sender<KafkaEvent>) -> bool {
    let ticket = &cmd.job;
    if ticket.cancelled() {
        return true;
    }
    let gen = ticket.gen();
    let mut last = Instant::now();
    let mut on_progress = |scanned: u64, found: usize| {
        if last.elapsed() >= Duration::from_millis(250) {
            last = Instant::now();
            // Progress is news, not a duty: a full channel skips it.
            let news = JobSearchUpdate::Progress {
                gen,
                scanned,
                found,
            };
            progress(events, ticket, KafkaEvent::JobSearch(news));
        }
    };
    let result = find(
        spec,
        &cmd.ids,
        cmd.since_ms,
        SEARCH_MAX_STEPS,
        ticket.flag(),
        &mut on_progress,
    )
    .map(|f| JobFound {
        steps: f.steps,
        scanned: f.scanned,
        warnings: f.warnings,
        stopped: f.stopped,
    })
    .map_err(|e| format!("{e:#}"));
    let done = JobSearchUpdate::Done { gen, result };
    report(events, ticket, KafkaEvent::JobSearch(done))
}

/// What the stuck-jobs tracking reads and how it judges.
#[derive(Clone, Debug)]
pub struct WatchSpec {
    /// Every topic of a job's life once, with its kind (`Topics::lifecycle`).
    pub lifecycle: Vec<(String, Source)>,
    pub identity: Identity,
    pub start: StartAt,
    pub stuck_after_ms: i64,
    pub max_open: usize,
}

impl WatchSpec {
    /// The stuck-jobs watch as the config sets it.
    pub fn from_config(cfg: &crate::support::config::Config) -> WatchSpec {
        WatchSpec {
            lifecycle: cfg.topics.lifecycle(),
            identity: cfg.jobs.identity.clone(),
            start: cfg.consumer.start,
            stuck_after_ms: cfg.jobs.stuck_after_ms,
            max_open: cfg.jobs.max_open,
        }
    }
}

const WATCH_REPORT: Duration = Duration::from_millis(1000);

/// Stuck-jobs tracking, driven by the dashboard's reader: it reads the request topics too
/// (without a pane) and hands every lifecycle record here with the value it parsed for
/// decoding, so tracking costs no second reader and no second parse. Reports about once a
/// second.
pub struct JobWatch {
    tracker: StuckTracker,
    identity: Identity,
    kinds: HashMap<String, Source>,
    /// The last N records of each topic do not cover the same time on every topic: a request
    /// in the request topic's tail may have its completion before the completion topic's. So
    /// with a tail start, jobs are opened only by records from the start on (all of whose
    /// sequel is seen); from the beginning, by anything the topics hold.
    horizon: i64,
    last_report: Instant,
}

impl JobWatch {
    pub fn new(spec: WatchSpec) -> JobWatch {
        JobWatch {
            tracker: StuckTracker::new(spec.stuck_after_ms, spec.max_open),
            identity: spec.identity,
            kinds: spec.lifecycle.into_iter().collect(),
            horizon: match spec.start {
                StartAt::Tail(_) => now_ms(),
                StartAt::Beginning | StartAt::End => i64::MIN,
            },
            last_report: Instant::now(),
        }
    }

    /// The topics of a job's life that have no pane (request topics).
    pub fn request_topics(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .kinds
            .iter()
            .filter(|(_, k)| **k == Source::Request)
            .map(|(t, _)| t.clone())
            .collect();
        v.sort();
        v
    }

    /// Whether records of `topic` are tracked.
    pub fn tracks(&self, topic: &str) -> bool {
        self.kinds.contains_key(topic)
    }

    /// One record, with its value as read for decoding (None: not a JSON object) and the
    /// status word decoding found in it (None: read it here).
    pub fn observe(
        &mut self,
        topic: &str,
        record: (Option<&[u8]>, &[crate::domain::Header], Option<&Obj<'_>>),
        status: Option<Option<&str>>,
        at_ms: Option<i64>,
    ) {
        let Some(&source) = self.kinds.get(topic) else {
            return;
        };
        let at = at_ms.unwrap_or_else(now_ms);
        if at >= self.horizon || matches!(source, Source::Completion | Source::Dlq) {
            observe_value(
                &mut self.tracker,
                &self.identity,
                record,
                status,
                (source, at),
            );
        }
    }

    /// The tracker's view, when a second has passed since the last.
    pub fn report_due(&mut self) -> Option<Box<crate::engine::job::stuck::StuckReport>> {
        if self.last_report.elapsed() < WATCH_REPORT {
            return None;
        }
        self.last_report = Instant::now();
        Some(Box::new(self.tracker.report(now_ms())))
    }
}

fn now_ms() -> i64 {
    crate::domain::clock::Clock::now_ms(&crate::domain::clock::SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::job::stuck::observe;

    #[test]
    fn records_feed_the_tracker_by_their_ids_and_status_words() {
        let mut t = StuckTracker::new(1000, 100);
        let id = Identity::builtin();
        let req = br#"{"request_id":"device_conn_CHG-9","change_number":"CHG-9"}"#;
        observe(&mut t, id, (None, &[], Some(req)), Source::Request, 0);
        let st = br#"{"change_number":"CHG-9","status":"in_progress","progress_percentage":5}"#;
        observe(&mut t, id, (None, &[], Some(st)), Source::Status, 500);
        assert_eq!(t.open_count(), 1);
        let s = t.stuck(1500);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].last_status, "in_progress");
        // The task manager's envelope: the status is inside `message`.
        let env = br#"{"headers":{"taskId":"t-1"},"message":{"taskId":"t-1","status":"queued"}}"#;
        observe(&mut t, id, (None, &[], Some(env)), Source::Status, 600);
        assert_eq!(t.stuck(1600)[1].last_status, "queued");
        let done = br#"{"change_number":"CHG-9","completion_status":"completed"}"#;
        observe(
            &mut t,
            id,
            (None, &[], Some(done)),
            Source::Completion,
            2000,
        );
        assert_eq!(t.open_count(), 1, "only t-1 is left");
        // Not JSON, no id in key or headers: nothing is tracked.
        observe(
            &mut t,
            id,
            (Some(b"k"), &[], Some(b"plain")),
            Source::Request,
            0,
        );
        assert_eq!(t.open_count(), 1);
    }
}
