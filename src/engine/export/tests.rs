use super::*;
use crate::codec::decode::{to_record, Incoming};
use crate::domain::Header;

fn rec(offset: i64, key: Option<&[u8]>, value: Option<&[u8]>, headers: Vec<Header>) -> Record {
    to_record(
        Incoming {
            topic: "export.topic",
            partition: 2,
            offset,
            timestamp_ms: Some(1_763_200_000_000 + offset),
            key,
            value,
            headers,
        },
        1 << 20,
        false,
    )
}

fn records() -> Vec<Record> {
    vec![
        rec(
            1,
            Some(b"export-1"),
            Some(br#"{"status":"failed","n":1}"#),
            vec![Header {
                key: "org_id".into(),
                value: Some(b"org-customer-001".to_vec()),
            }],
        ),
        // A binary key, a binary header, a null header and a text value.
        rec(
            2,
            Some(&[0x00, 0xff, 0xfe]),
            Some(b"plain text"),
            vec![
                Header {
                    key: "sig".into(),
                    value: Some(vec![0xde, 0xad, 0xbe, 0xef]),
                },
                Header {
                    key: "empty".into(),
                    value: None,
                },
            ],
        ),
        // A tombstone and a binary value.
        rec(3, None, None, vec![]),
        rec(4, Some(b"k"), Some(&[0xc3, 0x28, 0x00]), vec![]),
    ]
}

/// What `kdeck tail` writes for the same record, built from the wire's view of it.
fn tail_line(r: &Record) -> Vec<u8> {
    let headers: Vec<(&str, Option<&[u8]>)> = r
        .headers
        .iter()
        .map(|h| (h.key.as_str(), h.value.as_deref()))
        .collect();
    let mut out = Vec::new();
    crate::codec::jsonl::write_line(
        &mut out,
        &LineRecord {
            topic: &r.topic,
            partition: r.partition,
            offset: r.offset,
            timestamp_ms: r.timestamp_ms,
            key: r.key.as_deref(),
            headers: &headers,
            value: r.value.as_deref(),
            schema: None,
        },
    );
    out
}

#[test]
fn the_file_is_tails_format_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/folder/out.jsonl");
    let recs = records();
    let s = write_jsonl(&path, &recs).unwrap();
    assert_eq!(s.written, 4);
    assert_eq!(s.cut, 0);
    assert!(
        s.describe().contains("exported 4 records to"),
        "{}",
        s.describe()
    );
    let text = std::fs::read(&path).unwrap();
    let lines: Vec<&[u8]> = text.split_inclusive(|b| *b == b'\n').collect();
    assert_eq!(lines.len(), 4);
    for (line, r) in lines.iter().zip(&recs) {
        assert_eq!(*line, tail_line(r).as_slice());
        let v: serde_json::Value = serde_json::from_slice(line).expect("each line parses");
        assert_eq!(v["offset"], r.offset);
    }
    let first: serde_json::Value = serde_json::from_slice(lines[0]).unwrap();
    assert_eq!(first["value"]["status"], "failed");
    assert_eq!(first["headers"][0][1], "org-customer-001");
    let bin: serde_json::Value = serde_json::from_slice(lines[1]).unwrap();
    assert_eq!(bin["key_encoding"], "base64");
    assert_eq!(bin["key"], "AP/+");
    assert_eq!(bin["headers"][0][1]["base64"], "3q2+7w==");
    assert_eq!(bin["headers"][1][1], serde_json::Value::Null);
    let tomb: serde_json::Value = serde_json::from_slice(lines[2]).unwrap();
    assert_eq!(tomb["value"], serde_json::Value::Null);
    assert_eq!(tomb["value_encoding"], "null");
    let b: serde_json::Value = serde_json::from_slice(lines[3]).unwrap();
    assert_eq!(b["value_encoding"], "base64");
}

#[test]
fn an_existing_file_is_never_overwritten_and_the_error_is_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl");
    std::fs::write(&path, "keep me\n").unwrap();
    let e = write_jsonl(&path, &records()).unwrap_err();
    assert!(e.contains("already there"), "{e}");
    assert!(!e.contains("os error"), "{e}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me\n");
    // A folder that cannot be made (a file is in the way).
    let e = write_jsonl(&path.join("below.jsonl"), &records()).unwrap_err();
    assert!(e.starts_with("cannot create the folder"), "{e}");
}

#[test]
fn values_cut_at_the_cap_are_counted() {
    let big = format!("{{\"a\":\"{}\"}}", "x".repeat(1000));
    let r = to_record(
        Incoming {
            topic: "t",
            partition: 0,
            offset: 0,
            timestamp_ms: None,
            key: None,
            value: Some(big.as_bytes()),
            headers: vec![],
        },
        256,
        false,
    );
    assert!(r.truncated());
    let dir = tempfile::tempdir().unwrap();
    let s = write_jsonl(&dir.path().join("c.jsonl"), &[r]).unwrap();
    assert_eq!(s.cut, 1);
    assert!(s.describe().contains("1 value was cut"), "{}", s.describe());
}

#[test]
fn default_path_is_timestamped_in_the_folder() {
    let p = default_path(
        Some(Path::new("/data/kdeck/exports")),
        "Status pane",
        1_763_200_000_000,
    );
    assert_eq!(
        p,
        Path::new("/data/kdeck/exports/kdeck-status-pane-20251115-094640.jsonl")
    );
    assert_eq!(
        default_path(None, "x", 0),
        Path::new("kdeck-x-19700101-000000.jsonl")
    );
}

/// A schema value is exported as `kdeck tail` writes it: the decoded JSON, its format and
/// id, and the bytes as read (a record that kept its decoded JSON is built by hand here: the
/// lib's tests install no schema source).
#[test]
fn a_schema_value_exports_decoded_with_its_bytes() {
    let bytes = [0u8, 0, 0, 0, 9, 2, 0x61];
    let mut r = rec(5, Some(b"k"), Some(&bytes), vec![]);
    r.decoded.schema = Some(Box::new(crate::domain::SchemaUse {
        format: "Avro".into(),
        id: Some(9),
        subject: None,
        version: None,
        message: None,
        file: None,
        state: crate::domain::SchemaState::Decoded,
        json: Some(r#"{"s":"a"}"#.into()),
    }));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    write_jsonl(&path, std::slice::from_ref(&r)).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(v["value"]["s"], "a");
    assert_eq!(v["value_encoding"], "avro");
    assert_eq!(v["value_schema_id"], 9);
    assert_eq!(v["value_base64"], "AAAAAAkCYQ==");
}
