//! The simulated pipeline behind the demo: jobs requested, progressing, completing or failing
//! into a DLQ, each record in the shape of one of the services' contracts (export service, pipeline
//! executor, FRANC portal, infinite scheduler, task manager). Pure: it returns
//! records to write and never touches Kafka, so it is tested without a broker.

use crate::domain::OutRecord;
use serde_json::json;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

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

const APPS: &[&str] = &["export", "sms", "payment", "sipcall"];
const DEVICES: &[&str] = &[
    "NYC-Core-SW01",
    "LON-Edge-RT02",
    "FRA-Leaf-SW07",
    "SIN-Spine-SW03",
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

    /// The infinite scheduler's job-ingest request (an export, or a poison one for another app).
    fn scheduler_request(
        &mut self,
        flavor: Flavor,
        org: &str,
        now: &str,
    ) -> (String, String, &'static str, serde_json::Value) {
        let job_id = format!("job-{:06x}", self.rand() & 0xff_ffff);
        let app = if flavor == Flavor::Export {
            "export"
        } else {
            self.pick(APPS)
        };
        let prio = self.pick(&["high", "normal", "normal", "low"]);
        let sched = if flavor == Flavor::Poison {
            "tomorrow-ish".to_string()
        } else {
            now.to_string()
        };
        let export_id = format!(
            "export-{}-{}",
            self.rand() % 900 + 100,
            self.rand() % 900_000 + 100_000
        );
        let request_id = self.uuid();
        let v = json!({
            "requestId": request_id,
            "appName": app,
            "scheduledTime": sched,
            "jobData": {"export_id": export_id, "org_id": org, "format": "json"},
            "priority": prio,
            "idempotencyKey": format!("{app}-{job_id}"),
        });
        let key = if flavor == Flavor::Export {
            export_id
        } else {
            job_id.clone()
        };
        (key, job_id, "scheduler.jobs.ingest", v)
    }

    /// The FRANC portal's device-connection request.
    fn portal_request(&mut self, now: &str) -> (String, String, &'static str, serde_json::Value) {
        let change = format!("CHG-2026-{:06}", self.rand() % 1_000_000);
        let device = self.pick(DEVICES);
        let v = json!({
            "event_id": format!("conn_{change}"),
            "event_type": "device_connection",
            "change_number": change,
            "request_id": format!("device_conn_{change}"),
            "timestamp": now,
            "user_id": null,
            "source": "franc-portal",
            "device_name": device,
            "device_type": "Switch",
            "location": "NYC Building A",
            "interfaces": [{"name": "Gi0/1", "speed": "1 Gbit", "role": "data", "vpc_group": "vPC-1"}],
            "vpc_groups": ["vPC-1"],
        });
        (
            change.clone(),
            format!("device_conn_{change}"),
            "franc.device.connection",
            v,
        )
    }

    /// The task manager's web-crawl request, in its envelope.
    fn crawl_request(&mut self, now: &str) -> (String, String, &'static str, serde_json::Value) {
        let task = self.uuid();
        let v = json!({
            "headers": {
                "requestId": task,
                "requestType": "web-crawl",
                "timestamp": now,
                "traceId": format!("{:016x}", self.rand()),
                "spanId": format!("{:08x}", self.rand() & 0xffff_ffff),
            },
            "message": {
                "userEmail": "user@example.com",
                "userQuery": "Find product information",
                "originalUrl": "https://example.com/catalog",
                "requestedAt": now,
            }
        });
        (task.clone(), task, "requests-web-crawl", v)
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
            (Flavor::Export, Step::Progress(p)) | (Flavor::Crawl, Step::Progress(p)) => {
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

/// Requests from outside the simulator (published by a user, or replayed from a DLQ) become
/// jobs like its own: progress, then completion or a dead letter, within a few seconds.
impl Pipeline {
    /// Starts a job for `r` when it is a foreign request on a request topic; returns its id.
    pub fn pick_up(&mut self, r: &Incoming<'_>, elapsed_ms: i64, now_ms: i64) -> Option<String> {
        if !r.is_foreign() {
            return None;
        }
        let topic = *REQUEST_TOPICS.iter().find(|t| **t == r.topic)?;
        let body: Option<serde_json::Value> = r.value.and_then(|v| serde_json::from_slice(v).ok());
        let key = r.key.map(|k| String::from_utf8_lossy(k).into_owned());
        let (flavor, job_id, key, org, bad) = match topic {
            "scheduler.jobs.ingest" => scheduler_ids(body.as_ref(), key),
            "requests-web-crawl" => {
                let id = text_at(body.as_ref(), &["headers", "requestId"]);
                let job = id
                    .or(key.clone())
                    .unwrap_or_else(|| format!("task-{}", r.offset));
                (
                    Flavor::Crawl,
                    job.clone(),
                    key.unwrap_or(job),
                    String::new(),
                    body.is_none(),
                )
            }
            _ => {
                let change = text_at(body.as_ref(), &["change_number"])
                    .or(key.clone())
                    .unwrap_or_else(|| format!("CHG-{}", r.offset));
                let job = text_at(body.as_ref(), &["request_id"])
                    .unwrap_or_else(|| format!("device_conn_{change}"));
                (Flavor::Portal, job, change, String::new(), body.is_none())
            }
        };
        let replayed = r.header(crate::engine::replay::headers::RUN).is_some();
        let error = if bad {
            Some(if body.is_none() {
                "invalid message: not JSON"
            } else {
                "invalid message: scheduledTime is not ISO-8601"
            })
        } else if replayed {
            // A replayed job was usually fixed upstream before its redrive.
            self.chance(8).then(|| self.pick(ERRORS))
        } else {
            self.pick_error(flavor)
        };
        let flavor = if bad && flavor == Flavor::Export {
            Flavor::Poison
        } else {
            flavor
        };
        let id = self.seq;
        self.seq += 1;
        self.schedule_steps(elapsed_ms, id, flavor, error.is_some());
        let request = r.value.map(<[u8]>::to_vec).unwrap_or_default();
        let job = Job {
            flavor,
            key,
            trace: trace_of(&request, &job_id),
            job_id: job_id.clone(),
            org: if org.is_empty() {
                "org-unknown".into()
            } else {
                org
            },
            request,
            request_topic: topic,
            request_pos: Some((r.partition, r.offset)),
            error,
            received_at: iso(now_ms),
            started_ms: now_ms,
        };
        self.jobs.insert(id, job);
        Some(job_id)
    }
}

/// The demo's request topics (jobs flow from them).
pub const REQUEST_TOPICS: &[&str] = &[
    "scheduler.jobs.ingest",
    "requests-web-crawl",
    "franc.device.connection",
];

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

/// A scheduler request's ids: (flavor, job id, key, org, malformed). The job id comes from
/// `jobData.job_id`, the idempotency key (`app-jobid`), or the request id, in that order.
fn scheduler_ids(
    body: Option<&serde_json::Value>,
    key: Option<String>,
) -> (Flavor, String, String, String, bool) {
    let app = text_at(body, &["appName"]).unwrap_or_default();
    let job = text_at(body, &["jobData", "job_id"])
        .or_else(|| {
            text_at(body, &["idempotencyKey"]).map(|k| {
                k.strip_prefix(&format!("{app}-"))
                    .map(str::to_string)
                    .unwrap_or(k)
            })
        })
        .or_else(|| text_at(body, &["requestId"]))
        .or(key.clone())
        .unwrap_or_else(|| "job-unknown".into());
    let export = text_at(body, &["jobData", "export_id"]);
    let key = key.or(export).unwrap_or_else(|| job.clone());
    let org = text_at(body, &["jobData", "org_id"]).unwrap_or_default();
    let time_ok = text_at(body, &["scheduledTime"]).is_some_and(|t| {
        chrono::DateTime::parse_from_rfc3339(&t).is_ok()
            || chrono::NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
    });
    (Flavor::Export, job, key, org, !time_ok)
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The pipeline executor's Go package's standard headers.
fn std_headers(
    event_id: &str,
    event_type: &str,
    correlation: &str,
    retries: u32,
    source: &str,
    ts: &str,
) -> Vec<(String, Vec<u8>)> {
    [
        ("event-id", event_id.to_string()),
        ("event-type", event_type.to_string()),
        ("correlation-id", correlation.to_string()),
        ("schema-version", "v1".to_string()),
        ("source", source.to_string()),
        ("timestamp", ts.to_string()),
        ("retry-count", retries.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.into_bytes()))
    .collect()
}

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

fn task_status(job: &Job, progress: Option<u8>, status: &str, now: &str, span: &str) -> OutRecord {
    let task_type = if job.flavor == Flavor::Crawl {
        "web-crawl"
    } else {
        "export"
    };
    let mut message = json!({"taskId": job.job_id, "status": status});
    if let Some(p) = progress {
        message["progress"] = json!(p);
        message["receivedAt"] = json!(job.received_at);
    }
    match status {
        "completed" => {
            message["result"] = json!("Found 5 products matching criteria");
            message["finishedAt"] = json!(now);
        }
        "error" => {
            message["error"] = json!(job.error.unwrap_or("unknown error"));
            message["finishedAt"] = json!(now);
        }
        _ => {}
    }
    let v = json!({
        "headers": {"taskId": job.job_id, "taskType": task_type, "timestamp": now, "traceId": job.trace, "spanId": span},
        "message": message,
    });
    rec("task-status", &job.job_id, v, vec![])
}

/// The request's trace id (the task manager's envelope carries one), else one made from the job id.
fn trace_of(request: &[u8], job_id: &str) -> String {
    let v: Option<serde_json::Value> = serde_json::from_slice(request).ok();
    let from_request = v
        .as_ref()
        .and_then(|v| text_at(Some(v), &["headers", "traceId"]));
    from_request.unwrap_or_else(|| {
        // FNV-1a: stable across runs and builds, unlike std's hasher.
        let h = job_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        format!("{h:016x}")
    })
}

fn export_completion(job: &Job, now: &str) -> OutRecord {
    let ok = job.error.is_none();
    let mut v = json!({
        "export_id": job.key,
        "job_id": job.job_id,
        "org_id": job.org,
        "status": if ok { "complete" } else { "failed" },
        "completed_at": now,
    });
    if ok {
        v["download_url"] = json!(format!(
            "https://console.example.com/api/export/v1/exports/{}",
            job.key
        ));
    } else {
        v["error_message"] = json!(job.error.unwrap_or_default());
    }
    let headers = vec![
        ("event_type".to_string(), b"export_completion".to_vec()),
        ("org_id".to_string(), job.org.as_bytes().to_vec()),
    ];
    rec("export-completions", &job.key, v, headers)
}

fn portal_status(job: &Job, pct: u8, now: &str, _event_id: &str) -> OutRecord {
    let msg = match pct {
        0..=30 => "Validating change request",
        31..=60 => "Configuring interfaces on device",
        _ => "Verifying connectivity",
    };
    let v = json!({
        "event_id": format!("status_{}_{}", job.key, pct),
        "event_type": "task_status_update",
        "change_number": job.key,
        "request_id": format!("status_update_{}", job.key),
        "timestamp": now,
        "user_id": null,
        "source": "franc-portal",
        "original_request_id": job.job_id,
        "status": "in_progress",
        "progress_percentage": pct,
        "status_message": msg,
        "error_details": null,
    });
    rec("franc.task.status", &job.key, v, vec![])
}

fn portal_completion(job: &Job, now: &str, now_ms: i64) -> OutRecord {
    let ok = job.error.is_none();
    let v = json!({
        "event_id": format!("complete_{}", job.key),
        "event_type": "task_completion",
        "change_number": job.key,
        "request_id": format!("completion_{}", job.key),
        "timestamp": now,
        "user_id": null,
        "source": "franc-portal",
        "original_request_id": job.job_id,
        "completion_status": if ok { "completed" } else { "failed" },
        "completion_message": if ok { "Device successfully connected with 4 interfaces configured" } else { "Device connection failed" },
        "result_data": if ok { json!({"device_ip": "10.1.1.100", "management_vlan": "100"}) } else { json!(null) },
        "error_details": job.error,
        "execution_duration": ((now_ms - job.started_ms).max(0) as f64) / 1000.0,
    });
    rec("franc.task.completion", &job.key, v, vec![])
}

fn dlq_record(job: &Job, now: &str, event_id: &str, corrupt: bool) -> OutRecord {
    let (topic, source) = match job.flavor {
        Flavor::Poison => ("scheduler.jobs.dlq", "infinite-scheduler"),
        Flavor::Crawl => ("dlq-domain-services", "crawler-worker"),
        _ => ("dlq-domain-services", "export-worker"),
    };
    // The failed request's own headers travel with it, as every dead-letter writer keeps them.
    let mut headers = std_headers(event_id, "job.failed", &job.job_id, 3, source, now);
    let mut error = job.error.unwrap_or("processing failed").to_string();
    // Now and then a poison payload that is not even JSON, as real DLQs get.
    let value = if job.flavor == Flavor::Poison && corrupt {
        error = "deserialization failed: invalid UTF-8 at byte 0".into();
        let mut v = vec![0xff, 0xfe, 0x00, 0x9c];
        v.extend_from_slice(&job.request[..job.request.len().min(40)]);
        v
    } else {
        job.request.clone()
    };
    let failure = Failure {
        origin: job.request_pos.unwrap_or((-1, -1)),
        topic: job.request_topic,
        error,
        started_ms: job.started_ms,
        group: source,
        now,
    };
    headers.extend(dialect_headers(demo_dialect(&job.job_id), &failure));
    OutRecord {
        topic: topic.into(),
        key: Some(job.key.as_bytes().to_vec()),
        value: Some(value),
        headers,
        ..Default::default()
    }
}

/// What the demo's dead-letter writers say about one failure.
struct Failure<'a> {
    origin: (i32, i64),
    topic: &'a str,
    error: String,
    started_ms: i64,
    group: &'a str,
    now: &'a str,
}

/// The demo's DLQs mix every writer kdeck decodes, so triage can be tried on each; the Go
/// package's format stays the most common. Chosen from the job id, so a job always fails the
/// same way.
fn demo_dialect(job_id: &str) -> crate::domain::DlqDialect {
    use crate::domain::DlqDialect::*;
    const MIX: [crate::domain::DlqDialect; 12] = [
        GoPackage,
        GoPackage,
        GoPackage,
        SpringDlt,
        SpringRetryTopic,
        SpringCloudStream,
        SmallRye,
        KafkaConnect,
        KafkaStreams,
        ShareGroup,
        Karafka,
        SpringDlt,
    ];
    let h = job_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    MIX[(h % MIX.len() as u64) as usize]
}

/// A Java exception class for a demo error message.
fn exception_of(error: &str) -> &'static str {
    if error.contains("timeout") || error.contains("deadline") {
        "java.net.SocketTimeoutException"
    } else if error.contains("connection refused") {
        "java.net.ConnectException"
    } else if error.contains("schema") || error.contains("deserializ") {
        "org.apache.kafka.common.errors.SerializationException"
    } else {
        "java.lang.IllegalStateException"
    }
}

fn dialect_headers(d: crate::domain::DlqDialect, f: &Failure<'_>) -> Vec<(String, Vec<u8>)> {
    use crate::domain::DlqDialect::*;
    let (p, o) = f.origin;
    let class = exception_of(&f.error);
    let trace = format!(
        "{class}: {}\n\tat com.example.worker.JobHandler.handle(JobHandler.java:87)\n\tat com.example.worker.Consumer.poll(Consumer.java:41)",
        f.error
    );
    let text = |k: &str, v: &str| (k.to_string(), v.as_bytes().to_vec());
    match d {
        GoPackage => vec![
            text("dlq-original-topic", f.topic),
            text("dlq-original-partition", &p.to_string()),
            text("dlq-original-offset", &o.to_string()),
            text("dlq-error", &f.error),
            text("dlq-failed-at", f.now),
        ],
        SpringDlt | SpringRetryTopic | SpringCloudStream => spring_headers(d, f, &trace),
        SmallRye => vec![
            text("dead-letter-reason", &f.error),
            text("dead-letter-cause", &f.error),
            text(
                "dead-letter-exception-class-name",
                "java.util.concurrent.CompletionException",
            ),
            text("dead-letter-cause-class-name", class),
            text("dead-letter-topic", f.topic),
            text("dead-letter-partition", &p.to_string()),
            text("dead-letter-offset", &o.to_string()),
        ],
        KafkaConnect => vec![
            text("__connect.errors.topic", f.topic),
            text("__connect.errors.partition", &p.to_string()),
            text("__connect.errors.offset", &o.to_string()),
            text("__connect.errors.connector.name", "jobs-http-sink"),
            text("__connect.errors.task.id", "0"),
            text("__connect.errors.stage", "TASK_PUT"),
            text("__connect.errors.exception.class.name", class),
            text("__connect.errors.exception.message", &f.error),
            text("__connect.errors.exception.stacktrace", &trace),
        ],
        KafkaStreams => vec![
            text("__streams.errors.exception", class),
            text("__streams.errors.message", &f.error),
            text("__streams.errors.stacktrace", &trace),
            text("__streams.errors.topic", f.topic),
            text("__streams.errors.partition", &p.to_string()),
            text("__streams.errors.offset", &o.to_string()),
        ],
        ShareGroup => vec![
            text("__dlq.errors.topic", f.topic),
            text("__dlq.errors.partition", &p.to_string()),
            text("__dlq.errors.offset", &o.to_string()),
            text("__dlq.errors.message", &f.error),
            text("__dlq.errors.group", f.group),
            text("__dlq.errors.delivery.count", "5"),
        ],
        // Karafka names only the source; the reason is the job's own error field.
        Karafka => vec![
            text("source_topic", f.topic),
            text("source_partition", &p.to_string()),
            text("source_offset", &o.to_string()),
            text("source_consumer_group", f.group),
            text("source_attempts", "3"),
            text("error", &f.error),
        ],
    }
}

/// Spring writes numbers as big-endian binary: a 4-byte partition, 8-byte offset and time.
fn spring_headers(
    d: crate::domain::DlqDialect,
    f: &Failure<'_>,
    trace: &str,
) -> Vec<(String, Vec<u8>)> {
    use crate::domain::DlqDialect::*;
    let (p, o) = f.origin;
    let class = exception_of(&f.error);
    let text = |k: &str, v: &str| (k.to_string(), v.as_bytes().to_vec());
    let spring_ex = "org.springframework.kafka.listener.ListenerExecutionFailedException";
    match d {
        SpringDlt => vec![
            text("kafka_dlt-original-topic", f.topic),
            (
                "kafka_dlt-original-partition".into(),
                p.to_be_bytes().to_vec(),
            ),
            ("kafka_dlt-original-offset".into(), o.to_be_bytes().to_vec()),
            (
                "kafka_dlt-original-timestamp".into(),
                f.started_ms.to_be_bytes().to_vec(),
            ),
            text("kafka_dlt-original-timestamp-type", "CreateTime"),
            text("kafka_dlt-original-consumer-group", f.group),
            text("kafka_dlt-exception-fqcn", spring_ex),
            text("kafka_dlt-exception-cause-fqcn", class),
            text("kafka_dlt-exception-message", &f.error),
            text("kafka_dlt-exception-stacktrace", trace),
        ],
        SpringRetryTopic => vec![
            text("kafka_original-topic", f.topic),
            ("kafka_original-partition".into(), p.to_be_bytes().to_vec()),
            ("kafka_original-offset".into(), o.to_be_bytes().to_vec()),
            text("kafka_exception-fqcn", spring_ex),
            text("kafka_exception-cause-fqcn", class),
            text("kafka_exception-message", &f.error),
            text("kafka_exception-stacktrace", trace),
            ("retry_topic-attempts".into(), 4i32.to_be_bytes().to_vec()),
        ],
        SpringCloudStream => vec![
            text("x-original-topic", f.topic),
            ("x-original-partition".into(), p.to_be_bytes().to_vec()),
            ("x-original-offset".into(), o.to_be_bytes().to_vec()),
            text("x-exception-message", &f.error),
            text("x-exception-fqcn", class),
            text("x-exception-stacktrace", trace),
        ],
        _ => Vec::new(),
    }
}

/// The topics of the simulated pipeline, by role.
/// The demo's topics by role; the pipeline also writes the request topics.
pub fn demo_topics() -> crate::support::config::Topics {
    crate::support::config::Topics {
        request: REQUEST_TOPICS.iter().map(|t| t.to_string()).collect(),
        completion: vec!["export-completions".into(), "franc.task.completion".into()],
        status: vec!["task-status".into(), "franc.task.status".into()],
        dlq: vec!["dlq-domain-services".into(), "scheduler.jobs.dlq".into()],
    }
}

#[cfg(test)]
mod dlq_tests {
    use super::*;
    use crate::domain::Header;

    /// The demo's DLQ carries every dialect, and each decodes back to the request it failed:
    /// topic, partition and offset as delivered, the reason, nothing left undecoded.
    #[test]
    fn demo_dlq_mixes_every_dialect_and_each_decodes_to_its_request() {
        let mut p = Pipeline::new(0x5eed_c0de, 200.0);
        let mut requests: HashMap<(String, String), (i32, i64)> = HashMap::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut dlq_records = 0;
        for tick in 0..3_000i64 {
            let elapsed = tick * 20;
            for ev in p.step(elapsed, 1_700_000_000_000 + elapsed) {
                let r = ev.record;
                if let Some(job) = ev.request_of {
                    // Pretend the broker put each request at a distinct position.
                    let pos = ((job % 3) as i32, 1000 + job as i64);
                    p.request_delivered(job, pos.0, pos.1);
                    let key = String::from_utf8(r.key.clone().unwrap_or_default()).unwrap();
                    requests.insert((r.topic.clone(), key), pos);
                    continue;
                }
                if !r.topic.contains("dlq") {
                    continue;
                }
                dlq_records += 1;
                let headers: Vec<Header> = r
                    .headers
                    .iter()
                    .map(|(k, v)| Header {
                        key: k.clone(),
                        value: Some(v.clone()),
                    })
                    .collect();
                let d = crate::codec::decode::decode(
                    r.key.as_deref(),
                    r.value.as_deref(),
                    &headers,
                    true,
                );
                let o = d.dlq.expect("origin");
                let dialect = o.dialect.expect("a dialect");
                seen.insert(dialect.name());
                let topic = o.topic.clone().expect("origin topic");
                let key = String::from_utf8(r.key.clone().unwrap()).unwrap();
                let want = requests.get(&(topic.clone(), key)).copied();
                assert_eq!(
                    Some((o.partition.unwrap(), o.offset.unwrap())),
                    want,
                    "{dialect:?} origin of {topic}"
                );
                assert!(o.error.is_some(), "{dialect:?}: no reason");
                assert!(o.undecoded.is_empty(), "{dialect:?}: {:?}", o.undecoded);
            }
        }
        assert!(dlq_records > 50, "{dlq_records} DLQ records");
        assert_eq!(seen.len(), 9, "{seen:?}");
    }
}

#[cfg(test)]
mod pickup_tests {
    use super::*;
    use crate::domain::Header;
    use crate::engine::publish::{Catalog, Form, Vars};

    const T0: i64 = 1_700_000_000_000;

    fn h(k: &str, v: &str) -> Header {
        Header {
            key: k.into(),
            value: Some(v.as_bytes().to_vec()),
        }
    }

    /// A template's default record as a user would publish it.
    fn published(template: &str) -> (String, Vec<u8>, Vec<u8>) {
        let t = Catalog::builtin();
        let r = Form::new(t.get(template).unwrap(), "")
            .render(&Vars::fixed(T0, 5, &[]))
            .unwrap();
        (r.topic, r.key.unwrap(), r.value.unwrap())
    }

    /// Records the pipeline writes over `ms` after `from`, with their keys as text.
    fn run(p: &mut Pipeline, from: i64, ms: i64) -> Vec<OutRecord> {
        let mut out = Vec::new();
        for t in (from..from + ms).step_by(50) {
            out.extend(p.step(t, T0 + t).into_iter().map(|e| e.record));
        }
        out
    }

    fn body(r: &OutRecord) -> serde_json::Value {
        serde_json::from_slice(r.value.as_deref().unwrap()).unwrap_or_default()
    }

    #[test]
    fn a_published_request_of_each_kind_becomes_a_job_that_finishes() {
        let cases = [
            ("schedule-job", "export-completions", "task-status"),
            ("export-job", "export-completions", "task-status"),
            ("web-crawl-request", "task-status", "task-status"),
            (
                "device-connection",
                "franc.task.completion",
                "franc.task.status",
            ),
        ];
        for (template, done_topic, status_topic) in cases {
            // A very slow pipeline: its own first job starts at 0 and the next one much later.
            let mut p = Pipeline::new(11, 0.001);
            let own = run(&mut p, 0, 50);
            let (topic, key, value) = published(template);
            let inc = Incoming {
                topic: &topic,
                partition: 1,
                offset: 42,
                key: Some(&key),
                value: Some(&value),
                headers: &[],
            };
            let job = p.pick_up(&inc, 100, T0 + 100).expect("picked up");
            let out = run(&mut p, 100, 10_000);
            let mine: Vec<&OutRecord> = out
                .iter()
                .filter(|r| {
                    let text = String::from_utf8_lossy(r.value.as_deref().unwrap_or_default());
                    text.contains(&job) || r.key.as_deref() == Some(key.as_slice())
                })
                .collect();
            assert!(
                mine.iter().filter(|r| r.topic == status_topic).count() >= 3,
                "{template}: progress of {job}: {:?}",
                mine.iter().map(|r| &r.topic).collect::<Vec<_>>()
            );
            let finished = mine.iter().any(|r| r.topic == done_topic)
                || mine.iter().any(|r| r.topic.contains("dlq"));
            assert!(finished, "{template}: {job} never finished");
            // The simulator's own request is not picked up again.
            let first = &own[0];
            let hs: Vec<Header> = first
                .headers
                .iter()
                .map(|(k, v)| Header {
                    key: k.clone(),
                    value: Some(v.clone()),
                })
                .collect();
            let again = Incoming {
                topic: &first.topic,
                partition: 0,
                offset: 0,
                key: first.key.as_deref(),
                value: first.value.as_deref(),
                headers: &hs,
            };
            assert_eq!(p.pick_up(&again, 200, T0 + 200), None, "{template}");
        }
    }

    #[test]
    fn the_ids_come_from_the_request() {
        let (topic, key, value) = published("web-crawl-request");
        let id = body(&OutRecord {
            value: Some(value.clone()),
            ..Default::default()
        })["headers"]["requestId"]
            .as_str()
            .unwrap()
            .to_string();
        let mut p = Pipeline::new(3, 0.001);
        let inc = Incoming {
            topic: &topic,
            partition: 0,
            offset: 7,
            key: Some(&key),
            value: Some(&value),
            headers: &[],
        };
        assert_eq!(p.pick_up(&inc, 0, T0).as_deref(), Some(id.as_str()));
        let out = run(&mut p, 0, 8_000);
        let last = out
            .iter()
            .rev()
            .find(|r| r.topic == "task-status" && body(r)["message"]["taskId"] == id.as_str())
            .expect("status of the task");
        let status = body(last)["message"]["status"].clone();
        // The pipeline is seeded (3) and the request fixed: this job draws no error.
        assert_eq!(status, "completed");
        // Not a request topic, or no request at all: nothing to pick up.
        let other = Incoming {
            topic: "task-status",
            ..inc
        };
        assert_eq!(p.pick_up(&other, 0, T0), None);
    }

    #[test]
    fn replayed_requests_mostly_succeed_and_a_poison_one_fails_again() {
        let mut p = Pipeline::new(9, 0.001);
        let (topic, _, value) = published("schedule-job");
        let replay = [
            h(crate::engine::replay::headers::RUN, "run-1"),
            h(SIM_HEADER, "1"),
        ];
        let mut jobs = Vec::new();
        for i in 0..100 {
            let key = format!("k-{i}");
            let inc = Incoming {
                topic: &topic,
                partition: 0,
                offset: i,
                key: Some(key.as_bytes()),
                value: Some(&value),
                headers: &replay,
            };
            jobs.push(
                p.pick_up(&inc, 0, T0)
                    .expect("a replayed request is picked up"),
            );
        }
        let poison =
            br#"{"requestId":"r-1","appName":"sms","scheduledTime":"tomorrow-ish","jobData":{}}"#;
        let inc = Incoming {
            topic: &topic,
            partition: 2,
            offset: 500,
            key: Some(b"sms-r-1"),
            value: Some(poison),
            headers: &replay,
        };
        p.pick_up(&inc, 0, T0).unwrap();
        let out = run(&mut p, 0, 10_000);
        let failed = out
            .iter()
            .filter(|r| r.topic == "dlq-domain-services")
            .count();
        let done = out
            .iter()
            .filter(|r| r.topic == "export-completions" && body(r)["status"] == "complete")
            .count();
        assert!(failed < 20, "{failed} of 100 replayed jobs failed again");
        assert!(done >= 80, "{done} of 100 completed");
        let dead = out
            .iter()
            .find(|r| r.topic == "scheduler.jobs.dlq")
            .expect("the poison request fails again");
        let get = |k: &str| {
            dead.headers
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        };
        let origin = get("dlq-original-offset")
            .or(get("__connect.errors.offset"))
            .or(get("dead-letter-offset"))
            .or(get("__streams.errors.offset"))
            .or(get("__dlq.errors.offset"))
            .or(get("source_offset"));
        if let Some(o) = origin {
            assert_eq!(o, "500");
        }
        assert_eq!(dead.value.as_deref(), Some(&poison[..]));
    }
}

#[cfg(test)]
mod stuck_tests {
    use super::*;
    use crate::domain::Header;
    use crate::engine::job::stuck::{Source, StuckTracker};

    const T0: i64 = 1_700_000_000_000;

    fn source(topic: &str) -> Source {
        let t = demo_topics();
        t.lifecycle()
            .into_iter()
            .find(|(x, _)| x == topic)
            .map_or(Source::Status, |(_, k)| k)
    }

    /// Runs the simulator in 100 ms steps over `[from, to)`, feeding the tracker.
    fn feed(p: &mut Pipeline, t: &mut StuckTracker, from: i64, to: i64) {
        let id = crate::engine::job::Identity::builtin();
        for ms in (from..to).step_by(100) {
            for ev in p.step(ms, T0 + ms) {
                let r = ev.record;
                let headers: Vec<Header> = r
                    .headers
                    .iter()
                    .map(|(k, v)| Header {
                        key: k.clone(),
                        value: Some(v.clone()),
                    })
                    .collect();
                let parts = (r.key.as_deref(), &headers[..], r.value.as_deref());
                crate::engine::job::stuck::observe(t, id, parts, source(&r.topic), T0 + ms);
            }
        }
    }

    #[test]
    fn a_few_demo_jobs_get_stuck_and_leave_the_list_when_they_complete() {
        for rate in [3.0, 200.0] {
            a_few_get_stuck_at(rate);
        }
    }

    fn a_few_get_stuck_at(rate: f64) {
        let mut p = Pipeline::new(0x5eed_c0de, rate);
        let mut t = StuckTracker::new(DEMO_STUCK_AFTER_MS, 10_000);
        feed(&mut p, &mut t, 0, 40_000);
        let stuck = t.stuck(T0 + 40_000);
        let first: Vec<String> = stuck.iter().map(|j| j.id.clone()).collect();
        // One job in 12 s hangs: those of the first 20 s (at about 1 s and 13 s) are stuck.
        assert_eq!(stuck.len(), 2, "at {rate} jobs/s: {stuck:?}");
        assert!(
            stuck.iter().all(|j| j.last_status == "in_progress"),
            "{stuck:?}"
        );
        // Their completion comes STUCK_FOR_MS after their request: they leave the list.
        feed(&mut p, &mut t, 40_000, 60_000);
        let later: Vec<String> = t.stuck(T0 + 60_000).into_iter().map(|j| j.id).collect();
        assert!(
            !later.contains(&first[0]),
            "{} still stuck: {later:?}",
            first[0]
        );
        assert!(!later.is_empty(), "later jobs hang in turn");
    }
}
