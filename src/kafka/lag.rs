//! The lag worker: committed offsets of the watched (and discovered) groups, end offsets of
//! their partitions, and the produce time of records at committed offsets where the time
//! table cannot tell. Read-only: kdeck never joins, commits for or alters these groups.

use super::group_offsets::GroupOffsetsReader;
use super::worker::Worker;
use super::{
    create_reader, describe, describe_with, read_only_config, trouble, KafkaEvent, Reader, Trouble,
    META_TIMEOUT,
};
use crate::engine::lag::{GroupSnapshot, LagSnapshot, Tp};
use crate::support::config::Cluster;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Clone, Debug)]
pub struct LagSpec {
    pub cluster: Cluster,
    pub watch_groups: Vec<String>,
    /// Topics whose committed offsets are looked up (besides those in member assignments).
    pub topics: Vec<String>,
    /// Also list the cluster's groups and show the active ones whose members read `topics`.
    pub discover: bool,
    pub refresh_ms: u64,
    /// Groups kdeck's demo runs itself: when the cluster cannot describe groups (the demo's
    /// mock), they show as one simulated member each instead of "state n/a".
    pub simulated: Vec<String>,
}

/// Group listing is not something every cluster answers (the demo's mock does not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Listing {
    Unknown,
    Works,
    Unsupported(Instant),
}

const LIST_TIMEOUT: Duration = Duration::from_secs(3);
const OFFSET_TIMEOUT: Duration = Duration::from_secs(3);
const MAX_GROUPS: usize = 1000;
const PEEKS_PER_REFRESH: usize = 16;

pub struct LagProbe {
    spec: LagSpec,
    meta: Reader,
    peek: BaseConsumer,
    offsets: GroupOffsetsReader,
    /// Per-group fallback clients, for watched groups only.
    groups: HashMap<String, BaseConsumer>,
    /// Topics each watched group last had commits on: the fallback asks for these when the
    /// one-client lookup goes unanswered (its coordinator moved to another broker).
    known_topics: HashMap<String, BTreeSet<String>>,
    partitions: BTreeMap<String, Vec<i32>>,
    last_meta: Option<Instant>,
    listing: Listing,
    admin_offsets: Listing,
    /// First end offset seen per partition: committed offsets below it are older than the
    /// time table, so their produce time is looked up instead.
    first_end: HashMap<Tp, i64>,
    peeked: HashMap<(Tp, i64), i64>,
    /// What kept the last refresh from reaching the cluster, if anything.
    trouble: Option<(Trouble, String)>,
    /// Watched groups the cluster does not know (not listed, nothing committed).
    unknown: Vec<String>,
}

/// Groups the cluster describes, and the topics their members are assigned.
#[derive(Default)]
struct Listed {
    described: BTreeMap<String, GroupSnapshot>,
    assigned_topics: BTreeMap<String, BTreeSet<String>>,
}

impl LagProbe {
    pub fn new(spec: LagSpec) -> anyhow::Result<LagProbe> {
        Ok(LagProbe {
            meta: create_reader(&read_only_config(&spec.cluster, "kdeck-lag-meta"))?,
            peek: {
                // One record per lookup: answer as soon as it is there, not after the
                // default 500 ms fetch wait.
                let mut cfg = read_only_config(&spec.cluster, "kdeck-lag-peek");
                cfg.set("fetch.wait.max.ms", "10")
                    .set("fetch.max.bytes", "1048576")
                    .set("max.partition.fetch.bytes", "65536");
                cfg.create()?
            },
            offsets: GroupOffsetsReader::new(&spec.cluster)?,
            spec,
            groups: HashMap::new(),
            known_topics: HashMap::new(),
            partitions: BTreeMap::new(),
            last_meta: None,
            listing: Listing::Unknown,
            admin_offsets: Listing::Unknown,
            first_end: HashMap::new(),
            peeked: HashMap::new(),
            trouble: None,
            unknown: Vec::new(),
        })
    }

    /// Watches these groups from the next refresh on. The fallback clients of groups no
    /// longer watched go.
    pub fn watch(&mut self, groups: Vec<String>) {
        self.groups.retain(|g, _| groups.contains(g));
        self.known_topics.retain(|g, _| groups.contains(g));
        self.spec.watch_groups = groups;
    }

    /// Why the last refresh could not reach the cluster (unreachable, authentication), in words.
    pub fn trouble(&self) -> Option<&(Trouble, String)> {
        self.trouble.as_ref()
    }

