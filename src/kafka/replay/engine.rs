//! Sending a plan: re-reads the DLQ ranges fixed by the plan, sends each selected record that is
//! not done yet with the idempotent producer, logs each acknowledgement to the audit file, and
//! reports progress. Blocking; meant for a worker thread or the headless command.

use super::plan::{ItemBuilder, ReplayContext, RunStamp};
use super::{self as kr, ReadRecord};
use crate::domain::replay::{
    Coord, Failure, PartitionRange, PlanItem, ReplayEvent, ReplayPlan, ReplayProgress,
    ReplaySummary, Selection, FAILURES_MAX,
};
use crate::engine::replay::audit::{
    self, AuditWriter, Line, RecordLine, RecordResult, TargetStarts,
};
use crate::engine::replay::guard;
use crate::kafka::safe_producer::{Delivery, Outgoing, SafeProducer};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Sends `plan` (from [`super::plan`] or [`super::resume_plan`]). Refuses on a read-only
/// profile before anything is written. `cancel` stops sending new records; what is already
/// in flight is still waited for, so the audit stays true. Returns the summary; Err only when
/// the run could not start (audit file, producer, end offsets).
pub fn execute(
    ctx: &ReplayContext,
    plan: &ReplayPlan,
    cancel: &AtomicBool,
    on_event: &mut dyn FnMut(ReplayEvent),
) -> anyhow::Result<ReplaySummary> {
    crate::support::log::replay_start(plan);
    let result = execute_run(ctx, plan, cancel, on_event);
    crate::support::log::replay_end(&plan.run_id, &result, &ctx.cluster.properties);
    result
}

fn execute_run(
    ctx: &ReplayContext,
    plan: &ReplayPlan,
    cancel: &AtomicBool,
    on_event: &mut dyn FnMut(ReplayEvent),
) -> anyhow::Result<ReplaySummary> {
    guard::ensure_writable(ctx.read_only.as_deref(), "replay")?;
    let (audit, starts) = open_audit(ctx, plan)?;
    let s = &plan.request.settings;
    let producer = SafeProducer::new(
        &ctx.cluster,
        &s.partitioner,
        s.delivery_timeout_ms,
        "the replay producer",
    )?;
    let mut run = Run::new(ctx, plan, producer, audit, starts, on_event);
    let read: Vec<(String, PartitionRange)> = plan
        .ranges
        .iter()
        .map(|r| (plan.request.dlq.clone(), *r))
        .collect();
    match kr::read_ranges(&ctx.cluster, &read, cancel, &mut |rec| {
        run.on_record(rec, cancel)
    }) {
        Ok(w) => run.summary.warnings.extend(w),
        Err(e) => run.stop_with(format!("reading the DLQ stopped: {e:#}")),
    }
    run.summary.cancelled = cancel.load(Ordering::Relaxed);
    run.drain();
    if let Some(group) = &plan.request.settings.commit_group {
        if run.summary.stopped_early.is_none() && !run.summary.cancelled {
            run.commit(group);
        }
    }
    run.finish()
}

/// Creates (new run) or reopens (resume) the audit file and returns the targets' start offsets.
fn open_audit(
    ctx: &ReplayContext,
    plan: &ReplayPlan,
) -> anyhow::Result<(AuditWriter, TargetStarts)> {
    let by = ctx.who.clone();
    let run = plan.run_id.clone();
    match &plan.resume {
        None => {
            let topics: Vec<String> = plan.per_target.keys().cloned().collect();
            let starts = kr::end_offsets(&ctx.cluster, &topics)?;
            let first = Line::Run {
                run: run.clone(),
                by,
                at: audit::now_text(),
                request: Box::new(plan.request.clone()),
                ranges: plan.ranges.clone(),
                target_starts: starts.clone(),
            };
            Ok((AuditWriter::create(&ctx.audit_dir, &first, &run)?, starts))
        }
        Some(base) => {
            let mut w = AuditWriter::reopen(&ctx.audit_dir, &run)?;
            let at = audit::now_text();
            w.write(&Line::Resume {
                run: run.clone(),
                by: by.clone(),
                at: at.clone(),
            })?;
            for (src, landed) in &base.found {
                w.write(&Line::Record {
                    run: run.clone(),
                    by: by.clone(),
                    at: at.clone(),
                    source: src.to_string(),
                    target: landed.to_string(),
                    result: RecordResult::Found,
                    error: None,
                })?;
            }
            w.sync()?;
            Ok((w, base.target_starts.clone()))
        }
    }
}

