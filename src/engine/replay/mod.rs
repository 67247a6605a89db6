//! The replay engine: DLQ records back to where they came from, grouped, rate-limited,
//! previewed, audited and resumable. Blocking functions meant for a worker thread (the
//! dashboard) or the main thread (`kdeck replay`): [`plan`] is the dry run, [`execute`] sends,
//! [`resume_plan`] continues an interrupted run. No rdkafka here: Kafka work goes through
//! `crate::kafka::replay` with plain types.
//!
//! # The guarantee: nothing lost, nothing twice
//!
//! For every DLQ record selected when a run starts, once the run (with its resumes) ends with no
//! failure, the target topic holds **exactly one** replayed copy of it, written by that run:
//!
//! * **The set is fixed.** The DLQ's end offsets are read when the run is planned and stored in
//!   the run's audit file; records appended later (including the run's own records when the DLQ
//!   is also the target) are never read, so a replay cannot loop, and a resume works on exactly
//!   the same records. The same request is stored too, so a resume resolves the same targets.
//! * **Nothing lost.** A record counts as done only when the broker acknowledged it with
//!   `acks=all` (every in-sync replica has it) or when it is read back from the target. Anything
//!   else is reported as failed or not sent, and a resume sends it.
//! * **Nothing twice within one process.** The producer is idempotent: librdkafka's retries
//!   after a lost connection or a timeout carry sequence numbers the broker deduplicates.
//! * **Nothing twice across a kill or a broker outage.** Every replayed record carries
//!   `kdeck-replay-run` and `kdeck-replay-source` (`dlq/partition@offset`). Before sending
//!   anything, a run writes (and syncs) the end offsets of its target topics to its audit file;
//!   all its records land past them. A resume skips records the audit shows acknowledged, then
//!   reads every target partition from those recorded offsets to its current end and skips
//!   every record found there with this run's id, whatever the audit says: that covers records
//!   that were in flight at a kill, acknowledged but not yet logged, or reported as timed out
//!   although the broker wrote them. Only the rest is sent again.
//! * **No race with the interrupted process.** A run holds a lock on its audit file while it
//!   sends; a resume refuses while the lock is held, so the lookup cannot miss records that a
//!   live process is still writing. The lock dies with the process.
//!
//! The assumptions, stated: the target's records written by the run are not deleted
//! (retention, compaction) or rewritten with the same headers by someone else before the
//! resume; and no record is still only in the broker's hands when the resume reads (on a
//! multi-broker cluster, a record the leader took but whose high watermark had not yet moved
//! is not visible; kdeck cannot see it and would send it again).
//! kdeck never deletes, compacts or commits anything on the DLQ, unless the profile names a
//! `commit_group`: then that group is moved forward (never back) past the records that were
//! replayed, only where every record before that point was selected and is done.

pub mod audit;
pub mod engine;
pub mod guard;
pub mod headers;
pub mod resume;
pub mod target;
pub mod worker;

pub use engine::execute;

use crate::support::config::{Cluster, Config};
use crate::codec::decode::dlq;
use crate::domain::replay::{
    Coord, PartitionRange, PlanItem, ReplayPlan, ReplayRequest, ResumeBase, Selection, REASONS_MAX,
};
use crate::kafka::replay::{self as kr, ReadRecord};
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

/// A new run id: UTC time and a random tail, sortable and short enough to type.
pub fn new_run_id() -> String {
    let now = chrono::Utc::now();
    let nanos = now.timestamp_subsec_nanos() as u64;
    let mix = (nanos ^ ((std::process::id() as u64) << 20)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!(
        "{}-{:06x}",
        now.format("%Y%m%dT%H%M%SZ"),
        (mix >> 40) & 0xff_ffff
    )
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
            let e = crate::engine::filter::Expr::compile(source).map_err(|m| anyhow::anyhow!("{m}"))?;
            self.filter = Some(e);
        }
        let line = crate::codec::jsonl::LineRecord {
            topic: &rec.topic,
            partition: rec.partition,
            offset: rec.offset,
            timestamp_ms: rec.timestamp_ms,
            key: rec.key.as_deref(),
            headers: &[],
            value: rec.value.as_deref(),
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
        if !self.want_headers {
            return Ok(Some(PlanItem {
                target: target::resolve(req, &origin, &self.known),
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
            target: target::resolve(req, &origin, &self.known),
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
    let warnings = kr::read_ranges(&ctx.cluster, &read, cancel, &mut |rec| {
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
    plan.target_partitions = builder.known;
    plan.warnings.extend(warnings);
    Ok(plan)
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

/// The dialog's check of an edited value before it is sent: when the original value was JSON,
/// the edit must be JSON too. Says where it breaks, in words.
pub fn check_edit(original: Option<&[u8]>, edited: &[u8]) -> Result<(), String> {
    let was_json = original
        .filter(|v| v.first().is_some_and(|b| *b == b'{' || *b == b'['))
        .is_some_and(|v| serde_json::from_slice::<serde_json::Value>(v).is_ok());
    if !was_json {
        return Ok(());
    }
    serde_json::from_slice::<serde_json::Value>(edited)
        .map(drop)
        .map_err(|e| {
            format!(
                "the edited value is not valid JSON (line {}, column {}): {}",
                e.line(),
                e.column(),
                e.to_string().split(" at line").next().unwrap_or("")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_of_json_must_stay_json() {
        assert!(check_edit(Some(br#"{"a":1}"#), br#"{"a":2}"#).is_ok());
        let e = check_edit(Some(br#"{"a":1}"#), br#"{"a":"#).unwrap_err();
        assert!(
            e.starts_with("the edited value is not valid JSON (line 1"),
            "{e}"
        );
        assert!(check_edit(Some(b"plain"), b"{not json").is_ok());
        assert!(check_edit(None, b"x").is_ok());
    }

    #[test]
    fn run_ids_are_distinct_and_sortable() {
        let a = new_run_id();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = new_run_id();
        assert!(a < b && a.len() == 23, "{a} {b}");
    }
}
