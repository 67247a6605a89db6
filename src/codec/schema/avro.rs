//! Avro binary bodies to JSON and back, walking the schema apache-avro parsed.
//!
//! The walk is ours, not `apache_avro::from_avro_datum`: that returns maps as a HashMap, which
//! loses the order entries came in, so a decoded record could not encode back to the same bytes.
//! Walking ourselves also bounds the work on any bytes (a length is checked against the bytes
//! left before anything is read or allocated; nesting is capped, recursive schemas included),
//! and names the field that did not fit in every error.
//!
//! JSON per Avro type: null, boolean, int and long as themselves; float and double as numbers
//! (NaN, Infinity, -Infinity as text); string as text; bytes and fixed as their text when UTF-8,
//! else `base64:` + base64; enum as its symbol; union as the branch's value, unwrapped; record
//! as an object in field order; map as an object in wire order; array as an array; decimal as
//! text with its scale ("12.34"); uuid as text; date "YYYY-MM-DD"; time-millis/micros
//! "HH:MM:SS.fff"; timestamp-millis/micros/nanos RFC 3339 UTC ("2026-12-05T07:00:00.123Z");
//! local-timestamp-* the same without "Z"; duration {"months", "days", "milliseconds"}.

use super::avro_text as text;
use super::Source;
use apache_avro::schema::{Schema, UnionSchema};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Deepest nesting decoded or encoded: a recursive schema otherwise recurses once per byte.
pub(super) const MAX_DEPTH: usize = 200;

/// Most items of a type that takes no bytes (null, an empty record) in one array or map block:
/// their count is not bounded by the bytes left.
const MAX_EMPTY_ITEMS: u64 = 65_536;

pub(super) struct Avro {
    pub(super) root: Schema,
    /// Named types by full name, for the references (`Schema::Ref`) in `root`.
    pub(super) names: HashMap<String, Schema>,
}

impl Avro {
    pub(super) fn parse(src: &Source) -> Result<Avro, String> {
        let (root, deps) = if src.references.is_empty() {
            (
                Schema::parse_str(&src.text).map_err(|e| format!("Avro schema: {e}"))?,
                Vec::new(),
            )
        } else {
            // The main schema apart from its dependencies, which may come in any order among
            // themselves (with `parse_list` the main one must come last).
            let refs = src.references.iter().map(|r| r.text.as_str());
            Schema::parse_str_with_list(&src.text, refs).map_err(|e| format!("Avro schema: {e}"))?
        };
        let mut names = HashMap::new();
        for s in deps.iter().chain(std::iter::once(&root)) {
            collect_names(s, &mut names);
        }
        Ok(Avro { root, names })
    }

    pub(super) fn decode(&self, body: &[u8]) -> Result<Value, String> {
        let mut r = Reader {
            avro: self,
            buf: body,
            pos: 0,
            path: Vec::new(),
        };
        let v = r.value(&self.root)?;
        match body.len() - r.pos {
            0 => Ok(v),
            n => Err(format!(
                "{n} bytes left over after the value: the schema does not match"
            )),
        }
    }

    /// `decode`, written straight as compact JSON text: the same text `serde_json` gives for
    /// `decode`'s value (a map with a key twice keeps both), without building the value.
    pub(super) fn decode_text(&self, body: &[u8]) -> Result<String, String> {
        let mut r = Reader {
            avro: self,
            buf: body,
            pos: 0,
            path: Vec::new(),
        };
        let mut out = Vec::with_capacity(body.len() * 2 + 16);
        match r.write(&self.root, &mut out) {
            Err(e) if e == super::avro_json::TWICE => {
                return self.decode(body).map(|v| v.to_string())
            }
            r => r?,
        }
        match body.len() - r.pos {
            // Only strings checked as UTF-8 and serde_json's own output went in.
            0 => String::from_utf8(out).map_err(|e| e.to_string()),
            n => Err(format!(
                "{n} bytes left over after the value: the schema does not match"
            )),
        }
    }

    pub(super) fn resolve<'s>(&'s self, s: &'s Schema) -> Result<&'s Schema, String> {
        match s {
            Schema::Ref { name } => {
                let full = name.fullname(None);
                self.names
                    .get(&full)
                    .ok_or_else(|| format!("type {full} is not defined"))
            }
            _ => Ok(s),
        }
    }
}

fn collect_names(s: &Schema, names: &mut HashMap<String, Schema>) {
    match s {
        Schema::Record(r) => {
            names.insert(r.name.fullname(None), s.clone());
            r.fields
                .iter()
                .for_each(|f| collect_names(&f.schema, names));
        }
        Schema::Enum(e) => {
            names.insert(e.name.fullname(None), s.clone());
        }
        Schema::Fixed(f) => {
            names.insert(f.name.fullname(None), s.clone());
        }
        Schema::Decimal(d) => collect_names(&d.inner, names),
        Schema::Array(a) => collect_names(&a.items, names),
        Schema::Map(m) => collect_names(&m.types, names),
        Schema::Union(u) => u.variants().iter().for_each(|v| collect_names(v, names)),
        _ => {}
    }
}

