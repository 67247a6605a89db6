use super::*;
use base64::Engine as _;
use proptest::prelude::*;
use serde_json::json;

const JOB_ERROR_AVRO: &str = r#"{"type":"record","name":"JobError","namespace":"com.acme",
  "fields":[{"name":"code","type":"int"},{"name":"message","type":"string"}]}"#;

const JOB_AVRO: &str = r#"{"type":"record","name":"Job","namespace":"com.acme","fields":[
  {"name":"id","type":"string"},
  {"name":"status","type":{"type":"enum","name":"Status","symbols":["QUEUED","RUNNING","DONE_OK","FAILED"]}},
  {"name":"attempt","type":"int"},
  {"name":"note","type":["null","string"],"default":null},
  {"name":"tags","type":{"type":"map","values":"long"}},
  {"name":"steps","type":{"type":"array","items":{"type":"record","name":"Step",
     "fields":[{"name":"name","type":"string"},{"name":"ms","type":"double"}]}}},
  {"name":"cost","type":{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}},
  {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
  {"name":"error","type":["null","com.acme.JobError"],"default":null},
  {"name":"payload","type":"bytes"},
  {"name":"day","type":{"type":"int","logicalType":"date"}},
  {"name":"ratio","type":"float"}
]}"#;

fn avro() -> Parsed {
    let src = Source {
        format: Format::Avro,
        text: JOB_AVRO.into(),
        references: vec![Reference {
            name: "com.acme.JobError".into(),
            text: JOB_ERROR_AVRO.into(),
        }],
    };
    Parsed::parse(&src).expect("avro schema")
}

fn job_json() -> serde_json::Value {
    json!({
        "id": "j-1",
        "status": "DONE_OK",
        "attempt": 3,
        "note": "retried",
        "tags": {"zeta": 1, "alpha": -2, "mid": 9_000_000_000_i64},
        "steps": [{"name": "fetch", "ms": 1.5}, {"name": "store", "ms": 0.25}],
        "cost": "-12.34",
        "at": "2026-12-05T07:00:00.123Z",
        "error": {"code": 7, "message": "disk full"},
        "payload": "base64:AP8Q",
        "day": "2026-12-05",
        "ratio": 0.1
    })
}

#[test]
fn avro_round_trip_is_byte_exact() {
    let p = avro();
    let wire = p.encode(42, &job_json(), None).expect("encode");
    assert_eq!(wire_id(&wire), Some(42));
    let back = p.decode(&wire).expect("decode");
    assert_eq!(back, job_json());
    // Field order and map order as written.
    let keys: Vec<_> = back["tags"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["zeta", "alpha", "mid"]);
    assert_eq!(p.encode(42, &back, None).unwrap(), wire);
    let mut optional_absent = job_json();
    optional_absent["note"] = json!(null);
    optional_absent["error"] = json!(null);
    optional_absent["tags"] = json!({});
    let wire = p.encode(1, &optional_absent, None).unwrap();
    assert_eq!(p.decode(&wire).unwrap(), optional_absent);
}

/// Our walk against apache-avro's own reader, so both ends are not wrong the same way.
#[test]
fn avro_bytes_read_by_apache_avro() {
    use apache_avro::types::Value as A;
    let (root, deps) =
        apache_avro::Schema::parse_str_with_list(JOB_AVRO, [JOB_ERROR_AVRO]).unwrap();
    let wire = avro().encode(1, &job_json(), None).unwrap();
    let mut body = &wire[5..];
    let v = apache_avro::from_avro_datum_schemata(&root, deps.iter().collect(), &mut body, None)
        .unwrap();
    assert!(body.is_empty());
    let A::Record(fields) = v else {
        panic!("not a record")
    };
    let get = |n: &str| {
        fields
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("status"), A::Enum(2, "DONE_OK".into()));
    assert_eq!(
        get("note"),
        A::Union(1, Box::new(A::String("retried".into())))
    );
    assert_eq!(get("at"), A::TimestampMillis(1_796_454_000_123));
    assert_eq!(get("payload"), A::Bytes(vec![0, 0xFF, 0x10]));
    assert_eq!(get("day"), A::Date(20_792));
    let A::Decimal(d) = get("cost") else {
        panic!("not a decimal")
    };
    let unscaled: Vec<u8> = d.try_into().unwrap();
    assert_eq!(unscaled, (-1234_i16).to_be_bytes());
    let A::Map(tags) = get("tags") else {
        panic!("not a map")
    };
    assert_eq!(tags.get("mid"), Some(&A::Long(9_000_000_000)));
}