/// Sends at most `per_sec` records a second, without bursts of more than a second's worth.
pub struct Pace {
    per_sec: Option<f64>,
    start: Instant,
    count: u64,
}

impl Pace {
    pub fn new(per_sec: Option<f64>, now: Instant) -> Pace {
        Pace {
            per_sec: per_sec.filter(|r| *r > 0.0),
            start: now,
            count: 0,
        }
    }

    pub fn limited(&self) -> bool {
        self.per_sec.is_some()
    }

    /// How long to wait before the next record may go.
    pub fn delay(&self, now: Instant) -> Duration {
        let Some(r) = self.per_sec else {
            return Duration::ZERO;
        };
        let due = self.start + Duration::from_secs_f64(self.count as f64 / r);
        due.saturating_duration_since(now)
    }

    pub fn sent(&mut self, now: Instant) {
        self.count += 1;
        if let Some(r) = self.per_sec {
            let due = self.start + Duration::from_secs_f64(self.count as f64 / r);
            // Fell behind (a full queue, a slow broker): do not catch up in one burst.
            if now > due + Duration::from_secs(1) {
                let back = Duration::from_secs_f64(self.count as f64 / r) + Duration::from_secs(1);
                if let Some(s) = now.checked_sub(back) {
                    self.start = s;
                }
            }
        }
    }
}

enum Sent {
    Queued,
    Refused,
    Cancelled,
}

struct Run<'a> {
    ctx: &'a ReplayContext,
    plan: &'a ReplayPlan,
    producer: SafeProducer,
    audit: AuditWriter,
    starts: TargetStarts,
    builder: ItemBuilder<'a>,
    on_event: &'a mut dyn FnMut(ReplayEvent),
    /// id -> (source, target topic), for records sent and not yet answered.
    pending: HashMap<u64, (Coord, String)>,
    next_id: u64,
    deliveries: Vec<Delivery>,
    summary: ReplaySummary,
    sent: u64,
    started: Instant,
    last_progress: Instant,
    last_poll: Instant,
    at: String,
    pace: Pace,
    /// Per DLQ partition, the first offset that is not done (for the optional group commit).
    gaps: BTreeMap<i32, i64>,
}

