//! `kdeck tail`: records as JSON lines, for scripts and for measuring against kcat.

use super::{client_config, rd_offset, META_TIMEOUT};
use crate::config::{Cluster, StartAt};
use crate::jsonl::{write_line, LineRecord};
use anyhow::{bail, Context};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

pub struct TailSpec {
    pub cluster: Cluster,
    pub group_id: String,
    pub topics: Vec<String>,
    pub start: StartAt,
    pub count: Option<u64>,
    pub exit_at_end: bool,
}

/// Returns how many records were written. A closed stdout (`| head`) ends the tail quietly.
pub fn run(spec: &TailSpec, out: &mut dyn Write) -> anyhow::Result<u64> {
    let consumer: BaseConsumer = client_config(&spec.cluster)
        .set("group.id", &spec.group_id)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set(
            "enable.partition.eof",
            if spec.exit_at_end { "true" } else { "false" },
        )
        .set("fetch.wait.max.ms", "100")
        .set("queued.min.messages", "200000")
        .set("queued.max.messages.kbytes", "16384")
        // librdkafka's default waits 1 s before refilling a full local queue; a tail drains
        // it in a fraction of that, so the default leaves it idle most of the time.
        .set("fetch.queue.backoff.ms", "10")
        .create()
        .context("creating the consumer")?;

    let mut tpl = TopicPartitionList::new();
    // (topic, partition) -> end offset when we started, for --exit-at-end.
    let mut ends: HashMap<(String, i32), i64> = HashMap::new();
    for t in &spec.topics {
        let md = consumer
            .fetch_metadata(Some(t), META_TIMEOUT)
            .map_err(|e| anyhow::anyhow!(super::consumer::friendly(&e)))
            .with_context(|| {
                format!(
                    "reading metadata of topic {t:?} from {}",
                    spec.cluster.brokers
                )
            })?;
        let Some(mt) = md.topics().first() else {
            bail!("topic {t:?}: no metadata returned");
        };
        if mt.error().is_some() || mt.partitions().is_empty() {
            bail!("topic {t:?} does not exist on {}", spec.cluster.brokers);
        }
        for p in mt.partitions() {
            tpl.add_partition_offset(t, p.id(), rd_offset(spec.start))?;
            if spec.exit_at_end {
                let (low, high) = consumer
                    .fetch_watermarks(t, p.id(), META_TIMEOUT)
                    .with_context(|| format!("reading end offsets of {t}/{}", p.id()))?;
                let from = match spec.start {
                    StartAt::Beginning => low,
                    StartAt::End => high,
                    StartAt::Tail(n) => (high - n).max(low),
                };
                if from < high {
                    ends.insert((t.clone(), p.id()), high);
                }
            }
        }
    }
    consumer.assign(&tpl).context("assigning partitions")?;

    let mut buf: Vec<u8> = Vec::with_capacity(1 << 16);
    let mut written = 0u64;
    let mut last_flush = std::time::Instant::now();
    let limit = spec.count.unwrap_or(u64::MAX);
    loop {
        if written >= limit || (spec.exit_at_end && ends.is_empty()) {
            break;
        }
        match consumer.poll(Duration::from_millis(200)) {
            None => {}
            Some(Ok(m)) => {
                let mut headers: Vec<(&str, Option<&[u8]>)> = Vec::new();
                if let Some(hs) = m.headers() {
                    for h in hs.iter() {
                        headers.push((h.key, h.value));
                    }
                }
                write_line(
                    &mut buf,
                    &LineRecord {
                        topic: m.topic(),
                        partition: m.partition(),
                        offset: m.offset(),
                        timestamp_ms: m.timestamp().to_millis(),
                        key: m.key(),
                        headers: &headers,
                        value: m.payload(),
                    },
                );
                written += 1;
                if spec.exit_at_end {
                    let k = (m.topic().to_string(), m.partition());
                    if ends.get(&k).is_some_and(|end| m.offset() + 1 >= *end) {
                        ends.remove(&k);
                    }
                }
            }
            Some(Err(KafkaError::PartitionEOF(p))) => {
                // Transaction markers can sit at the end, so the last offset read may never
                // reach the start-time end: EOF at or past it counts too.
                if let Ok(pos) = consumer.position() {
                    for e in pos.elements() {
                        if e.partition() != p {
                            continue;
                        }
                        let k = (e.topic().to_string(), p);
                        if let (Offset::Offset(at), Some(end)) = (e.offset(), ends.get(&k)) {
                            if at >= *end {
                                ends.remove(&k);
                            }
                        }
                    }
                }
            }
            Some(Err(e)) => {
                if !flush(out, &mut buf)? {
                    return Ok(written);
                }
                eprintln!("kdeck tail: {}", super::consumer::friendly(&e));
            }
        }
        // Flush on size, or when records trickle in, so an interactive tail is not held back.
        if !buf.is_empty()
            && (buf.len() >= 1 << 16 || last_flush.elapsed() >= Duration::from_millis(100))
        {
            last_flush = std::time::Instant::now();
            if !flush(out, &mut buf)? {
                return Ok(written);
            }
        }
    }
    flush(out, &mut buf)?;
    Ok(written)
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
