use super::*;
use crate::domain::{Header, PayloadKind, StatusClass};

fn h(k: &str, v: &str) -> Header {
    Header {
        key: k.into(),
        value: Some(v.as_bytes().to_vec()),
    }
}

#[test]
fn export_completion() {
    let v = br#"{"export_id":"export-123-456-789","job_id":"job-abc-def-ghi","org_id":"org-customer-001","status":"complete","completed_at":"2024-01-15T10:30:00Z","download_url":"https://x/e","error_message":""}"#;
    let d = decode(
        Some(b"export-123-456-789"),
        Some(v),
        &[
            h("event_type", "export_completion"),
            h("org_id", "org-customer-001"),
        ],
        false,
    );
    assert_eq!(d.kind, PayloadKind::Json);
    assert_eq!(d.event_type.as_deref(), Some("export_completion"));
    assert_eq!(d.status.as_deref(), Some("complete"));
    assert_eq!(d.status_class, StatusClass::Ok);
    assert_eq!(d.job_id.as_deref(), Some("export-123-456-789"));
    assert!(d.summary.contains("job job-abc-def-ghi"), "{}", d.summary);
    assert!(d.summary.contains("org org-customer-001"), "{}", d.summary);
}

#[test]
fn failed_export_shows_its_error() {
    let v = br#"{"export_id":"e1","job_id":"j1","org_id":"o","status":"failed","completed_at":"2024-01-15T10:30:00Z","error_message":"disk full"}"#;
    let d = decode(None, Some(v), &[], false);
    assert_eq!(d.status_class, StatusClass::Failed);
    assert!(d.summary.ends_with("disk full"), "{}", d.summary);
}

#[test]
fn portal_status_and_completion() {
    let status = br#"{"event_id":"status_CHG-1","event_type":"task_status_update","change_number":"CHG-2024-001234","request_id":"status_update_CHG","timestamp":"2024-07-09T14:30:15.123456Z","user_id":null,"source":"franc-portal","original_request_id":"device_conn_CHG-2024-001234","status":"in_progress","progress_percentage":65,"status_message":"Configuring interfaces on device NYC-Core-SW01","error_details":null,"estimated_completion":"2024-07-09T14:35:00.000000Z"}"#;
    let d = decode(Some(b"CHG-2024-001234"), Some(status), &[], false);
    assert_eq!(d.event_type.as_deref(), Some("task_status_update"));
    assert_eq!(d.status_class, StatusClass::Progress);
    // The key (the change number) has its own column: the summary does not repeat it.
    assert_eq!(
        d.summary,
        "65% Configuring interfaces on device NYC-Core-SW01"
    );
    let unkeyed = decode(None, Some(status), &[], false);
    assert_eq!(
        unkeyed.summary,
        "CHG-2024-001234 65% Configuring interfaces on device NYC-Core-SW01"
    );

    let done = br#"{"event_type":"task_completion","change_number":"CHG-2024-001234","completion_status":"completed","completion_message":"Device connected","execution_duration":180.5}"#;
    let d = decode(None, Some(done), &[], false);
    assert_eq!(d.status.as_deref(), Some("completed"));
    assert_eq!(d.status_class, StatusClass::Ok);
    assert_eq!(d.latency_ms, Some(180_500));
    assert_eq!(d.latency_basis, Some(("execution_duration", "")));
}

#[test]
fn scheduler_request() {
    let v = br#"{"requestId":"r1","appName":"sms","scheduledTime":"2025-01-01T10:00:00","jobData":{},"priority":"high","idempotencyKey":"unique-key-123"}"#;
    let d = decode(Some(b"sms-1"), Some(v), &[], false);
    assert_eq!(
        d.summary,
        "sms at 2025-01-01T10:00:00 prio high idem unique-key-123"
    );
    assert_eq!(d.job_id.as_deref(), Some("r1"));
}

