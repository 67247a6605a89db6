//! Where a dead-lettered record came from and why it failed, from the headers of whichever
//! writer put it there: the pipeline executor's Go package (and kdeck's demo), Spring's
//! DeadLetterPublishingRecoverer and @RetryableTopic, Spring Cloud Stream, SmallRye/Quarkus,
//! Kafka Connect, Kafka Streams (KIP-1034), the broker's share-group DLQ (KIP-1191) and
//! Karafka. The names, per writer and by meaning, are in one table, `headers`, which replay's
//! drop list reads too. Numbers arrive as text or as big-endian binary (Spring); a header that
//! does not decode is kept raw in `DlqOrigin::undecoded`, never dropped.

pub mod headers;

pub use crate::domain::replay::reason_key;
use crate::domain::{bytes_display, DlqOrigin, Header};
use headers::{Dialect, Meaning, Meaning::*, DIALECTS};

/// Longest stack trace kept per record (the raw header stays in the record's headers).
pub const STACKTRACE_MAX: usize = 8 * 1024;
/// Longest message, class or name kept per field.
const TEXT_MAX: usize = 2 * 1024;

/// Every dead-letter diagnostic header name kdeck knows, all dialects: what the writer added
/// about the failure, which a replayed record should not carry back to its origin.
pub fn diagnostic_header_names() -> Vec<&'static str> {
    headers::diagnostic_names()
}

/// True for a dead-letter diagnostic header: a known name, or a name under a prefix a
/// dead-letter writer reserves (Spring's `kafka_dlt-key-exception-*`, Connect's
/// `__connect.errors.task.id`...).
pub fn is_diagnostic_header(name: &str) -> bool {
    headers::is_diagnostic(name)
}

/// The dialect whose own headers the record carries most of (a generic name such as
/// `original-topic` names no writer).
fn detect(headers: &[Header]) -> usize {
    let has = |n: &str| headers.iter().any(|h| h.key.eq_ignore_ascii_case(n));
    let score = |d: &Dialect| {
        d.names
            .iter()
            .filter(|n| !self::headers::is_generic(n.name) && has(n.name))
            .count()
    };
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
    for name in order.flat_map(|i| DIALECTS[i].names.iter()) {
        for h in headers
            .iter()
            .filter(|h| h.key.eq_ignore_ascii_case(name.name))
        {
            if !set(&mut o, name.meaning, h.value.as_deref()) {
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

/// Decodes one header into the field of its meaning unless the field is already set. False
/// when the value is there but does not decode as the field's kind.
fn set(o: &mut DlqOrigin, meaning: Meaning, value: Option<&[u8]>) -> bool {
    let Some(v) = value else { return false };
    let text = || {
        text_header(
            v,
            if meaning == StackTrace {
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
    match meaning {
        OriginTopic => fill!(o.topic, text()),
        Error => fill!(o.error, text()),
        ErrorClass => fill!(o.exception_class, text()),
        CauseClass => fill!(o.cause_class, text()),
        Cause => fill!(o.cause, text()),
        StackTrace => fill!(o.stacktrace, text()),
        ConsumerGroup => fill!(o.consumer_group, text()),
        Component => fill!(o.component, text()),
        OriginPartition => fill!(o.partition, int_header(v).narrow()),
        OriginOffset => fill!(o.offset, int_header(v).filter(|n| *n >= -1)),
        Attempts => fill!(o.retry_count, int_header(v).narrow()),
        OriginTimestamp => fill!(o.original_timestamp_ms, time_header(v)),
        FailedAt => fill!(o.failed_at_ms, time_header(v)),
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

/// JSON fields that carry the failure when the headers do not (the services' payloads carry it there).
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

/// (label, value) rows for the detail view, by meaning (the labels are the table's:
/// `headers::Meaning::label`), in a fixed order.
pub fn describe(o: &DlqOrigin) -> Vec<(&'static str, String)> {
    let mut rows = vec![(
        OriginTopic.label(),
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
    let mut opt = |meaning: Meaning, v: &Option<String>| {
        if let Some(v) = v {
            rows.push((meaning.label(), v.clone()));
        }
    };
    opt(Error, &o.error);
    opt(ErrorClass, &o.exception_class);
    opt(CauseClass, &o.cause_class);
    opt(Cause, &o.cause);
    opt(ConsumerGroup, &o.consumer_group);
    opt(Component, &o.component);
    if let Some(n) = o.retry_count {
        rows.push((Attempts.label(), n.to_string()));
    }
    let time = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms).map_or(ms.to_string(), |t| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        })
    };
    if let Some(ms) = o.original_timestamp_ms {
        rows.push((OriginTimestamp.label(), time(ms)));
    }
    if let Some(ms) = o.failed_at_ms {
        rows.push((FailedAt.label(), time(ms)));
    }
    if let Some(s) = &o.stacktrace {
        rows.push((
            StackTrace.label(),
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
