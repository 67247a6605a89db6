//! The publish audit: one JSONL file, `<data dir>/publish.jsonl` (beside replay's folder), a
//! `start` line before anything is sent and an `end` line with the result of each run.

use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `KDECK_DATA_DIR/publish.jsonl`, else the platform data dir's.
pub fn audit_file() -> Option<PathBuf> {
    crate::engine::replay::audit::audit_dir().map(|d| d.with_file_name("publish.jsonl"))
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line<'a> {
    Start {
        run: &'a str,
        by: &'a str,
        at: String,
        /// The template's name, or `stdin` / `jsonl` for raw input.
        source: &'a str,
        /// Records asked for (None: as many as the input holds).
        count: Option<u64>,
        topic: Option<&'a str>,
    },
    End {
        run: &'a str,
        at: String,
        acked: u64,
        failed: u64,
        topics: Vec<&'a str>,
        result: &'a str,
    },
}

/// Appends one line (the file and folder are made when missing).
pub fn append(path: &Path, line: &Line<'_>) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("creating the audit folder {}: {e}", dir.display()))?;
    }
    let mut text = serde_json::to_string(line)?;
    text.push('\n');
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| anyhow::anyhow!("writing the audit file {}: {e}", path.display()))
}
