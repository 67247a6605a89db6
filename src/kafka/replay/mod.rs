//! Replay: DLQ records back to where they came from, grouped, rate-limited, previewed,
//! audited and resumable. Blocking functions meant for a worker thread (the dashboard) or the
//! main thread (`kdeck replay`): [`plan()`] is the dry run, [`execute`] sends, [`resume_plan`]
//! continues an interrupted run. This file reads fixed offset ranges (the DLQ selection, the
//! target partitions on resume), end offsets, and does the optional DLQ group commit; the
//! producer is `safe_producer`, shared with publish. The plain logic (audit, headers,
//! targets) is `crate::engine::replay`.
//!
//! # The guarantee: nothing lost, nothing twice
//!
//! For every DLQ record selected when a run starts, once the run (with its resumes) ends with no
//! failure, the target topic holds **exactly one** replayed copy of it, written by that run:
//!
//! * **The set is fixed.** The DLQ's end offsets are read when the run is planned and stored in
//!   the run's audit file; records appended later (including the run's own records when the DLQ
//!   is also the target) are never read, so a replay cannot loop, and a resume works on exactly
//!   the same records. The same request is stored too, so a resume resolves the same targets.
//! * **Nothing lost.** A record counts as done only when the broker acknowledged it with
//!   `acks=all` (every in-sync replica has it) or when it is read back from the target. Anything
//!   else is reported as failed or not sent, and a resume sends it.
//! * **Nothing twice within one process.** The producer is idempotent: librdkafka's retries
//!   after a lost connection or a timeout carry sequence numbers the broker deduplicates.
//! * **Nothing twice across a kill or a broker outage.** Every replayed record carries
//!   `kdeck-replay-run` and `kdeck-replay-source` (`dlq/partition@offset`). Before sending
//!   anything, a run writes (and syncs) the end offsets of its target topics to its audit file;
//!   all its records land past them. A resume skips records the audit shows acknowledged, then
//!   reads every target partition from those recorded offsets to its current end and skips
//!   every record found there with this run's id, whatever the audit says: that covers records
//!   that were in flight at a kill, acknowledged but not yet logged, or reported as timed out
//!   although the broker wrote them. Only the rest is sent again.
//! * **No race with the interrupted process.** A run holds a lock on its audit file while it
//!   sends; a resume refuses while the lock is held, so the lookup cannot miss records that a
//!   live process is still writing. The lock dies with the process.
//!
//! The assumptions, stated: the target's records written by the run are not deleted
//! (retention, compaction) or rewritten with the same headers by someone else before the
//! resume; and no record is still only in the broker's hands when the resume reads (on a
//! multi-broker cluster, a record the leader took but whose high watermark had not yet moved
//! is not visible; kdeck cannot see it and would send it again).
//! kdeck never deletes, compacts or commits anything on the DLQ, unless the profile names a
//! `commit_group`: then that group is moved forward (never back) past the records that were
//! replayed, only where every record before that point was selected and is done.

pub mod engine;
pub mod plan;
pub mod worker;

pub use engine::execute;
pub use plan::{plan, resume_plan, ItemBuilder, ReplayContext, RunStamp};

use super::{client_config, headers_of, timestamp_ms, META_TIMEOUT};
use crate::domain::replay::{Coord, PartitionRange};
use crate::domain::Header;
use crate::support::config::Cluster;
use anyhow::Context;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// One record read back, owned.
#[derive(Clone, Debug)]
pub struct ReadRecord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: Option<i64>,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<Header>,
}

impl ReadRecord {
    /// Decoded for showing, its value cut at `cap` bytes.
    pub fn decode(self, cap: usize, is_dlq: bool) -> crate::domain::Record {
        crate::codec::decode::to_record(
            crate::codec::decode::Incoming {
                topic: &self.topic,
                partition: self.partition,
                offset: self.offset,
                timestamp_ms: self.timestamp_ms,
                key: self.key.as_deref(),
                value: self.value.as_deref(),
                headers: self.headers,
            },
            cap,
            is_dlq,
        )
    }
}

/// An error code in words, without librdkafka's enum name.
pub fn words(code: RDKafkaErrorCode) -> String {
    let text = code.to_string();
    let desc = text
        .split_once(" (")
        .map(|(_, d)| d.trim_end_matches(')'))
        .unwrap_or(&text);
    let desc = desc.strip_prefix("Local: ").unwrap_or(desc);
    match code {
        RDKafkaErrorCode::MessageTimedOut => {
            format!("not acknowledged in time ({})", desc.to_lowercase())
        }
        _ => desc.to_string(),
    }
}

pub(super) fn kafka_words(e: &KafkaError) -> String {
    match e.rdkafka_error_code() {
        Some(c) => words(c),
        None => e.to_string(),
    }
}

