//! What a schema asks for at its top level, field by field, so a publish form can be built
//! from it: each field's name, a kind a form can validate, whether it must be given, its
//! default and its documentation. Nested things (records, maps, arrays, unions of several
//! types) are one JSON field each: a form of forms would be harder to fill than the JSON.

use super::avro::Avro;
use super::protobuf::Proto;
use apache_avro::schema::Schema;
use prost_reflect::Kind as Proto3;
use serde_json::{Map, Value};

/// What a field holds, as far as a form is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldKind {
    String,
    Integer,
    Number,
    Bool,
    /// One of these symbols.
    Enum(Vec<String>),
    /// A point in time, written as RFC 3339 text (what `decode` shows and `encode` takes).
    Datetime,
    /// Any JSON: records, maps, arrays, unions of several types.
    Json,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SchemaField {
    pub name: String,
    pub kind: FieldKind,
    /// Must be given: the schema has no default for it and it cannot be null.
    pub required: bool,
    /// The schema's default, as JSON.
    pub default: Option<Value>,
    pub doc: Option<String>,
}

impl Avro {
    pub(super) fn fields(&self) -> Result<Vec<SchemaField>, String> {
        let Schema::Record(r) = self.resolve(&self.root)? else {
            return Err("the Avro schema is not a record, so it has no fields".into());
        };
        r.fields
            .iter()
            .map(|f| {
                let (kind, nullable) = self.avro_kind(&f.schema)?;
                Ok(SchemaField {
                    name: f.name.clone(),
                    kind,
                    required: f.default.is_none() && !nullable,
                    default: f.default.clone(),
                    doc: f.doc.clone(),
                })
            })
            .collect()
    }

    /// The kind of a field's type, and whether null is one of its values.
    fn avro_kind(&self, s: &Schema) -> Result<(FieldKind, bool), String> {
        let s = self.resolve(s)?;
        let Schema::Union(u) = s else {
            return Ok((self.avro_plain(s)?, matches!(s, Schema::Null)));
        };
        let others: Vec<&Schema> = u
            .variants()
            .iter()
            .filter(|v| !matches!(v, Schema::Null))
            .collect();
        let nullable = others.len() < u.variants().len();
        match others.as_slice() {
            [one] => Ok((self.avro_plain(self.resolve(one)?)?, nullable)),
            _ => Ok((FieldKind::Json, nullable)),
        }
    }

    fn avro_plain(&self, s: &Schema) -> Result<FieldKind, String> {
        Ok(match s {
            Schema::Boolean => FieldKind::Bool,
            Schema::Int | Schema::Long => FieldKind::Integer,
            Schema::Float | Schema::Double => FieldKind::Number,
            Schema::Enum(e) => FieldKind::Enum(e.symbols.clone()),
            Schema::TimestampMillis
            | Schema::TimestampMicros
            | Schema::TimestampNanos
            | Schema::LocalTimestampMillis
            | Schema::LocalTimestampMicros
            | Schema::LocalTimestampNanos => FieldKind::Datetime,
            // Text in the JSON `decode` gives: decimals, dates, times, uuids, bytes.
            Schema::String
            | Schema::Uuid
            | Schema::Bytes
            | Schema::Fixed(_)
            | Schema::Decimal(_)
            | Schema::BigDecimal
            | Schema::Date
            | Schema::TimeMillis
            | Schema::TimeMicros => FieldKind::String,
            _ => FieldKind::Json,
        })
    }
}

impl Proto {
    /// proto3 has no required fields and every field has its zero value, so none is required
    /// and none has a default worth showing.
    pub(super) fn fields(&self, message: Option<&str>) -> Result<Vec<SchemaField>, String> {
        let desc = self.find(message)?;
        Ok(desc
            .fields()
            .map(|f| {
                let kind = if f.is_list() || f.is_map() {
                    FieldKind::Json
                } else {
                    proto_kind(&f.kind())
                };
                SchemaField {
                    name: f.name().to_string(),
                    kind,
                    required: false,
                    default: None,
                    doc: None,
                }
            })
            .collect())
    }
}

