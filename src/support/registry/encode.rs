//! Publishing with a schema: JSON in, the Confluent wire format out, with the schema a subject
//! names (its latest version or a pinned one), fetched once for the run.

use super::client::Client;
use crate::codec::schema::{Format, Parsed, SchemaField};
use crate::domain::publish::FetchedSchema;
use crate::support::config::schemas::RegistryConfig;

pub struct SubjectEncoder {
    parsed: Parsed,
    pub id: u32,
    pub subject: String,
    pub version: Option<i64>,
    /// Protobuf: the message to encode (None: the file's first).
    pub message: Option<String>,
}

impl SubjectEncoder {
    /// `version`: a number or `latest` (None).
    pub fn fetch(
        registry: Option<&RegistryConfig>,
        subject: &str,
        version: Option<&str>,
        message: Option<&str>,
    ) -> Result<SubjectEncoder, String> {
        let cfg = registry.ok_or_else(|| {
            format!(
                "publishing with subject {subject:?} needs a schema registry: give \
                 --schema-registry URL, SCHEMA_REGISTRY_URL or the profile's schema_registry.url"
            )
        })?;
        let client = Client::new(cfg)?;
        let f = client
            .subject(subject, version.unwrap_or("latest"))
            .map_err(|e| e.to_string())?;
        let parsed = Parsed::parse(&f.source).map_err(|e| {
            format!(
                "subject {subject:?}: its schema (id {}) does not parse: {e}",
                f.id
            )
        })?;
        Ok(SubjectEncoder {
            parsed,
            id: f.id,
            subject: subject.to_string(),
            version: f.version,
            message: message.map(str::to_string),
        })
    }

    pub fn format(&self) -> Format {
        self.parsed.format()
    }

    /// What the audit and the summary name: format, subject, version, id.
    pub fn label(&self) -> String {
        let v = self.version.map(|v| format!(" v{v}")).unwrap_or_default();
        format!(
            "{} {}{v} (schema id {})",
            self.format(),
            self.subject,
            self.id
        )
    }

    /// The schema's top-level fields (for Protobuf, the message's), for a form to ask for.
    pub fn fields(&self) -> Result<Vec<SchemaField>, String> {
        self.parsed
            .fields(self.message.as_deref())
            .map_err(|e| format!("subject {:?}: {e}", self.subject))
    }

    /// A JSON value (text) encoded with the schema; Err says which field does not fit.
    pub fn encode(&self, json: &[u8]) -> Result<Vec<u8>, String> {
        let v: serde_json::Value = serde_json::from_slice(json)
            .map_err(|e| format!("the value is not JSON ({e}): a schema encodes JSON"))?;
        self.parsed
            .encode(self.id, &v, self.message.as_deref())
            .map_err(|e| format!("the value does not fit {}: {e}", self.label()))
    }
}

/// A subject's version (a number or `latest`) as plain text, for the dashboard's form: it
/// blocks on the network, so the dashboard calls it on a thread of its own.
pub fn fetch_subject(
    registry: Option<&RegistryConfig>,
    subject: &str,
    version: &str,
) -> Result<FetchedSchema, String> {
    let cfg = registry.ok_or_else(|| {
        format!(
            "no schema registry is configured, so subject {subject:?} cannot be fetched: give \
             --schema-registry URL, SCHEMA_REGISTRY_URL or the profile's schema_registry.url"
        )
    })?;
    let f = Client::new(cfg)?
        .subject(subject, version)
        .map_err(|e| e.to_string())?;
    Ok(FetchedSchema {
        id: f.id,
        subject: subject.to_string(),
        version: f.version,
        schema_type: match f.source.format {
            Format::Avro => "AVRO",
            Format::Protobuf => "PROTOBUF",
            Format::Json => "JSON",
        }
        .to_string(),
        text: f.source.text,
        references: (f.source.references.into_iter())
            .map(|r| (r.name, r.text))
            .collect(),
    })
}
