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
}

pub fn write_line(out: &mut Vec<u8>, r: &LineRecord<'_>) {
    out.extend_from_slice(b"{\"topic\":");
    write_str(out, r.topic);
    out.extend_from_slice(b",\"partition\":");
    out.extend_from_slice(itoa(r.partition as i64).as_bytes());
    out.extend_from_slice(b",\"offset\":");
    out.extend_from_slice(itoa(r.offset).as_bytes());
    out.extend_from_slice(b",\"timestamp\":");
    match r.timestamp_ms {
        Some(t) => out.extend_from_slice(itoa(t).as_bytes()),
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
    let enc = match r.value {
        None => {
            out.extend_from_slice(b"null");
            "null"
        }
        Some(v) if is_json(v) => {
            if v.contains(&b'\n') || v.contains(&b'\r') {
                // Pretty-printed JSON would break one-record-per-line: re-emit it compact.
                match serde_json::from_slice::<serde_json::Value>(v) {
                    Ok(val) => {
                        let _ = serde_json::to_writer(&mut *out, &val);
                    }
                    Err(_) => out.extend_from_slice(b"null"),
                }
            } else {
                out.extend_from_slice(trim_ascii(v));
            }
            "json"
        }
        Some(v) => write_bytes_as_text(out, Some(v)),
    };
    out.extend_from_slice(b",\"value_encoding\":\"");
    out.extend_from_slice(enc.as_bytes());
    out.extend_from_slice(b"\"}\n");
}

fn is_json(v: &[u8]) -> bool {
    // Only objects and arrays count: a bare `123` or `true` payload is more likely text.
    let t = trim_ascii(v);
    matches!(t.first(), Some(b'{') | Some(b'['))
        && serde_json::from_slice::<serde::de::IgnoredAny>(t).is_ok()
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

fn itoa(n: i64) -> String {
    n.to_string()
}
