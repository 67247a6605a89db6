//! `kdeck offsets`: reads what a group's move needs (its state, committed offsets, the log's
//! bounds, the broker's time index, the records' times at both ends) and commits the new
//! offsets. The commit goes through a consumer with the group's id that never subscribes, so
//! it joins nothing, as Kafka's own offset tool does.

use super::worker::{report, Worker};
use super::{describe, ends, read_only_config};
use crate::domain::event::KafkaEvent;
use crate::domain::lag::Tp;
use crate::domain::offsets::{
    AuditPartition, AuditRun, Committed, OffsetsCmd, OffsetsUpdate, Outcome, Target,
};
pub use crate::domain::offsets::{GroupState, Plan, Selection};
use crate::engine::offsets::{self, Facts, Move, Strategy};
use crate::support::config::Cluster;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const TIMEOUT: Duration = Duration::from_secs(10);
/// How long the records' times are read for, all partitions together.
const PEEK_WAIT: Duration = Duration::from_secs(5);

/// A client with the group's id: reads its committed offsets and commits for it.
pub struct GroupClient {
    c: BaseConsumer,
    cluster: Cluster,
    group: String,
}

impl GroupClient {
    pub fn new(cluster: &Cluster, group: &str) -> anyhow::Result<GroupClient> {
        let c: BaseConsumer = super::client_config(cluster)
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .create()
            .map_err(|e| anyhow::anyhow!("cannot create the client: {}", describe(&e)))?;
        Ok(GroupClient {
            c,
            cluster: cluster.clone(),
            group: group.to_string(),
        })
    }

    /// The group's state and members, as the cluster lists it.
    pub fn state(&self) -> anyhow::Result<GroupState> {
        let list = self
            .c
            .fetch_group_list(Some(&self.group), TIMEOUT)
            .map_err(|e| {
                anyhow::anyhow!("cannot describe group {}: {}", self.group, describe(&e))
            })?;
        let g = list.groups().iter().find(|g| g.name() == self.group);
        Ok(GroupState {
            state: g.map_or("Dead".into(), |g| g.state().to_string()),
            members: g.map_or(0, |g| g.members().len()),
        })
    }

    /// The partitions `sel` names, checked against the cluster.
    fn partitions(&self, sel: &Selection) -> anyhow::Result<Vec<Tp>> {
        match sel {
            Selection::Partitions(tps) => Ok(tps.clone()),
            Selection::AllTopics => {
                let mut r = super::group_offsets::GroupOffsetsReader::new(&self.cluster)?;
                let mut got = r.list(std::slice::from_ref(&self.group), TIMEOUT);
                match got.remove(&self.group) {
                    Some(Ok(m)) => Ok(m.into_keys().collect()),
                    Some(Err(e)) => anyhow::bail!("reading group {}'s offsets: {e}", self.group),
                    None => anyhow::bail!(
                        "the cluster did not say group {}'s offsets in time",
                        self.group
                    ),
                }
            }
            Selection::Topics(ts) => {
                let mut out = Vec::new();
                for (t, parts) in ts {
                    let all = self.topic_partitions(t)?;
                    for p in parts.clone().unwrap_or_else(|| all.clone()) {
                        if !all.contains(&p) {
                            anyhow::bail!("topic {t} has no partition {p} (it has {})", all.len());
                        }
                        out.push((t.clone(), p));
                    }
                }
                Ok(out)
            }
        }
    }

    fn topic_partitions(&self, topic: &str) -> anyhow::Result<Vec<i32>> {
        let md = self
            .c
            .fetch_metadata(Some(topic), TIMEOUT)
            .map_err(|e| anyhow::anyhow!("reading topic {topic}: {}", describe(&e)))?;
        let t = md.topics().iter().find(|t| t.name() == topic);
        match t {
            Some(t) if t.error().is_none() && !t.partitions().is_empty() => {
                Ok(t.partitions().iter().map(|p| p.id()).collect())
            }
            _ => anyhow::bail!("topic {topic} does not exist"),
        }
    }

    /// The group's committed offsets on `tps` (missing: none committed).
    pub fn committed(&self, tps: &[Tp]) -> anyhow::Result<BTreeMap<Tp, i64>> {
        let mut tpl = TopicPartitionList::new();
        for (t, p) in tps {
            tpl.add_partition(t, *p);
        }
        let got = self.c.committed_offsets(tpl, TIMEOUT).map_err(|e| {
            anyhow::anyhow!("reading group {}'s offsets: {}", self.group, describe(&e))
        })?;
        Ok(got
            .elements()
            .iter()
            .filter_map(|e| match e.offset() {
                Offset::Offset(o) => Some(((e.topic().to_string(), e.partition()), o)),
                _ => None,
            })
            .collect())
    }

