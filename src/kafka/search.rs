//! The search worker: reads the topics back from their end (or over a time range) in chunks
//! per partition, newest first, tests each record raw and decodes only the matches. One thread
//! takes `SearchCmd`s on a bounded channel and reports `SearchUpdate`s with the dialog's job id.

use super::replay::{read_ranges, ReadRecord};
use super::window::ranges_since;
use super::worker::{progress, report, Worker};
use crate::domain::event::KafkaEvent;
use crate::domain::Record;
use crate::engine::search::range::TimeRange;
use crate::engine::search::{
    keep_newest, next_round, Cursor, Progress, RawRecord, SearchCmd, SearchRequest, SearchUpdate,
    Summary,
};
use crate::support::config::Cluster;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Matches a round may hold beyond those wanted before the oldest are dropped: a bound on
/// memory that still sorts rarely.
const TRIM_SLACK: usize = 1024;

/// How often progress is reported at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// The search worker: one search at a time; a new one stops the old.
pub fn spawn(cluster: Cluster, events: mpsc::Sender<KafkaEvent>) -> Worker<SearchCmd> {
    Worker::spawn("search", 2, &events.clone(), move |rx| {
        run(cluster, events, rx)
    })
}

fn run(cluster: Cluster, events: mpsc::Sender<KafkaEvent>, cmds: Receiver<SearchCmd>) {
    while let Ok(SearchCmd::Start {
        job: ticket,
        request,
    }) = cmds.recv()
    {
        let job = ticket.gen();
        let send = |u| report(&events, &ticket, KafkaEvent::Search(u));
        let result = scan(&cluster, &request, ticket.flag(), &mut |news| match news {
            // Progress may be dropped when the UI is busy: the next one says more.
            News::Progress(p) => progress(
                &events,
                &ticket,
                KafkaEvent::Search(SearchUpdate::Progress { job, progress: p }),
            ),
            News::Matches(records) => send(SearchUpdate::Matches { job, records }),
        });
        let result = result.map_err(|e| format!("{e:#}"));
        if !send(SearchUpdate::Finished { job, result }) {
            return;
        }
    }
}

/// What a scan reports as it goes.
pub enum News {
    Progress(Progress),
    /// Matches of one round, newest first.
    Matches(Vec<Record>),
}

/// Reads back until everything in the range was read, `max_matches` were found, `cancel` is
/// raised or `on` returns false. Blocking: the worker's thread, or a benchmark.
pub fn scan(
    cluster: &Cluster,
    req: &SearchRequest,
    cancel: &AtomicBool,
    on: &mut dyn FnMut(News) -> bool,
) -> anyhow::Result<Summary> {
    let start = Instant::now();
    let names: Vec<String> = req.topics.iter().map(|(t, _)| t.clone()).collect();
    let (mut cursors, missing) = bounds(cluster, &names, req.range)?;
    if !names.is_empty() && missing.len() == names.len() {
        anyhow::bail!(
            "none of the topics exists on {} ({})",
            cluster.brokers,
            names.join(", ")
        );
    }
    let mut sum = Summary {
        warnings: missing
            .iter()
            .map(|t| format!("topic {t:?} does not exist; skipped"))
            .collect(),
        ..Default::default()
    };
    sum.progress.total = cursors.iter().map(|c| (c.next_end - c.low) as u64).sum();
    let mut alive = on(News::Progress(sum.progress));
    let dlqs: HashSet<&str> = req
        .topics
        .iter()
        .filter(|(_, dlq)| *dlq)
        .map(|(t, _)| t.as_str())
        .collect();
    let mut kept = 0usize;
    let mut round = 0;
    while alive && !cancel.load(Ordering::Relaxed) {
        let chunks = next_round(&mut cursors, round);
        round += 1;
        if chunks.is_empty() {
            break;
        }
        let left = req.max_matches.saturating_sub(kept);
        let mut reader = RoundReader {
            req,
            dlqs: &dlqs,
            left,
            found: Vec::new(),
            progress: &mut sum.progress,
            start,
            last_report: Instant::now(),
            on: &mut *on,
            alive: true,
        };
        let warnings = read_ranges(cluster, &chunks, cancel, &mut |r| reader.take(r))?;
        alive = reader.alive;
        let found = keep_newest(std::mem::take(&mut reader.found), left);
        sum.warnings.extend(warnings);
        kept += found.len();
        if !found.is_empty() {
            alive = alive && on(News::Matches(found));
        }
        if kept >= req.max_matches {
            sum.capped = true;
            break;
        }
    }
    sum.cancelled = cancel.load(Ordering::Relaxed) || !alive;
    sum.elapsed_ms = start.elapsed().as_millis() as u64;
    sum.progress.per_sec = per_sec(sum.progress.scanned, start);
    on(News::Progress(sum.progress));
    Ok(sum)
}

