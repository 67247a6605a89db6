//! What workers report to the app, and what the app tells workers. Plain types: `app/` and the
//! panes use them without importing any Kafka module.

use super::replay::{Failure, ReplayPlan, ReplayProgress, ReplayRequest, ReplaySummary};
use super::{Connection, Record, Role};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// What Kafka workers tell the app, all on one bounded channel.
#[derive(Debug)]
pub enum KafkaEvent {
    /// A batch of decoded records for one pane.
    Records(Role, Vec<Record>),
    Connection(Connection),
    /// Configured topics the cluster does not have (yet).
    MissingTopics(Vec<String>),
    /// How far kdeck's own consumer is behind the end of the streams, in records.
    SelfLag(i64),
    /// A non-fatal problem worth a line in the UI.
    Warning(String),
    /// One lag refresh.
    Lag(Box<super::lag::LagSnapshot>),
    /// What the replay worker reports.
    Replay(ReplayUpdate),
    /// What the publish worker reports.
    Publish(PublishUpdate),
    /// An export's outcome: what was written, or why not.
    Exported(Result<crate::export::Summary, String>),
}

/// A publish job's news, named by the dialog's job id.
#[derive(Debug)]
pub enum PublishUpdate {
    Progress {
        job: u64,
        progress: crate::publish::send::Progress,
    },
    /// The first record delivered: the dashboard follows its job.
    First {
        job: u64,
        record: crate::publish::PublishRecord,
        at: crate::publish::send::Delivered,
    },
    Failed {
        job: u64,
        error: String,
    },
    Finished {
        job: u64,
        result: Result<
            (
                crate::publish::send::Summary,
                Option<crate::publish::send::Delivered>,
            ),
            String,
        >,
    },
    /// Save-as-template: the file written, or why not.
    Saved(Result<String, String>),
}

/// A replay job's news. `job` is the dialog's generation: news of a job the user cancelled or
/// replaced is dropped.
#[derive(Debug)]
pub enum ReplayUpdate {
    /// The dry run: one plan per DLQ topic, or why there is none.
    Planned {
        job: u64,
        result: Result<Vec<ReplayPlan>, String>,
    },
    /// Progress of the `index`-th plan of the job.
    Progress {
        job: u64,
        index: usize,
        progress: ReplayProgress,
    },
    Failed {
        job: u64,
        failure: Failure,
    },
    /// The job ended: a summary per plan that ran, or why it could not run.
    Finished {
        job: u64,
        result: Result<Vec<ReplaySummary>, String>,
    },
    /// How many times each record of a DLQ topic was replayed, from the audit log.
    Counts {
        dlq: String,
        counts: HashMap<(i32, i64), u32>,
    },
}

/// Commands to the replay worker. One job at a time; cancelling sets the job's flag.
#[derive(Debug)]
pub enum ReplayCmd {
    Plan {
        job: u64,
        requests: Vec<ReplayRequest>,
        cancel: Arc<AtomicBool>,
    },
    /// Sends what the last plan of `job` showed, with the dialog's final options.
    Run {
        job: u64,
        requests: Vec<ReplayRequest>,
        cancel: Arc<AtomicBool>,
    },
    /// Continues interrupted runs: sends only what did not reach the target.
    Resume {
        job: u64,
        runs: Vec<String>,
        cancel: Arc<AtomicBool>,
    },
    /// Reads the audit log's replay counts for these DLQ topics.
    Counts(Vec<String>),
}

/// Commands to the stream reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamCmd {
    Pause(Role),
    Resume(Role),
}

/// Commands to the lag probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LagCmd {
    /// Refresh now instead of at the next interval.
    RefreshNow,
}
