//! The topic browser's worker: lists the cluster's topics, samples each one's newest records
//! and proposes its role (`engine::roles`), then reads end offsets every few seconds for the
//! records/s column, until the browser closes (its job is cancelled) or another list starts.

use super::topics::{is_internal, list, sample_all, TopicFacts};
use super::worker::{progress, report, Worker};
use super::KafkaEvent;
use crate::domain::browse::{BrowseCmd, BrowseUpdate, Sampled, TopicInfo};
use crate::domain::work::Ticket;
use crate::domain::Record;
use crate::engine::roles::propose;
use crate::support::config::Cluster;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How long sampling may take in all: what arrived by then is what is proposed from.
pub const SAMPLE_WITHIN: Duration = Duration::from_secs(5);
/// Proposals go to the UI in batches at most this often.
const FLUSH: Duration = Duration::from_millis(100);
/// How often end offsets are read again for the records/s column.
const ENDS_EVERY: Duration = Duration::from_secs(3);

pub fn spawn(cluster: Cluster, events: mpsc::Sender<KafkaEvent>) -> Worker<BrowseCmd> {
    Worker::spawn("topic browser", 2, &events.clone(), move |cmds| {
        // One job at a time; a new list replaces the old (its ticket is cancelled).
        let mut next = cmds.recv().ok();
        while let Some(cmd) = next.take() {
            browse(&cluster, &cmd, &events);
            next = wait_for_next(&cluster, &cmd, &events, &cmds);
        }
    })
}

fn browse(cluster: &Cluster, cmd: &BrowseCmd, events: &mpsc::Sender<KafkaEvent>) {
    let job = &cmd.job;
    let started = Instant::now();
    let listed = list(cluster, cmd.internal).map_err(|e| format!("{e:#}"));
    let facts = listed.clone().unwrap_or_default();
    let result = listed.map(|t| t.iter().map(info).collect());
    let news = BrowseUpdate::Listed {
        job: job.gen(),
        result,
    };
    if !report(events, job, KafkaEvent::Browse(news)) || facts.is_empty() {
        return;
    }
    let mut batch: Vec<Sampled> = Vec::new();
    let mut flushed = Instant::now();
    sample_all(
        cluster,
        &facts,
        SAMPLE_WITHIN,
        job.flag(),
        &mut |topic, records| {
            batch.push(sampled(topic, records));
            if flushed.elapsed() >= FLUSH {
                flushed = Instant::now();
                send_batch(events, job, &mut batch);
            }
        },
    );
    send_batch(events, job, &mut batch);
    let took_ms = started.elapsed().as_millis() as u64;
    let done = BrowseUpdate::Recognised {
        job: job.gen(),
        took_ms,
    };
    report(events, job, KafkaEvent::Browse(done));
}

fn send_batch(events: &mpsc::Sender<KafkaEvent>, job: &Ticket, batch: &mut Vec<Sampled>) {
    if !batch.is_empty() {
        let topics = std::mem::take(batch);
        report(
            events,
            job,
            KafkaEvent::Browse(BrowseUpdate::Sampled {
                job: job.gen(),
                topics,
            }),
        );
    }
}

fn sampled(topic: &str, records: Vec<Record>) -> Sampled {
    Sampled {
        proposal: propose(topic, &records),
        topic: topic.to_string(),
        records,
    }
}

fn info(t: &TopicFacts) -> TopicInfo {
    TopicInfo {
        name: t.name.clone(),
        partitions: t.partitions.len(),
        replication: t.replication,
        records: t.records,
        end_sum: (t.error.is_none() && t.offsets.len() == t.partitions.len())
            .then(|| t.offsets.iter().map(|(_, _, e)| e).sum()),
        retention_ms: t.retention_ms,
        error: t.error.clone(),
    }
}

/// Between jobs: end offsets every few seconds while the browser is open, until a new
/// command (returned) or the browser closed (None once the queue is gone).
fn wait_for_next(
    cluster: &Cluster,
    cmd: &BrowseCmd,
    events: &mpsc::Sender<KafkaEvent>,
    cmds: &std::sync::mpsc::Receiver<BrowseCmd>,
) -> Option<BrowseCmd> {
    use std::sync::mpsc::RecvTimeoutError;
    loop {
        match cmds.recv_timeout(ENDS_EVERY) {
            Ok(next) => return Some(next),
            Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) if cmd.job.cancelled() => {
                return cmds.recv().ok();
            }
            Err(RecvTimeoutError::Timeout) => {
                let ends = end_sums(cluster, cmd.internal);
                let news = BrowseUpdate::Ends {
                    job: cmd.job.gen(),
                    at_ms: crate::domain::clock::Clock::now_ms(&crate::domain::clock::SystemClock),
                    ends,
                };
                if !progress(events, &cmd.job, KafkaEvent::Browse(news)) {
                    return None;
                }
            }
        }
    }
}

/// Each topic's end offsets summed, from a fresh listing (topics come and go meanwhile).
fn end_sums(cluster: &Cluster, internal: bool) -> Vec<(String, i64)> {
    let Ok(topics) = list(cluster, internal) else {
        return Vec::new();
    };
    topics
        .iter()
        .filter(|t| internal || !is_internal(&t.name))
        .filter_map(|t| info(t).end_sum.map(|s| (t.name.clone(), s)))
        .collect()
}