#[test]
fn avro_references_in_any_order() {
    let a = r#"{"type":"record","name":"A","namespace":"x","fields":[{"name":"b","type":"x.B"}]}"#;
    let b = r#"{"type":"record","name":"B","namespace":"x","fields":[{"name":"n","type":"int"}]}"#;
    let main =
        r#"{"type":"record","name":"M","namespace":"x","fields":[{"name":"a","type":"x.A"}]}"#;
    for refs in [[a, b], [b, a]] {
        let src = Source {
            format: Format::Avro,
            text: main.into(),
            references: refs
                .iter()
                .map(|t| Reference {
                    name: "r".into(),
                    text: t.to_string(),
                })
                .collect(),
        };
        let p = Parsed::parse(&src).expect("parse");
        let v = json!({"a": {"b": {"n": 5}}});
        assert_eq!(p.decode(&p.encode(3, &v, None).unwrap()).unwrap(), v);
    }
}

#[test]
fn avro_logical_and_odd_values() {
    let schema = r#"{"type":"record","name":"T","fields":[
      {"name":"d","type":{"type":"fixed","name":"F","size":4,"logicalType":"decimal","precision":8,"scale":3}},
      {"name":"tm","type":{"type":"int","logicalType":"time-millis"}},
      {"name":"tu","type":{"type":"long","logicalType":"timestamp-micros"}},
      {"name":"lt","type":{"type":"long","logicalType":"local-timestamp-millis"}},
      {"name":"u","type":{"type":"string","logicalType":"uuid"}},
      {"name":"x","type":"double"},
      {"name":"txt","type":"bytes"},
      {"name":"n","type":["null","long","double"]}
    ]}"#;
    let p = Parsed::parse(&Source {
        format: Format::Avro,
        text: schema.into(),
        references: vec![],
    })
    .unwrap();
    let v = json!({
        "d": "0.005", "tm": "07:00:01.250", "tu": "1970-01-01T00:00:00.000001Z",
        "lt": "2026-01-02T03:04:05.006", "u": "0b6c2d8e-3f1a-4c55-9b1e-2f7d7e0a9c11",
        "x": "NaN", "txt": "base64:YmFzZTY0Onk=", "n": 2.5
    });
    let wire = p.encode(1, &v, None).unwrap();
    assert_eq!(p.decode(&wire).unwrap(), v);
    assert_eq!(p.encode(1, &p.decode(&wire).unwrap(), None).unwrap(), wire);
    // A decimal given as a number, and fewer decimals than the scale.
    let mut w = v.clone();
    w["d"] = json!(-1.5);
    assert_eq!(
        p.decode(&p.encode(1, &w, None).unwrap()).unwrap()["d"],
        "-1.500"
    );
    w["d"] = json!("1.2345");
    assert!(p.encode(1, &w, None).unwrap_err().contains("field d"));
}

#[test]
fn avro_errors_in_words() {
    let p = avro();
    let mut v = job_json();
    v["status"] = json!("DONE");
    let e = p.encode(1, &v, None).unwrap_err();
    assert_eq!(
        e,
        r#"field status: "DONE" is not one of QUEUED, RUNNING, DONE_OK, FAILED"#
    );
    let mut v = job_json();
    v["steps"][1]["ms"] = json!("slow");
    assert_eq!(
        p.encode(1, &v, None).unwrap_err(),
        r#"field steps[1].ms: "slow" is not a number"#
    );
    let mut v = job_json();
    v.as_object_mut().unwrap().remove("attempt");
    assert!(p
        .encode(1, &v, None)
        .unwrap_err()
        .starts_with("field attempt: missing"));
    let mut v = job_json();
    v["error"] = json!({"code": "x", "message": "m"});
    assert!(p
        .encode(1, &v, None)
        .unwrap_err()
        .starts_with("field error.code:"));

    let wire = p.encode(1, &job_json(), None).unwrap();
    let e = p.decode(&wire[..wire.len() - 3]).unwrap_err();
    assert!(e.contains("ends early"), "{e}");
    // Another schema's bytes: a text field where the enum's index should be.
    let mut other = vec![0, 0, 0, 0, 1];
    other.extend_from_slice(b"\x06j-1\x40");
    let e = p.decode(&other).unwrap_err();
    assert!(
        e.contains("field status") && e.contains("does not exist"),
        "{e}"
    );
    assert!(p.decode(b"\x01\0\0\0\x01").unwrap_err().contains("framing"));
}

