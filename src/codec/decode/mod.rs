//! Bytes -> `Decoded`: JSON, text or binary, with the services' contracts recognised
//! (export completions, the Go package's standard headers and DLQ, the portal's status and
//! completion events, the scheduler's job requests, the task manager's envelope). Each
//! service's contract, as kdeck reads it: `CONTRACTS.md` beside this file.

pub mod dlq;
pub mod json;
pub mod wire;

use crate::domain::{Decoded, Header, PayloadKind, Record, StatusClass};
use json::{Node, Obj};
use serde_json::Value;
use std::borrow::Cow;

/// Longest summary kept per record; the table cuts it further to the pane's width.
const SUMMARY_MAX: usize = 160;

/// A record as it comes off the wire, before decoding.
pub struct Incoming<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: Option<i64>,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: Vec<Header>,
}

/// What a caller of `to_record_seen` is handed per record: its headers, its value as a JSON
/// object (None: not one), the status word decoding found.
pub type Seen<'s> = &'s mut dyn FnMut(&[Header], Option<&Obj<'_>>, Option<&str>);

/// Decodes and builds the record the panes keep, cutting the stored value at `value_cap` bytes.
pub fn to_record(inc: Incoming<'_>, value_cap: usize, is_dlq: bool) -> Record {
    to_record_seen(inc, value_cap, is_dlq, &mut |_, _, _| {})
}

/// `to_record`, handing the headers, the value read as a JSON object (None: not one) and the
/// status word found in it to `seen` on the way, so a caller that needs more from it (the stuck-jobs
/// tracker) does not parse it again.
pub fn to_record_seen(inc: Incoming<'_>, value_cap: usize, is_dlq: bool, seen: Seen<'_>) -> Record {
    let at = At {
        topic: inc.topic,
        wait: crate::codec::lookup::READER_WAIT,
    };
    let decoded = decode_seen(at, inc.key, inc.value, &inc.headers, is_dlq, seen);
    let value_size = inc.value.map_or(0, |v| v.len());
    Record {
        topic: inc.topic.to_string(),
        partition: inc.partition,
        offset: inc.offset,
        timestamp_ms: inc.timestamp_ms,
        key: inc.key.map(|k| k.to_vec()),
        headers: inc.headers,
        value: inc.value.map(|v| v[..v.len().min(value_cap)].to_vec()),
        value_size,
        decoded,
    }
}

pub fn decode(
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[Header],
    is_dlq: bool,
) -> Decoded {
    let at = At {
        topic: "",
        wait: crate::codec::lookup::READER_WAIT,
    };
    decode_seen(at, key, value, headers, is_dlq, &mut |_, _, _| {})
}

/// Decodes a kept record again from its stored value, without waiting for a schema: the
/// dashboard does this on its own task when a schema its records were waiting for arrives.
pub fn redecode(r: &mut Record, is_dlq: bool) {
    let at = At {
        topic: &r.topic,
        wait: std::time::Duration::ZERO,
    };
    let d = decode_seen(
        at,
        r.key.as_deref(),
        r.value.as_deref(),
        &r.headers,
        is_dlq,
        &mut |_, _, _| {},
    );
    r.decoded = d;
}

/// Where a value is decoded: its topic (local schema files are mapped to topics) and how long
/// the caller may wait for a schema not fetched yet.
#[derive(Clone, Copy)]
struct At<'a> {
    topic: &'a str,
    wait: std::time::Duration,
}

fn decode_seen(
    at: At<'_>,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    headers: &[Header],
    is_dlq: bool,
    seen: Seen<'_>,
) -> Decoded {
    let header = |names: &[&str]| header_value(headers, names);
    let mut d = Decoded {
        kind: PayloadKind::Null,
        event_type: header(&["event-type", "event_type", "eventType", "type"]),
        status: None,
        status_class: StatusClass::Unknown,
        job_id: None,
        summary: String::new(),
        dlq: None,
        latency_ms: None,
        latency_basis: None,
        schema: None,
        key_json: None,
    };
    // A wire-format key is read as what it decodes to (ids, the summary's key); the bytes
    // are kept as they are.
    let key_json = key.and_then(|k| wire::decode_key(at.topic, k, at.wait));
    let key = match &key_json {
        Some(k) => Some(k.as_bytes()),
        None => key,
    };
    let mut wire = value.and_then(|v| wire::decode(at.topic, v, at.wait));
    let text = wire.as_mut().and_then(|w| w.json.take());
    {
        let json = match (&wire, &text) {
            (Some(_), Some(t)) => classify(Some(t.as_bytes()), &mut d),
            (Some(w), None) => {
                d.summary = one_line(&wire::summary(w, value.unwrap_or_default()), SUMMARY_MAX);
                None
            }
            (None, _) => classify(value, &mut d),
        };
        describe(json.as_ref(), key, headers, is_dlq, &mut d, seen);
    }
    if let Some(mut w) = wire {
        w.json = text;
        d.kind = PayloadKind::Schema;
        d.schema = Some(Box::new(w));
    }
    d.key_json = key_json.map(String::into_boxed_str);
    d
}

