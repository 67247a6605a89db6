//! The template model (TOML), the built-ins compiled into the binary, and the user's folder of
//! templates laid over them by name.

use crate::codec::schema::{FieldKind, SchemaField};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What a field holds; the form shows it as a hint and validates against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    /// Free text of any length (the raw template's value): never validated.
    Text,
    Integer,
    Number,
    Bool,
    Enum,
    Datetime,
    /// A zone-less local date-time `yyyy-MM-ddTHH:mm:ss` (Java's `LocalDateTime`).
    LocalDatetime,
    /// Any JSON value.
    Json,
    Object,
    Array,
}

impl FieldType {
    /// The hint the form shows next to the field.
    pub fn hint(self) -> &'static str {
        match self {
            FieldType::String => "text",
            FieldType::Text => "text or JSON",
            FieldType::Integer => "whole number",
            FieldType::Number => "number",
            FieldType::Bool => "true or false",
            FieldType::Enum => "one of the choices",
            FieldType::Datetime => "RFC 3339 time, e.g. 2024-01-15T10:30:00Z or {{now+5m}}",
            FieldType::LocalDatetime => {
                "local date-time, no zone, e.g. 2024-01-15T10:30:00 or {{local+5m}}"
            }
            FieldType::Json => "JSON",
            FieldType::Object => "JSON object",
            FieldType::Array => "JSON array",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// A dotted name places the field in a nested object: `headers.requestId`.
    pub name: String,
    #[serde(rename = "type", default = "string_type")]
    pub kind: FieldType,
    #[serde(default)]
    pub default: String,
    #[serde(default)]
    pub required: bool,
    /// For `enum`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    /// An empty optional field is left out of the body (else: "" for text, null otherwise).
    #[serde(default)]
    pub omit_empty: bool,
    /// false: a form input only (used by the topic, key or headers), not part of the body.
    #[serde(default = "yes")]
    pub body: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub help: String,
    /// false: the text is taken as it is, `{{` included (a republished record's own value).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub placeholders: bool,
}

fn string_type() -> FieldType {
    FieldType::String
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// May contain `{prefix}` (the profile's topic prefix) and placeholders.
    pub topic: String,
    /// Used for `{prefix}` when the profile sets none (the service's own default: the FRANC
    /// portal's `franc`).
    #[serde(default)]
    pub default_prefix: Option<String>,
    /// The key expression; absent or rendering empty: no key.
    #[serde(default)]
    pub key: Option<String>,
    /// Ordered (name, value expression) pairs.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// A field of type object whose entries are sent as further headers (the raw template).
    #[serde(default)]
    pub headers_from: Option<String>,
    /// The value expression, sent as its bytes; absent: the JSON object built from the fields.
    #[serde(default)]
    pub value: Option<String>,
    /// The value (the JSON the fields build) is encoded with this subject's schema; with no
    /// `field`s, the fields come from the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaRef>,
    /// The key hash of the producer the topic's service writes with (`fnv1a` for kafka-go's
    /// Hash balancer and sarama, `murmur2` for the Java client, `crc32`): a test record then
    /// lands on the partition of the service's own records of that key, in order with them.
    /// Absent: the profile's partitioner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioner: Option<crate::domain::replay::KeyHash>,
    #[serde(default, rename = "field")]
    pub fields: Vec<Field>,
    /// Where it came from: `built-in` or the file's path.
    #[serde(skip)]
    pub origin: String,
}

/// A template's `[schema]` table: which registered schema encodes the value.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaRef {
    pub subject: String,
    /// "latest" (also when absent) or a version number; `3` and `"3"` both read.
    #[serde(
        default,
        deserialize_with = "version_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub version: Option<String>,
    /// Protobuf: the message to encode, e.g. `kdeck.test.TaskEvent` (absent: the file's first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl SchemaRef {
    /// The version as the registry's API takes it.
    pub fn version(&self) -> &str {
        self.version.as_deref().unwrap_or("latest")
    }

    fn check(&self) -> Result<(), String> {
        if self.subject.trim().is_empty() {
            return Err("[schema] has an empty subject".into());
        }
        let v = self.version();
        if v != "latest" && !v.parse::<u32>().is_ok_and(|n| n > 0) {
            return Err(format!(
                "[schema] version {v:?}: expected \"latest\" or a version number"
            ));
        }
        Ok(())
    }
}