#[test]
fn avro_deep_recursion_is_refused() {
    let list =
        r#"{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]}"#;
    let p = Parsed::parse(&Source {
        format: Format::Avro,
        text: list.into(),
        references: vec![],
    })
    .unwrap();
    let mut wire = vec![0, 0, 0, 0, 1];
    wire.extend(std::iter::repeat_n(2u8, 100_000));
    wire.push(0);
    assert!(p.decode(&wire).unwrap_err().contains("nested deeper"));
    let shallow = json!({"next": {"next": null}});
    assert_eq!(
        p.decode(&p.encode(1, &shallow, None).unwrap()).unwrap(),
        shallow
    );
}

const JOB_ERROR_PROTO: &str = r#"syntax = "proto3";
package acme.errors;
message JobError { int32 code = 1; string message = 2; }
"#;

const JOB_PROTO: &str = r#"syntax = "proto3";
package acme.jobs;
import "google/protobuf/timestamp.proto";
import "job_error.proto";
message Header { string trace = 1; }
message Job {
  message Step { string name = 1; int64 ms = 2; }
  string id = 1;
  Status status = 2;
  repeated Step steps = 3;
  map<string, int32> tags = 4;
  oneof outcome { string result = 5; acme.errors.JobError error = 6; }
  google.protobuf.Timestamp at = 7;
  repeated int32 codes = 8;
}
enum Status { STATUS_UNSPECIFIED = 0; RUNNING = 1; DONE = 2; }
"#;

fn proto_source(text: String, reference: String) -> Source {
    Source {
        format: Format::Protobuf,
        text,
        references: vec![Reference {
            name: "job_error.proto".into(),
            text: reference,
        }],
    }
}

fn proto() -> Parsed {
    Parsed::parse(&proto_source(JOB_PROTO.into(), JOB_ERROR_PROTO.into())).expect("proto schema")
}

fn proto_job() -> serde_json::Value {
    json!({
        "id": "j-9",
        "status": "DONE",
        "steps": [{"name": "fetch", "ms": "1500"}, {"name": "store", "ms": "0"}],
        "tags": {"a": 1, "b": 2},
        "error": {"code": 7, "message": "disk full"},
        "at": "2026-12-05T07:00:00.123Z",
        "codes": [1, 2, 3]
    })
}

#[test]
fn protobuf_round_trip_with_indexes() {
    let p = proto();
    assert_eq!(p.format(), Format::Protobuf);
    let wire = p.encode(7, &proto_job(), Some("acme.jobs.Job")).unwrap();
    assert_eq!(
        &wire[..7],
        &[0, 0, 0, 0, 7, 2, 2],
        "indexes [1]: count 1, index 1 (zigzag)"
    );
    let (back, name) = p.decode_named(&wire).unwrap();
    assert_eq!(name.as_deref(), Some("acme.jobs.Job"));
    assert_eq!(back["steps"], proto_job()["steps"]);
    assert_eq!(back["error"], proto_job()["error"]);
    assert_eq!(back["status"], "DONE");
    assert_eq!(p.encode(7, &back, Some("Job")).unwrap(), wire);

    let step = json!({"name": "a", "ms": "5"});
    let wire = p.encode(7, &step, Some("Step")).unwrap();
    assert_eq!(&wire[5..], b"\x04\x02\x00\x0a\x01a\x10\x05");
    let (back, name) = p.decode_named(&wire).unwrap();
    assert_eq!((back, name.as_deref()), (step, Some("acme.jobs.Job.Step")));

    // The first message is written with the single 0 byte, and its default fields are shown.
    let wire = p.encode(7, &json!({}), None).unwrap();
    assert_eq!(&wire[5..], b"\x00");
    assert_eq!(p.decode(&wire).unwrap(), json!({"trace": ""}));
}

