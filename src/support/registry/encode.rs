//! Publishing with a schema: JSON in, the Confluent wire format out, with the schema a subject
//! names (its latest version or a pinned one), fetched once for the run.

use super::client::Client;
use crate::codec::schema::{Format, Parsed};
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

    /// A JSON value (text) encoded with the schema; Err says which field does not fit.
    pub fn encode(&self, json: &[u8]) -> Result<Vec<u8>, String> {
        let v: serde_json::Value = serde_json::from_slice(json)
            .map_err(|e| format!("the value is not JSON ({e}): a schema encodes JSON"))?;
        self.parsed
            .encode(self.id, &v, self.message.as_deref())
            .map_err(|e| format!("the value does not fit {}: {e}", self.label()))
    }
}