/// A TOML number or text, as text: `version = 3` is as natural to write as `version = "3"`.
fn version_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        N(i64),
        S(String),
    }
    Ok(Some(match V::deserialize(d)? {
        V::N(n) => n.to_string(),
        V::S(s) => s,
    }))
}

impl Template {
    pub fn parse(text: &str, origin: &str) -> Result<Template, String> {
        let mut t: Template =
            toml::from_str(text).map_err(|e| format!("{origin}: {}", e.message()))?;
        t.origin = origin.to_string();
        t.check().map_err(|e| format!("{origin}: {e}"))?;
        Ok(t)
    }

    /// Mistakes a form could not recover from, found when the template is loaded.
    fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("the template has no name".into());
        }
        let mut seen = std::collections::HashSet::new();
        for f in &self.fields {
            if f.name.is_empty() || f.name.split('.').any(str::is_empty) {
                return Err(format!(
                    "field name {:?} is empty or has an empty part",
                    f.name
                ));
            }
            if !seen.insert(f.name.as_str()) {
                return Err(format!("field {:?} appears twice", f.name));
            }
            if f.kind == FieldType::Enum && f.choices.is_empty() {
                return Err(format!("enum field {:?} has no choices", f.name));
            }
        }
        if let Some(s) = &self.schema {
            s.check()?;
        }
        if let Some(h) = &self.headers_from {
            if !self.fields.iter().any(|f| &f.name == h) {
                return Err(format!("headers_from names {h:?}, which is not a field"));
            }
        }
        Ok(())
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether the form's fields are to come from the schema: a `[schema]` and no `field`s.
    pub fn wants_schema_fields(&self) -> bool {
        self.schema.is_some() && self.fields.is_empty()
    }

    /// The template with `fields` when it has none of its own (a template's fields win: they
    /// may set defaults, help and placeholders the schema does not have).
    pub fn with_schema_fields(&self, fields: &[SchemaField]) -> Template {
        let mut t = self.clone();
        if t.fields.is_empty() {
            t.fields = fields_from_schema(fields);
        }
        t
    }
}

/// A schema's top-level fields as form fields: kinds to field types, enum symbols to choices,
/// defaults to default text. An optional field left empty is left out of the value, so the
/// schema's own default applies when it is encoded (an Avro map's `{}`, a union's null).
pub fn fields_from_schema(fields: &[SchemaField]) -> Vec<Field> {
    fields
        .iter()
        .map(|s| {
            let (kind, choices) = match &s.kind {
                FieldKind::String => (FieldType::String, Vec::new()),
                FieldKind::Integer => (FieldType::Integer, Vec::new()),
                FieldKind::Number => (FieldType::Number, Vec::new()),
                FieldKind::Bool => (FieldType::Bool, Vec::new()),
                FieldKind::Enum(symbols) => (FieldType::Enum, symbols.clone()),
                FieldKind::Datetime => (FieldType::Datetime, Vec::new()),
                FieldKind::Json => (FieldType::Json, Vec::new()),
            };
            Field {
                name: s.name.clone(),
                kind,
                default: default_text(s.default.as_ref(), kind),
                required: s.required,
                choices,
                omit_empty: !s.required,
                body: true,
                help: s.doc.clone().unwrap_or_default(),
                placeholders: true,
            }
        })
        .collect()
}

/// A default as the form shows it: text as it is, other JSON written out; null (the default
/// of an optional union) as nothing, so the field is left out and the schema's null applies.
fn default_text(v: Option<&Value>, kind: FieldType) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        // An Avro timestamp's default is a number the form would refuse as a time: left
        // empty, the field is left out and the schema's default applies.
        Some(Value::Number(_)) if kind == FieldType::Datetime => String::new(),
        Some(Value::String(s)) if kind != FieldType::Json => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The built-in templates, one per service event shape plus the raw one.
pub const BUILTIN: &[(&str, &str)] = &[
    ("export-job", include_str!("builtin/export-job.toml")),
    (
        "export-completion",
        include_str!("builtin/export-completion.toml"),
    ),
    (
        "package-message",
        include_str!("builtin/package-message.toml"),
    ),
    ("schedule-job", include_str!("builtin/schedule-job.toml")),
    (
        "device-connection",
        include_str!("builtin/device-connection.toml"),
    ),
    (
        "portal-task-status",
        include_str!("builtin/portal-task-status.toml"),
    ),
    (
        "portal-task-completion",
        include_str!("builtin/portal-task-completion.toml"),
    ),
    (
        "web-crawl-request",
        include_str!("builtin/web-crawl-request.toml"),
    ),
    ("task-status", include_str!("builtin/task-status.toml")),
    ("raw", include_str!("builtin/raw.toml")),
];