    /// Watched groups the last refresh found neither listed by the cluster nor with commits.
    pub fn unknown_groups(&self) -> &[String] {
        &self.unknown
    }

    /// The log start (earliest offset) of each partition, for exporters; partitions the
    /// cluster does not answer for are left out.
    pub fn start_offsets(&self, tps: &[Tp]) -> BTreeMap<Tp, i64> {
        match super::ends::start_offsets_with(&self.meta, tps, OFFSET_TIMEOUT) {
            Ok((starts, _)) => starts.into_iter().collect(),
            Err(_) => BTreeMap::new(),
        }
    }

    /// One full measurement. Blocking: run it off the UI task.
    pub fn refresh(&mut self, now_ms: i64) -> LagSnapshot {
        let started = Instant::now();
        let mut snap = LagSnapshot {
            at_ms: now_ms,
            ..Default::default()
        };
        self.unknown.clear();
        if let Err(note) = self.refresh_metadata() {
            snap.notes.push(note);
            snap.took_ms = started.elapsed().as_millis() as u64;
            return snap;
        }
        let mut listed = match self.list_groups() {
            Ok(l) => l,
            Err(()) => {
                // Either the cluster does not list groups (the demo's mock) or it went away.
                self.last_meta = None;
                if let Err(note) = self.refresh_metadata() {
                    snap.notes.push(note);
                    snap.took_ms = started.elapsed().as_millis() as u64;
                    return snap;
                }
                self.listing = Listing::Unsupported(Instant::now());
                Listed::default()
            }
        };
        let unlisted = matches!(self.listing, Listing::Unsupported(_));
        let all_simulated =
            (self.spec.watch_groups.iter()).all(|g| self.spec.simulated.contains(g));
        if unlisted && !all_simulated {
            snap.notes.push(
                "the cluster does not list groups: showing the configured groups (no state or members)"
                    .into(),
            );
        }
        if !unlisted {
            snap.listed = Some(listed_groups(&listed));
        }
        let names = self.candidates(&listed);
        self.committed_of(names, &mut listed, &mut snap);
        if unlisted {
            self.describe_simulated(&mut snap);
        }
        self.fetch_ends(&mut snap);
        self.peek_times(&mut snap, started);
        snap.took_ms = started.elapsed().as_millis() as u64;
        snap
    }

    /// The demo's own groups: kdeck runs one simulated consumer for each, so that is what
    /// their state and members say.
    fn describe_simulated(&self, snap: &mut LagSnapshot) {
        for g in &mut snap.groups {
            if g.state.is_none() && self.spec.simulated.contains(&g.group) {
                g.state = Some("Stable (simulated)".into());
                g.members = Some(1);
            }
        }
    }

    /// Partitions of every topic, at most every 30 s. Err: why the cluster cannot be read.
    fn refresh_metadata(&mut self) -> Result<(), String> {
        if self
            .last_meta
            .is_some_and(|t| t.elapsed() <= Duration::from_secs(30))
            && self.trouble.is_none()
        {
            return Ok(());
        }
        match self.meta.fetch_metadata(None, META_TIMEOUT) {
            Ok(md) => {
                self.partitions = md
                    .topics()
                    .iter()
                    .filter(|t| t.error().is_none())
                    .map(|t| {
                        (
                            t.name().to_string(),
                            t.partitions().iter().map(|p| p.id()).collect(),
                        )
                    })
                    .collect();
                self.last_meta = Some(Instant::now());
                self.trouble = None;
                Ok(())
            }
            Err(e) => {
                super::serve_pending_logs(&self.meta);
                let words = describe_with(&e, self.meta.context());
                let kind = match (trouble(&e), self.meta.context().auth_failure()) {
                    (Trouble::Unreachable, Some(_)) => Trouble::Authentication,
                    (k, _) => k,
                };
                let note = format!("{words} ({})", self.spec.cluster.brokers);
                self.trouble = Some((kind, note.clone()));
                Err(note)
            }
        }
    }