/// The facts read from the value's JSON (when it is a JSON object), the key and the headers.
fn describe(
    json: Option<&Obj<'_>>,
    key: Option<&[u8]>,
    headers: &[Header],
    is_dlq: bool,
    d: &mut Decoded,
    seen: Seen<'_>,
) {
    let header = |names: &[&str]| header_value(headers, names);
    if let Some(v) = json {
        describe_json(v, d);
        // The key has a column of its own: the summary need not repeat it.
        if let Some(k) = key
            .and_then(|k| std::str::from_utf8(k).ok())
            .filter(|k| !k.is_empty() && d.summary.contains(*k))
        {
            d.summary = drop_key(&d.summary, k);
        }
    }
    seen(headers, json, d.status.as_deref());
    if d.job_id.is_none() {
        d.job_id = header(&["correlation-id", "correlation_id", "correlationId"])
            .or_else(|| key.and_then(|k| std::str::from_utf8(k).ok().map(str::to_string)))
            .filter(|s| !s.is_empty());
    }
    if is_dlq {
        mark_dlq(d, headers, json);
    }
}

/// What the value is (tombstone, empty, JSON, text, binary); its fields when it is a JSON
/// object (other JSON is summed up here).
fn classify<'a>(value: Option<&'a [u8]>, d: &mut Decoded) -> Option<Obj<'a>> {
    match value {
        None => {
            d.summary = "(tombstone: no value)".into();
            None
        }
        Some([]) => {
            d.kind = PayloadKind::Empty;
            d.summary = "(empty value)".into();
            None
        }
        Some(bytes) => match Obj::parse(bytes) {
            Some(o) => {
                d.kind = PayloadKind::Json;
                Some(o)
            }
            None => match serde_json::from_slice::<Value>(bytes) {
                Ok(v) => {
                    d.kind = PayloadKind::Json;
                    d.summary = one_line(&v.to_string(), SUMMARY_MAX);
                    None
                }
                Err(_) => match std::str::from_utf8(bytes) {
                    Ok(text) => {
                        d.kind = PayloadKind::Text;
                        d.summary = one_line(text, SUMMARY_MAX);
                        None
                    }
                    Err(_) => {
                        d.kind = PayloadKind::Binary;
                        d.summary = format!(
                            "<binary {} B{}> {}",
                            bytes.len(),
                            wire::no_source_hint(bytes).unwrap_or_default(),
                            crate::domain::bytes_display(&bytes[..bytes.len().min(24)], 48)
                        );
                        None
                    }
                },
            },
        },
    }
}

/// A dead letter: its origin and reason from the headers (or payload), shown as failed.
fn mark_dlq(d: &mut Decoded, headers: &[Header], json: Option<&Obj<'_>>) {
    let header = |names: &[&str]| header_value(headers, names);
    // A dead letter's payload carries the ids of the message that failed; the job it
    // belonged to is what the standard correlation header names.
    if let Some(c) = header(&["correlation-id", "correlation_id", "correlationId"]) {
        d.job_id = Some(c);
    }
    let origin = dlq::origin(headers, json);
    if d.status.is_none() {
        d.status = Some("dlq".into());
    }
    d.status_class = StatusClass::Failed;
    if let Some(err) = dlq::reason_text(&origin) {
        let base = std::mem::take(&mut d.summary);
        d.summary = one_line(&format!("✗ {err} · {base}"), SUMMARY_MAX);
    }
    d.dlq = Some(Box::new(origin));
}

fn describe_json(obj: &Obj<'_>, d: &mut Decoded) {
    // The task manager wraps its payload in {"headers": {...}, "message": {...}}.
    let envelope = envelope(obj);
    let (env_headers, body) = match &envelope {
        Some((h, m)) => (Some(h), m),
        None => (None, obj),
    };
    let s = |names: &[&str]| str_field(body, names);
    let env = |names: &[&str]| env_headers.and_then(|h| str_field(h, names));

    if d.event_type.is_none() {
        d.event_type = s(&["event_type", "eventType", "type"])
            .or_else(|| env(&["taskType", "requestType", "eventType"]));
    }
    d.status = s(STATUS_FIELDS);
    d.status_class = d
        .status
        .as_deref()
        .map_or(StatusClass::Unknown, StatusClass::from_word);
    d.job_id = s(&[
        "export_id",
        "job_id",
        "jobId",
        "taskId",
        "task_id",
        "change_number",
        "requestId",
        "request_id",
        "idempotencyKey",
    ])
    .or_else(|| env(&["taskId", "requestId"]));
    latency(body, d);

    let mut words = contract_summary(body, env_headers, d.status_class);
    if words.is_empty() {
        words = generic_summary(body);
    }
    d.summary = one_line(&words, SUMMARY_MAX);
}

