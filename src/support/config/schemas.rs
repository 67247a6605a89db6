//! The profile's schemas: a Confluent-compatible schema registry, and local schema files mapped
//! to topics for clusters without one.
//!
//! ```toml
//! [profiles.prod.schema_registry]
//! url = "https://registry:8081"     # or SCHEMA_REGISTRY_URL, or --schema-registry
//! username = "svc"                  # basic auth (or SCHEMA_REGISTRY_USERNAME / _PASSWORD)
//! password = "…"
//! # token = "…"                     # bearer token instead (SCHEMA_REGISTRY_TOKEN)
//! ca_file = "/etc/ssl/registry-ca.pem"
//!
//! [[profiles.prod.schemas]]         # without a registry: a local schema per topic
//! topic = "task-events"
//! file = "schemas/task.proto"       # .avsc (Avro), .proto (Protobuf), .json (JSON Schema)
//! message = "kdeck.test.TaskStatus" # Protobuf: which message (default: the record's indexes)
//! ```

use super::load::Env;
use super::ConfigError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileRegistry {
    pub url: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub token: Option<String>,
    pub ca_file: Option<String>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileLocalSchema {
    pub topic: String,
    pub file: String,
    pub message: Option<String>,
}

#[derive(Clone, PartialEq, Default)]
pub struct SchemaConfig {
    pub registry: Option<RegistryConfig>,
    pub local: Vec<LocalSchema>,
}

#[derive(Clone, PartialEq)]
pub struct RegistryConfig {
    /// Without a trailing slash.
    pub url: String,
    pub auth: Auth,
    pub ca_file: Option<PathBuf>,
}

#[derive(Clone, PartialEq)]
pub enum Auth {
    None,
    Basic { username: String, password: String },
    Bearer(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct LocalSchema {
    pub topic: String,
    pub file: PathBuf,
    pub message: Option<String>,
    /// The schema's text when it is compiled in (the demo's); `file` then only names it.
    pub text: Option<&'static str>,
}

/// By hand: a debug print never shows a password or token.
impl std::fmt::Debug for SchemaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let registry = self.registry.as_ref().map(|r| {
            let auth = match &r.auth {
                Auth::None => "none".to_string(),
                Auth::Basic { username, .. } => format!("basic {username}:****"),
                Auth::Bearer(_) => "bearer ****".to_string(),
            };
            format!("{} (auth {auth})", crate::support::redact::url(&r.url))
        });
        f.debug_struct("SchemaConfig")
            .field("registry", &registry)
            .field("local", &self.local)
            .finish()
    }
}

/// Flag beats environment beats file. Relative schema files are read from the config file's
/// directory, so a profile works from any working directory.
pub fn resolve(
    flag_url: Option<&str>,
    env: Env<'_>,
    reg: Option<&FileRegistry>,
    local: &[FileLocalSchema],
    base: Option<&Path>,
    err: &dyn Fn(&str, String) -> ConfigError,
) -> Result<SchemaConfig, ConfigError> {
    let reg = reg.cloned().unwrap_or_default();
    let url = flag_url
        .map(str::to_string)
        .or_else(|| env("SCHEMA_REGISTRY_URL"))
        .or(reg.url.clone());
    let registry = match url {
        None => None,
        Some(url) => Some(registry(url, env, &reg, base, err)?),
    };
    let local = local
        .iter()
        .map(|l| {
            if l.topic.trim().is_empty() {
                return Err(err("schemas.topic", "must name a topic".into()));
            }
            Ok(LocalSchema {
                topic: l.topic.clone(),
                file: relative_to(base, &l.file),
                message: l.message.clone(),
                text: None,
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(SchemaConfig { registry, local })
}

fn registry(
    url: String,
    env: Env<'_>,
    reg: &FileRegistry,
    base: Option<&Path>,
    err: &dyn Fn(&str, String) -> ConfigError,
) -> Result<RegistryConfig, ConfigError> {
    let url = url.trim().trim_end_matches('/').to_string();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(err(
            "schema_registry.url",
            format!(
                "expected an http:// or https:// address, got {:?}",
                crate::support::redact::url(&url)
            ),
        ));
    }
    let username = env("SCHEMA_REGISTRY_USERNAME").or(reg.username.clone());
    let password = env("SCHEMA_REGISTRY_PASSWORD").or(reg.password.clone());
    let token = env("SCHEMA_REGISTRY_TOKEN").or(reg.token.clone());
    let auth = match (username, password, token) {
        (Some(_), _, Some(_)) => {
            return Err(err(
                "schema_registry",
                "give a username and password or a token, not both".into(),
            ))
        }
        (Some(username), Some(password), None) => Auth::Basic { username, password },
        (Some(_), None, None) => {
            return Err(err(
                "schema_registry.password",
                "a username needs a password".into(),
            ))
        }
        (None, _, Some(t)) => Auth::Bearer(t),
        (None, _, None) => Auth::None,
    };
    Ok(RegistryConfig {
        url,
        auth,
        ca_file: reg.ca_file.as_deref().map(|f| relative_to(base, f)),
    })
}

fn relative_to(base: Option<&Path>, file: &str) -> PathBuf {
    let p = PathBuf::from(file);
    match base {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(k: &str, m: String) -> ConfigError {
        ConfigError(format!("{k}: {m}"))
    }

    fn with_env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_flag_beats_the_environment_which_beats_the_file() {
        let file = FileRegistry {
            url: Some("http://file:8081/".into()),
            ..Default::default()
        };
        let env = with_env(&[("SCHEMA_REGISTRY_URL", "http://env:8081")]);
        let url = |flag: Option<&str>, env: &dyn Fn(&str) -> Option<String>| {
            resolve(flag, env, Some(&file), &[], None, &err)
                .unwrap()
                .registry
                .unwrap()
                .url
        };
        assert_eq!(url(Some("https://flag:1"), &env), "https://flag:1");
        assert_eq!(url(None, &env), "http://env:8081");
        assert_eq!(url(None, &with_env(&[])), "http://file:8081");
        let none = resolve(None, &with_env(&[]), None, &[], None, &err).unwrap();
        assert!(none.registry.is_none());
    }

    #[test]
    fn mistakes_are_named_and_secrets_never_shown() {
        let e = resolve(Some("registry:8081"), &with_env(&[]), None, &[], None, &err);
        assert!(e.unwrap_err().0.contains("http:// or https://"));
        let both = FileRegistry {
            url: Some("http://r".into()),
            username: Some("u".into()),
            password: Some("p".into()),
            token: Some("t".into()),
            ..Default::default()
        };
        let e = resolve(None, &with_env(&[]), Some(&both), &[], None, &err).unwrap_err();
        assert!(e.0.contains("not both"), "{}", e.0);
        let basic = FileRegistry {
            token: None,
            password: Some("s3cret-pw".into()),
            ..both.clone()
        };
        let cfg = resolve(None, &with_env(&[]), Some(&basic), &[], None, &err).unwrap();
        assert!(matches!(
            cfg.registry.as_ref().unwrap().auth,
            Auth::Basic { .. }
        ));
        let shown = format!("{cfg:?}");
        assert!(
            !shown.contains("s3cret-pw") && shown.contains("basic u:"),
            "{shown}"
        );
        let in_url = resolve(
            Some("https://u:hunter2@r:1"),
            &with_env(&[]),
            None,
            &[],
            None,
            &err,
        );
        let shown = format!("{:?}", in_url.unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn a_local_file_is_read_from_the_config_files_folder() {
        let local = [FileLocalSchema {
            topic: "t".into(),
            file: "schemas/a.avsc".into(),
            message: None,
        }];
        let base = Path::new("/etc/kdeck");
        let cfg = resolve(None, &with_env(&[]), None, &local, Some(base), &err).unwrap();
        assert_eq!(cfg.local[0].file, Path::new("/etc/kdeck/schemas/a.avsc"));
    }
}
