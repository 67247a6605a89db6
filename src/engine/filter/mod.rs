//! Record filters: jq expressions (through jaq) and the plain quick filter.
//!
//! An expression sees each record as
//! `{topic, partition, offset, timestamp, key, headers, value}`: `key` and `value` are parsed
//! as JSON when they are JSON, else they are text; `headers` is an object of strings. Bytes
//! that are not UTF-8 (in a key, a value or a header) are shown as lowercase hex, so a filter
//! can still compare them exactly (`.headers.sig == "00ff"`). A record matches when the program
//! yields at least one truthy value (neither `false` nor `null`); a record on which the program
//! fails (e.g. `test` on a number) does not match.

use crate::codec::jsonl::{LineRecord, WireJson};
use crate::domain::Record;
use jaq_core::data::JustLut;
use jaq_core::load::{Arena, File, Loader};
use jaq_core::{unwrap_valr, Compiler, Ctx, Vars};
use jaq_json::Val;
use std::fmt;
use std::sync::Arc;

mod reads;
#[cfg(test)]
mod tests;

pub use reads::{fields_read, value_fields, Reads};

type Program = jaq_core::Filter<JustLut<Val>>;

/// A compiled jq expression, cheap to clone.
#[derive(Clone)]
pub struct Expr {
    source: String,
    /// The saved filter's name (`[filters]` in the config), when it came from one.
    name: Option<String>,
    program: Arc<Program>,
    /// The costly fields the program may read: the others are not built for it.
    reads: Reads,
    /// The value's fields it reads, when it reads only fields of it by name (None: whole).
    value_fields: Option<Arc<[String]>>,
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expr({:?})", self.source)
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.source == other.source
    }
}

impl Eq for Expr {}