    /// Which groups exist, their state, members and the topics their members are assigned.
    fn list_groups(&mut self) -> Result<Listed, ()> {
        let mut listed = Listed::default();
        let try_listing = match self.listing {
            Listing::Unsupported(since) => since.elapsed() > Duration::from_secs(60),
            _ => true,
        };
        if !try_listing {
            return Ok(listed);
        }
        let list = self
            .meta
            .fetch_group_list(None, LIST_TIMEOUT)
            .map_err(drop)?;
        self.listing = Listing::Works;
        for g in list.groups() {
            let mut gs = GroupSnapshot {
                group: g.name().to_string(),
                state: Some(g.state().to_string()).filter(|s| !s.is_empty()),
                members: Some(g.members().len()),
                ..Default::default()
            };
            for m in g.members() {
                let Some(a) = m.assignment() else { continue };
                for (t, parts) in parse_assignment(a).unwrap_or_default() {
                    for p in parts {
                        gs.owners.insert((t.clone(), p), m.client_id().to_string());
                        let who = (m.id().to_string(), m.client_host().to_string());
                        gs.member_of.insert((t.clone(), p), who);
                    }
                    listed
                        .assigned_topics
                        .entry(g.name().to_string())
                        .or_default()
                        .insert(t);
                }
            }
            listed.described.insert(g.name().to_string(), gs);
        }
        Ok(listed)
    }

    /// The watched groups, and (discovering) every group the cluster lists. Past the cap,
    /// groups whose members read our topics go first, then the rest.
    fn candidates(&self, listed: &Listed) -> Vec<String> {
        let mut names: Vec<String> = self.spec.watch_groups.clone();
        if self.spec.discover {
            let reads_ours = |name: &String| {
                listed
                    .assigned_topics
                    .get(name)
                    .is_some_and(|ts| ts.iter().any(|t| self.spec.topics.contains(t)))
            };
            let mut others: Vec<&String> = listed
                .described
                .keys()
                .filter(|n| !n.starts_with("kdeck-") && !names.contains(n))
                .collect();
            others.sort_by_key(|n| !reads_ours(n));
            names.extend(others.into_iter().cloned());
        }
        names.truncate(MAX_GROUPS);
        names
    }

    /// Committed offsets of every candidate into `snap.groups`.
    fn committed_of(&mut self, names: Vec<String>, listed: &mut Listed, snap: &mut LagSnapshot) {
        // All committed offsets of all candidates through one client; clusters that do not
        // answer that (the demo's mock) fall back to a client per watched group.
        let mut answers = if matches!(self.admin_offsets, Listing::Unsupported(t) if t.elapsed() < Duration::from_secs(60))
        {
            Default::default()
        } else {
            let r = self.offsets.list(&names, OFFSET_TIMEOUT);
            self.admin_offsets = if r.is_empty() && !names.is_empty() {
                Listing::Unsupported(Instant::now())
            } else {
                Listing::Works
            };
            r
        };
        for name in names {
            let watched = self.spec.watch_groups.contains(&name);
            let is_listed = listed.described.contains_key(&name);
            let mut gs = listed
                .described
                .remove(&name)
                .unwrap_or_else(|| GroupSnapshot {
                    group: name.clone(),
                    ..Default::default()
                });
            let committed = match answers.remove(&name) {
                Some(Ok(c)) if !c.is_empty() || !watched => c,
                Some(Err(e)) => {
                    gs.error = Some(e);
                    BTreeMap::new()
                }
                // No answer, or an empty one for a watched group (some clusters, like the
                // demo's mock, answer "all topics" with nothing): ask with its topics named.
                _ if watched => {
                    let mut topics: BTreeSet<String> = self.spec.topics.iter().cloned().collect();
                    for known in [
                        listed.assigned_topics.get(&name),
                        self.known_topics.get(&name),
                    ] {
                        topics.extend(known.into_iter().flatten().cloned());
                    }
                    self.committed_via_client(&name, &topics)
                        .unwrap_or_else(|e| {
                            gs.error = Some(e);
                            BTreeMap::new()
                        })
                }
                _ => BTreeMap::new(),
            };
            if watched {
                self.note_watched(&name, &committed, is_listed, &mut gs);
                gs.committed = committed;
            } else {
                // A discovered group shows with the partitions of our topics only, and only
                // when it reads one of them (committed there, or a member is assigned one).
                gs.committed = committed
                    .into_iter()
                    .filter(|(tp, _)| self.spec.topics.contains(&tp.0))
                    .collect();
                gs.owners.retain(|tp, _| self.spec.topics.contains(&tp.0));
                gs.member_of
                    .retain(|tp, _| self.spec.topics.contains(&tp.0));
                if gs.committed.is_empty() && gs.owners.is_empty() {
                    continue;
                }
            }
            snap.groups.push(gs);
        }
        // Fallback clients stay for the probe's life (one per watched group at most): dropping
        // a consumer waits until librdkafka has closed it, which with the group's coordinator
        // down can take long enough to stall the refresh.
    }

