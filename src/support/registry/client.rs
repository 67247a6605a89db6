//! The registry's HTTP API (Confluent's, which Apicurio's ccompat API and Redpanda's serve
//! too): a schema by id with its references, and a subject's version for publishing.

use crate::codec::schema::{Format, Reference, Source};
use crate::support::config::schemas::{Auth, RegistryConfig};
use base64::Engine;
use serde_json::Value;
use std::time::Duration;

/// How long one request may take, connection included: a registry that does not answer in
/// this time counts as unreachable until the retry.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Largest answer read: schemas are text, not data.
const BODY_MAX: u64 = 8 << 20;
/// Deepest chain of references followed (a schema referencing one that references ...).
const REFERENCE_DEPTH: usize = 16;

pub struct Client {
    agent: ureq::Agent,
    base: String,
    authorization: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// No answer: connection refused, name not found, timeout, TLS failure.
    Unreachable(String),
    /// The registry answered 404: no such id, subject or version.
    NotFound(String),
    /// Any other answer that is not the schema.
    Refused(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Unreachable(m) | FetchError::NotFound(m) | FetchError::Refused(m) => {
                f.write_str(m)
            }
        }
    }
}

/// A schema as the registry gives it: the text with its references, and where it is filed.
pub struct Fetched {
    pub id: u32,
    pub source: Source,
    pub subject: Option<String>,
    pub version: Option<i64>,
}

