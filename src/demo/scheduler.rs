//! The infinite scheduler's records: its job-ingest requests (`scheduler.jobs.ingest`), and the
//! ids a job takes from one.

use super::{text_at, Flavor, Pipeline};
use serde_json::json;

const APPS: &[&str] = &["export", "sms", "payment", "sipcall"];

impl Pipeline {
    /// The infinite scheduler's job-ingest request (an export, or a poison one for another app).
    pub(super) fn scheduler_request(
        &mut self,
        flavor: Flavor,
        org: &str,
        now: &str,
    ) -> (String, String, &'static str, serde_json::Value) {
        let job_id = format!("job-{:06x}", self.rand() & 0xff_ffff);
        let app = if flavor == Flavor::Export {
            "export"
        } else {
            self.pick(APPS)
        };
        let prio = self.pick(&["high", "normal", "normal", "low"]);
        let sched = if flavor == Flavor::Poison {
            "tomorrow-ish".to_string()
        } else {
            now.to_string()
        };
        let export_id = format!(
            "export-{}-{}",
            self.rand() % 900 + 100,
            self.rand() % 900_000 + 100_000
        );
        let request_id = self.uuid();
        let v = json!({
            "requestId": request_id,
            "appName": app,
            "scheduledTime": sched,
            "jobData": {"export_id": export_id, "org_id": org, "format": "json"},
            "priority": prio,
            "idempotencyKey": format!("{app}-{job_id}"),
        });
        let key = if flavor == Flavor::Export {
            export_id
        } else {
            job_id.clone()
        };
        (key, job_id, "scheduler.jobs.ingest", v)
    }
}

/// A scheduler request's ids: (flavor, job id, key, org, malformed). The job id comes from
/// `jobData.job_id`, the idempotency key (`app-jobid`), or the request id, in that order.
pub(super) fn scheduler_ids(
    body: Option<&serde_json::Value>,
    key: Option<String>,
) -> (Flavor, String, String, String, bool) {
    let app = text_at(body, &["appName"]).unwrap_or_default();
    let job = text_at(body, &["jobData", "job_id"])
        .or_else(|| {
            text_at(body, &["idempotencyKey"]).map(|k| {
                k.strip_prefix(&format!("{app}-"))
                    .map(str::to_string)
                    .unwrap_or(k)
            })
        })
        .or_else(|| text_at(body, &["requestId"]))
        .or(key.clone())
        .unwrap_or_else(|| "job-unknown".into());
    let export = text_at(body, &["jobData", "export_id"]);
    let key = key.or(export).unwrap_or_else(|| job.clone());
    let org = text_at(body, &["jobData", "org_id"]).unwrap_or_default();
    let time_ok = text_at(body, &["scheduledTime"]).is_some_and(|t| {
        chrono::DateTime::parse_from_rfc3339(&t).is_ok()
            || chrono::NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
    });
    (Flavor::Export, job, key, org, !time_ok)
}
