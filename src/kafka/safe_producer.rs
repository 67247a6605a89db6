//! The producer every write action (replay, publish) sends with. Its guarantees do not depend
//! on the caller: `acks=all`, so an acknowledgement means every in-sync replica has the record;
//! idempotence, so librdkafka's own retries never duplicate; each delivery reported back by the
//! id the record was sent with. Pacing, planning and printing live with the callers.

use super::client_config;
use super::replay::{kafka_words, words};
use crate::support::config::Cluster;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientContext;
use rdkafka::Message;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The id a record was sent with, and where it landed (partition, offset) or why not, in words.
pub type Delivery = (u64, Result<(i32, i64), String>);

/// One record to send, borrowed from whatever the caller keeps it in.
pub struct Outgoing<'a> {
    pub topic: &'a str,
    /// None: the key (and the partitioner) decides.
    pub partition: Option<i32>,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: &'a [(String, Option<Vec<u8>>)],
}

#[derive(Clone, Default)]
struct Ctx {
    reports: Arc<Mutex<Vec<Delivery>>>,
}

impl ClientContext for Ctx {}

impl ProducerContext for Ctx {
    type DeliveryOpaque = Box<u64>;
    fn delivery(&self, r: &DeliveryResult<'_>, id: Self::DeliveryOpaque) {
        let res = match r {
            Ok(m) => Ok((m.partition(), m.offset())),
            Err((e, _)) => Err(kafka_words(e)),
        };
        if let Ok(mut v) = self.reports.lock() {
            v.push((*id, res));
        }
    }
}

pub struct SafeProducer {
    producer: BaseProducer<Ctx>,
    reports: Arc<Mutex<Vec<Delivery>>>,
}

impl SafeProducer {
    /// `partitioner`: where a key sends a record (the profile's); `what` names the producer in
    /// the error when it cannot be created ("the replay producer").
    pub fn new(
        cluster: &Cluster,
        partitioner: &str,
        delivery_timeout_ms: u64,
        what: &str,
    ) -> anyhow::Result<SafeProducer> {
        let ctx = Ctx::default();
        let reports = ctx.reports.clone();
        let mut cfg = client_config(cluster);
        // Throughput: large batches, a short wait to fill them, a bounded local queue.
        cfg.set("compression.type", "none")
            .set("linger.ms", "5")
            .set("batch.size", "1000000")
            .set("batch.num.messages", "10000")
            .set("queue.buffering.max.messages", "100000")
            .set("queue.buffering.max.kbytes", "65536");
        // The user's own settings (profile `[librdkafka]`, -X) beat the tuning above...
        for (k, v) in &cluster.properties {
            cfg.set(k, v);
        }
        // ...but not what the guarantees rest on.
        cfg.set("enable.idempotence", "true")
            .set("acks", "all")
            .set("partitioner", partitioner)
            .set("message.timeout.ms", delivery_timeout_ms.to_string());
        let producer = cfg
            .create_with_context(ctx)
            .map_err(|e| anyhow::anyhow!("creating {what}: {}", kafka_words(&e)))?;
        Ok(SafeProducer { producer, reports })
    }

    /// Queues one record. Ok(false): the local queue is full, poll and try again.
    pub fn send(&self, rec: &Outgoing<'_>, id: u64) -> Result<bool, String> {
        let mut headers = OwnedHeaders::new_with_capacity(rec.headers.len());
        for (k, v) in rec.headers {
            headers = headers.insert(Header {
                key: k,
                value: v.as_deref(),
            });
        }
        let mut br: BaseRecord<'_, [u8], [u8], Box<u64>> =
            BaseRecord::with_opaque_to(rec.topic, Box::new(id)).headers(headers);
        if let Some(k) = rec.key {
            br = br.key(k);
        }
        if let Some(v) = rec.value {
            br = br.payload(v);
        }
        if let Some(p) = rec.partition {
            br = br.partition(p);
        }
        match self.producer.send(br) {
            Ok(()) => Ok(true),
            Err((e, _)) if e.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) => Ok(false),
            Err((e, _)) => Err(kafka_words(&e)),
        }
    }

    /// Serves delivery callbacks for up to `wait`; appends the deliveries seen to `out`.
    pub fn poll(&self, wait: Duration, out: &mut Vec<Delivery>) {
        self.producer.poll(wait);
        if let Ok(mut v) = self.reports.lock() {
            out.append(&mut v);
        }
    }

    pub fn in_flight(&self) -> i32 {
        self.producer.in_flight_count()
    }

    /// A fatal producer error (idempotence can no longer be kept): nothing more is sent.
    pub fn fatal(&self) -> Option<String> {
        self.producer
            .client()
            .fatal_error()
            .map(|(c, reason)| format!("{} ({reason})", words(c)))
    }
}