/// Where an error happened, for its message ("field payload.items[2].status").
pub(super) fn at(path: &[String], msg: String) -> String {
    if path.is_empty() {
        return msg;
    }
    let mut p = String::new();
    for seg in path {
        if !p.is_empty() && !seg.starts_with('[') {
            p.push('.');
        }
        p.push_str(seg);
    }
    format!("field {p}: {msg}")
}

pub(super) struct Reader<'a> {
    pub(super) avro: &'a Avro,
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
    /// Where the walk is, for an error's message; written out only when there is an error
    /// (a `String` per field, array item and map entry cost every record an allocation each).
    pub(super) path: Vec<Seg<'a>>,
}

/// One step of the path: a record's field, an array's item, a map's entry.
pub(super) enum Seg<'a> {
    Field(&'a str),
    Item(usize),
    Entry(String),
}

impl<'a> Reader<'a> {
    pub(super) fn fail(&self, msg: impl Into<String>) -> String {
        let path: Vec<String> = self
            .path
            .iter()
            .map(|s| match s {
                Seg::Field(name) => name.to_string(),
                Seg::Item(i) => format!("[{i}]"),
                Seg::Entry(key) => format!("[{key}]"),
            })
            .collect();
        at(&path, msg.into())
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&[u8], String> {
        if self.buf.len() - self.pos < n {
            return Err(self.fail(format!(
                "the value ends early (needs {n} bytes, {} left)",
                self.buf.len() - self.pos
            )));
        }
        self.pos += n;
        Ok(&self.buf[self.pos - n..self.pos])
    }

    pub(super) fn long(&mut self) -> Result<i64, String> {
        let mut n: u64 = 0;
        for shift in (0..70).step_by(7) {
            let b = *self.take(1)?.first().unwrap_or(&0);
            if shift == 63 && b > 1 {
                return Err(self.fail("a number longer than 64 bits"));
            }
            n |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok((n >> 1) as i64 ^ -((n & 1) as i64));
            }
        }
        Err(self.fail("a number longer than 64 bits"))
    }

    pub(super) fn int(&mut self) -> Result<i32, String> {
        let n = self.long()?;
        i32::try_from(n).map_err(|_| self.fail(format!("{n} is out of range for an int")))
    }

    /// A length prefix, checked against the bytes left so nothing large is allocated for it.
    fn len(&mut self) -> Result<usize, String> {
        let n = self.long()?;
        let left = self.buf.len() - self.pos;
        match usize::try_from(n) {
            Ok(n) if n <= left => Ok(n),
            _ => Err(self.fail(format!("a length of {n} with {left} bytes left: the value ends early or the schema does not match"))),
        }
    }

    pub(super) fn bytes(&mut self) -> Result<&[u8], String> {
        let n = self.len()?;
        self.take(n)
    }

    pub(super) fn string(&mut self) -> Result<String, String> {
        let b = self.bytes()?;
        match std::str::from_utf8(b) {
            Ok(s) => Ok(s.to_string()),
            Err(_) => Err(self.fail("a string that is not UTF-8: the schema does not match")),
        }
    }

    fn value(&mut self, schema: &'a Schema) -> Result<Value, String> {
        if self.path.len() > MAX_DEPTH {
            return Err(self.fail(format!("nested deeper than {MAX_DEPTH}")));
        }
        let schema = self.avro.resolve(schema).map_err(|e| self.fail(e))?;
        match schema {
            Schema::Null => Ok(Value::Null),
            Schema::Boolean => match self.take(1)?.first().copied() {
                Some(0) => Ok(Value::Bool(false)),
                Some(1) => Ok(Value::Bool(true)),
                b => Err(self.fail(format!("byte {:#04x} is not a boolean", b.unwrap_or(0)))),
            },
            Schema::Int => Ok(Value::from(self.int()?)),
            Schema::Long => Ok(Value::from(self.long()?)),
            Schema::Float => {
                let b = self.take(4)?;
                Ok(text::float32_json(f32::from_le_bytes([
                    b[0], b[1], b[2], b[3],
                ])))
            }
            Schema::Double => {
                let mut a = [0u8; 8];
                a.copy_from_slice(self.take(8)?);
                Ok(text::float_json(f64::from_le_bytes(a)))
            }
            Schema::String => Ok(Value::String(self.string()?)),
            Schema::Bytes | Schema::Uuid => Ok(text::bytes_json(self.bytes()?)),
            Schema::Fixed(f) => Ok(text::bytes_json(self.take(f.size)?)),
            Schema::Enum(e) => {
                let i = self.long()?;
                let sym = usize::try_from(i).ok().and_then(|i| e.symbols.get(i));
                sym.map(|s| Value::String(s.clone())).ok_or_else(|| {
                    self.fail(format!("symbol {i} of enum {} does not exist", e.name.name))
                })
            }
            Schema::Union(u) => self.union(u),
            Schema::Record(r) => {
                let mut obj = Map::with_capacity(r.fields.len());
                for f in &r.fields {
                    self.path.push(Seg::Field(&f.name));
                    let v = self.value(&f.schema)?;
                    self.path.pop();
                    obj.insert(f.name.clone(), v);
                }
                Ok(Value::Object(obj))
            }
            Schema::Array(a) => self.array(&a.items),
            Schema::Map(m) => self.map(&m.types),
            _ => self.logical(schema),
        }
    }

