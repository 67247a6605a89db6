//! Scraping a service's Prometheus endpoint: one GET (ureq, 5 s, 8 MB at most), the text
//! parsed by the prometheus-parse crate into plain samples. Errors are said in words, with the
//! URL's password (if any) masked.

use super::registry::client::words;
use crate::engine::services::Sample;
use prometheus_parse::Value;
use std::time::Duration;

/// As the registry client's, whose words for a failed call this shares.
const TIMEOUT: Duration = Duration::from_secs(5);
const BODY_MAX: u64 = 8 << 20;

pub struct Scraper {
    agent: ureq::Agent,
}

impl Default for Scraper {
    fn default() -> Scraper {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        Scraper { agent }
    }
}

impl Scraper {
    /// The endpoint's samples (histograms and summaries left out: choose their `_count` or
    /// `_sum`), or why not.
    pub fn scrape(&self, url: &str) -> Result<Vec<Sample>, String> {
        let shown = crate::support::redact::url(url);
        let mut resp = (self.agent.get(url))
            .header("Accept", "text/plain;version=0.0.4")
            .call()
            .map_err(|e| format!("cannot scrape {shown}: {}", words(&e)))?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(format!("{shown} answered HTTP {status}"));
        }
        let body = (resp.body_mut().with_config())
            .limit(BODY_MAX)
            .read_to_string()
            .map_err(|e| format!("{shown}: the answer could not be read: {e}"))?;
        parse(&body).map_err(|e| format!("{shown}: not the Prometheus text format: {e}"))
    }
}

/// The Prometheus text format as plain samples.
pub fn parse(body: &str) -> Result<Vec<Sample>, String> {
    let lines = body.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).map_err(|e| e.to_string())?;
    Ok(scrape
        .samples
        .into_iter()
        .filter_map(|s| {
            let (value, counter) = match s.value {
                Value::Counter(v) => (v, true),
                Value::Gauge(v) => (v, false),
                Value::Untyped(v) => (v, s.metric.ends_with("_total")),
                Value::Histogram(_) | Value::Summary(_) => return None,
            };
            let mut labels: Vec<(String, String)> = (s.labels.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            labels.sort();
            Some(Sample {
                name: s.metric,
                labels,
                value,
                counter,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_becomes_samples_with_their_kind() {
        let text = "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\nhttp_requests_total{method=\"get\",status=\"500\"} 7\n# TYPE queue_depth gauge\nqueue_depth 3.5\nlegacy_total 2\n# TYPE lat histogram\nlat_bucket{le=\"1\"} 1\nlat_bucket{le=\"+Inf\"} 2\nlat_sum 3\nlat_count 2\n";
        let s = parse(text).unwrap();
        let get = |n: &str| s.iter().find(|x| x.name == n).cloned().unwrap();
        let r = get("http_requests_total");
        assert_eq!((r.value, r.counter), (7.0, true));
        assert_eq!(
            r.labels,
            vec![
                ("method".into(), "get".into()),
                ("status".into(), "500".into())
            ]
        );
        assert_eq!(
            (get("queue_depth").value, get("queue_depth").counter),
            (3.5, false)
        );
        assert!(get("legacy_total").counter, "an untyped _total counts");
    }
}
