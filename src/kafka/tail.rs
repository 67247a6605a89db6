//! `kdeck tail`: records as JSON lines, for scripts and for measuring against kcat.

use super::{
    create_reader, describe, describe_with, rd_offset, read_only_config, Reader, META_TIMEOUT,
};
use crate::codec::jsonl::{write_line, LineRecord, WireJson};
use crate::engine::search::range::TimeRange;
use crate::support::config::{Cluster, StartAt};
use anyhow::bail;
use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Headers, Message};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::time::Duration;

pub struct TailSpec {
    pub cluster: Cluster,
    pub group_id: String,
    pub topics: Vec<String>,
    pub start: StartAt,
    pub count: Option<u64>,
    pub exit_at_end: bool,
    /// Only records this jq expression keeps are written (and counted for `count`).
    pub filter: Option<crate::engine::filter::Expr>,
}

/// Returns how many records were written. A closed stdout (`| head`) ends the tail quietly.
pub fn run(spec: &TailSpec, out: &mut dyn Write) -> anyhow::Result<u64> {
    run_range(spec, TimeRange::default(), out)
}

/// Like `run`, over a time range: each partition starts at the broker's first offset at or
/// after `since` (its time index) and stops at its first record at or after `until`. An
/// `until` already past also stops at the end offsets of the start, like `-e`.
pub fn run_range(spec: &TailSpec, range: TimeRange, out: &mut dyn Write) -> anyhow::Result<u64> {
    let mut cfg = read_only_config(&spec.cluster, &spec.group_id);
    cfg.set(
        "enable.partition.eof",
        if spec.exit_at_end { "true" } else { "false" },
    )
    .set("fetch.wait.max.ms", "100")
    // A 2 MB prefetch keeps the local queue ahead of a tail that drains it at ~1M records/s
    // (a fetch answers in well under its drain time on a LAN) while peak memory stays near
    // 25 MB; 16 MB read no faster and peaked at 65 MB.
    .set("queued.min.messages", "10000")
    .set("queued.max.messages.kbytes", "2048")
    // librdkafka's default waits 1 s before refilling a full local queue; a tail drains
    // it in a fraction of that, so the default leaves it idle most of the time.
    .set("fetch.queue.backoff.ms", "10");
    let consumer = create_reader(&cfg)
        .map_err(|e| anyhow::anyhow!("cannot create the consumer: {}", describe(&e)))?;
    let now = crate::domain::clock::Clock::now_ms(&crate::domain::clock::SystemClock);
    let bounded = spec.exit_at_end || range.until_ms.is_some_and(|u| u <= now);
    let (tpl, ends) = plan(spec, &consumer, range, bounded)?;
    consumer
        .assign(&tpl)
        .map_err(|e| anyhow::anyhow!("cannot read the partitions: {}", describe(&e)))?;
    let mut t = Tail {
        spec,
        consumer,
        nearest_end: nearest(&ends),
        ends,
        buf: Vec::with_capacity(1 << 16),
        written: 0,
        last_error: None,
        filter_failed: false,
        until: range.until_ms,
        stop_when_done: bounded || range.until_ms.is_some(),
        closed: Default::default(),
    };
    t.pump(out)
}

/// The partitions to read from where, and the partitions the tail waits for: with `bounded`
/// (--exit-at-end, an --until already past) up to their end offset when the tail started;
/// with an --until still ahead, until a record reaches it (end `i64::MAX`).
fn plan(
    spec: &TailSpec,
    consumer: &Reader,
    range: TimeRange,
    bounded: bool,
) -> anyhow::Result<(TopicPartitionList, Ends)> {
    let mut tpl = TopicPartitionList::new();
    let mut ends: Ends = HashMap::new();
    for t in &spec.topics {
        let md = consumer
            .fetch_metadata(Some(t), META_TIMEOUT)
            .map_err(|e| {
                super::serve_pending_logs(consumer);
                anyhow::anyhow!(
                    "reading metadata of topic {t:?} from {}: {}",
                    spec.cluster.brokers,
                    describe_with(&e, consumer.context())
                )
            })?;
        let Some(mt) = md.topics().first() else {
            bail!("topic {t:?}: the cluster returned nothing about it");
        };
        if mt.error().is_some() || mt.partitions().is_empty() {
            bail!("topic {t:?} does not exist on {}", spec.cluster.brokers);
        }
        let since = range
            .since_ms
            .map(|ms| since_offsets(consumer, t, mt.partitions(), ms))
            .transpose()?;
        for p in mt.partitions() {
            let at = since.as_ref().and_then(|s| s.get(&p.id()).copied());
            tpl.add_partition_offset(t, p.id(), at.unwrap_or(rd_offset(spec.start)))?;
            if !bounded {
                if range.until_ms.is_some() {
                    ends.insert((t.clone(), p.id()), i64::MAX);
                }
                continue;
            }
            let (low, high) = consumer
                .fetch_watermarks(t, p.id(), META_TIMEOUT)
                .map_err(|e| {
                    anyhow::anyhow!("reading end offsets of {t}/{}: {}", p.id(), describe(&e))
                })?;
            let from = match (at, spec.start) {
                (Some(Offset::Offset(o)), _) => o,
                (Some(_), _) => high,
                (None, StartAt::Beginning) => low,
                (None, StartAt::End) => high,
                (None, StartAt::Tail(n)) => (high - n).max(low),
            };
            if from < high {
                ends.insert((t.clone(), p.id()), high);
            }
        }
    }
    Ok((tpl, ends))
}

