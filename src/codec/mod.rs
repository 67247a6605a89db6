//! Bytes to decoded records (JSON, text, binary, dead-letter dialects), the JSONL line format
//! and text helpers (durations, widths, sanitising). Imports only `domain`.

pub mod decode;
pub mod jsonl;
pub mod lookup;
pub mod sanitize;
pub mod schema;
pub mod text;
