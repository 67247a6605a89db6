//! Stuck jobs: a job that was requested, or said it was in progress, and then neither
//! completed nor failed within `stuck_after`. Fed with decoded records (their job ids from
//! `domain::job::Identity`, where they came from, their status); pure, no clock of its own:
//! the caller passes `now`.
//!
//! The clock of a job restarts with each of its records that is not an end (a new progress
//! update means it is moving), so "stuck" is "silent for `stuck_after` since its last request
//! or status". Records of one job may name it differently (the portal's request_id on the
//! request, original_request_id and change_number on its statuses): records sharing any id
//! are one job. Memory is bounded: at most `cap` open jobs (past that the least recently
//! touched job that is not stuck is dropped, and counted; stuck ones only when all are), at most `MAX_IDS` ids each, and a bounded memory of ended
//! jobs so a late status of a finished job does not reopen it.

use super::{Identity, View, MAX_IDS};
use crate::codec::decode::json::Obj;
pub use crate::domain::job::{Source, StuckJob, StuckReport};
use crate::domain::{Record, StatusClass};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::BuildHasher;

/// One record, as the tracker needs it.
#[derive(Clone, Copy, Debug)]
pub struct Seen<'a> {
    pub ids: &'a [&'a str],
    pub source: Source,
    pub status: Option<&'a str>,
    pub class: StatusClass,
    /// The record's time (its timestamp, else when it arrived), ms since the epoch.
    pub at_ms: i64,
}

#[derive(Clone, Debug)]
struct Open {
    /// The job's ids as text (for the list and the timeline's search) and by hash (the
    /// index's keys), in the order they were seen; at most `MAX_IDS`.
    ids: Vec<Box<str>>,
    hashes: Vec<u64>,
    opened_ms: i64,
    last_ms: i64,
    last_status: Box<str>,
    touch: u64,
}

type Fast<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Every record passes here on the reader's thread (tens of thousands a second), so ids are
/// handled by a 64-bit hash: one hash per id per record, no copy of an id unless it joins an
/// open job, and the least recently touched job is found through a queue of touches rather
/// than a sorted map updated on every record. Two different ids with one hash would make
/// two jobs one (or keep a late status from reopening a job): at 64 bits, not in practice.
#[derive(Clone, Debug)]
pub struct StuckTracker {
    after_ms: i64,
    cap: usize,
    jobs: Fast<u64, Open>,
    /// id hash -> job; holds exactly the ids of open jobs.
    index: Fast<u64, u64>,
    /// (touch, job) in touch order; an entry whose touch is no longer its job's is stale and
    /// skipped (compacted when stale entries outnumber the jobs).
    touches: VecDeque<(u64, u64)>,
    /// Stuck jobs met at the front of `touches` while evicting: kept out of its way, and
    /// evicted from here (oldest first) only when every open job is stuck.
    parked: VecDeque<(u64, u64)>,
    /// The latest record time seen: the tracker's "now" when it decides what is stuck.
    latest_ms: i64,
    ended: HashSet<u64, foldhash::fast::RandomState>,
    ended_order: VecDeque<u64>,
    hasher: foldhash::quality::RandomState,
    next: u64,
    evicted: u64,
}

impl StuckTracker {
    /// `after_ms`: silence that makes a job stuck; `cap`: open jobs tracked at most.
    pub fn new(after_ms: i64, cap: usize) -> StuckTracker {
        StuckTracker {
            after_ms: after_ms.max(1),
            cap: cap.max(1),
            jobs: Fast::default(),
            index: Fast::default(),
            touches: VecDeque::new(),
            parked: VecDeque::new(),
            latest_ms: i64::MIN,
            ended: HashSet::default(),
            ended_order: VecDeque::new(),
            hasher: foldhash::quality::RandomState::default(),
            next: 0,
            evicted: 0,
        }
    }

    /// Feeds a decoded record: its ids by `identity`, its status. `arrived_ms` stands in for
    /// a record without a timestamp. (Not the decoder's job id: it falls back to the key,
    /// which many jobs may share.)
    pub fn observe_record(
        &mut self,
        identity: &Identity,
        r: &Record,
        source: Source,
        arrived_ms: i64,
    ) {
        let ids = identity.ids_of_record(r);
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.observe(&Seen {
            ids: &ids,
            source,
            status: r.decoded.status.as_deref(),
            class: r.decoded.status_class,
            at_ms: r.timestamp_ms.unwrap_or(arrived_ms),
        });
    }