fn reader(cluster: &Cluster) -> anyhow::Result<BaseConsumer> {
    client_config(cluster)
        .set("group.id", "kdeck-replay-reader")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "true")
        .set("auto.offset.reset", "earliest")
        // Aborted records of a transactional DLQ writer are not failures to replay.
        .set("isolation.level", "read_committed")
        .set("fetch.wait.max.ms", "100")
        .set("queued.min.messages", "100000")
        .set("queued.max.messages.kbytes", "32768")
        .set("fetch.queue.backoff.ms", "10")
        .create()
        .context("creating the replay reader")
}

/// (partition, low, high) of every partition of `topic`; an error when it does not exist.
pub fn watermarks(cluster: &Cluster, topic: &str) -> anyhow::Result<Vec<(i32, i64, i64)>> {
    watermarks_with(&reader(cluster)?, cluster, topic)
}

fn watermarks_with(
    c: &BaseConsumer,
    cluster: &Cluster,
    topic: &str,
) -> anyhow::Result<Vec<(i32, i64, i64)>> {
    let md = c.fetch_metadata(Some(topic), META_TIMEOUT).map_err(|e| {
        anyhow::anyhow!(
            "reading metadata of {topic} from {}: {}",
            cluster.brokers,
            kafka_words(&e)
        )
    })?;
    let Some(t) = md
        .topics()
        .first()
        .filter(|t| t.error().is_none() && !t.partitions().is_empty())
    else {
        anyhow::bail!("topic {topic} does not exist on {}", cluster.brokers);
    };
    let mut out = Vec::new();
    for p in t.partitions() {
        let (lo, hi) = c
            .fetch_watermarks(topic, p.id(), META_TIMEOUT)
            .map_err(|e| {
                anyhow::anyhow!(
                    "reading end offsets of {topic}/{}: {}",
                    p.id(),
                    kafka_words(&e)
                )
            })?;
        out.push((p.id(), lo, hi));
    }
    out.sort();
    Ok(out)
}

/// Partition count of each topic, None for a topic that does not exist.
pub fn topic_partitions(
    cluster: &Cluster,
    topics: &[String],
) -> anyhow::Result<BTreeMap<String, Option<i32>>> {
    let c = reader(cluster)?;
    let mut out = BTreeMap::new();
    for t in topics {
        let md = c.fetch_metadata(Some(t), META_TIMEOUT).map_err(|e| {
            anyhow::anyhow!(
                "reading metadata of {t} from {}: {}",
                cluster.brokers,
                kafka_words(&e)
            )
        })?;
        let n = md
            .topics()
            .first()
            .filter(|m| m.error().is_none() && !m.partitions().is_empty())
            .map(|m| m.partitions().len() as i32);
        out.insert(t.clone(), n);
    }
    Ok(out)
}

/// End offsets of every partition of these topics: where a run's records can start.
pub fn end_offsets(
    cluster: &Cluster,
    topics: &[String],
) -> anyhow::Result<BTreeMap<String, Vec<(i32, i64)>>> {
    let c = reader(cluster)?;
    let mut out = BTreeMap::new();
    for t in topics {
        let w = watermarks_with(&c, cluster, t)?;
        out.insert(t.clone(), w.into_iter().map(|(p, _, hi)| (p, hi)).collect());
    }
    Ok(out)
}

/// Reads `[from, to)` of each (topic, range) and hands every record to `f` (false stops).
/// Records at or past `to` are never handed out, so what is appended meanwhile (a DLQ that is
/// also the target) is not read. Returns warnings (ranges that ended early).
pub fn read_ranges(
    cluster: &Cluster,
    ranges: &[(String, PartitionRange)],
    cancel: &AtomicBool,
    f: &mut dyn FnMut(ReadRecord) -> bool,
) -> anyhow::Result<Vec<String>> {
    let c = reader(cluster)?;
    let mut tpl = TopicPartitionList::new();
    let mut r = Ranges::default();
    for (t, range) in ranges.iter().filter(|(_, r)| r.from < r.to) {
        tpl.add_partition_offset(t, range.partition, Offset::Offset(range.from))?;
        r.left.insert((t.clone(), range.partition), range.to);
    }
    if r.left.is_empty() {
        return Ok(Vec::new());
    }
    c.assign(&tpl)
        .context("assigning partitions to the replay reader")?;
    let mut last_news = Instant::now();
    let mut last_error: Option<String> = None;
    while !r.left.is_empty() && !cancel.load(Ordering::Relaxed) {
        match c.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                last_news = Instant::now();
                if let Some(rec) = r.take(&m) {
                    if !f(rec) {
                        return Ok(r.warnings);
                    }
                }
            }
            Some(Err(KafkaError::PartitionEOF(p))) => {
                last_news = Instant::now();
                r.at_end(&c, p);
            }
            Some(Err(e)) => last_error = Some(kafka_words(&e)),
            None => {}
        }
        r.give_up_short_ends(last_news);
        if last_news.elapsed() > Duration::from_secs(30) {
            anyhow::bail!(
                "reading from {}: nothing for 30 s{}",
                cluster.brokers,
                last_error.map_or(String::new(), |e| format!(" ({e})"))
            );
        }
    }
    Ok(r.warnings)
}

