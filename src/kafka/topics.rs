//! The cluster's topics as the topic browser and `kdeck topics` show them: partitions,
//! replication, records held, and what each one looks like it is, proposed from its newest
//! records (`engine::roles`).

use super::ends::{end_offsets_with, start_offsets_with};
use super::{create_reader, describe, read_only_config, Reader, META_TIMEOUT};
use crate::codec::decode::{to_record, Incoming};
use crate::domain::replay::PartitionRange;
use crate::domain::Record;
use crate::engine::lag::Tp;
use crate::engine::roles::{propose, Proposal, SAMPLE_MAX};
use crate::support::config::Cluster;
use rdkafka::consumer::Consumer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
            error: t
                .error()
                .map(|e| super::describe_code(rdkafka::types::RDKafkaErrorCode::from(e))),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    let tps: Vec<Tp> = out
        .iter()
        .filter(|t| t.error.is_none())
        .flat_map(|t| t.partitions.iter().map(|p| (t.name.clone(), *p)))
        .collect();
    let (ends, _) = end_offsets_with(&c, &tps, META_TIMEOUT).unwrap_or_default();
    let (starts, _) = start_offsets_with(&c, &tps, META_TIMEOUT).unwrap_or_default();
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
