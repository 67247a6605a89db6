//! What `kdeck serve` exposes to Prometheus, as plain logic: the lag of every group with
//! kafka-lag-exporter's names and labels (so existing dashboards and alerts keep working) plus
//! kdeck's own (Burrow-style status, time to zero, rates), and the pipeline as the records say
//! it (records per topic and role, the status mix, end-to-end latency, DLQ inflow by reason,
//! open and stuck jobs). Reading the cluster is `kafka::lag` and the stream reader; serving HTTP
//! is `cmd::serve`. Every series is listed in README.md.

pub mod text;

use crate::domain::lag::{LagSnapshot, Tp};
use crate::domain::{Record, Role, StatusClass};
use crate::engine::lag::{GroupView, LagStatus};
use std::collections::BTreeMap;
use text::{Exposition, Kind};

/// DLQ reasons that get a series of their own; later new ones count as `other`, so the
/// number of series stays bounded and every counter only grows.
pub const MAX_REASONS: usize = 20;

/// End-to-end latency buckets, in seconds: jobs take from under a second to an hour.
pub const LATENCY_BUCKETS: [f64; 13] = [
    0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];

/// One lag refresh as exported: the estimator's views and what the refresh read.
#[derive(Clone, Debug, Default)]
pub struct LagExport {
    pub views: Vec<GroupView>,
    /// Per group, the owning member's id and host per partition.
    pub members: BTreeMap<String, BTreeMap<Tp, (String, String)>>,
    pub latest: BTreeMap<Tp, i64>,
    pub earliest: BTreeMap<Tp, i64>,
    /// Whether the refresh reached the cluster, when, and how long it took.
    pub up: bool,
    pub at_ms: i64,
    pub took_ms: u64,
}

impl LagExport {
    /// The refresh's facts besides the views (which the tracker makes).
    pub fn new(snap: &LagSnapshot, views: Vec<GroupView>, up: bool) -> LagExport {
        LagExport {
            views,
            members: (snap.groups.iter())
                .map(|g| (g.group.clone(), g.member_of.clone()))
                .collect(),
            latest: snap.ends.clone(),
            earliest: BTreeMap::new(),
            up,
            at_ms: snap.at_ms,
            took_ms: snap.took_ms,
        }
    }
}

/// The pipeline as the records read since the start say it. Counters only grow.
#[derive(Clone, Debug, Default)]
pub struct Pipeline {
    pub records: BTreeMap<(String, Role), u64>,
    pub statuses: BTreeMap<(String, &'static str), u64>,
    /// Per bucket (LATENCY_BUCKETS, then +Inf) the count of latencies at or under it.
    pub latency_buckets: [u64; LATENCY_BUCKETS.len() + 1],
    pub latency_sum_s: f64,
    pub latency_count: u64,
    pub dlq: BTreeMap<(String, String), u64>,
    /// Open and stuck jobs, when the stuck-jobs watch runs.
    pub jobs: Option<(usize, usize)>,
}

impl Pipeline {
    pub fn ingest(&mut self, role: Role, batch: &[Record]) {
        for r in batch {
            *self.records.entry((r.topic.clone(), role)).or_default() += 1;
            if role == Role::Dlq {
                self.dead_letter(r);
                continue;
            }
            if r.decoded.status.is_some() {
                let class = class_label(r.decoded.status_class);
                *self.statuses.entry((r.topic.clone(), class)).or_default() += 1;
            }
            if let Some(ms) = r.decoded.latency_ms.filter(|ms| *ms >= 0) {
                self.latency(ms as f64 / 1000.0);
            }
        }
    }

    fn latency(&mut self, s: f64) {
        for (i, b) in LATENCY_BUCKETS.iter().enumerate() {
            if s <= *b {
                self.latency_buckets[i] += 1;
            }
        }
        self.latency_buckets[LATENCY_BUCKETS.len()] += 1;
        self.latency_sum_s += s;
        self.latency_count += 1;
    }

