//! The only module that imports rdkafka. Everything here runs off the UI task (threads or
//! `spawn_blocking`) and talks to the app through `KafkaEvent`s on one channel.

pub mod admin;
pub mod browse;
pub mod consumer;
pub mod demo;
pub mod demo_groups;
pub mod ends;
pub mod export;
pub mod group_offsets;
pub mod jobs;
pub mod lag;
pub mod offsets;
pub mod producer;
pub mod publish;
pub mod replay;
pub mod safe_producer;
pub mod search;
pub mod services;
pub mod tail;
pub mod topics;
pub mod window;
pub mod worker;

use crate::domain::Header;
use crate::support::config::{Cluster, StartAt};
use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::{BaseConsumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::ClientConfig;
use std::sync::{Arc, Mutex};
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
/// unknown SASL mechanism or an unreadable certificate is reported before any UI opens.
/// Creating is quick, but destroying a client waits ~100 ms for librdkafka's threads, so the
/// client is dropped on a thread of its own and the first frame does not wait for it. The
/// message never carries a secret's value: librdkafka's own text quotes the value it refused,
/// so it is rebuilt from the parts and then masked (see `crate::support::redact`).
pub fn validate(cluster: &Cluster) -> anyhow::Result<()> {
    let err = match client_config(cluster)
        .set("group.id", "kdeck-validate")
        .create::<rdkafka::consumer::BaseConsumer>()
    {
        Ok(client) => {
            let spawned = std::thread::Builder::new()
                .name("kdeck-validate-drop".into())
                .spawn(move || drop(client));
            // No thread to spare: pay the wait here rather than leak the client.
            if let Err(e) = spawned {
                tracing::debug!("dropping the settings check client inline: {e}");
            }
            return Ok(());
        }
        Err(e) => e,
    };
    let what = match &err {
        rdkafka::error::KafkaError::ClientConfig(_, desc, key, value) => {
            let shown = crate::support::redact::value(key, value);
            let desc = if crate::support::redact::is_secret_name(key) && !value.is_empty() {
                desc.replace(value.as_str(), crate::support::redact::MASK)
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
    Err(anyhow::anyhow!(crate::support::redact::text(
        &msg,
        &cluster.properties
    )))
}

/// Settings of every client that only reads: its own group id, offsets neither stored nor
/// committed, so no group of the user's is ever joined or moved.
pub(crate) fn read_only_config(cluster: &Cluster, group_id: &str) -> ClientConfig {
    let mut c = client_config(cluster);
    c.set("group.id", group_id)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false");
    c
}

/// What went wrong with the cluster, as kdeck tells the user (and `kdeck lag` its exit code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trouble {
    Unreachable,
    Authentication,
    Other,
}

/// Remembers the last authentication or TLS failure librdkafka reported for a client: a
/// request then fails as a mere timeout or transport error, and only this tells why.
#[derive(Clone, Default)]
pub struct WatchfulContext {
    auth_failure: Arc<Mutex<Option<String>>>,
}

impl WatchfulContext {
    /// The last authentication or TLS failure, in words.
    pub fn auth_failure(&self) -> Option<String> {
        self.auth_failure.lock().ok().and_then(|g| g.clone())
    }
}

impl WatchfulContext {
    fn remember(&self, words: String) {
        if let Ok(mut g) = self.auth_failure.lock() {
            *g = Some(words);
        }
    }
}

impl ClientContext for WatchfulContext {
    // librdkafka's log lines are not for the user's terminal, but the connection failures it
    // logs are the only place that says why a secured connection failed (a request then just
    // fails with "all brokers down"). The log callback runs on librdkafka's threads, which is
    // why the finding goes behind a mutex.
    fn log(&self, _: RDKafkaLogLevel, _: &str, line: &str) {
        if let Some(words) = connection_refusal(line) {
            self.remember(words);
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        use rdkafka::types::RDKafkaErrorCode as C;
        if let Some(C::Authentication | C::SaslAuthenticationFailed | C::SSL) =
            error.rdkafka_error_code()
        {
            if let Some(words) = connection_refusal(reason) {
                self.remember(words);
            }
        }
    }
}

/// A librdkafka log line that says a broker refused the connection's security, in words.
fn connection_refusal(line: &str) -> Option<String> {
    let reason = auth_reason(line);
    let sasl = line.contains("SASL authentication error")
        || line.contains("SASL authentication failed")
        || (line.contains("SASL") && line.contains("mechanism"));
    if sasl {
        Some(format!("authentication failed: {reason}"))
    } else if line.contains("SSL handshake failed") || line.contains("certificate verify failed") {
        Some(format!("the TLS connection failed: {reason}"))
    } else if line.contains("incorrect security.protocol") {
        Some(format!(
            "the broker expects another security protocol (check security.protocol): {reason}"
        ))
    } else {
        None
    }
}

impl ConsumerContext for WatchfulContext {}

/// A consumer that remembers authentication failures.
pub type Reader = BaseConsumer<WatchfulContext>;

pub(crate) fn create_reader(cfg: &ClientConfig) -> Result<Reader, KafkaError> {
    cfg.create_with_context(WatchfulContext::default())
}

/// Lets a consumer with NOTHING ASSIGNED hand its pending log lines and errors to its context
/// (librdkafka queues them until the client is polled; a request that failed does not poll).
/// With partitions assigned this would drop records: such a consumer polls anyway.
pub(crate) fn serve_pending_logs(c: &Reader) {
    for _ in 0..64 {
        let _ = c.poll(Duration::ZERO);
    }
}

/// librdkafka's reason, without its internal state names and timings.
fn auth_reason(reason: &str) -> String {
    let r = reason.split(" (after ").next().unwrap_or(reason);
    r.split(": ")
        .filter(|p| {
            !p.contains("://") && !p.starts_with("[thrd:") && *p != "SASL authentication error"
        })
        .collect::<Vec<_>>()
        .join(": ")
}

/// One rdkafka error in words, for every message kdeck shows (no library names).
pub fn describe(e: &KafkaError) -> String {
    match e.rdkafka_error_code() {
        Some(code) => describe_code(code),
        None => match e {
            KafkaError::ClientCreation(m) => format!("cannot create the Kafka client: {m}"),
            // Never the value: it may be a secret (a misspelt password property, say).
            KafkaError::ClientConfig(_, desc, key, _) => {
                format!("client setting {key:?}: {desc}")
            }
            KafkaError::NoMessageReceived => "no record arrived in time".into(),
            KafkaError::Canceled => "the request was cancelled".into(),
            _ => "the Kafka client failed".into(),
        },
    }
}

/// Like `describe`, preferring an authentication failure the client saw.
pub fn describe_with(e: &KafkaError, ctx: &WatchfulContext) -> String {
    match (trouble(e), ctx.auth_failure()) {
        (Trouble::Unreachable, Some(a)) => a,
        _ => describe(e),
    }
}

/// The kind of trouble an error is.
pub fn trouble(e: &KafkaError) -> Trouble {
    use rdkafka::types::RDKafkaErrorCode as C;
    match e.rdkafka_error_code() {
        Some(
            C::BrokerTransportFailure
            | C::AllBrokersDown
            | C::Resolve
            | C::NetworkException
            | C::OperationTimedOut
            | C::RequestTimedOut
            | C::TimedOutQueue,
        ) => Trouble::Unreachable,
        Some(C::Authentication | C::SaslAuthenticationFailed | C::SSL) => Trouble::Authentication,
        _ => Trouble::Other,
    }
}

/// An error code in words.
pub fn describe_code(code: rdkafka::types::RDKafkaErrorCode) -> String {
    use rdkafka::types::RDKafkaErrorCode as C;
    match code {
        C::BrokerTransportFailure | C::AllBrokersDown | C::NetworkException => {
            "cannot reach the brokers".into()
        }
        C::OperationTimedOut | C::RequestTimedOut | C::TimedOutQueue => {
            "the brokers did not answer in time".into()
        }
        C::Resolve => "cannot resolve a broker host name".into(),
        C::Authentication | C::SaslAuthenticationFailed => {
            "authentication failed (check the SASL mechanism, user name and password)".into()
        }
        C::SSL => {
            "the TLS connection failed (check the CA file and the broker's certificate)".into()
        }
        C::GroupAuthorizationFailed => "not allowed to read this consumer group".into(),
        C::TopicAuthorizationFailed => "not allowed to read this topic".into(),
        C::ClusterAuthorizationFailed => "not allowed to do this on the cluster".into(),
        C::UnknownTopicOrPartition | C::UnknownTopic => "the topic does not exist".into(),
        C::GroupIdNotFound | C::UnknownGroup => "the group does not exist".into(),
        C::CoordinatorNotAvailable | C::NotCoordinator | C::WaitingForCoordinator => {
            "the group's coordinator is not available yet".into()
        }
        other => {
            // rdkafka prints "Name (librdkafka's description)": keep the words only.
            let text = other.to_string();
            let words = text
                .split_once(" (")
                .map(|(_, d)| d.trim_end_matches(')'))
                .unwrap_or("unknown error");
            let words = words
                .trim_start_matches("Local: ")
                .trim_start_matches("Broker: ");
            let mut c = words.chars();
            match c.next() {
                Some(f) => f.to_lowercase().chain(c).collect(),
                None => "unknown error".into(),
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::types::RDKafkaErrorCode as C;

    #[test]
    fn errors_are_words_without_library_names() {
        for code in [
            C::BrokerTransportFailure,
            C::AllBrokersDown,
            C::OperationTimedOut,
            C::MessageTimedOut,
            C::UnknownTopicOrPartition,
            C::SaslAuthenticationFailed,
            C::InvalidReplicationFactor,
            C::PolicyViolation,
        ] {
            let words = describe_code(code);
            assert!(!words.contains(&format!("{code:?}")), "{words}");
            assert!(
                !words.contains("Local:") && !words.contains("Broker:"),
                "{words}"
            );
            assert!(!words.is_empty());
        }
        let e = KafkaError::MetadataFetch(C::AllBrokersDown);
        assert_eq!(describe(&e), "cannot reach the brokers");
        assert_eq!(trouble(&e), Trouble::Unreachable);
    }

    #[test]
    fn sasl_and_tls_refusals_in_librdkafka_logs_are_recognised() {
        let sasl = "[thrd:sasl_ssl://127.0.0.1:9/bootstrap]: sasl_ssl://127.0.0.1:9/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after 5ms in state AUTH_REQ)";
        assert_eq!(
            connection_refusal(sasl).as_deref(),
            Some("authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512")
        );
        let tls = "ssl://127.0.0.1:9/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed";
        assert!(connection_refusal(tls)
            .unwrap()
            .starts_with("the TLS connection failed"));
        assert_eq!(
            connection_refusal("Connect to ipv4#127.0.0.1:1 failed: Connection refused"),
            None
        );
    }
}
