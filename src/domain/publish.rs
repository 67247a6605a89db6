//! A record to publish and what its sending reports.

use serde::Serialize;
use std::collections::BTreeSet;

/// One record acknowledged by the broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivered {
    pub seq: u64,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Progress {
    pub sent: u64,
    pub acked: u64,
    pub failed: u64,
    /// Acknowledged records per second since the start.
    pub rate: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub sent: u64,
    pub acked: u64,
    pub failed: u64,
    pub elapsed_ms: u64,
    pub rate: f64,
    pub topics: BTreeSet<String>,
    pub cancelled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

impl Summary {
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.stopped.is_none() && !self.cancelled
    }
}

/// One record to produce, exactly: header values and key/value bytes as they go on the wire
/// (None: a null key, value or header value).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublishRecord {
    pub topic: String,
    /// None: the key (and the partitioner) decides.
    pub partition: Option<i32>,
    pub key: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    pub value: Option<Vec<u8>>,
    /// The key hash of the producer the topic's own service writes with (the template's
    /// `partitioner`): a keyed record without a partition goes where that producer would put
    /// its key. None: the profile's partitioner decides.
    pub key_hash: Option<crate::domain::replay::KeyHash>,
}

/// A subject's schema as the registry gave it, fetched off the UI task for the publish form:
/// plain text, parsed by the one who uses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedSchema {
    pub id: u32,
    pub subject: String,
    pub version: Option<i64>,
    /// The registry's schema type: AVRO, PROTOBUF or JSON.
    pub schema_type: String,
    pub text: String,
    /// The referenced schemas: (reference name, text).
    pub references: Vec<(String, String)>,
}
