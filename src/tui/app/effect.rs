use crate::domain::replay::ReplayRequest;
use crate::domain::Role;

/// What `update` asks the run loop to do; `update` itself does no I/O.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Quit,
    PauseStream(Role),
    ResumeStream(Role),
    /// Refresh consumer lag now.
    RefreshLag,
    /// The dry run of a replay (one request per DLQ topic).
    PlanReplay {
        job: u64,
        requests: Vec<ReplayRequest>,
    },
    RunReplay {
        job: u64,
        requests: Vec<ReplayRequest>,
    },
    /// Resume interrupted runs (the dialog's retry).
    ResumeReplay {
        job: u64,
        runs: Vec<String>,
    },
    /// Stop the running replay: nothing new is sent, what is in flight is still awaited.
    CancelReplay,
    /// Read how often the DLQ topics' records were replayed.
    ReplayCounts(Vec<String>),
    /// Send `count` records of the form (`{{seq}}` 1..=count), at most `rate` a second.
    Publish {
        job: u64,
        form: Box<crate::engine::publish::Form>,
        vars: crate::engine::publish::Vars,
        count: u64,
        rate: Option<f64>,
        /// Each value is encoded with the form's schema before it is sent.
        schema: Option<crate::engine::publish::schema::SchemaEncoding>,
    },
    CancelPublish,
    /// Fetch a subject's schema for the publish form `job` (off the UI task); the answer comes
    /// back as `PublishUpdate::Schema`.
    FetchSchema {
        job: u64,
        subject: String,
        version: String,
    },
    /// Search the topics back in time (one search at a time: a new one stops the old).
    Search {
        job: u64,
        request: Box<crate::engine::search::SearchRequest>,
    },
    /// Stop the running search; what it found so far stays.
    CancelSearch,
    /// Write the form (its values as defaults) to the user's templates folder.
    SaveTemplate {
        form: Box<crate::engine::publish::Form>,
        name: String,
    },
    /// Search the job's topics for records naming any of `ids`, written at or after `since_ms`.
    SearchJob {
        gen: u64,
        ids: Vec<String>,
        since_ms: i64,
    },
    /// Stop the timeline's search (what it found so far is still reported).
    CancelJobSearch,
    /// Write these records to a new JSONL file (off the UI task); the outcome comes back as
    /// `KafkaEvent::Exported`.
    Export {
        path: std::path::PathBuf,
        records: crate::engine::export::Batch,
    },
    /// Write this escape sequence (OSC 52) to the terminal.
    Osc52(Vec<u8>),
    /// List the cluster's topics and propose their roles (the topic browser's job).
    Browse {
        job: u64,
        internal: bool,
    },
    /// The browser closed: stop sampling and reading end offsets.
    CancelBrowse,
    /// Read these topics in these roles from now on: every worker starts again, the panes
    /// empty (nothing read before comes back).
    Rewire {
        topics: crate::support::config::Topics,
        watch_groups: Vec<String>,
    },
    /// Switch to this profile of the config file (cluster and topics), as `Rewire` does.
    SwitchProfile(String),
    /// Write the dashboard's topics and groups into the config file as this profile.
    SaveProfile(Box<crate::support::config::save::ProfileDraft>),
    /// Watch these groups' lag from now on (nothing else restarts).
    WatchGroups(Vec<String>),
    /// Preview moving `group`'s offsets (the offsets dialog `job`).
    PlanOffsets {
        job: u64,
        group: String,
        selection: crate::domain::offsets::Selection,
        target: crate::domain::offsets::Target,
    },
    /// Commit a previewed move (refused by the worker if the group has members again).
    ExecuteOffsets {
        job: u64,
        plan: Box<crate::domain::offsets::Plan>,
    },
}
