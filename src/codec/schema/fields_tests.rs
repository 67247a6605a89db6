//! `Parsed::fields` on the schemas the integration tests register (tests/fixtures/schemas).

use super::*;
use serde_json::json;

const JOB_EVENT: &str = include_str!("../../../tests/fixtures/schemas/job_event.avsc");
const JOB_ERROR: &str = include_str!("../../../tests/fixtures/schemas/job_error.avsc");
const TASK: &str = include_str!("../../../tests/fixtures/schemas/task.proto");
const JOB_JSON: &str = include_str!("../../../tests/fixtures/schemas/job.schema.json");

fn parsed(format: Format, text: &str, refs: &[&str]) -> Parsed {
    let references = refs
        .iter()
        .map(|t| Reference {
            name: "com.kdeck.test.JobError".into(),
            text: t.to_string(),
        })
        .collect();
    Parsed::parse(&Source {
        format,
        text: text.into(),
        references,
    })
    .expect("schema parses")
}

fn field<'a>(fields: &'a [SchemaField], name: &str) -> &'a SchemaField {
    fields.iter().find(|f| f.name == name).expect(name)
}

fn statuses() -> FieldKind {
    FieldKind::Enum(
        ["QUEUED", "RUNNING", "COMPLETED", "FAILED"]
            .map(String::from)
            .to_vec(),
    )
}

#[test]
fn avro_record_fields() {
    let f = parsed(Format::Avro, JOB_EVENT, &[JOB_ERROR])
        .fields(None)
        .unwrap();
    let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "job_id",
            "status",
            "progress",
            "attempt",
            "updated_at",
            "cost",
            "worker",
            "labels",
            "steps",
            "error"
        ]
    );
    let kinds = |n| (field(&f, n).kind.clone(), field(&f, n).required);
    assert_eq!(kinds("job_id"), (FieldKind::String, true));
    assert_eq!(kinds("status"), (statuses(), true));
    // A nullable union of one type is that type, and not required.
    assert_eq!(kinds("progress"), (FieldKind::Number, false));
    assert_eq!(kinds("attempt"), (FieldKind::Integer, true));
    assert_eq!(kinds("updated_at"), (FieldKind::Datetime, true));
    assert_eq!(kinds("cost"), (FieldKind::String, true));
    assert_eq!(kinds("worker"), (FieldKind::Json, false));
    assert_eq!(kinds("labels"), (FieldKind::Json, false));
    assert_eq!(field(&f, "labels").default, Some(json!({})));
    assert_eq!(kinds("steps"), (FieldKind::Json, false));
    // The referenced record, through a nullable union.
    assert_eq!(kinds("error"), (FieldKind::Json, false));
    assert_eq!(field(&f, "error").default, Some(json!(null)));
}

#[test]
fn avro_defaults_docs_and_unions_of_several_types() {
    let text = r#"{"type":"record","name":"R","fields":[
        {"name":"a","type":["int","string"],"doc":"either"},
        {"name":"b","type":"boolean","default":false},
        {"name":"c","type":"com.kdeck.test.JobError"}]}"#;
    let f = parsed(Format::Avro, text, &[JOB_ERROR])
        .fields(None)
        .unwrap();
    assert_eq!(f[0].kind, FieldKind::Json);
    assert!(f[0].required);
    assert_eq!(f[0].doc.as_deref(), Some("either"));
    assert_eq!((f[1].kind.clone(), f[1].required), (FieldKind::Bool, false));
    assert_eq!(f[1].default, Some(json!(false)));
    assert_eq!((f[2].kind.clone(), f[2].required), (FieldKind::Json, true));
    let not_record = parsed(Format::Avro, r#""string""#, &[]).fields(None);
    assert!(not_record.unwrap_err().contains("not a record"));
}

#[test]
fn protobuf_message_fields() {
    let p = parsed(Format::Protobuf, TASK, &[]);
    let f = p.fields(Some("kdeck.test.TaskEvent")).unwrap();
    let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names.len(), 12, "{names:?}");
    assert!(f.iter().all(|f| !f.required && f.default.is_none()));
    assert_eq!(field(&f, "task_id").kind, FieldKind::String);
    let status = FieldKind::Enum(
        [
            "STATUS_UNSPECIFIED",
            "QUEUED",
            "RUNNING",
            "COMPLETED",
            "FAILED",
        ]
        .map(String::from)
        .to_vec(),
    );
    assert_eq!(field(&f, "status").kind, status);
    assert_eq!(field(&f, "progress").kind, FieldKind::Number);
    assert_eq!(field(&f, "attempt").kind, FieldKind::Integer);
    assert_eq!(field(&f, "updated_at").kind, FieldKind::Datetime);
    for json in ["worker", "steps", "labels", "tags", "error"] {
        assert_eq!(field(&f, json).kind, FieldKind::Json, "{json}");
    }
    assert_eq!(field(&f, "result_uri").kind, FieldKind::String);
    assert_eq!(field(&f, "payload").kind, FieldKind::String);
    // No message named: the file's first.
    let first = p.fields(None).unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(first[1].kind, FieldKind::Integer);
    assert!(p
        .fields(Some("Nope"))
        .unwrap_err()
        .contains("no message Nope"));
}

#[test]
fn json_schema_properties() {
    let f = parsed(Format::Json, JOB_JSON, &[]).fields(None).unwrap();
    assert_eq!(f.len(), 10);
    let kinds = |n| (field(&f, n).kind.clone(), field(&f, n).required);
    assert_eq!(kinds("job_id"), (FieldKind::String, true));
    assert_eq!(kinds("status"), (statuses(), true));
    assert_eq!(kinds("progress"), (FieldKind::Number, false));
    assert_eq!(kinds("attempt"), (FieldKind::Integer, true));
    assert_eq!(kinds("updated_at"), (FieldKind::Datetime, true));
    assert_eq!(kinds("cost"), (FieldKind::String, false));
    // $ref to an object, a map, an array, oneOf null or a $ref.
    for json in ["worker", "labels", "steps", "error"] {
        assert_eq!(kinds(json), (FieldKind::Json, false), "{json}");
    }
    let text = r#"{"type":"object","properties":{
        "n":{"type":"integer","default":3,"description":"how many"},
        "k":{"oneOf":[{"type":"null"},{"type":"boolean"}]},
        "u":{"anyOf":[{"type":"string"},{"type":"integer"}]}}}"#;
    let f = parsed(Format::Json, text, &[]).fields(None).unwrap();
    assert_eq!(f[0].default, Some(json!(3)));
    assert_eq!(f[0].doc.as_deref(), Some("how many"));
    assert_eq!(f[1].kind, FieldKind::Bool);
    assert_eq!(f[2].kind, FieldKind::Json);
    let none = parsed(Format::Json, r#"{"type":"string"}"#, &[]).fields(None);
    assert!(none.unwrap_err().contains("no object"));
}
