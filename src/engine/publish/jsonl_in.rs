//! Reading the JSON lines `kdeck tail` writes (see `crate::codec::jsonl`) back into records, byte for
//! byte: a JSON value's own text, text as UTF-8, base64 decoded, null kept null, header values
//! the same way (`{"base64": ...}` for binary ones).

use super::PublishRecord;
use base64::Engine;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    partition: Option<i32>,
    #[serde(default, borrow)]
    key: Option<&'a RawValue>,
    #[serde(default)]
    key_encoding: Option<String>,
    #[serde(default)]
    headers: Vec<(String, Value)>,
    #[serde(default, borrow)]
    value: Option<&'a RawValue>,
    #[serde(default)]
    value_encoding: Option<String>,
    /// A schema value's bytes as read (`kdeck tail` writes them beside the decoded JSON).
    #[serde(default)]
    value_base64: Option<String>,
}

/// How a line's topic and partition are used.
#[derive(Clone, Debug, Default)]
pub struct LineTarget {
    /// Every record goes here (`-t`); the line's partition is then ignored unless kept.
    pub topic: Option<String>,
    /// Every record to this partition (`--partition`).
    pub partition: Option<i32>,
    /// Keep the line's partition even when `topic` redirects the record.
    pub keep_partition: bool,
}

/// One line into a record; Err says what is wrong with it.
pub fn parse_line(line: &str, target: &LineTarget) -> Result<PublishRecord, String> {
    let l: Line<'_> =
        serde_json::from_str(line).map_err(|e| format!("not a kdeck tail JSON line: {e}"))?;
    let topic = match (&target.topic, &l.topic) {
        (Some(t), _) => t.clone(),
        (None, Some(t)) if !t.is_empty() => t.clone(),
        _ => return Err("the line has no topic: give one with -t TOPIC".into()),
    };
    let partition = match target.partition {
        Some(p) => Some(p),
        None if target.topic.is_none() || target.keep_partition => l.partition,
        None => None,
    };
    let key = bytes(l.key, l.key_encoding.as_deref(), "key")?;
    let value = match (&l.value_base64, l.value_encoding.as_deref()) {
        // The bytes as read, not the JSON re-encoded: a copy is byte-exact.
        (Some(b), _) => Some(b64(b, "value_base64")?),
        (None, Some(enc @ ("avro" | "protobuf" | "json-schema"))) => {
            return Err(format!(
                "the value is {enc} decoded to JSON and the line has no value_base64 (its \
                 bytes): publish JSON with a schema with `kdeck publish --subject`"
            ))
        }
        _ => bytes(l.value, l.value_encoding.as_deref(), "value")?,
    };
    let headers = l
        .headers
        .into_iter()
        .map(|(k, v)| header(&k, v).map(|v| (k, v)))
        .collect::<Result<_, _>>()?;
    Ok(PublishRecord {
        topic,
        partition,
        key,
        headers,
        value,
        key_hash: None,
    })
}

fn b64(s: &str, what: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| format!("{what}: invalid base64: {e}"))
}

/// A key or value: `text`/`base64` strings, `json` raw text, `null`; without an encoding a
/// string is text and anything else is JSON.
fn bytes(raw: Option<&RawValue>, enc: Option<&str>, what: &str) -> Result<Option<Vec<u8>>, String> {
    let Some(raw) = raw else { return Ok(None) };
    let text = raw.get();
    if text == "null" {
        return Ok(None);
    }
    let as_str = || {
        serde_json::from_str::<String>(text)
            .map_err(|_| format!("{what}: expected a string for its encoding"))
    };
    match enc {
        Some("base64") => b64(&as_str()?, what).map(Some),
        Some("text") => as_str().map(|s| Some(s.into_bytes())),
        Some("json") => Ok(Some(text.as_bytes().to_vec())),
        Some("null") => Ok(None),
        Some(other) => Err(format!(
            "{what}: unknown encoding {other:?} (expected json, text, base64 or null)"
        )),
        None if text.starts_with('"') => as_str().map(|s| Some(s.into_bytes())),
        None => Ok(Some(text.as_bytes().to_vec())),
    }
}

fn header(name: &str, v: Value) -> Result<Option<Vec<u8>>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.into_bytes())),
        Value::Object(m) => match m.get("base64") {
            Some(Value::String(s)) => b64(s, &format!("header {name}")).map(Some),
            _ => Err(format!(
                "header {name}: expected text, null or {{\"base64\": ...}}"
            )),
        },
        other => Ok(Some(other.to_string().into_bytes())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::jsonl::{write_line, LineRecord};

    fn round(key: Option<&[u8]>, value: Option<&[u8]>, headers: &[(&str, Option<&[u8]>)]) {
        let mut out = Vec::new();
        write_line(
            &mut out,
            &LineRecord {
                topic: "src",
                partition: 2,
                offset: 9,
                timestamp_ms: Some(1),
                key,
                headers,
                value,
                schema: None,
            },
        );
        let line = std::str::from_utf8(&out).unwrap();
        let r = parse_line(line, &LineTarget::default()).unwrap();
        assert_eq!(r.topic, "src");
        assert_eq!(r.partition, Some(2));
        assert_eq!(r.key.as_deref(), key);
        assert_eq!(r.value.as_deref(), value, "{line}");
        let want: Vec<(String, Option<Vec<u8>>)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(<[u8]>::to_vec)))
            .collect();
        assert_eq!(r.headers, want);
    }

    #[test]
    fn what_tail_writes_reads_back_byte_exact() {
        round(
            Some(b"k"),
            Some(br#"{"a": 1,"b":[true, null]}"#),
            &[("h", Some(b"v"))],
        );
        round(None, Some(b"plain text \"quoted\" \xc3\xa9"), &[]);
        round(
            Some(&[0xff, 0x00]),
            Some(&[0x00, 0xff, 0x80]),
            &[("bin", Some(&[0, 255]))],
        );
        round(Some(b""), None, &[("nul", None), ("empty", Some(b""))]);
        round(Some(b"k"), Some(b""), &[]);
        round(Some(b"k"), Some(b"123"), &[]);
    }

    #[test]
    fn topic_and_partition_rules() {
        let line = r#"{"topic":"a","partition":1,"key":"k","headers":[],"value":"v"}"#;
        let to_b = LineTarget {
            topic: Some("b".into()),
            ..Default::default()
        };
        let r = parse_line(line, &to_b).unwrap();
        assert_eq!((r.topic.as_str(), r.partition), ("b", None));
        let keep = LineTarget {
            keep_partition: true,
            ..to_b.clone()
        };
        assert_eq!(parse_line(line, &keep).unwrap().partition, Some(1));
        let no_topic = r#"{"key":null,"value":{"x":1}}"#;
        assert!(parse_line(no_topic, &LineTarget::default())
            .unwrap_err()
            .contains("-t TOPIC"));
        let r = parse_line(no_topic, &to_b).unwrap();
        assert_eq!(r.value.as_deref(), Some(&br#"{"x":1}"#[..]));
        assert_eq!(r.key, None);
        assert!(parse_line("not json", &to_b).is_err());
        let bad = r#"{"topic":"a","value":"%%","value_encoding":"base64"}"#;
        assert!(parse_line(bad, &to_b).unwrap_err().contains("base64"));
    }
}
