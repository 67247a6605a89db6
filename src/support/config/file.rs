//! The config file's shape. Every field optional: what is missing falls back to defaults.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub ui: FileUi,
    #[serde(default)]
    pub consumer: FileConsumer,
    #[serde(default)]
    pub lag: FileLag,
    #[serde(default)]
    pub keys: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    pub profiles: BTreeMap<String, FileProfile>,
    #[serde(default)]
    pub filters: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileUi {
    pub theme: Option<String>,
    pub buffer_size: Option<usize>,
    pub max_value_bytes: Option<usize>,
    pub max_fps: Option<u32>,
    pub mouse: Option<bool>,
    pub clipboard: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConsumer {
    pub start: Option<String>,
    pub group_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileLag {
    pub refresh_ms: Option<u64>,
    pub window: Option<usize>,
    pub allowed_lag: Option<i64>,
    pub discover_groups: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileProfile {
    pub brokers: Option<String>,
    pub client_id: Option<String>,
    pub topic_prefix: Option<String>,
    pub security_protocol: Option<String>,
    pub sasl_mechanism: Option<String>,
    pub sasl_username: Option<String>,
    pub sasl_password: Option<String>,
    pub ssl_ca_file: Option<String>,
    pub ssl_cert_file: Option<String>,
    pub ssl_key_file: Option<String>,
    #[serde(default)]
    pub watch_groups: Vec<String>,
    pub lag_topics: Option<Vec<String>>,
    pub topics: Option<FileTopics>,
    #[serde(default)]
    pub librdkafka: BTreeMap<String, String>,
    pub read_only: Option<bool>,
    pub replay: Option<super::replay::FileReplay>,
    pub jobs: Option<super::jobs::FileJobs>,
    pub schema_registry: Option<super::schemas::FileRegistry>,
    #[serde(default)]
    pub schemas: Vec<super::schemas::FileLocalSchema>,
    #[serde(default)]
    pub services: Vec<super::services::FileService>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileTopics {
    pub request: Option<Vec<String>>,
    pub completion: Option<Vec<String>>,
    pub status: Option<Vec<String>>,
    pub dlq: Option<Vec<String>>,
}