impl Expr {
    /// Compiles `source` once; the error says in words what is wrong and where.
    pub fn compile(source: &str) -> Result<Expr, String> {
        let code = source.trim();
        if code.is_empty() {
            return Err("the filter is empty".into());
        }
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let arena = Arena::default();
        let modules = Loader::new(defs)
            .load(&arena, File { code, path: () })
            .map_err(|errs| load_error(code, errs))?;
        let program = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errs| compile_error(code, errs))?;
        Ok(Expr {
            source: code.to_string(),
            name: None,
            program: Arc::new(program),
            reads: fields_read(code),
            value_fields: value_fields(code).map(Arc::from),
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The same program known by a saved filter's name.
    pub fn with_name(mut self, name: &str) -> Expr {
        self.name = Some(name.to_string());
        self
    }

    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The same program given the whole record, for tests that compare the two.
    #[cfg(test)]
    pub(crate) fn reading_all(mut self) -> Expr {
        self.reads = Reads::ALL;
        self.value_fields = None;
        self
    }

    /// True when the program yields a truthy value for this record; failures do not match.
    pub fn matches(&self, r: &Record) -> bool {
        self.eval(r).unwrap_or(false)
    }

    /// Like `matches`, with the program's own error when it fails on this record.
    pub fn eval(&self, r: &Record) -> Result<bool, String> {
        self.eval_val(record_val(r, self.input()))
    }

    /// For `kdeck tail`: a record straight off the wire, whole.
    pub fn matches_line(&self, r: &LineRecord<'_>) -> bool {
        self.eval_line(r).unwrap_or(false)
    }

    /// Like `matches_line`, with the program's error when it fails on this record.
    pub fn eval_line(&self, r: &LineRecord<'_>) -> Result<bool, String> {
        self.eval_val(line_val(r, r.headers.iter().copied(), true, self.input()))
    }

    /// Like `matches_line`, with the headers as the domain keeps them (`r.headers` unused).
    pub fn matches_with_headers(
        &self,
        r: &LineRecord<'_>,
        headers: &[crate::domain::Header],
    ) -> bool {
        let hs = headers.iter().map(|h| (h.key.as_str(), h.value.as_deref()));
        self.eval_val(line_val(r, hs, true, self.input()))
            .unwrap_or(false)
    }

    /// What of the record the program's input is built from.
    fn input(&self) -> Input<'_> {
        Input {
            reads: self.reads,
            value_fields: self.value_fields.as_deref(),
        }
    }

    fn eval_val(&self, input: Val) -> Result<bool, String> {
        let ctx = Ctx::<JustLut<Val>>::new(&self.program.lut, Vars::new([]));
        for out in self.program.id.run((ctx, input)).map(unwrap_valr) {
            match out {
                Ok(v) if truthy(&v) => return Ok(true),
                Ok(_) => {}
                // The error may quote the whole value (megabytes): keep the start.
                Err(e) => return Err(format!("the filter failed: {}", cut(&e.to_string(), 160))),
            }
        }
        Ok(false)
    }
}

fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

fn truthy(v: &Val) -> bool {
    !matches!(v, Val::Null | Val::Bool(false))
}

/// Where in the expression a piece of it starts (the parser hands back sub-slices of it).
fn position(code: &str, at: &str) -> usize {
    let start = code.as_ptr() as usize;
    let p = at.as_ptr() as usize;
    if p >= start && p <= start + code.len() {
        code[..p - start].chars().count() + 1
    } else {
        code.chars().count() + 1
    }
}

fn near(code: &str, at: &str) -> String {
    let pos = position(code, at);
    let shown: String = at.chars().take(12).collect();
    if shown.trim().is_empty() {
        format!("at the end (column {pos})")
    } else {
        format!("at column {pos} (near \"{}\")", shown.trim_end())
    }
}

fn load_error(code: &str, errs: jaq_core::load::Errors<&str, ()>) -> String {
    use jaq_core::load::Error;
    let mut words = Vec::new();
    for (_, e) in errs {
        match e {
            Error::Io(v) => words.extend(v.into_iter().map(|(_, m)| m)),
            Error::Lex(v) => words.extend(
                v.into_iter()
                    .map(|(exp, at)| format!("expected {} {}", exp.as_str(), near(code, at))),
            ),
            Error::Parse(v) => words.extend(
                v.into_iter()
                    .map(|(exp, at)| format!("expected {} {}", exp.as_str(), near(code, at))),
            ),
        }
    }
    summarise(words)
}

fn compile_error(code: &str, errs: jaq_core::compile::Errors<&str, ()>) -> String {
    let words = errs
        .into_iter()
        .flat_map(|(_, v)| v)
        .map(|(name, undef)| {
            format!(
                "unknown {} \"{name}\" at column {}",
                undef.as_str(),
                position(code, name)
            )
        })
        .collect();
    summarise(words)
}

fn summarise(words: Vec<String>) -> String {
    match words.len() {
        0 => "the filter is not valid".into(),
        _ => format!("invalid filter: {}", words.join("; ")),
    }
}

/// Bytes as a jq value: JSON when they parse as JSON, else text (hex when not UTF-8).
fn bytes_val(bytes: &[u8], try_json: bool) -> Val {
    if try_json {
        if let Ok(v) = jaq_json::read::parse_single(bytes) {
            return v;
        }
    }
    text_val(bytes)
}

/// The value as an object of just `names`, when it is a JSON object: a program that reads only
/// those fields answers on it as on the whole value, and parsing a 300-byte value whole was
/// most of a filter's cost. Anything else (not an object, a field jaq does not read) is built
/// whole, as before.
fn projected(bytes: &[u8], names: &[String]) -> Val {
    // Escapes are where serde_json's syntax check and jaq's parser disagree (serde lets a lone
    // surrogate `\ud800` through, jaq refuses the value): a value with any is built whole.
    if bytes.contains(&b'\\') {
        return bytes_val(bytes, true);
    }
    let Some(obj) = crate::codec::decode::json::Obj::parse(bytes) else {
        return bytes_val(bytes, true);
    };
    let mut m = jaq_json::Map::with_capacity_and_hasher(names.len(), Default::default());
    for n in names {
        let Some(node) = obj.get(n) else { continue };
        match jaq_json::read::parse_single(node.raw().as_bytes()) {
            Ok(v) => {
                m.insert(key(n), v);
            }
            Err(_) => return bytes_val(bytes, true),
        }
    }
    Val::obj(m)
}

fn text_val(bytes: &[u8]) -> Val {
    match std::str::from_utf8(bytes) {
        Ok(s) => Val::utf8_str(s.to_string()),
        Err(_) => Val::utf8_str(hex(bytes)),
    }
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn key(k: &str) -> Val {
    Val::utf8_str(k.to_string())
}

/// What an expression's input is built from: the costly fields it reads, and of the value
/// only the fields it reads by name when that is all it reads of it.
#[derive(Clone, Copy)]
struct Input<'a> {
    reads: Reads,
    value_fields: Option<&'a [String]>,
}

/// The record as the expression sees it.
fn record_val(r: &Record, input: Input<'_>) -> Val {
    let headers = r
        .headers
        .iter()
        .map(|h| (h.key.as_str(), h.value.as_deref()));
    let line = LineRecord {
        topic: &r.topic,
        partition: r.partition,
        offset: r.offset,
        timestamp_ms: r.timestamp_ms,
        key: r.key.as_deref(),
        headers: &[],
        value: r.value.as_deref(),
        schema: r.decoded.schema.as_deref().and_then(WireJson::of),
    };
    // A value cut at the cap is no longer valid JSON: it is text then (a schema value was
    // decoded whole, before the cut).
    let whole = !r.truncated() || line.schema.is_some();
    line_val(&line, headers, whole, input)
}

/// A field the program never reads is null: parsing a value no one looks at is most of the
/// cost of a filter on the headers or the key.
fn line_val<'a>(
    r: &LineRecord<'_>,
    headers: impl Iterator<Item = (&'a str, Option<&'a [u8]>)>,
    value_whole: bool,
    input: Input<'_>,
) -> Val {
    let reads = input.reads;
    let mut hs = jaq_json::Map::default();
    for (k, v) in headers.filter(|_| reads.headers) {
        hs.insert(key(k), v.map_or(Val::Null, text_val));
    }
    let mut m = jaq_json::Map::with_capacity_and_hasher(7, Default::default());
    m.insert(Val::utf8_str("topic"), key(r.topic));
    m.insert(Val::utf8_str("partition"), Val::from(r.partition as isize));
    m.insert(Val::utf8_str("offset"), Val::from(r.offset as isize));
    let ts = r.timestamp_ms.map_or(Val::Null, |t| Val::from(t as isize));
    m.insert(Val::utf8_str("timestamp"), ts);
    let k = r
        .key
        .filter(|_| reads.key)
        .map_or(Val::Null, |k| bytes_val(k, true));
    m.insert(Val::utf8_str("key"), k);
    m.insert(Val::utf8_str("headers"), Val::obj(hs));
    let v = r
        .json_value()
        .filter(|_| reads.value)
        .map_or(Val::Null, |v| match input.value_fields {
            Some(names) if value_whole => projected(v, names),
            _ => bytes_val(v, value_whole),
        });
    m.insert(Val::utf8_str("value"), v);
    Val::obj(m)
}

