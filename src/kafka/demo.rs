//! The embedded demo: librdkafka's in-process mock cluster plus a simulated job pipeline
//! speaking the services' contracts, and simulated consumer groups that keep up, fall behind
//! and stall. Runs on one thread until stopped.

use super::producer::Writer;
use crate::demo::{Incoming, Pipeline, SimEvent};
use crate::support::config::Cluster;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::Message;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

pub const PARTITIONS: i32 = 3;

pub use crate::demo::{demo_topics, REQUEST_TOPICS};

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

/// Starts the in-process cluster and the pipeline on it; `jobs_per_sec` sets the pace.
pub fn start(jobs_per_sec: f64) -> anyhow::Result<DemoHandle> {
    spawn(None, jobs_per_sec)
}

/// Runs the pipeline against a real cluster (topics are created when missing). The simulated
/// consumer groups stay off: kdeck never commits for groups on a cluster it does not own.
pub fn start_on(cluster: &Cluster, jobs_per_sec: f64) -> anyhow::Result<DemoHandle> {
    spawn(Some(cluster.clone()), jobs_per_sec)
}

fn spawn(real: Option<Cluster>, jobs_per_sec: f64) -> anyhow::Result<DemoHandle> {
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = mpsc::channel::<anyhow::Result<String>>();
    let stop2 = stop.clone();
    let thread = std::thread::Builder::new()
        .name("kdeck-demo".into())
        .spawn(move || {
            // The mock cluster is not Send: it lives and dies on this thread.
            let (cluster, mock) = match demo_cluster(real) {
                Ok(c) => c,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            let writer = match Writer::new(&cluster, &[("linger.ms", "20")]) {
                Ok(w) => w,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            // The reader is placed before the demo counts as started: a request published
            // right after `start` returns is picked up, not skipped as older than "the end".
            let requests = request_reader(&cluster);
            let _ = tx.send(Ok(cluster.brokers.clone()));
            let groups = mock.as_ref().map(|_| spawn_groups(&cluster, stop2.clone()));
            simulate(&writer, requests.as_ref(), &stop2, jobs_per_sec);
            if let Some(Ok(g)) = groups {
                let _ = g.join();
            }
            let _ = writer.poll(Duration::from_millis(100));
            drop(mock);
        })?;
    let bootstrap = rx
        .recv_timeout(Duration::from_secs(30))
        .map_err(|_| anyhow::anyhow!("the demo cluster did not start within 30 s"))??;
    Ok(DemoHandle {
        bootstrap,
        stop,
        thread: Some(thread),
    })
}

/// The cluster the demo writes to, with its topics: `real` (topics created when missing), else
/// a new mock cluster, returned too so that it lives as long as the demo.
/// A mock cluster as the demo owns it.
type Mock = MockCluster<'static, rdkafka::producer::DefaultProducerContext>;

fn demo_cluster(real: Option<Cluster>) -> anyhow::Result<(Cluster, Option<Mock>)> {
    let all: Vec<String> = demo_topics()
        .all()
        .into_iter()
        .chain(REQUEST_TOPICS.iter().map(|t| t.to_string()))
        .collect();
    if let Some(c) = real {
        let names: Vec<&str> = all.iter().map(String::as_str).collect();
        super::admin::create_topics(&c, &names, PARTITIONS)?;
        return Ok((c, None));
    }
    let m = MockCluster::new(1).map_err(|e| anyhow::anyhow!("starting the mock cluster: {e}"))?;
    for t in &all {
        m.create_topic(t, PARTITIONS, 1)
            .map_err(|e| anyhow::anyhow!("creating demo topic {t}: {e}"))?;
        // The mock's thread answers a request, then drains its wake-up pipe without serving
        // the queue again: a request sent in between loses its wake-up and waits for the 1 s
        // poll timeout (librdkafka 2.12, rd_kafka_mock_cluster_op_io). A pause lets the drain
        // happen first.
        std::thread::sleep(Duration::from_millis(2));
    }
    let c = Cluster {
        brokers: m.bootstrap_servers(),
        client_id: "kdeck-demo".into(),
        properties: BTreeMap::new(),
    };
    Ok((c, Some(m)))
}

/// The simulated consumer groups commit on their own thread: their broker round trips must not
/// hold up the pipeline's producer.
fn spawn_groups(
    cluster: &Cluster,
    stop: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    let cluster = cluster.clone();
    std::thread::Builder::new()
        .name("kdeck-demo-groups".into())
        .spawn(move || {
            let mut g = super::demo_groups::Groups::new(&cluster);
            let started = Instant::now();
            while !stop.load(Ordering::SeqCst) {
                let tick = Instant::now();
                g.tick(started.elapsed().as_secs());
                if let Some(rest) = Duration::from_secs(1).checked_sub(tick.elapsed()) {
                    std::thread::sleep(rest);
                }
            }
        })
}

/// Reads the request topics from their ends, without a group: requests published by a user or
/// replayed from a DLQ become jobs of the simulated pipeline. None: the demo runs without.
fn request_reader(cluster: &Cluster) -> Option<BaseConsumer> {
    let c: BaseConsumer = super::client_config(cluster)
        .set("group.id", "kdeck-demo-pickup")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("fetch.wait.max.ms", "100")
        .create()
        .ok()?;
    let mut tpl = rdkafka::TopicPartitionList::new();
    for t in REQUEST_TOPICS {
        for p in 0..PARTITIONS {
            // The end as it is now, not as the first fetch finds it later.
            let at = c
                .fetch_watermarks(t, p, Duration::from_secs(5))
                .map_or(rdkafka::Offset::End, |(_, high)| {
                    rdkafka::Offset::Offset(high)
                });
            tpl.add_partition_offset(t, p, at).ok()?;
        }
    }
    c.assign(&tpl).ok()?;
    Some(c)
}

/// Hands the foreign requests read since the last call to the pipeline (bounded per call).
fn pick_up(reader: &BaseConsumer, pipeline: &mut Pipeline, elapsed_ms: i64, now_ms: i64) {
    for _ in 0..500 {
        let Some(Ok(m)) = reader.poll(Duration::ZERO) else {
            return;
        };
        let headers = super::headers_of(&m);
        let r = Incoming {
            topic: m.topic(),
            partition: m.partition(),
            offset: m.offset(),
            key: m.key(),
            value: m.payload(),
            headers: &headers,
        };
        pipeline.pick_up(&r, elapsed_ms, now_ms);
    }
}

fn simulate(
    writer: &Writer,
    requests: Option<&BaseConsumer>,
    stop: &AtomicBool,
    jobs_per_sec: f64,
) {
    let started = Instant::now();
    let mut pipeline = Pipeline::new(0x5eed_c0de, jobs_per_sec);
    let mut next_id = 0usize;
    // Delivery reports map our send ids back to the job whose request they carried.
    let mut pending_requests: BTreeMap<usize, u64> = BTreeMap::new();
    while !stop.load(Ordering::SeqCst) {
        let now_ms = crate::domain::clock::Clock::now_ms(&crate::domain::clock::SystemClock);
        let elapsed = started.elapsed().as_millis() as i64;
        if let Some(r) = requests {
            pick_up(r, &mut pipeline, elapsed, now_ms);
        }
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
        std::thread::sleep(Duration::from_millis(10));
    }
}
