//! Configuration: compiled-in defaults < config file < environment < flags, resolved once in
//! `main` and passed down by reference. Every error names the file, the key and what was expected.

mod file;
pub mod filters;
pub mod jobs;
pub mod load;
pub mod replay;
pub mod save;
pub mod schemas;
pub mod services;
pub mod words;

pub use load::{load, At, Overrides};

use crate::domain::Role;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Where kdeck's own consumers start reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartAt {
    Beginning,
    End,
    /// The last N records of every partition.
    Tail(i64),
}

impl StartAt {
    /// `beginning`, `end`, `-N` or `tail:N`.
    pub fn parse(s: &str) -> Result<StartAt, String> {
        let s = s.trim();
        match s {
            "beginning" | "earliest" | "oldest" => Ok(StartAt::Beginning),
            "end" | "latest" | "newest" => Ok(StartAt::End),
            _ => {
                let n = s
                    .strip_prefix("tail:")
                    .or_else(|| s.strip_prefix('-'))
                    .and_then(|n| n.parse::<i64>().ok())
                    .filter(|n| *n > 0);
                n.map(StartAt::Tail).ok_or_else(|| {
                    format!("expected \"beginning\", \"end\" or \"-N\" (last N per partition), got {s:?}")
                })
            }
        }
    }
}

#[derive(Clone, PartialEq)]
pub struct Cluster {
    pub brokers: String,
    pub client_id: String,
    /// librdkafka properties: security settings mapped from the services' env names, then the
    /// profile's `[librdkafka]` table, then `-X` flags (later wins).
    pub properties: BTreeMap<String, String>,
}

/// By hand, so that a debug print of the config never shows a password.
impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("brokers", &self.brokers)
            .field("client_id", &self.client_id)
            .field(
                "properties",
                &crate::support::redact::properties(&self.properties),
            )
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Topics {
    /// Where jobs are requested. Not a pane of its own (panes follow `Role`): read by
    /// `kdeck job` and the stuck-jobs tracker, and by the lag pane (the groups that consume them).
    pub request: Vec<String>,
    pub completion: Vec<String>,
    pub status: Vec<String>,
    pub dlq: Vec<String>,
}

impl Topics {
    pub fn for_role(&self, role: Role) -> &[String] {
        match role {
            Role::Completion => &self.completion,
            Role::Status => &self.status,
            Role::Dlq => &self.dlq,
        }
    }

    /// Every pane the topic feeds (a DLQ topic may also be a completion topic); a topic kdeck
    /// was not configured with shows as status.
    pub fn roles_of(&self, topic: &str) -> Vec<Role> {
        let roles: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| self.for_role(*r).iter().any(|t| t == topic))
            .collect();
        if roles.is_empty() {
            vec![Role::Status]
        } else {
            roles
        }
    }

    /// Every topic of a job's life (request, status, completion, DLQ) once, with the kind of
    /// each, request first: what `kdeck job` reads.
    pub fn lifecycle(&self) -> Vec<(String, crate::engine::job::stuck::Source)> {
        use crate::engine::job::stuck::Source;
        let kinds = [
            (&self.request, Source::Request),
            (&self.status, Source::Status),
            (&self.completion, Source::Completion),
            (&self.dlq, Source::Dlq),
        ];
        let mut v: Vec<(String, Source)> = Vec::new();
        for (topics, kind) in kinds {
            for t in topics {
                // A topic named twice keeps its later kind: DLQ beats completion, which
                // beats status (a dead letter ends a job whatever else the topic carries).
                match v.iter_mut().find(|(x, _)| x == t) {
                    Some(e) => e.1 = kind,
                    None => v.push((t.clone(), kind)),
                }
            }
        }
        v
    }

    /// Each configured topic once, in pane order (request topics have no pane).
    pub fn all(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for t in Role::ALL.iter().flat_map(|r| self.for_role(*r)) {
            if !v.contains(t) {
                v.push(t.clone());
            }
        }
        v
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct UiConfig {
    pub theme: String,
    pub buffer_size: usize,
    pub max_value_bytes: usize,
    pub max_fps: u32,
    /// Clicks and the wheel (`[ui] mouse`); off leaves text selection to the terminal.
    pub mouse: bool,
    /// Copy a record's value to the clipboard with OSC 52 (`[ui] clipboard = "osc52"`).
    pub clipboard_osc52: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerConfig {
    pub start: StartAt,
    pub group_id: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LagConfig {
    pub refresh_ms: u64,
    /// Refreshes in the Burrow-style evaluation window.
    pub window: usize,
    /// Lag at or below this counts as caught up.
    pub allowed_lag: i64,
    /// Also show every group the broker lists that reads the configured topics.
    pub discover_groups: bool,
    /// Groups kdeck's demo runs itself (one simulated consumer each): shown as such when the
    /// cluster cannot describe groups. Never set from a config file.
    pub simulated_groups: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The config file that was read, if any.
    pub source: Option<PathBuf>,
    pub profile: String,
    pub cluster: Cluster,
    pub topics: Topics,
    /// The profile's topic prefix (`{prefix}` in topic names); "" when none is set.
    pub topic_prefix: String,
    pub watch_groups: Vec<String>,
    /// Topics besides the dashboard's whose committed offsets the lag pane looks up (e.g. the
    /// request topics the watched groups consume).
    pub lag_topics: Vec<String>,
    pub ui: UiConfig,
    pub consumer: ConsumerConfig,
    pub lag: LagConfig,
    /// `context -> key -> action` overrides laid over the built-in keymap.
    pub keys: BTreeMap<String, BTreeMap<String, String>>,
    /// Why write actions are refused (profile `read_only = true` or `--read-only`); None: allowed.
    pub read_only: Option<String>,
    pub replay: crate::domain::replay::ReplaySettings,
    /// `[profiles.x.jobs]`: job identity and the stuck-jobs tracker.
    pub jobs: jobs::JobsConfig,
    /// `[filters]`: named jq expressions, compiled (`@name` in filters).
    pub filters: Vec<filters::SavedFilter>,
    /// The profile's schema registry and local schema files.
    pub schemas: schemas::SchemaConfig,
    /// The services whose own Prometheus endpoints the metrics pane shows.
    pub services: Vec<services::Service>,
}

impl Config {
    /// `@name` (a saved filter) or a jq expression, compiled.
    pub fn filter(&self, text: &str) -> Result<crate::engine::filter::Expr, String> {
        filters::lookup(text, &self.filters)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);
