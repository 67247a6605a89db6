//! What the lag worker measured. The estimator (`engine::lag`) makes statuses and seconds of it.

use std::collections::BTreeMap;

/// A topic and partition.
pub type Tp = (String, i32);

/// One refresh of the lag worker.
#[derive(Clone, Debug, Default)]
pub struct LagSnapshot {
    pub at_ms: i64,
    pub groups: Vec<GroupSnapshot>,
    /// End (high watermark) of every partition any group reads.
    pub ends: BTreeMap<Tp, i64>,
    /// Produce time of the record at a committed offset, where it was looked up.
    pub record_times: BTreeMap<(Tp, i64), i64>,
    /// Why something could not be measured (e.g. the broker does not list groups).
    pub notes: Vec<String>,
    pub took_ms: u64,
    /// Every group the cluster lists (None: it does not list groups), for adding one to the
    /// watched set.
    pub listed: Option<Vec<ListedGroup>>,
}

/// A group as the cluster lists it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListedGroup {
    pub group: String,
    pub state: Option<String>,
    pub members: usize,
    /// Topics its members are assigned.
    pub topics: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct GroupSnapshot {
    pub group: String,
    /// Stable, PreparingRebalance, Empty, Dead… when the broker describes groups.
    pub state: Option<String>,
    pub members: Option<usize>,
    pub committed: BTreeMap<Tp, i64>,
    /// Which member (client id) owns a partition, when the group is active.
    pub owners: BTreeMap<Tp, String>,
    /// The owning member's id and host, for exporters' `consumer_id` and `member_host`.
    pub member_of: BTreeMap<Tp, (String, String)>,
    pub error: Option<String>,
}