    /// Remembers where a watched group commits, and says so when a group that had commits comes
    /// back with none and no reason: its last figures would otherwise be shown as current.
    fn note_watched(
        &mut self,
        name: &str,
        committed: &BTreeMap<Tp, i64>,
        is_listed: bool,
        gs: &mut GroupSnapshot,
    ) {
        if !committed.is_empty() {
            let topics = committed.keys().map(|tp| tp.0.clone()).collect();
            self.known_topics.insert(name.to_string(), topics);
            return;
        }
        if gs.error.is_some() {
            return;
        }
        if self.known_topics.contains_key(name) {
            gs.error = Some(
                "its committed offsets did not come back this time (its coordinator may be \
                 moving to another broker)"
                    .into(),
            );
        } else if !is_listed && self.listing == Listing::Works {
            self.unknown.push(name.to_string());
        }
    }

    /// End offsets of every partition a group has committed on or is assigned: one request
    /// per partition leader; partitions that lookup misses (a leader moving, a cluster that
    /// does not answer it) are asked one by one, so their lag is never left at an old end.
    fn fetch_ends(&mut self, snap: &mut LagSnapshot) {
        let wanted: Vec<Tp> = snap
            .groups
            .iter()
            .flat_map(|g| g.committed.keys().chain(g.owners.keys()).cloned())
            .collect::<BTreeSet<Tp>>()
            .into_iter()
            .collect();
        let missed = match super::ends::end_offsets_with(&self.meta, &wanted, OFFSET_TIMEOUT) {
            Ok((ends, failed)) => {
                for (tp, high) in ends {
                    self.first_end.entry(tp.clone()).or_insert(high);
                    snap.ends.insert(tp, high);
                }
                failed.into_iter().map(|(tp, _)| tp).collect()
            }
            Err(_) => wanted,
        };
        for tp in missed {
            match self.meta.fetch_watermarks(&tp.0, tp.1, OFFSET_TIMEOUT) {
                Ok((_, high)) => {
                    self.first_end.entry(tp.clone()).or_insert(high);
                    snap.ends.insert(tp, high);
                }
                Err(e) => snap.notes.push(format!(
                    "end offset of {}/{}: {}",
                    tp.0,
                    tp.1,
                    describe_with(&e, self.meta.context())
                )),
            }
        }
    }

    /// Produce times the end-offset table cannot give: committed offsets older than the
    /// first end kdeck saw (groups far behind, or reprocessing old data).
    fn peek_times(&mut self, snap: &mut LagSnapshot, started: Instant) {
        let mut peeks = 0;
        let mut found = Vec::new();
        for g in &snap.groups {
            for (tp, committed) in &g.committed {
                let end = snap.ends.get(tp).copied().unwrap_or(*committed);
                let key = (tp.clone(), *committed);
                if *committed >= end || self.first_end.get(tp).is_some_and(|f| committed >= f) {
                    continue;
                }
                if let Some(t) = self.peeked.get(&key) {
                    found.push((key, *t));
                    continue;
                }
                // Bounded, so one refresh never takes much longer than the refresh interval.
                if peeks >= PEEKS_PER_REFRESH
                    || started.elapsed() > Duration::from_millis(self.spec.refresh_ms / 2)
                {
                    continue;
                }
                peeks += 1;
                if let Some(t) = self.peek_time(tp, *committed) {
                    if self.peeked.len() > 4096 {
                        self.peeked.clear();
                    }
                    self.peeked.insert(key.clone(), t);
                    found.push((key, t));
                }
            }
        }
        snap.record_times.extend(found);
    }

    /// Committed offsets read with a client whose group id is the group's (the fallback when the
    /// cluster does not answer ListConsumerGroupOffsets).
    fn committed_via_client(
        &mut self,
        name: &str,
        topics: &BTreeSet<String>,
    ) -> Result<BTreeMap<Tp, i64>, String> {
        let mut tpl = TopicPartitionList::new();
        for t in topics {
            for p in self.partitions.get(t).into_iter().flatten() {
                tpl.add_partition(t, *p);
            }
        }
        if tpl.count() == 0 {
            return Ok(BTreeMap::new());
        }
        if !self.groups.contains_key(name) {
            let c = read_only_config(&self.spec.cluster, name)
                .create()
                .map_err(|e| describe(&e))?;
            self.groups.insert(name.to_string(), c);
        }
        let c = self.groups[name]
            .committed_offsets(tpl, OFFSET_TIMEOUT)
            .map_err(|e| describe(&e))?;
        Ok(c.elements()
            .iter()
            .filter_map(|e| match e.offset() {
                Offset::Offset(o) => Some(((e.topic().to_string(), e.partition()), o)),
                _ => None,
            })
            .collect())
    }

