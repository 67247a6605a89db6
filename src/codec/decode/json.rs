//! A JSON object read without building a tree. The dashboard's reader decodes every record
//! (tens of thousands a second) but looks at a dozen fields of each: a `serde_json::Value`
//! copies every key and string and hashes every key into a map first, which was most of the
//! reader's time and allocations. `Obj` keeps the top level's fields as borrowed raw text
//! (one allocation), and a field is parsed only when asked for; nested objects are searched
//! in place. Syntax is checked as strictly as `serde_json::from_slice` checks it.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// A JSON object's fields, in document order, each as raw JSON text.
#[derive(Debug)]
pub struct Obj<'a> {
    fields: Vec<(Cow<'a, str>, Node<'a>)>,
}

/// One JSON value, as raw text borrowed from the record.
#[derive(Clone, Copy, Debug)]
pub struct Node<'a>(&'a RawValue);

impl<'a> Obj<'a> {
    /// The object `bytes` hold; None when they are not one JSON object (arrays, strings,
    /// numbers, text that is not JSON).
    pub fn parse(bytes: &'a [u8]) -> Option<Obj<'a>> {
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
        if *first != b'{' {
            return None;
        }
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let fields = de.deserialize_map(FieldsVisitor).ok()?;
        de.end().ok()?;
        Some(Obj { fields })
    }

    /// A field's value. Of repeated names the last counts, as with `serde_json::Value`.
    pub fn get(&self, name: &str) -> Option<Node<'a>> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| *v)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == name)
    }

    /// Fields in document order (repeated names each time).
    pub fn iter(&self) -> impl Iterator<Item = (&str, Node<'a>)> + '_ {
        self.fields.iter().map(|(k, v)| (k.as_ref(), *v))
    }

    /// The field's text: a non-empty string, or a number as `serde_json` prints it.
    pub fn text(&self, name: &str) -> Option<Cow<'a, str>> {
        self.get(name)?.text()
    }
}

impl<'a> Node<'a> {
    /// The value's JSON text as written.
    pub fn raw(&self) -> &'a str {
        self.0.get()
    }

    fn first(&self) -> u8 {
        self.raw().as_bytes().first().copied().unwrap_or(b'n')
    }

    pub fn is_object(&self) -> bool {
        self.first() == b'{'
    }

    pub fn is_string(&self) -> bool {
        self.first() == b'"'
    }

    pub fn is_number(&self) -> bool {
        matches!(self.first(), b'-' | b'0'..=b'9')
    }

    /// A string's content; borrowed unless it has escapes.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        if !self.is_string() {
            return None;
        }
        let raw = self.raw();
        match serde_json::from_str::<&'a str>(raw) {
            Ok(s) => Some(Cow::Borrowed(s)),
            Err(_) => serde_json::from_str::<String>(raw).ok().map(Cow::Owned),
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.is_number()
            .then(|| serde_json::from_str::<f64>(self.raw()).ok())
            .flatten()
    }

    /// A number as `serde_json::Value` prints it (`1.50` -> `1.5`).
    pub fn number_text(&self) -> Option<String> {
        self.is_number()
            .then(|| serde_json::from_str::<serde_json::Number>(self.raw()).ok())
            .flatten()
            .map(|n| n.to_string())
    }

    /// A non-empty string, or a number's text: what ids, statuses and summaries take.
    pub fn text(&self) -> Option<Cow<'a, str>> {
        match self.first() {
            b'"' => self.as_str().filter(|s| !s.is_empty()),
            _ => self.number_text().map(Cow::Owned),
        }
    }

    /// A field of this value when it is an object, found without collecting the others.
    pub fn get(&self, name: &str) -> Option<Node<'a>> {
        if !self.is_object() {
            return None;
        }
        let mut de = serde_json::Deserializer::from_str(self.raw());
        FindField(name).deserialize(&mut de).ok().flatten()
    }

    /// This value as an object, when it is one.
    pub fn object(&self) -> Option<Obj<'a>> {
        Obj::parse(self.raw().as_bytes())
    }

    /// The number of elements when this is an array.
    pub fn array_len(&self) -> Option<usize> {
        (self.first() == b'[')
            .then(|| serde_json::from_str::<Vec<IgnoredAny>>(self.raw()).ok())
            .flatten()
            .map(|v| v.len())
    }

    /// The value as compact JSON text (whitespace between tokens dropped).
    pub fn compact(&self) -> String {
        serde_json::from_str::<serde_json::Value>(self.raw())
            .map(|v| v.to_string())
            .unwrap_or_else(|_| self.raw().to_string())
    }
}

