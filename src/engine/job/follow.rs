//! Following one job across panes: the ids that tie its records together (the decoder's job
//! id and what `domain::job::Identity` finds: key, correlation / request / trace id headers,
//! body ids). Records carrying any of them are highlighted wherever they arrive.

use super::{Identity, View};
use crate::domain::Record;
use std::collections::BTreeSet;

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
        let mut ids: Vec<String> = r.decoded.job_id.iter().cloned().collect();
        // A follow starts from one record the user picked: its key is a fair id here.
        let key = r.key.as_deref().and_then(|k| std::str::from_utf8(k).ok());
        let key = key.filter(|k| !k.is_empty()).map(str::to_string);
        for id in Identity::builtin().ids_of_record(r).into_iter().chain(key) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let label = ids.first().cloned()?;
        Some(Follow::of_ids(label, ids.into_iter().collect()))
    }

    pub fn of_ids(label: String, ids: BTreeSet<String>) -> Follow {
        Follow {
            label,
            ids: ids.into_iter().take(MAX_IDS).collect(),
            seen: 0,
        }
    }

    /// Runs for every arriving and every drawn record, so only the decoder's job id, the key
    /// and the headers are looked at: the value is not parsed again.
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
        let cheap = View {
            key: r.key.as_deref(),
            headers: &r.headers,
            value: None,
        };
        Identity::builtin()
            .ids(&cheap)
            .iter()
            .any(|id| self.ids.contains(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode::{to_record, Incoming};
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
