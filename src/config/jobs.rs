//! The profile's job settings: what ties one job's records together, and when a job counts as
//! stuck.
//!
//! ```toml
//! [profiles.prod.jobs]
//! id = [".value.job_id", ".headers[\"correlation-id\"]", ".key"]  # default: the seeds' ids
//! stuck_after = "5m"    # requested or in progress, then silent this long: stuck
//! max_open = 10000      # open jobs tracked at most (the least recently seen is dropped)
//! ```

use super::ConfigError;
use crate::domain::job::{parse_duration_ms, Identity};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileJobs {
    pub id: Option<Vec<String>>,
    pub stuck_after: Option<String>,
    pub max_open: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JobsConfig {
    pub identity: Identity,
    pub stuck_after_ms: i64,
    pub max_open: usize,
}

impl Default for JobsConfig {
    fn default() -> JobsConfig {
        JobsConfig {
            identity: Identity::default(),
            stuck_after_ms: 5 * 60_000,
            max_open: 10_000,
        }
    }
}

/// Resolves `[profiles.<name>.jobs]`; `err(key, message)` names the file and key.
pub fn resolve(
    file: Option<&FileJobs>,
    profile: &str,
    err: &dyn Fn(&str, String) -> ConfigError,
) -> Result<JobsConfig, ConfigError> {
    let mut c = JobsConfig::default();
    let Some(f) = file else { return Ok(c) };
    let key = |k: &str| format!("profiles.{profile}.jobs.{k}");
    if let Some(paths) = &f.id {
        c.identity = Identity::parse(paths.iter().cloned()).map_err(|m| err(&key("id"), m))?;
    }
    if let Some(text) = &f.stuck_after {
        let ms = parse_duration_ms(text).map_err(|m| err(&key("stuck_after"), m))?;
        if ms < 1000 {
            return Err(err(
                &key("stuck_after"),
                format!("expected at least 1s, got {text:?}"),
            ));
        }
        c.stuck_after_ms = ms;
    }
    if let Some(n) = f.max_open {
        if !(10..=1_000_000).contains(&n) {
            return Err(err(
                &key("max_open"),
                format!("expected 10..=1000000 jobs, got {n}"),
            ));
        }
        c.max_open = n;
    }
    Ok(c)
}
