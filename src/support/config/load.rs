use super::file::{FileConfig, FileProfile};
use super::*;
use std::path::Path;

/// What the command line says; each set field beats file and environment.
#[derive(Clone, Default)]
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
    /// `--read-only`: refuse every write action.
    pub read_only: bool,
    /// `--schema-registry URL`.
    pub schema_registry: Option<String>,
}

/// By hand, so that a debug print never shows a `-X` password.
impl std::fmt::Debug for Overrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let props: Vec<String> = self
            .properties
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::support::redact::value(k, v)))
            .collect();
        f.debug_struct("Overrides")
            .field("config_path", &self.config_path)
            .field("profile", &self.profile)
            .field("brokers", &self.brokers)
            .field("properties", &props)
            .field("completion", &self.completion)
            .field("status", &self.status)
            .field("dlq", &self.dlq)
            .field("start", &self.start)
            .field("watch_groups", &self.watch_groups)
            .finish()
    }
}

pub const DEFAULT_BROKERS: &str = "localhost:9092";

pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The platform's config file, e.g. `~/.config/kdeck/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "kdeck").map(|d| d.config_dir().join("config.toml"))
}

/// Loads with the real environment and the platform config path.
pub fn load(o: &Overrides) -> Result<Config, ConfigError> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    load_with(o, &env, default_config_path())
}

/// Where a setting came from, for error messages: every error names the file.
pub struct At(String);

impl At {
    pub fn new(source: &Option<PathBuf>) -> At {
        At(source
            .as_ref()
            .map_or("built-in defaults".to_string(), |p| {
                format!("config file {}", p.display())
            }))
    }

    pub fn err(&self, key: &str, msg: impl std::fmt::Display) -> ConfigError {
        ConfigError(format!("{}: key `{key}`: {msg}", self.0))
    }

    fn is_defaults(&self) -> bool {
        self.0 == "built-in defaults"
    }

    pub fn msg(&self, msg: impl std::fmt::Display) -> ConfigError {
        ConfigError(format!("{}: {msg}", self.0))
    }
}

/// Every subcommand loads through here, so the dashboard, `tail` and `lag` accept and refuse
/// exactly the same files (the theme and key bindings are checked by `tui::ui_parts`, which
/// every subcommand calls too).
pub fn load_with(
    o: &Overrides,
    env: Env<'_>,
    platform_path: Option<PathBuf>,
) -> Result<Config, ConfigError> {
    let (source, file) = read_source(o, env, platform_path)?;
    let at = At::new(&source);
    let (profile_name, profile) = choose_profile(o, env, &file, &at)?;
    let cluster = cluster(o, env, &profile, &profile_name, &at)?;
    let prefix = env("KAFKA_TOPIC_PREFIX")
        .or(profile.topic_prefix.clone())
        .unwrap_or_default();
    let topics = topics(o, env, &profile, &prefix);
    // A topic may feed two panes (a DLQ topic that is also a completion topic, in small setups).
    let mut watch_groups = profile.watch_groups.clone();
    for g in o.watch_groups.iter().cloned().chain(env("KAFKA_GROUP_ID")) {
        if !watch_groups.contains(&g) {
            watch_groups.push(g);
        }
    }
    let replay =
        super::replay::resolve(profile.replay.as_ref(), &profile_name, &|k, m| at.err(k, m))?;
    let read_only = super::replay::read_only(o.read_only, profile.read_only, &profile_name);
    let jobs = super::jobs::resolve(profile.jobs.as_ref(), &profile_name, &|k, m| at.err(k, m))?;
    let filters = super::filters::resolve(&file.filters, &|k, m| at.err(k, m))?;
    let schemas = super::schemas::resolve(
        o.schema_registry.as_deref(),
        env,
        profile.schema_registry.as_ref(),
        &profile.schemas,
        source.as_deref().and_then(Path::parent),
        &|k, m| at.err(&format!("profiles.{profile_name}.{k}"), m),
    )?;
    let services =
        super::services::resolve(&profile.services, &profile_name, &|k, m| at.err(k, m))?;
    let cfg = Config {
        services,
        schemas,
        filters,
        jobs,
        read_only,
        replay,
        lag_topics: lag_topics(&profile, &prefix, &topics.request),
        ui: ui_config(&file, &at)?,
        consumer: consumer_config(o, &file, &watch_groups, &at)?,
        lag: lag_config(&file, &at)?,
        source,
        profile: profile_name,
        cluster,
        topics,
        topic_prefix: prefix,
        watch_groups,
        keys: file.keys,
    };
    Ok(cfg)
}

