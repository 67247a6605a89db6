//! One record as one JSON line: the facts `kcat -C -J` gives, with the value embedded as JSON
//! when it is JSON, else as text or base64. Written by hand into a reused buffer because
//! `kdeck tail` is measured against kcat.

use base64::Engine;

pub struct LineRecord<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: Option<i64>,
    pub key: Option<&'a [u8]>,
    pub headers: &'a [(&'a str, Option<&'a [u8]>)],
    pub value: Option<&'a [u8]>,
    /// The value decoded through a schema: written as its JSON, with the bytes beside it.
    pub schema: Option<WireJson<'a>>,
}

/// A wire-format value's decoded JSON, its format and schema id.
#[derive(Clone, Copy)]
pub struct WireJson<'a> {
    /// "Avro", "Protobuf", "JSON Schema".
    pub format: &'a str,
    pub id: Option<u32>,
    pub json: &'a str,
}

impl<'a> WireJson<'a> {
    pub fn of(u: &'a crate::domain::SchemaUse) -> Option<WireJson<'a>> {
        Some(WireJson {
            format: &u.format,
            id: u.id,
            json: u.json.as_deref()?,
        })
    }

    /// `value_encoding` of a line: `avro`, `protobuf`, `json-schema`.
    pub fn encoding(&self) -> &'static str {
        match self.format {
            "Avro" => "avro",
            "Protobuf" => "protobuf",
            _ => "json-schema",
        }
    }
}

impl LineRecord<'_> {
    /// The value as JSON text when it was decoded through a schema, else its bytes.
    pub fn json_value(&self) -> Option<&[u8]> {
        match &self.schema {
            Some(s) => Some(s.json.as_bytes()),
            None => self.value,
        }
    }
}

pub fn write_line(out: &mut Vec<u8>, r: &LineRecord<'_>) {
    out.extend_from_slice(b"{\"topic\":");
    write_str(out, r.topic);
    out.extend_from_slice(b",\"partition\":");
    push_int(out, r.partition as i64);
    out.extend_from_slice(b",\"offset\":");
    push_int(out, r.offset);
    out.extend_from_slice(b",\"timestamp\":");
    match r.timestamp_ms {
        Some(t) => push_int(out, t),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"key\":");
    let key_enc = write_bytes_as_text(out, r.key);
    if key_enc == "base64" {
        out.extend_from_slice(b",\"key_encoding\":\"base64\"");
    }
    out.extend_from_slice(b",\"headers\":[");
    for (i, (k, v)) in r.headers.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'[');
        write_str(out, k);
        out.push(b',');
        match v {
            None => out.extend_from_slice(b"null"),
            Some(v) => match std::str::from_utf8(v) {
                Ok(s) => write_str(out, s),
                Err(_) => {
                    out.extend_from_slice(b"{\"base64\":");
                    write_str(out, &base64::engine::general_purpose::STANDARD.encode(v));
                    out.push(b'}');
                }
            },
        }
        out.push(b']');
    }
    out.extend_from_slice(b"],\"value\":");
    if let (Some(s), Some(v)) = (&r.schema, r.value) {
        write_wire(out, s, v);
        return;
    }
    let enc = match r.value {
        None => {
            out.extend_from_slice(b"null");
            "null"
        }
        Some(v) => write_value(out, v),
    };
    out.extend_from_slice(b",\"value_encoding\":\"");
    out.extend_from_slice(enc.as_bytes());
    out.extend_from_slice(b"\"}\n");
}

