//! Publish's Kafka side: an idempotent producer (`acks=all`, retries never duplicate) that
//! takes plain [`PublishRecord`]s and reports each delivery by the id it was sent with.
//! Pacing, rendering and printing live in `crate::publish`.

use super::client_config;
use super::replay::words;
use crate::config::Cluster;
use crate::publish::PublishRecord;
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientContext;
use rdkafka::Message;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The id a record was sent with, and where it landed or why not (in words).
pub type Delivery = (u64, Result<(i32, i64), String>);

fn kafka_words(e: &KafkaError) -> String {
    match e.rdkafka_error_code() {
        Some(c) => words(c),
        None => e.to_string(),
    }
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

pub struct Publisher {
    producer: BaseProducer<Ctx>,
    reports: Arc<Mutex<Vec<Delivery>>>,
}

impl Publisher {
    /// `partitioner`: where the key sends a record (the profile's, as replay uses).
    pub fn new(
        cluster: &Cluster,
        partitioner: &str,
        delivery_timeout_ms: u64,
    ) -> anyhow::Result<Publisher> {
        let ctx = Ctx::default();
        let reports = ctx.reports.clone();
        let mut cfg = client_config(cluster);
        cfg.set("enable.idempotence", "true")
            .set("acks", "all")
            .set("partitioner", partitioner)
            .set("message.timeout.ms", delivery_timeout_ms.to_string())
            .set("linger.ms", "5")
            .set("batch.size", "1000000")
            .set("batch.num.messages", "10000")
            .set("queue.buffering.max.messages", "100000")
            .set("queue.buffering.max.kbytes", "65536");
        let producer = cfg
            .create_with_context(ctx)
            .map_err(|e| anyhow::anyhow!("creating the producer: {}", kafka_words(&e)))?;
        Ok(Publisher { producer, reports })
    }

    /// Queues one record. Ok(false): the local queue is full, poll and try again.
    pub fn send(&self, rec: &PublishRecord, id: u64) -> Result<bool, String> {
        let mut headers = OwnedHeaders::new_with_capacity(rec.headers.len());
        for (k, v) in &rec.headers {
            headers = headers.insert(Header {
                key: k,
                value: v.as_deref(),
            });
        }
        let mut br: BaseRecord<'_, [u8], [u8], Box<u64>> =
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