    /// Counts a dead letter under its masked reason (numbers and ids as `#`, as the
    /// dashboard groups them), or `other` past the first [`MAX_REASONS`].
    fn dead_letter(&mut self, r: &Record) {
        let reason = crate::codec::decode::dlq::record_reason(r)
            .map(|e| crate::domain::replay::reason_key(&e))
            .unwrap_or_else(|| "unknown".into());
        let topic = r.topic.clone();
        let known = self.dlq.contains_key(&(topic.clone(), reason.clone()));
        let distinct = self.dlq.keys().filter(|(_, r)| r != "other").count();
        let key = if known || distinct < MAX_REASONS {
            (topic, reason)
        } else {
            (topic, "other".to_string())
        };
        *self.dlq.entry(key).or_default() += 1;
    }
}

fn class_label(c: StatusClass) -> &'static str {
    match c {
        StatusClass::Ok => "ok",
        StatusClass::Failed => "failed",
        StatusClass::Progress => "progress",
        StatusClass::Pending => "pending",
        StatusClass::Unknown => "unknown",
    }
}

fn role_label(r: Role) -> &'static str {
    match r {
        Role::Completion => "completion",
        Role::Status => "status",
        Role::Dlq => "dlq",
    }
}

/// Every status a group can have, one series each (1 for the current one).
const STATUSES: [(LagStatus, &str); 6] = [
    (LagStatus::Ok, "OK"),
    (LagStatus::Warn, "WARN"),
    (LagStatus::Rewind, "REWIND"),
    (LagStatus::Stall, "STALL"),
    (LagStatus::Stop, "STOP"),
    (LagStatus::Unknown, "UNKNOWN"),
];

/// The whole exposition.
pub fn render(cluster: &str, lag: &LagExport, pipe: &Pipeline, open_metrics: bool) -> String {
    lag_text(cluster, lag) + &pipeline_text(cluster, pipe, open_metrics)
}

/// The lag families, made once per refresh (the largest part, and gauges only, so the same
/// text serves both formats): a scrape sends it and never waits on the cluster.
pub fn lag_text(cluster: &str, lag: &LagExport) -> String {
    let mut e = Exposition::new(false);
    lag_families(&mut e, cluster, lag);
    e.finish()
}

/// The same, written into `sink` as it is made (never whole in memory).
pub fn write_lag(
    cluster: &str,
    lag: &LagExport,
    sink: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut e = Exposition::into_sink(false, sink);
    lag_families(&mut e, cluster, lag);
    e.finish_sink().map(drop)
}

fn lag_families(e: &mut Exposition, cluster: &str, lag: &LagExport) {
    exporter(e, cluster, lag);
    partitions(e, cluster, lag);
    groups(e, cluster, lag);
    group_sums(e, cluster, lag);
    kdeck_groups(e, cluster, lag);
}

/// The pipeline's families, made at each scrape (small), closing the exposition.
pub fn pipeline_text(cluster: &str, pipe: &Pipeline, open_metrics: bool) -> String {
    let mut e = Exposition::new(open_metrics);
    pipeline(&mut e, cluster, pipe);
    e.finish()
}

fn exporter(e: &mut Exposition, c: &str, lag: &LagExport) {
    let l = [("cluster_name", c)];
    e.family(
        "kdeck_up",
        Kind::Gauge,
        "1 when the last lag refresh reached the cluster, else 0",
    );
    e.sample("kdeck_up", &l, if lag.up { 1.0 } else { 0.0 });
    if lag.at_ms > 0 {
        e.family(
            "kdeck_last_refresh_timestamp_seconds",
            Kind::Gauge,
            "When the last lag refresh ran (seconds since 1970)",
        );
        e.sample(
            "kdeck_last_refresh_timestamp_seconds",
            &l,
            lag.at_ms as f64 / 1000.0,
        );
        e.family(
            "kdeck_refresh_duration_seconds",
            Kind::Gauge,
            "How long the last lag refresh took",
        );
        e.sample(
            "kdeck_refresh_duration_seconds",
            &l,
            lag.took_ms as f64 / 1000.0,
        );
    }
}

