//! Plain data types shared by every layer. No ratatui, no rdkafka.

pub mod browse;
pub mod clock;
pub mod event;
pub mod export;
pub mod job;
pub mod lag;
pub mod offsets;
pub mod publish;
pub mod replay;
pub mod search;
pub mod work;

use serde::{Deserialize, Serialize};

/// Which pane a topic feeds. A topic may serve one role only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Completion,
    Status,
    Dlq,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Completion, Role::Status, Role::Dlq];

    pub fn title(self) -> &'static str {
        match self {
            Role::Completion => "Completions",
            Role::Status => "Status",
            Role::Dlq => "DLQ",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Role::Completion => 0,
            Role::Status => 1,
            Role::Dlq => 2,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub key: String,
    pub value: Option<Vec<u8>>,
}

impl Header {
    pub fn value_str(&self) -> Option<&str> {
        self.value
            .as_deref()
            .and_then(|v| std::str::from_utf8(v).ok())
    }
}

/// What a record's value turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PayloadKind {
    /// A tombstone: the record has no value at all.
    Null,
    Empty,
    Json,
    Text,
    Binary,
    /// In the Confluent wire format (a zero byte and a schema id): `Decoded::schema` says which
    /// schema and whether it decoded.
    Schema,
}

/// A value in the Confluent wire format: its schema and what became of decoding it.
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaUse {
    /// "Avro", "Protobuf" or "JSON Schema"; empty while the schema is not known.
    pub format: String,
    /// The id in the record's header (None: a local schema file read a value without one).
    pub id: Option<u32>,
    pub subject: Option<String>,
    pub version: Option<i64>,
    /// Protobuf: the message's full name.
    pub message: Option<String>,
    /// A local schema file's path, when that is where the schema came from.
    pub file: Option<String>,
    pub state: SchemaState,
    /// The decoded value as compact JSON text: what filters, search, the detail view and
    /// `kdeck tail` read instead of the bytes.
    pub json: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SchemaState {
    Decoded,
    /// The schema is being fetched: decoded again when it arrives.
    Pending,
    /// Shown as bytes, with the reason in words.
    Failed(String),
}

/// How a status word reads to a human: what colour it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum StatusClass {
    Ok,
    Failed,
    Progress,
    Pending,
    Unknown,
}

impl StatusClass {
    pub fn from_word(word: &str) -> StatusClass {
        let w = word.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        match w.as_str() {
            "complete" | "completed" | "success" | "succeeded" | "successful" | "done" | "ok"
            | "finished" | "delivered" | "processed" => StatusClass::Ok,
            "failed" | "failure" | "error" | "errored" | "dead" | "timeout" | "timed_out"
            | "cancelled" | "canceled" | "rejected" | "aborted" | "dlq" => StatusClass::Failed,
            "in_progress" | "running" | "processing" | "started" | "progress" | "active"
            | "retrying" => StatusClass::Progress,
            "new" | "pending" | "queued" | "scheduled" | "requested" | "created" | "accepted"
            | "received" | "submitted" => StatusClass::Pending,
            _ => StatusClass::Unknown,
        }
    }
}

/// Which dead-letter writer's headers a DLQ record carries (see `decode::dlq`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DlqDialect {
    /// The pipeline executor's Go Kafka package (segmentio/kafka-go) and kdeck's own demo:
    /// `dlq-*` and the package's standard headers.
    GoPackage,
    SpringDlt,
    SpringRetryTopic,
    SpringCloudStream,
    SmallRye,
    KafkaConnect,
    KafkaStreams,
    ShareGroup,
    Karafka,
}

impl DlqDialect {
    /// Every dialect kdeck decodes.
    pub const ALL: [DlqDialect; 9] = [
        DlqDialect::GoPackage,
        DlqDialect::SpringDlt,
        DlqDialect::SpringRetryTopic,
        DlqDialect::SpringCloudStream,
        DlqDialect::SmallRye,
        DlqDialect::KafkaConnect,
        DlqDialect::KafkaStreams,
        DlqDialect::ShareGroup,
        DlqDialect::Karafka,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DlqDialect::GoPackage => "pipeline executor's Go package",
            DlqDialect::SpringDlt => "Spring DeadLetterPublishingRecoverer",
            DlqDialect::SpringRetryTopic => "Spring @RetryableTopic",
            DlqDialect::SpringCloudStream => "Spring Cloud Stream",
            DlqDialect::SmallRye => "SmallRye / Quarkus",
            DlqDialect::KafkaConnect => "Kafka Connect",
            DlqDialect::KafkaStreams => "Kafka Streams",
            DlqDialect::ShareGroup => "broker share-group DLQ",
            DlqDialect::Karafka => "Karafka",
        }
    }
}

