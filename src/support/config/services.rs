//! The pipeline's services whose own Prometheus endpoints the dashboard's metrics pane shows
//! beside the topics' rates and lag:
//!
//! ```toml
//! [[profiles.prod.services]]
//! name = "task-manager"
//! url = "http://task-manager:3000/api/metrics"
//! series = ['http_requests_total{status=~"5.."}', "queue_depth"]
//! every = "5s"        # how often it is scraped (default 5s, at least 1s)
//! ```

use super::ConfigError;
use crate::codec::text::parse_duration_ms;
use crate::engine::services::Selector;
use serde::Deserialize;

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileService {
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub series: Vec<String>,
    pub every: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub name: String,
    pub url: String,
    pub series: Vec<Selector>,
    pub every_ms: u64,
}

/// Resolves `[[profiles.<name>.services]]`; `err(key, message)` names the file and key.
pub fn resolve(
    file: &[FileService],
    profile: &str,
    err: &dyn Fn(&str, String) -> ConfigError,
) -> Result<Vec<Service>, ConfigError> {
    let mut out = Vec::new();
    for (i, f) in file.iter().enumerate() {
        let key = |k: &str| format!("profiles.{profile}.services[{i}].{k}");
        if !(f.url.starts_with("http://") || f.url.starts_with("https://")) {
            let m = format!("{:?}: expected an http:// or https:// address", f.url);
            return Err(err(&key("url"), m));
        }
        if f.series.is_empty() {
            let m = "name the series to show, like series = [\"queue_depth\"]".to_string();
            return Err(err(&key("series"), m));
        }
        let series = (f.series.iter())
            .map(|s| Selector::parse(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|m| err(&key("series"), m))?;
        let every_ms = match &f.every {
            Some(t) => parse_duration_ms(t).map_err(|m| err(&key("every"), m))?,
            None => 5_000,
        };
        if every_ms < 1000 {
            return Err(err(&key("every"), "at least 1s".into()));
        }
        out.push(Service {
            name: f.name.clone(),
            url: f.url.clone(),
            series,
            every_ms: every_ms as u64,
        });
    }
    Ok(out)
}
