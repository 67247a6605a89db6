//! The sending loop: records from a source (a template rendered per `{{seq}}`, stdin, JSON
//! lines), paced to a rate, produced by the idempotent producer, each delivery reported.
//! Blocking; for a worker thread or the headless command.

use crate::domain::publish::PublishRecord;
pub use crate::domain::publish::{Delivered, Progress, Summary};
use crate::kafka::replay::engine::Pace;
use crate::kafka::safe_producer::{Delivery, Outgoing, SafeProducer};
use crate::support::config::Cluster;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const PROGRESS_EVERY: Duration = Duration::from_millis(100);

#[derive(Clone, Debug)]
pub struct SendOptions {
    /// Records per second; None: as fast as the broker takes them.
    pub rate: Option<f64>,
    pub stop_on_error: bool,
    pub partitioner: String,
    pub delivery_timeout_ms: u64,
}

impl SendOptions {
    pub fn from_config(cfg: &crate::support::config::Config) -> SendOptions {
        SendOptions {
            rate: None,
            stop_on_error: false,
            partitioner: cfg.replay.partitioner.clone(),
            delivery_timeout_ms: cfg.replay.delivery_timeout_ms,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Delivered(Delivered),
    /// A record that could not be built or was refused; `seq` 0 when none was built.
    Failed {
        seq: u64,
        topic: String,
        error: String,
    },
    Progress(Progress),
}

/// The records to send, asked for by sequence number (1, 2, ...); None: no more.
pub type Source<'a> = dyn FnMut(u64) -> Option<Result<PublishRecord, String>> + 'a;

/// Sends everything `source` gives until it ends, `cancel` is set, or (with stop_on_error) the
/// first failure; then waits for every delivery report. Err only when nothing could start.
pub fn run(
    cluster: &Cluster,
    opts: &SendOptions,
    source: &mut Source<'_>,
    cancel: &AtomicBool,
    on_event: &mut dyn FnMut(Event),
) -> anyhow::Result<Summary> {
    let producer = SafeProducer::new(
        cluster,
        &opts.partitioner,
        opts.delivery_timeout_ms,
        "the producer",
    )?;
    let mut s = Sender {
        producer,
        cluster,
        partitions: HashMap::new(),
        pending: HashMap::new(),
        deliveries: Vec::new(),
        summary: Summary::default(),
        started: Instant::now(),
        last_progress: Instant::now(),
        on_event,
    };
    let mut pace = Pace::new(opts.rate, Instant::now());
    let mut seq = 0u64;
    while !cancel.load(Ordering::Relaxed) {
        if opts.stop_on_error && s.summary.failed > 0 {
            s.summary.stopped = Some("stopped at the first failure".into());
            break;
        }
        if let Some(f) = s.producer.fatal() {
            s.summary.stopped = Some(format!("the producer cannot go on: {f}"));
            break;
        }
        let wait = pace.delay(Instant::now());
        if !wait.is_zero() {
            s.wait(wait);
            continue;
        }
        seq += 1;
        match source(seq) {
            None => break,
            Some(Err(e)) => s.failed(seq, String::new(), e),
            Some(Ok(rec)) => s.send(seq, rec, cancel),
        }
        pace.sent(Instant::now());
        if seq.is_multiple_of(512) {
            s.serve(Duration::ZERO);
        }
    }
    s.summary.cancelled = cancel.load(Ordering::Relaxed);
    s.drain(Duration::from_millis(opts.delivery_timeout_ms) + Duration::from_secs(5));
    Ok(s.finish())
}

struct Sender<'a> {
    producer: SafeProducer,
    cluster: &'a Cluster,
    /// Partition counts of the topics a template's key hash places records on (None: unknown,
    /// the producer's partitioner decides).
    partitions: HashMap<String, Option<i32>>,
    /// seq -> (topic, key) of records sent and not yet answered.
    pending: HashMap<u64, (String, Option<Vec<u8>>)>,
    deliveries: Vec<Delivery>,
    summary: Summary,
    started: Instant,
    last_progress: Instant,
    on_event: &'a mut dyn FnMut(Event),
}

impl Sender<'_> {
    /// Waits for the pace: short waits sleep (a broker poll rounds to whole milliseconds).
    fn wait(&mut self, d: Duration) {
        if d >= Duration::from_millis(2) {
            self.serve(d.min(Duration::from_millis(50)));
        } else {
            std::thread::sleep(d);
            self.serve(Duration::ZERO);
        }
    }