    /// Where the broker's time index puts `ms` on each partition (missing: no record that late).
    fn by_time(&self, tps: &[Tp], ms: i64) -> anyhow::Result<BTreeMap<Tp, i64>> {
        let mut tpl = TopicPartitionList::new();
        for (t, p) in tps {
            tpl.add_partition_offset(t, *p, Offset::Offset(ms))?;
        }
        let got = self
            .c
            .offsets_for_times(tpl, TIMEOUT)
            .map_err(|e| anyhow::anyhow!("looking up offsets by time: {}", describe(&e)))?;
        Ok(got
            .elements()
            .iter()
            .filter_map(|e| match e.offset() {
                Offset::Offset(o) if o >= 0 => Some(((e.topic().to_string(), e.partition()), o)),
                _ => None,
            })
            .collect())
    }

    /// Commits `moves`' new offsets for the group.
    pub fn commit(&self, moves: &[Move]) -> anyhow::Result<()> {
        let mut tpl = TopicPartitionList::new();
        for m in moves {
            tpl.add_partition_offset(&m.topic, m.partition, Offset::Offset(m.new))?;
        }
        self.c.commit(&tpl, CommitMode::Sync).map_err(|e| {
            anyhow::anyhow!(
                "committing offsets for group {}: {}",
                self.group,
                describe(&e)
            )
        })
    }
}

/// The log's bounds per partition: (earliest, latest).
fn bounds(c: &GroupClient, tps: &[Tp]) -> anyhow::Result<BTreeMap<Tp, (i64, i64)>> {
    let (starts, bad) = ends::start_offsets_with(&c.c, tps, TIMEOUT).map_err(anyhow::Error::msg)?;
    let (latest, bad2) = ends::end_offsets_with(&c.c, tps, TIMEOUT).map_err(anyhow::Error::msg)?;
    if let Some(((t, p), why)) = bad.into_iter().chain(bad2).next() {
        anyhow::bail!("reading the offsets of {t}/{p}: {why}");
    }
    let mut out = BTreeMap::new();
    for tp in tps {
        match (starts.get(tp), latest.get(tp)) {
            (Some(s), Some(e)) => out.insert(tp.clone(), (*s, *e)),
            _ => anyhow::bail!("the cluster gave no offsets for {}/{}", tp.0, tp.1),
        };
    }
    Ok(out)
}

/// Reads everything and says where each partition would go.
pub fn plan(c: &GroupClient, sel: &Selection, strategy: &Strategy) -> anyhow::Result<Plan> {
    let state = c.state()?;
    let mut tps = c.partitions(sel)?;
    tps.sort();
    tps.dedup();
    let committed = c.committed(&tps)?;
    let bounds = bounds(c, &tps)?;
    let by_time = match strategy {
        Strategy::Time(ms) => c.by_time(&tps, *ms)?,
        _ => BTreeMap::new(),
    };
    let mut moves = Vec::new();
    let mut warnings = Vec::new();
    for tp in &tps {
        let (earliest, latest) = bounds[tp];
        let f = Facts {
            earliest,
            latest,
            current: committed.get(tp).copied(),
            by_time: by_time.get(tp).copied(),
        };
        let (new, w) = offsets::target(strategy, tp, &f);
        warnings.extend(w);
        moves.push(Move {
            topic: tp.0.clone(),
            partition: tp.1,
            current: f.current,
            new,
            earliest,
            latest,
            span_from_ms: None,
            span_to_ms: None,
        });
    }
    spans(&c.cluster, &mut moves);
    Ok(Plan {
        group: c.group.clone(),
        state,
        moves,
        warnings,
        strategy: strategy.describe(),
        undo_of: None,
    })
}

/// The preview of undoing `run`: its partitions back to their offsets before it.
pub fn plan_undo(c: &GroupClient, run: &AuditRun) -> anyhow::Result<Plan> {
    let (given, notes) = offsets::undo_given(run);
    let sel = Selection::Partitions(given.keys().cloned().collect());
    let mut p = plan(c, &sel, &Strategy::Given(given))?;
    p.warnings.extend(notes);
    p.strategy = offsets::undo_words(run);
    p.undo_of = Some(run.run.clone());
    Ok(p)
}

/// Commits `p`'s new offsets if the group is still without members, reads them back and
/// audits the run (who, when, each partition's offset before and after).
pub fn execute(c: &GroupClient, p: &Plan) -> Outcome {
    // The group may have come alive since the preview.
    match c.state() {
        Ok(now) if !now.movable() => {
            return Outcome::Refused(format!(
                "group {} {}; stop its consumers first",
                p.group,
                now.words()
            ))
        }
        Ok(_) => {}
        Err(e) => return Outcome::Failed(format!("{e:#}")),
    }
    if let Err(e) = c.commit(&p.moves) {
        return Outcome::Failed(format!("{e:#}"));
    }
    let tps: Vec<Tp> = (p.moves.iter())
        .map(|m| (m.topic.clone(), m.partition))
        .collect();
    let mismatches = match c.committed(&tps) {
        Ok(back) => mismatches(&p.moves, &back),
        Err(e) => vec![format!("the offsets could not be read back: {e:#}")],
    };
    let run = audit_run(p, mismatches.is_empty());
    let audit_error = offsets::append_audit(&run).err();
    Outcome::Committed(Box::new(Committed {
        run,
        mismatches,
        audit_error,
    }))
}