impl<'a> Run<'a> {
    fn new(
        ctx: &'a ReplayContext,
        plan: &'a ReplayPlan,
        producer: SafeProducer,
        audit: AuditWriter,
        starts: TargetStarts,
        on_event: &'a mut dyn FnMut(ReplayEvent),
    ) -> Run<'a> {
        let now = Instant::now();
        let mut builder = ItemBuilder::new(&ctx.cluster);
        builder.known = plan.target_partitions.clone();
        builder.key_hash = plan.partitioner.as_ref().and_then(|c| c.hash);
        builder.want_reason = matches!(plan.request.selection, Selection::Reason { .. });
        let summary = ReplaySummary {
            run_id: plan.run_id.clone(),
            dlq: plan.request.dlq.clone(),
            total: plan.total,
            skipped_acked: plan.resume.as_ref().map_or(0, |b| b.acked.len() as u64),
            found_on_target: plan.resume.as_ref().map_or(0, |b| b.found.len() as u64),
            warnings: plan.warnings.clone(),
            ..Default::default()
        };
        Run {
            ctx,
            plan,
            producer,
            audit,
            starts,
            builder,
            on_event,
            pending: HashMap::new(),
            next_id: 0,
            deliveries: Vec::with_capacity(1024),
            summary,
            sent: 0,
            started: now,
            last_progress: now,
            last_poll: now,
            at: audit::now_text(),
            pace: Pace::new(plan.request.rate, now),
            gaps: BTreeMap::new(),
        }
    }

    fn gap(&mut self, partition: i32, offset: i64) {
        let g = self.gaps.entry(partition).or_insert(offset);
        *g = (*g).min(offset);
    }

    fn stop_with(&mut self, why: String) {
        if self.summary.stopped_early.is_none() {
            self.summary.stopped_early = Some(why);
        }
    }

    /// One DLQ record in offset order; false stops the reading.
    fn on_record(&mut self, rec: ReadRecord, cancel: &AtomicBool) -> bool {
        if cancel.load(Ordering::Relaxed) || self.summary.stopped_early.is_some() {
            return false;
        }
        let (p, o) = (rec.partition, rec.offset);
        let stamp = RunStamp {
            run_id: &self.plan.run_id,
            at: &self.at,
            by: &self.ctx.who,
        };
        let item = match self.builder.item(&self.plan.request, rec, &stamp) {
            Ok(Some(item)) => item,
            Ok(None) => {
                self.gap(p, o);
                return true;
            }
            Err(e) => {
                self.stop_with(format!("looking up a target topic: {e:#}"));
                return false;
            }
        };
        if self
            .plan
            .resume
            .as_ref()
            .is_some_and(|b| b.is_done(&item.source))
        {
            return true;
        }
        let topic = match self.check_target(&item) {
            Ok(t) => t,
            Err(why) => {
                self.fail(item.source, item.target.topic.clone(), why);
                return true;
            }
        };
        match self.send(&item, &topic, cancel) {
            Sent::Queued => {}
            Sent::Refused => return true,
            Sent::Cancelled => {
                self.gap(p, o);
                return false;
            }
        }
        self.pending.insert(self.next_id - 1, (item.source, topic));
        // One clock read per record: at 100k records/s the clock shows up in profiles.
        let now = Instant::now();
        if now.duration_since(self.last_poll) >= Duration::from_millis(5)
            || self.pending.len() >= 50_000
        {
            self.serve(Duration::ZERO);
        }
        if now.duration_since(self.last_progress) >= PROGRESS_EVERY {
            self.progress(true);
        }
        true
    }

    /// The target topic, if this record can be sent there.
    fn check_target(&self, item: &PlanItem) -> Result<String, String> {
        let Some(t) = &item.target.topic else {
            return Err(item
                .target
                .note
                .clone()
                .unwrap_or_else(|| "no target".into()));
        };
        if !self.starts.contains_key(t) {
            return Err(format!(
                "target topic {t} was not in the plan (it appeared after the dry run); plan the replay again"
            ));
        }
        Ok(t.clone())
    }

    /// Waits for the pace, queues the record (waiting while the local queue is full).
    fn send(&mut self, item: &PlanItem, topic: &str, cancel: &AtomicBool) -> Sent {
        while self.pace.limited() {
            let wait = self.pace.delay(Instant::now());
            if wait.is_zero() {
                break;
            }
            self.serve(wait.min(Duration::from_millis(20)));
            self.progress(false);
            if cancel.load(Ordering::Relaxed) {
                return Sent::Cancelled;
            }
        }
        let out = Outgoing {
            topic,
            partition: item.target.partition,
            key: item.key.as_deref(),
            value: item.value.as_deref(),
            headers: &item.headers,
        };
        loop {
            match self.producer.send(&out, self.next_id) {
                Ok(true) => break,
                Ok(false) => {
                    self.serve(Duration::from_millis(10));
                    self.progress(false);
                    if cancel.load(Ordering::Relaxed) {
                        return Sent::Cancelled;
                    }
                }
                Err(e) => {
                    // Refused locally (too large, bad partition): this record failed, the
                    // others may go.
                    self.fail(item.source.clone(), Some(topic.to_string()), e);
                    return Sent::Refused;
                }
            }
        }
        self.next_id += 1;
        self.sent += 1;
        if self.pace.limited() {
            self.pace.sent(Instant::now());
        }
        Sent::Queued
    }

    /// Serves delivery reports, waiting up to `wait` for one.
    fn serve(&mut self, wait: Duration) {
        self.last_poll = Instant::now();
        let mut got = std::mem::take(&mut self.deliveries);
        self.producer.poll(wait, &mut got);
        if got.is_empty() {
            self.deliveries = got;
            return;
        }
        for (id, res) in got.drain(..) {
            let Some((src, topic)) = self.pending.remove(&id) else {
                continue;
            };
            match res {
                Ok((p, o)) => self.acked(src, topic, p, o),
                Err(e) => self.fail(src, Some(topic), e),
            }
        }
        self.deliveries = got;
        if let Err(e) = self.audit.flush() {
            self.stop_with(format!("{e:#}"));
        }
    }

    fn acked(&mut self, src: Coord, topic: String, p: i32, o: i64) {
        let line = RecordLine {
            kind: "record",
            run: &self.plan.run_id,
            by: &self.ctx.who,
            at: &self.at,
            source: &src.to_string(),
            target: &format!("{topic}/{p}@{o}"),
            result: RecordResult::Acked,
            error: None,
        };
        if let Err(e) = self.audit.write_record(&line) {
            self.stop_with(format!("{e:#}"));
        }
        self.summary.acked += 1;
        self.summary.per_target.entry(topic).or_default().acked += 1;
    }

    fn fail(&mut self, src: Coord, topic: Option<String>, error: String) {
        self.gap(src.partition, src.offset);
        let line = Line::Record {
            run: self.plan.run_id.clone(),
            by: self.ctx.who.clone(),
            at: self.at.clone(),
            source: src.to_string(),
            target: topic.clone().unwrap_or_default(),
            result: RecordResult::Failed,
            error: Some(error.clone()),
        };
        if let Err(e) = self.audit.write(&line) {
            self.stop_with(format!("{e:#}"));
        }
        self.summary.failed += 1;
        if let Some(t) = &topic {
            self.summary.per_target.entry(t.clone()).or_default().failed += 1;
        }
        let f = Failure {
            source: src,
            target: topic,
            error,
        };
        (self.on_event)(ReplayEvent::Failed(f.clone()));
        if self.summary.failures.len() < FAILURES_MAX {
            self.summary.failures.push(f);
        }
        if let Some(fatal) = self.producer.fatal() {
            self.stop_with(format!("the producer cannot go on: {fatal}"));
        } else if self.plan.request.stop_on_error {
            self.stop_with("stopped at the first failure, as asked".into());
        }
    }

    fn progress(&mut self, force: bool) {
        if !force && self.last_progress.elapsed() < PROGRESS_EVERY {
            return;
        }
        self.last_progress = Instant::now();
        self.at = audit::now_text();
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = self.summary.acked as f64 / secs;
        let left = self
            .plan
            .total
            .saturating_sub(self.summary.acked + self.summary.failed);
        let p = ReplayProgress {
            run_id: self.plan.run_id.clone(),
            total: self.plan.total,
            sent: self.sent,
            acked: self.summary.acked,
            failed: self.summary.failed,
            skipped: self.summary.skipped_acked + self.summary.found_on_target,
            rate,
            eta_secs: (rate > 0.0).then(|| left as f64 / rate),
        };
        (self.on_event)(ReplayEvent::Progress(p));
    }

    /// Waits for the answers to everything sent, up to the delivery timeout and a margin.
    fn drain(&mut self) {
        let limit = Duration::from_millis(self.plan.request.settings.delivery_timeout_ms)
            + Duration::from_secs(5);
        let deadline = Instant::now() + limit;
        while !self.pending.is_empty() && Instant::now() < deadline {
            self.serve(Duration::from_millis(50));
            self.progress(false);
        }
        let mut left: Vec<(Coord, String)> = self.pending.drain().map(|(_, v)| v).collect();
        left.sort();
        for (src, topic) in left {
            self.fail(
                src,
                Some(topic),
                "no acknowledgement came before kdeck stopped waiting".into(),
            );
        }
    }

    /// Moves the DLQ group forward past what was replayed (never back, never past a record
    /// that was not selected or not done, never when records before the range were skipped).
    fn commit(&mut self, group: &str) {
        let dlq = &self.plan.request.dlq;
        let parts: Vec<i32> = self.plan.ranges.iter().map(|r| r.partition).collect();
        let current = match kr::committed(&self.ctx.cluster, group, dlq, &parts) {
            Ok(c) => c,
            Err(e) => {
                self.summary
                    .warnings
                    .push(format!("group {group} not committed: {e:#}"));
                return;
            }
        };
        let mut moves = Vec::new();
        for r in &self.plan.ranges {
            let new = self
                .gaps
                .get(&r.partition)
                .copied()
                .unwrap_or(r.to)
                .min(r.to);
            match current.get(&r.partition).copied().flatten() {
                Some(c) if c >= r.from && new > c => moves.push((r.partition, new)),
                Some(c) if c < r.from => self.summary.warnings.push(format!(
                    "group {group} not moved on {dlq}/{}: it is at {c}, before the replayed records (from {})",
                    r.partition, r.from
                )),
                None => self.summary.warnings.push(format!(
                    "group {group} not moved on {dlq}/{}: it has no committed offset there",
                    r.partition
                )),
                _ => {}
            }
        }
        if moves.is_empty() {
            return;
        }
        match kr::commit(&self.ctx.cluster, group, dlq, &moves) {
            Ok(()) => self.summary.committed = moves,
            Err(e) => self
                .summary
                .warnings
                .push(format!("group {group} not committed: {e:#}")),
        }
    }

    fn finish(mut self) -> anyhow::Result<ReplaySummary> {
        self.progress(true);
        let secs = self.started.elapsed().as_secs_f64();
        self.summary.elapsed_ms = (secs * 1000.0) as u64;
        self.summary.rate = self.summary.acked as f64 / secs.max(1e-3);
        self.audit.write(&Line::End {
            run: self.plan.run_id.clone(),
            at: audit::now_text(),
            acked: self.summary.acked,
            failed: self.summary.failed,
            cancelled: self.summary.cancelled,
        })?;
        self.audit.sync()?;
        Ok(self.summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_spaces_records() {
        let t0 = Instant::now();
        let mut p = Pace::new(Some(100.0), t0);
        assert_eq!(p.delay(t0), Duration::ZERO);
        p.sent(t0);
        let d = p.delay(t0);
        assert!(
            d > Duration::from_millis(9) && d <= Duration::from_millis(10),
            "{d:?}"
        );
        assert_eq!(p.delay(t0 + Duration::from_millis(10)), Duration::ZERO);
        let unlimited = Pace::new(None, t0);
        assert_eq!(unlimited.delay(t0), Duration::ZERO);
    }

    #[test]
    fn pace_does_not_burst_after_a_stall() {
        let t0 = Instant::now();
        let mut p = Pace::new(Some(10.0), t0);
        p.sent(t0);
        let late = t0 + Duration::from_secs(60);
        p.sent(late);
        // At most a second's worth (10 records, and the one due now) may go at once.
        let mut n = 0;
        while p.delay(late).is_zero() && n < 100 {
            p.sent(late);
            n += 1;
        }
        assert!(n <= 11, "{n} records in a burst");
    }
}
