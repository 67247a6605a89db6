//! What workers report to the app, and what the app tells workers. Plain types: `app/` and the
//! panes use them without importing any Kafka module.

use super::{Connection, Record, Role};

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
