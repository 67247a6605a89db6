//! The only module that imports rdkafka. Everything here runs off the UI task (threads or
//! `spawn_blocking`) and talks to the app through `KafkaEvent`s on one channel.

pub mod admin;
pub mod consumer;
pub mod demo;
pub mod demo_groups;
pub mod group_offsets;
pub mod lag;
pub mod producer;
pub mod publish;
pub mod replay;
pub mod tail;

use crate::config::{Cluster, StartAt};
use crate::domain::Header;
use rdkafka::message::{Headers, Message};
use rdkafka::ClientConfig;
use std::time::Duration;

pub use crate::domain::event::KafkaEvent;

/// Base client settings shared by every consumer, producer and admin client kdeck makes.
pub fn client_config(cluster: &Cluster) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &cluster.brokers)
        .set("client.id", &cluster.client_id)
        // Fail fast and keep retrying ourselves, so an unreachable cluster shows up as a state.
        .set("socket.connection.setup.timeout.ms", "5000")
        .set("reconnect.backoff.max.ms", "5000")
        .set("log_level", "3");
    for (k, v) in &cluster.properties {
        c.set(k, v);
    }
    c
}

/// Builds (and drops) a client from the settings, which needs no broker: a bad property, an
/// unknown SASL mechanism or an unreadable certificate is reported before any UI opens. The
/// message never carries a secret's value: librdkafka's own text quotes the value it refused,
/// so it is rebuilt from the parts and then masked (see `crate::redact`).
pub fn validate(cluster: &Cluster) -> anyhow::Result<()> {
    let err = match client_config(cluster)
        .set("group.id", "kdeck-validate")
        .create::<rdkafka::consumer::BaseConsumer>()
    {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    let what = match &err {
        rdkafka::error::KafkaError::ClientConfig(_, desc, key, value) => {
            let shown = crate::redact::value(key, value);
            let desc = if crate::redact::is_secret_name(key) && !value.is_empty() {
                desc.replace(value.as_str(), crate::redact::MASK)
            } else {
                desc.clone()
            };
            if desc.contains(key.as_str()) {
                format!("{desc} (value {shown:?})")
            } else {
                format!("property {key:?} = {shown:?}: {desc}")
            }
        }
        rdkafka::error::KafkaError::ClientCreation(m) => m.clone(),
        other => other.to_string(),
    };
    let msg = format!("client settings for {}: {what}", cluster.brokers);
    Err(anyhow::anyhow!(crate::redact::text(
        &msg,
        &cluster.properties
    )))
}

pub(crate) fn rd_offset(start: StartAt) -> rdkafka::Offset {
    match start {
        StartAt::Beginning => rdkafka::Offset::Beginning,
        StartAt::End => rdkafka::Offset::End,
        StartAt::Tail(n) => rdkafka::Offset::OffsetTail(n),
    }
}

pub(crate) fn headers_of<M: Message>(m: &M) -> Vec<Header> {
    match m.headers() {
        None => Vec::new(),
        Some(hs) => hs
            .iter()
            .map(|h| Header {
                key: h.key.to_string(),
                value: h.value.map(|v| v.to_vec()),
            })
            .collect(),
    }
}

pub(crate) fn timestamp_ms<M: Message>(m: &M) -> Option<i64> {
    m.timestamp().to_millis()
}

pub(crate) const META_TIMEOUT: Duration = Duration::from_secs(5);
