//! Where a dead-lettered record came from. Understands the header names of the seed's Go
//! package (and kdeck's own demo), Spring Kafka's DLT and Kafka Connect's error reporter.

use crate::domain::{DlqOrigin, Header};
use serde_json::Value;

pub const ORIGIN_TOPIC: &[&str] = &[
    "dlq-original-topic",
    "original-topic",
    "x-original-topic",
    "kafka_dlt-original-topic",
    "__connect.errors.topic",
];
pub const ORIGIN_PARTITION: &[&str] = &[
    "dlq-original-partition",
    "original-partition",
    "x-original-partition",
    "kafka_dlt-original-partition",
    "__connect.errors.partition",
];
pub const ORIGIN_OFFSET: &[&str] = &[
    "dlq-original-offset",
    "original-offset",
    "x-original-offset",
    "kafka_dlt-original-offset",
    "__connect.errors.offset",
];
pub const ERROR: &[&str] = &[
    "dlq-error",
    "dlq-error-message",
    "error",
    "error-message",
    "x-exception-message",
    "kafka_dlt-exception-message",
    "__connect.errors.exception.message",
];
pub const RETRY_COUNT: &[&str] = &["retry-count", "retry_count", "x-retry-count"];

/// JSON fields that carry the failure when the headers do not.
const ERROR_FIELDS: &[&str] = &[
    "error",
    "error_message",
    "errorMessage",
    "reason",
    "error_details",
];

pub fn origin(headers: &[Header], json: Option<&Value>) -> DlqOrigin {
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().find(|h| h.key.eq_ignore_ascii_case(n)))
            .and_then(|h| h.value.as_deref())
    };
    let text = |names: &[&str]| {
        find(names)
            .and_then(|v| std::str::from_utf8(v).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let body = json.and_then(|v| {
        v.get("message")
            .filter(|m| m.is_object() && v.get("headers").is_some())
            .or(Some(v))
    });
    let error = text(ERROR).or_else(|| {
        body.and_then(|b| {
            ERROR_FIELDS.iter().find_map(|f| match b.get(*f) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(v @ Value::Object(_)) => Some(v.to_string()),
                _ => None,
            })
        })
    });
    DlqOrigin {
        topic: text(ORIGIN_TOPIC),
        partition: find(ORIGIN_PARTITION)
            .and_then(int_header)
            .map(|v| v as i32),
        offset: find(ORIGIN_OFFSET).and_then(int_header),
        error,
        retry_count: find(RETRY_COUNT).and_then(int_header).map(|v| v as u32),
    }
}

/// Integers arrive as decimal text (most clients) or big-endian binary (Spring's DLT).
fn int_header(v: &[u8]) -> Option<i64> {
    if let Some(n) = std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
    {
        return Some(n);
    }
    match v.len() {
        4 => Some(i32::from_be_bytes(v.try_into().ok()?) as i64),
        8 => Some(i64::from_be_bytes(v.try_into().ok()?)),
        _ => None,
    }
}

/// A short, stable form of an error message, for grouping DLQ records by reason:
/// numbers and ids are masked so "timeout after 3012ms" and "timeout after 5000ms" group together.
pub fn reason_key(error: &str) -> String {
    let mut out = String::new();
    let mut in_num = false;
    for c in error.chars().take(120) {
        if c.is_ascii_digit() {
            if !in_num {
                out.push('#');
            }
            in_num = true;
        } else {
            in_num = false;
            out.push(c);
        }
    }
    out.trim().to_string()
}

/// The masked failure reason of a DLQ record, which groups like failures together: the
/// exception class (when a header names one) and the message, numbers masked.
pub fn record_reason(r: &crate::domain::Record) -> Option<String> {
    let origin = r.decoded.dlq.as_ref()?;
    let error = origin.error.as_deref()?;
    Some(reason_key(error))
}