/// (topic, partition) -> end offset when the tail started.
type Ends = HashMap<(String, i32), i64>;

/// Each partition's first offset at or after `since_ms` (the broker's time index);
/// `Offset::End` where no record is that new.
fn since_offsets(
    consumer: &Reader,
    topic: &str,
    partitions: &[rdkafka::metadata::MetadataPartition],
    since_ms: i64,
) -> anyhow::Result<HashMap<i32, Offset>> {
    let mut tpl = TopicPartitionList::new();
    for p in partitions {
        tpl.add_partition_offset(topic, p.id(), Offset::Offset(since_ms))?;
    }
    let found = consumer
        .offsets_for_times(tpl, META_TIMEOUT * 2)
        .map_err(|e| {
            anyhow::anyhow!("finding where {topic:?} is at that time: {}", describe(&e))
        })?;
    Ok(found
        .elements()
        .iter()
        .map(|e| {
            let o = match e.offset() {
                Offset::Offset(o) => Offset::Offset(o),
                _ => Offset::End,
            };
            (e.partition(), o)
        })
        .collect())
}

/// The smallest end offset still awaited.
fn nearest(ends: &Ends) -> i64 {
    ends.values().copied().min().unwrap_or(i64::MAX)
}

struct Tail<'a> {
    spec: &'a TailSpec,
    consumer: Reader,
    ends: Ends,
    /// `nearest(&ends)`, kept so most records need no lookup.
    nearest_end: i64,
    buf: Vec<u8>,
    written: u64,
    /// The last problem reported, so a long outage is one line, not one per poll.
    last_error: Option<String>,
    /// The filter failed on a record (said once: such records are skipped).
    filter_failed: bool,
    /// --until: a partition ends at its first record this new.
    until: Option<i64>,
    /// The tail ends when `ends` is empty (-e, --until).
    stop_when_done: bool,
    /// Partitions that reached --until: what they still deliver is not written.
    closed: HashSet<(String, i32)>,
}

