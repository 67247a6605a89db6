//! Confluent wire-format records (magic byte 0, a 4-byte big-endian schema id, for Protobuf the
//! message indexes, then the body) decoded to JSON and encoded from JSON, given the schemas the
//! registry returned. Pure: the caller fetches schemas; nothing here does I/O.
//!
//! JSON shapes, so that what `decode` produces `encode` takes back byte for byte:
//! - Avro: see `avro.rs` (records as objects in field order, unions unwrapped, logical types as
//!   text, bytes as text or `base64:` text).
//! - Protobuf: prost-reflect's canonical proto3 JSON with proto field names, enums by name and
//!   every field shown (64-bit integers are strings, bytes are base64, as proto3 JSON says).
//! - JSON Schema: the body is JSON text already.

mod avro;
mod avro_encode;
mod avro_json;
mod avro_text;
mod fields;
#[cfg(test)]
mod fields_tests;
mod protobuf;
#[cfg(test)]
mod tests;

pub use fields::{FieldKind, SchemaField};
use serde_json::Value;
use std::fmt;

/// The magic byte and schema id in front of every Confluent-framed value.
const HEADER: usize = 5;

/// The registry's three schema types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Format {
    Avro,
    Protobuf,
    Json,
}

impl Format {
    /// The registry's `schemaType` (absent means Avro, for registries older than Protobuf support).
    pub fn from_registry(schema_type: Option<&str>) -> Option<Format> {
        match schema_type {
            None | Some("AVRO") => Some(Format::Avro),
            Some("PROTOBUF") => Some(Format::Protobuf),
            Some("JSON") => Some(Format::Json),
            Some(_) => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Avro => "Avro",
            Format::Protobuf => "Protobuf",
            Format::Json => "JSON Schema",
        })
    }
}

/// 0x00 + 4-byte big-endian schema id; None when too short or the magic byte is not 0.
pub fn wire_id(bytes: &[u8]) -> Option<u32> {
    match bytes {
        [0, a, b, c, d, ..] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
        _ => None,
    }
}

/// A schema text and its references, as the registry returns them (GET /schemas/ids/{id} and
/// the referenced subjects' versions).
#[derive(Clone, Debug)]
pub struct Source {
    pub format: Format,
    pub text: String,
    pub references: Vec<Reference>,
}

/// A referenced schema. `name`: the import path for Protobuf ("job_error.proto"); for Avro any
/// string (the schema's own full name resolves it).
#[derive(Clone, Debug)]
pub struct Reference {
    pub name: String,
    pub text: String,
}

/// A parsed, ready schema; Send + Sync, shared behind an Arc by the decoding threads.
pub struct Parsed {
    kind: Kind,
}

enum Kind {
    Avro(Box<avro::Avro>),
    Protobuf(protobuf::Proto),
    /// Decoding does not validate against the JSON Schema (the dashboard shows what was
    /// written); encoding does, as the services' serializers do before they send.
    Json(Box<Value>),
}

impl Parsed {
    /// The schema compiled; the error in plain words.
    pub fn parse(src: &Source) -> Result<Parsed, String> {
        let kind = match src.format {
            Format::Avro => Kind::Avro(Box::new(avro::Avro::parse(src)?)),
            Format::Protobuf => Kind::Protobuf(protobuf::Proto::parse(src)?),
            Format::Json => Kind::Json(Box::new(
                serde_json::from_str(&src.text)
                    .map_err(|e| format!("the JSON Schema is not JSON: {e}"))?,
            )),
        };
        Ok(Parsed { kind })
    }

    pub fn format(&self) -> Format {
        match self.kind {
            Kind::Avro(_) => Format::Avro,
            Kind::Protobuf(_) => Format::Protobuf,
            Kind::Json(_) => Format::Json,
        }
    }

    /// `record` is the WHOLE value (magic byte + id + [message indexes] + body).
    pub fn decode(&self, record: &[u8]) -> Result<Value, String> {
        self.decode_named(record).map(|(v, _)| v)
    }

    /// `decode`, with the Protobuf message's full name (None for Avro and JSON Schema).
    pub fn decode_named(&self, record: &[u8]) -> Result<(Value, Option<String>), String> {
        if wire_id(record).is_none() {
            return Err(
                "not in the schema registry's framing (no magic byte 0 and schema id)".into(),
            );
        }
        let body = &record[HEADER..];
        match &self.kind {
            Kind::Avro(a) => a.decode(body).map(|v| (v, None)),
            Kind::Protobuf(p) => p.decode(body).map(|(v, name)| (v, Some(name))),
            Kind::Json(_) => serde_json::from_slice(body)
                .map(|v| (v, None))
                .map_err(|e| format!("not JSON: {e}")),
        }
    }

    /// `decode_named` as compact JSON text, which is what a reader keeps: Avro is written as
    /// text while it is read, a JSON Schema value is its own text once checked to be JSON.
    pub fn decode_text(&self, record: &[u8]) -> Result<(String, Option<String>), String> {
        if wire_id(record).is_none() {
            return Err(
                "not in the schema registry's framing (no magic byte 0 and schema id)".into(),
            );
        }
        let body = &record[HEADER..];
        match &self.kind {
            Kind::Avro(a) => a.decode_text(body).map(|t| (t, None)),
            Kind::Json(_) => {
                serde_json::from_slice::<serde::de::IgnoredAny>(body)
                    .map_err(|e| format!("not JSON: {e}"))?;
                let text = std::str::from_utf8(body).map_err(|e| format!("not JSON: {e}"))?;
                Ok((text.trim().to_string(), None))
            }
            Kind::Protobuf(p) => {
                let (v, name) = p.decode(body)?;
                Ok((v.to_string(), Some(name)))
            }
        }
    }

    /// The whole wire value for schema id `id`. `message`: the Protobuf message's full or simple
    /// name (None: the file's first message); ignored for Avro and JSON Schema.
    pub fn encode(&self, id: u32, value: &Value, message: Option<&str>) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(64);
        out.push(0);
        out.extend_from_slice(&id.to_be_bytes());
        match &self.kind {
            Kind::Avro(a) => a.encode(value, &mut out)?,
            Kind::Protobuf(p) => p.encode(value, message, &mut out)?,
            Kind::Json(schema) => {
                validate(schema, value)?;
                serde_json::to_writer(&mut out, value).map_err(|e| e.to_string())?
            }
        }
        Ok(out)
    }

    /// The top-level fields of the record (Avro), the message (Protobuf; `message` as in
    /// `encode`) or the object (JSON Schema), for a form to ask for one by one.
    pub fn fields(&self, message: Option<&str>) -> Result<Vec<SchemaField>, String> {
        match &self.kind {
            Kind::Avro(a) => a.fields(),
            Kind::Protobuf(p) => p.fields(message),
            Kind::Json(schema) => fields::json_schema(&schema.to_string()),
        }
    }
}

/// The first few ways `value` breaks the JSON Schema, each with the field it is at.
fn validate(schema: &Value, value: &Value) -> Result<(), String> {
    let v = jsonschema::validator_for(schema)
        .map_err(|e| format!("the JSON Schema cannot check values: {e}"))?;
    let errors: Vec<String> = v
        .iter_errors(value)
        .take(3)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() {
                e.to_string()
            } else {
                format!(
                    "field {}: {e}",
                    at.trim_start_matches('/').replace('/', ".")
                )
            }
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}
