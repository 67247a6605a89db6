//! JSON to an Avro binary body, guided by the schema: each type takes what `avro.rs` decodes
//! to it (and the plain numbers behind logical types), so decode then encode gives the bytes
//! back. Errors name the field that did not fit.

use super::avro::{at, Avro, MAX_DEPTH};
use super::avro_text::{self as text, brief, Unit};
use apache_avro::schema::{RecordSchema, Schema, UnionSchema};
use serde_json::Value;

impl Avro {
    pub(super) fn encode(&self, value: &Value, out: &mut Vec<u8>) -> Result<(), String> {
        let mut w = Writer {
            avro: self,
            out: Vec::new(),
            path: Vec::new(),
        };
        w.value(&self.root, value)?;
        out.extend_from_slice(&w.out);
        Ok(())
    }
}

struct Writer<'a> {
    avro: &'a Avro,
    out: Vec<u8>,
    path: Vec<String>,
}

pub(super) fn put_long(out: &mut Vec<u8>, n: i64) {
    let mut z = ((n << 1) ^ (n >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

impl Writer<'_> {
    fn fail(&self, msg: impl Into<String>) -> String {
        at(&self.path, msg.into())
    }

    fn mismatch(&self, v: &Value, what: &str) -> String {
        self.fail(format!("{} is not {what}", brief(v)))
    }

    fn put_bytes(&mut self, b: &[u8]) {
        put_long(&mut self.out, b.len() as i64);
        self.out.extend_from_slice(b);
    }

    fn value(&mut self, schema: &Schema, v: &Value) -> Result<(), String> {
        if self.path.len() > MAX_DEPTH {
            return Err(self.fail(format!("nested deeper than {MAX_DEPTH}")));
        }
        let schema = self.avro.resolve(schema).map_err(|e| self.fail(e))?;
        match schema {
            Schema::Null if v.is_null() => {}
            Schema::Null => return Err(self.mismatch(v, "null")),
            Schema::Boolean => {
                let b = v
                    .as_bool()
                    .ok_or_else(|| self.mismatch(v, "true or false"))?;
                self.out.push(u8::from(b));
            }
            Schema::Int => {
                let n = v.as_i64().and_then(|n| i32::try_from(n).ok());
                let n = n.ok_or_else(|| self.mismatch(v, "a 32-bit integer"))?;
                put_long(&mut self.out, i64::from(n));
            }
            Schema::Long => {
                let n = v
                    .as_i64()
                    .ok_or_else(|| self.mismatch(v, "a 64-bit integer"))?;
                put_long(&mut self.out, n);
            }
            Schema::Float => {
                let f = text::float_from_json(v).ok_or_else(|| self.mismatch(v, "a number"))?;
                self.out.extend_from_slice(&(f as f32).to_le_bytes());
            }
            Schema::Double => {
                let f = text::float_from_json(v).ok_or_else(|| self.mismatch(v, "a number"))?;
                self.out.extend_from_slice(&f.to_le_bytes());
            }
            Schema::String => {
                let s = v.as_str().ok_or_else(|| self.mismatch(v, "text"))?;
                self.put_bytes(s.as_bytes());
            }
            Schema::Bytes | Schema::Uuid => {
                let b = text::bytes_from_json(v).map_err(|e| self.fail(e))?;
                self.put_bytes(&b);
            }
            Schema::Fixed(f) => {
                let b = text::bytes_from_json(v).map_err(|e| self.fail(e))?;
                if b.len() != f.size {
                    return Err(self.fail(format!(
                        "{} is {} bytes, not {}",
                        brief(v),
                        b.len(),
                        f.size
                    )));
                }
                self.out.extend_from_slice(&b);
            }
            Schema::Enum(e) => {
                let i = v
                    .as_str()
                    .and_then(|s| e.symbols.iter().position(|x| x == s));
                let i =
                    i.ok_or_else(|| self.mismatch(v, &format!("one of {}", e.symbols.join(", "))))?;
                put_long(&mut self.out, i as i64);
            }
            Schema::Union(u) => self.union(u, v)?,
            Schema::Record(r) => self.record(r, v)?,
            Schema::Array(a) => self.array(&a.items, v)?,
            Schema::Map(m) => self.map(&m.types, v)?,
            _ => self.logical(schema, v)?,
        }
        Ok(())
    }

    /// The first branch the value fits (null for null): a branch is tried whole, so a record
    /// with a field of the wrong type moves on to the next branch.
    fn union(&mut self, u: &UnionSchema, v: &Value) -> Result<(), String> {
        let mut errors = Vec::new();
        for (i, branch) in u.variants().iter().enumerate() {
            let mut sub = Writer {
                avro: self.avro,
                out: Vec::new(),
                path: self.path.clone(),
            };
            match sub.value(branch, v) {
                Ok(()) => {
                    put_long(&mut self.out, i as i64);
                    self.out.extend_from_slice(&sub.out);
                    return Ok(());
                }
                Err(e) => errors.push(e),
            }
        }
        let non_null: Vec<_> = u
            .variants()
            .iter()
            .zip(&errors)
            .filter(|(s, _)| !matches!(s, Schema::Null))
            .collect();
        match non_null.as_slice() {
            // An optional value: why it does not fit the one real type says the most.
            [(_, e)] => Err((*e).clone()),
            _ => Err(self.fail(format!(
                "{} fits none of the union's {} types ({})",
                brief(v),
                errors.len(),
                errors.join("; ")
            ))),
        }
    }

    fn record(&mut self, r: &RecordSchema, v: &Value) -> Result<(), String> {
        let obj = v
            .as_object()
            .ok_or_else(|| self.mismatch(v, &format!("an object (record {})", r.name.name)))?;
        if let Some(k) = obj.keys().find(|k| !r.lookup.contains_key(*k)) {
            return Err(self.fail(format!("record {} has no field {k}", r.name.name)));
        }
        for f in &r.fields {
            self.path.push(f.name.clone());
            let given = obj.get(&f.name).or(f.default.as_ref());
            match given {
                Some(fv) => self.value(&f.schema, fv)?,
                None => return Err(self.fail("missing, and the schema gives no default")),
            }
            self.path.pop();
        }
        Ok(())
    }

    fn array(&mut self, item: &Schema, v: &Value) -> Result<(), String> {
        let items = v.as_array().ok_or_else(|| self.mismatch(v, "an array"))?;
        if !items.is_empty() {
            put_long(&mut self.out, items.len() as i64);
            for (i, x) in items.iter().enumerate() {
                self.path.push(format!("[{i}]"));
                self.value(item, x)?;
                self.path.pop();
            }
        }
        self.out.push(0);
        Ok(())
    }

    fn map(&mut self, item: &Schema, v: &Value) -> Result<(), String> {
        let obj = v
            .as_object()
            .ok_or_else(|| self.mismatch(v, "an object (map)"))?;
        if !obj.is_empty() {
            put_long(&mut self.out, obj.len() as i64);
            for (k, x) in obj {
                self.put_bytes(k.as_bytes());
                self.path.push(format!("[{k}]"));
                self.value(item, x)?;
                self.path.pop();
            }
        }
        self.out.push(0);
        Ok(())
    }

    fn logical(&mut self, schema: &Schema, v: &Value) -> Result<(), String> {
        let n: Option<i64> = match schema {
            Schema::Decimal(d) => {
                let inner = self.avro.resolve(&d.inner).map_err(|e| self.fail(e))?;
                let size = match inner {
                    Schema::Fixed(f) => Some(f.size),
                    _ => None,
                };
                let b = text::decimal_from_json(v, d.scale, size).map_err(|e| self.fail(e))?;
                match size {
                    Some(_) => self.out.extend_from_slice(&b),
                    None => self.put_bytes(&b),
                }
                return Ok(());
            }
            Schema::Duration => return self.duration(v),
            Schema::Date => text::date_from_json(v).map(i64::from),
            Schema::TimeMillis => text::time_from_json(v, 3).filter(|n| i32::try_from(*n).is_ok()),
            Schema::TimeMicros => text::time_from_json(v, 6),
            Schema::TimestampMillis => text::timestamp_from_json(v, Unit::Millis, true),
            Schema::TimestampMicros => text::timestamp_from_json(v, Unit::Micros, true),
            Schema::TimestampNanos => text::timestamp_from_json(v, Unit::Nanos, true),
            Schema::LocalTimestampMillis => text::timestamp_from_json(v, Unit::Millis, false),
            Schema::LocalTimestampMicros => text::timestamp_from_json(v, Unit::Micros, false),
            Schema::LocalTimestampNanos => text::timestamp_from_json(v, Unit::Nanos, false),
            other => return Err(self.fail(format!("the type {other:?} is not supported"))),
        };
        let n = n.ok_or_else(|| self.mismatch(v, &format!("a {}", logical_name(schema))))?;
        put_long(&mut self.out, n);
        Ok(())
    }

    fn duration(&mut self, v: &Value) -> Result<(), String> {
        let part = |k: &str| {
            v.get(k)
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
        };
        match (part("months"), part("days"), part("milliseconds")) {
            (Some(m), Some(d), Some(ms)) => {
                for p in [m, d, ms] {
                    self.out.extend_from_slice(&p.to_le_bytes());
                }
                Ok(())
            }
            _ => Err(self.mismatch(v, "a duration {\"months\", \"days\", \"milliseconds\"}")),
        }
    }
}

fn logical_name(s: &Schema) -> &'static str {
    match s {
        Schema::Date => "date (YYYY-MM-DD)",
        Schema::TimeMillis | Schema::TimeMicros => "time of day (HH:MM:SS.fff)",
        Schema::TimestampMillis | Schema::TimestampMicros | Schema::TimestampNanos => {
            "timestamp (RFC 3339, e.g. 2026-12-05T07:00:00.123Z)"
        }
        _ => "local timestamp (e.g. 2026-12-05T07:00:00.123)",
    }
}