impl Tail<'_> {
    fn pump(&mut self, out: &mut dyn Write) -> anyhow::Result<u64> {
        let limit = self.spec.count.unwrap_or(u64::MAX);
        while self.written < limit && !(self.stop_when_done && self.ends.is_empty()) {
            // What is written goes out as soon as nothing more is queued locally, so records
            // that trickle in are not held back and a fast drain reads no clock per record.
            let mut polled = self.consumer.poll(Duration::ZERO);
            if polled.is_none() {
                if !self.buf.is_empty() && !flush(out, &mut self.buf)? {
                    return Ok(self.written);
                }
                polled = self.consumer.poll(Duration::from_millis(200));
            }
            match polled {
                None => {}
                Some(Ok(m)) if past_until(self.until, &mut self.closed, &mut self.ends, &m) => {}
                Some(Ok(m)) => {
                    let filter = self.spec.filter.as_ref();
                    if write_filtered(&mut self.buf, &mut self.filter_failed, filter, &m) {
                        self.written += 1;
                    }
                    self.last_error = None;
                    // Only offsets at or past the nearest end can finish a partition: the
                    // lookup (and its key) is skipped for all the records before it.
                    if self.stop_when_done && m.offset() + 1 >= self.nearest_end {
                        let k = (m.topic().to_string(), m.partition());
                        if self.ends.get(&k).is_some_and(|end| m.offset() + 1 >= *end) {
                            self.ends.remove(&k);
                            self.nearest_end = nearest(&self.ends);
                        }
                    }
                }
                Some(Err(KafkaError::PartitionEOF(p))) => self.reached_eof(p),
                Some(Err(e)) => {
                    if !flush(out, &mut self.buf)? {
                        return Ok(self.written);
                    }
                    let words = describe_with(&e, self.consumer.context());
                    if self.last_error.as_deref() != Some(words.as_str()) {
                        // The tail keeps going: librdkafka reconnects by itself.
                        eprintln!("kdeck tail: {words}; still trying");
                        self.last_error = Some(words);
                    }
                }
            }
            if self.buf.len() >= 1 << 16 && !flush(out, &mut self.buf)? {
                return Ok(self.written);
            }
        }
        flush(out, &mut self.buf)?;
        Ok(self.written)
    }

    /// Transaction markers can sit at the end, so the last offset read may never reach the
    /// start-time end: EOF at or past it counts too.
    fn reached_eof(&mut self, p: i32) {
        let Ok(pos) = self.consumer.position() else {
            return;
        };
        for e in pos.elements() {
            if e.partition() != p {
                continue;
            }
            let k = (e.topic().to_string(), p);
            if let (Offset::Offset(at), Some(end)) = (e.offset(), self.ends.get(&k)) {
                if at >= *end {
                    self.ends.remove(&k);
                    self.nearest_end = nearest(&self.ends);
                }
            }
        }
    }
}

/// --until: true for a record at or past it, or of a partition that got there (the
/// partition is done and nothing more of it is written).
fn past_until(
    until: Option<i64>,
    closed: &mut HashSet<(String, i32)>,
    ends: &mut Ends,
    m: &BorrowedMessage<'_>,
) -> bool {
    let Some(until) = until else {
        return false;
    };
    let is_closed = !closed.is_empty() && closed.contains(&(m.topic().to_string(), m.partition()));
    if is_closed || m.timestamp().to_millis().is_none_or(|t| t < until) {
        return is_closed;
    }
    let k = (m.topic().to_string(), m.partition());
    ends.remove(&k);
    closed.insert(k);
    true
}

/// Writes the record unless the filter drops it; true when written. The first record the
/// filter fails on is named on stderr, so an expression that never matches says why.
fn write_filtered(
    buf: &mut Vec<u8>,
    failed_before: &mut bool,
    filter: Option<&crate::engine::filter::Expr>,
    m: &BorrowedMessage<'_>,
) -> bool {
    let (keep, failed) = write_record(buf, m, filter);
    if let Some(e) = failed.filter(|_| !*failed_before) {
        *failed_before = true;
        eprintln!(
            "kdeck tail: {e} on {}/{}@{}; records it fails on are skipped",
            m.topic(),
            m.partition(),
            m.offset()
        );
    }
    keep
}

/// Writes the record unless the filter drops it: (written, the filter's error).
fn write_record(
    buf: &mut Vec<u8>,
    m: &BorrowedMessage<'_>,
    filter: Option<&crate::engine::filter::Expr>,
) -> (bool, Option<String>) {
    let headers: Vec<(&str, Option<&[u8]>)> = m
        .headers()
        .map(|hs| hs.iter().map(|h| (h.key, h.value)).collect())
        .unwrap_or_default();
    let wire = crate::codec::decode::wire::decoded(m.topic(), m.payload());
    let line = LineRecord {
        topic: m.topic(),
        partition: m.partition(),
        offset: m.offset(),
        timestamp_ms: m.timestamp().to_millis(),
        key: m.key(),
        headers: &headers,
        value: m.payload(),
        schema: wire.as_ref().and_then(WireJson::of),
    };
    match filter.map(|f| f.eval_line(&line)) {
        Some(Ok(false)) => return (false, None),
        Some(Err(e)) => return (false, Some(e)),
        _ => {}
    }
    write_line(buf, &line);
    (true, None)
}

/// Ok(false) when the reader went away.
fn flush(out: &mut dyn Write, buf: &mut Vec<u8>) -> anyhow::Result<bool> {
    let r = out.write_all(buf).and_then(|_| out.flush());
    buf.clear();
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e.into()),
    }
}