#[test]
fn task_manager_envelope() {
    let v = br#"{"headers":{"taskId":"t-1","taskType":"web-crawl","timestamp":"2024-01-01T00:00:00.000Z","traceId":"a","spanId":"b"},"message":{"taskId":"t-1","status":"error","error":"Network timeout occurred","finishedAt":"2024-01-01T00:00:05.000Z"}}"#;
    let keyed = decode(Some(b"t-1"), Some(v), &[], false);
    assert_eq!(keyed.summary, "Network timeout occurred");
    let d = decode(None, Some(v), &[], false);
    assert_eq!(d.event_type.as_deref(), Some("web-crawl"));
    assert_eq!(d.status_class, StatusClass::Failed);
    assert_eq!(d.job_id.as_deref(), Some("t-1"));
    assert_eq!(d.summary, "task t-1 Network timeout occurred");
}

#[test]
fn latency_from_request_and_finish_fields() {
    let v = br#"{"message":{"taskId":"t","status":"completed","requestedAt":"2024-01-01T00:00:00.000Z","finishedAt":"2024-01-01T00:00:02.500Z"},"headers":{"taskId":"t"}}"#;
    let d = decode(None, Some(v), &[], false);
    assert_eq!(d.latency_ms, Some(2500));
    assert_eq!(d.latency_basis, Some(("requestedAt", "finishedAt")));
}

#[test]
fn go_package_headers_and_dlq_origin() {
    let headers = vec![
        h("event-id", "e-1"),
        h("event-type", "booking.create.requested"),
        h("correlation-id", "corr-abc-123"),
        h("retry-count", "3"),
        h("source", "pipeline-executor"),
        h("timestamp", "2025-11-18T15:00:00Z"),
        h("dlq-original-topic", "pipeline-executor-to-bookings"),
        h("dlq-original-partition", "2"),
        h("dlq-original-offset", "1234"),
        h("dlq-error", "connection refused"),
    ];
    let v = br#"{"action":"create_booking","params":{"user_phone":"+972501234567"}}"#;
    let d = decode(Some(b"booking-12345"), Some(v), &headers, true);
    assert_eq!(d.event_type.as_deref(), Some("booking.create.requested"));
    assert_eq!(d.status_class, StatusClass::Failed);
    assert_eq!(d.job_id.as_deref(), Some("corr-abc-123"));
    let o = d.dlq.expect("dlq origin");
    assert_eq!(o.topic.as_deref(), Some("pipeline-executor-to-bookings"));
    assert_eq!(o.partition, Some(2));
    assert_eq!(o.offset, Some(1234));
    assert_eq!(o.retry_count, Some(3));
    assert_eq!(o.error.as_deref(), Some("connection refused"));
    assert!(
        d.summary
            .starts_with("✗ connection refused · create_booking"),
        "{}",
        d.summary
    );
}

/// The headers of a record the pipeline executor's Go package dead-lettered: its standard headers, then the
/// four its consumer's sendToDLQ adds (`dlq-timestamp` is Go's time.RFC3339, local offset).
fn go_package_dlq_headers() -> Vec<Header> {
    vec![
        h("event-id", "e-7"),
        h("event-type", "booking.create.requested"),
        h("correlation-id", "corr-abc-123"),
        h("schema-version", "v1"),
        h("source", "pipeline-executor"),
        h("timestamp", "2025-11-18T15:00:00Z"),
        h("retry-count", "3"),
        h("original-topic", "pipeline-executor-to-bookings"),
        h("dlq-error", "connection refused"),
        h("dlq-timestamp", "2025-11-18T17:00:05+02:00"),
        h("dlq-consumer-group", "bookings-service-consumer-group"),
    ]
}

