//! The cluster's topics as the topic browser and `kdeck topics` show them: partitions,
//! replication, records held, retention, and what each one looks like it is, proposed from its
//! newest records (`engine::roles`).
//!
//! Sampling reads every topic at once with one consumer: a consumer per topic costs a client,
//! its connections and a metadata round trip each, which on 1,000 topics takes minutes.

use super::ends::{end_offsets_with, start_offsets_with};
use super::{
    client_config, create_reader, describe, headers_of, read_only_config, timestamp_ms, Reader,
    META_TIMEOUT,
};
use crate::codec::decode::{to_record, Incoming};
use crate::domain::replay::PartitionRange;
use crate::domain::Record;
use crate::engine::lag::Tp;
use crate::engine::roles::{propose, Proposal, SAMPLE_MAX};
use crate::support::config::Cluster;
use rdkafka::admin::{AdminClient, AdminOptions, OwnedResourceSpecifier, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// One topic of the cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicFacts {
    pub name: String,
    pub partitions: Vec<i32>,
    pub replication: usize,
    /// Records held now (end − start over its partitions); None when unknown.
    pub records: Option<i64>,
    /// (partition, start, end) where both are known.
    pub offsets: Vec<(i32, i64, i64)>,
    /// The topic's `retention.ms` as the cluster reports it (-1: kept forever); None when the
    /// cluster did not say (no right to describe configurations, no answer in time).
    pub retention_ms: Option<i64>,
    /// Why the topic cannot be read (not authorised, deleted meanwhile), in words.
    pub error: Option<String>,
}

/// Topics whose name starts so are the cluster's own (offsets, transactions, …).
pub fn is_internal(name: &str) -> bool {
    name.starts_with("__")
}

