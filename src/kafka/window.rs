//! Reading a time window of topics: where each partition's records from a time on start
//! (the broker's time index, `offsets_for_times`) and where they end now. The records
//! themselves are read by `replay::read_ranges`, the one fixed-range reader.

use super::{create_reader, describe, read_only_config, META_TIMEOUT};
use crate::domain::replay::PartitionRange;
use crate::support::config::Cluster;
use rdkafka::consumer::Consumer;
use rdkafka::{Offset, TopicPartitionList};

/// (topic, range) to read, and the topics that do not exist.
pub type Window = (Vec<(String, PartitionRange)>, Vec<String>);

/// The offset ranges holding the records written at or after `since_ms` on each topic, up to
/// the end as it is now; and the topics that do not exist (skipped, not an error: a profile
/// lists topics of several pipelines).
pub fn ranges_since(cluster: &Cluster, topics: &[String], since_ms: i64) -> anyhow::Result<Window> {
    if since_ms <= 0 {
        return whole_topics(cluster, topics);
    }
    let c = create_reader(&read_only_config(cluster, "kdeck-window"))
        .map_err(|e| anyhow::anyhow!("cannot create the consumer: {}", describe(&e)))?;
    let mut ranges = Vec::new();
    let mut missing = Vec::new();
    for t in topics {
        let md = c.fetch_metadata(Some(t), META_TIMEOUT).map_err(|e| {
            super::serve_pending_logs(&c);
            anyhow::anyhow!(
                "reading metadata of topic {t:?} from {}: {}",
                cluster.brokers,
                super::describe_with(&e, c.context())
            )
        })?;
        let Some(mt) = md
            .topics()
            .first()
            .filter(|m| m.error().is_none() && !m.partitions().is_empty())
        else {
            missing.push(t.clone());
            continue;
        };
        let mut tpl = TopicPartitionList::new();
        for p in mt.partitions() {
            tpl.add_partition_offset(t, p.id(), Offset::Offset(since_ms))?;
        }
        let starts = c.offsets_for_times(tpl, META_TIMEOUT * 2).map_err(|e| {
            anyhow::anyhow!("finding where {t:?} is at that time: {}", describe(&e))
        })?;
        for e in starts.elements() {
            let (_, high) = c
                .fetch_watermarks(t, e.partition(), META_TIMEOUT)
                .map_err(|err| {
                    anyhow::anyhow!(
                        "reading end offsets of {t}/{}: {}",
                        e.partition(),
                        describe(&err)
                    )
                })?;
            // No record at or after the time: the partition has nothing to read.
            let from = match e.offset() {
                Offset::Offset(o) => o.min(high),
                _ => high,
            };
            ranges.push((
                t.clone(),
                PartitionRange {
                    partition: e.partition(),
                    from,
                    to: high,
                },
            ));
        }
    }
    Ok((ranges, missing))
}

/// Every record the topics hold now, without asking the time index (`since_ms` 0: "all").
/// The demo's mock cluster has no time index, so an open range (a search over everything, a
/// timeline from the start) reads this way there too.
fn whole_topics(cluster: &Cluster, topics: &[String]) -> anyhow::Result<Window> {
    let c = super::create_reader(&super::read_only_config(cluster, "kdeck-window"))
        .map_err(|e| anyhow::anyhow!("cannot create the consumer: {}", describe(&e)))?;
    let (mut ranges, mut missing) = (Vec::new(), Vec::new());
    for t in topics {
        let md = c
            .fetch_metadata(Some(t), META_TIMEOUT)
            .map_err(|e| anyhow::anyhow!("reading metadata of topic {t:?}: {}", describe(&e)))?;
        let Some(mt) = md
            .topics()
            .first()
            .filter(|m| m.error().is_none() && !m.partitions().is_empty())
        else {
            missing.push(t.clone());
            continue;
        };
        for p in mt.partitions() {
            let (low, high) = c.fetch_watermarks(t, p.id(), META_TIMEOUT).map_err(|e| {
                anyhow::anyhow!("reading offsets of {t}/{}: {}", p.id(), describe(&e))
            })?;
            let range = PartitionRange {
                partition: p.id(),
                from: low,
                to: high,
            };
            ranges.push((t.clone(), range));
        }
    }
    Ok((ranges, missing))
}
