//! A Java service's job status in Avro (`job-status.avro`): the export jobs' progress, in the
//! schema registry's wire format, decoded on the demo with the schema file shipped in
//! `assets/schemas` (no registry needed).

use super::Job;
use crate::codec::schema::{Format, Parsed, Source};
use crate::domain::OutRecord;
use serde_json::json;
use std::sync::OnceLock;

pub const TOPIC: &str = "job-status.avro";
pub const SCHEMA: &str = include_str!("../../assets/schemas/job_status.avsc");
/// The id the records carry (a local file is matched by topic, not by id).
const ID: u32 = 1;

fn schema() -> Option<&'static Parsed> {
    static PARSED: OnceLock<Option<Parsed>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            Parsed::parse(&Source {
                format: Format::Avro,
                text: SCHEMA.to_string(),
                references: Vec::new(),
            })
            .ok()
        })
        .as_ref()
}

/// A record of the topic as JSON, the way the dashboard's reader decodes it (for the
/// simulator's tests, which feed the stuck-jobs tracker without a reader).
pub fn as_json(value: &[u8]) -> Option<Vec<u8>> {
    serde_json::to_vec(&schema()?.decode(value).ok()?).ok()
}

pub(super) fn job_status(job: &Job, progress: u8, now_ms: i64) -> Option<OutRecord> {
    let v = json!({
        "job_id": job.job_id,
        "status": "in_progress",
        "progress": progress,
        "org_id": job.org,
        "updated_at": now_ms,
        "trace_id": job.trace,
    });
    let value = schema()?.encode(ID, &v, None).ok()?;
    Some(OutRecord {
        topic: TOPIC.into(),
        key: Some(job.job_id.as_bytes().to_vec()),
        value: Some(value),
        headers: vec![(
            "content-type".into(),
            b"application/vnd.kafka.avro.v2".to_vec(),
        )],
        ..Default::default()
    })
}