fn proto_kind(k: &Proto3) -> FieldKind {
    match k {
        Proto3::Bool => FieldKind::Bool,
        Proto3::Double | Proto3::Float => FieldKind::Number,
        Proto3::String | Proto3::Bytes => FieldKind::String,
        Proto3::Enum(e) => FieldKind::Enum(e.values().map(|v| v.name().to_string()).collect()),
        Proto3::Message(m) if m.full_name() == "google.protobuf.Timestamp" => FieldKind::Datetime,
        Proto3::Message(_) => FieldKind::Json,
        // Every integer type: proto3 JSON takes numbers for the 64-bit ones too.
        _ => FieldKind::Integer,
    }
}

/// Deepest `$ref` chain followed: a schema referring to itself would loop.
const MAX_REFS: usize = 16;

/// A JSON Schema's top-level `properties`, in the order written.
pub(super) fn json_schema(text: &str) -> Result<Vec<SchemaField>, String> {
    let root: Value =
        serde_json::from_str(text).map_err(|e| format!("the JSON Schema is not JSON: {e}"))?;
    let top = resolve_ref(&root, &root, 0);
    let Some(props) = top.get("properties").and_then(Value::as_object) else {
        return Err("the JSON Schema describes no object with properties".into());
    };
    let required: Vec<&str> = top
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    Ok(props
        .iter()
        .map(|(name, p)| {
            let p = resolve_ref(&root, p, 0);
            let doc = p.get("description").or_else(|| p.get("title"));
            SchemaField {
                name: name.clone(),
                kind: json_kind(&root, p, 0),
                required: required.contains(&name.as_str()),
                default: p.get("default").cloned(),
                doc: doc.and_then(Value::as_str).map(str::to_string),
            }
        })
        .collect())
}

/// A local `$ref` ("#/definitions/x", "#/$defs/x") followed; anything else as it is.
fn resolve_ref<'a>(root: &'a Value, s: &'a Value, depth: usize) -> &'a Value {
    let Some(r) = s.get("$ref").and_then(Value::as_str) else {
        return s;
    };
    let target = r
        .strip_prefix('#')
        .and_then(|ptr| root.pointer(ptr))
        .filter(|_| depth < MAX_REFS);
    match target {
        Some(t) => resolve_ref(root, t, depth + 1),
        None => s,
    }
}

fn json_kind(root: &Value, s: &Value, depth: usize) -> FieldKind {
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        let symbols: Option<Vec<String>> = e
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| v.as_str().map(str::to_string))
            .collect();
        return symbols.map_or(FieldKind::Json, FieldKind::Enum);
    }
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => return union_kind(root, s, depth),
    };
    let types: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
    match types[..] {
        ["string"] if s.get("format").and_then(Value::as_str) == Some("date-time") => {
            FieldKind::Datetime
        }
        ["string"] => FieldKind::String,
        ["integer"] => FieldKind::Integer,
        ["number"] => FieldKind::Number,
        ["boolean"] => FieldKind::Bool,
        _ => FieldKind::Json,
    }
}

/// `oneOf`/`anyOf` with one branch besides null is that branch; else any JSON.
fn union_kind(root: &Value, s: &Value, depth: usize) -> FieldKind {
    let branches = s
        .get("oneOf")
        .or_else(|| s.get("anyOf"))
        .and_then(Value::as_array);
    let Some(branches) = branches.filter(|_| depth < MAX_REFS) else {
        return FieldKind::Json;
    };
    let null = Value::Object(Map::from_iter([("type".to_string(), "null".into())]));
    let others: Vec<&Value> = branches
        .iter()
        .map(|b| resolve_ref(root, b, 0))
        .filter(|b| **b != null)
        .collect();
    match others[..] {
        [one] => json_kind(root, one, depth + 1),
        _ => FieldKind::Json,
    }
}