/// Map entries are written sorted by key, and shown in that order, whatever the JSON's order.
#[test]
fn protobuf_maps_are_sorted() {
    let p = proto();
    let v = json!({"id": "m", "tags": {"b": 2, "c": 3, "a": 1}});
    let wire = p.encode(1, &v, Some("Job")).unwrap();
    for _ in 0..5 {
        assert_eq!(p.encode(1, &v, Some("Job")).unwrap(), wire);
    }
    let back = p.decode(&wire).unwrap();
    let keys: Vec<_> = back["tags"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["a", "b", "c"]);
    assert_eq!(p.encode(1, &back, Some("Job")).unwrap(), wire);
    let entries = b"\x22\x05\x0a\x01a\x10\x01\x22\x05\x0a\x01b\x10\x02\x22\x05\x0a\x01c\x10\x03";
    assert!(wire.windows(entries.len()).any(|w| w == entries));
}

#[test]
fn protobuf_oneof_and_defaults_round_trip() {
    let p = proto();
    let v = json!({"id": "j", "result": "ok"});
    let wire = p.encode(1, &v, Some("Job")).unwrap();
    let back = p.decode(&wire).unwrap();
    assert_eq!(back["result"], "ok");
    assert!(back.get("error").is_none());
    assert_eq!(back["status"], "STATUS_UNSPECIFIED");
    assert_eq!(p.encode(1, &back, Some("Job")).unwrap(), wire);
}

#[test]
fn protobuf_from_base64_descriptor() {
    use prost::Message as _;
    let text = proto();
    let Kind::Protobuf(compiled) = &text.kind else {
        unreachable!()
    };
    let fdp = compiled.file_descriptor_proto().encode_to_vec();
    let b64 = base64::engine::general_purpose::STANDARD.encode(fdp);
    let err_b64 = {
        let e = Parsed::parse(&proto_source(JOB_ERROR_PROTO.into(), String::new())).unwrap();
        let Kind::Protobuf(c) = &e.kind else {
            unreachable!()
        };
        base64::engine::general_purpose::STANDARD.encode(c.file_descriptor_proto().encode_to_vec())
    };
    for reference in [JOB_ERROR_PROTO.to_string(), err_b64] {
        let p = Parsed::parse(&proto_source(b64.clone(), reference)).expect("base64 schema");
        let wire = text.encode(3, &proto_job(), Some("Job")).unwrap();
        assert_eq!(p.decode(&wire).unwrap(), text.decode(&wire).unwrap());
        assert_eq!(
            p.encode(3, &p.decode(&wire).unwrap(), Some("Job")).unwrap(),
            wire
        );
    }
}

#[test]
fn protobuf_errors_in_words() {
    let p = proto();
    let e = p.decode(&[0, 0, 0, 0, 1, 2, 10]).unwrap_err();
    assert!(e.contains("message index [5] is not in the schema"), "{e}");
    let wire = p.encode(1, &proto_job(), Some("Job")).unwrap();
    let e = p.decode(&wire[..wire.len() - 2]).unwrap_err();
    assert!(e.starts_with("not a acme.jobs.Job"), "{e}");
    let e = p.encode(1, &json!({"id": 5}), Some("Job")).unwrap_err();
    assert!(e.starts_with("not a acme.jobs.Job"), "{e}");
    assert!(p
        .encode(1, &json!({}), Some("Nope"))
        .unwrap_err()
        .contains("no message Nope"));
    let bad = Source {
        format: Format::Protobuf,
        text: "syntax = \"proto3\"; message {".into(),
        references: vec![],
    };
    assert!(Parsed::parse(&bad)
        .err()
        .unwrap()
        .starts_with("Protobuf schema:"));
    let missing = proto_source(JOB_PROTO.into(), JOB_ERROR_PROTO.into());
    let missing = Source {
        references: vec![],
        ..missing
    };
    assert!(Parsed::parse(&missing)
        .err()
        .unwrap()
        .contains("job_error.proto"));
}

