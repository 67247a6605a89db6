//! A publish form's schema: the subject's schema the dashboard fetched, parsed once, giving
//! the form its fields and encoding each value (JSON) in the registry's wire format.

use super::PublishRecord;
use crate::codec::schema::{Format, Parsed, Reference, SchemaField, Source};
use crate::domain::publish::FetchedSchema;
use std::sync::Arc;

#[derive(Clone)]
pub struct SchemaEncoding {
    parsed: Arc<Parsed>,
    pub id: u32,
    pub subject: String,
    pub version: Option<i64>,
    /// Protobuf: the message to encode (None: the file's first).
    pub message: Option<String>,
}

impl std::fmt::Debug for SchemaEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

/// The same subject, version, id and message is the same schema (the registry never changes
/// a registered id's text).
impl PartialEq for SchemaEncoding {
    fn eq(&self, o: &Self) -> bool {
        (self.id, &self.subject, self.version, &self.message)
            == (o.id, &o.subject, o.version, &o.message)
    }
}

impl SchemaEncoding {
    pub fn parse(f: &FetchedSchema, message: Option<&str>) -> Result<SchemaEncoding, String> {
        let format = Format::from_registry(Some(&f.schema_type)).ok_or_else(|| {
            format!(
                "subject {:?} has a schema of type {}, which kdeck cannot encode",
                f.subject, f.schema_type
            )
        })?;
        let src = Source {
            format,
            text: f.text.clone(),
            references: (f.references.iter())
                .map(|(name, text)| Reference {
                    name: name.clone(),
                    text: text.clone(),
                })
                .collect(),
        };
        let parsed = Parsed::parse(&src).map_err(|e| {
            format!(
                "subject {:?}: its schema (id {}) does not parse: {e}",
                f.subject, f.id
            )
        })?;
        Ok(SchemaEncoding {
            parsed: Arc::new(parsed),
            id: f.id,
            subject: f.subject.clone(),
            version: f.version,
            message: message.map(str::to_string),
        })
    }

    pub fn fields(&self) -> Result<Vec<SchemaField>, String> {
        self.parsed
            .fields(self.message.as_deref())
            .map_err(|e| format!("subject {:?}: {e}", self.subject))
    }

    /// Format, subject, version and id, as the preview and the audit name them.
    pub fn label(&self) -> String {
        let v = self.version.map(|v| format!(" v{v}")).unwrap_or_default();
        format!(
            "{} {}{v} (schema id {})",
            self.parsed.format(),
            self.subject,
            self.id
        )
    }

    /// The record with its value (JSON text) encoded; Err says, in words, what does not fit.
    pub fn encode(&self, r: PublishRecord) -> Result<PublishRecord, String> {
        let Some(v) = &r.value else { return Ok(r) };
        let json: serde_json::Value = serde_json::from_slice(v)
            .map_err(|e| format!("the value is not JSON ({e}): a schema encodes JSON"))?;
        let bytes = self
            .parsed
            .encode(self.id, &json, self.message.as_deref())
            .map_err(|e| format!("the value does not fit {}: {e}", self.label()))?;
        Ok(PublishRecord {
            value: Some(bytes),
            ..r
        })
    }
}

/// The form field an encoding error is about: Avro names it ("field steps[0].name: …"), the
/// others say the name in their message. None: the value as a whole.
pub fn field_of_error<'a>(error: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let path = error.split("field ").nth(1).unwrap_or(error);
    let first = path.split(['.', '[', ':', ' ']).next().unwrap_or("");
    let mut fallback = None;
    for n in names {
        if n == first {
            return Some(n);
        }
        if fallback.is_none() && error.contains(&format!("\"{n}\"")) {
            fallback = Some(n);
        }
    }
    fallback
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avro() -> SchemaEncoding {
        let f = FetchedSchema {
            id: 7,
            subject: "jobs-value".into(),
            version: Some(2),
            schema_type: "AVRO".into(),
            text: include_str!("../../../tests/fixtures/schemas/job_event.avsc").into(),
            references: vec![(
                "com.kdeck.test.JobError".into(),
                include_str!("../../../tests/fixtures/schemas/job_error.avsc").into(),
            )],
        };
        SchemaEncoding::parse(&f, None).unwrap()
    }

    fn record(value: &str) -> PublishRecord {
        PublishRecord {
            topic: "t".into(),
            partition: None,
            key: None,
            headers: Vec::new(),
            value: Some(value.as_bytes().to_vec()),
            key_hash: None,
        }
    }

    #[test]
    fn encodes_in_the_wire_format_and_says_why_not() {
        let s = avro();
        assert_eq!(s.label(), "Avro jobs-value v2 (schema id 7)");
        assert_eq!(s.fields().unwrap().len(), 10);
        let ok = r#"{"job_id":"j","status":"QUEUED","attempt":1,"updated_at":"2025-01-01T00:00:00Z","cost":"1.00"}"#;
        let wire = s.encode(record(ok)).unwrap().value.unwrap();
        assert_eq!(&wire[..5], &[0, 0, 0, 0, 7]);
        let bad = r#"{"job_id":"j","status":"QUEUED","attempt":1,"updated_at":"2025-01-01T00:00:00Z","cost":"1.00","steps":[{"name":1}]}"#;
        let e = s.encode(record(bad)).unwrap_err();
        assert!(e.contains("steps") && e.contains("jobs-value"), "{e}");
        let names = ["job_id", "steps", "status"];
        assert_eq!(field_of_error(&e, names.into_iter()), Some("steps"));
        let e = s.encode(record("not json")).unwrap_err();
        assert!(e.contains("not JSON"), "{e}");
        assert_eq!(field_of_error(&e, names.into_iter()), None);
        let unknown = FetchedSchema {
            schema_type: "XML".into(),
            ..FetchedSchema {
                id: 1,
                subject: "x".into(),
                version: None,
                schema_type: String::new(),
                text: String::new(),
                references: vec![],
            }
        };
        assert!(SchemaEncoding::parse(&unknown, None)
            .unwrap_err()
            .contains("XML"));
    }
}