#[test]
fn go_package_dlq_writer_headers_decode_by_meaning() {
    let v = br#"{"action":"create_booking","params":{"user_phone":"+972501234567"}}"#;
    let d = decode(
        Some(b"booking-12345"),
        Some(v),
        &go_package_dlq_headers(),
        true,
    );
    let o = d.dlq.expect("dlq origin");
    assert_eq!(o.dialect, Some(crate::domain::DlqDialect::GoPackage));
    assert_eq!(o.topic.as_deref(), Some("pipeline-executor-to-bookings"));
    assert_eq!(o.error.as_deref(), Some("connection refused"));
    assert_eq!(
        o.failed_at_ms,
        Some(
            chrono::DateTime::parse_from_rfc3339("2025-11-18T15:00:05Z")
                .unwrap()
                .timestamp_millis()
        )
    );
    assert_eq!(
        o.consumer_group.as_deref(),
        Some("bookings-service-consumer-group")
    );
    assert_eq!(o.retry_count, Some(3));
    assert!(o.undecoded.is_empty(), "{:?}", o.undecoded);
    // The detail view names them by meaning, not only as raw headers.
    let rows = dlq::describe(&o);
    let row = |label: &str| {
        rows.iter()
            .find(|(l, _)| *l == label)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        row("dlq origin"),
        Some("pipeline-executor-to-bookings (partition/offset unknown)")
    );
    assert_eq!(row("dlq error"), Some("connection refused"));
    assert_eq!(row("failed at"), Some("2025-11-18T15:00:05.000Z"));
    assert_eq!(
        row("consumer group"),
        Some("bookings-service-consumer-group")
    );
    assert_eq!(
        row("dlq written by"),
        Some("pipeline executor's Go package")
    );
}

/// Every name of the table decodes into the field of its meaning: decoding reads the table,
/// so no name is known to replay and unknown to the detail view.
#[test]
fn every_name_in_the_header_table_decodes_by_its_meaning() {
    use dlq::headers::{all, Meaning::*};
    for n in all() {
        let value = match n.meaning {
            OriginPartition | OriginOffset | Attempts => "7",
            OriginTimestamp | FailedAt => "2025-01-01T00:00:00Z",
            _ => "some text",
        };
        let o = dlq::origin(&[h(&n.name.to_ascii_uppercase(), value)], None);
        let set = match n.meaning {
            OriginTopic => o.topic.is_some(),
            OriginPartition => o.partition.is_some(),
            OriginOffset => o.offset.is_some(),
            OriginTimestamp => o.original_timestamp_ms.is_some(),
            FailedAt => o.failed_at_ms.is_some(),
            Error => o.error.is_some(),
            ErrorClass => o.exception_class.is_some(),
            CauseClass => o.cause_class.is_some(),
            Cause => o.cause.is_some(),
            StackTrace => o.stacktrace.is_some(),
            Attempts => o.retry_count.is_some(),
            ConsumerGroup => o.consumer_group.is_some(),
            Component => o.component.is_some(),
        };
        assert!(set, "{} ({:?}): {o:?}", n.name, n.meaning);
        let label = n.meaning.label();
        assert!(
            dlq::describe(&o).iter().any(|(l, _)| *l == label),
            "{}: no {label:?} row",
            n.name
        );
    }
}

/// A fixture: headers as a writer sends them (text, or `{"hex": ...}` for binary), an
/// optional JSON value, and the fields of `DlqOrigin` it must decode to.
fn fixture_headers(f: &serde_json::Value) -> Vec<Header> {
    f["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            let value = match &pair[1] {
                serde_json::Value::String(s) => s.as_bytes().to_vec(),
                v => hex_bytes(v["hex"].as_str().unwrap()),
            };
            Header {
                key: pair[0].as_str().unwrap().to_string(),
                value: Some(value),
            }
        })
        .collect()
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn fixtures() -> Vec<(String, serde_json::Value)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/dlq");
    let mut out: Vec<(String, serde_json::Value)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let text = std::fs::read_to_string(&p).unwrap();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_dead_letter_dialect_decodes_by_meaning() {
    let mut dialects = std::collections::BTreeSet::new();
    for (name, f) in fixtures() {
        let headers = fixture_headers(&f);
        let value = f.get("value").map(|v| serde_json::to_vec(v).unwrap());
        let d = decode(Some(b"k"), value.as_deref(), &headers, true);
        let o = d.dlq.expect("a DLQ record has an origin");
        let got = serde_json::to_value(&o).unwrap();
        for (field, want) in f["expect"].as_object().unwrap() {
            assert_eq!(&got[field], want, "{name}: field {field}: {got:#}");
        }
        if let Some(dl) = o.dialect {
            dialects.insert(dl.name());
        }
        // The detail view names the origin whenever a topic was found.
        let rows = dlq::describe(&o);
        assert_eq!(rows[0].0, "dlq origin");
        assert_eq!(
            rows[0].1 == "(no origin headers)",
            o.topic.is_none(),
            "{name}: {rows:?}"
        );
    }
    assert_eq!(dialects.len(), 9, "one fixture per dialect: {dialects:?}");
}