/// One round's reading: tests each record, decodes the matches, reports progress.
struct RoundReader<'a> {
    req: &'a SearchRequest,
    dlqs: &'a HashSet<&'a str>,
    /// Matches still wanted; a round keeps at most `TRIM_SLACK` more before trimming to the
    /// newest.
    left: usize,
    found: Vec<Record>,
    progress: &'a mut Progress,
    start: Instant,
    last_report: Instant,
    on: &'a mut dyn FnMut(News) -> bool,
    alive: bool,
}

impl RoundReader<'_> {
    fn take(&mut self, r: ReadRecord) -> bool {
        self.progress.scanned += 1;
        let raw = RawRecord {
            topic: &r.topic,
            partition: r.partition,
            offset: r.offset,
            timestamp_ms: r.timestamp_ms,
            key: r.key.as_deref(),
            headers: &r.headers,
            value: r.value.as_deref(),
        };
        if self.req.range.contains(r.timestamp_ms) && self.req.query.matches(&raw) {
            self.progress.matched += 1;
            let is_dlq = self.dlqs.contains(r.topic.as_str());
            self.found.push(r.decode(self.req.value_cap, is_dlq));
            if self.found.len() >= self.left + TRIM_SLACK {
                self.found = keep_newest(std::mem::take(&mut self.found), self.left);
            }
        }
        if self.progress.scanned.is_multiple_of(1024)
            && self.last_report.elapsed() >= PROGRESS_EVERY
        {
            self.last_report = Instant::now();
            self.progress.per_sec = per_sec(self.progress.scanned, self.start);
            self.alive = (self.on)(News::Progress(*self.progress));
        }
        self.alive
    }
}

fn per_sec(n: u64, since: Instant) -> f64 {
    let s = since.elapsed().as_secs_f64();
    if s > 0.0 {
        n as f64 / s
    } else {
        0.0
    }
}

/// Each partition's offsets in the range: from the first record at or after `since` (the
/// low end when open) to the first at or after `until` (the end now when open). The broker's
/// time index finds both. Also the topics that do not exist.
fn bounds(
    cluster: &Cluster,
    topics: &[String],
    range: TimeRange,
) -> anyhow::Result<(Vec<Cursor>, Vec<String>)> {
    let (from, missing) = ranges_since(cluster, topics, range.since_ms.unwrap_or(0))?;
    let ends: HashMap<(String, i32), i64> = match range.until_ms {
        Some(u) => ranges_since(cluster, topics, u)?
            .0
            .into_iter()
            .map(|(t, r)| ((t, r.partition), r.from))
            .collect(),
        None => HashMap::new(),
    };
    let cursors = from
        .into_iter()
        .map(|(topic, r)| {
            let end = ends
                .get(&(topic.clone(), r.partition))
                .copied()
                .unwrap_or(r.to);
            Cursor {
                topic,
                partition: r.partition,
                low: r.from,
                next_end: end.clamp(r.from, r.to),
            }
        })
        .collect();
    Ok((cursors, missing))
}
