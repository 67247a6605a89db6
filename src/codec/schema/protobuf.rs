//! Protobuf bodies: Confluent's message indexes then the message, to canonical proto3 JSON via
//! prost-reflect and back. Schemas are .proto text compiled in-process by protox, or the base64
//! of a serialized FileDescriptorProto (what Confluent's Python serializer registers).
//!
//! JSON per Protobuf type (proto3 canonical JSON, with the .proto field names and every field
//! shown, defaults included): int32/uint32/sint32/fixed32 and floats as numbers (NaN and the
//! infinities as text); int64/uint64/sint64/fixed64 as text ("123"), as canonical JSON says, so
//! they survive JavaScript; bool; string; bytes as base64; enum as its value's name (a number
//! when the value is not in the enum); message as an object; repeated as an array; map as an
//! object with text keys; an unset oneof is left out, a set one shows its field; well-known
//! types as their JSON forms (Timestamp as RFC 3339 text, Duration as "1.5s", Struct as JSON).

use super::avro_encode::put_long;
use base64::Engine as _;
use prost::Message as _;
use prost_reflect::{
    DeserializeOptions, DynamicMessage, FileDescriptor, Kind, MapKey, MessageDescriptor,
    ReflectMessage, SerializeOptions, Value as Field,
};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};
use serde_json::Value;
use std::collections::HashMap;

/// The name the main schema is compiled under; references are compiled under their import names.
const MAIN: &str = "kdeck-registry-schema.proto";

/// More message indexes than any real nesting; a count above it is not an index list.
const MAX_INDEXES: i64 = 64;

pub(super) struct Proto {
    file: FileDescriptor,
}

/// One schema the compiler may ask for: .proto text, or a serialized FileDescriptorProto.
enum Entry {
    Text(String),
    Descriptor(Vec<u8>),
}

impl Entry {
    /// Base64 has no spaces and .proto text always has, so a text that decodes is a descriptor.
    fn of(text: &str) -> Entry {
        let t = text.trim();
        match base64::engine::general_purpose::STANDARD.decode(t) {
            Ok(b) if !t.is_empty() => Entry::Descriptor(b),
            _ => Entry::Text(text.to_string()),
        }
    }
}

/// The main schema and its references by import name; google/protobuf/* falls through to the
/// well-known types protox carries.
struct Resolver {
    files: HashMap<String, Entry>,
}

impl FileResolver for Resolver {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match self.files.get(name) {
            Some(Entry::Text(t)) => File::from_source(name, t),
            Some(Entry::Descriptor(b)) => {
                let mut fdp = prost_reflect::prost_types::FileDescriptorProto::decode(b.as_slice())
                    .map_err(|e| protox::Error::new(DescriptorError(name.to_string(), e)))?;
                // Imports name the file by the registry's reference name, whatever it was
                // called when serialized.
                fdp.name = Some(name.to_string());
                Ok(File::from_file_descriptor_proto(fdp))
            }
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

#[derive(Debug)]
struct DescriptorError(String, prost::DecodeError);

impl std::fmt::Display for DescriptorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is neither .proto text nor a base64 FileDescriptorProto: {}",
            self.0, self.1
        )
    }
}

impl std::error::Error for DescriptorError {}

impl Proto {
    pub(super) fn parse(src: &super::Source) -> Result<Proto, String> {
        let mut files: HashMap<String, Entry> = src
            .references
            .iter()
            .map(|r| (r.name.clone(), Entry::of(&r.text)))
            .collect();
        files.insert(MAIN.to_string(), Entry::of(&src.text));
        let mut chain = ChainFileResolver::new();
        chain.add(Resolver { files });
        chain.add(GoogleFileResolver::new());
        let mut compiler = protox::Compiler::with_file_resolver(chain);
        compiler
            .open_file(MAIN)
            .map_err(|e| format!("Protobuf schema: {e}"))?;
        let file = compiler
            .descriptor_pool()
            .get_file_by_name(MAIN)
            .ok_or("Protobuf schema: the compiled file is missing")?;
        if file.messages().len() == 0 {
            return Err("Protobuf schema: the file defines no message".into());
        }
        Ok(Proto { file })
    }

    /// The body after the schema id: the message indexes, then the message.
    pub(super) fn decode(&self, body: &[u8]) -> Result<(Value, String), String> {
        let (indexes, rest) = read_indexes(body)?;
        let desc = self.message_at(&indexes)?;
        let msg = DynamicMessage::decode(desc.clone(), rest)
            .map_err(|e| format!("not a {}: {e}", desc.full_name()))?;
        let opts = SerializeOptions::new()
            .use_proto_field_name(true)
            .skip_default_fields(false);
        let mut json = msg
            .serialize_with_options(serde_json::value::Serializer, &opts)
            .map_err(|e| format!("{} as JSON: {e}", desc.full_name()))?;
        sort_maps(&desc, &mut json);
        Ok((json, desc.full_name().to_string()))
    }