/// Every template a user can pick: built-ins, then the user's (a user file with a built-in's
/// name replaces it). Files that fail to load are reported in `warnings`, never dropped silently.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub templates: Vec<Template>,
    pub warnings: Vec<String>,
}

impl Catalog {
    pub fn builtin() -> Catalog {
        let templates = BUILTIN
            .iter()
            .map(|(n, text)| {
                Template::parse(text, "built-in")
                    .unwrap_or_else(|e| panic!("built-in template {n}: {e}"))
            })
            .collect();
        Catalog {
            templates,
            warnings: Vec::new(),
        }
    }

    /// The built-ins with `dir`'s `*.toml` laid over them (a missing folder is no error).
    pub fn load(dir: Option<&Path>) -> Catalog {
        let mut c = Catalog::builtin();
        let Some(dir) = dir else { return c };
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return c,
            Err(e) => {
                c.warnings
                    .push(format!("reading templates from {}: {e}", dir.display()));
                return c;
            }
        };
        files.sort();
        for p in files {
            let origin = p.display().to_string();
            match std::fs::read_to_string(&p)
                .map_err(|e| format!("{origin}: {e}"))
                .and_then(|text| Template::parse(&text, &origin))
            {
                Ok(t) => c.put(t),
                Err(e) => c.warnings.push(e),
            }
        }
        c
    }

    fn put(&mut self, t: Template) {
        match self.templates.iter_mut().find(|x| x.name == t.name) {
            Some(slot) => *slot = t,
            None => self.templates.push(t),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.name == name)
    }

    /// Templates whose name or description contains `text` (any case): the picker's filter.
    pub fn filter(&self, text: &str) -> Vec<&Template> {
        let t = text.to_lowercase();
        self.templates
            .iter()
            .filter(|x| {
                x.name.to_lowercase().contains(&t) || x.description.to_lowercase().contains(&t)
            })
            .collect()
    }
}

