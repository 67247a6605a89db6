//! Values in the Confluent wire format (a zero byte, a 4-byte schema id, the encoded record),
//! decoded through the installed schema source (`codec::lookup`) into JSON text that the rest
//! of decoding reads exactly as a JSON value.

use crate::codec::lookup::{self, Lookup, Resolved};
use crate::codec::schema::wire_id;
use crate::domain::{SchemaState, SchemaUse};
use std::time::Duration;

/// None: not a value to read through a schema (no source installed and no wire header, or no
/// wire header and no local schema for the topic).
pub fn decode(topic: &str, value: &[u8], wait: Duration) -> Option<SchemaUse> {
    decode_part(topic, value, false, wait)
}

/// A key in the wire format, decoded: its JSON text (a string key: the string itself).
pub fn decode_key(topic: &str, key: &[u8], wait: Duration) -> Option<String> {
    wire_id(key)?;
    let u = decode_part(topic, key, true, wait)?;
    let json = u.json?;
    Some(match serde_json::from_str::<serde_json::Value>(&json) {
        Ok(serde_json::Value::String(s)) => s,
        _ => json,
    })
}

fn decode_part(topic: &str, value: &[u8], key: bool, wait: Duration) -> Option<SchemaUse> {
    // First the header, so that a JSON or text value costs one byte's look on the hot path.
    let id = wire_id(value)?;
    // Without a source the bytes stay bytes (the binary summary says what they likely are).
    let source = lookup::installed()?;
    if let Some(local) = source.for_topic(topic, key) {
        return Some(with(&local, Some(id), value));
    }
    Some(match source.by_id(id, wait) {
        Lookup::Ready(r) => with(&r, Some(id), value),
        Lookup::Pending => SchemaUse {
            state: SchemaState::Pending,
            ..bare(Some(id))
        },
        Lookup::Failed(reason) => failed(id, reason),
    })
}

/// What a binary value's summary adds when it looks like the wire format and no schema
/// source is configured.
pub fn no_source_hint(value: &[u8]) -> Option<String> {
    let id = wire_id(value)?;
    lookup::installed()
        .is_none()
        .then(|| format!(", schema id {id}? no schema registry configured"))
}

fn bare(id: Option<u32>) -> SchemaUse {
    SchemaUse {
        format: String::new(),
        id,
        subject: None,
        version: None,
        message: None,
        file: None,
        state: SchemaState::Pending,
        json: None,
    }
}

fn failed(id: u32, reason: String) -> SchemaUse {
    SchemaUse {
        state: SchemaState::Failed(reason),
        ..bare(Some(id))
    }
}

fn with(r: &Resolved, id: Option<u32>, value: &[u8]) -> SchemaUse {
    let mut u = SchemaUse {
        format: r.parsed.format().to_string(),
        subject: r.subject.clone(),
        version: r.version,
        message: r.message.clone(),
        file: r.file.clone(),
        ..bare(id)
    };
    match r.parsed.decode_text(value) {
        Ok((json, message)) => {
            u.json = Some(json);
            if message.is_some() {
                u.message = message;
            }
            u.state = SchemaState::Decoded;
        }
        Err(e) => {
            let which = match (id, &r.file) {
                (_, Some(f)) => format!("the schema in {f}"),
                (Some(id), None) => format!("schema {id}"),
                (None, None) => "its schema".into(),
            };
            u.state = SchemaState::Failed(format!("the bytes do not match {which}: {e}"));
        }
    }
    u
}

/// A raw value decoded through its schema, for readers that test records before decoding
/// them (search, `kdeck tail`, `kdeck job`); None when it is no schema value or did not decode.
pub fn decoded(topic: &str, value: Option<&[u8]>) -> Option<SchemaUse> {
    decode(topic, value?, lookup::READER_WAIT).filter(|u| u.state == SchemaState::Decoded)
}

/// A value as a preview shows it: a schema value's decoded JSON with what it is, sent as its
/// bytes all the same. The dashboard's dialogs pass no `wait` (only schemas already known).
pub fn preview(topic: &str, value: &[u8], wait: Duration) -> Option<(String, String)> {
    let u = decode(topic, value, wait).filter(|u| u.state == SchemaState::Decoded)?;
    let id = u.id.map(|i| format!(", schema id {i}")).unwrap_or_default();
    let what = format!("{}{id}; sent as its {} bytes", u.format, value.len());
    Some((u.json?, what))
}

/// The summary of a value that did not decode (yet): what is wrong, then the bytes.
pub fn summary(u: &SchemaUse, value: &[u8]) -> String {
    let bytes = format!(
        "<{} B> {}",
        value.len(),
        crate::domain::bytes_display(&value[..value.len().min(24)], 48)
    );
    let id = u.id.map(|i| format!(" {i}")).unwrap_or_default();
    match &u.state {
        SchemaState::Pending => format!("⧗ schema{id} being fetched · {bytes}"),
        SchemaState::Failed(r) => format!("✗ {r} · {bytes}"),
        SchemaState::Decoded => bytes,
    }
}