/// The plain filter: case-insensitive text over the key, the headers and the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quick {
    text: String,
    /// Lowercased once.
    needle: String,
}

impl Quick {
    pub fn new(text: &str) -> Quick {
        Quick {
            text: text.to_string(),
            needle: text.to_lowercase(),
        }
    }

    /// As the user typed it.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn matches(&self, r: &Record) -> bool {
        self.matches_parts(r.key.as_deref(), &r.headers, r.json_bytes())
    }

    /// Like `matches`, on a record's parts as read (a search tests before decoding).
    pub fn matches_parts(
        &self,
        key: Option<&[u8]>,
        headers: &[crate::domain::Header],
        value: Option<&[u8]>,
    ) -> bool {
        if self.needle.is_empty() {
            return true;
        }
        let found = |b: &[u8]| contains_ci(b, &self.needle);
        key.is_some_and(found)
            || value.is_some_and(found)
            || headers.iter().any(|h| {
                contains_ci(h.key.as_bytes(), &self.needle) || h.value.as_deref().is_some_and(found)
            })
    }
}

/// ASCII needles compare bytes without allocating (the common case: ids, statuses); others
/// lowercase the text.
fn contains_ci(hay: &[u8], needle: &str) -> bool {
    if needle.is_ascii() {
        let n = needle.as_bytes();
        return n.len() <= hay.len()
            && hay
                .windows(n.len())
                .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b));
    }
    String::from_utf8_lossy(hay).to_lowercase().contains(needle)
}
