//! What workers report to the app, and what the app tells workers. Plain types: `app/` and the
//! panes use them without importing any Kafka module.

use super::replay::{Failure, ReplayPlan, ReplayProgress, ReplayRequest, ReplaySummary};
use super::work::Ticket;
use super::{Connection, Record, Role};
use std::collections::HashMap;

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
    /// What the search worker reports.
    Search(super::search::SearchUpdate),
    /// The stuck-jobs watcher's view of open and stuck jobs.
    Stuck(Box<super::job::StuckReport>),
    /// News of a timeline's search on the topics.
    JobSearch(JobSearchUpdate),
    /// An export's outcome: what was written, or why not.
    Exported(Result<super::export::Summary, String>),
    /// What the topic browser's worker found.
    Browse(super::browse::BrowseUpdate),
    /// What the offsets worker previewed or committed.
    Offsets(super::offsets::OffsetsUpdate),
    /// One scrape of a service's own Prometheus endpoint.
    Service(ServiceUpdate),
}

/// The `index`-th configured service's chosen series at one scrape: per series the sum of
/// the samples it matches and whether they count (None: no sample), or why the scrape failed.
#[derive(Debug)]
pub struct ServiceUpdate {
    pub index: usize,
    pub at_ms: i64,
    pub result: Result<Vec<Option<(f64, bool)>>, String>,
}

/// A timeline's search for one job's records on its topics, named by the timeline's
/// generation: news of a search the user stopped or replaced is dropped.
#[derive(Debug)]
pub enum JobSearchUpdate {
    Progress {
        gen: u64,
        scanned: u64,
        found: usize,
    },
    Done {
        gen: u64,
        result: Result<JobFound, String>,
    },
}

impl JobSearchUpdate {
    /// The search this news is about.
    pub fn gen(&self) -> u64 {
        match self {
            JobSearchUpdate::Progress { gen, .. } | JobSearchUpdate::Done { gen, .. } => *gen,
        }
    }
}

/// What a search found: the job's records, and how much it read.
#[derive(Debug, Default)]
pub struct JobFound {
    pub steps: Vec<super::job::Step>,
    pub scanned: u64,
    pub warnings: Vec<String>,
    /// Stopped by the user or a cap before the end of the topics.
    pub stopped: bool,
}

/// Commands to the job search worker.
#[derive(Debug)]
pub struct JobSearchCmd {
    /// The timeline's generation and the search's stop flag.
    pub job: Ticket,
    pub ids: Vec<String>,
    pub since_ms: i64,
}

/// A publish job's news, named by the dialog's job id.
#[derive(Debug)]
pub enum PublishUpdate {
    Progress {
        job: u64,
        progress: super::publish::Progress,
    },
    /// The first record delivered: the dashboard follows its job.
    First {
        job: u64,
        record: super::publish::PublishRecord,
        at: super::publish::Delivered,
    },
    Failed {
        job: u64,
        error: String,
    },
    Finished {
        job: u64,
        result: Result<(super::publish::Summary, Option<super::publish::Delivered>), String>,
    },
    /// Save-as-template: the file written, or why not.
    Saved(Result<String, String>),
    /// The form's `[schema]` subject, fetched for the dialog's form `job`, or why not.
    Schema {
        job: u64,
        result: Result<super::publish::FetchedSchema, String>,
    },
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
        job: Ticket,
        requests: Vec<ReplayRequest>,
    },
    /// Sends what the last plan of `job` showed, with the dialog's final options.
    Run {
        job: Ticket,
        requests: Vec<ReplayRequest>,
    },
    /// Continues interrupted runs: sends only what did not reach the target.
    Resume { job: Ticket, runs: Vec<String> },
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
    /// Watch these groups from now on (added or removed in the dashboard), and refresh.
    Watch(Vec<String>),
}
