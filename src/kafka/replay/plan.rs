//! The dry run: a replay plan from the DLQ records a request selects.

use super::{self as kr, ReadRecord};
use crate::codec::decode::dlq;
use crate::domain::replay::{
    Coord, KeyHash, PartitionRange, PartitionerChoice, PlanItem, ReplayPlan, ReplayRequest,
    ResumeBase, Selection, REASONS_MAX,
};
use crate::engine::replay::{audit, headers, new_run_id, partition, resume, target};
use crate::support::config::{Cluster, Config};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

/// Everything the engine needs besides the request: where to connect and write the audit.
#[derive(Clone, Debug)]
pub struct ReplayContext {
    pub cluster: Cluster,
    /// Why writes are refused, when they are (see [`guard::ensure_writable`]).
    pub read_only: Option<String>,
    pub audit_dir: PathBuf,
    /// `user@host`
    pub who: String,
}

impl ReplayContext {
    pub fn from_config(cfg: &Config) -> anyhow::Result<ReplayContext> {
        let audit_dir = audit::audit_dir().ok_or_else(|| {
            anyhow::anyhow!("no data folder for the audit log: set KDECK_DATA_DIR")
        })?;
        Ok(ReplayContext {
            cluster: cfg.cluster.clone(),
            read_only: cfg.read_only.clone(),
            audit_dir,
            who: audit::who(),
        })
    }
}

/// The dry run for a new run: snapshots the DLQ's end offsets, reads the selection, resolves
/// every target. Sends nothing, writes nothing.
pub fn plan(
    ctx: &ReplayContext,
    req: ReplayRequest,
    cancel: &AtomicBool,
) -> anyhow::Result<ReplayPlan> {
    if req.value_edit.is_some() && !matches!(req.selection, Selection::One { .. }) {
        anyhow::bail!("an edited value can only replace the value of a single record");
    }
    let ranges = snapshot(&ctx.cluster, &req)?;
    build_plan(ctx, req, new_run_id(), ranges, None, cancel)
}

/// The dry run for resuming `run_id`: the same request and ranges as the run's start, minus
/// what the audit shows acknowledged and what is found on the targets.
pub fn resume_plan(
    ctx: &ReplayContext,
    run_id: &str,
    cancel: &AtomicBool,
) -> anyhow::Result<ReplayPlan> {
    let log = audit::read_run(&ctx.audit_dir, run_id)?;
    // Fails while the interrupted process is still alive and sending.
    drop(audit::AuditWriter::reopen(&ctx.audit_dir, run_id)?);
    let (found, warnings) = kr::find_replayed(&ctx.cluster, run_id, &log.target_starts, cancel)?;
    let base = resume::resume_base(&log, found);
    let mut p = build_plan(ctx, log.request, log.run_id, log.ranges, Some(base), cancel)?;
    p.warnings.extend(warnings);
    Ok(p)
}

/// Offsets `[from, to)` per DLQ partition: the selection's bounds within what the DLQ holds now.
fn snapshot(cluster: &Cluster, req: &ReplayRequest) -> anyhow::Result<Vec<PartitionRange>> {
    let mut out = Vec::new();
    for (p, lo, hi) in kr::watermarks(cluster, &req.dlq)? {
        if let Some((a, b)) = req.selection.bounds(p) {
            let from = a.max(lo);
            let to = b.saturating_add(1).min(hi);
            if from < to {
                out.push(PartitionRange {
                    partition: p,
                    from,
                    to,
                });
            }
        }
    }
    Ok(out)
}

