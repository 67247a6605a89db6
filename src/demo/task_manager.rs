//! The task manager's records: its web-crawl requests and task-status events, in its envelope
//! (headers with the task and trace ids, then the message).

use super::{rec, text_at, Flavor, Job, Pipeline};
use crate::domain::OutRecord;
use serde_json::json;

impl Pipeline {
    /// The task manager's web-crawl request, in its envelope.
    pub(super) fn crawl_request(
        &mut self,
        now: &str,
    ) -> (String, String, &'static str, serde_json::Value) {
        let task = self.uuid();
        let v = json!({
            "headers": {
                "requestId": task,
                "requestType": "web-crawl",
                "timestamp": now,
                "traceId": format!("{:016x}", self.rand()),
                "spanId": format!("{:08x}", self.rand() & 0xffff_ffff),
            },
            "message": {
                "userEmail": "user@example.com",
                "userQuery": "Find product information",
                "originalUrl": "https://example.com/catalog",
                "requestedAt": now,
            }
        });
        (task.clone(), task, "requests-web-crawl", v)
    }
}

pub(super) fn task_status(
    job: &Job,
    progress: Option<u8>,
    status: &str,
    now: &str,
    span: &str,
) -> OutRecord {
    let task_type = if job.flavor == Flavor::Crawl {
        "web-crawl"
    } else {
        "export"
    };
    let mut message = json!({"taskId": job.job_id, "status": status});
    if let Some(p) = progress {
        message["progress"] = json!(p);
        message["receivedAt"] = json!(job.received_at);
    }
    match status {
        "completed" => {
            message["result"] = json!("Found 5 products matching criteria");
            message["finishedAt"] = json!(now);
        }
        "error" => {
            message["error"] = json!(job.error.unwrap_or("unknown error"));
            message["finishedAt"] = json!(now);
        }
        _ => {}
    }
    let v = json!({
        "headers": {"taskId": job.job_id, "taskType": task_type, "timestamp": now, "traceId": job.trace, "spanId": span},
        "message": message,
    });
    rec("task-status", &job.job_id, v, vec![])
}

/// The request's trace id (the task manager's envelope carries one), else one made from the job id.
pub(super) fn trace_of(request: &[u8], job_id: &str) -> String {
    let v: Option<serde_json::Value> = serde_json::from_slice(request).ok();
    let from_request = v
        .as_ref()
        .and_then(|v| text_at(Some(v), &["headers", "traceId"]));
    from_request.unwrap_or_else(|| {
        // FNV-1a: stable across runs and builds, unlike std's hasher.
        let h = job_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("{h:016x}")
    })
}