/// A key, borrowed from the input unless it has escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Vec<(Cow<'de, str>, Node<'de>)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(12));
        while let Some((k, v)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
            out.push((k.0, Node(v)));
        }
        Ok(out)
    }
}

/// Walks an object's fields, keeping the last one named `.0`.
struct FindField<'n>(&'n str);

impl<'de> DeserializeSeed<'de> for FindField<'_> {
    type Value = Option<Node<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FindField<'_> {
    type Value = Option<Node<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(k) = map.next_key::<Key<'de>>()? {
            if k.0 == self.0 {
                found = Some(Node(map.next_value::<&'de RawValue>()?));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    #[test]
    fn fields_read_as_a_parsed_value_reads_them() {
        let text = br#" {"a": "x\"y", "n": 1.50, "o": {"k": "v", "k": "w"}, "arr": [1, [2], 3],
            "e": "", "b": true, "a\u0062": "esc", "dup": 1, "dup": 2} "#;
        let o = Obj::parse(text).expect("an object");
        assert_eq!(o.text("a").as_deref(), Some("x\"y"));
        assert_eq!(o.text("n").as_deref(), Some("1.5"));
        assert_eq!(o.get("n").and_then(|n| n.as_f64()), Some(1.5));
        assert_eq!(
            o.get("o").and_then(|n| n.get("k")?.text()).as_deref(),
            Some("w")
        );
        assert_eq!(o.get("arr").and_then(|n| n.array_len()), Some(3));
        assert_eq!(o.text("e"), None, "an empty string is no text");
        assert_eq!(o.text("b"), None);
        assert_eq!(o.text("ab").as_deref(), Some("esc"), "escaped key");
        assert_eq!(
            o.text("dup").as_deref(),
            Some("2"),
            "the last repeated name counts"
        );
        assert_eq!(
            o.get("o").map(|n| n.compact()).as_deref(),
            Some(r#"{"k":"w"}"#)
        );
        assert!(o.get("missing").is_none());
    }

    #[test]
    fn only_a_well_formed_object_is_one() {
        for bad in [
            &b"[1]"[..],
            b"\"s\"",
            b"12",
            b"{",
            b"{\"a\":}",
            b"{} x",
            b"",
            b"text",
        ] {
            assert!(
                Obj::parse(bad).is_none(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(Obj::parse(b"{}").is_some());
    }

    proptest! {
        /// Any bytes: an object exactly when serde_json reads an object, with the same
        /// top-level string fields.
        #[test]
        fn agrees_with_serde_json(bytes in proptest::collection::vec(any::<u8>(), 0..64),
                                  key in "[a-z]{1,3}", val in "[ -~]{0,8}") {
            let full = format!("{{\"{key}\": {}, \"z\": 1}}", serde_json::to_string(&val).unwrap());
            for input in [bytes.as_slice(), full.as_bytes()] {
                let v = serde_json::from_slice::<Value>(input).ok().filter(Value::is_object);
                let o = Obj::parse(input);
                prop_assert_eq!(v.is_some(), o.is_some());
                if let (Some(v), Some(o)) = (v, o) {
                    for (k, field) in v.as_object().unwrap() {
                        let want = field.as_str().filter(|s| !s.is_empty()).map(str::to_string)
                            .or_else(|| field.as_number().map(|n| n.to_string()));
                        prop_assert_eq!(o.text(k).map(Cow::into_owned), want);
                    }
                }
            }
        }
    }
}