/// Where `read_ranges` stands: partitions still to read (up to which offset), those at their
/// readable end, and what stopped short.
#[derive(Default)]
struct Ranges {
    left: HashMap<(String, i32), i64>,
    eof: HashSet<(String, i32)>,
    warnings: Vec<String>,
}

impl Ranges {
    /// The record, owned, when it lies in a range still being read.
    fn take(&mut self, m: &BorrowedMessage<'_>) -> Option<ReadRecord> {
        let k = (m.topic().to_string(), m.partition());
        self.eof.remove(&k);
        let to = *self.left.get(&k)?;
        if m.offset() + 1 >= to {
            self.left.remove(&k);
        }
        if m.offset() >= to {
            return None;
        }
        Some(ReadRecord {
            topic: k.0,
            partition: m.partition(),
            offset: m.offset(),
            timestamp_ms: timestamp_ms(m),
            key: m.key().map(<[u8]>::to_vec),
            value: m.payload().map(<[u8]>::to_vec),
            headers: headers_of(m),
        })
    }

    /// Partition `p` is at its readable end: done when that end reaches its range's end.
    fn at_end(&mut self, c: &BaseConsumer, p: i32) {
        let pos = c.position().unwrap_or_default();
        for e in pos.elements().iter().filter(|e| e.partition() == p) {
            let k = (e.topic().to_string(), p);
            if let (Offset::Offset(at), Some(to)) = (e.offset(), self.left.get(&k)) {
                if at >= *to {
                    self.left.remove(&k);
                } else {
                    self.eof.insert(k);
                }
            }
        }
    }

    /// Every partition left is at its readable end but short of `to`: an open transaction or
    /// records removed meanwhile. Waiting longer would not change that.
    fn give_up_short_ends(&mut self, last_news: Instant) {
        if self.left.is_empty()
            || !self.left.keys().all(|k| self.eof.contains(k))
            || last_news.elapsed() <= Duration::from_secs(2)
        {
            return;
        }
        for ((t, p), to) in self.left.drain() {
            self.warnings.push(format!(
                "{t}/{p}: the readable end stopped short of offset {to} (an open transaction, or \
                 records deleted)"
            ));
        }
    }
}

/// Records of `run_id` already on the targets, read from the end offsets the run recorded at
/// its start up to the current ends: source -> where it landed.
pub fn find_replayed(
    cluster: &Cluster,
    run_id: &str,
    starts: &BTreeMap<String, Vec<(i32, i64)>>,
    cancel: &AtomicBool,
) -> anyhow::Result<(HashMap<Coord, Coord>, Vec<String>)> {
    let c = reader(cluster)?;
    let mut ranges = Vec::new();
    for (t, parts) in starts {
        let now: HashMap<i32, i64> = watermarks_with(&c, cluster, t)?
            .into_iter()
            .map(|(p, _, hi)| (p, hi))
            .collect();
        for (p, from) in parts {
            let to = now.get(p).copied().unwrap_or(*from);
            let range = PartitionRange {
                partition: *p,
                from: *from,
                to,
            };
            ranges.push((t.clone(), range));
        }
    }
    let mut found = HashMap::new();
    let warnings = read_ranges(cluster, &ranges, cancel, &mut |r| {
        let h = |k: &str| {
            r.headers
                .iter()
                .find(|h| h.key == k)
                .and_then(|h| h.value_str())
        };
        if h(crate::engine::replay::headers::RUN) == Some(run_id) {
            if let Some(src) = h(crate::engine::replay::headers::SOURCE).and_then(Coord::parse) {
                let at = Coord {
                    topic: r.topic.clone(),
                    partition: r.partition,
                    offset: r.offset,
                };
                found.entry(src).or_insert(at);
            }
        }
        true
    })?;
    Ok((found, warnings))
}

/// The group's committed offsets on `topic`'s partitions (None: nothing committed).
pub fn committed(
    cluster: &Cluster,
    group: &str,
    topic: &str,
    partitions: &[i32],
) -> anyhow::Result<BTreeMap<i32, Option<i64>>> {
    let c: BaseConsumer = client_config(cluster)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .context("creating a consumer to read committed offsets")?;
    let mut tpl = TopicPartitionList::new();
    for p in partitions {
        tpl.add_partition(topic, *p);
    }
    let got = c
        .committed_offsets(tpl, Duration::from_secs(10))
        .map_err(|e| anyhow::anyhow!("reading group {group}'s offsets: {}", kafka_words(&e)))?;
    Ok(got
        .elements()
        .iter()
        .map(|e| {
            let o = match e.offset() {
                Offset::Offset(o) => Some(o),
                _ => None,
            };
            (e.partition(), o)
        })
        .collect())
}

/// Commits `group` at these offsets of `topic`, without joining it.
pub fn commit(
    cluster: &Cluster,
    group: &str,
    topic: &str,
    offsets: &[(i32, i64)],
) -> anyhow::Result<()> {
    let rows: Vec<(&str, i32, i64)> = offsets.iter().map(|(p, o)| (topic, *p, *o)).collect();
    super::admin::commit_offsets(cluster, group, &rows)
}
