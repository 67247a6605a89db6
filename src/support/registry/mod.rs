//! Schemas for the decoders (`codec::lookup::Source`): fetched by id from the profile's
//! registry on a worker thread and kept for the process, or read from local schema files
//! mapped to topics. A fetch never runs on the caller's thread: a reader waits at most the
//! time it asks for, the dashboard's own task never.

pub mod client;
pub mod encode;
pub mod local;

use crate::codec::lookup::{self, Lookup, Resolved};
use crate::codec::schema::Parsed;
use crate::support::config::schemas::SchemaConfig;
use client::{Client, FetchError, Fetched};
use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Ids waiting for the worker at most; a lookup beyond it is answered "pending" and asks again.
const QUEUE: usize = 256;
/// The one retry policy: a registry that did not answer is asked again after this long (so a
/// registry that comes back is used within it), an id it does not have after the longer one.
const RETRY_UNREACHABLE: Duration = Duration::from_secs(10);
const RETRY_REFUSED: Duration = Duration::from_secs(120);

enum Entry {
    Pending,
    Ready(Arc<Resolved>),
    Failed { reason: String, retry_at: Instant },
}

struct Shared {
    cache: Mutex<HashMap<u32, Entry>>,
    arrived: Condvar,
    /// The registry did not answer on the last try: the health line says so.
    trouble: Mutex<Option<String>>,
}

pub struct Registry {
    shared: Arc<Shared>,
    fetches: Option<SyncSender<u32>>,
    local: Vec<(String, Arc<Resolved>)>,
    shown: Option<String>,
}

impl Registry {
    /// Reads the local schema files and starts the fetch worker when a registry is set.
    /// Err: a local file that cannot be read or does not parse, or a CA file that is wrong
    /// (configuration errors are said before anything starts).
    pub fn start(cfg: &SchemaConfig) -> Result<Registry, String> {
        let local = local::load(&cfg.local)?;
        let shared = Arc::new(Shared {
            cache: Mutex::new(HashMap::new()),
            arrived: Condvar::new(),
            trouble: Mutex::new(None),
        });
        let (fetches, shown) = match &cfg.registry {
            Some(r) => {
                let client = Client::new(r)?;
                let shown = client.shown();
                let (tx, rx) = sync_channel(QUEUE);
                let s = shared.clone();
                std::thread::Builder::new()
                    .name("kdeck-registry".into())
                    .spawn(move || worker(client, rx, s))
                    .map_err(|e| format!("could not start the schema registry worker: {e}"))?;
                (Some(tx), Some(shown))
            }
            None => (None, None),
        };
        Ok(Registry {
            shared,
            fetches,
            local,
            shown,
        })
    }

    /// Starts it and installs it as the decoders' source, when the profile has any schema.
    pub fn install(cfg: &SchemaConfig) -> Result<(), String> {
        if cfg.registry.is_none() && cfg.local.is_empty() {
            lookup::install(None);
            return Ok(());
        }
        let r = Registry::start(cfg)?;
        lookup::install(Some(Arc::new(r)));
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl lookup::Source for Registry {
    fn by_id(&self, id: u32, wait: Duration) -> Lookup {
        let Some(fetches) = &self.fetches else {
            return Lookup::Failed(format!(
                "schema id {id}: no schema registry is configured and no local schema file \
                 maps this topic"
            ));
        };
        let mut cache = lock(&self.shared.cache);
        match cache.get(&id) {
            Some(Entry::Ready(r)) => return Lookup::Ready(r.clone()),
            Some(Entry::Failed { reason, retry_at }) if Instant::now() < *retry_at => {
                return Lookup::Failed(reason.clone())
            }
            Some(Entry::Pending) => {}
            _ => {
                if fetches.try_send(id).is_err() {
                    return Lookup::Pending;
                }
                cache.insert(id, Entry::Pending);
            }
        }
        let deadline = Instant::now() + wait;
        while let Some(Entry::Pending) = cache.get(&id) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Lookup::Pending;
            }
            cache = self
                .shared
                .arrived
                .wait_timeout(cache, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        match cache.get(&id) {
            Some(Entry::Ready(r)) => Lookup::Ready(r.clone()),
            Some(Entry::Failed { reason, .. }) => Lookup::Failed(reason.clone()),
            _ => Lookup::Pending,
        }
    }

    fn for_topic(&self, topic: &str, key: bool) -> Option<Arc<Resolved>> {
        // Local schema files describe values.
        if key {
            return None;
        }
        self.local
            .iter()
            .find(|(t, _)| t == topic)
            .map(|(_, r)| r.clone())
    }

    fn trouble(&self) -> Option<String> {
        lock(&self.shared.trouble).clone()
    }

    fn describe(&self) -> Option<String> {
        self.shown.clone()
    }
}

fn worker(client: Client, ids: Receiver<u32>, shared: Arc<Shared>) {
    for id in ids {
        let entry = match client.by_id(id) {
            Ok(f) => {
                *lock(&shared.trouble) = None;
                match resolve(f) {
                    Ok(r) => Entry::Ready(Arc::new(r)),
                    Err(reason) => Entry::Failed {
                        reason,
                        retry_at: Instant::now() + RETRY_REFUSED,
                    },
                }
            }
            Err(e) => {
                let retry = match &e {
                    FetchError::Unreachable(m) => {
                        *lock(&shared.trouble) = Some(m.clone());
                        RETRY_UNREACHABLE
                    }
                    FetchError::NotFound(_) | FetchError::Refused(_) => RETRY_REFUSED,
                };
                tracing::warn!("schema {id}: {e}");
                Entry::Failed {
                    reason: e.to_string(),
                    retry_at: Instant::now() + retry,
                }
            }
        };
        lock(&shared.cache).insert(id, entry);
        shared.arrived.notify_all();
        lookup::changed();
    }
}

/// A fetched schema, parsed.
pub fn resolve(f: Fetched) -> Result<Resolved, String> {
    let parsed = Parsed::parse(&f.source)
        .map_err(|e| format!("schema {} ({}) does not parse: {e}", f.id, f.source.format))?;
    Ok(Resolved {
        parsed,
        id: Some(f.id),
        subject: f.subject,
        version: f.version,
        file: None,
        message: None,
    })
}
