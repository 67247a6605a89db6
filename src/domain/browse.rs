//! The topic browser's plain data: a role kdeck proposes for a topic (the proposal itself is
//! `engine::roles`), the cluster's topics as listed, and the browse worker's news.

use super::{Record, Role};

/// A role kdeck can propose: the dashboard's three, and request topics (which feed no pane).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Guess {
    Completion,
    Status,
    Dlq,
    Request,
}

impl Guess {
    /// The dashboard's role; `None` for a request topic.
    pub fn role(self) -> Option<Role> {
        match self {
            Guess::Completion => Some(Role::Completion),
            Guess::Status => Some(Role::Status),
            Guess::Dlq => Some(Role::Dlq),
            Guess::Request => None,
        }
    }

    /// The role in words ("a {word} topic").
    pub fn word(self) -> &'static str {
        match self {
            Guess::Completion => "completion",
            Guess::Status => "status",
            Guess::Dlq => "DLQ",
            Guess::Request => "request",
        }
    }
}

/// How sure the proposal is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// The role proposed for a topic (`None`: none of the roles) and why, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub role: Option<Guess>,
    pub confidence: Confidence,
    pub evidence: String,
}

/// One topic of the cluster as the browser lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicInfo {
    pub name: String,
    pub partitions: usize,
    pub replication: usize,
    /// Records held now (end − start over its partitions); None when unknown.
    pub records: Option<i64>,
    /// Sum of its partitions' end offsets: two readings give records/s coming in.
    pub end_sum: Option<i64>,
    /// `retention.ms`: -1 is forever; None when the cluster did not say.
    pub retention_ms: Option<i64>,
    /// Why it cannot be read (not authorised, deleted meanwhile), in words.
    pub error: Option<String>,
}

/// What one topic's newest records say it is.
#[derive(Clone, Debug)]
pub struct Sampled {
    pub topic: String,
    /// Its newest records, at most `engine::roles::SAMPLE_MAX` (what `enter` peeks at).
    pub records: Vec<Record>,
    pub proposal: Proposal,
}

/// The browse worker's news, named by the browser's job.
#[derive(Debug)]
pub enum BrowseUpdate {
    Listed {
        job: u64,
        result: Result<Vec<TopicInfo>, String>,
    },
    /// Proposals as their samples complete, a batch at a time.
    Sampled { job: u64, topics: Vec<Sampled> },
    /// Every topic has its proposal.
    Recognised { job: u64, took_ms: u64 },
    /// End offsets again (for records/s), with the time they were read.
    Ends {
        job: u64,
        at_ms: i64,
        ends: Vec<(String, i64)>,
    },
}

impl BrowseUpdate {
    pub fn job(&self) -> u64 {
        match self {
            BrowseUpdate::Listed { job, .. }
            | BrowseUpdate::Sampled { job, .. }
            | BrowseUpdate::Recognised { job, .. }
            | BrowseUpdate::Ends { job, .. } => *job,
        }
    }
}

/// Commands to the browse worker.
#[derive(Debug)]
pub struct BrowseCmd {
    pub job: super::work::Ticket,
    pub internal: bool,
}