/// Writes `t` as `<dir>/<name>.toml` (the folder is made when missing); refuses a name that
/// is no plain file name. Returns the path written.
pub fn save(dir: &Path, t: &Template) -> Result<PathBuf, String> {
    let name = t.name.trim();
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(format!("{name:?} cannot be a file name"));
    }
    let text = toml::to_string(t).map_err(|e| format!("writing template {name}: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path)
}

/// The user's templates folder: `KDECK_CONFIG_DIR/templates`, else the platform config dir's
/// `templates` (e.g. ~/.config/kdeck/templates).
pub fn user_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("KDECK_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("templates"));
    }
    directories::ProjectDirs::from("", "", "kdeck").map(|d| d.config_dir().join("templates"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_load_and_have_unique_names() {
        let c = Catalog::builtin();
        assert_eq!(c.templates.len(), BUILTIN.len());
        for (n, _) in BUILTIN {
            assert!(c.get(n).is_some(), "{n}");
        }
    }

    #[test]
    fn user_templates_override_by_name_and_bad_files_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.toml"),
            "name = \"raw\"\ntopic = \"mine\"\n[[field]]\nname = \"x\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("b.toml"), "name = \"new\"\ntopic = \"t\"\n").unwrap();
        std::fs::write(dir.path().join("c.toml"), "name = \n").unwrap();
        std::fs::write(
            dir.path().join("d.toml"),
            "name = \"d\"\ntopic = \"t\"\nbogus = 1\n",
        )
        .unwrap();
        let c = Catalog::load(Some(dir.path()));
        assert_eq!(c.get("raw").unwrap().topic, "mine");
        assert!(c.get("new").is_some());
        assert_eq!(c.templates.len(), BUILTIN.len() + 1);
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        assert!(c.warnings.iter().any(|w| w.contains("c.toml")));
        assert!(
            c.warnings.iter().any(|w| w.contains("bogus")),
            "{:?}",
            c.warnings
        );
        let missing = Catalog::load(Some(&dir.path().join("nope")));
        assert!(missing.warnings.is_empty());
    }

    #[test]
    fn enum_without_choices_is_refused() {
        let e = Template::parse(
            "name = \"x\"\ntopic = \"t\"\n[[field]]\nname = \"p\"\ntype = \"enum\"\n",
            "f.toml",
        )
        .unwrap_err();
        assert!(e.contains("no choices"), "{e}");
    }

    #[test]
    fn schema_table_reads_and_is_checked() {
        let t = Template::parse(
            "name = \"s\"\ntopic = \"t\"\n[schema]\nsubject = \"jobs-value\"\nversion = 3\nmessage = \"kdeck.test.TaskEvent\"\n",
            "s.toml",
        )
        .unwrap();
        let s = t.schema.clone().unwrap();
        assert_eq!((s.subject.as_str(), s.version()), ("jobs-value", "3"));
        assert_eq!(s.message.as_deref(), Some("kdeck.test.TaskEvent"));
        assert!(t.wants_schema_fields());
        let latest = "name = \"s\"\ntopic = \"t\"\n[schema]\nsubject = \"x\"\n";
        assert_eq!(
            Template::parse(latest, "f")
                .unwrap()
                .schema
                .unwrap()
                .version(),
            "latest"
        );
        let bad = |extra: &str| {
            let text = format!("name = \"s\"\ntopic = \"t\"\n[schema]\nsubject = \"x\"\n{extra}");
            Template::parse(&text, "f.toml").unwrap_err()
        };
        assert!(
            bad("version = \"newest\"").contains("version"),
            "{}",
            bad("version = \"newest\"")
        );
        assert!(bad("version = 0").contains("version number"));
        assert!(bad("subjects = 1").contains("subjects"));
        // Written back (save as template) and read again, the table is the same.
        let text = toml::to_string(&t).unwrap();
        assert_eq!(Template::parse(&text, "s.toml").unwrap().schema, t.schema);
    }

    #[test]
    fn fields_from_a_schema() {
        use serde_json::json;
        let sf = |name: &str, kind, required, default| SchemaField {
            name: name.into(),
            kind,
            required,
            default,
            doc: Some(format!("the {name}")),
        };
        let schema = [
            sf("id", FieldKind::String, true, None),
            sf(
                "status",
                FieldKind::Enum(vec!["A".into(), "B".into()]),
                true,
                Some(json!("A")),
            ),
            sf("n", FieldKind::Integer, false, Some(json!(3))),
            sf("at", FieldKind::Datetime, false, Some(json!(0))),
            sf("labels", FieldKind::Json, false, Some(json!({}))),
            sf("note", FieldKind::String, false, Some(json!(null))),
            sf("tag", FieldKind::Json, false, Some(json!("x"))),
        ];
        let f = fields_from_schema(&schema);
        assert_eq!(f[0].kind, FieldType::String);
        assert!(f[0].required && !f[0].omit_empty);
        assert_eq!(f[0].help, "the id");
        assert_eq!(
            (f[1].kind, f[1].choices.clone()),
            (FieldType::Enum, vec!["A".to_string(), "B".to_string()])
        );
        assert_eq!(f[1].default, "A");
        assert_eq!(
            (f[2].kind, f[2].default.as_str()),
            (FieldType::Integer, "3")
        );
        assert!(f[2].omit_empty);
        assert_eq!(
            (f[3].kind, f[3].default.as_str()),
            (FieldType::Datetime, "")
        );
        assert_eq!((f[4].kind, f[4].default.as_str()), (FieldType::Json, "{}"));
        assert_eq!(f[5].default, "");
        // Text in a JSON field is written as JSON text, so it reads back as the same value.
        assert_eq!(f[6].default, "\"x\"");

        let bare = Template::parse(
            "name = \"s\"\ntopic = \"t\"\n[schema]\nsubject = \"x\"\n",
            "f",
        )
        .unwrap();
        assert_eq!(bare.with_schema_fields(&schema).fields.len(), schema.len());
        let own = Template::parse(
            "name = \"s\"\ntopic = \"t\"\n[schema]\nsubject = \"x\"\n[[field]]\nname = \"id\"\n",
            "f",
        )
        .unwrap();
        assert!(!own.wants_schema_fields());
        assert_eq!(own.with_schema_fields(&schema).fields, own.fields);
    }
}