/// Builds plan items, looking up each target topic's partitions the first time it is seen
/// (a missing topic is never created by sending to it: its records are refused).
pub struct ItemBuilder<'a> {
    cluster: &'a Cluster,
    pub known: BTreeMap<String, Option<i32>>,
    /// Parse JSON values for the failure reason (the dry run's groups, `--reason`); the origin
    /// comes from headers, so sending without a reason filter skips the parse.
    pub want_reason: bool,
    /// Build the replayed headers (the dry run needs them only for its sample).
    pub want_headers: bool,
    /// The dashboard's marks as a set: `Selection::matches` scans the list.
    marked: Option<HashSet<(i32, i64)>>,
    /// The request's filter, compiled on first use.
    filter: Option<crate::engine::filter::Expr>,
    /// The key hash that places keyed records (the plan's partitioner); None: the producer's.
    pub key_hash: Option<KeyHash>,
}

/// The provenance that does not change per record.
pub struct RunStamp<'a> {
    pub run_id: &'a str,
    pub at: &'a str,
    pub by: &'a str,
}

/// Values larger than this are not parsed for a failure reason.
const JSON_PARSE_MAX: usize = 1 << 20;

impl ItemBuilder<'_> {
    fn filter_keeps(&mut self, req: &ReplayRequest, rec: &ReadRecord) -> anyhow::Result<bool> {
        let Some(source) = req.filter.as_deref() else {
            return Ok(true);
        };
        if self
            .filter
            .as_ref()
            .is_none_or(|e| e.source() != source.trim())
        {
            let e =
                crate::engine::filter::Expr::compile(source).map_err(|m| anyhow::anyhow!("{m}"))?;
            self.filter = Some(e);
        }
        let wire = crate::codec::decode::wire::decoded(&rec.topic, rec.value.as_deref());
        let line = crate::codec::jsonl::LineRecord {
            topic: &rec.topic,
            partition: rec.partition,
            offset: rec.offset,
            timestamp_ms: rec.timestamp_ms,
            key: rec.key.as_deref(),
            headers: &[],
            value: rec.value.as_deref(),
            schema: wire.as_ref().and_then(crate::codec::jsonl::WireJson::of),
        };
        Ok(self
            .filter
            .as_ref()
            .is_some_and(|e| e.matches_with_headers(&line, &rec.headers)))
    }
}

impl<'a> ItemBuilder<'a> {
    pub fn new(cluster: &'a Cluster) -> Self {
        ItemBuilder {
            cluster,
            known: BTreeMap::new(),
            want_reason: true,
            want_headers: true,
            marked: None,
            filter: None,
            key_hash: None,
        }
    }

    pub fn item(
        &mut self,
        req: &ReplayRequest,
        rec: ReadRecord,
        stamp: &RunStamp<'_>,
    ) -> anyhow::Result<Option<PlanItem>> {
        let json = rec
            .value
            .as_deref()
            .filter(|_| self.want_reason)
            .filter(|v| v.len() <= JSON_PARSE_MAX && v.first().is_some_and(|b| *b == b'{'))
            .and_then(crate::codec::decode::json::Obj::parse);
        let origin = dlq::origin(&rec.headers, json.as_ref());
        let selected = match &req.selection {
            Selection::Marked { coords } => self
                .marked
                .get_or_insert_with(|| coords.iter().copied().collect())
                .contains(&(rec.partition, rec.offset)),
            sel => sel.matches(
                rec.partition,
                rec.offset,
                rec.timestamp_ms,
                dlq::reason_text(&origin).as_deref(),
            ),
        };
        if !selected || !self.filter_keeps(req, &rec)? {
            return Ok(None);
        }
        if let Some(t) = target::resolve(req, &origin, &self.known).topic {
            if !self.known.contains_key(&t) {
                let got = kr::topic_partitions(self.cluster, std::slice::from_ref(&t))?;
                self.known.extend(got);
            }
        }
        let source = Coord {
            topic: rec.topic,
            partition: rec.partition,
            offset: rec.offset,
        };
        let mut to = target::resolve(req, &origin, &self.known);
        target::place(&mut to, rec.key.as_deref(), self.key_hash, &self.known);
        if !self.want_headers {
            return Ok(Some(PlanItem {
                target: to,
                reason: dlq::reason_text(&origin),
                source,
                timestamp_ms: rec.timestamp_ms,
                key: None,
                value: None,
                headers: Vec::new(),
            }));
        }
        let headers = headers::replay_headers(
            &rec.headers,
            req.settings.keep_diagnostic_headers,
            req.settings.retry_count,
            &headers::Provenance {
                run_id: stamp.run_id,
                source: &source,
                at: stamp.at,
                by: stamp.by,
            },
        );
        Ok(Some(PlanItem {
            target: to,
            reason: dlq::reason_text(&origin),
            source,
            timestamp_ms: rec.timestamp_ms,
            key: rec.key,
            value: req.value_edit.clone().or(rec.value),
            headers,
        }))
    }
}

