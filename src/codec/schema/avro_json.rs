//! The Avro walk of `avro.rs`, writing JSON text as it goes instead of building a value that
//! is then written: the dashboard's reader decodes every record this way, and building,
//! writing and dropping a `serde_json::Value` was most of an Avro record's cost.

use super::avro::{Reader, Seg, MAX_DEPTH};
use super::avro_text as text;
use apache_avro::schema::Schema;

/// A map with a key twice: the value path keeps one entry for it, so the text path hands over.
pub(super) const TWICE: &str = "\u{0}a map key twice";

fn put(out: &mut Vec<u8>, v: &serde_json::Value) {
    let _ = serde_json::to_writer(&mut *out, v);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let _ = serde_json::to_writer(&mut *out, s);
}

fn put_int(out: &mut Vec<u8>, n: i64) {
    let _ = serde_json::to_writer(&mut *out, &n);
}

impl<'a> Reader<'a> {
    pub(super) fn write(&mut self, schema: &'a Schema, out: &mut Vec<u8>) -> Result<(), String> {
        if self.path.len() > MAX_DEPTH {
            return Err(self.fail(format!("nested deeper than {MAX_DEPTH}")));
        }
        let schema = self.avro.resolve(schema).map_err(|e| self.fail(e))?;
        match schema {
            Schema::Null => out.extend_from_slice(b"null"),
            Schema::Boolean => match self.take(1)?.first().copied() {
                Some(0) => out.extend_from_slice(b"false"),
                Some(1) => out.extend_from_slice(b"true"),
                b => {
                    return Err(self.fail(format!("byte {:#04x} is not a boolean", b.unwrap_or(0))))
                }
            },
            Schema::Int => put_int(out, i64::from(self.int()?)),
            Schema::Long => put_int(out, self.long()?),
            Schema::String => {
                let b = self.bytes()?;
                match std::str::from_utf8(b) {
                    Ok(s) => put_str(out, s),
                    Err(_) => {
                        return Err(
                            self.fail("a string that is not UTF-8: the schema does not match")
                        )
                    }
                }
            }
            Schema::Enum(e) => {
                let i = self.long()?;
                match usize::try_from(i).ok().and_then(|i| e.symbols.get(i)) {
                    Some(s) => put_str(out, s),
                    None => {
                        return Err(
                            self.fail(format!("symbol {i} of enum {} does not exist", e.name.name))
                        )
                    }
                }
            }
            Schema::Union(u) => {
                let i = self.long()?;
                match usize::try_from(i).ok().and_then(|i| u.variants().get(i)) {
                    Some(branch) => self.write(branch, out)?,
                    None => {
                        let n = u.variants().len();
                        return Err(self.fail(format!("branch {i} of a union of {n}")));
                    }
                }
            }
            Schema::Record(r) => {
                out.push(b'{');
                for (i, f) in r.fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    put_str(out, &f.name);
                    out.push(b':');
                    self.path.push(Seg::Field(&f.name));
                    self.write(&f.schema, out)?;
                    self.path.pop();
                }
                out.push(b'}');
            }
            Schema::Array(a) => self.write_array(&a.items, out)?,
            Schema::Map(m) => self.write_map(&m.types, out)?,
            _ => put(out, &self.scalar(schema)?),
        }
        Ok(())
    }

    /// Types written through their value: floats, bytes, fixed and the logical types (their
    /// text forms live in `avro_text`).
    fn scalar(&mut self, schema: &'a Schema) -> Result<serde_json::Value, String> {
        Ok(match schema {
            Schema::Float => {
                let b = self.take(4)?;
                text::float32_json(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            Schema::Double => {
                let mut a = [0u8; 8];
                a.copy_from_slice(self.take(8)?);
                text::float_json(f64::from_le_bytes(a))
            }
            Schema::Bytes | Schema::Uuid => text::bytes_json(self.bytes()?),
            Schema::Fixed(f) => text::bytes_json(self.take(f.size)?),
            _ => self.logical(schema)?,
        })
    }

    fn write_array(&mut self, item: &'a Schema, out: &mut Vec<u8>) -> Result<(), String> {
        out.push(b'[');
        let mut i = 0;
        loop {
            let n = self.block(item)?;
            if n == 0 {
                out.push(b']');
                return Ok(());
            }
            for _ in 0..n {
                if i > 0 {
                    out.push(b',');
                }
                self.path.push(Seg::Item(i));
                self.write(item, out)?;
                self.path.pop();
                i += 1;
            }
        }
    }

    fn write_map(&mut self, item: &'a Schema, out: &mut Vec<u8>) -> Result<(), String> {
        out.push(b'{');
        let mut first = true;
        let mut seen = std::collections::HashSet::new();
        loop {
            let n = self.block(&Schema::String)?;
            if n == 0 {
                out.push(b'}');
                return Ok(());
            }
            for _ in 0..n {
                if !first {
                    out.push(b',');
                }
                first = false;
                let key = self.string()?;
                if !seen.insert(key.clone()) {
                    return Err(TWICE.into());
                }
                put_str(out, &key);
                out.push(b':');
                self.path.push(Seg::Entry(key));
                self.write(item, out)?;
                self.path.pop();
            }
        }
    }
}
