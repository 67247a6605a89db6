//! Plain data types shared by every layer. No ratatui, no rdkafka.

pub mod event;
pub mod lag;
pub mod replay;

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

/// Where a DLQ record came from, read from its headers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DlqOrigin {
    pub topic: Option<String>,
    pub partition: Option<i32>,
    pub offset: Option<i64>,
    pub error: Option<String>,
    pub retry_count: Option<u32>,
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
    pub dlq: Option<DlqOrigin>,
    /// Latency from the record's own request/creation time to its completion time, when both are there.
    pub latency_ms: Option<i64>,
    /// Which fields gave `latency_ms` (start, end); the metrics pane says so.
    pub latency_basis: Option<(&'static str, &'static str)>,
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

    pub fn key_display(&self) -> String {
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
