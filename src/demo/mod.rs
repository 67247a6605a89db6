//! The simulated pipeline behind the demo: jobs requested, progressing, completing or failing
//! into a DLQ, each record in the shape of one of the services' contracts (export service, pipeline
//! executor, FRANC portal, infinite scheduler, task manager). Pure: it returns
//! records to write and never touches Kafka, so it is tested without a broker.
//!
//! This file is the simulator's core: the jobs it starts and when each writes what. The records
//! themselves are in a file named for the service that writes them: `scheduler`, `portal`,
//! `task_manager`, `export_service` and `go_package` (its DLQ), with the dead-letter writers'
//! dialects in `dead_letters`; requests from outside are picked up in `pickup`.

mod dead_letters;
mod export_service;
mod go_package;
pub mod java_status;
mod pickup;
mod portal;
mod scheduler;
mod task_manager;
#[cfg(test)]
mod tests;

use crate::domain::OutRecord;
use export_service::export_completion;
use go_package::{dlq_record, std_headers};
use portal::{portal_completion, portal_status};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use task_manager::{task_status, trace_of};

pub struct SimEvent {
    pub record: OutRecord,
    /// Set when the record is a job's request: its delivery position becomes the DLQ origin.
    pub request_of: Option<u64>,
}

/// Set on the simulator's own job requests, so that it never picks them up a second time.
pub const SIM_HEADER: &str = "kdeck-demo-sim";

/// A record read from a request topic, for [`Pipeline::pick_up`].
pub struct Incoming<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: &'a [crate::domain::Header],
}