impl Client {
    pub fn new(cfg: &RegistryConfig) -> Result<Client, String> {
        let mut tls = ureq::tls::TlsConfig::builder().provider(ureq::tls::TlsProvider::NativeTls);
        tls = match &cfg.ca_file {
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("schema registry CA file {}: {e}", path.display()))?;
                let certs: Vec<_> = ureq::tls::parse_pem(&pem)
                    .filter_map(|item| match item {
                        Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                        _ => None,
                    })
                    .collect();
                if certs.is_empty() {
                    return Err(format!(
                        "schema registry CA file {}: no certificate in it (expected PEM)",
                        path.display()
                    ));
                }
                tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
            }
            None => tls.root_certs(ureq::tls::RootCerts::PlatformVerifier),
        };
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .tls_config(tls.build())
            .build()
            .into();
        let authorization = match &cfg.auth {
            Auth::None => None,
            Auth::Basic { username, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            )),
            Auth::Bearer(t) => Some(format!("Bearer {t}")),
        };
        Ok(Client {
            agent,
            base: cfg.url.clone(),
            authorization,
        })
    }

    /// The registry's address as it may be shown.
    pub fn shown(&self) -> String {
        crate::support::redact::url(&self.base)
    }

    fn get(&self, path: &str) -> Result<Value, FetchError> {
        let url = format!("{}{path}", self.base);
        let mut req = self.agent.get(&url).header(
            "Accept",
            "application/vnd.schemaregistry.v1+json, application/json",
        );
        if let Some(a) = &self.authorization {
            req = req.header("Authorization", a);
        }
        let mut resp = req.call().map_err(|e| {
            FetchError::Unreachable(format!(
                "schema registry {} unreachable: {}",
                self.shown(),
                words(&e)
            ))
        })?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(BODY_MAX)
            .read_to_string()
            .map_err(|e| FetchError::Unreachable(format!("schema registry answer cut: {e}")))?;
        let json: Option<Value> = serde_json::from_str(&body).ok();
        let message = json
            .as_ref()
            .and_then(|j| j.get("message"))
            .and_then(Value::as_str)
            .map(str::to_string);
        match status {
            200..=299 => json.ok_or_else(|| {
                FetchError::Refused(format!("schema registry answered {path} with no JSON"))
            }),
            404 => Err(FetchError::NotFound(
                message.unwrap_or_else(|| "not found".into()),
            )),
            401 | 403 => Err(FetchError::Refused(format!(
                "schema registry refused access ({status}): check the profile's \
                 schema_registry username and password or token"
            ))),
            _ => Err(FetchError::Refused(format!(
                "schema registry answered {status}{}",
                message.map(|m| format!(": {m}")).unwrap_or_default()
            ))),
        }
    }

    /// `GET /schemas/ids/{id}` with its references, and the first subject and version filed
    /// under it (the detail view names them; a registry without that call leaves them unknown).
    pub fn by_id(&self, id: u32) -> Result<Fetched, FetchError> {
        let v = self
            .get(&format!("/schemas/ids/{id}"))
            .map_err(|e| match e {
                FetchError::NotFound(_) => {
                    FetchError::NotFound(format!("the schema registry has no schema with id {id}"))
                }
                e => e,
            })?;
        let source = self.source(&v, 0)?;
        let filed = self
            .get(&format!("/schemas/ids/{id}/versions"))
            .ok()
            .and_then(|l| l.as_array()?.first().cloned());
        Ok(Fetched {
            id,
            source,
            subject: filed
                .as_ref()
                .and_then(|f| f.get("subject")?.as_str().map(str::to_string)),
            version: filed.as_ref().and_then(|f| f.get("version")?.as_i64()),
        })
    }

    /// `GET /subjects/{subject}/versions/{version}` (`latest` or a number): what publishing
    /// with a subject encodes with.
    pub fn subject(&self, subject: &str, version: &str) -> Result<Fetched, FetchError> {
        let path = format!(
            "/subjects/{}/versions/{}",
            segment(subject),
            segment(version)
        );
        let v = self.get(&path).map_err(|e| match e {
            FetchError::NotFound(m) => {
                FetchError::NotFound(format!("subject {subject:?} version {version}: {m}"))
            }
            e => e,
        })?;
        let id = v
            .get("id")
            .and_then(Value::as_u64)
            .and_then(|i| u32::try_from(i).ok())
            .ok_or_else(|| FetchError::Refused(format!("subject {subject:?}: no schema id")))?;
        Ok(Fetched {
            id,
            source: self.source(&v, 0)?,
            subject: Some(subject.to_string()),
            version: v.get("version").and_then(Value::as_i64),
        })
    }

    /// The schema text of an answer and its references, each reference's own references
    /// first (Avro needs a name defined before it is used).
    fn source(&self, v: &Value, depth: usize) -> Result<Source, FetchError> {
        let format = Format::from_registry(v.get("schemaType").and_then(Value::as_str))
            .ok_or_else(|| {
                FetchError::Refused(format!(
                    "schema type {} is not one kdeck reads (Avro, Protobuf, JSON Schema)",
                    v.get("schemaType").unwrap_or(&Value::Null)
                ))
            })?;
        let text = v
            .get("schema")
            .and_then(Value::as_str)
            .ok_or_else(|| FetchError::Refused("the registry's answer has no schema".into()))?
            .to_string();
        let mut references: Vec<Reference> = Vec::new();
        for r in v
            .get("references")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if depth >= REFERENCE_DEPTH {
                return Err(FetchError::Refused(format!(
                    "schema references nest deeper than {REFERENCE_DEPTH}"
                )));
            }
            let (Some(name), Some(subject)) = (
                r.get("name").and_then(Value::as_str),
                r.get("subject").and_then(Value::as_str),
            ) else {
                continue;
            };
            let version = r
                .get("version")
                .map(|v| v.to_string().trim_matches('"').to_string())
                .unwrap_or_else(|| "latest".into());
            let path = format!(
                "/subjects/{}/versions/{}",
                segment(subject),
                segment(&version)
            );
            let nested = self.source(&self.get(&path)?, depth + 1)?;
            for n in nested.references {
                if !references.iter().any(|x| x.name == n.name) {
                    references.push(n);
                }
            }
            if !references.iter().any(|x| x.name == name) {
                references.push(Reference {
                    name: name.to_string(),
                    text: nested.text,
                });
            }
        }
        Ok(Source {
            format,
            text,
            references,
        })
    }
}

/// A transport error in words (ureq's own say "io: Connection refused (os error 111)").
/// A failed HTTP call in words (also for the services' scraper: the same 5 s timeout).
pub(crate) fn words(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => format!("no answer within {} s", TIMEOUT.as_secs()),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused".into()
        }
        e => e.to_string(),
    }
}

/// A path segment with everything but unreserved characters percent-encoded (subject names
/// may hold `:` or `/`).
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