fn mismatches(moves: &[Move], back: &BTreeMap<Tp, i64>) -> Vec<String> {
    moves
        .iter()
        .filter(|m| back.get(&(m.topic.clone(), m.partition)) != Some(&m.new))
        .map(|m| {
            let got = back.get(&(m.topic.clone(), m.partition));
            let got = got.map_or("none".to_string(), |g| g.to_string());
            format!(
                "{}/{}: asked {}, read back {got}",
                m.topic, m.partition, m.new
            )
        })
        .collect()
}

fn audit_run(p: &Plan, verified: bool) -> AuditRun {
    use crate::engine::replay::{audit, new_run_id};
    AuditRun {
        run: new_run_id(),
        by: audit::who(),
        at: audit::now_text(),
        group: p.group.clone(),
        strategy: p.strategy.clone(),
        undo_of: p.undo_of.clone(),
        partitions: (p.moves.iter())
            .map(|m| AuditPartition {
                topic: m.topic.clone(),
                partition: m.partition,
                before: m.current,
                after: m.new,
            })
            .collect(),
        verified,
    }
}

/// The dashboard's offsets worker: previews and executes one dialog's moves off the UI task.
pub fn spawn(cluster: Cluster, events: mpsc::Sender<KafkaEvent>) -> Worker<OffsetsCmd> {
    Worker::spawn("offsets", 2, &events.clone(), move |rx| {
        while let Ok(cmd) = rx.recv() {
            let (job, news) = match cmd {
                OffsetsCmd::Plan {
                    job,
                    group,
                    selection,
                    target,
                } => {
                    let result = plan_for(&cluster, &group, &selection, &target);
                    let result = result.map(Box::new).map_err(|e| format!("{e:#}"));
                    let news = OffsetsUpdate::Planned {
                        job: job.gen(),
                        result,
                    };
                    (job, news)
                }
                OffsetsCmd::Execute { job, plan } => {
                    let outcome = match GroupClient::new(&cluster, &plan.group) {
                        Ok(c) => execute(&c, &plan),
                        Err(e) => Outcome::Failed(format!("{e:#}")),
                    };
                    let news = OffsetsUpdate::Executed {
                        job: job.gen(),
                        outcome,
                    };
                    (job, news)
                }
            };
            if !report(&events, &job, KafkaEvent::Offsets(news)) {
                return;
            }
        }
    })
}

fn plan_for(
    cluster: &Cluster,
    group: &str,
    selection: &Selection,
    target: &Target,
) -> anyhow::Result<Plan> {
    let c = GroupClient::new(cluster, group)?;
    match target {
        Target::Move(strategy) => plan(&c, selection, strategy),
        Target::UndoLast => {
            let text = offsets::read_audit().map_err(anyhow::Error::msg)?;
            let Some(run) = offsets::last_run_of(&text, group) else {
                anyhow::bail!("no run of group {group} in the audit file to undo");
            };
            plan_undo(&c, &run)
        }
    }
}

/// Fills each move's time span from the records at both ends (left None when unreadable).
fn spans(cluster: &Cluster, moves: &mut [Move]) {
    let firsts: Vec<(Tp, i64)> = moves
        .iter()
        .filter_map(|m| {
            m.span_offsets()
                .map(|(a, _)| ((m.topic.clone(), m.partition), a))
        })
        .collect();
    let lasts: Vec<(Tp, i64)> = moves
        .iter()
        .filter_map(|m| {
            m.span_offsets()
                .map(|(_, b)| ((m.topic.clone(), m.partition), b))
        })
        .collect();
    let a = times_at(cluster, &firsts);
    let b = times_at(cluster, &lasts);
    for m in moves.iter_mut() {
        let tp = (m.topic.clone(), m.partition);
        m.span_from_ms = a.get(&tp).copied();
        m.span_to_ms = b.get(&tp).copied();
    }
}

/// The timestamp of the record at each (partition, offset), read with a consumer of its own
/// (no group of the user's); partitions whose record does not come in time are left out.
fn times_at(cluster: &Cluster, points: &[(Tp, i64)]) -> HashMap<Tp, i64> {
    let mut out = HashMap::new();
    if points.is_empty() {
        return out;
    }
    let Ok(c) = read_only_config(cluster, "kdeck-offsets-peek").create::<BaseConsumer>() else {
        return out;
    };
    let mut tpl = TopicPartitionList::new();
    for ((t, p), o) in points {
        if tpl.add_partition_offset(t, *p, Offset::Offset(*o)).is_err() {
            return out;
        }
    }
    if c.assign(&tpl).is_err() {
        return out;
    }
    let wanted: HashMap<Tp, i64> = points.iter().cloned().collect();
    let deadline = Instant::now() + PEEK_WAIT;
    while out.len() < wanted.len() && Instant::now() < deadline {
        let Some(Ok(m)) = c.poll(Duration::from_millis(200)) else {
            continue;
        };
        let tp = (m.topic().to_string(), m.partition());
        if wanted.get(&tp) == Some(&m.offset()) {
            if let Some(ts) = super::timestamp_ms(&m) {
                out.insert(tp, ts);
            }
        }
    }
    out
}
