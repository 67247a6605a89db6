use super::*;
use crate::codec::decode::{to_record, Incoming};
use crate::domain::Header;

const STATUS: &[u8] = br#"{"event_id":"status_CHG-1","event_type":"task_status_update","change_number":"CHG-2024-001234","status":"in_progress","progress_percentage":65,"status_message":"Configuring interfaces"}"#;
const FAILED: &[u8] = br#"{"export_id":"export-42","job_id":"job-42","status":"failed","progress_percentage":10,"error":"disk full"}"#;

fn hdr(k: &str, v: &[u8]) -> Header {
    Header {
        key: k.into(),
        value: Some(v.to_vec()),
    }
}

fn rec(key: Option<&[u8]>, value: Option<&[u8]>, headers: Vec<Header>) -> Record {
    to_record(
        Incoming {
            topic: "scheduler.jobs.status",
            partition: 2,
            offset: 77,
            timestamp_ms: Some(1_720_535_415_123),
            key,
            value,
            headers,
        },
        1 << 20,
        false,
    )
}

fn m(expr: &str, r: &Record) -> bool {
    Expr::compile(expr).expect(expr).matches(r)
}

#[test]
fn status_equals() {
    let failed = rec(Some(b"export-42"), Some(FAILED), vec![]);
    let running = rec(Some(b"CHG-2024-001234"), Some(STATUS), vec![]);
    assert!(m(r#".value.status == "failed""#, &failed));
    assert!(!m(r#".value.status == "failed""#, &running));
}

#[test]
fn header_equals() {
    let h = vec![hdr("org_id", b"org-customer-001"), hdr("trace", b"t1")];
    let r = rec(None, Some(STATUS), h);
    assert!(m(r#".headers.org_id == "org-customer-001""#, &r));
    assert!(!m(r#".headers.org_id == "org-customer-002""#, &r));
    let bare = rec(None, Some(STATUS), vec![]);
    assert!(!m(r#".headers.org_id == "org-customer-001""#, &bare));
}

#[test]
fn numeric_comparison() {
    let running = rec(None, Some(STATUS), vec![]);
    let failed = rec(None, Some(FAILED), vec![]);
    assert!(m(".value.progress_percentage > 50", &running));
    assert!(!m(".value.progress_percentage > 50", &failed));
}

#[test]
fn key_regex() {
    let e = Expr::compile(r#"(.key | test("^export-"))"#).unwrap();
    assert!(e.matches(&rec(Some(b"export-42"), Some(FAILED), vec![])));
    assert!(!e.matches(&rec(Some(b"job-export-42"), Some(FAILED), vec![])));
    // A key that is JSON (a number) makes `test` fail: no match, and the error says why.
    let numeric = rec(Some(b"42"), Some(FAILED), vec![]);
    assert!(!e.matches(&numeric));
    let err = e.eval(&numeric).unwrap_err();
    assert!(err.starts_with("the filter failed"), "{err}");
}

#[test]
fn record_fields() {
    let r = rec(Some(b"k"), Some(STATUS), vec![]);
    assert!(m(r#".topic == "scheduler.jobs.status""#, &r));
    assert!(m(".partition == 2 and .offset == 77", &r));
    assert!(m(".timestamp == 1720535415123", &r));
    assert!(m(r#".key == "k""#, &r));
    // Any truthy output matches; null and false do not.
    assert!(m(".value.status", &r));
    assert!(!m(".value.missing", &r));
    assert!(!m("false, null", &r));
    assert!(m("false, 1", &r));
    assert!(!m("empty", &r));
}

#[test]
fn invalid_expressions_say_what_and_where() {
    let e = Expr::compile(".value.status ==").unwrap_err();
    assert!(e.starts_with("invalid filter: expected"), "{e}");
    assert!(e.contains("column"), "{e}");
    let e = Expr::compile(r#".value | nosuchfn("x")"#).unwrap_err();
    assert!(e.contains("unknown filter \"nosuchfn\""), "{e}");
    assert!(e.contains("column 10"), "{e}");
    let e = Expr::compile("$undefined").unwrap_err();
    assert!(e.contains("unknown variable"), "{e}");
    let e = Expr::compile("(.a").unwrap_err();
    assert!(e.starts_with("invalid filter"), "{e}");
    assert_eq!(Expr::compile("   ").unwrap_err(), "the filter is empty");
}

#[test]
fn binary_headers_are_hex() {
    let r = rec(
        None,
        Some(STATUS),
        vec![
            hdr("sig", &[0x00, 0xff, 0x10]),
            Header {
                key: "empty".into(),
                value: None,
            },
        ],
    );
    assert!(m(r#".headers.sig == "00ff10""#, &r));
    assert!(m(".headers.empty == null", &r));
    assert!(m(r#".headers | has("empty")"#, &r));
}

#[test]
fn non_json_values_are_text() {
    let r = rec(Some(b"plain key"), Some(b"status=failed; not json"), vec![]);
    assert!(m(r#".value | contains("failed")"#, &r));
    assert!(m(r#".value | type == "string""#, &r));
    assert!(m(r#".key == "plain key""#, &r));
    let bin = rec(None, Some(&[0xde, 0xad, 0xbe, 0xef]), vec![]);
    assert!(m(r#".value == "deadbeef""#, &bin));
    let none = rec(None, None, vec![]);
    assert!(m(".value == null and .key == null", &none));
}

/// A record of only a value, stored up to `cap` bytes.
fn bare_record(value: &[u8], cap: usize) -> Record {
    let inc = Incoming {
        topic: "t",
        partition: 0,
        offset: 0,
        timestamp_ms: None,
        key: None,
        value: Some(value),
        headers: vec![],
    };
    to_record(inc, cap, false)
}

#[test]
fn truncated_json_value_is_text() {
    let r = bare_record(FAILED, 20);
    assert!(m(r#".value | type == "string""#, &r));
}

#[test]
fn quick_filter_is_case_insensitive_over_key_headers_value() {
    let r = rec(
        Some(b"Export-42"),
        Some(FAILED),
        vec![hdr("org_id", b"ORG-Customer-001")],
    );
    assert!(Quick::new("export-42").matches(&r));
    assert!(Quick::new("DISK FULL").matches(&r));
    assert!(Quick::new("customer-001").matches(&r));
    assert!(Quick::new("org_ID").matches(&r));
    assert!(!Quick::new("customer-002").matches(&r));
    assert!(Quick::new("").matches(&r));
    let u = rec(None, Some("état Échoué".as_bytes()), vec![]);
    assert!(Quick::new("ÉCHOUÉ").matches(&u));
}

#[test]
fn compiled_expr_is_shareable_across_threads() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let e = Expr::compile(".value").unwrap();
    send_sync(&e);
}

#[test]
fn runtime_errors_are_short_and_in_words() {
    let big = format!(r#""{}""#, "x".repeat(100_000));
    let r = rec(None, Some(big.as_bytes()), vec![]);
    let err = Expr::compile(".value.status")
        .unwrap()
        .eval(&r)
        .unwrap_err();
    assert!(err.starts_with("the filter failed: "), "{err}");
    assert!(err.chars().count() < 200, "{err}");
}

/// A value for the projection property: JSON objects built from pieces that stress parsers
/// (escapes, unicode, big and odd numbers, nesting, repeated names), and arbitrary bytes.
fn arb_value() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    let scalar = prop_oneof![
        Just("1".to_string()),
        Just("-0.5e3".to_string()),
        Just("1e400".to_string()),
        Just("12345678901234567890123".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just(r#""failed""#.to_string()),
        Just(r#""f\u0061iled""#.to_string()),
        Just(r#""\ud800""#.to_string()),
        Just("\"é\\n\"".to_string()),
        Just("\"raw\ttab\u{1}\"".to_string()),
        Just("[1,,2]".to_string()),
        Just("01".to_string()),
        Just("[1,{\"b\":2}]".to_string()),
        Just("{\"b\":{\"c\":\"failed\"}}".to_string()),
    ];
    let field = (
        prop_oneof![Just("a"), Just("b"), Just("status"), Just("a\\u0062")],
        scalar,
    );
    let object = proptest::collection::vec(field, 0..5).prop_map(|fs| {
        let body: Vec<String> = fs.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
        format!(" {{{}}} ", body.join(",")).into_bytes()
    });
    let bad_utf8 = Just(b"{\"status\": \"f\xffiled\"}".to_vec());
    prop_oneof![
        object,
        bad_utf8,
        proptest::collection::vec(any::<u8>(), 0..24)
    ]
}

proptest::proptest! {
    /// A program reading the value only by field names answers on the projected value exactly
    /// as on the whole one, whatever the bytes.
    #[test]
    fn projection_answers_as_the_whole_value(value in arb_value()) {
        let r = bare_record(&value, 1 << 20);
        for code in [
            r#".value.status == "failed""#,
            ".value.a",
            ".value.b.c == \"failed\"",
            ".value.a == .value.b",
            ".value.ab != null",
        ] {
            let lazy = Expr::compile(code).unwrap();
            proptest::prop_assert!(lazy.value_fields.is_some(), "{} is projected", code);
            let whole = lazy.clone().reading_all();
            proptest::prop_assert_eq!(lazy.eval(&r), whole.eval(&r), "{} on {:?}", code, String::from_utf8_lossy(&value));
        }
    }
}