fn partitions(e: &mut Exposition, c: &str, lag: &LagExport) {
    for (name, map, help) in [
        (
            "kafka_partition_latest_offset",
            &lag.latest,
            "The partition's end offset (high watermark)",
        ),
        (
            "kafka_partition_earliest_offset",
            &lag.earliest,
            "The partition's log start offset",
        ),
    ] {
        e.family(name, Kind::Gauge, help);
        for ((t, p), v) in map {
            let p = p.to_string();
            e.sample(
                name,
                &[("cluster_name", c), ("topic", t), ("partition", &p)],
                *v as f64,
            );
        }
    }
}

/// Per group and partition, with the owning member's host, id and client id (empty when the
/// group has no member on it), as kafka-lag-exporter labels them.
fn groups(e: &mut Exposition, c: &str, lag: &LagExport) {
    let families = [
        ("kafka_consumergroup_group_offset", "The group's committed offset on the partition"),
        ("kafka_consumergroup_group_lag", "Records between the group's committed offset and the partition's end"),
        ("kafka_consumergroup_group_lag_seconds", "Seconds the group is behind on the partition, by kdeck's estimator (0 when caught up; see kdeck_consumergroup_group_lag_seconds_lower_bound)"),
        ("kdeck_consumergroup_group_lag_seconds_lower_bound", "1 when the partition's lag seconds is a lower bound (its committed record is older than anything kdeck has seen), else 0"),
    ];
    for (i, (name, help)) in families.iter().enumerate() {
        e.family(name, Kind::Gauge, help);
        for g in &lag.views {
            let members = lag.members.get(&g.group);
            for p in &g.partitions {
                let Some(committed) = p.committed else {
                    continue;
                };
                let tp = (p.topic.clone(), p.partition);
                let (id, host) = members
                    .and_then(|m| m.get(&tp))
                    .cloned()
                    .unwrap_or_default();
                let client = p.owner.clone().unwrap_or_default();
                let part = p.partition.to_string();
                let labels = [
                    ("cluster_name", c),
                    ("group", g.group.as_str()),
                    ("topic", p.topic.as_str()),
                    ("partition", part.as_str()),
                    ("member_host", host.as_str()),
                    ("consumer_id", id.as_str()),
                    ("client_id", client.as_str()),
                ];
                let v = match i {
                    0 => committed as f64,
                    1 => p.lag as f64,
                    2 => p.seconds,
                    _ => f64::from(u8::from(!p.seconds_exact)),
                };
                e.sample(name, &labels, v);
            }
        }
    }
}

/// A per-group family: its name, help, and the group's value.
type GroupFamily<T> = (&'static str, &'static str, fn(&GroupView) -> T);

fn group_sums(e: &mut Exposition, c: &str, lag: &LagExport) {
    let per_group: [GroupFamily<f64>; 3] = [
        (
            "kafka_consumergroup_group_max_lag",
            "The group's largest partition lag",
            |g| g.partitions.iter().map(|p| p.lag).max().unwrap_or(0) as f64,
        ),
        (
            "kafka_consumergroup_group_max_lag_seconds",
            "The group's largest partition lag in seconds",
            |g| g.partitions.iter().map(|p| p.seconds).fold(0.0, f64::max),
        ),
        (
            "kafka_consumergroup_group_sum_lag",
            "The group's lag over all its partitions",
            |g| g.partitions.iter().map(|p| p.lag).sum::<i64>() as f64,
        ),
    ];
    for (name, help, f) in per_group {
        e.family(name, Kind::Gauge, help);
        for g in &lag.views {
            e.sample(name, &[("cluster_name", c), ("group", &g.group)], f(g));
        }
    }
    let name = "kafka_consumergroup_group_topic_sum_lag";
    e.family(
        name,
        Kind::Gauge,
        "The group's lag over the topic's partitions",
    );
    for g in &lag.views {
        let mut per: BTreeMap<&str, i64> = BTreeMap::new();
        for p in &g.partitions {
            *per.entry(&p.topic).or_default() += p.lag;
        }
        for (t, v) in per {
            e.sample(
                name,
                &[("cluster_name", c), ("group", &g.group), ("topic", t)],
                v as f64,
            );
        }
    }
}

