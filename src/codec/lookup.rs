//! Schemas by id for the decoders: the process-wide source that `decode` asks when a value is
//! in the Confluent wire format. Process-wide on purpose: a schema id means the same schema for
//! every reader in the process (the registry's ids are immutable), so one cache serves the
//! dashboard's readers, search, export and `kdeck tail` alike, and no decode call site has to
//! carry it. What fills it (the registry client, local schema files) lives in
//! `support::registry`; this layer only defines the contract and keeps the installed source.

use super::schema::Parsed;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A schema ready to decode with, and where it came from (the detail view shows it).
pub struct Resolved {
    pub parsed: Parsed,
    pub id: Option<u32>,
    pub subject: Option<String>,
    pub version: Option<i64>,
    /// Where a local file schema came from (its path), for the detail view.
    pub file: Option<String>,
    /// Protobuf: the message a topic's local `.proto` maps to (None: by the record's indexes).
    pub message: Option<String>,
}

/// What the source knows about an id right now.
pub enum Lookup {
    Ready(Arc<Resolved>),
    /// Being fetched: the record shows as pending and is decoded again when it arrives.
    Pending,
    /// The reason in words (registry unreachable, unknown id, schema does not parse).
    Failed(String),
}

pub trait Source: Send + Sync {
    /// The schema of `id`, waiting at most `wait` for a fetch this call starts or finds running.
    fn by_id(&self, id: u32, wait: Duration) -> Lookup;
    /// A local schema file mapped to this topic (values when `key` is false).
    fn for_topic(&self, topic: &str, key: bool) -> Option<Arc<Resolved>>;
    /// Why schemas cannot be fetched right now (the registry does not answer), for the health line.
    fn trouble(&self) -> Option<String> {
        None
    }
    /// The registry's address as it may be shown (no password).
    fn describe(&self) -> Option<String> {
        None
    }
}

static SOURCE: RwLock<Option<Arc<dyn Source>>> = RwLock::new(None);
/// Bumped whenever the source learns something (a schema arrived or failed): the dashboard
/// decodes its pending records again when it moves.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// How long a reader off the UI task waits for a schema it has not seen: long enough for a
/// registry nearby to answer, so most records decode on the first pass; short enough that a
/// registry that is down costs a reader little (the source then answers from its cache).
pub const READER_WAIT: Duration = Duration::from_millis(1500);

pub fn install(source: Option<Arc<dyn Source>>) {
    *SOURCE.write().unwrap_or_else(|e| e.into_inner()) = source;
    changed();
}

pub fn installed() -> Option<Arc<dyn Source>> {
    SOURCE.read().unwrap_or_else(|e| e.into_inner()).clone()
}

pub fn changed() {
    GENERATION.fetch_add(1, Ordering::Release);
}

pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}
