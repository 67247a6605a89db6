//! The cluster's topics as the topic browser and `kdeck topics` show them: partitions,
//! replication, records held, retention, and what each one looks like it is, proposed from its
//! newest records (`engine::roles`).

use super::ends::{end_offsets_with, start_offsets_with};
use super::{client_config, create_reader, describe, read_only_config, Reader, META_TIMEOUT};
use crate::codec::decode::{to_record, Incoming};
use crate::domain::replay::PartitionRange;
use crate::domain::Record;
use crate::engine::lag::Tp;
use crate::engine::roles::{propose, Proposal, SAMPLE_MAX};
use crate::support::config::Cluster;
use rdkafka::admin::{AdminClient, AdminOptions, OwnedResourceSpecifier, ResourceSpecifier};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::Consumer;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
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
    let with_records: Vec<&(i32, i64, i64)> =
        topic.offsets.iter().filter(|(_, s, e)| e > s).collect();
    if with_records.is_empty() {
        return Vec::new();
    }
    let each = (SAMPLE_MAX / with_records.len()).max(1) as i64;
    let ranges: Vec<(String, PartitionRange)> = with_records
        .iter()
        .map(|(p, s, e)| {
            let range = PartitionRange {
                partition: *p,
                from: (e - each).max(*s),
                to: *e,
            };
            (topic.name.clone(), range)
        })
        .collect();
    let cancel = Arc::new(AtomicBool::new(false));
    let stop = cancel.clone();
    // The read gives up at `within`: a topic that answers slowly is proposed from what came.
    let _ = std::thread::Builder::new()
        .name("kdeck-sample-timer".into())
        .spawn(move || {
            std::thread::sleep(within);
            stop.store(true, Ordering::Relaxed);
        });
    let mut out = Vec::new();
    let _ = super::replay::read_ranges(cluster, &ranges, &cancel, &mut |r| {
        out.push(to_record(
            Incoming {
                topic: &r.topic,
                partition: r.partition,
                offset: r.offset,
                timestamp_ms: r.timestamp_ms,
                key: r.key.as_deref(),
                value: r.value.as_deref(),
                headers: r.headers,
            },
            64 * 1024,
            false,
        ));
        out.len() < SAMPLE_MAX
    });
    cancel.store(true, Ordering::Relaxed);
    out
}

/// What each topic looks like it is, from its newest records and its name.
pub fn recognise(cluster: &Cluster, topic: &TopicFacts, within: Duration) -> Proposal {
    let records = if topic.error.is_none() {
        sample(cluster, topic, within)
    } else {
        Vec::new()
    };
    propose(&topic.name, &records)
}