    pub fn observe(&mut self, s: &Seen<'_>) {
        if s.ids.is_empty() {
            return;
        }
        self.latest_ms = self.latest_ms.max(s.at_ms);
        let mut hashes = [0u64; MAX_IDS];
        let n = s.ids.len().min(MAX_IDS);
        for (h, id) in hashes.iter_mut().zip(s.ids) {
            *h = self.hasher.hash_one(id);
        }
        let hashes = &hashes[..n];
        let mut found = [0u64; MAX_IDS];
        let mut nfound = 0;
        for h in hashes {
            if let Some(&j) = self.index.get(h) {
                if !found[..nfound].contains(&j) {
                    found[nfound] = j;
                    nfound += 1;
                }
            }
        }
        let ends = matches!(s.source, Source::Completion | Source::Dlq)
            || matches!(s.class, StatusClass::Ok | StatusClass::Failed);
        if ends {
            for &j in &found[..nfound] {
                self.close(j);
            }
            for &h in hashes {
                self.remember_ended(h);
            }
            return;
        }
        if nfound == 0 && hashes.iter().any(|h| self.ended.contains(h)) {
            // A late request or status of a job that already ended. (A record naming an
            // open job is that job's, whatever else it names: no need to look.)
            return;
        }
        let opens = s.source == Source::Request
            || matches!(s.class, StatusClass::Pending | StatusClass::Progress);
        let job = match found[..nfound].split_first() {
            Some((first, rest)) => {
                for other in rest {
                    self.merge(*first, *other);
                }
                *first
            }
            None if opens => self.open(s.at_ms),
            None => return,
        };
        self.update(job, s, hashes);
        self.evict_over_cap();
    }

    fn open(&mut self, at_ms: i64) -> u64 {
        let j = self.next;
        self.next += 1;
        let open = Open {
            ids: Vec::new(),
            hashes: Vec::new(),
            opened_ms: at_ms,
            last_ms: at_ms,
            last_status: "".into(),
            touch: 0,
        };
        self.jobs.insert(j, open);
        j
    }

    fn update(&mut self, j: u64, s: &Seen<'_>, hashes: &[u64]) {
        let touch = self.next;
        self.next += 1;
        let Some(job) = self.jobs.get_mut(&j) else {
            return;
        };
        for (id, &h) in s.ids.iter().zip(hashes) {
            if job.ids.len() < MAX_IDS && !job.hashes.contains(&h) {
                job.ids.push((*id).into());
                job.hashes.push(h);
                self.index.insert(h, j);
            }
        }
        job.opened_ms = job.opened_ms.min(s.at_ms);
        // Read out of order (topics are read side by side), a request stamped in the same
        // millisecond as its first status does not hide that status.
        let newer =
            s.at_ms > job.last_ms || (s.at_ms == job.last_ms && s.source != Source::Request);
        if newer || job.last_status.is_empty() {
            job.last_ms = job.last_ms.max(s.at_ms);
            let status = match (s.status, s.source) {
                (Some(st), _) => st,
                (None, Source::Request) => "requested",
                (None, _) => "unknown",
            };
            if *job.last_status != *status {
                job.last_status = status.into();
            }
        }
        job.touch = touch;
        self.touches.push_back((touch, j));
    }

    /// While more than `cap` are open, drops the least recently touched job that is not stuck:
    /// a stuck job is what the tracking is for, and the least recently touched job is the one
    /// most likely to be stuck. Stuck ones go only when every open job is stuck.
    fn evict_over_cap(&mut self) {
        while self.jobs.len() > self.cap {
            let (touch, j, from_parked) = match self.touches.pop_front() {
                Some((t, j)) => (t, j, false),
                None => match self.parked.pop_front() {
                    Some((t, j)) => (t, j, true),
                    None => break,
                },
            };
            let Some(job) = self.jobs.get(&j).filter(|o| o.touch == touch) else {
                continue;
            };
            if !from_parked && self.latest_ms - job.last_ms >= self.after_ms {
                self.parked.push_back((touch, j));
                continue;
            }
            self.drop_job(j);
            self.evicted += 1;
        }
        let jobs = &self.jobs;
        let live = |(t, j): &(u64, u64)| jobs.get(j).is_some_and(|o| o.touch == *t);
        if self.touches.len() > 2 * jobs.len() + 1024 {
            self.touches.retain(live);
        }
        if self.parked.len() > 2 * jobs.len() + 1024 {
            self.parked.retain(live);
        }
    }

