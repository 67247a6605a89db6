//! The profile's job settings: what ties one job's records together, and when a job counts as
//! stuck.
//!
//! ```toml
//! [profiles.prod.jobs]
//! id = [".value.job_id", ".headers[\"correlation-id\"]", ".key"]  # default: the services' ids
//! stuck_after = "5m"    # requested or in progress, then silent this long: stuck
//! max_open = 10000      # open jobs tracked at most (the least recently seen non-stuck one goes)
//! stuck = true          # false: no stuck-jobs tracking (request topics are then not read)
//! ```

use super::ConfigError;
use crate::codec::text::parse_duration_ms;
use crate::engine::job::Identity;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileJobs {
    pub id: Option<Vec<String>>,
    pub stuck_after: Option<String>,
    pub max_open: Option<usize>,
    pub stuck: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JobsConfig {
    pub identity: Identity,
    pub stuck_after_ms: i64,
    pub max_open: usize,
    /// Track stuck jobs (the dashboard then also reads the request topics).
    pub track_stuck: bool,
}

impl Default for JobsConfig {
    fn default() -> JobsConfig {
        JobsConfig {
            identity: Identity::default(),
            stuck_after_ms: 5 * 60_000,
            max_open: 10_000,
            track_stuck: true,
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
    if let Some(on) = f.stuck {
        c.track_stuck = on;
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use crate::engine::job::stuck::Source;
    use crate::support::config::load::load_with;
    use crate::support::config::Overrides;

    fn load(toml: &str) -> crate::support::config::Config {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, toml).unwrap();
        let o = Overrides {
            config_path: Some(p),
            ..Default::default()
        };
        load_with(&o, &|_| None, None).unwrap()
    }

    #[test]
    fn request_topics_default_to_the_services_and_feed_the_lag_pane() {
        let cfg = load("");
        assert_eq!(
            cfg.topics.request,
            vec!["scheduler.jobs.ingest", "requests-web-crawl"],
            "{{prefix}} topics need a prefix"
        );
        assert_eq!(cfg.lag_topics, cfg.topics.request);
        assert_eq!(cfg.jobs.stuck_after_ms, 300_000);
        assert_eq!(cfg.jobs.max_open, 10_000);
        let cfg = load("[profiles.p]\ntopic_prefix = \"franc\"\n");
        assert_eq!(
            cfg.topics.request[2..],
            [
                "franc.device.connection",
                "franc.datacenter.deployment",
                "franc.pop.deployment"
            ]
        );
        // The dashboard's panes are unchanged: request topics have none.
        assert!(!cfg.topics.all().contains(&"requests-web-crawl".to_string()));
    }

    #[test]
    fn a_profile_with_lag_topics_keeps_them_as_request_topics() {
        let cfg = load("[profiles.p]\nlag_topics = [\"orders-in\"]\n");
        assert_eq!(cfg.topics.request, vec!["orders-in"]);
        assert_eq!(cfg.lag_topics, vec!["orders-in"]);
        let cfg =
            load("[profiles.p]\nlag_topics = [\"a\"]\n[profiles.p.topics]\nrequest = [\"b\"]\n");
        assert_eq!(
            (cfg.topics.request, cfg.lag_topics),
            (vec!["b".into()], vec!["a".into()])
        );
    }

    #[test]
    fn jobs_keys_are_read_and_lifecycle_names_every_topic_once_with_its_kind() {
        let cfg = load(
            "[profiles.p.topics]\nrequest = [\"req\"]\nstatus = [\"st\"]\n\
             completion = [\"done\", \"dead\"]\ndlq = [\"dead\"]\n\
             [profiles.p.jobs]\nid = [\".value.x\"]\nstuck_after = \"2m\"\nmax_open = 50\n",
        );
        assert_eq!(cfg.jobs.stuck_after_ms, 120_000);
        assert_eq!(cfg.jobs.max_open, 50);
        let v =
            crate::codec::decode::json::Obj::parse(br#"{"x": "j-1", "job_id": "other"}"#).unwrap();
        let view = crate::engine::job::View {
            key: None,
            headers: &[],
            value: Some(&v),
        };
        assert_eq!(cfg.jobs.identity.ids(&view), vec!["j-1"]);
        assert_eq!(
            cfg.topics.lifecycle(),
            vec![
                ("req".to_string(), Source::Request),
                ("st".into(), Source::Status),
                ("done".into(), Source::Completion),
                ("dead".into(), Source::Dlq),
            ]
        );
    }
}