#[test]
fn json_schema_and_framing() {
    let p = Parsed::parse(&Source {
        format: Format::Json,
        text: "{}".into(),
        references: vec![],
    })
    .unwrap();
    let v = json!({"b": 1, "a": [true, null]});
    let wire = p.encode(258, &v, None).unwrap();
    assert_eq!(&wire, b"\0\0\0\x01\x02{\"b\":1,\"a\":[true,null]}");
    assert_eq!(p.decode(&wire).unwrap(), v);
    assert!(p
        .decode(b"\0\0\0\0\x01{nope")
        .unwrap_err()
        .starts_with("not JSON"));
    assert_eq!(format!("{}", p.format()), "JSON Schema");
    assert_eq!(wire_id(b"\0\0\0\x01\x02"), Some(258));
    assert_eq!(wire_id(b"\0\0\0\x01"), None);
    assert_eq!(wire_id(b"\x01\0\0\0\x01"), None);
    assert_eq!(Format::from_registry(None), Some(Format::Avro));
    assert_eq!(
        Format::from_registry(Some("PROTOBUF")),
        Some(Format::Protobuf)
    );
    assert_eq!(Format::from_registry(Some("JSON")), Some(Format::Json));
    assert_eq!(Format::from_registry(Some("XML")), None);
}

#[test]
fn parsed_is_shareable() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Parsed>();
}

proptest! {
    #[test]
    fn any_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let avro = avro();
        let proto = proto();
        let mut wire = vec![0, 0, 0, 0, 1];
        wire.extend_from_slice(&body);
        let _ = proto.decode(&wire);
        // The text path and the value path agree on every input, errors included.
        match (avro.decode(&wire), avro.decode_text(&wire)) {
            (Ok(v), Ok((t, _))) => prop_assert_eq!(v.to_string(), t),
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "{:?} against {:?}", a, b),
        }
        if let Ok(v) = avro.decode(&wire) {
            // What decodes encodes again, and decodes to the same.
            let again = avro.encode(1, &v, None).unwrap();
            prop_assert_eq!(avro.decode(&again).unwrap(), v);
        }
    }

    #[test]
    fn avro_values_round_trip(id in ".*", attempt in any::<i32>(), ms in any::<f64>(), ratio in any::<f32>(),
                              unscaled in any::<i64>(), at in any::<i64>(), payload in proptest::collection::vec(any::<u8>(), 0..20)) {
        let p = avro();
        let mut v = job_json();
        v["id"] = json!(id);
        v["attempt"] = json!(attempt);
        v["steps"][0]["ms"] = avro_text::float_json(ms);
        v["ratio"] = avro_text::float32_json(ratio);
        v["cost"] = avro_text::decimal_json(&unscaled.to_be_bytes(), 2).unwrap();
        v["at"] = avro_text::timestamp_json(at, avro_text::Unit::Millis, true);
        v["payload"] = avro_text::bytes_json(&payload);
        let wire = p.encode(1, &v, None).unwrap();
        let back = p.decode(&wire).unwrap();
        prop_assert_eq!(back.to_string(), p.decode_text(&wire).unwrap().0);
        prop_assert_eq!(p.encode(1, &back, None).unwrap(), wire);
    }
}

/// The text the reader keeps is exactly the decoded value written out, for every fixture
/// record (Avro is written while it is read, so the two paths must agree).
#[test]
fn avro_text_is_the_decoded_value_written() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schemas");
    let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).unwrap();
    let parsed = Parsed::parse(&Source {
        format: Format::Avro,
        text: read("job_event.avsc"),
        references: vec![Reference {
            name: "com.kdeck.test.JobError".into(),
            text: read("job_error.avsc"),
        }],
    })
    .unwrap();
    let mut n = 0;
    for line in read("job_event.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let v: Value = serde_json::from_str(line).unwrap();
        let bytes = parsed.encode(3, &v["value"], None).unwrap();
        let (text, _) = parsed.decode_text(&bytes).unwrap();
        assert_eq!(text, parsed.decode(&bytes).unwrap().to_string());
        n += 1;
    }
    assert_eq!(n, 4);
    // Bytes that do not fit fail the same way on both paths.
    let bad = [0u8, 0, 0, 0, 3, 0xff, 0xff];
    assert_eq!(
        parsed.decode_text(&bad).unwrap_err(),
        parsed.decode(&bad).unwrap_err()
    );
}