/// Every topic of the cluster, by name; the cluster's own only with `internal`. A topic the
/// cluster reports an error for is listed with the error in words, never dropped.
pub fn list(cluster: &Cluster, internal: bool) -> anyhow::Result<Vec<TopicFacts>> {
    let (ask_retention, retention) = retentions(cluster);
    let c: Reader = create_reader(&read_only_config(cluster, "kdeck-topics"))
        .map_err(|e| anyhow::anyhow!("cannot create the client: {}", describe(&e)))?;
    let md = c.fetch_metadata(None, META_TIMEOUT).map_err(|e| {
        anyhow::anyhow!(
            "listing the topics of {}: {}",
            cluster.brokers,
            describe(&e)
        )
    })?;
    let mut out: Vec<TopicFacts> = md
        .topics()
        .iter()
        .filter(|t| internal || !is_internal(t.name()))
        .map(|t| TopicFacts {
            name: t.name().to_string(),
            partitions: t.partitions().iter().map(|p| p.id()).collect(),
            replication: t.partitions().first().map_or(0, |p| p.replicas().len()),
            records: None,
            offsets: Vec::new(),
            retention_ms: None,
            error: t
                .error()
                .map(|e| super::describe_code(rdkafka::types::RDKafkaErrorCode::from(e))),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    let readable = |t: &&TopicFacts| t.error.is_none();
    let names = out.iter().filter(readable).map(|t| t.name.clone());
    let _ = ask_retention.send(names.collect());
    let tps: Vec<Tp> = out
        .iter()
        .filter(readable)
        .flat_map(|t| t.partitions.iter().map(|p| (t.name.clone(), *p)))
        .collect();
    let (starts, ends) = starts_and_ends(&c, &tps);
    // The configurations were asked for meanwhile; their answer is a nicety, the list is not.
    let retention = retention.recv_timeout(RETENTION_GRACE).unwrap_or_default();
    for t in &mut out {
        for p in &t.partitions {
            let tp = (t.name.clone(), *p);
            if let (Some(s), Some(e)) = (starts.get(&tp), ends.get(&tp)) {
                t.offsets.push((*p, *s, *e));
            }
        }
        if t.error.is_none() && t.offsets.len() == t.partitions.len() {
            t.records = Some(t.offsets.iter().map(|(_, s, e)| (e - s).max(0)).sum());
        }
        t.retention_ms = retention.get(&t.name).copied();
    }
    Ok(out)
}

/// Partitions per offsets lookup. librdkafka matches each partition of a lookup's answer to
/// its request by a linear search of the list (so does rdkafka's `add_partition_offset`): one
/// lookup of 12,000 partitions costs seconds of CPU, lookups of this size milliseconds.
const LOOKUP_CHUNK: usize = 500;
/// Lookups in flight at once, so that many chunks cost few round trips.
const LOOKUP_THREADS: usize = 4;

/// Start and end offsets of `tps`, in chunks of `LOOKUP_CHUNK` on `LOOKUP_THREADS` threads
/// sharing the one client, all within `META_TIMEOUT`. A chunk that fails leaves its
/// partitions out (their topics' record counts unknown).
fn starts_and_ends(c: &Reader, tps: &[Tp]) -> (BTreeMap<Tp, i64>, BTreeMap<Tp, i64>) {
    let deadline = Instant::now() + META_TIMEOUT;
    let chunks: Vec<&[Tp]> = tps.chunks(LOOKUP_CHUNK).collect();
    let lookups = |first: usize| {
        let mut got = (BTreeMap::new(), BTreeMap::new());
        for chunk in chunks.iter().skip(first).step_by(LOOKUP_THREADS) {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Ok((starts, _)) = start_offsets_with(c, chunk, left) {
                got.0.extend(starts);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if let Ok((ends, _)) = end_offsets_with(c, chunk, left) {
                got.1.extend(ends);
            }
        }
        got
    };
    let mut out = (BTreeMap::new(), BTreeMap::new());
    std::thread::scope(|s| {
        let running: Vec<_> = (0..LOOKUP_THREADS.min(chunks.len()))
            .map(|first| {
                std::thread::Builder::new()
                    .name("kdeck-topic-offsets".into())
                    .spawn_scoped(s, move || lookups(first))
                    // No thread to spare: the same lookups on this one.
                    .map_err(|_| lookups(first))
            })
            .collect();
        for r in running {
            let got = match r {
                Ok(h) => h.join().unwrap_or_default(),
                Err(got) => got,
            };
            out.0.extend(got.0);
            out.1.extend(got.1);
        }
    });
    out
}

/// How long `list` waits for the topics' configurations once the offsets are in. They are
/// asked at the same time and a cluster answers them as fast (1,000 topics on one broker:
/// before the offsets); one that does not answer them at all (the demo's mock cluster) costs
/// the list this much at most.
const RETENTION_GRACE: Duration = Duration::from_millis(500);

/// `retention.ms` of the topics sent on the first channel, answered on the second by a thread
/// of its own: started before the names are known, its client connects while the metadata is
/// fetched, and the offsets lookups run while it waits for the answer. Anything that fails
/// (no right to describe, a cluster that does not answer this request) answers an empty map.
fn retentions(
    cluster: &Cluster,
) -> (
    mpsc::SyncSender<Vec<String>>,
    mpsc::Receiver<HashMap<String, i64>>,
) {
    let (ask, asked) = mpsc::sync_channel::<Vec<String>>(1);
    let (tx, rx) = mpsc::sync_channel(1);
    let cfg = client_config(cluster);
    let spawned = std::thread::Builder::new()
        .name("kdeck-topic-configs".into())
        .spawn(move || {
            let admin: AdminClient<DefaultClientContext> = match cfg.create() {
                Ok(a) => a,
                Err(e) => return tracing::debug!("topic configurations: {}", describe(&e)),
            };
            // No names: the list failed and nobody waits.
            let Ok(names) = asked.recv() else { return };
            let got = retention_of(&admin, &names).unwrap_or_else(|e| {
                tracing::debug!("topic configurations: {e}");
                HashMap::new()
            });
            // The answer goes first: destroying the client waits for librdkafka's threads.
            let _ = tx.send(got);
            drop(admin);
        });
    if let Err(e) = spawned {
        tracing::debug!("topic configurations not asked for: {e}");
    }
    (ask, rx)
}

/// One DescribeConfigs request for every topic of `names`: topic → `retention.ms`. A topic the
/// cluster answers an error for is left out.
fn retention_of(
    admin: &AdminClient<DefaultClientContext>,
    names: &[String],
) -> Result<HashMap<String, i64>, String> {
    if names.is_empty() {
        return Ok(HashMap::new());
    }
    let specs: Vec<ResourceSpecifier<'_>> =
        names.iter().map(|n| ResourceSpecifier::Topic(n)).collect();
    let opts = AdminOptions::new().request_timeout(Some(META_TIMEOUT));
    let got = futures::executor::block_on(admin.describe_configs(&specs, &opts))
        .map_err(|e| describe(&e))?;
    let mut out = HashMap::new();
    for r in got.into_iter().flatten() {
        let ms = r
            .get("retention.ms")
            .and_then(|e| e.value.as_deref())
            .and_then(|v| v.parse::<i64>().ok());
        if let (OwnedResourceSpecifier::Topic(t), Some(ms)) = (r.specifier, ms) {
            out.insert(t, ms);
        }
    }
    Ok(out)
}

/// The newest records of `topic`, `SAMPLE_MAX` at most, spread over its partitions, read for
/// `within` at most (what arrived by then is what is sampled).
pub fn sample(cluster: &Cluster, topic: &TopicFacts, within: Duration) -> Vec<Record> {
    let mut out = Vec::new();
    let never = AtomicBool::new(false);
    sample_all(
        cluster,
        std::slice::from_ref(topic),
        within,
        &never,
        &mut |_, records| out = records,
    );
    out
}

/// What each topic looks like it is, from its newest records and its name.
pub fn recognise(cluster: &Cluster, topic: &TopicFacts, within: Duration) -> Proposal {
    propose(&topic.name, &sample(cluster, topic, within))
}

/// The newest range of each of `topic`'s partitions that holds records: `SAMPLE_MAX` records
/// spread over them, at least one each. Nothing for a topic that cannot be read.
fn newest_ranges(topic: &TopicFacts) -> Vec<PartitionRange> {
    if topic.error.is_some() {
        return Vec::new();
    }
    let with_records: Vec<&(i32, i64, i64)> =
        topic.offsets.iter().filter(|(_, s, e)| e > s).collect();
    let each = (SAMPLE_MAX / with_records.len().max(1)).max(1) as i64;
    with_records
        .iter()
        .map(|(p, s, e)| PartitionRange {
            partition: *p,
            from: (e - each).max(*s),
            to: *e,
        })
        .collect()
}

/// The newest records of every topic of `topics` (`sample`'s ranges), read by one consumer
/// assigned to all their partitions at once. `each` gets every topic exactly once, in no set
/// order, as soon as all its partitions reached the end of their range or it has `SAMPLE_MAX`
/// records: a topic that cannot be read or holds no records at once with none, and when
/// `within` has passed or `cancel` is set, every topic not yet given with what it has.
pub fn sample_all(
    cluster: &Cluster,
    topics: &[TopicFacts],
    within: Duration,
    cancel: &AtomicBool,
    each: &mut dyn FnMut(&str, Vec<Record>),
) {
    let deadline = Instant::now() + within;
    let mut s = Sampling::default();
    let mut tpl = TopicPartitionList::new();
    for t in topics {
        if s.pending.contains_key(&t.name) {
            continue;
        }
        let ranges = newest_ranges(t);
        if ranges.is_empty() {
            each(&t.name, Vec::new());
            continue;
        }
        let mut left = HashMap::new();
        for r in &ranges {
            // Not `add_partition_offset`: it searches the whole list for the partition it just
            // added, which on 12,000 partitions costs a second.
            let _ = tpl
                .add_partition(&t.name, r.partition)
                .set_offset(Offset::Offset(r.from));
            left.insert(r.partition, r.to);
        }
        let partitions = ranges.iter().map(|r| r.partition).collect();
        let records = Vec::new();
        let p = Pending {
            left,
            partitions,
            records,
        };
        s.pending.insert(t.name.clone(), p);
    }
    if !s.pending.is_empty() {
        match sampler(cluster) {
            Ok(c) => {
                match c.assign(&tpl) {
                    Ok(()) => s.read(&c, deadline, cancel, each),
                    Err(e) => tracing::debug!("sampling topics: {}", describe(&e)),
                }
                drop_aside(c);
            }
            Err(e) => tracing::debug!("sampling topics: {e}"),
        }
    }
    for (name, p) in s.pending.drain() {
        each(&name, p.records);
    }
}

/// Destroying a consumer of thousands of partitions takes ~200 ms of librdkafka's threads
/// winding down: done on a thread of its own, so the sample's caller does not wait for it.
fn drop_aside(c: Reader) {
    let spawned = std::thread::Builder::new()
        .name("kdeck-sample-drop".into())
        .spawn(move || drop(c));
    // No thread to spare: pay the wait here rather than leak the client.
    if let Err(e) = spawned {
        tracing::debug!("dropping the sampler inline: {e}");
    }
}

/// The consumer that samples: no group joined, nothing committed, only what kdeck reads now.
fn sampler(cluster: &Cluster) -> anyhow::Result<Reader> {
    let mut cfg = read_only_config(cluster, "kdeck-topics");
    cfg.set("enable.partition.eof", "true")
        // A range whose first records were deleted meanwhile starts where the log now starts.
        .set("auto.offset.reset", "earliest")
        // Aborted records of a transactional writer say nothing about what a topic carries.
        .set("isolation.level", "read_committed")
        .set("fetch.wait.max.ms", "100")
        .set("fetch.queue.backoff.ms", "10")
        // A few records per partition are wanted, on thousands of partitions: a smaller fetch
        // per partition keeps what is prefetched (and the memory) near what is read.
        .set("max.partition.fetch.bytes", "262144")
        .set("queued.max.messages.kbytes", "16384");
    create_reader(&cfg).map_err(|e| anyhow::anyhow!("cannot create the reader: {}", describe(&e)))
}

/// Bytes of a sampled value kept: far more than the fields a proposal reads.
const VALUE_CAP: usize = 64 * 1024;

/// A topic `sample_all` has not given yet.
struct Pending {
    /// Partition → end of its range, for the partitions not yet read to it.
    left: HashMap<i32, i64>,
    /// Every partition assigned for it, to stop fetching them once it is given.
    partitions: Vec<i32>,
    records: Vec<Record>,
}

#[derive(Default)]
struct Sampling {
    pending: HashMap<String, Pending>,
    /// A partition reached its readable end since the positions were last looked at.
    at_end: bool,
    looked: Option<Instant>,
}

impl Sampling {
    fn read(
        &mut self,
        c: &Reader,
        deadline: Instant,
        cancel: &AtomicBool,
        each: &mut dyn FnMut(&str, Vec<Record>),
    ) {
        while !self.pending.is_empty() && !cancel.load(Ordering::Relaxed) {
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            let polled = c.poll((deadline - now).min(Duration::from_millis(100)));
            let idle = polled.is_none();
            match polled {
                Some(Ok(m)) => self.take(&m, c, each),
                // Says only the partition's number, not its topic: the positions tell which.
                Some(Err(KafkaError::PartitionEOF(_))) => self.at_end = true,
                Some(Err(e)) => tracing::debug!("sampling topics: {}", describe(&e)),
                None => {}
            }
            self.settle_ends(c, idle, each);
        }
    }

    /// Keeps a record of a range still being read; gives its topic when that was the last.
    fn take(
        &mut self,
        m: &BorrowedMessage<'_>,
        c: &Reader,
        each: &mut dyn FnMut(&str, Vec<Record>),
    ) {
        let Some(p) = self.pending.get_mut(m.topic()) else {
            return;
        };
        let Some(&to) = p.left.get(&m.partition()) else {
            return;
        };
        if m.offset() < to && p.records.len() < SAMPLE_MAX {
            let inc = Incoming {
                topic: m.topic(),
                partition: m.partition(),
                offset: m.offset(),
                timestamp_ms: timestamp_ms(m),
                key: m.key(),
                value: m.payload(),
                headers: headers_of(m),
            };
            p.records.push(to_record(inc, VALUE_CAP, false));
        }
        if m.offset() + 1 >= to {
            p.left.remove(&m.partition());
        }
        if p.left.is_empty() || p.records.len() >= SAMPLE_MAX {
            self.give(m.topic(), c, each);
        }
    }

    /// A range can end on a record the reader never hands out (a transaction's commit
    /// marker), so a partition at its readable end is done when its position passed the range.
    /// Positions cover every assigned partition: looked at when idle or every 100 ms at most.
    fn settle_ends(&mut self, c: &Reader, idle: bool, each: &mut dyn FnMut(&str, Vec<Record>)) {
        let recent = self
            .looked
            .is_some_and(|t| t.elapsed() < Duration::from_millis(100));
        if !self.at_end || (recent && !idle) {
            return;
        }
        self.at_end = false;
        self.looked = Some(Instant::now());
        let Ok(pos) = c.position() else {
            return;
        };
        let mut done = Vec::new();
        for e in pos.elements() {
            let (Offset::Offset(at), Some(p)) = (e.offset(), self.pending.get_mut(e.topic()))
            else {
                continue;
            };
            if p.left.get(&e.partition()).is_some_and(|to| at >= *to) {
                p.left.remove(&e.partition());
                if p.left.is_empty() {
                    done.push(e.topic().to_string());
                }
            }
        }
        for t in done {
            self.give(&t, c, each);
        }
    }

    /// Hands `topic`'s records over and stops fetching its partitions.
    fn give(&mut self, topic: &str, c: &Reader, each: &mut dyn FnMut(&str, Vec<Record>)) {
        let Some(p) = self.pending.remove(topic) else {
            return;
        };
        each(topic, p.records);
        let mut mine = TopicPartitionList::with_capacity(p.partitions.len());
        for part in p.partitions {
            mine.add_partition(topic, part);
        }
        // Records arriving meanwhile on a busy topic would only be fetched to be dropped.
        let _ = c.pause(&mine);
    }
}
