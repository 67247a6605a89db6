//! The FRANC service portal's records: its device-connection requests, and the task-status and
//! task-completion events of the jobs they start.

use super::{rec, Job, Pipeline};
use crate::domain::OutRecord;
use serde_json::json;

const DEVICES: &[&str] = &[
    "NYC-Core-SW01",
    "LON-Edge-RT02",
    "FRA-Leaf-SW07",
    "SIN-Spine-SW03",
];

impl Pipeline {
    /// The FRANC portal's device-connection request.
    pub(super) fn portal_request(
        &mut self,
        now: &str,
    ) -> (String, String, &'static str, serde_json::Value) {
        let change = format!("CHG-2026-{:06}", self.rand() % 1_000_000);
        let device = self.pick(DEVICES);
        let v = json!({
            "event_id": format!("conn_{change}"),
            "event_type": "device_connection",
            "change_number": change,
            "request_id": format!("device_conn_{change}"),
            "timestamp": now,
            "user_id": null,
            "source": "franc-portal",
            "device_name": device,
            "device_type": "Switch",
            "location": "NYC Building A",
            "interfaces": [{"name": "Gi0/1", "speed": "1 Gbit", "role": "data", "vpc_group": "vPC-1"}],
            "vpc_groups": ["vPC-1"],
        });
        (
            change.clone(),
            format!("device_conn_{change}"),
            "franc.device.connection",
            v,
        )
    }
}

pub(super) fn portal_status(job: &Job, pct: u8, now: &str, _event_id: &str) -> OutRecord {
    let msg = match pct {
        0..=30 => "Validating change request",
        31..=60 => "Configuring interfaces on device",
        _ => "Verifying connectivity",
    };
    let v = json!({
        "event_id": format!("status_{}_{}", job.key, pct),
        "event_type": "task_status_update",
        "change_number": job.key,
        "request_id": format!("status_update_{}", job.key),
        "timestamp": now,
        "user_id": null,
        "source": "franc-portal",
        "original_request_id": job.job_id,
        "status": "in_progress",
        "progress_percentage": pct,
        "status_message": msg,
        "error_details": null,
    });
    rec("franc.task.status", &job.key, v, vec![])
}

pub(super) fn portal_completion(job: &Job, now: &str, now_ms: i64) -> OutRecord {
    let ok = job.error.is_none();
    let v = json!({
        "event_id": format!("complete_{}", job.key),
        "event_type": "task_completion",
        "change_number": job.key,
        "request_id": format!("completion_{}", job.key),
        "timestamp": now,
        "user_id": null,
        "source": "franc-portal",
        "original_request_id": job.job_id,
        "completion_status": if ok { "completed" } else { "failed" },
        "completion_message": if ok { "Device successfully connected with 4 interfaces configured" } else { "Device connection failed" },
        "result_data": if ok { json!({"device_ip": "10.1.1.100", "management_vlan": "100"}) } else { json!(null) },
        "error_details": job.error,
        "execution_duration": ((now_ms - job.started_ms).max(0) as f64) / 1000.0,
    });
    rec("franc.task.completion", &job.key, v, vec![])
}
