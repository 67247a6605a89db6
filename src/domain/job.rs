//! A job as plain data: where its records came from, its timeline's steps and outcome, the
//! stuck jobs a report lists. The logic (identity, tracking) is in `engine::job`.

use super::{Record, Role};
use serde::Serialize;

/// Which kind of topic a record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Request,
    Status,
    Completion,
    Dlq,
}

/// A pane's records: request topics have no pane (see `config::Topics::lifecycle`).
impl From<Role> for Source {
    fn from(r: Role) -> Source {
        match r {
            Role::Completion => Source::Completion,
            Role::Status => Source::Status,
            Role::Dlq => Source::Dlq,
        }
    }
}

/// A stuck job as a view lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StuckJob {
    /// The first id it was seen with (the request's, when the request came first).
    pub id: String,
    pub ids: Vec<String>,
    pub opened_ms: i64,
    /// Its last request or status record.
    pub last_ms: i64,
    pub last_status: String,
    /// How long it has been silent at `now`.
    pub silent_ms: i64,
}

/// What the watcher tells the app about open and stuck jobs, about once a second.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StuckReport {
    /// The stuck jobs, the longest silent first, at most `MAX_LISTED`.
    pub jobs: Vec<StuckJob>,
    /// All stuck jobs (the list may be shorter).
    pub stuck: usize,
    pub open: usize,
    pub evicted: u64,
    pub after_ms: i64,
}

/// One record of a job's timeline.
#[derive(Clone, Debug)]
pub struct Step {
    pub record: Record,
    pub source: Source,
    /// Progress in percent, read from the whole value before it was cut (`progress`).
    pub progress: Option<f64>,
    /// Time since the job's request (else its first record), once the timeline is built.
    pub delta_ms: Option<i64>,
}

/// How a job ended, as far as its records tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    Failed,
    DeadLettered,
    StillRunning,
}

impl Outcome {
    pub fn words(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Failed => "failed",
            Outcome::DeadLettered => "dead-lettered (DLQ)",
            Outcome::StillRunning => "still running",
        }
    }
}