    fn message_at(&self, indexes: &[usize]) -> Result<MessageDescriptor, String> {
        let unknown = || {
            format!(
                "message index {indexes:?} is not in the schema (it has {} top-level messages)",
                self.file.messages().len()
            )
        };
        let (first, nested) = indexes.split_first().ok_or_else(unknown)?;
        let mut desc = self.file.messages().nth(*first).ok_or_else(unknown)?;
        for i in nested {
            let child = desc.child_messages().nth(*i);
            desc = child.ok_or_else(unknown)?;
        }
        Ok(desc)
    }

    pub(super) fn encode(
        &self,
        value: &Value,
        message: Option<&str>,
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        let desc = self.find(message)?;
        let msg = DynamicMessage::deserialize_with_options(
            desc.clone(),
            value,
            &DeserializeOptions::new(),
        )
        .map_err(|e| format!("not a {}: {e}", desc.full_name()))?;
        write_indexes(&indexes_of(&self.file, &desc), out);
        encode_sorted(&msg, out);
        Ok(())
    }

    /// The message named (full name, with or without a leading dot, or simple name) among the
    /// file's messages, nested ones included; None: the first.
    pub(super) fn find(&self, message: Option<&str>) -> Result<MessageDescriptor, String> {
        let first = self
            .file
            .messages()
            .next()
            .ok_or("the schema defines no message")?;
        let Some(name) = message else {
            return Ok(first);
        };
        let name = name.strip_prefix('.').unwrap_or(name);
        let mut all = Vec::new();
        let mut stack: Vec<MessageDescriptor> = self.file.messages().collect();
        while let Some(m) = stack.pop() {
            stack.extend(m.child_messages());
            all.push(m);
        }
        if let Some(m) = all.iter().find(|m| m.full_name() == name) {
            return Ok(m.clone());
        }
        let mut simple = all
            .into_iter()
            .filter(|m| m.name() == name && !m.is_map_entry());
        match (simple.next(), simple.next()) {
            (Some(m), None) => Ok(m),
            (Some(_), Some(_)) => Err(format!(
                "message name {name} is ambiguous: give its full name"
            )),
            (None, _) => Err(format!("the schema has no message {name}")),
        }
    }
}

/// prost-reflect keeps a map field in a HashMap and writes its entries in that random order;
/// we write them sorted by key (as Go's deterministic marshalling does), so the same JSON always
/// gives the same bytes. The other fields go through prost-reflect one at a time, in field
/// number order as it writes them.
fn encode_sorted(msg: &DynamicMessage, out: &mut Vec<u8>) {
    let mut fields: Vec<_> = msg
        .descriptor()
        .fields()
        .filter(|f| msg.has_field(f))
        .collect();
    fields.sort_by_key(|f| f.number());
    for f in fields {
        let value = msg.get_field(&f);
        match (&*value, f.kind()) {
            (Field::Map(map), Kind::Message(entry)) if f.is_map() => {
                let mut keys: Vec<&MapKey> = map.keys().collect();
                keys.sort();
                for k in keys {
                    let mut e = DynamicMessage::new(entry.clone());
                    e.set_field(&entry.map_entry_key_field(), Field::from(k.clone()));
                    e.set_field(&entry.map_entry_value_field(), map[k].clone());
                    nested(f.number(), &e, out);
                }
            }
            (Field::Message(sub), _) if !f.is_group() => nested(f.number(), sub, out),
            (Field::List(items), Kind::Message(_)) if !f.is_group() => {
                for item in items.iter().filter_map(Field::as_message) {
                    nested(f.number(), item, out);
                }
            }
            _ => {
                let mut one = DynamicMessage::new(msg.descriptor());
                one.set_field(&f, value.into_owned());
                one.encode_raw(out);
            }
        }
    }
}

/// A message field: its tag, its length, its body.
fn nested(number: u32, msg: &DynamicMessage, out: &mut Vec<u8>) {
    let mut body = Vec::new();
    encode_sorted(msg, &mut body);
    prost::encoding::encode_key(number, prost::encoding::WireType::LengthDelimited, out);
    prost::encoding::encode_varint(body.len() as u64, out);
    out.extend_from_slice(&body);
}

