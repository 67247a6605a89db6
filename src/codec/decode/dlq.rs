//! Where a dead-lettered record came from and why it failed, from the headers of whichever
//! writer put it there: the pipeline executor's Go package (and kdeck's demo), Spring's
//! DeadLetterPublishingRecoverer and @RetryableTopic, Spring Cloud Stream, SmallRye/Quarkus,
//! Kafka Connect, Kafka Streams (KIP-1034), the broker's share-group DLQ (KIP-1191) and
//! Karafka. Numbers arrive as text or as big-endian binary (Spring); a header that does not
//! decode is kept raw in `DlqOrigin::undecoded`, never dropped.

pub use crate::domain::replay::reason_key;
use crate::domain::{bytes_display, DlqDialect, DlqOrigin, Header};

/// Longest stack trace kept per record (the raw header stays in the record's headers).
pub const STACKTRACE_MAX: usize = 8 * 1024;
/// Longest message, class or name kept per field.
const TEXT_MAX: usize = 2 * 1024;

/// What a header means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Topic,
    Partition,
    Offset,
    Reason,
    Exception,
    CauseClass,
    Cause,
    Stacktrace,
    Attempts,
    Group,
    Timestamp,
    Component,
}

use Field::*;

/// One writer's header names, by meaning, in the order they are tried.
struct Dialect {
    dialect: Option<DlqDialect>,
    headers: &'static [(Field, &'static str)],
}