    pub(super) fn union(&mut self, u: &'a UnionSchema) -> Result<Value, String> {
        let i = self.long()?;
        match usize::try_from(i).ok().and_then(|i| u.variants().get(i)) {
            Some(branch) => self.value(branch),
            None => Err(self.fail(format!("branch {i} of a union of {}", u.variants().len()))),
        }
    }

    pub(super) fn logical(&mut self, schema: &'a Schema) -> Result<Value, String> {
        use text::Unit::{Micros, Millis, Nanos};
        Ok(match schema {
            Schema::Decimal(d) => {
                let bytes = match self.avro.resolve(&d.inner).map_err(|e| self.fail(e))? {
                    Schema::Fixed(f) => self.take(f.size)?,
                    _ => self.bytes()?,
                };
                text::decimal_json(bytes, d.scale).map_err(|e| self.fail(e))?
            }
            Schema::Date => text::date_json(self.int()?),
            Schema::TimeMillis => text::time_json(i64::from(self.int()?), 3),
            Schema::TimeMicros => text::time_json(self.long()?, 6),
            Schema::TimestampMillis => text::timestamp_json(self.long()?, Millis, true),
            Schema::TimestampMicros => text::timestamp_json(self.long()?, Micros, true),
            Schema::TimestampNanos => text::timestamp_json(self.long()?, Nanos, true),
            Schema::LocalTimestampMillis => text::timestamp_json(self.long()?, Millis, false),
            Schema::LocalTimestampMicros => text::timestamp_json(self.long()?, Micros, false),
            Schema::LocalTimestampNanos => text::timestamp_json(self.long()?, Nanos, false),
            Schema::Duration => {
                let b = self.take(12)?;
                let part = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
                serde_json::json!({"months": part(0), "days": part(4), "milliseconds": part(8)})
            }
            other => return Err(self.fail(format!("the type {other:?} is not supported"))),
        })
    }

    /// The count of the next block (0: the end); a negative count is followed by the block's
    /// size in bytes, which we do not need.
    pub(super) fn block(&mut self, item: &Schema) -> Result<usize, String> {
        let n = self.long()?;
        if n < 0 {
            self.long()?;
        }
        let count = n.unsigned_abs();
        let left = (self.buf.len() - self.pos) as u64;
        let empty_items = self.takes_no_bytes(item, 0);
        if (!empty_items && count > left) || (empty_items && count > MAX_EMPTY_ITEMS) {
            return Err(self.fail(format!("{count} items with {left} bytes left: the value ends early or the schema does not match")));
        }
        Ok(count as usize)
    }

    /// Whether a value of `s` can take no bytes at all, which leaves its count unbounded.
    fn takes_no_bytes(&self, s: &Schema, depth: usize) -> bool {
        match self.avro.resolve(s) {
            _ if depth > 16 => true,
            Ok(Schema::Null) => true,
            Ok(Schema::Fixed(f)) => f.size == 0,
            Ok(Schema::Record(r)) => r
                .fields
                .iter()
                .all(|f| self.takes_no_bytes(&f.schema, depth + 1)),
            _ => false,
        }
    }

    fn array(&mut self, item: &'a Schema) -> Result<Value, String> {
        let mut out = Vec::new();
        loop {
            let n = self.block(item)?;
            if n == 0 {
                return Ok(Value::Array(out));
            }
            for _ in 0..n {
                self.path.push(Seg::Item(out.len()));
                let v = self.value(item)?;
                self.path.pop();
                out.push(v);
            }
        }
    }

    fn map(&mut self, item: &'a Schema) -> Result<Value, String> {
        let mut out = Map::new();
        loop {
            // Each entry has a key of at least one byte, so a string schema bounds the count.
            let n = self.block(&Schema::String)?;
            if n == 0 {
                return Ok(Value::Object(out));
            }
            for _ in 0..n {
                let key = self.string()?;
                self.path.push(Seg::Entry(key));
                let v = self.value(item)?;
                if let Some(Seg::Entry(key)) = self.path.pop() {
                    out.insert(key, v);
                }
            }
        }
    }
}