#[test]
fn binary_spring_numbers_and_text_numbers_agree() {
    let bin = vec![
        h("kafka_dlt-original-topic", "orders"),
        Header {
            key: "kafka_dlt-original-partition".into(),
            value: Some(5i32.to_be_bytes().to_vec()),
        },
        Header {
            key: "kafka_dlt-original-offset".into(),
            value: Some(77i64.to_be_bytes().to_vec()),
        },
        h("kafka_dlt-exception-message", "boom"),
    ];
    let text = vec![
        h("kafka_dlt-original-topic", "orders"),
        h("kafka_dlt-original-partition", "5"),
        h("kafka_dlt-original-offset", "77"),
        h("kafka_dlt-exception-message", "boom"),
    ];
    let (a, b) = (dlq::origin(&bin, None), dlq::origin(&text, None));
    assert_eq!(a, b);
    assert_eq!((a.partition, a.offset), (Some(5), Some(77)));
    // A negative binary partition is not a partition: kept raw, not turned into a number.
    let neg = vec![Header {
        key: "kafka_dlt-original-offset".into(),
        value: Some((-7i64).to_be_bytes().to_vec()),
    }];
    let o = dlq::origin(&neg, None);
    assert_eq!(o.offset, None);
    assert_eq!(o.undecoded.len(), 1, "{o:?}");
}

#[test]
fn reason_text_leads_with_the_short_exception_class() {
    let o = dlq::origin(
        &[
            h(
                "__streams.errors.exception",
                "org.apache.kafka.common.errors.SerializationException",
            ),
            h("__streams.errors.message", "bad size"),
        ],
        None,
    );
    assert_eq!(
        dlq::reason_text(&o).as_deref(),
        Some("SerializationException: bad size")
    );
    let d = decode(None, Some(b"x"), &[h("dead-letter-reason", "nope")], true);
    assert!(d.summary.starts_with("✗ nope · "), "{}", d.summary);
}

#[test]
fn diagnostic_headers_are_the_writers_not_the_applications() {
    let names = dlq::diagnostic_header_names();
    for (name, f) in fixtures() {
        for hd in fixture_headers(&f) {
            let standard = [
                "event-id",
                "event-type",
                "correlation-id",
                "schema-version",
                "source",
                "timestamp",
                "retry-count",
            ];
            assert_eq!(
                dlq::is_diagnostic_header(&hd.key),
                !standard.contains(&hd.key.as_str()),
                "{name}: {}",
                hd.key
            );
        }
    }
    assert!(names.contains(&"kafka_dlt-original-partition"));
    assert!(names.contains(&"dead-letter-reason"));
    assert!(names.contains(&"__dlq.errors.delivery.count"));
    assert!(!names.contains(&"retry-count") && !names.contains(&"source"));
    assert!(dlq::is_diagnostic_header("KAFKA_DLT-ORIGINAL-TOPIC"));
    assert!(!dlq::is_diagnostic_header("content-type"));
}

