//! Writing records: used by the demo's simulator and, later, by replay and publish.

use super::client_config;
use crate::support::config::Cluster;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::ClientContext;
use rdkafka::Message;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use crate::domain::OutRecord;

/// A delivery: the id the record was sent with, and where it landed or why not.
pub type Report = (usize, Result<(i32, i64), String>);
type Reports = Arc<Mutex<Vec<Report>>>;

#[derive(Clone, Default)]
pub struct Deliveries {
    reports: Reports,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = Box<usize>;
    fn delivery(&self, r: &DeliveryResult<'_>, id: Self::DeliveryOpaque) {
        let res = match r {
            Ok(m) => Ok((m.partition(), m.offset())),
            Err((e, _)) => Err(super::describe(e)),
        };
        if let Ok(mut v) = self.reports.lock() {
            v.push((*id, res));
        }
    }
}

/// A producer that reports each delivery back by the index it was sent with.
pub struct Writer {
    producer: BaseProducer<Deliveries>,
    reports: Reports,
}

impl Writer {
    pub fn new(cluster: &Cluster, extra: &[(&str, &str)]) -> anyhow::Result<Writer> {
        let ctx = Deliveries::default();
        let reports = ctx.reports.clone();
        let mut cfg = client_config(cluster);
        cfg.set("linger.ms", "5").set("message.timeout.ms", "15000");
        for (k, v) in extra {
            cfg.set(*k, *v);
        }
        let producer = cfg
            .create_with_context(ctx)
            .map_err(|e| anyhow::anyhow!("cannot create the producer: {}", super::describe(&e)))?;
        Ok(Writer { producer, reports })
    }

    /// Queues one record; `id` comes back with its delivery report.
    pub fn send(&self, rec: &OutRecord, id: usize) -> anyhow::Result<()> {
        let mut headers = OwnedHeaders::new_with_capacity(rec.headers.len());
        for (k, v) in &rec.headers {
            headers = headers.insert(Header {
                key: k,
                value: Some(v),
            });
        }
        let mut br: BaseRecord<'_, [u8], [u8], Box<usize>> =
            BaseRecord::with_opaque_to(&rec.topic, Box::new(id)).headers(headers);
        if let Some(k) = &rec.key {
            br = br.key(k.as_slice());
        }
        if let Some(v) = &rec.value {
            br = br.payload(v.as_slice());
        }
        if let Some(p) = rec.partition {
            br = br.partition(p);
        }
        if let Some(t) = rec.timestamp_ms {
            br = br.timestamp(t);
        }
        let mut br = br;
        loop {
            match self.producer.send(br) {
                Ok(()) => return Ok(()),
                Err((e, back)) => {
                    if e.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::QueueFull) {
                        self.producer.poll(Duration::from_millis(50));
                        br = back;
                        continue;
                    }
                    return Err(anyhow::anyhow!(
                        "producing to {}: {}",
                        rec.topic,
                        super::describe(&e)
                    ));
                }
            }
        }
    }

    /// Serves delivery callbacks; returns the reports gathered so far.
    pub fn poll(&self, wait: Duration) -> Vec<Report> {
        self.producer.poll(wait);
        self.reports
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }

    pub fn in_flight(&self) -> i32 {
        self.producer.in_flight_count()
    }
}

/// Sends every record and waits for all deliveries: (partition, offset) per record, in order.
pub fn produce_all(
    cluster: &Cluster,
    recs: &[OutRecord],
    timeout: Duration,
) -> anyhow::Result<Vec<(i32, i64)>> {
    let w = Writer::new(cluster, &[("enable.idempotence", "true")])?;
    let mut results: Vec<Option<Result<(i32, i64), String>>> = vec![None; recs.len()];
    for (i, r) in recs.iter().enumerate() {
        w.send(r, i)?;
        for (id, res) in w.poll(Duration::ZERO) {
            results[id] = Some(res);
        }
    }
    let deadline = Instant::now() + timeout;
    while results.iter().any(Option::is_none) {
        if Instant::now() > deadline {
            anyhow::bail!(
                "timed out after {timeout:?} waiting for delivery reports from {}",
                cluster.brokers
            );
        }
        for (id, res) in w.poll(Duration::from_millis(50)) {
            results[id] = Some(res);
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap().map_err(|e| anyhow::anyhow!(e)))
        .collect()
}
