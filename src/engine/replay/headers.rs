//! The replayed record's headers: the application's kept, the dead-letter diagnostics dropped
//! (unless configured otherwise), kdeck's provenance added.

use crate::codec::decode::dlq::headers as dlq_headers;
use crate::domain::replay::{Coord, RetryCount};
use crate::domain::Header;

pub const RUN: &str = "kdeck-replay-run";
pub const SOURCE: &str = "kdeck-replay-source";
pub const AT: &str = "kdeck-replayed-at";
pub const BY: &str = "kdeck-replayed-by";
pub const COUNT: &str = "kdeck-replay-count";

const PROVENANCE: &[&str] = &[RUN, SOURCE, AT, BY, COUNT];

/// Whether a header only describes the dead-lettering (origin, error, exception, stack trace,
/// failure time, consumer group...): decided by the codec's one table of dead-letter header
/// names (`codec::decode::dlq::headers`), the same that decodes them, so the two cannot drift.
pub fn is_diagnostic(name: &str) -> bool {
    dlq_headers::is_diagnostic(name)
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
        let is_retry = dlq_headers::is_retry_count(&h.key);
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

    /// A record the pipeline executor's Go package dead-lettered: its application headers, then the four
    /// its DLQ writer adds.
    const GO_APPLICATION: &[(&str, &str)] = &[
        ("event-id", "e-7"),
        ("event-type", "booking.create.requested"),
        ("correlation-id", "corr-abc-123"),
        ("schema-version", "v1"),
        ("source", "pipeline-executor"),
        ("timestamp", "2025-11-18T15:00:00Z"),
    ];
    const GO_DLQ: &[(&str, &str)] = &[
        ("original-topic", "pipeline-executor-to-bookings"),
        ("dlq-error", "connection refused"),
        ("dlq-timestamp", "2025-11-18T17:00:05+02:00"),
        ("dlq-consumer-group", "bookings-service-consumer-group"),
    ];

    #[test]
    fn go_package_dlq_headers_are_dropped_and_kept_when_configured() {
        let c = Coord::parse("dlq-domain-services/0@5").unwrap();
        let hs: Vec<Header> = GO_APPLICATION
            .iter()
            .chain(GO_DLQ)
            .map(|(k, v)| h(k, v.as_bytes()))
            .collect();
        let out = replay_headers(&hs, false, RetryCount::Reset, &prov(&c));
        let names: Vec<&str> = out.iter().map(|(k, _)| k.as_str()).collect();
        let mut want: Vec<&str> = GO_APPLICATION.iter().map(|(k, _)| *k).collect();
        want.extend([RUN, SOURCE, AT, BY, COUNT]);
        assert_eq!(names, want);
        for (k, v) in GO_APPLICATION {
            let got = out.iter().find(|(n, _)| n == k).unwrap();
            assert_eq!(got.1.as_deref(), Some(v.as_bytes()), "{k}");
        }

        let kept = replay_headers(&hs, true, RetryCount::Reset, &prov(&c));
        for (k, v) in GO_DLQ {
            let got = kept.iter().find(|(n, _)| n == k);
            assert_eq!(got.and_then(|g| g.1.as_deref()), Some(v.as_bytes()), "{k}");
        }
    }

    /// Every name of the codec's dead-letter table, in any case: a diagnostic is dropped on
    /// replay (kept with keep_diagnostic), an application header is kept. The drop list is
    /// the table, so the two can never drift apart again.
    #[test]
    fn every_name_in_the_dlq_header_table_is_dropped_on_replay() {
        use dlq_headers::{all, Role, RESERVED_PREFIXES};
        let c = Coord::parse("dlq/0@1").unwrap();
        let mut diagnostics = 0;
        for n in all() {
            for name in [n.name.to_string(), n.name.to_ascii_uppercase()] {
                let hs = vec![h("event-type", b"x"), h(&name, b"7")];
                let out = replay_headers(&hs, false, RetryCount::Keep, &prov(&c));
                let carried = out.iter().any(|(k, _)| *k == name);
                assert_eq!(carried, n.role == Role::Application, "{name}");
                assert!(out.iter().any(|(k, _)| k == "event-type"), "{name}");
                let kept = replay_headers(&hs, true, RetryCount::Keep, &prov(&c));
                assert!(kept.iter().any(|(k, _)| *k == name), "{name} with keep");
            }
            diagnostics += usize::from(n.role == Role::Diagnostic);
        }
        assert!(diagnostics > 60, "{diagnostics} diagnostic names");
        for p in RESERVED_PREFIXES {
            let name = format!("{p}added-later");
            let hs = vec![h(&name, b"v")];
            let out = replay_headers(&hs, false, RetryCount::Keep, &prov(&c));
            assert!(!out.iter().any(|(k, _)| *k == name), "{name}");
        }
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
            "dlq-timestamp",
            "dlq-consumer-group",
            "dlq-error-type",
            "retry_topic-original-timestamp",
        ] {
            assert!(is_diagnostic(n), "{n}");
        }
        for n in ["source", "event-type", "correlation-id", "retry-count"] {
            assert!(!is_diagnostic(n), "{n}");
        }
    }
}
