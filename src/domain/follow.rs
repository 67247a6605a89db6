//! Following one job across panes: the ids that tie its records together (the decoder's job
//! id, the key, the correlation / request / trace id headers). Records carrying any of them are
//! highlighted wherever they arrive.

use super::Record;
use std::collections::BTreeSet;

/// Header names whose value names the job a record belongs to, as the seeds set them.
const ID_HEADERS: &[&str] = &[
    "correlation-id",
    "correlation_id",
    "correlationId",
    "requestId",
    "request-id",
    "traceId",
    "idempotencyKey",
];

/// Body fields that name a job in the seeds' shapes, at the top level or one object down
/// (`jobData`, `message`, `headers`).
const ID_FIELDS: &[&str] = &[
    "export_id",
    "job_id",
    "jobId",
    "taskId",
    "task_id",
    "requestId",
    "request_id",
    "original_request_id",
    "change_number",
    "idempotencyKey",
];

/// Adds the job ids a JSON body carries. A scheduler idempotency key `<appName>-<id>` also
/// gives `<id>`, which is what the scheduler names the job by.
fn body_ids(value: Option<&[u8]>, ids: &mut BTreeSet<String>) {
    let Some(v) = value.and_then(|v| serde_json::from_slice::<serde_json::Value>(v).ok()) else {
        return;
    };
    let app = v.get("appName").and_then(|a| a.as_str()).unwrap_or("");
    let mut take = |o: &serde_json::Value| {
        for f in ID_FIELDS {
            if let Some(id) = o.get(*f).and_then(|x| x.as_str()).filter(|x| !x.is_empty()) {
                ids.insert(id.to_string());
                if let Some(rest) = id.strip_prefix(app).and_then(|r| r.strip_prefix('-')) {
                    if !app.is_empty() && !rest.is_empty() {
                        ids.insert(rest.to_string());
                    }
                }
            }
        }
    };
    take(&v);
    for inner in ["jobData", "message", "headers"] {
        if let Some(o) = v.get(inner).filter(|o| o.is_object()) {
            take(o);
        }
    }
}

/// Ids kept at most: a follow is about one job, not a filter.
const MAX_IDS: usize = 16;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Follow {
    /// What the health line calls it: the job id, else the key.
    pub label: String,
    pub ids: BTreeSet<String>,
    /// Records seen since the follow began.
    pub seen: u64,
}

impl Follow {
    /// Follows the job of `r`; `None` when the record names no job at all.
    pub fn of(r: &Record) -> Option<Follow> {
        let mut ids = BTreeSet::new();
        if let Some(j) = &r.decoded.job_id {
            ids.insert(j.clone());
        }
        if let Some(k) = r.key.as_deref().and_then(|k| std::str::from_utf8(k).ok()) {
            if !k.is_empty() {
                ids.insert(k.to_string());
            }
        }
        for h in &r.headers {
            if ID_HEADERS.iter().any(|n| h.key.eq_ignore_ascii_case(n)) {
                if let Some(v) = h.value_str().filter(|v| !v.is_empty()) {
                    ids.insert(v.to_string());
                }
            }
        }
        body_ids(r.value.as_deref(), &mut ids);
        let label = r
            .decoded
            .job_id
            .clone()
            .or_else(|| ids.iter().next().cloned())?;
        Some(Follow::of_ids(label, ids))
    }

    pub fn of_ids(label: String, ids: BTreeSet<String>) -> Follow {
        Follow {
            label,
            ids: ids.into_iter().take(MAX_IDS).collect(),
            seen: 0,
        }
    }

    pub fn matches(&self, r: &Record) -> bool {
        if r.decoded
            .job_id
            .as_ref()
            .is_some_and(|j| self.ids.contains(j))
        {
            return true;
        }
        if r.key
            .as_deref()
            .and_then(|k| std::str::from_utf8(k).ok())
            .is_some_and(|k| self.ids.contains(k))
        {
            return true;
        }
        r.headers.iter().any(|h| {
            ID_HEADERS.iter().any(|n| h.key.eq_ignore_ascii_case(n))
                && h.value_str().is_some_and(|v| self.ids.contains(v))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{to_record, Incoming};
    use crate::domain::Header;

    fn rec(key: &str, value: &str, headers: &[(&str, &str)]) -> Record {
        to_record(
            Incoming {
                topic: "t",
                partition: 0,
                offset: 0,
                timestamp_ms: None,
                key: Some(key.as_bytes()),
                value: Some(value.as_bytes()),
                headers: headers
                    .iter()
                    .map(|(k, v)| Header {
                        key: k.to_string(),
                        value: Some(v.as_bytes().to_vec()),
                    })
                    .collect(),
            },
            1024,
            false,
        )
    }

    #[test]
    fn a_job_is_followed_across_its_request_status_and_dlq_records() {
        let request = rec(
            "export-7",
            r#"{"requestId":"r-1","jobData":{"export_id":"export-7"}}"#,
            &[("correlation-id", "job-7")],
        );
        let f = Follow::of(&request).unwrap();
        assert!(f.ids.contains("export-7") && f.ids.contains("job-7") && f.ids.contains("r-1"));
        let status = rec(
            "other-key",
            r#"{"export_id":"export-7","status":"in_progress"}"#,
            &[],
        );
        let dlq = rec("k", "{}", &[("correlation-id", "job-7")]);
        let stranger = rec(
            "export-8",
            r#"{"export_id":"export-8"}"#,
            &[("correlation-id", "job-8")],
        );
        assert!(f.matches(&status));
        assert!(f.matches(&dlq));
        assert!(!f.matches(&stranger));
    }

    #[test]
    fn a_scheduler_request_is_followed_by_its_idempotency_key_without_the_app() {
        let request = rec(
            "sms-r1",
            r#"{"requestId":"r1","appName":"sms","idempotencyKey":"sms-k9","jobData":{}}"#,
            &[],
        );
        let f = Follow::of(&request).unwrap();
        let status = rec(
            "k9",
            r#"{"headers":{"taskId":"k9"},"message":{"taskId":"k9"}}"#,
            &[],
        );
        assert!(f.matches(&status), "{f:?}");
    }
}