impl Incoming<'_> {
    fn header(&self, name: &str) -> Option<&crate::domain::Header> {
        self.headers.iter().find(|h| h.key == name)
    }

    /// A request the simulator did not write itself (a user published it), or one replayed
    /// from a DLQ (the replay keeps the request's headers, the simulator's mark included).
    pub fn is_foreign(&self) -> bool {
        self.header(crate::engine::replay::headers::RUN).is_some()
            || self.header(SIM_HEADER).is_none()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Flavor {
    /// Scheduler request, task-manager task-status, export completion, Go-package DLQ.
    Export,
    /// FRANC portal: request, status with progress %, completion.
    Portal,
    /// Task manager: web-crawl request, task-status new/completed/error, DLQ.
    Crawl,
    /// Infinite scheduler: a malformed request that ends in the scheduler's DLQ.
    Poison,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Progress(u8),
    Finish,
    Dlq,
}

struct Job {
    flavor: Flavor,
    key: String,
    job_id: String,
    org: String,
    request: Vec<u8>,
    request_topic: &'static str,
    request_pos: Option<(i32, i64)>,
    error: Option<&'static str>,
    received_at: String,
    started_ms: i64,
    /// One trace per job, as a tracer propagates it from the request (its spans differ).
    trace: String,
}

pub struct Pipeline {
    rng: u64,
    period_ms: f64,
    next_job_at: f64,
    seq: u64,
    jobs: HashMap<u64, Job>,
    queue: BinaryHeap<Reverse<(i64, u64, u64, Step)>>,
    /// When the last job the simulator started hung (see `STUCK_PERIOD_MS`).
    last_hang_ms: i64,
}

/// One job the simulator starts in this period (whatever the pace) hangs after its first
/// progress update and only completes `STUCK_FOR_MS` later: with the demo's 20 s
/// `stuck_after`, the stuck-jobs view always has two or three, and shows them leave when their
/// completion arrives.
pub const STUCK_PERIOD_MS: i64 = 12_000;
pub const STUCK_FOR_MS: i64 = 50_000;
/// The demo's `jobs.stuck_after`: short, so a user sees jobs get stuck.
pub const DEMO_STUCK_AFTER_MS: i64 = 20_000;

const ERRORS: &[&str] = &[
    "connection refused: export-service:8443",
    "timeout after 30s waiting for storage",
    "invalid message: schema mismatch (missing field org_id)",
    "S3 upload failed: AccessDenied",
    "deadline exceeded calling crawler-worker",
];

impl Pipeline {
    pub fn new(seed: u64, jobs_per_sec: f64) -> Pipeline {
        Pipeline {
            rng: seed | 1,
            period_ms: 1000.0 / jobs_per_sec.clamp(0.01, 100_000.0),
            next_job_at: 0.0,
            seq: 0,
            jobs: HashMap::new(),
            queue: BinaryHeap::new(),
            // The first hangs about a second in.
            last_hang_ms: 1000 - STUCK_PERIOD_MS,
        }
    }

    /// Jobs started and not yet finished: bounded by the rate times a job's lifetime.
    pub fn jobs_in_flight(&self) -> usize {
        self.jobs.len()
    }

    fn rand(&mut self) -> u64 {
        // xorshift64*: deterministic, so a seeded demo replays the same story.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[(self.rand() % items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.rand() % 100 < percent
    }

    fn uuid(&mut self) -> String {
        let a = self.rand();
        let b = self.rand();
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }

    pub fn request_delivered(&mut self, job: u64, partition: i32, offset: i64) {
        if let Some(j) = self.jobs.get_mut(&job) {
            j.request_pos = Some((partition, offset));
        }
    }

    /// Everything due by `elapsed_ms` since start; `now_ms` stamps the payloads.
    pub fn step(&mut self, elapsed_ms: i64, now_ms: i64) -> Vec<SimEvent> {
        let mut out = Vec::new();
        while self.next_job_at <= elapsed_ms as f64 {
            let at = self.next_job_at as i64;
            self.next_job_at += self.period_ms;
            out.push(self.start_job(at, now_ms));
        }
        while let Some(Reverse((due, _, job, step))) = self.queue.peek().copied() {
            if due > elapsed_ms {
                break;
            }
            self.queue.pop();
            if let Some(ev) = self.emit(job, step, now_ms) {
                out.push(ev);
            }
        }
        out
    }

    fn schedule(&mut self, at: i64, job: u64, step: Step) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, job, step)));
    }

    /// A new job: its request record now, its progress, finish and dead letter scheduled.
    /// (The order of the random draws is the demo's story: keep it when editing.)
    fn start_job(&mut self, at: i64, now_ms: i64) -> SimEvent {
        let id = self.seq;
        let flavor = self.pick_flavor();
        let now = iso(now_ms);
        let org = format!("org-customer-{:03}", self.rand() % 40 + 1);
        let error = self.pick_error(flavor);
        let (key, job_id, topic, value) = match flavor {
            Flavor::Export | Flavor::Poison => self.scheduler_request(flavor, &org, &now),
            Flavor::Portal => self.portal_request(&now),
            Flavor::Crawl => self.crawl_request(&now),
        };
        let request = serde_json::to_vec(&value).unwrap_or_default();
        let mut headers = match flavor {
            Flavor::Crawl | Flavor::Portal => vec![],
            _ => std_headers(
                &self.uuid(),
                "job.ingest.requested",
                &job_id,
                0,
                "job-portal",
                &now,
            ),
        };
        headers.push((SIM_HEADER.to_string(), b"1".to_vec()));
        let record = OutRecord {
            topic: topic.into(),
            key: Some(key.clone().into_bytes()),
            value: Some(request.clone()),
            headers,
            ..Default::default()
        };
        let stuck = at - self.last_hang_ms >= STUCK_PERIOD_MS && flavor != Flavor::Poison;
        if stuck {
            self.last_hang_ms = at;
        }
        // A stuck job completes in the end: it has no error, so nothing waits for a dead letter.
        let error = error.filter(|_| !stuck);
        if stuck {
            self.schedule_stuck(at, id);
        } else {
            self.schedule_steps(at, id, flavor, error.is_some());
        }
        let trace = trace_of(&request, &job_id);
        self.jobs.insert(
            id,
            Job {
                flavor,
                key,
                job_id,
                org,
                request,
                request_topic: topic,
                request_pos: None,
                error,
                received_at: now,
                started_ms: now_ms,
                trace,
            },
        );
        self.seq += 1;
        SimEvent {
            record,
            request_of: Some(id),
        }
    }

    fn pick_flavor(&mut self) -> Flavor {
        match self.rand() % 100 {
            0..=44 => Flavor::Export,
            45..=74 => Flavor::Portal,
            75..=95 => Flavor::Crawl,
            _ => Flavor::Poison,
        }
    }

    fn pick_error(&mut self, flavor: Flavor) -> Option<&'static str> {
        match flavor {
            Flavor::Poison => Some("invalid message: scheduledTime is not ISO-8601"),
            Flavor::Portal => self.chance(10).then_some("device unreachable over SSH"),
            _ => {
                if self.chance(14) {
                    Some(self.pick(ERRORS))
                } else {
                    None
                }
            }
        }
    }

    /// Progress at a quarter, half and three quarters of the job's life, then its end; a failed
    /// job's dead letter shortly after (the portal reports its failures in the completion).
    fn schedule_steps(&mut self, at: i64, id: u64, flavor: Flavor, failed: bool) {
        let lifetime = 2500 + (self.rand() % 3500) as i64;
        if flavor == Flavor::Poison {
            self.schedule(at + 1400, id, Step::Dlq);
            return;
        }
        for (i, pct) in [20u8, 55, 85].iter().enumerate() {
            self.schedule(at + lifetime * (i as i64 + 1) / 4, id, Step::Progress(*pct));
        }
        self.schedule(at + lifetime, id, Step::Finish);
        if failed && flavor != Flavor::Portal {
            self.schedule(at + lifetime + 700, id, Step::Dlq);
        }
    }

    /// A job that reports 20 % and then nothing for `STUCK_FOR_MS`, then completes.
    fn schedule_stuck(&mut self, at: i64, id: u64) {
        self.schedule(at + 600, id, Step::Progress(20));
        self.schedule(at + STUCK_FOR_MS, id, Step::Finish);
    }

    fn emit(&mut self, id: u64, step: Step, now_ms: i64) -> Option<SimEvent> {
        let now = iso(now_ms);
        let span = format!("{:016x}", self.rand());
        let event_id = self.uuid();
        let corrupt = self.chance(25);
        let job = self.jobs.get(&id)?;
        let last = match step {
            Step::Dlq => true,
            Step::Finish => job.error.is_none() || job.flavor == Flavor::Portal,
            Step::Progress(_) => false,
        };
        let record = match (job.flavor, step) {
            (Flavor::Portal, Step::Progress(p)) => portal_status(job, p, &now, &event_id),
            (Flavor::Portal, Step::Finish) => portal_completion(job, &now, now_ms),
            (Flavor::Export, Step::Progress(p)) => java_status::job_status(job, p, now_ms)?,
            (Flavor::Crawl, Step::Progress(p)) => {
                task_status(job, Some(p), "in_progress", &now, &span[..8])
            }
            (Flavor::Export, Step::Finish) => export_completion(job, &now),
            (Flavor::Crawl, Step::Finish) => {
                let status = if job.error.is_some() {
                    "error"
                } else {
                    "completed"
                };
                task_status(job, None, status, &now, &span[..8])
            }
            (_, Step::Dlq) => dlq_record(job, &now, &event_id, corrupt),
            (Flavor::Poison, _) => return None,
        };
        if last {
            self.jobs.remove(&id);
        }
        Some(SimEvent {
            record,
            request_of: None,
        })
    }
}