/// Where the services put a record's status word, most specific first (`status` everywhere,
/// the portal's completion event `completion_status`).
const STATUS_FIELDS: &[&str] = &["status", "completion_status", "state", "completionStatus"];

/// The status word as decoding reads it: from the body, or the task manager's `message`.
pub fn status_word<'a>(obj: &Obj<'a>) -> Option<Cow<'a, str>> {
    let envelope = envelope(obj);
    let body = envelope.as_ref().map_or(obj, |(_, m)| m);
    text_field(body, STATUS_FIELDS)
}

/// The task manager's envelope `{"headers": {...}, "message": {...}}`: its headers and its message.
pub fn envelope<'a>(obj: &Obj<'a>) -> Option<(Obj<'a>, Obj<'a>)> {
    let (h, m) = (obj.get("headers")?, obj.get("message")?);
    if !(h.is_object() && m.is_object()) {
        return None;
    }
    Some((h.object()?, m.object()?))
}

/// The facts each service's contract puts first, recognised by its field names (see
/// CONTRACTS.md beside this file).
fn contract_summary(
    body: &Obj<'_>,
    env_headers: Option<&Obj<'_>>,
    status_class: StatusClass,
) -> String {
    let s = |names: &[&str]| text_field(body, names);
    let env = |names: &[&str]| env_headers.and_then(|h| text_field(h, names));
    let mut parts = Words::default();
    if body.contains_key("export_id") {
        // The export service's completion event. The key already is the export id.
        parts.add("job", s(&["job_id"]));
        parts.add("org", s(&["org_id"]));
        if status_class == StatusClass::Failed {
            parts.add("", s(&["error_message"]).filter(|e| !e.is_empty()));
        }
    } else if body.contains_key("progress_percentage") || body.contains_key("completion_status") {
        // The FRANC portal's task status / completion.
        parts.add("", s(&["change_number"]));
        if let Some(p) = body.get("progress_percentage").and_then(|n| n.as_f64()) {
            parts.percent(p);
        }
        parts.add(
            "",
            s(&["status_message", "completion_message", "error_details"]),
        );
    } else if body.contains_key("appName") || body.contains_key("scheduledTime") {
        // The infinite scheduler's job-ingest request.
        parts.add("", s(&["appName"]));
        parts.add("at", s(&["scheduledTime"]));
        parts.add("prio", s(&["priority"]));
        parts.add("idem", s(&["idempotencyKey"]));
    } else if env_headers.is_some() || body.contains_key("taskId") {
        // The task manager's status / request.
        parts.add("task", s(&["taskId"]).or_else(|| env(&["taskId"])));
        parts.add("", s(&["result", "error", "userQuery", "originalUrl"]));
    } else if body.contains_key("device_name") || body.contains_key("dc_name") {
        // The FRANC portal's requests.
        parts.add("", s(&["change_number"]));
        parts.add("", s(&["device_name", "dc_name", "pop_name"]));
        parts.add("@", s(&["location"]));
    } else if body.contains_key("action") {
        // The pipeline executor's command: action + params.
        parts.add("", s(&["action"]));
    }
    parts.0
}

/// Start/end field pairs, most specific first. `execution_duration` (seconds) wins when present.
const LATENCY_STARTS: &[&str] = &[
    "requestedAt",
    "requested_at",
    "receivedAt",
    "received_at",
    "createdAt",
    "created_at",
    "submittedAt",
    "submitted_at",
    "startedAt",
    "started_at",
];
const LATENCY_ENDS: &[&str] = &["finishedAt", "finished_at", "completedAt", "completed_at"];

fn latency(body: &Obj<'_>, d: &mut Decoded) {
    if let Some(secs) = body.get("execution_duration").and_then(|n| n.as_f64()) {
        if secs.is_finite() && secs >= 0.0 {
            d.latency_ms = Some((secs * 1000.0) as i64);
            d.latency_basis = Some(("execution_duration", ""));
            return;
        }
    }
    let find = |names: &'static [&'static str]| {
        names.iter().find_map(|n| {
            body.get(n)
                .and_then(|v| v.as_str())
                .and_then(|t| parse_time_ms(&t))
                .map(|t| (*n, t))
        })
    };
    if let (Some((s_name, s)), Some((e_name, e))) = (find(LATENCY_STARTS), find(LATENCY_ENDS)) {
        if e >= s {
            d.latency_ms = Some(e - s);
            d.latency_basis = Some((s_name, e_name));
        }
    }
}