/// Counts what a run would send. Memory stays bounded: counts, capped reasons, one sample.
fn build_plan(
    ctx: &ReplayContext,
    request: ReplayRequest,
    run_id: String,
    ranges: Vec<PartitionRange>,
    resume: Option<ResumeBase>,
    cancel: &AtomicBool,
) -> anyhow::Result<ReplayPlan> {
    let before = audit::replay_counts(&ctx.audit_dir, &request.dlq);
    let mut plan = ReplayPlan {
        run_id,
        request,
        ranges,
        total: 0,
        per_target: BTreeMap::new(),
        per_reason: Vec::new(),
        per_why: BTreeMap::new(),
        unsendable: 0,
        first: None,
        replayed_before: 0,
        already_done: 0,
        warnings: Vec::new(),
        resume,
        target_partitions: BTreeMap::new(),
        partitioner: None,
    };
    let mut reasons: HashMap<String, u64> = HashMap::new();
    let mut builder = ItemBuilder::new(&ctx.cluster);
    let at = audit::now_text();
    let stamp = RunStamp {
        run_id: &plan.run_id,
        at: &at,
        by: &ctx.who,
    };
    let mut err = None;
    let read: Vec<(String, PartitionRange)> = plan
        .ranges
        .iter()
        .map(|r| (plan.request.dlq.clone(), *r))
        .collect();
    let req = &plan.request;
    let mut counts = PlanCounts::default();
    let mut clues = Clues::default();
    let warnings = kr::read_ranges(&ctx.cluster, &read, cancel, &mut |rec| {
        clues.add(&rec);
        builder.want_headers = counts.first.is_none();
        match builder.item(req, rec, &stamp) {
            Ok(Some(item)) => {
                counts.add(item, &plan.resume, &before, &mut reasons);
                true
            }
            Ok(None) => true,
            Err(e) => {
                err = Some(e);
                false
            }
        }
    })?;
    if let Some(e) = err {
        return Err(e);
    }
    counts.finish(&mut plan, reasons);
    let choice = clues.choose(&ctx.cluster, &plan.request, &mut builder.known)?;
    if let Some(f) = plan.first.as_mut() {
        target::place(&mut f.target, f.key.as_deref(), choice.hash, &builder.known);
    }
    plan.partitioner = Some(choice);
    plan.target_partitions = builder.known;
    plan.warnings.extend(warnings);
    Ok(plan)
}

/// Records kept as evidence of the producer's key hash, at most.
const CLUES_MAX: usize = 10_000;

/// Keyed records with an origin topic and partition: which key hash placed them?
#[derive(Default)]
struct Clues {
    seen: Vec<(String, i32, Vec<u8>)>,
    /// Keyed records read.
    keyed: usize,
    /// The writer of every keyed record while they all share one (None once they differ).
    writer: Option<crate::domain::DlqDialect>,
}

impl Clues {
    fn add(&mut self, rec: &ReadRecord) {
        if self.seen.len() >= CLUES_MAX {
            return;
        }
        let Some(key) = rec.key.as_deref() else {
            return;
        };
        let origin = dlq::origin(&rec.headers, None);
        self.keyed += 1;
        if self.keyed == 1 {
            self.writer = origin.dialect;
        } else if self.writer != origin.dialect {
            self.writer = None;
        }
        if let (Some(t), Some(p)) = (origin.topic, origin.partition) {
            self.seen.push((t, p, key.to_vec()));
        }
    }