/// The demo's request topics (jobs flow from them).
pub const REQUEST_TOPICS: &[&str] = &[
    "scheduler.jobs.ingest",
    "requests-web-crawl",
    "franc.device.connection",
];

/// The topics of the simulated pipeline, by role.
/// The demo's topics by role; the pipeline also writes the request topics.
pub fn demo_topics() -> crate::support::config::Topics {
    crate::support::config::Topics {
        request: REQUEST_TOPICS.iter().map(|t| t.to_string()).collect(),
        completion: vec!["export-completions".into(), "franc.task.completion".into()],
        status: vec![
            "task-status".into(),
            "franc.task.status".into(),
            java_status::TOPIC.into(),
        ],
        dlq: vec!["dlq-domain-services".into(), "scheduler.jobs.dlq".into()],
    }
}

/// The text (or number) at `path` in a JSON value, if any and not empty.
fn text_at(v: Option<&serde_json::Value>, path: &[&str]) -> Option<String> {
    let mut at = v?;
    for p in path {
        at = at.get(p)?;
    }
    match at {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A record with a JSON value, as the services' contracts write them.
fn rec(
    topic: &str,
    key: &str,
    value: serde_json::Value,
    headers: Vec<(String, Vec<u8>)>,
) -> OutRecord {
    OutRecord {
        topic: topic.into(),
        key: Some(key.as_bytes().to_vec()),
        value: Some(serde_json::to_vec(&value).unwrap_or_default()),
        headers,
        ..Default::default()
    }
}