/// Map fields' JSON keys in the order `encode_sorted` writes them (numerically for integer
/// keys), so a record shows the same however the HashMap iterated.
fn sort_maps(desc: &MessageDescriptor, v: &mut Value) {
    // Well-known types have their own JSON shapes (a Struct's keys are not its fields).
    if desc.package_name() == "google.protobuf" {
        return;
    }
    let Value::Object(obj) = v else { return };
    for f in desc.fields() {
        let Kind::Message(sub) = f.kind() else {
            continue;
        };
        let Some(fv) = obj.get_mut(f.name()) else {
            continue;
        };
        match fv {
            Value::Object(m) if f.is_map() => {
                let numeric = !matches!(sub.map_entry_key_field().kind(), Kind::String);
                let mut entries: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
                if numeric {
                    entries.sort_by_key(|(k, _)| k.parse::<i128>().unwrap_or(0));
                } else {
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                }
                if let Kind::Message(vm) = sub.map_entry_value_field().kind() {
                    entries.iter_mut().for_each(|(_, x)| sort_maps(&vm, x));
                }
                m.extend(entries);
            }
            Value::Array(items) => items.iter_mut().for_each(|x| sort_maps(&sub, x)),
            other => sort_maps(&sub, other),
        }
    }
}

/// Confluent's message indexes: a zigzag varint count, then that many zigzag varint indexes;
/// a count of 0 stands for [0], the first message.
fn read_indexes(body: &[u8]) -> Result<(Vec<usize>, &[u8]), String> {
    let mut rest = body;
    let count = read_zigzag(&mut rest)?;
    if count == 0 {
        return Ok((vec![0], rest));
    }
    if !(1..=MAX_INDEXES).contains(&count) {
        return Err(format!(
            "{count} message indexes: the value is not Protobuf in the registry's framing"
        ));
    }
    let mut indexes = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let i = read_zigzag(&mut rest)?;
        indexes.push(usize::try_from(i).map_err(|_| format!("message index {i} is negative"))?);
    }
    Ok((indexes, rest))
}

fn read_zigzag(buf: &mut &[u8]) -> Result<i64, String> {
    let mut n: u64 = 0;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = buf
            .split_first()
            .ok_or("the value ends inside its message indexes")?;
        *buf = rest;
        n |= u64::from(b & 0x7F) << shift;
        if b & 0x80 == 0 {
            return Ok((n >> 1) as i64 ^ -((n & 1) as i64));
        }
    }
    Err("a message index longer than 64 bits".into())
}

fn write_indexes(indexes: &[usize], out: &mut Vec<u8>) {
    if indexes == [0] {
        out.push(0);
        return;
    }
    put_long(out, indexes.len() as i64);
    for i in indexes {
        put_long(out, *i as i64);
    }
}

/// The path from the file's top-level messages down to `desc`.
fn indexes_of(file: &FileDescriptor, desc: &MessageDescriptor) -> Vec<usize> {
    let mut path = Vec::new();
    let mut cur = desc.clone();
    loop {
        match cur.parent_message() {
            Some(parent) => {
                path.push(parent.child_messages().position(|m| m == cur).unwrap_or(0));
                cur = parent;
            }
            None => {
                path.push(file.messages().position(|m| m == cur).unwrap_or(0));
                break;
            }
        }
    }
    path.reverse();
    path
}

#[cfg(test)]
impl Proto {
    pub(super) fn file_descriptor_proto(&self) -> &prost_reflect::prost_types::FileDescriptorProto {
        self.file.file_descriptor_proto()
    }
}

#[cfg(test)]
mod sorted_tests {
    use super::*;

    /// Without maps of more than one entry, our writer and prost-reflect's agree byte for byte.
    #[test]
    fn encode_sorted_matches_prost_reflect() {
        let src = super::super::Source {
            format: super::super::Format::Protobuf,
            text: r#"syntax = "proto3"; import "google/protobuf/struct.proto";
                message M { message N { repeated sint64 v = 1; map<int32, N> sub = 2; }
                  int32 a = 1; repeated N ns = 2; N n = 3; map<string, N> m = 4; optional bool o = 5;
                  oneof x { string s = 6; N xn = 7; } bytes b = 8; google.protobuf.Struct st = 9; }"#
                .into(),
            references: vec![],
        };
        let p = Proto::parse(&src).unwrap();
        let desc = p.find(Some("M")).unwrap();
        let v = serde_json::json!({"a": -3, "ns": [{"v": ["-1", "2"]}, {}], "n": {"sub": {"4": {"v": ["9"]}}},
            "m": {"k": {}}, "o": false, "xn": {}, "b": "AAE=", "st": {"z": [1, "x", {"q": null}]}});
        let msg = DynamicMessage::deserialize(desc, &v).unwrap();
        let mut ours = Vec::new();
        encode_sorted(&msg, &mut ours);
        assert_eq!(ours, msg.encode_to_vec());
    }
}
