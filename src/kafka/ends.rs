//! End offsets of many partitions at once. `fetch_watermarks` costs two ListOffsets round trips
//! per partition, one partition after the other: 960 partitions take seconds. librdkafka's
//! offsets-for-times with the "latest" timestamp (-1) instead asks each partition leader once
//! for all its partitions, so a lookup costs one round trip per broker, spread over the
//! brokers that lead the partitions.
//!
//! Separate from the lag probe's own lookup on purpose: the probe can switch to it in one place.

use super::{describe, read_only_config, Reader};
use crate::engine::lag::Tp;
use crate::support::config::Cluster;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::time::Duration;

/// End offset per partition, and the partitions whose end could not be read, in words.
pub type Ends = (BTreeMap<Tp, i64>, Vec<(Tp, String)>);

/// End offsets of `tps` with a client of their own.
pub fn end_offsets(cluster: &Cluster, tps: &[Tp], timeout: Duration) -> anyhow::Result<Ends> {
    let c: Reader = super::create_reader(&read_only_config(cluster, "kdeck-ends"))
        .map_err(|e| anyhow::anyhow!("cannot create the client: {}", describe(&e)))?;
    end_offsets_with(&c, tps, timeout).map_err(|e| anyhow::anyhow!(e))
}

/// End offsets of `tps` in one call on `consumer`: one request per partition leader.
/// Err only when the call as a whole failed (no broker answered in time).
pub fn end_offsets_with<C: ConsumerContext>(
    consumer: &BaseConsumer<C>,
    tps: &[Tp],
    timeout: Duration,
) -> Result<Ends, String> {
    offsets_at(consumer, tps, Offset::End, timeout)
}

/// Start (log start) offsets of `tps`, the same way: one request per partition leader.
pub fn start_offsets_with<C: ConsumerContext>(
    consumer: &BaseConsumer<C>,
    tps: &[Tp],
    timeout: Duration,
) -> Result<Ends, String> {
    offsets_at(consumer, tps, Offset::Beginning, timeout)
}

/// `Offset::End` (-1) is the "latest" timestamp of ListOffsets, `Offset::Beginning` (-2) the
/// "earliest".
fn offsets_at<C: ConsumerContext>(
    consumer: &BaseConsumer<C>,
    tps: &[Tp],
    at: Offset,
    timeout: Duration,
) -> Result<Ends, String> {
    let mut ends = BTreeMap::new();
    let mut failed = Vec::new();
    if tps.is_empty() {
        return Ok((ends, failed));
    }
    let mut tpl = TopicPartitionList::with_capacity(tps.len());
    for (t, p) in tps {
        tpl.add_partition_offset(t, *p, at)
            .map_err(|e| describe(&e))?;
    }
    let got = consumer
        .offsets_for_times(tpl, timeout)
        .map_err(|e| describe(&e))?;
    for e in got.elements() {
        let tp = (e.topic().to_string(), e.partition());
        match (e.error(), e.offset()) {
            (Err(err), _) => failed.push((tp, describe(&err))),
            (Ok(()), Offset::Offset(end)) => {
                ends.insert(tp, end);
            }
            (Ok(()), _) => failed.push((tp, "the cluster gave no end offset".into())),
        }
    }
    Ok((ends, failed))
}