#[test]
fn dlq_error_falls_back_to_payload() {
    let v = super::json::Obj::parse(br#"{"error": "schema mismatch"}"#).unwrap();
    let o = dlq::origin(&[], Some(&v));
    assert_eq!(o.error.as_deref(), Some("schema mismatch"));
}

#[test]
fn reason_key_masks_numbers() {
    assert_eq!(
        dlq::reason_key("timeout after 3012ms on 10.0.0.1"),
        dlq::reason_key("timeout after 5000ms on 10.0.0.7")
    );
    assert_ne!(dlq::reason_key("timeout"), dlq::reason_key("refused"));
}

#[test]
fn hostile_values() {
    // Tombstone.
    let d = decode(Some(b"k"), None, &[], false);
    assert_eq!(d.kind, PayloadKind::Null);
    assert!(d.summary.contains("tombstone"));
    // Empty.
    assert_eq!(decode(None, Some(b""), &[], false).kind, PayloadKind::Empty);
    // Invalid UTF-8.
    let d = decode(None, Some(&[0xff, 0xfe, 0x00, 0x41]), &[], false);
    assert_eq!(d.kind, PayloadKind::Binary);
    assert!(
        d.summary.starts_with("<binary 4 B> 0xfffe0041"),
        "{}",
        d.summary
    );
    // Invalid JSON that is text.
    let d = decode(None, Some(b"{\"oops\": \nnot json"), &[], false);
    assert_eq!(d.kind, PayloadKind::Text);
    assert_eq!(d.summary, "{\"oops\": not json");
    // Non-object JSON.
    let d = decode(None, Some(b"[1,2,3]"), &[], false);
    assert_eq!(d.kind, PayloadKind::Json);
    assert_eq!(d.summary, "[1,2,3]");
    // Invalid UTF-8 in headers does not break anything.
    let hs = vec![Header {
        key: "event-type".into(),
        value: Some(vec![0xc3, 0x28]),
    }];
    let d = decode(None, Some(b"{}"), &hs, true);
    assert_eq!(d.event_type, None);
    assert!(d.dlq.is_some());
}

#[test]
fn five_megabyte_value_is_decoded_and_capped() {
    let mut big = b"{\"export_id\":\"e\",\"status\":\"complete\",\"blob\":\"".to_vec();
    big.extend(std::iter::repeat_n(b'x', 5 * 1024 * 1024));
    big.extend_from_slice(b"\"}");
    let rec = to_record(
        Incoming {
            topic: "t",
            partition: 0,
            offset: 1,
            timestamp_ms: Some(0),
            key: None,
            value: Some(&big),
            headers: vec![],
        },
        1 << 20,
        false,
    );
    assert_eq!(rec.value_size, big.len());
    assert_eq!(rec.value.as_ref().unwrap().len(), 1 << 20);
    assert!(rec.truncated());
    assert_eq!(rec.decoded.status_class, StatusClass::Ok);
    assert!(rec.decoded.summary.chars().count() <= SUMMARY_MAX + 1);
}

#[test]
fn pretty_value_forms() {
    assert_eq!(
        pretty_value(Some(br#"{"a":1}"#), 10),
        vec!["{", "  \"a\": 1", "}"]
    );
    assert_eq!(
        pretty_value(Some(b"plain\ntext"), 10),
        vec!["plain", "text"]
    );
    let hex = pretty_value(Some(&[0xff, 0x00, b'A']), 10);
    assert_eq!(hex, vec![format!("00000000  {:<47}  ..A", "ff 00 41")]);
    assert_eq!(pretty_value(None, 10), vec!["(null value: tombstone)"]);
}

#[test]
fn status_words() {
    for (w, c) in [
        ("complete", StatusClass::Ok),
        ("Completed", StatusClass::Ok),
        ("in_progress", StatusClass::Progress),
        ("in-progress", StatusClass::Progress),
        ("error", StatusClass::Failed),
        ("failed", StatusClass::Failed),
        ("new", StatusClass::Pending),
        ("whatever", StatusClass::Unknown),
    ] {
        assert_eq!(StatusClass::from_word(w), c, "{w}");
    }
}

proptest::proptest! {
    /// The plain-ASCII shortcut gives what the character walk gives.
    #[test]
    fn one_line_shortcut_agrees_with_the_walk(s in "[ a-z\t\n~é]{0,12}", max in 0usize..14) {
        proptest::prop_assert_eq!(super::one_line(&s, max), super::one_line_walk(&s, max));
    }
}