/// A schema value: its decoded JSON to read and filter, its schema id, and the bytes as they
/// were (`value_base64`), which `kdeck publish --input jsonl` sends back byte for byte.
fn write_wire(out: &mut Vec<u8>, s: &WireJson<'_>, bytes: &[u8]) {
    let mark = out.len();
    if write_value(out, s.json.as_bytes()) != "json" {
        // A decoded scalar (a Protobuf wrapper, an Avro string): embedded as JSON all the same.
        out.truncate(mark);
        out.extend_from_slice(s.json.as_bytes());
    }
    out.extend_from_slice(b",\"value_encoding\":\"");
    out.extend_from_slice(s.encoding().as_bytes());
    out.push(b'"');
    if let Some(id) = s.id {
        out.extend_from_slice(b",\"value_schema_id\":");
        push_int(out, id as i64);
    }
    out.extend_from_slice(b",\"value_base64\":");
    write_str(
        out,
        &base64::engine::general_purpose::STANDARD.encode(bytes),
    );
    out.extend_from_slice(b"}\n");
}

/// Writes a value embedded as JSON when it is JSON, else as text or base64; returns the
/// encoding used.
fn write_value(out: &mut Vec<u8>, v: &[u8]) -> &'static str {
    match json_line_breaks(v) {
        // Pretty-printed JSON would break one-record-per-line: re-emit it compact.
        Some(true) => {
            let mark = out.len();
            match serde_json::from_slice::<serde_json::Value>(v) {
                Ok(val) if serde_json::to_writer(&mut *out, &val).is_ok() => "json",
                _ => {
                    out.truncate(mark);
                    write_bytes_as_text(out, Some(v))
                }
            }
        }
        Some(false) => {
            out.extend_from_slice(trim_ascii(v));
            "json"
        }
        None => write_bytes_as_text(out, Some(v)),
    }
}

/// Deepest value nesting embedded as JSON. A line that a standard parser refuses is no JSON
/// Lines at all: serde_json refuses a document nested 128 deep, and the line's own object adds
/// one level, so values up to 126 deep give lines of at most 127 that Python's `json`, jq and
/// serde_json all read. Deeper values are written as text, as the dashboard shows them.
pub const MAX_JSON_DEPTH: usize = 126;