fn read_source(
    o: &Overrides,
    env: Env<'_>,
    platform_path: Option<PathBuf>,
) -> Result<(Option<PathBuf>, FileConfig), ConfigError> {
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
    Ok((source, file))
}

/// `--profile`, then `KDECK_PROFILE`, then `default_profile`, then the only profile there is.
/// With several profiles and none chosen kdeck asks rather than guess: connecting to built-in
/// defaults while the file names real clusters would show the wrong cluster without a word.
fn choose_profile(
    o: &Overrides,
    env: Env<'_>,
    file: &FileConfig,
    at: &At,
) -> Result<(String, FileProfile), ConfigError> {
    let defined = || -> String {
        if file.profiles.is_empty() {
            "none".to_string()
        } else {
            file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    let named = o
        .profile
        .clone()
        .map(|p| (p, "--profile"))
        .or_else(|| env("KDECK_PROFILE").map(|p| (p, "KDECK_PROFILE")))
        .or_else(|| file.default_profile.clone().map(|p| (p, "default_profile")));
    match named {
        Some((name, from)) => match file.profiles.get(&name) {
            Some(p) => Ok((name, p.clone())),
            // Naming the built-in profile when the file defines none is fine.
            None if name == "default" && file.profiles.is_empty() => {
                Ok((name, FileProfile::default()))
            }
            None if at.is_defaults() => Err(ConfigError(format!(
                "profile `{name}` (from {from}) is not defined: no config file was found \
                 (pass --config PATH or set KDECK_CONFIG)"
            ))),
            None => Err(at.msg(format!(
                "profile `{name}` (from {from}) is not defined (defined: {})",
                defined()
            ))),
        },
        None => match file.profiles.len() {
            0 => Ok(("default".into(), FileProfile::default())),
            1 => {
                let (n, p) = file.profiles.iter().next().expect("one profile");
                Ok((n.clone(), p.clone()))
            }
            n => Err(at.msg(format!(
                "{n} profiles are defined ({}) and none is chosen: pass --profile NAME \
                 (or set KDECK_PROFILE), or set default_profile = \"NAME\" in the file",
                defined()
            ))),
        },
    }
}

/// Cluster: defaults < profile < env < flags.
fn cluster(
    o: &Overrides,
    env: Env<'_>,
    profile: &FileProfile,
    profile_name: &str,
    at: &At,
) -> Result<Cluster, ConfigError> {
    let brokers = o
        .brokers
        .clone()
        .or_else(|| env("KAFKA_BROKERS"))
        .or_else(|| env("KAFKA_BOOTSTRAP_SERVERS"))
        .or(profile.brokers.clone())
        .unwrap_or_else(|| DEFAULT_BROKERS.to_string());
    if brokers.trim().is_empty() {
        return Err(at.err(
            &format!("profiles.{profile_name}.brokers"),
            "expected host:port[,host:port...], got an empty string",
        ));
    }
    let client_id = env("KAFKA_CLIENT_ID")
        .or(profile.client_id.clone())
        .unwrap_or_else(|| "kdeck".to_string());
    let mut properties = security_properties(env, profile);
    for (k, v) in &profile.librdkafka {
        properties.insert(k.clone(), v.clone());
    }
    for (k, v) in &o.properties {
        properties.insert(k.clone(), v.clone());
    }
    Ok(Cluster {
        brokers,
        client_id,
        properties,
    })
}

/// The FRANC portal's and the task manager's security variables (and the profile's keys of the
/// same meaning) as librdkafka properties.
fn security_properties(env: Env<'_>, profile: &FileProfile) -> BTreeMap<String, String> {
    let p = profile;
    let security = [
        (
            "security.protocol",
            &p.security_protocol,
            "KAFKA_SECURITY_PROTOCOL",
        ),
        ("sasl.mechanism", &p.sasl_mechanism, "KAFKA_SASL_MECHANISM"),
        ("sasl.username", &p.sasl_username, "KAFKA_SASL_USERNAME"),
        ("sasl.password", &p.sasl_password, "KAFKA_SASL_PASSWORD"),
        ("ssl.ca.location", &p.ssl_ca_file, "KAFKA_SSL_CAFILE"),
        (
            "ssl.certificate.location",
            &p.ssl_cert_file,
            "KAFKA_SSL_CERTFILE",
        ),
        ("ssl.key.location", &p.ssl_key_file, "KAFKA_SSL_KEYFILE"),
    ];
    let mut props = BTreeMap::new();
    for (prop, from_file, var) in security {
        if let Some(v) = env(var).or(from_file.clone()) {
            let v = match prop {
                // The task manager (kafkajs) writes "plain" or "scram-sha-256"; librdkafka wants
                // upper case.
                "sasl.mechanism" | "security.protocol" => v.to_ascii_uppercase(),
                _ => v,
            };
            props.insert(prop.to_string(), v);
        }
    }
    // The task manager switches TLS and SASL on with booleans instead of naming the protocol.
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
    props
}

/// `{prefix}` in a topic name: replaced, or the topic dropped when no prefix is set.
fn with_prefix(t: String, prefix: &str) -> Option<String> {
    if !t.contains("{prefix}") {
        return Some(t);
    }
    (!prefix.is_empty()).then(|| t.replace("{prefix}", prefix))
}

fn topics(o: &Overrides, env: Env<'_>, profile: &FileProfile, prefix: &str) -> Topics {
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
        for t in chosen.into_iter().filter_map(|t| with_prefix(t, prefix)) {
            if !t.is_empty() && !out.contains(&t) {
                out.push(t);
            }
        }
        out
    };
    Topics {
        // A profile that named its request topics as lag_topics (before topics.request
        // existed) keeps them as request topics.
        request: pick(
            &Vec::new(),
            &["WEB_CRAWL_REQUEST_TOPIC"],
            ft.request.or(profile.lag_topics.clone()),
            REQUEST_TOPICS,
        ),
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
    }
}

/// The services' request topics: the infinite scheduler's, the task manager's and the FRANC
/// portal's.
pub const REQUEST_TOPICS: &[&str] = &[
    "scheduler.jobs.ingest",
    "requests-web-crawl",
    "{prefix}.device.connection",
    "{prefix}.datacenter.deployment",
    "{prefix}.pop.deployment",
];

/// The profile's `lag_topics`, else the request topics (the groups kdeck watches consume them).
fn lag_topics(profile: &FileProfile, prefix: &str, request: &[String]) -> Vec<String> {
    match &profile.lag_topics {
        Some(v) => v
            .iter()
            .cloned()
            .filter_map(|t| with_prefix(t, prefix))
            .collect(),
        None => request.to_vec(),
    }
}

fn ui_config(file: &FileConfig, at: &At) -> Result<UiConfig, ConfigError> {
    let ui = UiConfig {
        theme: file.ui.theme.clone().unwrap_or_else(|| "default".into()),
        buffer_size: file.ui.buffer_size.unwrap_or(2000),
        max_value_bytes: file.ui.max_value_bytes.unwrap_or(1 << 20),
        max_fps: file.ui.max_fps.unwrap_or(30),
        mouse: file.ui.mouse.unwrap_or(true),
        clipboard_osc52: match file.ui.clipboard.as_deref().map(str::trim) {
            None | Some("off") | Some("none") | Some("") => false,
            Some("osc52") => true,
            Some(other) => {
                return Err(at.err(
                    "ui.clipboard",
                    format!("expected \"osc52\" or \"off\", got {other:?}"),
                ))
            }
        },
    };
    if !(10..=1_000_000).contains(&ui.buffer_size) {
        return Err(at.err(
            "ui.buffer_size",
            format!(
                "expected 10..=1000000 records per pane, got {}",
                ui.buffer_size
            ),
        ));
    }
    if ui.max_value_bytes < 256 {
        return Err(at.err(
            "ui.max_value_bytes",
            format!("expected at least 256 bytes, got {}", ui.max_value_bytes),
        ));
    }
    if !(1..=120).contains(&ui.max_fps) {
        return Err(at.err(
            "ui.max_fps",
            format!("expected 1..=120, got {}", ui.max_fps),
        ));
    }
    Ok(ui)
}

fn consumer_config(
    o: &Overrides,
    file: &FileConfig,
    watch_groups: &[String],
    at: &At,
) -> Result<ConsumerConfig, ConfigError> {
    let start_text = o
        .start
        .clone()
        .or(file.consumer.start.clone())
        .unwrap_or_else(|| "-50".into());
    let start = StartAt::parse(&start_text).map_err(|m| {
        if o.start.is_some() {
            ConfigError(format!("--from: {m}"))
        } else {
            at.err("consumer.start", m)
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
        return Err(at.err(
            "consumer.group_id",
            format!(
                "{:?} is also a watched group; kdeck's own group must differ so it never disturbs yours",
                consumer.group_id
            ),
        ));
    }
    Ok(consumer)
}

fn lag_config(file: &FileConfig, at: &At) -> Result<LagConfig, ConfigError> {
    let lag = LagConfig {
        refresh_ms: file.lag.refresh_ms.unwrap_or(1500),
        window: file.lag.window.unwrap_or(10),
        allowed_lag: file.lag.allowed_lag.unwrap_or(0),
        discover_groups: file.lag.discover_groups.unwrap_or(true),
        simulated_groups: Vec::new(),
    };
    if lag.refresh_ms < 200 {
        return Err(at.err(
            "lag.refresh_ms",
            format!("expected at least 200 ms, got {}", lag.refresh_ms),
        ));
    }
    if !(2..=200).contains(&lag.window) {
        return Err(at.err(
            "lag.window",
            format!("expected 2..=200 refreshes, got {}", lag.window),
        ));
    }
    if lag.allowed_lag < 0 {
        return Err(at.err(
            "lag.allowed_lag",
            format!("expected 0 or more, got {}", lag.allowed_lag),
        ));
    }
    Ok(lag)
}

/// Parses the file; errors name the file, the line and the key, in words. When the key (or
/// the line) looks like it holds a secret, quoted parts of the message are masked: serde
/// quotes the value it refused.
fn parse_file(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
    let line_of = |span: Option<std::ops::Range<usize>>| {
        span.map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
    };
    let line_text = |line: Option<usize>| {
        line.and_then(|l| text.lines().nth(l - 1))
            .unwrap_or_default()
    };
    let secret_line = |line: Option<usize>| {
        let l = line_text(line);
        l.split_once('=').is_some_and(|(k, _)| {
            crate::support::redact::is_secret_name(k.trim().trim_matches('"'))
        })
    };
    let at_line = |line: Option<usize>| line.map_or(String::new(), |l| format!(" line {l}"));
    let de = toml::Deserializer::parse(text).map_err(|e| {
        let line = line_of(e.span());
        let m = words::humanize(&mask_if(secret_line(line), e.message()));
        ConfigError(format!(
            "config file {}{}: {}",
            path.display(),
            at_line(line),
            one_line(&m)
        ))
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let line = line_of(inner.span());
        let secret = crate::support::redact::is_secret_name(&key) || secret_line(line);
        let m = words::humanize(&mask_if(secret, inner.message()));
        ConfigError(format!(
            "config file {}{}: key `{}`: {}",
            path.display(),
            at_line(line),
            key,
            one_line(&m)
        ))
    })
}

/// serde quotes the value it refused; about a secret-looking key, every quoted part is masked.
/// Messages about key names carry no value and stay readable.
fn mask_if(secret: bool, message: &str) -> String {
    let about_names = [
        "unknown field",
        "missing field",
        "duplicate key",
        "duplicate field",
    ];
    if secret && !about_names.iter().any(|p| message.trim().starts_with(p)) {
        crate::support::redact::quoted(message)
    } else {
        message.to_string()
    }
}

/// toml's messages may span lines ("expected `]`\n..."); an error here is one line.
fn one_line(m: &str) -> String {
    m.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}
