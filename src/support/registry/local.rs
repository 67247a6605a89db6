//! Local schema files mapped to topics: `.avsc` (Avro), `.proto` (Protobuf, compiled in-process;
//! the other `.proto` files of its directory serve its imports), `.json` (JSON Schema).

use crate::codec::lookup::Resolved;
use crate::codec::schema::{Format, Parsed, Reference, Source};
use crate::support::config::schemas::LocalSchema;
use std::path::Path;
use std::sync::Arc;

pub fn load(list: &[LocalSchema]) -> Result<Vec<(String, Arc<Resolved>)>, String> {
    list.iter()
        .map(|l| {
            let r = match l.text {
                Some(text) => parse(&l.file, text.to_string(), l.message.clone())?,
                None => read(&l.file, l.message.clone())?,
            };
            Ok((l.topic.clone(), Arc::new(r)))
        })
        .collect()
}

/// One schema file, parsed.
pub fn read(path: &Path, message: Option<String>) -> Result<Resolved, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("schema file {}: {e}", path.display()))?;
    parse(path, text, message)
}

fn parse(path: &Path, text: String, message: Option<String>) -> Result<Resolved, String> {
    let shown = path.display().to_string();
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("avsc") => Format::Avro,
        Some("proto") => Format::Protobuf,
        Some("json") => Format::Json,
        _ => {
            return Err(format!(
                "schema file {shown}: expected a .avsc, .proto or .json file"
            ))
        }
    };
    let references = if format == Format::Protobuf {
        siblings(path)
    } else {
        Vec::new()
    };
    let parsed = Parsed::parse(&Source {
        format,
        text,
        references,
    })
    .map_err(|e| format!("schema file {shown} does not parse: {e}"))?;
    Ok(Resolved {
        parsed,
        id: None,
        subject: None,
        version: None,
        file: Some(shown),
        message,
    })
}

/// The other `.proto` files beside one, by file name: what its imports may name.
fn siblings(path: &Path) -> Vec<Reference> {
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p != path && p.extension().is_some_and(|e| e == "proto"))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            let text = std::fs::read_to_string(&p).ok()?;
            Some(Reference { name, text })
        })
        .collect()
}