const DIALECTS: &[Dialect] = &[
    Dialect {
        dialect: Some(DlqDialect::SpringDlt),
        headers: &[
            (Topic, "kafka_dlt-original-topic"),
            (Partition, "kafka_dlt-original-partition"),
            (Offset, "kafka_dlt-original-offset"),
            (Timestamp, "kafka_dlt-original-timestamp"),
            (Group, "kafka_dlt-original-consumer-group"),
            (Exception, "kafka_dlt-exception-fqcn"),
            (CauseClass, "kafka_dlt-exception-cause-fqcn"),
            (Reason, "kafka_dlt-exception-message"),
            (Stacktrace, "kafka_dlt-exception-stacktrace"),
            // A key that failed to deserialize is reported under its own names.
            (Exception, "kafka_dlt-key-exception-fqcn"),
            (Reason, "kafka_dlt-key-exception-message"),
            (Stacktrace, "kafka_dlt-key-exception-stacktrace"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::SpringRetryTopic),
        headers: &[
            (Topic, "kafka_original-topic"),
            (Partition, "kafka_original-partition"),
            (Offset, "kafka_original-offset"),
            (Timestamp, "kafka_original-timestamp"),
            (Group, "kafka_original-consumer-group"),
            (Exception, "kafka_exception-fqcn"),
            (CauseClass, "kafka_exception-cause-fqcn"),
            (Reason, "kafka_exception-message"),
            (Stacktrace, "kafka_exception-stacktrace"),
            (Attempts, "retry_topic-attempts"),
            (Timestamp, "retry_topic-original-timestamp"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::SpringCloudStream),
        headers: &[
            (Topic, "x-original-topic"),
            (Partition, "x-original-partition"),
            (Offset, "x-original-offset"),
            (Timestamp, "x-original-timestamp"),
            (Reason, "x-exception-message"),
            (Exception, "x-exception-fqcn"),
            (Stacktrace, "x-exception-stacktrace"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::SmallRye),
        headers: &[
            (Topic, "dead-letter-topic"),
            (Partition, "dead-letter-partition"),
            (Offset, "dead-letter-offset"),
            (Reason, "dead-letter-reason"),
            (Cause, "dead-letter-cause"),
            (Exception, "dead-letter-exception-class-name"),
            (CauseClass, "dead-letter-cause-class-name"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::KafkaConnect),
        headers: &[
            (Topic, "__connect.errors.topic"),
            (Partition, "__connect.errors.partition"),
            (Offset, "__connect.errors.offset"),
            (Exception, "__connect.errors.exception.class.name"),
            (Reason, "__connect.errors.exception.message"),
            (Stacktrace, "__connect.errors.exception.stacktrace"),
            (Component, "__connect.errors.connector.name"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::KafkaStreams),
        headers: &[
            (Topic, "__streams.errors.topic"),
            (Partition, "__streams.errors.partition"),
            (Offset, "__streams.errors.offset"),
            (Exception, "__streams.errors.exception"),
            (Reason, "__streams.errors.message"),
            (Stacktrace, "__streams.errors.stacktrace"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::ShareGroup),
        headers: &[
            (Topic, "__dlq.errors.topic"),
            (Partition, "__dlq.errors.partition"),
            (Offset, "__dlq.errors.offset"),
            (Reason, "__dlq.errors.message"),
            (Exception, "__dlq.errors.exception"),
            (Group, "__dlq.errors.group"),
            (Attempts, "__dlq.errors.delivery.count"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::Karafka),
        headers: &[
            (Topic, "source_topic"),
            (Partition, "source_partition"),
            (Offset, "source_offset"),
            (Group, "source_consumer_group"),
            (Attempts, "source_attempts"),
        ],
    },
    // Last among the writers: `source` and `retry-count` are on every record of the Go package's
    // producers, dead letter or not.
    Dialect {
        dialect: Some(DlqDialect::GoPackage),
        headers: &[
            (Topic, "dlq-original-topic"),
            (Partition, "dlq-original-partition"),
            (Offset, "dlq-original-offset"),
            (Reason, "dlq-error"),
            (Reason, "dlq-error-message"),
            (Exception, "dlq-error-type"),
            (Attempts, "retry-count"),
            (Component, "source"),
        ],
    },
    // Names several small writers use; they name no dialect.
    Dialect {
        dialect: None,
        headers: &[
            (Topic, "original-topic"),
            (Partition, "original-partition"),
            (Offset, "original-offset"),
            (Reason, "error"),
            (Reason, "error-message"),
            (Attempts, "retry_count"),
            (Attempts, "x-retry-count"),
        ],
    },
];

/// Application headers the Go package puts on every record: not dead-letter diagnostics, so a
/// replay keeps them (the replay engine decides about `retry-count` itself).
const APPLICATION_HEADERS: &[&str] = &["source", "retry-count", "retry_count", "x-retry-count"];

/// Prefixes every dead-letter writer above reserves for its diagnostics (names added by later
/// versions included).
const DIAGNOSTIC_PREFIXES: &[&str] = &[
    "kafka_dlt-",
    "kafka_original-",
    "kafka_exception-",
    "retry_topic-",
    "x-original-",
    "x-exception-",
    "dead-letter-",
    "__connect.errors.",
    "__streams.errors.",
    "__dlq.errors.",
    "dlq-",
];

/// Every dead-letter diagnostic header name kdeck knows, all dialects: what the writer added
/// about the failure, which a replayed record should not carry back to its origin.
pub fn diagnostic_header_names() -> Vec<&'static str> {
    DIALECTS
        .iter()
        .flat_map(|d| d.headers.iter().map(|(_, n)| *n))
        .filter(|n| !APPLICATION_HEADERS.contains(n))
        .collect()
}

/// True for a dead-letter diagnostic header: a known name, or a name under a prefix a
/// dead-letter writer reserves (Spring's `kafka_dlt-key-exception-*`, Connect's
/// `__connect.errors.task.id`...).
pub fn is_diagnostic_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if APPLICATION_HEADERS.contains(&lower.as_str()) {
        return false;
    }
    DIAGNOSTIC_PREFIXES.iter().any(|p| lower.starts_with(p))
        || diagnostic_header_names().contains(&lower.as_str())
}

/// The dialect whose headers the record carries most of.
fn detect(headers: &[Header]) -> usize {
    let has = |n: &str| headers.iter().any(|h| h.key.eq_ignore_ascii_case(n));
    let score = |d: &Dialect| d.headers.iter().filter(|(_, n)| has(n)).count();
    let mut best = (0, DIALECTS.len() - 1);
    for (i, d) in DIALECTS.iter().enumerate() {
        let s = score(d);
        if d.dialect.is_some() && s > best.0 {
            best = (s, i);
        }
    }
    best.1
}

pub fn origin(headers: &[Header], json: Option<&super::json::Obj<'_>>) -> DlqOrigin {
    let primary = detect(headers);
    let mut o = DlqOrigin {
        dialect: DIALECTS[primary].dialect,
        ..Default::default()
    };
    // The detected writer's names first, then every other's: records that passed through
    // two writers (Spring's retry topics, then its DLT) carry both.
    let order = std::iter::once(primary).chain((0..DIALECTS.len()).filter(|i| *i != primary));
    let mut undecoded: Vec<(String, String)> = Vec::new();
    for (field, name) in order.flat_map(|i| DIALECTS[i].headers.iter()) {
        for h in headers.iter().filter(|h| h.key.eq_ignore_ascii_case(name)) {
            if !set(&mut o, *field, h.value.as_deref()) {
                let raw = h.value.as_deref().map_or("(null)".into(), raw);
                if !undecoded.iter().any(|(k, _)| *k == h.key) {
                    undecoded.push((h.key.clone(), raw));
                }
            }
        }
    }
    o.undecoded = undecoded;
    if o.error.is_none() {
        o.error = payload_error(json);
    }
    o
}

/// A value that did not decode, as it is: text when it is printable UTF-8, else hex.
fn raw(v: &[u8]) -> String {
    match std::str::from_utf8(v) {
        Ok(s) if !s.chars().any(char::is_control) => bytes_display(v, 120),
        _ => {
            let mut out = String::from("0x");
            for b in v.iter().take(60) {
                out.push_str(&format!("{b:02x}"));
            }
            if v.len() > 60 {
                out.push('…');
            }
            out
        }
    }
}

/// Decodes one header into its field unless the field is already set. False when the value
/// is there but does not decode as the field's kind.
fn set(o: &mut DlqOrigin, field: Field, value: Option<&[u8]>) -> bool {
    let Some(v) = value else { return false };
    let text = || {
        text_header(
            v,
            if field == Stacktrace {
                STACKTRACE_MAX
            } else {
                TEXT_MAX
            },
        )
    };
    macro_rules! fill {
        ($slot:expr, $decoded:expr) => {{
            if $slot.is_some() {
                return true;
            }
            match $decoded {
                Decoded::Value(x) => {
                    $slot = Some(x);
                    true
                }
                Decoded::Empty => true,
                Decoded::Bad => false,
            }
        }};
    }
    match field {
        Topic => fill!(o.topic, text()),
        Reason => fill!(o.error, text()),
        Exception => fill!(o.exception_class, text()),
        CauseClass => fill!(o.cause_class, text()),
        Cause => fill!(o.cause, text()),
        Stacktrace => fill!(o.stacktrace, text()),
        Group => fill!(o.consumer_group, text()),
        Component => fill!(o.component, text()),
        Partition => fill!(o.partition, int_header(v).narrow()),
        Offset => fill!(o.offset, int_header(v).filter(|n| *n >= -1)),
        Attempts => fill!(o.retry_count, int_header(v).narrow()),
        Timestamp => fill!(o.original_timestamp_ms, time_header(v)),
    }
}

/// A header value decoded: a value, nothing to decode (empty), or bytes that are not what
/// the field holds.
enum Decoded<T> {
    Value(T),
    Empty,
    Bad,
}

impl Decoded<i64> {
    fn narrow<U: TryFrom<i64>>(self) -> Decoded<U> {
        match self {
            Decoded::Value(n) => U::try_from(n).map_or(Decoded::Bad, Decoded::Value),
            Decoded::Empty => Decoded::Empty,
            Decoded::Bad => Decoded::Bad,
        }
    }

    fn filter(self, ok: impl Fn(&i64) -> bool) -> Decoded<i64> {
        match self {
            Decoded::Value(n) if !ok(&n) => Decoded::Bad,
            d => d,
        }
    }
}

fn text_header(v: &[u8], max: usize) -> Decoded<String> {
    match std::str::from_utf8(v) {
        Ok(s) if s.trim().is_empty() => Decoded::Empty,
        Ok(s) => Decoded::Value(cut(s.trim(), max)),
        Err(_) => Decoded::Bad,
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Integers arrive as decimal text (most writers) or big-endian binary (Spring: a 4-byte int
/// partition, an 8-byte long offset). Text is tried first: a 4-byte binary int whose bytes
/// are all ASCII digits would be a partition above 800 million.
fn int_header(v: &[u8]) -> Decoded<i64> {
    if v.is_empty() {
        return Decoded::Empty;
    }
    if let Some(n) = std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
    {
        return Decoded::Value(n);
    }
    match v.len() {
        4 => Decoded::Value(i32::from_be_bytes([v[0], v[1], v[2], v[3]]) as i64),
        8 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(v);
            Decoded::Value(i64::from_be_bytes(b))
        }
        _ => Decoded::Bad,
    }
}

/// Milliseconds since the epoch: as a number (text or binary) or an RFC 3339 time.
fn time_header(v: &[u8]) -> Decoded<i64> {
    match int_header(v) {
        Decoded::Bad => std::str::from_utf8(v)
            .ok()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s.trim()).ok())
            .map_or(Decoded::Bad, |t| Decoded::Value(t.timestamp_millis())),
        d => d,
    }
}

/// JSON fields that carry the failure when the headers do not (the export service's
/// `error_message`, the portal's `error_details`, the task manager's `error`).
const ERROR_FIELDS: &[&str] = &[
    "error",
    "error_message",
    "errorMessage",
    "reason",
    "error_details",
];

fn payload_error(json: Option<&super::json::Obj<'_>>) -> Option<String> {
    let v = json?;
    // The task manager's envelope keeps the payload under "message".
    let message = v
        .get("message")
        .filter(|m| m.is_object() && v.get("headers").is_some())
        .and_then(|m| m.object());
    let body = message.as_ref().unwrap_or(v);
    ERROR_FIELDS.iter().find_map(|f| {
        let field = body.get(f)?;
        if field.is_object() {
            return Some(cut(&field.compact(), TEXT_MAX));
        }
        field
            .as_str()
            .filter(|s| !s.is_empty())
            .map(|s| cut(&s, TEXT_MAX))
    })
}

/// The reason in one line: the message, led by the exception's short class name when there
/// is one ("SerializationException: Can't deserialize data").
pub fn reason_text(o: &DlqOrigin) -> Option<String> {
    let class = o
        .exception_class
        .as_deref()
        .map(|c| c.rsplit(['.', '$']).next().unwrap_or(c));
    match (class, &o.error) {
        (Some(c), Some(m)) if !m.starts_with(c) => Some(format!("{c}: {m}")),
        (_, Some(m)) => Some(m.clone()),
        (Some(c), None) => Some(c.to_string()),
        (None, None) => o.cause.clone(),
    }
}

/// (label, value) rows for the detail view, by meaning, in a fixed order.
pub fn describe(o: &DlqOrigin) -> Vec<(&'static str, String)> {
    let mut rows = vec![(
        "dlq origin",
        match (&o.topic, o.partition, o.offset) {
            (Some(t), Some(p), Some(off)) => format!("{t}/{p}@{off}"),
            (Some(t), Some(p), None) => format!("{t}/{p} (offset unknown)"),
            (Some(t), None, Some(off)) => format!("{t} @{off} (partition unknown)"),
            (Some(t), None, None) => format!("{t} (partition/offset unknown)"),
            _ => "(no origin headers)".into(),
        },
    )];
    if let Some(d) = o.dialect {
        rows.push(("dlq written by", d.name().to_string()));
    }
    let mut opt = |label: &'static str, v: &Option<String>| {
        if let Some(v) = v {
            rows.push((label, v.clone()));
        }
    };
    opt("dlq error", &o.error);
    opt("exception", &o.exception_class);
    opt("cause", &o.cause_class);
    opt("cause message", &o.cause);
    opt("consumer group", &o.consumer_group);
    opt("written by", &o.component);
    if let Some(n) = o.retry_count {
        rows.push(("attempts", n.to_string()));
    }
    if let Some(ms) = o.original_timestamp_ms {
        let t = chrono::DateTime::from_timestamp_millis(ms).map_or(ms.to_string(), |t| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        });
        rows.push(("original time", t));
    }
    if let Some(s) = &o.stacktrace {
        rows.push((
            "stack trace",
            s.lines().next().unwrap_or_default().to_string(),
        ));
        rows.extend(s.lines().skip(1).take(40).map(|l| ("", l.to_string())));
    }
    for (k, v) in &o.undecoded {
        rows.push(("undecoded", format!("{k} = {v}")));
    }
    // Stack traces indent with tabs; no control character reaches the screen.
    for (_, v) in &mut rows {
        if v.chars().any(char::is_control) {
            *v = v
                .replace('\t', "    ")
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
        }
    }
    rows
}

/// The masked failure reason of a DLQ record, which groups like failures together: the
/// exception class (when a header names one) and the message, numbers masked.
pub fn record_reason(r: &crate::domain::Record) -> Option<String> {
    Some(reason_key(&reason_text(r.decoded.dlq.as_ref()?)?))
}