pub fn parse_time_ms(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// A summary's words, written into one string (a record's summary is built per record read).
#[derive(Default)]
struct Words(String);

impl Words {
    fn add(&mut self, label: &str, v: Option<Cow<'_, str>>) {
        let Some(v) = v else { return };
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if !label.is_empty() {
            self.0.push_str(label);
            self.0.push(' ');
        }
        self.0.push_str(&v);
    }

    fn percent(&mut self, p: f64) {
        use std::fmt::Write;
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        let _ = write!(self.0, "{p:.0}%");
    }
}

/// The first of `names` with text (a non-empty string or a number), borrowed where it can be.
fn text_field<'a>(obj: &Obj<'a>, names: &[&str]) -> Option<Cow<'a, str>> {
    names.iter().find_map(|n| obj.text(n))
}

fn str_field(obj: &Obj<'_>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| obj.text(n)).map(Cow::into_owned)
}

fn header_value(headers: &[Header], names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| {
        headers
            .iter()
            .find(|h| h.key.eq_ignore_ascii_case(n))
            .and_then(|h| h.value_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    })
}

fn generic_summary(obj: &Obj<'_>) -> String {
    let mut out = String::new();
    for (k, v) in obj.iter().take(6) {
        let val = node_words(v);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(&val);
        if out.len() > SUMMARY_MAX {
            break;
        }
    }
    out
}

/// A field's value as the generic summary shows it.
fn node_words(v: Node<'_>) -> String {
    if v.is_object() {
        return "{…}".into();
    }
    if let Some(n) = v.array_len() {
        return format!("[{n}]");
    }
    match v.as_str() {
        Some(s) => s.into_owned(),
        None => v.number_text().unwrap_or_else(|| v.raw().to_string()),
    }
}

/// The summary without words that only repeat the key (`CHG-1 65% …` keyed `CHG-1` -> `65% …`;
/// `task t-1 …` keyed `t-1` -> `…`).
fn drop_key(summary: &str, key: &str) -> String {
    let words: Vec<&str> = summary.split(' ').collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if words[i] == key {
            // Drop a label that only introduced the key ("task", "export", "job").
            if out
                .last()
                .is_some_and(|l| matches!(*l, "task" | "export" | "job"))
            {
                out.pop();
            }
        } else {
            out.push(words[i]);
        }
        i += 1;
    }
    let s = out.join(" ");
    if s.is_empty() {
        summary.to_string()
    } else {
        s
    }
}

/// One line of at most `max` characters, newlines and tabs folded to spaces.
pub fn one_line(s: &str, max: usize) -> String {
    // Most summaries are already one line of printable ASCII: copy them as they are (the
    // character walk below was 4% of a backlog's profile).
    let b = s.as_bytes();
    let plain = b.len() <= max
        && b.iter().all(|c| (0x20..0x7f).contains(c))
        && b.first() != Some(&b' ')
        && b.last() != Some(&b' ')
        && !s.contains("  ");
    if plain {
        return s.to_string();
    }
    one_line_walk(s, max)
}

/// `one_line` character by character.
fn one_line_walk(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max + 3));
    let mut last_space = false;
    for (n, c) in s.chars().enumerate() {
        if n >= max {
            out.push('…');
            break;
        }
        if c.is_whitespace() || c.is_control() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim().to_string()
}

/// The value as the detail view shows it: pretty JSON, text, or a hex dump.
pub fn pretty_value(value: Option<&[u8]>, max_lines: usize) -> Vec<String> {
    match value {
        None => vec!["(null value: tombstone)".into()],
        Some([]) => vec!["(empty value)".into()],
        Some(bytes) => {
            if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
                let text = serde_json::to_string_pretty(&v).unwrap_or_default();
                return text.lines().take(max_lines).map(str::to_string).collect();
            }
            match std::str::from_utf8(bytes) {
                Ok(text) => text
                    .lines()
                    .take(max_lines)
                    .map(|l| l.replace('\t', "    "))
                    .collect(),
                Err(_) => hex_dump(bytes, max_lines),
            }
        }
    }
}

pub fn hex_dump(bytes: &[u8], max_lines: usize) -> Vec<String> {
    bytes
        .chunks(16)
        .take(max_lines)
        .enumerate()
        .map(|(i, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            let ascii: String = chunk
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            format!("{:08x}  {:<47}  {}", i * 16, hex.join(" "), ascii)
        })
        .collect()
}

#[cfg(test)]
mod tests;