    /// Moves `other`'s ids into `into`: two records showed they are one job.
    fn merge(&mut self, into: u64, other: u64) {
        let Some(o) = self.drop_job(other) else {
            return;
        };
        let Some(job) = self.jobs.get_mut(&into) else {
            return;
        };
        for (id, h) in o.ids.into_iter().zip(o.hashes) {
            if job.ids.len() < MAX_IDS && !job.hashes.contains(&h) {
                job.ids.push(id);
                job.hashes.push(h);
                self.index.insert(h, into);
            }
        }
        job.opened_ms = job.opened_ms.min(o.opened_ms);
        if o.last_ms > job.last_ms {
            job.last_ms = o.last_ms;
            job.last_status = o.last_status;
        }
    }

    fn drop_job(&mut self, j: u64) -> Option<Open> {
        let job = self.jobs.remove(&j)?;
        for h in &job.hashes {
            if self.index.get(h) == Some(&j) {
                self.index.remove(h);
            }
        }
        Some(job)
    }

    fn close(&mut self, j: u64) {
        if let Some(job) = self.drop_job(j) {
            for &h in &job.hashes {
                self.remember_ended(h);
            }
        }
    }

    fn remember_ended(&mut self, h: u64) {
        if self.ended.insert(h) {
            self.ended_order.push_back(h);
        }
        while self.ended_order.len() > self.cap.saturating_mul(4) {
            if let Some(old) = self.ended_order.pop_front() {
                self.ended.remove(&old);
            }
        }
    }

    /// The stuck jobs at `now_ms`, the longest silent first.
    pub fn stuck(&self, now_ms: i64) -> Vec<StuckJob> {
        let mut out: Vec<StuckJob> = self
            .jobs
            .values()
            .filter(|j| now_ms - j.last_ms >= self.after_ms)
            .map(|j| listed(j, now_ms))
            .collect();
        out.sort_by(|a, b| (a.last_ms, a.opened_ms, &a.id).cmp(&(b.last_ms, b.opened_ms, &b.id)));
        out
    }

    /// How many are stuck at `now_ms` (the health line's count).
    pub fn stuck_count(&self, now_ms: i64) -> usize {
        self.jobs
            .values()
            .filter(|j| now_ms - j.last_ms >= self.after_ms)
            .count()
    }

    /// Jobs being tracked (requested or in progress, not ended).
    pub fn open_count(&self) -> usize {
        self.jobs.len()
    }

    /// Open jobs dropped because more than `cap` were open: the list may miss that many.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }
}

fn listed(j: &Open, now_ms: i64) -> StuckJob {
    StuckJob {
        id: j.ids.first().map(|s| s.to_string()).unwrap_or_default(),
        ids: j.ids.iter().map(|s| s.to_string()).collect(),
        opened_ms: j.opened_ms,
        last_ms: j.last_ms,
        last_status: j.last_status.to_string(),
        silent_ms: now_ms - j.last_ms,
    }
}

/// Stuck jobs a report lists at most: the view scrolls, it is no store.
pub const MAX_LISTED: usize = 500;

impl StuckTracker {
    pub fn report(&self, now_ms: i64) -> StuckReport {
        // Sent every second: only the listed jobs are copied, not every stuck one.
        let mut silent: Vec<&Open> = self
            .jobs
            .values()
            .filter(|j| now_ms - j.last_ms >= self.after_ms)
            .collect();
        let stuck = silent.len();
        let order = |a: &&Open, b: &&Open| {
            (a.last_ms, a.opened_ms, a.ids.first()).cmp(&(b.last_ms, b.opened_ms, b.ids.first()))
        };
        if silent.len() > MAX_LISTED {
            silent.select_nth_unstable_by(MAX_LISTED, order);
            silent.truncate(MAX_LISTED);
        }
        silent.sort_by(order);
        let jobs = silent.into_iter().map(|j| listed(j, now_ms)).collect();
        StuckReport {
            jobs,
            stuck,
            open: self.open_count(),
            evicted: self.evicted,
            after_ms: self.after_ms,
        }
    }
}

/// One record into the tracker: its ids, its status word (one parse of the value).
pub fn observe(
    tracker: &mut StuckTracker,
    identity: &Identity,
    (key, headers, value): (Option<&[u8]>, &[crate::domain::Header], Option<&[u8]>),
    source: Source,
    at_ms: i64,
) {
    let parsed = value.and_then(Obj::parse);
    observe_value(
        tracker,
        identity,
        (key, headers, parsed.as_ref()),
        None,
        (source, at_ms),
    );
}

