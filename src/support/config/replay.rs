//! The profile's replay settings and its read-only switch:
//!
//! ```toml
//! [profiles.prod]
//! read_only = true                 # every write action refuses (also: --read-only)
//!
//! [profiles.prod.replay]
//! keep_diagnostic_headers = false  # drop the dead-letter headers (exception, origin...)
//! retry_count = "reset"            # or "keep"
//! commit_group = "dlq-reader"      # move this DLQ group past what was replayed (default: none)
//! partitioner = "murmur2_random"   # where the key sends a record (Java's default)
//! delivery_timeout_ms = 30000      # a record not acknowledged by then counts as failed
//!
//! [profiles.prod.replay.targets]   # DLQ topic -> target, for records without an origin header
//! "dlq-domain-services" = "export-requests"
//!
//! [profiles.prod.replay.partitioners]  # DLQ topic -> the key hash its producer used
//! "dlq-pipeline" = "fnv1a"             # or "murmur2", "crc32", "default" (not inferred)
//! ```

use super::ConfigError;
use crate::domain::replay::{KeyHash, ReplaySettings, RetryCount};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileReplay {
    #[serde(default)]
    pub targets: BTreeMap<String, String>,
    pub keep_diagnostic_headers: Option<bool>,
    pub retry_count: Option<String>,
    pub commit_group: Option<String>,
    pub partitioner: Option<String>,
    pub delivery_timeout_ms: Option<u64>,
    #[serde(default)]
    pub partitioners: BTreeMap<String, String>,
}

const PARTITIONERS: &[&str] = &[
    "murmur2_random",
    "murmur2",
    "consistent_random",
    "consistent",
    "fnv1a_random",
    "fnv1a",
    "random",
];

/// Resolves `[profiles.<name>.replay]`; `err(key, message)` names the file and key.
pub fn resolve(
    file: Option<&FileReplay>,
    profile: &str,
    err: &dyn Fn(&str, String) -> ConfigError,
) -> Result<ReplaySettings, ConfigError> {
    let mut s = ReplaySettings::default();
    let Some(f) = file else { return Ok(s) };
    let key = |k: &str| format!("profiles.{profile}.replay.{k}");
    for (dlq, target) in &f.targets {
        if target.trim().is_empty() {
            return Err(err(
                &key(&format!("targets.{dlq}")),
                "expected a topic name, got an empty string".into(),
            ));
        }
    }
    s.targets = f.targets.clone();
    s.keep_diagnostic_headers = f.keep_diagnostic_headers.unwrap_or(false);
    s.retry_count = match f.retry_count.as_deref() {
        None | Some("reset") => RetryCount::Reset,
        Some("keep") => RetryCount::Keep,
        Some(other) => {
            return Err(err(
                &key("retry_count"),
                format!("expected \"reset\" or \"keep\", got {other:?}"),
            ))
        }
    };
    s.commit_group = f.commit_group.clone().filter(|g| !g.trim().is_empty());
    if let Some(p) = &f.partitioner {
        if !PARTITIONERS.contains(&p.as_str()) {
            return Err(err(
                &key("partitioner"),
                format!("expected one of {}, got {p:?}", PARTITIONERS.join(", ")),
            ));
        }
        s.partitioner = p.clone();
    }
    s.partitioners = partitioners(&f.partitioners, &key, err)?;
    if let Some(ms) = f.delivery_timeout_ms {
        if !(1000..=3_600_000).contains(&ms) {
            return Err(err(
                &key("delivery_timeout_ms"),
                format!("expected 1000..=3600000 ms, got {ms}"),
            ));
        }
        s.delivery_timeout_ms = ms;
    }
    Ok(s)
}

/// `[replay.partitioners]`: DLQ topic -> key hash (`None` = "default").
fn partitioners(
    names: &BTreeMap<String, String>,
    key: &dyn Fn(&str) -> String,
    err: &dyn Fn(&str, String) -> ConfigError,
) -> Result<BTreeMap<String, Option<KeyHash>>, ConfigError> {
    let mut out = BTreeMap::new();
    for (dlq, name) in names {
        let hash = match name.as_str() {
            "default" => None,
            other => Some(KeyHash::parse(other).ok_or_else(|| {
                err(
                    &key(&format!("partitioners.{dlq}")),
                    format!(
                        "expected \"fnv1a\", \"murmur2\", \"crc32\" or \"default\", got {other:?}"
                    ),
                )
            })?),
        };
        out.insert(dlq.clone(), hash);
    }
    Ok(out)
}

/// Why writes are refused, if they are: the flag first, then the profile.
pub fn read_only(flag: bool, profile_says: Option<bool>, profile: &str) -> Option<String> {
    if flag {
        Some("kdeck runs with --read-only".into())
    } else if profile_says == Some(true) {
        Some(format!(
            "profile `{profile}` is read-only (read_only = true)"
        ))
    } else {
        None
    }
}
