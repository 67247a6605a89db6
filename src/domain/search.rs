//! What a search back reports.

use super::Record;

/// How far a search is.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    pub scanned: u64,
    pub matched: u64,
    /// Records scanned per second since the start.
    pub per_sec: f64,
    /// Records in the range to scan in all (known once the bounds are read).
    pub total: u64,
}

/// How a search ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub progress: Progress,
    /// Stopped at `max_matches`: older matches were not looked for.
    pub capped: bool,
    pub cancelled: bool,
    pub elapsed_ms: u64,
    /// Topics missing, ranges that ended early.
    pub warnings: Vec<String>,
}

/// What the search worker reports, named by the dialog's job id.
#[derive(Debug)]
pub enum SearchUpdate {
    Progress {
        job: u64,
        progress: Progress,
    },
    /// Matches of one round, newest first, all older than those sent before.
    Matches {
        job: u64,
        records: Vec<Record>,
    },
    Finished {
        job: u64,
        result: Result<Summary, String>,
    },
}