pub fn observe_value(
    tracker: &mut StuckTracker,
    identity: &Identity,
    (key, headers, parsed): (Option<&[u8]>, &[crate::domain::Header], Option<&Obj<'_>>),
    status: Option<Option<&str>>,
    (source, at_ms): (Source, i64),
) {
    let ids = identity.ids_borrowed(&View {
        key,
        headers,
        value: if identity.reads_value() { parsed } else { None },
    });
    if ids.is_empty() {
        return;
    }
    let mut refs = [""; crate::engine::job::MAX_IDS];
    for (r, id) in refs.iter_mut().zip(&ids) {
        *r = id;
    }
    let status = match status {
        Some(known) => known.map(Cow::Borrowed),
        None => parsed.and_then(crate::codec::decode::status_word),
    };
    let class = status
        .as_deref()
        .map_or(StatusClass::Unknown, StatusClass::from_word);
    tracker.observe(&Seen {
        ids: &refs[..ids.len()],
        source,
        status: status.as_deref(),
        class,
        at_ms,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clock::{Clock, FixedClock};

    const MIN: i64 = 60_000;

    fn see(t: &mut StuckTracker, ids: &[&str], source: Source, status: Option<&str>, at: i64) {
        let class = status.map_or(StatusClass::Unknown, StatusClass::from_word);
        t.observe(&Seen {
            ids,
            source,
            status,
            class,
            at_ms: at,
        });
    }

    #[test]
    fn a_request_without_completion_is_stuck_after_the_configured_time_and_leaves_on_completion() {
        let start = 1_700_000_000_000;
        let mut t = StuckTracker::new(5 * MIN, 100);
        see(&mut t, &["job-1"], Source::Request, None, start);
        assert!(t.stuck(FixedClock(start + 5 * MIN - 1).now_ms()).is_empty());
        let now = FixedClock(start + 5 * MIN).now_ms();
        let s = t.stuck(now);
        assert_eq!(s.len(), 1);
        assert_eq!(
            (s[0].id.as_str(), s[0].last_status.as_str()),
            ("job-1", "requested")
        );
        assert_eq!(s[0].silent_ms, 5 * MIN);
        see(
            &mut t,
            &["job-1"],
            Source::Completion,
            Some("completed"),
            now + 1,
        );
        assert!(t.stuck(now + 10 * MIN).is_empty());
        assert_eq!(t.open_count(), 0);
    }

    #[test]
    fn progress_restarts_the_clock_and_stuck_jobs_come_oldest_first_with_their_last_status() {
        let mut t = StuckTracker::new(5 * MIN, 100);
        see(&mut t, &["a"], Source::Request, None, 0);
        see(&mut t, &["b"], Source::Status, Some("in_progress"), MIN);
        see(&mut t, &["a"], Source::Status, Some("in_progress"), 2 * MIN);
        see(&mut t, &["c"], Source::Status, Some("in_progress"), 3 * MIN);
        let s = t.stuck(FixedClock(7 * MIN).now_ms());
        let order: Vec<(&str, &str)> = s
            .iter()
            .map(|j| (j.id.as_str(), j.last_status.as_str()))
            .collect();
        assert_eq!(order, vec![("b", "in_progress"), ("a", "in_progress")]);
        assert_eq!(t.stuck_count(7 * MIN), 2);
        assert_eq!(s[1].opened_ms, 0, "a was opened by its request");
    }

    #[test]
    fn records_naming_a_job_differently_are_one_job_and_a_failure_ends_it() {
        // The FRANC portal: the request has request_id, the statuses original_request_id and
        // change_number.
        let mut t = StuckTracker::new(MIN, 100);
        see(
            &mut t,
            &["CHG-1", "device_conn_CHG-1"],
            Source::Request,
            None,
            0,
        );
        see(
            &mut t,
            &["CHG-1", "status_update_CHG-1", "device_conn_CHG-1"],
            Source::Status,
            Some("in_progress"),
            10,
        );
        assert_eq!(t.open_count(), 1);
        see(
            &mut t,
            &["status_x", "device_conn_CHG-1"],
            Source::Status,
            Some("failed"),
            20,
        );
        assert_eq!(t.open_count(), 0);
        // A late status of the failed job does not bring it back.
        see(&mut t, &["CHG-1"], Source::Status, Some("in_progress"), 15);
        assert_eq!(t.open_count(), 0);
        assert!(t.stuck(10 * MIN).is_empty());
    }

    #[test]
    fn a_request_read_after_its_status_of_the_same_millisecond_keeps_the_status() {
        let mut t = StuckTracker::new(MIN, 100);
        see(&mut t, &["j"], Source::Status, Some("in_progress"), 5);
        see(&mut t, &["j"], Source::Request, None, 5);
        assert_eq!(t.stuck(2 * MIN)[0].last_status, "in_progress");
        see(&mut t, &["k"], Source::Request, None, 5);
        see(&mut t, &["k"], Source::Status, Some("queued"), 5);
        assert_eq!(t.stuck(2 * MIN)[1].last_status, "queued");
    }

    #[test]
    fn a_dead_letter_ends_a_job_and_unrelated_records_open_nothing() {
        let mut t = StuckTracker::new(MIN, 100);
        see(&mut t, &["j"], Source::Request, None, 0);
        see(&mut t, &["other"], Source::Status, Some("weird"), 0);
        see(
            &mut t,
            &["other2"],
            Source::Completion,
            Some("completed"),
            0,
        );
        assert_eq!(t.open_count(), 1);
        see(&mut t, &["j"], Source::Dlq, Some("dlq"), 5);
        assert_eq!(t.open_count(), 0);
        see(&mut t, &[], Source::Request, None, 0);
        assert_eq!(t.open_count(), 0);
    }

    #[test]
    fn tracking_is_bounded_and_drops_the_least_recently_touched_job() {
        let mut t = StuckTracker::new(MIN, 3);
        for (i, id) in ["a", "b", "c"].iter().enumerate() {
            see(&mut t, &[id], Source::Request, None, i as i64);
        }
        see(&mut t, &["a"], Source::Status, Some("running"), 10);
        see(&mut t, &["d"], Source::Request, None, 11);
        assert_eq!(t.open_count(), 3);
        assert_eq!(t.evicted(), 1);
        let left: Vec<String> = t.stuck(10 * MIN).into_iter().map(|j| j.id).collect();
        assert_eq!(
            left,
            vec!["c", "a", "d"],
            "b was the least recently touched"
        );
        for i in 0..10_000 {
            see(&mut t, &[&format!("x{i}")], Source::Request, None, i);
            see(&mut t, &[&format!("y{i}")], Source::Completion, None, i);
        }
        assert_eq!(t.open_count(), 3);
        assert!(t.index.len() <= 3 * MAX_IDS && t.ended.len() <= 12);
        assert!(
            t.touches.len() <= 2 * 3 + 1024,
            "stale touches are compacted"
        );
        assert!(t.parked.len() <= 2 * 3 + 1024);
    }

    #[test]
    fn a_full_table_keeps_its_stuck_jobs_and_drops_the_others_first() {
        let mut t = StuckTracker::new(MIN, 3);
        see(&mut t, &["old-1"], Source::Request, None, 0);
        see(&mut t, &["old-2"], Source::Request, None, 1);
        // Two minutes later the old ones are stuck; new jobs keep coming.
        for i in 0..20 {
            let id = format!("new-{i}");
            see(&mut t, &[&id], Source::Request, None, 2 * MIN + i);
        }
        assert_eq!(t.open_count(), 3);
        let stuck: Vec<String> = t.stuck(3 * MIN).into_iter().map(|j| j.id).collect();
        assert!(
            stuck.contains(&"old-1".into()) && stuck.contains(&"old-2".into()),
            "the stuck jobs stay listed: {stuck:?}"
        );
        assert_eq!(t.evicted(), 19);
        // A stuck job that speaks again is an ordinary job, evicted in its turn.
        see(
            &mut t,
            &["old-1"],
            Source::Status,
            Some("running"),
            2 * MIN + 30,
        );
        see(&mut t, &["newer"], Source::Request, None, 2 * MIN + 31);
        see(&mut t, &["newest"], Source::Request, None, 2 * MIN + 32);
        let open: Vec<String> = t.stuck(10 * MIN).into_iter().map(|j| j.id).collect();
        assert!(open.contains(&"old-2".into()), "{open:?}");
        assert!(!open.contains(&"old-1".into()), "{open:?}");
        // When every open job is stuck, the oldest goes.
        let mut all = StuckTracker::new(MIN, 2);
        see(&mut all, &["a"], Source::Request, None, 0);
        see(&mut all, &["b"], Source::Request, None, 1);
        see(&mut all, &["x"], Source::Completion, None, 2 * MIN);
        // A request read late, stamped long ago: stuck as soon as it is seen.
        see(&mut all, &["c"], Source::Request, None, 5);
        assert_eq!(all.open_count(), 2);
        assert_eq!(all.evicted(), 1);
        let left: Vec<String> = all.stuck(3 * MIN).into_iter().map(|j| j.id).collect();
        assert_eq!(left, vec!["b", "c"]);
    }
}
