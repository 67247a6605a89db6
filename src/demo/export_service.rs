//! The export service's records: its completion events (`export-completions`).

use super::{rec, Job};
use crate::domain::OutRecord;
use serde_json::json;

pub(super) fn export_completion(job: &Job, now: &str) -> OutRecord {
    let ok = job.error.is_none();
    let mut v = json!({
        "export_id": job.key,
        "job_id": job.job_id,
        "org_id": job.org,
        "status": if ok { "complete" } else { "failed" },
        "completed_at": now,
    });
    if ok {
        v["download_url"] = json!(format!(
            "https://console.example.com/api/export/v1/exports/{}",
            job.key
        ));
    } else {
        v["error_message"] = json!(job.error.unwrap_or_default());
    }
    let headers = vec![
        ("event_type".to_string(), b"export_completion".to_vec()),
        ("org_id".to_string(), job.org.as_bytes().to_vec()),
    ];
    rec("export-completions", &job.key, v, headers)
}