fn kdeck_groups(e: &mut Exposition, c: &str, lag: &LagExport) {
    let name = "kdeck_consumergroup_status";
    e.family(name, Kind::Gauge, "The group's Burrow-style status: 1 for the current one (OK, WARN, REWIND, STALL, STOP, UNKNOWN)");
    for g in &lag.views {
        for (s, label) in STATUSES {
            let v = f64::from(u8::from(g.status == s));
            e.sample(
                name,
                &[("cluster_name", c), ("group", &g.group), ("status", label)],
                v,
            );
        }
    }
    let per_group: [GroupFamily<Option<f64>>; 4] = [
        ("kdeck_consumergroup_members", "Members of the group (absent when the cluster does not describe groups)", |g| g.members.map(|m| m as f64)),
        ("kdeck_consumergroup_time_to_zero_seconds", "Seconds to work through the lag at the group's consume rate (absent while it commits nothing or its lag grows)", |g| g.time_to_zero),
        ("kdeck_consumergroup_consume_rate", "Records per second the group commits, over the estimator's window", |g| Some(g.consume_rate)),
        ("kdeck_consumergroup_produce_rate", "Records per second written to the partitions the group reads, over the window", |g| Some(g.produce_rate)),
    ];
    for (name, help, f) in per_group {
        e.family(name, Kind::Gauge, help);
        for g in &lag.views {
            if let Some(v) = f(g) {
                e.sample(name, &[("cluster_name", c), ("group", &g.group)], v);
            }
        }
    }
}

fn pipeline(e: &mut Exposition, c: &str, p: &Pipeline) {
    e.family(
        "kdeck_topic_records",
        Kind::Counter,
        "Records read on the pipeline's topics since kdeck started, by topic and role",
    );
    for ((t, role), n) in &p.records {
        e.sample(
            "kdeck_topic_records_total",
            &[
                ("cluster_name", c),
                ("topic", t),
                ("role", role_label(*role)),
            ],
            *n as f64,
        );
    }
    e.family("kdeck_job_status", Kind::Counter, "Status and completion records by the class of their status word (ok, failed, progress, pending, unknown)");
    for ((t, class), n) in &p.statuses {
        e.sample(
            "kdeck_job_status_total",
            &[("cluster_name", c), ("topic", t), ("status", class)],
            *n as f64,
        );
    }
    e.family("kdeck_dlq_records", Kind::Counter, "Dead letters by DLQ topic and reason (numbers masked as #; past the first 20 reasons, other)");
    for ((t, reason), n) in &p.dlq {
        e.sample(
            "kdeck_dlq_records_total",
            &[("cluster_name", c), ("topic", t), ("reason", reason)],
            *n as f64,
        );
    }
    latency(e, c, p);
    if let Some((open, stuck)) = p.jobs {
        e.family(
            "kdeck_jobs_open",
            Kind::Gauge,
            "Jobs requested or in progress that have not ended",
        );
        e.sample("kdeck_jobs_open", &[("cluster_name", c)], open as f64);
        e.family(
            "kdeck_jobs_stuck",
            Kind::Gauge,
            "Open jobs silent for longer than jobs.stuck_after",
        );
        e.sample("kdeck_jobs_stuck", &[("cluster_name", c)], stuck as f64);
    }
}

fn latency(e: &mut Exposition, c: &str, p: &Pipeline) {
    let name = "kdeck_end_to_end_latency_seconds";
    e.family(
        name,
        Kind::Histogram,
        "A job's end-to-end latency, from the times its completion record carries",
    );
    let bucket = format!("{name}_bucket");
    for (i, le) in LATENCY_BUCKETS.iter().enumerate() {
        let le = text::number(*le);
        e.sample(
            &bucket,
            &[("cluster_name", c), ("le", &le)],
            p.latency_buckets[i] as f64,
        );
    }
    let all = p.latency_buckets[LATENCY_BUCKETS.len()] as f64;
    e.sample(&bucket, &[("cluster_name", c), ("le", "+Inf")], all);
    e.sample(
        &format!("{name}_sum"),
        &[("cluster_name", c)],
        p.latency_sum_s,
    );
    e.sample(
        &format!("{name}_count"),
        &[("cluster_name", c)],
        p.latency_count as f64,
    );
}

#[cfg(test)]
mod tests;