/// `Some(has line breaks)` when `v` is a JSON object or array to embed as is, else None.
fn json_line_breaks(v: &[u8]) -> Option<bool> {
    // Only objects and arrays count: a bare `123` or `true` payload is more likely text.
    let t = trim_ascii(v);
    if !matches!(t.first(), Some(b'{') | Some(b'[')) {
        return None;
    }
    // One branch-free pass (the compiler vectorises it) settles the common case: a value
    // with no more opening brackets than the limit cannot nest deeper, so the exact,
    // byte-by-byte depth walk runs only for values that might.
    let (opens, breaks) = v.iter().fold((0usize, 0usize), |(o, n), &b| {
        (
            o + usize::from(b == b'[' || b == b'{'),
            n + usize::from(b == b'\n' || b == b'\r'),
        )
    });
    if opens > MAX_JSON_DEPTH && !nesting_within(t, MAX_JSON_DEPTH) {
        return None;
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(t).ok()?;
    Some(breaks > 0)
}

/// True when no array or object in `v` is nested deeper than `limit`. Counts brackets outside
/// strings without parsing, so a hostile 20,000-deep value costs one pass and no stack.
fn nesting_within(v: &[u8], limit: usize) -> bool {
    let (mut depth, mut in_str, mut escaped) = (0usize, false, false);
    for &b in v {
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    true
}

fn trim_ascii(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &v[start..end]
}

/// Writes a JSON string (UTF-8) or base64 string, or null; returns the encoding used.
fn write_bytes_as_text(out: &mut Vec<u8>, b: Option<&[u8]>) -> &'static str {
    match b {
        None => {
            out.extend_from_slice(b"null");
            "null"
        }
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) => {
                write_str(out, s);
                "text"
            }
            Err(_) => {
                write_str(out, &base64::engine::general_purpose::STANDARD.encode(b));
                "base64"
            }
        },
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Appends `n` in decimal without the formatting machinery or an allocation.
fn push_int(out: &mut Vec<u8>, n: i64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut m = n.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    fn line(value: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_line(
            &mut out,
            &LineRecord {
                topic: "t",
                partition: 0,
                offset: 7,
                timestamp_ms: None,
                key: None,
                headers: &[],
                value: Some(value),
                schema: None,
            },
        );
        out
    }

    fn nested(depth: usize) -> Vec<u8> {
        let mut v = "[".repeat(depth).into_bytes();
        v.extend("]".repeat(depth).bytes());
        v
    }

    fn encoding(l: &[u8]) -> String {
        let v: serde_json::Value = serde_json::from_slice(l).expect("the line is JSON");
        v["value_encoding"].as_str().unwrap().to_string()
    }

    /// What Python's standard parser says of the line: the issue's own check.
    fn python_accepts(l: &[u8]) -> bool {
        let mut child = Command::new("python3")
            .args(["-c", "import json,sys; json.loads(sys.stdin.read())"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        child.stdin.take().unwrap().write_all(l).unwrap();
        child.wait().unwrap().success()
    }

    #[test]
    fn a_value_nested_20000_deep_is_text_and_the_line_parses() {
        let l = line(&nested(20_000));
        assert!(python_accepts(&l), "python refused the line");
        // serde_json refuses nesting past 128 too: the line must still parse.
        let v: serde_json::Value = serde_json::from_slice(&l).unwrap();
        assert_eq!(v["value_encoding"], "text");
        assert_eq!(v["value"].as_str().unwrap().len(), 40_000);
        // The unfixed writer embedded this as JSON, which Python refuses.
        let mut raw = b"{\"value\":".to_vec();
        raw.extend(nested(20_000));
        raw.push(b'}');
        assert!(!python_accepts(&raw));
    }

    /// The classification before the single-pass pre-check: depth walk, then a parse.
    fn json_line_breaks_reference(v: &[u8]) -> Option<bool> {
        let t = trim_ascii(v);
        let json = matches!(t.first(), Some(b'{') | Some(b'['))
            && nesting_within(t, MAX_JSON_DEPTH)
            && serde_json::from_slice::<serde::de::IgnoredAny>(t).is_ok();
        json.then(|| v.contains(&b'\n') || v.contains(&b'\r'))
    }

    proptest::proptest! {
        #[test]
        fn value_classification_matches_the_reference(
            v in proptest::collection::vec(proptest::sample::select(
                b"[]{}[[{{\"\",:\\ \n\r\ta1".to_vec()), 0..400)
        ) {
            proptest::prop_assert_eq!(json_line_breaks(&v), json_line_breaks_reference(&v));
        }
    }

    #[test]
    fn integers_are_written_as_decimal() {
        for n in [0, 7, -1, 10, -10, 1_234_567, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            push_int(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }

    #[test]
    fn depth_limit_is_exact() {
        assert_eq!(encoding(&line(&nested(MAX_JSON_DEPTH))), "json");
        assert_eq!(encoding(&line(&nested(MAX_JSON_DEPTH + 1))), "text");
        // Brackets inside strings do not count.
        let mut in_str = b"{\"a\":\"".to_vec();
        in_str.extend("[{".repeat(500).bytes());
        in_str.extend(b"\\\"\"}");
        assert_eq!(encoding(&line(&in_str)), "json");
        assert!(python_accepts(&line(&in_str)));
    }

    #[test]
    fn pretty_json_is_compacted_and_deep_pretty_json_is_text() {
        let l = line(b"{\n  \"a\": [1,\n 2]\n}\n");
        assert_eq!(l.iter().filter(|b| **b == b'\n').count(), 1);
        let v: serde_json::Value = serde_json::from_slice(&l).unwrap();
        assert_eq!(v["value"], serde_json::json!({"a": [1, 2]}));
        let mut deep = b"\n".to_vec();
        deep.extend(nested(MAX_JSON_DEPTH + 5));
        let l = line(&deep);
        assert_eq!(encoding(&l), "text");
        assert!(python_accepts(&l));
    }
}
