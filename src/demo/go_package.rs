//! The pipeline executor's Go Kafka package: the standard headers it puts on every record, and
//! the dead letters its consumers write (with the header dialect of the writer that failed).

use super::dead_letters::{demo_dialect, dialect_headers, Failure};
use super::{Flavor, Job};
use crate::domain::OutRecord;

/// The pipeline executor's Go package's standard headers.
pub(super) fn std_headers(
    event_id: &str,
    event_type: &str,
    correlation: &str,
    retries: u32,
    source: &str,
    ts: &str,
) -> Vec<(String, Vec<u8>)> {
    [
        ("event-id", event_id.to_string()),
        ("event-type", event_type.to_string()),
        ("correlation-id", correlation.to_string()),
        ("schema-version", "v1".to_string()),
        ("source", source.to_string()),
        ("timestamp", ts.to_string()),
        ("retry-count", retries.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_bytes()))
    .collect()
}

pub(super) fn dlq_record(job: &Job, now: &str, event_id: &str, corrupt: bool) -> OutRecord {
    let (topic, source) = match job.flavor {
        Flavor::Poison => ("scheduler.jobs.dlq", "infinite-scheduler"),
        Flavor::Crawl => ("dlq-domain-services", "crawler-worker"),
        _ => ("dlq-domain-services", "export-worker"),
    };
    // The failed request's own headers travel with it, as every dead-letter writer keeps them.
    let mut headers = std_headers(event_id, "job.failed", &job.job_id, 3, source, now);
    let mut error = job.error.unwrap_or("processing failed").to_string();
    // Now and then a poison payload that is not even JSON, as real DLQs get.
    let value = if job.flavor == Flavor::Poison && corrupt {
        error = "deserialization failed: invalid UTF-8 at byte 0".into();
        let mut v = vec![0xff, 0xfe, 0x00, 0x9c];
        v.extend_from_slice(&job.request[..job.request.len().min(40)]);
        v
    } else {
        job.request.clone()
    };
    let failure = Failure {
        origin: job.request_pos.unwrap_or((-1, -1)),
        topic: job.request_topic,
        error,
        started_ms: job.started_ms,
        group: source,
        now,
    };
    headers.extend(dialect_headers(demo_dialect(&job.job_id), &failure));
    OutRecord {
        topic: topic.into(),
        key: Some(job.key.as_bytes().to_vec()),
        value: Some(value),
        headers,
        ..Default::default()
    }
}
