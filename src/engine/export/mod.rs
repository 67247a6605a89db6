//! Export: records to a JSONL file in exactly `kdeck tail`'s format (`jsonl::write_line`), one
//! record a line, oldest first. Takes any list of records, so every view that holds records
//! (a pane after its filter, a search result, a job's timeline) writes the same file.

use crate::codec::jsonl::{write_line, LineRecord};
pub use crate::domain::export::Summary;
use crate::domain::Record;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Records handed to the export worker. Equal when they name the same records (topic,
/// partition, offset), which is what tests of `update` compare.
#[derive(Clone, Debug)]
pub struct Batch(pub Vec<Record>);

impl PartialEq for Batch {
    fn eq(&self, other: &Batch) -> bool {
        let at = |r: &Record| (r.topic.clone(), r.partition, r.offset);
        self.0.len() == other.0.len() && self.0.iter().map(at).eq(other.0.iter().map(at))
    }
}

/// `KDECK_DATA_DIR/exports`, else the platform data folder's, e.g.
/// `~/.local/share/kdeck/exports` (where the replay and publish audits live too).
pub fn default_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("KDECK_DATA_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("exports"));
    }
    directories::ProjectDirs::from("", "", "kdeck").map(|d| d.data_dir().join("exports"))
}

/// `kdeck-<what>-<YYYYmmdd-HHMMSS>.jsonl` in `dir` (the working folder when there is none).
pub fn default_path(dir: Option<&Path>, what: &str, now_ms: i64) -> PathBuf {
    let stamp = chrono::DateTime::from_timestamp_millis(now_ms)
        .map(|t| t.format("%Y%m%d-%H%M%S").to_string())
        .unwrap_or_else(|| now_ms.to_string());
    let slug: String = what
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let name = format!("kdeck-{}-{stamp}.jsonl", slug.trim_matches('-'));
    dir.map_or_else(|| PathBuf::from(&name), |d| d.join(&name))
}

/// `~/x` is the home folder's `x`; anything else as typed.
pub fn expand(path: &str) -> PathBuf {
    let path = path.trim();
    if let Some(rest) = path.strip_prefix("~/") {
        if let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()) {
            return home.join(rest);
        }
    }
    PathBuf::from(path)
}

/// One record in `kdeck tail`'s line format.
pub fn write_record(out: &mut Vec<u8>, r: &Record) {
    let headers: Vec<(&str, Option<&[u8]>)> = r
        .headers
        .iter()
        .map(|h| (h.key.as_str(), h.value.as_deref()))
        .collect();
    write_line(
        out,
        &LineRecord {
            topic: &r.topic,
            partition: r.partition,
            offset: r.offset,
            timestamp_ms: r.timestamp_ms,
            key: r.key.as_deref(),
            headers: &headers,
            value: r.value.as_deref(),
            schema: r
                .decoded
                .schema
                .as_deref()
                .and_then(crate::codec::jsonl::WireJson::of),
        },
    );
}

/// Writes `records` in order to a new file at `path` (its folder created when missing). An
/// existing file is never overwritten. Errors say what failed, in words.
pub fn write_jsonl(path: &Path, records: &[Record]) -> Result<Summary, String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the folder {}: {}", dir.display(), words(&e)))?;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("cannot create {}: {}", path.display(), words(&e)))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
    let mut buf = Vec::with_capacity(4096);
    let mut cut = 0;
    for r in records {
        buf.clear();
        write_record(&mut buf, r);
        cut += u64::from(r.truncated());
        out.write_all(&buf)
            .map_err(|e| format!("writing {}: {}", path.display(), words(&e)))?;
    }
    out.flush()
        .and_then(|()| out.get_ref().sync_all())
        .map_err(|e| format!("writing {}: {}", path.display(), words(&e)))?;
    Ok(Summary {
        path: path.to_path_buf(),
        written: records.len() as u64,
        cut,
    })
}

/// An I/O error in words, without the OS error number.
fn words(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file or folder".into(),
        K::PermissionDenied => "permission denied".into(),
        K::AlreadyExists => "a file is already there (kdeck never overwrites an export)".into(),
        K::StorageFull => "the disk is full".into(),
        _ => {
            let s = e.to_string();
            match s.find(" (os error") {
                Some(i) => s[..i].to_lowercase(),
                None => s,
            }
        }
    }
}

#[cfg(test)]
mod tests;
