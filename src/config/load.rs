use super::file::{FileConfig, FileProfile};
use super::*;
use std::path::Path;

/// What the command line says; each set field beats file and environment.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_path: Option<PathBuf>,
    pub profile: Option<String>,
    pub brokers: Option<String>,
    /// `-X key=value`, like kcat.
    pub properties: Vec<(String, String)>,
    pub completion: Vec<String>,
    pub status: Vec<String>,
    pub dlq: Vec<String>,
    pub start: Option<String>,
    pub watch_groups: Vec<String>,
}

pub const DEFAULT_BROKERS: &str = "localhost:9092";

/// The platform's config file, e.g. `~/.config/kdeck/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kdeck").map(|d| d.config_dir().join("config.toml"))
}

/// Loads with the real environment and the platform config path.
pub fn load(o: &Overrides) -> Result<Config, ConfigError> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    load_with(o, &env, default_config_path())
}

pub fn load_with(
    o: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
    platform_path: Option<PathBuf>,
) -> Result<Config, ConfigError> {
    let explicit = o
        .config_path
        .clone()
        .or_else(|| env("KDECK_CONFIG").map(PathBuf::from));
    // An explicit file must exist; the platform one is optional.
    let source = explicit.or_else(|| platform_path.filter(|p| p.exists()));
    let file = match &source {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| {
                ConfigError(format!("config file {}: cannot read it: {e}", p.display()))
            })?;
            parse_file(&text, p)?
        }
        None => FileConfig::default(),
    };
    let where_ = source
        .as_ref()
        .map_or("defaults".to_string(), |p| p.display().to_string());
    let err = |key: &str, msg: String| ConfigError(format!("{where_}: key `{key}`: {msg}"));

    let profile_name = o
        .profile
        .clone()
        .or_else(|| env("KDECK_PROFILE"))
        .or_else(|| file.default_profile.clone())
        .or_else(|| {
            (file.profiles.len() == 1).then(|| file.profiles.keys().next().cloned().unwrap())
        })
        .unwrap_or_else(|| "default".to_string());
    let profile: FileProfile = match file.profiles.get(&profile_name) {
        Some(p) => p.clone(),
        None if o.profile.is_some() || file.default_profile.is_some() => {
            let have: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
            return Err(ConfigError(format!(
                "{where_}: profile `{profile_name}` is not defined (defined: {})",
                if have.is_empty() {
                    "none".to_string()
                } else {
                    have.join(", ")
                }
            )));
        }
        None => FileProfile::default(),
    };

    // Cluster: defaults < profile < env < flags.
    let brokers = o
        .brokers
        .clone()
        .or_else(|| env("KAFKA_BROKERS"))
        .or_else(|| env("KAFKA_BOOTSTRAP_SERVERS"))
        .or(profile.brokers.clone())
        .unwrap_or_else(|| DEFAULT_BROKERS.to_string());
    if brokers.trim().is_empty() {
        return Err(err(
            &format!("profiles.{profile_name}.brokers"),
            "expected host:port[,host:port...], got an empty string".into(),
        ));
    }
    let client_id = env("KAFKA_CLIENT_ID")
        .or(profile.client_id.clone())
        .unwrap_or_else(|| "kdeck".to_string());

    let mut props = BTreeMap::new();
    let security = [
        (
            "security.protocol",
            profile.security_protocol.clone(),
            "KAFKA_SECURITY_PROTOCOL",
        ),
        (
            "sasl.mechanism",
            profile.sasl_mechanism.clone(),
            "KAFKA_SASL_MECHANISM",
        ),
        (
            "sasl.username",
            profile.sasl_username.clone(),
            "KAFKA_SASL_USERNAME",
        ),
        (
            "sasl.password",
            profile.sasl_password.clone(),
            "KAFKA_SASL_PASSWORD",
        ),
        (
            "ssl.ca.location",
            profile.ssl_ca_file.clone(),
            "KAFKA_SSL_CAFILE",
        ),
        (
            "ssl.certificate.location",
            profile.ssl_cert_file.clone(),
            "KAFKA_SSL_CERTFILE",
        ),
        (
            "ssl.key.location",
            profile.ssl_key_file.clone(),
            "KAFKA_SSL_KEYFILE",
        ),
    ];
    for (prop, from_file, var) in security {
        if let Some(v) = env(var).or(from_file) {
            let v = match prop {
                // Clients in the seeds write "plain" or "scram-sha-256"; librdkafka wants upper case.
                "sasl.mechanism" | "security.protocol" => v.to_ascii_uppercase(),
                _ => v,
            };
            props.insert(prop.to_string(), v);
        }
    }
    // Seed 004 switches TLS and SASL on with booleans instead of naming the protocol.
    if !props.contains_key("security.protocol") {
        let on = |k: &str| env(k).is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
        let proto = match (on("KAFKA_SSL_ENABLED"), on("KAFKA_SASL_ENABLED")) {
            (true, true) => Some("SASL_SSL"),
            (true, false) => Some("SSL"),
            (false, true) => Some("SASL_PLAINTEXT"),
            _ => None,
        };
        if let Some(p) = proto {
            props.insert("security.protocol".into(), p.into());
        }
    }
    for (k, v) in &profile.librdkafka {
        props.insert(k.clone(), v.clone());
    }
    for (k, v) in &o.properties {
        props.insert(k.clone(), v.clone());
    }

    // Topics.
    let prefix = env("KAFKA_TOPIC_PREFIX")
        .or(profile.topic_prefix.clone())
        .unwrap_or_default();
    let ft = profile.topics.clone().unwrap_or_default();
    let pick = |flag: &Vec<String>,
                env_names: &[&str],
                from_file: Option<Vec<String>>,
                default: &[&str]|
     -> Vec<String> {
        let chosen: Vec<String> = if !flag.is_empty() {
            flag.clone()
        } else if let Some(v) = env_names.iter().find_map(|n| env(n)) {
            v.split(',').map(|s| s.trim().to_string()).collect()
        } else if let Some(v) = from_file {
            v
        } else {
            default.iter().map(|s| s.to_string()).collect()
        };
        let mut out: Vec<String> = Vec::new();
        for t in chosen {
            let t = if t.contains("{prefix}") {
                if prefix.is_empty() {
                    continue;
                }
                t.replace("{prefix}", &prefix)
            } else {
                t
            };
            if !t.is_empty() && !out.contains(&t) {
                out.push(t);
            }
        }
        out
    };
    let topics = Topics {
        completion: pick(
            &o.completion,
            &["KAFKA_TOPIC"],
            ft.completion,
            &["export-completions", "{prefix}.task.completion"],
        ),
        status: pick(
            &o.status,
            &["TASK_STATUS_TOPIC"],
            ft.status,
            &["task-status", "{prefix}.task.status"],
        ),
        dlq: pick(
            &o.dlq,
            &["KAFKA_CONSUMER_DLQ_TOPIC", "KAFKA_PRODUCER_DLQ_TOPIC"],
            ft.dlq,
            &["dlq-domain-services"],
        ),
    };
    // A topic may feed two panes (a DLQ topic that is also a completion topic, in small setups).

    let mut watch_groups = profile.watch_groups.clone();
    for g in o.watch_groups.iter().cloned().chain(env("KAFKA_GROUP_ID")) {
        if !watch_groups.contains(&g) {
            watch_groups.push(g);
        }
    }

    let lag_topics: Vec<String> = profile
        .lag_topics
        .clone()
        .unwrap_or_else(|| {
            [
                "scheduler.jobs.ingest",
                "requests-web-crawl",
                "{prefix}.device.connection",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        })
        .into_iter()
        .filter_map(|t| {
            if t.contains("{prefix}") {
                (!prefix.is_empty()).then(|| t.replace("{prefix}", &prefix))
            } else {
                Some(t)
            }
        })
        .collect();

    let ui = UiConfig {
        theme: file.ui.theme.clone().unwrap_or_else(|| "default".into()),
        buffer_size: file.ui.buffer_size.unwrap_or(2000),
        max_value_bytes: file.ui.max_value_bytes.unwrap_or(1 << 20),
        max_fps: file.ui.max_fps.unwrap_or(30),
    };
    if !(10..=1_000_000).contains(&ui.buffer_size) {
        return Err(err(
            "ui.buffer_size",
            format!(
                "expected 10..=1000000 records per pane, got {}",
                ui.buffer_size
            ),
        ));
    }
    if ui.max_value_bytes < 256 {
        return Err(err(
            "ui.max_value_bytes",
            format!("expected at least 256 bytes, got {}", ui.max_value_bytes),
        ));
    }
    if !(1..=120).contains(&ui.max_fps) {
        return Err(err(
            "ui.max_fps",
            format!("expected 1..=120, got {}", ui.max_fps),
        ));
    }

    let start_text = o
        .start
        .clone()
        .or(file.consumer.start.clone())
        .unwrap_or_else(|| "-50".into());
    let start = StartAt::parse(&start_text).map_err(|m| {
        if o.start.is_some() {
            ConfigError(format!("--from: {m}"))
        } else {
            err("consumer.start", m)
        }
    })?;
    let consumer = ConsumerConfig {
        start,
        group_id: file
            .consumer
            .group_id
            .clone()
            .unwrap_or_else(|| "kdeck-viewer".into()),
    };
    if watch_groups.contains(&consumer.group_id) {
        return Err(err(
            "consumer.group_id",
            format!(
                "{:?} is also a watched group; kdeck's own group must differ so it never disturbs yours",
                consumer.group_id
            ),
        ));
    }

    let lag = LagConfig {
        refresh_ms: file.lag.refresh_ms.unwrap_or(1500),
        window: file.lag.window.unwrap_or(10),
        allowed_lag: file.lag.allowed_lag.unwrap_or(0),
        discover_groups: file.lag.discover_groups.unwrap_or(true),
    };
    if lag.refresh_ms < 200 {
        return Err(err(
            "lag.refresh_ms",
            format!("expected at least 200 ms, got {}", lag.refresh_ms),
        ));
    }
    if !(2..=200).contains(&lag.window) {
        return Err(err(
            "lag.window",
            format!("expected 2..=200 refreshes, got {}", lag.window),
        ));
    }
    if lag.allowed_lag < 0 {
        return Err(err(
            "lag.allowed_lag",
            format!("expected 0 or more, got {}", lag.allowed_lag),
        ));
    }

    Ok(Config {
        source,
        profile: profile_name,
        cluster: Cluster {
            brokers,
            client_id,
            properties: props,
        },
        topics,
        watch_groups,
        lag_topics,
        ui,
        consumer,
        lag,
        keys: file.keys,
    })
}

fn parse_file(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
    let line_of = |span: Option<std::ops::Range<usize>>| {
        span.map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
    };
    let de = toml::Deserializer::parse(text).map_err(|e| {
        ConfigError(format!(
            "config file {}{}: {}",
            path.display(),
            line_of(e.span()).map_or(String::new(), |l| format!(" line {l}")),
            e.message().trim()
        ))
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        ConfigError(format!(
            "config file {}{}: key `{}`: {}",
            path.display(),
            line_of(inner.span()).map_or(String::new(), |l| format!(" line {l}")),
            key,
            inner.message().trim()
        ))
    })
}