    /// Where the topic's own producer would put the record's key (the template's key hash), so
    /// that a test record is in order with the service's records of that key.
    fn placed(&mut self, rec: &PublishRecord) -> Option<i32> {
        let (hash, key) = (rec.key_hash?, rec.key.as_deref()?);
        let n = match self.partitions.get(&rec.topic) {
            Some(n) => *n,
            None => {
                let topics = [rec.topic.clone()];
                let n = crate::kafka::replay::topic_partitions(self.cluster, &topics)
                    .ok()
                    .and_then(|m| m.get(&rec.topic).copied().flatten());
                self.partitions.insert(rec.topic.clone(), n);
                n
            }
        }?;
        Some(crate::engine::replay::partition::partition(hash, key, n))
    }

    fn send(&mut self, seq: u64, rec: PublishRecord, cancel: &AtomicBool) {
        let partition = rec.partition.or_else(|| self.placed(&rec));
        loop {
            let out = Outgoing {
                topic: &rec.topic,
                partition,
                key: rec.key.as_deref(),
                value: rec.value.as_deref(),
                headers: &rec.headers,
            };
            match self.producer.send(&out, seq) {
                Ok(true) => {
                    self.summary.sent += 1;
                    self.summary.topics.insert(rec.topic.clone());
                    self.pending.insert(seq, (rec.topic, rec.key));
                    return;
                }
                // The local queue is full: let the broker catch up.
                Ok(false) if !cancel.load(Ordering::Relaxed) => {
                    self.serve(Duration::from_millis(10))
                }
                Ok(false) => return self.failed(seq, rec.topic, "cancelled".into()),
                Err(e) => return self.failed(seq, rec.topic, e),
            }
        }
    }

    fn failed(&mut self, seq: u64, topic: String, error: String) {
        self.summary.failed += 1;
        if self.summary.first_error.is_none() {
            self.summary.first_error = Some(error.clone());
        }
        (self.on_event)(Event::Failed { seq, topic, error });
    }

    fn serve(&mut self, wait: Duration) {
        self.producer.poll(wait, &mut self.deliveries);
        for (seq, res) in std::mem::take(&mut self.deliveries) {
            let Some((topic, key)) = self.pending.remove(&seq) else {
                continue;
            };
            match res {
                Ok((partition, offset)) => {
                    self.summary.acked += 1;
                    (self.on_event)(Event::Delivered(Delivered {
                        seq,
                        topic,
                        partition,
                        offset,
                        key,
                    }));
                }
                Err(e) => self.failed(seq, topic, e),
            }
        }
        if self.last_progress.elapsed() >= PROGRESS_EVERY {
            self.last_progress = Instant::now();
            let p = self.progress();
            (self.on_event)(Event::Progress(p));
        }
    }

    fn progress(&self) -> Progress {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        Progress {
            sent: self.summary.sent,
            acked: self.summary.acked,
            failed: self.summary.failed,
            rate: self.summary.acked as f64 / secs,
        }
    }

    /// Every record sent gets its answer (or the delivery timeout passes).
    fn drain(&mut self, limit: Duration) {
        let until = Instant::now() + limit;
        while !self.pending.is_empty() && Instant::now() < until {
            self.serve(Duration::from_millis(50));
        }
        let left: Vec<u64> = self.pending.keys().copied().collect();
        for seq in left {
            if let Some((topic, _)) = self.pending.remove(&seq) {
                self.failed(seq, topic, "no delivery report before the timeout".into());
            }
        }
    }

    fn finish(mut self) -> Summary {
        let p = self.progress();
        (self.on_event)(Event::Progress(p.clone()));
        self.summary.elapsed_ms = self.started.elapsed().as_millis() as u64;
        self.summary.rate = p.rate;
        self.summary
    }
}
