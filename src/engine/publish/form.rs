//! A template being filled in: one text per field (placeholders allowed), validated per field,
//! rendered into the exact record that will be sent. What the dashboard's form and the
//! headless command both use.

use super::placeholder::{self, Rng, Vars};
use super::template::{Field, FieldType, Template};
use super::PublishRecord;
use serde_json::{Map, Value};

/// Where a problem is: a field, or a part of the record built from the template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    Field(String),
    Topic,
    Key,
    Header(String),
    Value,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Field(n) => write!(f, "field {n}"),
            Place::Topic => f.write_str("topic"),
            Place::Key => f.write_str("key"),
            Place::Header(h) => write!(f, "header {h}"),
            Place::Value => f.write_str("value"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub place: Place,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    pub template: Template,
    values: Vec<String>,
    /// The profile's topic prefix for `{prefix}` ("" when none).
    pub prefix: String,
    /// Sends to this topic instead of the template's.
    pub topic_override: Option<String>,
    /// A binary value a text field cannot hold ("republish with edits"): while the value
    /// field still shows the marker text, these bytes are sent as they are.
    pub kept_value: Option<(String, Vec<u8>)>,
}

impl Form {
    /// A form holding the template's defaults.
    pub fn new(t: &Template, prefix: &str) -> Form {
        Form {
            values: t.fields.iter().map(|f| f.default.clone()).collect(),
            template: t.clone(),
            prefix: prefix.to_string(),
            topic_override: None,
            kept_value: None,
        }
    }

    pub fn fields(&self) -> &[Field] {
        &self.template.fields
    }

    /// The text of field `i` as typed (placeholders unexpanded).
    pub fn value(&self, i: usize) -> &str {
        self.values.get(i).map_or("", String::as_str)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.index(name).map(|i| self.value(i))
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.template.fields.iter().position(|f| f.name == name)
    }

    pub fn set_at(&mut self, i: usize, text: &str) {
        if let Some(v) = self.values.get_mut(i) {
            *v = text.to_string();
        }
    }

    /// Sets a field by name; Err names the fields there are.
    pub fn set(&mut self, name: &str, text: &str) -> Result<(), String> {
        let i = self.index(name).ok_or_else(|| {
            let names: Vec<&str> = self.fields().iter().map(|f| f.name.as_str()).collect();
            format!(
                "template {} has no field {name:?} (fields: {})",
                self.template.name,
                names.join(", ")
            )
        })?;
        self.set_at(i, text);
        Ok(())
    }

    /// The raw template's form filled from a record ("republish with edits"): topic, key,
    /// headers and value as text, taken literally (a `{{` in them is no placeholder). None when
    /// the record cannot be shown as text without loss (a binary key, value or header value):
    /// send such a record as it is, or edit it another way.
    pub fn from_record(raw: &Template, rec: &PublishRecord) -> Option<Form> {
        let mut headers = Map::new();
        for (k, v) in &rec.headers {
            let v = match v {
                None => Value::Null,
                Some(b) => Value::String(std::str::from_utf8(b).ok()?.to_string()),
            };
            if headers.insert(k.clone(), v).is_some() {
                return None; // a repeated header name does not fit in an object
            }
        }
        // A tombstone, or an empty key (the form sends an empty key as none), would change.
        rec.value.as_ref()?;
        if rec.key.as_ref().is_some_and(Vec::is_empty) {
            return None;
        }
        let mut t = raw.clone();
        for f in &mut t.fields {
            f.placeholders = false;
        }
        let mut form = Form::new(&t, "");
        form.set("topic", &rec.topic).ok()?;
        form.set("key", as_text(rec.key.as_deref())?).ok()?;
        form.set("headers", &Value::Object(headers).to_string())
            .ok()?;
        match as_text(rec.value.as_deref()) {
            Some(text) => form.set("value", text).ok()?,
            None => {
                // Binary: kept byte for byte unless the user types a value over the marker.
                let bytes = rec.value.clone()?;
                let marker = format!(
                    "<{} bytes of binary, sent as they are: type over to replace>",
                    bytes.len()
                );
                form.set("value", &marker).ok()?;
                form.kept_value = Some((marker, bytes));
            }
        }
        Some(form)
    }

    /// The template with the form's current texts as defaults, named `name` ("Save as
    /// template"; write it with [`super::template::save`]).
    pub fn as_template(&self, name: &str) -> Template {
        let mut t = self.template.clone();
        t.name = name.to_string();
        for (f, v) in t.fields.iter_mut().zip(&self.values) {
            f.default = v.clone();
        }
        if let Some(topic) = &self.topic_override {
            t.topic = topic.clone();
        }
        t.origin = String::new();
        t
    }

    /// Every problem, per field and per part of the record; empty when the form can be sent.
    pub fn validate(&self, vars: &Vars) -> Vec<FieldError> {
        self.render(vars).err().unwrap_or_default()
    }