    /// The DLQ's partitioner: the profile's, else inferred from the clues (the origin topics'
    /// partition counts are looked up and kept in `known`).
    fn choose(
        self,
        cluster: &Cluster,
        req: &ReplayRequest,
        known: &mut BTreeMap<String, Option<i32>>,
    ) -> anyhow::Result<PartitionerChoice> {
        let configured = req.settings.partitioners.get(&req.dlq).copied();
        let mut missing: Vec<String> = Vec::new();
        if configured.is_none() {
            for (t, _, _) in &self.seen {
                if !known.contains_key(t) && !missing.contains(t) {
                    missing.push(t.clone());
                }
            }
        }
        if !missing.is_empty() {
            known.extend(kr::topic_partitions(cluster, &missing)?);
        }
        let evidence: Vec<partition::Evidence> = self
            .seen
            .into_iter()
            .filter_map(|(t, p, key)| {
                let n = known.get(&t).copied().flatten()?;
                Some(partition::Evidence {
                    key,
                    partition: p,
                    partitions: n,
                })
            })
            .collect();
        Ok(partition::choose_with_writer(
            &evidence,
            configured,
            &req.settings.partitioner,
            self.writer,
        ))
    }
}

/// Counts one more for `key` without allocating when it is already there (the common case).
fn bump(m: &mut BTreeMap<String, u64>, key: &str) {
    match m.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            m.insert(key.to_string(), 1);
        }
    }
}

#[derive(Default)]
struct PlanCounts {
    total: u64,
    per_target: BTreeMap<String, u64>,
    per_why: BTreeMap<crate::domain::replay::TargetWhy, u64>,
    unsendable: u64,
    first: Option<PlanItem>,
    replayed_before: u64,
    already_done: u64,
}

impl PlanCounts {
    fn add(
        &mut self,
        item: PlanItem,
        resume: &Option<ResumeBase>,
        before: &HashMap<(i32, i64), u32>,
        reasons: &mut HashMap<String, u64>,
    ) {
        let s = &item.source;
        if resume.as_ref().is_some_and(|r| r.is_done(s)) {
            self.already_done += 1;
            return;
        }
        self.total += 1;
        if before.contains_key(&(s.partition, s.offset)) {
            self.replayed_before += 1;
        }
        *self.per_why.entry(item.target.why).or_default() += 1;
        match &item.target.topic {
            Some(t) => bump(&mut self.per_target, t),
            None => self.unsendable += 1,
        }
        let reason = item
            .reason
            .as_deref()
            .map_or("(no reason given)".to_string(), dlq::reason_key);
        if let Some(n) = reasons.get_mut(&reason) {
            *n += 1;
        } else if reasons.len() < 10_000 {
            reasons.insert(reason, 1);
        } else {
            *reasons.entry("other".into()).or_default() += 1;
        }
        if self.first.is_none() {
            self.first = Some(item);
        }
    }

    fn finish(self, plan: &mut ReplayPlan, reasons: HashMap<String, u64>) {
        let mut r: Vec<(String, u64)> = reasons.into_iter().collect();
        r.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if r.len() > REASONS_MAX {
            let rest: u64 = r[REASONS_MAX..].iter().map(|x| x.1).sum();
            r.truncate(REASONS_MAX);
            r.push(("other".into(), rest));
        }
        plan.per_reason = r;
        plan.total = self.total;
        plan.per_target = self.per_target;
        plan.per_why = self.per_why;
        plan.unsendable = self.unsendable;
        plan.first = self.first;
        plan.replayed_before = self.replayed_before;
        plan.already_done = self.already_done;
    }
}