/// Where a DLQ record came from and why it failed, read from its headers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DlqOrigin {
    /// The writer whose headers were found; `None` when only generic names (or none) matched.
    pub dialect: Option<DlqDialect>,
    pub topic: Option<String>,
    pub partition: Option<i32>,
    pub offset: Option<i64>,
    /// The failure's message (the reason).
    pub error: Option<String>,
    /// Delivery attempts or retries, as the writer counted them.
    pub retry_count: Option<u32>,
    pub exception_class: Option<String>,
    pub cause_class: Option<String>,
    /// The cause's message, when the writer gives it apart from the exception's.
    pub cause: Option<String>,
    /// Cut at `decode::dlq::STACKTRACE_MAX` so a ring of DLQ records stays bounded.
    pub stacktrace: Option<String>,
    pub consumer_group: Option<String>,
    /// The failed record's own timestamp (ms since the epoch).
    pub original_timestamp_ms: Option<i64>,
    /// When the writer dead-lettered it (ms since the epoch).
    pub failed_at_ms: Option<i64>,
    /// Kafka Connect's connector (and task), Kafka Streams' processor and the like.
    pub component: Option<String>,
    /// Dead-letter headers present whose value did not decode: (name, raw value shown as
    /// text or hex). Never dropped.
    pub undecoded: Vec<(String, String)>,
}

/// The facts kdeck pulls out of a record for the tables. Computed once, off the UI task.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    pub kind: PayloadKind,
    pub event_type: Option<String>,
    pub status: Option<String>,
    pub status_class: StatusClass,
    /// The id that follows one job across topics (export_id, job_id, taskId, change_number...).
    pub job_id: Option<String>,
    pub summary: String,
    /// Boxed: most records are no dead letters, and every record in a ring pays for the
    /// inline size of this field (~300 bytes unboxed).
    pub dlq: Option<Box<DlqOrigin>>,
    /// Latency from the record's own request/creation time to its completion time, when both are there.
    pub latency_ms: Option<i64>,
    /// Which fields gave `latency_ms` (start, end); the metrics pane says so.
    pub latency_basis: Option<(&'static str, &'static str)>,
    /// Boxed for the same reason as `dlq`: only wire-format values have one.
    pub schema: Option<Box<SchemaUse>>,
    /// A key in the wire format, decoded (a string key: the string; else its JSON text).
    pub key_json: Option<Box<str>>,
}

/// One record as the dashboard keeps it.
#[derive(Clone, Debug)]
pub struct Record {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: Option<i64>,
    pub key: Option<Vec<u8>>,
    pub headers: Vec<Header>,
    /// The value, cut at the configured cap so a ring of huge records stays bounded.
    pub value: Option<Vec<u8>>,
    /// The size of the value on the wire, before any cut.
    pub value_size: usize,
    pub decoded: Decoded,
}

impl Record {
    pub fn truncated(&self) -> bool {
        self.value.as_ref().map_or(0, |v| v.len()) < self.value_size
    }

    /// The value as JSON text when it is JSON or decoded through a schema (the decoded JSON),
    /// else the bytes as they are: what every reader of a record's JSON starts from.
    pub fn json_bytes(&self) -> Option<&[u8]> {
        match self
            .decoded
            .schema
            .as_deref()
            .and_then(|s| s.json.as_deref())
        {
            Some(j) => Some(j.as_bytes()),
            None => self.value.as_deref(),
        }
    }

    pub fn key_display(&self) -> String {
        if let Some(k) = &self.decoded.key_json {
            return bytes_display(k.as_bytes(), 64);
        }
        match &self.key {
            None => String::new(),
            Some(k) => bytes_display(k, 64),
        }
    }
}

/// Text for bytes that may not be text: UTF-8 as is (control characters escaped), else hex.
pub fn bytes_display(bytes: &[u8], max_chars: usize) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            let mut out = String::with_capacity(s.len().min(max_chars));
            for (i, c) in s.chars().enumerate() {
                if i >= max_chars {
                    out.push('…');
                    break;
                }
                if c.is_control() {
                    out.push(' ');
                } else {
                    out.push(c);
                }
            }
            out
        }
        Err(_) => {
            let mut out = String::from("0x");
            for (i, b) in bytes.iter().enumerate() {
                if i * 2 >= max_chars {
                    out.push('…');
                    break;
                }
                out.push_str(&format!("{b:02x}"));
            }
            out
        }
    }
}

/// The connection as the health line shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Connected { brokers: usize },
    Down { error: String },
}

/// A record to write.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutRecord {
    pub topic: String,
    pub partition: Option<i32>,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Vec<u8>)>,
    pub timestamp_ms: Option<i64>,
}