    /// The record exactly as it will be sent with these vars (placeholders resolved), or every
    /// problem found. Rendering again with the same vars gives the same bytes.
    pub fn render(&self, vars: &Vars) -> Result<PublishRecord, Vec<FieldError>> {
        let mut r = Resolver::new(self, vars);
        let mut errors = Vec::new();
        let typed: Vec<Option<Option<Value>>> = (0..self.values.len())
            .map(|i| {
                r.typed(i)
                    .map_err(|m| {
                        let place = Place::Field(self.template.fields[i].name.clone());
                        errors.push(FieldError { place, message: m })
                    })
                    .ok()
            })
            .collect();
        let topic = self.topic(&mut r, &mut errors);
        let key = match &self.template.key {
            Some(k) => {
                part(&mut r, &mut errors, Place::Key, k).map(|k| (!k.is_empty()).then_some(k))
            }
            None => Some(None),
        };
        let mut headers = Vec::new();
        for (name, expr) in &self.template.headers {
            if let Some(v) = part(&mut r, &mut errors, Place::Header(name.clone()), expr) {
                headers.push((name.clone(), Some(v.into_bytes())));
            }
        }
        let value = match &self.template.value {
            Some(expr) => part(&mut r, &mut errors, Place::Value, expr).map(String::into_bytes),
            None => None,
        };
        if let Some(h) = &self.template.headers_from {
            if let Some(Some(Some(v))) = self.index(h).and_then(|i| typed.get(i)) {
                extra_headers(v, &mut headers);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut value = value.unwrap_or_else(|| body(self.fields(), &typed));
        if let Some((marker, bytes)) = &self.kept_value {
            if value == marker.as_bytes() {
                value = bytes.clone();
            }
        }
        Ok(PublishRecord {
            topic: topic.unwrap_or_default(),
            partition: None,
            key: key.flatten().map(String::into_bytes),
            headers,
            value: Some(value),
            key_hash: self.template.partitioner,
        })
    }

    fn topic(&self, r: &mut Resolver<'_>, errors: &mut Vec<FieldError>) -> Option<String> {
        let Some(text) = self.topic_text() else {
            errors.push(FieldError {
                place: Place::Topic,
                message: "the topic uses {prefix} and no topic prefix is set (KAFKA_TOPIC_PREFIX or the profile's topic_prefix)".into(),
            });
            return None;
        };
        let t = part(r, errors, Place::Topic, &text)?;
        let problem = if t.is_empty() {
            "required but empty".to_string()
        } else if t.contains(char::is_whitespace) {
            format!("{t:?} is no topic name (it has spaces)")
        } else {
            return Some(t);
        };
        errors.push(FieldError {
            place: Place::Topic,
            message: problem,
        });
        None
    }

    /// The topic text with `{prefix}` filled in; None when it needs a prefix and has none.
    fn topic_text(&self) -> Option<String> {
        let t = self.topic_override.as_ref().unwrap_or(&self.template.topic);
        if !t.contains("{prefix}") {
            return Some(t.clone());
        }
        let p = Some(self.prefix.as_str())
            .filter(|p| !p.is_empty())
            .or(self.template.default_prefix.as_deref())?;
        Some(t.replace("{prefix}", p))
    }
}

/// UTF-8 text, "" for none; None for bytes that are no text.
fn as_text(b: Option<&[u8]>) -> Option<&str> {
    match b {
        None => Some(""),
        Some(b) => std::str::from_utf8(b).ok(),
    }
}

fn part(
    r: &mut Resolver<'_>,
    errors: &mut Vec<FieldError>,
    place: Place,
    text: &str,
) -> Option<String> {
    r.expand_part(text)
        .map_err(|message| errors.push(FieldError { place, message }))
        .ok()
}

/// The JSON object of the body fields, nested by their dotted names.
fn body(fields: &[Field], typed: &[Option<Option<Value>>]) -> Vec<u8> {
    let mut root = Map::new();
    for (f, v) in fields.iter().zip(typed) {
        let Some(Some(v)) = v else { continue };
        if !f.body {
            continue;
        }
        let mut at = &mut root;
        let mut parts = f.name.split('.').peekable();
        while let Some(p) = parts.next() {
            if parts.peek().is_none() {
                at.insert(p.to_string(), v.clone());
                break;
            }
            let slot = at
                .entry(p.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            at = slot.as_object_mut().expect("made an object above");
        }
    }
    serde_json::to_vec(&Value::Object(root)).unwrap_or_default()
}

fn extra_headers(v: &Value, out: &mut Vec<(String, Option<Vec<u8>>)>) {
    if let Value::Object(m) = v {
        for (k, v) in m {
            let bytes = match v {
                Value::Null => None,
                Value::String(s) => Some(s.clone().into_bytes()),
                other => Some(other.to_string().into_bytes()),
            };
            out.push((k.clone(), bytes));
        }
    }
}

/// Resolves fields once each (a `{{field.X}}` used twice gives the same text), in any order.
struct Resolver<'a> {
    form: &'a Form,
    vars: Vars,
    texts: Vec<Option<Result<String, String>>>,
    busy: Vec<bool>,
    parts: u64,
}

impl<'a> Resolver<'a> {
    fn new(form: &'a Form, vars: &Vars) -> Resolver<'a> {
        let n = form.values.len();
        Resolver {
            form,
            vars: vars.clone(),
            texts: vec![None; n],
            busy: vec![false; n],
            parts: 0,
        }
    }

    /// Each field and part draws from its own random stream, so the result does not depend
    /// on the order things are resolved in.
    fn rng(&self, slot: u64) -> Rng {
        Rng::new(self.vars.seed ^ (slot + 1).wrapping_mul(0xD6E8_FEB8_6659_FD93))
    }

    fn text(&mut self, i: usize) -> Result<String, String> {
        if let Some(done) = &self.texts[i] {
            return done.clone();
        }
        if self.busy[i] {
            return Err(format!(
                "{{{{field.{}}}}} refers back to itself",
                self.form.template.fields[i].name
            ));
        }
        self.busy[i] = true;
        let mut rng = self.rng(i as u64);
        let vars = self.vars.clone();
        let raw = self.form.values[i].clone();
        let out = if self.form.template.fields[i].placeholders {
            placeholder::expand(&raw, &vars, &mut rng, &mut |name| self.by_name(name))
        } else {
            Ok(raw)
        };
        self.busy[i] = false;
        self.texts[i] = Some(out.clone());
        out
    }

    fn by_name(&mut self, name: &str) -> Result<String, String> {
        let i = self
            .form
            .index(name)
            .ok_or_else(|| format!("{{{{field.{name}}}}}: there is no field {name}"))?;
        self.text(i)
            .map_err(|_| format!("{{{{field.{name}}}}}: field {name} is not valid"))
    }

    fn typed(&mut self, i: usize) -> Result<Option<Value>, String> {
        let text = self.text(i)?;
        typed_value(&self.form.template.fields[i], &text)
    }

    fn expand_part(&mut self, text: &str) -> Result<String, String> {
        self.parts += 1;
        let mut rng = self.rng(1_000_000 + self.parts);
        let vars = self.vars.clone();
        placeholder::expand(text, &vars, &mut rng, &mut |name| self.by_name(name))
    }
}

/// A field's text as the JSON value it puts in the body; Ok(None): left out.
pub fn typed_value(f: &Field, text: &str) -> Result<Option<Value>, String> {
    let t = text.trim();
    if t.is_empty() && f.kind != FieldType::Text {
        if f.required {
            return Err("required but empty".into());
        }
        if f.omit_empty {
            return Ok(None);
        }
        return Ok(Some(match f.kind {
            FieldType::String => Value::String(text.to_string()),
            _ => Value::Null,
        }));
    }
    let v = match f.kind {
        FieldType::String | FieldType::Text => Value::String(text.to_string()),
        FieldType::Integer => t
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("not an integer: {t:?}"))?,
        FieldType::Number => serde_json::from_str::<serde_json::Number>(t)
            .map(Value::Number)
            .map_err(|_| format!("not a number: {t:?}"))?,
        FieldType::Bool => match t.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("not true or false: {t:?}")),
        },
        FieldType::Enum => {
            if !f.choices.iter().any(|c| c == t) {
                return Err(format!("{t:?} is not one of: {}", f.choices.join(", ")));
            }
            Value::String(t.to_string())
        }
        FieldType::Datetime => {
            chrono::DateTime::parse_from_rfc3339(t).map_err(|_| {
                format!("not a datetime: {t:?} (expected RFC 3339, e.g. 2024-01-15T10:30:00Z)")
            })?;
            Value::String(t.to_string())
        }
        FieldType::LocalDatetime => {
            chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").map_err(|_| {
                format!("not a local date-time: {t:?} (expected yyyy-MM-ddTHH:mm:ss, e.g. 2024-01-15T10:30:00)")
            })?;
            Value::String(t.to_string())
        }
        FieldType::Json | FieldType::Object | FieldType::Array => json_value(f.kind, t)?,
    };
    Ok(Some(v))
}

fn json_value(kind: FieldType, t: &str) -> Result<Value, String> {
    let v: Value = serde_json::from_str(t).map_err(|e| format!("invalid JSON: {e}"))?;
    match (kind, &v) {
        (FieldType::Object, Value::Object(_)) | (FieldType::Array, Value::Array(_)) => Ok(v),
        (FieldType::Object, _) => Err("expected a JSON object ({...})".into()),
        (FieldType::Array, _) => Err("expected a JSON array ([...])".into()),
        _ => Ok(v),
    }
}
