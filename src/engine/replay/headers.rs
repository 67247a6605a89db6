//! The replayed record's headers: the application's kept, the dead-letter diagnostics dropped
//! (unless configured otherwise), kdeck's provenance added.

use crate::domain::replay::{Coord, RetryCount};
use crate::domain::Header;

pub const RUN: &str = "kdeck-replay-run";
pub const SOURCE: &str = "kdeck-replay-source";
pub const AT: &str = "kdeck-replayed-at";
pub const BY: &str = "kdeck-replayed-by";
pub const COUNT: &str = "kdeck-replay-count";

const PROVENANCE: &[&str] = &[RUN, SOURCE, AT, BY, COUNT];

/// Header names (exact, any case) that only describe the failure.
const DIAGNOSTIC_NAMES: &[&str] = &[
    "dlq-original-topic",
    "dlq-original-partition",
    "dlq-original-offset",
    "dlq-error",
    "dlq-error-message",
    "dlq-reason",
    "dlq-failed-at",
    "original-topic",
    "original-partition",
    "original-offset",
    "error",
    "error-message",
    "retry_topic-attempts",
    "source_topic",
    "source_partition",
    "source_offset",
    "source_consumer_group",
    "source_attempts",
];

/// Header name prefixes (any case) of the dead-letter dialects kdeck knows.
const DIAGNOSTIC_PREFIXES: &[&str] = &[
    "kafka_dlt-",
    "kafka_original-",
    "kafka_exception-",
    "x-original-",
    "x-exception-",
    "dead-letter-",
    "__connect.errors.",
    "__streams.errors.",
    "__dlq.errors.",
];

const RETRY_COUNT: &[&str] = &["retry-count", "retry_count", "x-retry-count"];

/// Whether a header only describes the dead-lettering (origin, exception, stack trace).
/// The one place that decides it, so the list can follow `decode::dlq`'s dialects.
pub fn is_diagnostic(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    DIAGNOSTIC_NAMES.contains(&n.as_str()) || DIAGNOSTIC_PREFIXES.iter().any(|p| n.starts_with(p))
}

/// Provenance for one replayed record.
pub struct Provenance<'a> {
    pub run_id: &'a str,
    pub source: &'a Coord,
    pub at: &'a str,
    pub by: &'a str,
}

/// The headers the replayed record carries, in the DLQ record's order, provenance last.
pub fn replay_headers(
    dlq_headers: &[Header],
    keep_diagnostic: bool,
    retry: RetryCount,
    p: &Provenance<'_>,
) -> Vec<(String, Option<Vec<u8>>)> {
    let previous = dlq_headers
        .iter()
        .rev()
        .find(|h| h.key == COUNT)
        .and_then(|h| h.value_str())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let mut out: Vec<(String, Option<Vec<u8>>)> = Vec::with_capacity(dlq_headers.len() + 5);
    for h in dlq_headers {
        if PROVENANCE.contains(&h.key.as_str()) || (!keep_diagnostic && is_diagnostic(&h.key)) {
            continue;
        }
        let is_retry = RETRY_COUNT.iter().any(|r| h.key.eq_ignore_ascii_case(r));
        if is_retry && retry == RetryCount::Reset {
            out.push((h.key.clone(), Some(b"0".to_vec())));
        } else {
            out.push((h.key.clone(), h.value.clone()));
        }
    }
    let text = |s: String| Some(s.into_bytes());
    out.push((RUN.into(), text(p.run_id.to_string())));
    out.push((SOURCE.into(), text(p.source.to_string())));
    out.push((AT.into(), text(p.at.to_string())));
    out.push((BY.into(), text(p.by.to_string())));
    out.push((COUNT.into(), text((previous + 1).to_string())));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(k: &str, v: &[u8]) -> Header {
        Header {
            key: k.into(),
            value: Some(v.to_vec()),
        }
    }

    fn prov(c: &Coord) -> Provenance<'_> {
        Provenance {
            run_id: "r1",
            source: c,
            at: "2026-01-01T00:00:00Z",
            by: "me@host",
        }
    }

    #[test]
    fn drops_diagnostics_keeps_application_headers_adds_provenance() {
        let c = Coord::parse("dlq/2@41").unwrap();
        let hs = vec![
            h("event-type", b"export"),
            h("kafka_dlt-original-partition", &[0, 0, 0, 2]),
            h("__connect.errors.exception.message", b"boom"),
            h("correlation-id", b"c-1"),
            h("retry-count", b"3"),
            h("raw", &[0, 255]),
            h(COUNT, b"1"),
            h(RUN, b"old-run"),
        ];
        let out = replay_headers(&hs, false, RetryCount::Reset, &prov(&c));
        let names: Vec<&str> = out.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "event-type",
                "correlation-id",
                "retry-count",
                "raw",
                RUN,
                SOURCE,
                AT,
                BY,
                COUNT
            ]
        );
        let get = |k: &str| out.iter().find(|(n, _)| n == k).unwrap().1.clone().unwrap();
        assert_eq!(get("retry-count"), b"0");
        assert_eq!(get("raw"), vec![0, 255]);
        assert_eq!(get(SOURCE), b"dlq/2@41");
        assert_eq!(get(RUN), b"r1");
        assert_eq!(get(COUNT), b"2");
    }

    #[test]
    fn keeps_diagnostics_and_retry_count_when_configured() {
        let c = Coord::parse("a/b/0@1").unwrap();
        assert_eq!(c.topic, "a/b");
        let hs = vec![h("x-exception-message", b"m"), h("retry-count", b"3")];
        let out = replay_headers(&hs, true, RetryCount::Keep, &prov(&c));
        assert_eq!(out[0], ("x-exception-message".into(), Some(b"m".to_vec())));
        assert_eq!(out[1], ("retry-count".into(), Some(b"3".to_vec())));
        assert_eq!(out.last().unwrap().1.as_deref(), Some(&b"1"[..]));
    }

    #[test]
    fn knows_every_dialect() {
        for n in [
            "kafka_dlt-exception-fqcn",
            "kafka_original-topic",
            "x-original-offset",
            "dead-letter-reason",
            "__streams.errors.stacktrace",
            "__dlq.errors.delivery.count",
            "source_topic",
            "DLQ-Original-Topic",
        ] {
            assert!(is_diagnostic(n), "{n}");
        }
        for n in ["source", "event-type", "correlation-id", "retry-count"] {
            assert!(!is_diagnostic(n), "{n}");
        }
    }
}