    /// The timestamp of the record at `offset`, read with a one-record fetch.
    fn peek_time(&self, tp: &Tp, offset: i64) -> Option<i64> {
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset(&tp.0, tp.1, Offset::Offset(offset))
            .ok()?;
        self.peek.assign(&tpl).ok()?;
        // The first fetch may need a new connection to the partition's leader.
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Some(Ok(m)) = self.peek.poll(Duration::from_millis(100)) {
                if m.topic() == tp.0 && m.partition() == tp.1 && m.offset() >= offset {
                    return m.timestamp().to_millis();
                }
            }
        }
        None
    }
}

/// The cluster's groups for the group list (kdeck's own readers left out).
fn listed_groups(listed: &Listed) -> Vec<crate::domain::lag::ListedGroup> {
    (listed.described.values())
        .filter(|g| !g.group.starts_with("kdeck-"))
        .map(|g| crate::domain::lag::ListedGroup {
            group: g.group.clone(),
            state: g.state.clone(),
            members: g.members.unwrap_or(0),
            topics: (listed.assigned_topics.get(&g.group))
                .map(|t| t.iter().cloned().collect())
                .unwrap_or_default(),
        })
        .collect()
}

/// Runs the probe every `refresh_ms` on its own thread until the app goes away; dropping the
/// handle stops the probe at its next turn.
pub fn spawn(
    spec: LagSpec,
    events: mpsc::Sender<KafkaEvent>,
    clock: fn() -> i64,
) -> Worker<crate::domain::event::LagCmd> {
    use std::sync::mpsc::RecvTimeoutError;
    let refresh = Duration::from_millis(spec.refresh_ms);
    Worker::spawn("lag", 4, &events.clone(), move |cmds| {
        let mut probe = match LagProbe::new(spec) {
            Ok(p) => p,
            Err(e) => {
                let _ = events.blocking_send(KafkaEvent::Warning(format!("lag: {e}")));
                return;
            }
        };
        loop {
            let started = Instant::now();
            let snap = probe.refresh(clock());
            if events
                .blocking_send(KafkaEvent::Lag(Box::new(snap)))
                .is_err()
            {
                return;
            }
            let rest = refresh.saturating_sub(started.elapsed());
            // A command (refresh now) cuts the wait short; a gone app ends the probe.
            match cmds.recv_timeout(rest) {
                Err(RecvTimeoutError::Disconnected) => return,
                Ok(crate::domain::event::LagCmd::Watch(groups)) => probe.watch(groups),
                _ => {}
            }
        }
    })
}

/// The consumer protocol's member assignment: version, then topics with their partitions.
pub fn parse_assignment(b: &[u8]) -> Option<Vec<(String, Vec<i32>)>> {
    let mut at = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = b.get(at..at + n)?;
        at += n;
        Some(s)
    };
    let _version = i16::from_be_bytes(take(2)?.try_into().ok()?);
    let topics = i32::from_be_bytes(take(4)?.try_into().ok()?);
    let mut out = Vec::new();
    for _ in 0..topics.max(0) {
        let len = i16::from_be_bytes(take(2)?.try_into().ok()?);
        let name = String::from_utf8(take(len.max(0) as usize)?.to_vec()).ok()?;
        let n = i32::from_be_bytes(take(4)?.try_into().ok()?);
        let mut parts = Vec::new();
        for _ in 0..n.max(0) {
            parts.push(i32::from_be_bytes(take(4)?.try_into().ok()?));
        }
        out.push((name, parts));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_a_consumer_assignment() {
        let mut b = vec![0, 1, 0, 0, 0, 1, 0, 4];
        b.extend_from_slice(b"jobs");
        b.extend_from_slice(&[0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 5]);
        b.extend_from_slice(&[0, 0, 0, 0]); // user data
        assert_eq!(
            super::parse_assignment(&b),
            Some(vec![("jobs".to_string(), vec![0, 5])])
        );
        assert_eq!(super::parse_assignment(&[0, 1, 0]), None);
    }
}
