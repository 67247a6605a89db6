//! The embedded demo: librdkafka's in-process mock cluster plus a simulated job pipeline
//! speaking the seeds' contracts, and simulated consumer groups that keep up, fall behind
//! and stall. Runs on one thread until stopped.

use super::producer::Writer;
use crate::config::{Cluster, Topics};
use crate::demo_data::{Pipeline, SimEvent};
use rdkafka::mocking::MockCluster;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

pub const PARTITIONS: i32 = 3;

/// The demo's topics by role; the pipeline also writes the request topics.
pub fn demo_topics() -> Topics {
    Topics {
        completion: vec!["export-completions".into(), "franc.task.completion".into()],
        status: vec!["task-status".into(), "franc.task.status".into()],
        dlq: vec!["dlq-domain-services".into(), "scheduler.jobs.dlq".into()],
    }
}

pub const REQUEST_TOPICS: &[&str] = &[
    "scheduler.jobs.ingest",
    "requests-web-crawl",
    "franc.device.connection",
];

pub struct DemoHandle {
    pub bootstrap: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DemoHandle {
    pub fn cluster(&self) -> Cluster {
        Cluster {
            brokers: self.bootstrap.clone(),
            client_id: "kdeck".into(),
            properties: BTreeMap::new(),
        }
    }
}

impl Drop for DemoHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts the cluster and the pipeline; `jobs_per_sec` sets the pace.
pub fn start(jobs_per_sec: f64) -> anyhow::Result<DemoHandle> {
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel::<anyhow::Result<String>>();
    let stop2 = stop.clone();
    let thread = std::thread::Builder::new()
        .name("kdeck-demo".into())
        .spawn(move || {
            // The mock cluster is not Send: it lives and dies on this thread.
            let mock = match MockCluster::new(1) {
                Ok(m) => m,
                Err(e) => {
                    let _ = tx.send(Err(anyhow::anyhow!("starting the mock cluster: {e}")));
                    return;
                }
            };
            let topics = demo_topics();
            for t in topics
                .all()
                .iter()
                .map(String::as_str)
                .chain(REQUEST_TOPICS.iter().copied())
            {
                if let Err(e) = mock.create_topic(t, PARTITIONS, 1) {
                    let _ = tx.send(Err(anyhow::anyhow!("creating demo topic {t}: {e}")));
                    return;
                }
            }
            let bootstrap = mock.bootstrap_servers();
            let cluster = Cluster {
                brokers: bootstrap.clone(),
                client_id: "kdeck-demo".into(),
                properties: BTreeMap::new(),
            };
            let writer = match Writer::new(&cluster, &[]) {
                Ok(w) => w,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            let _ = tx.send(Ok(bootstrap));
            let mut groups = super::demo_groups::Groups::new(&cluster);
            simulate(&writer, &stop2, jobs_per_sec, &mut groups);
            let _ = writer.poll(Duration::from_millis(100));
            drop(mock);
        })?;
    let bootstrap = rx
        .recv_timeout(Duration::from_secs(20))
        .map_err(|_| anyhow::anyhow!("the mock cluster did not start within 20 s"))??;
    Ok(DemoHandle {
        bootstrap,
        stop,
        thread: Some(thread),
    })
}

fn simulate(
    writer: &Writer,
    stop: &AtomicBool,
    jobs_per_sec: f64,
    groups: &mut super::demo_groups::Groups,
) {
    let started = Instant::now();
    let mut pipeline = Pipeline::new(0x5eed_c0de, jobs_per_sec);
    let mut next_id = 0usize;
    // Delivery reports map our send ids back to the job whose request they carried.
    let mut pending_requests: BTreeMap<usize, u64> = BTreeMap::new();
    let mut last_groups = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let now_ms = crate::clock::Clock::now_ms(&crate::clock::SystemClock);
        let elapsed = started.elapsed().as_millis() as i64;
        for ev in pipeline.step(elapsed, now_ms) {
            let SimEvent { record, request_of } = ev;
            let id = next_id;
            next_id += 1;
            if let Some(job) = request_of {
                pending_requests.insert(id, job);
            }
            if writer.send(&record, id).is_err() {
                continue;
            }
        }
        for (id, res) in writer.poll(Duration::ZERO) {
            if let Some(job) = pending_requests.remove(&id) {
                if let Ok((p, o)) = res {
                    pipeline.request_delivered(job, p, o);
                }
            }
        }
        if last_groups.elapsed() >= Duration::from_secs(1) {
            last_groups = Instant::now();
            groups.tick(started.elapsed().as_secs());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
