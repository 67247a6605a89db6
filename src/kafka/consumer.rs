//! The dashboard's stream consumer: one thread, one `BaseConsumer`, partitions assigned by
//! kdeck itself (no group join, no commits), records decoded here and sent in batches.

use super::{client_config, headers_of, rd_offset, timestamp_ms, KafkaEvent, META_TIMEOUT};
use crate::config::{Cluster, StartAt, Topics};
use crate::decode::{to_record, Incoming};
use crate::domain::{Connection, Record, Role};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Clone, Debug)]
pub struct StreamSpec {
    pub cluster: Cluster,
    pub group_id: String,
    pub topics: Topics,
    pub start: StartAt,
    pub value_cap: usize,
}

pub use crate::domain::event::StreamCmd;

pub struct StreamHandle {
    pub commands: std_mpsc::SyncSender<StreamCmd>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StreamHandle {
    /// Stops the worker and waits for it: dropping the command sender ends its loop.
    pub fn stop(mut self) {
        let (dead, _) = std_mpsc::sync_channel(1);
        self.commands = dead;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Lets the worker end on its own (it stops at its next loop turn).
    pub fn detach(self) {}
}

const BATCH_MAX: usize = 500;
const BATCH_AGE: Duration = Duration::from_millis(50);
const RESCAN: Duration = Duration::from_secs(5);

pub fn spawn(spec: StreamSpec, events: mpsc::Sender<KafkaEvent>) -> StreamHandle {
    // Bounded: a user holding the pause key cannot pile up commands.
    let (tx, rx) = std_mpsc::sync_channel(16);
    let thread = std::thread::Builder::new()
        .name("kdeck-stream".into())
        .spawn(move || run(spec, events, rx))
        .expect("spawn stream thread");
    StreamHandle {
        commands: tx,
        thread: Some(thread),
    }
}

/// Builds the consumer kdeck reads streams with. It never commits: the group id is kdeck's own
/// and offsets are neither stored nor committed, so the user's groups are never touched.
pub fn viewer_consumer(cluster: &Cluster, group_id: &str) -> Result<BaseConsumer, KafkaError> {
    client_config(cluster)
        .set("group.id", group_id)
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("fetch.wait.max.ms", "100")
        // The panes keep a few thousand records each: prefetching librdkafka's default of
        // 100k messages / 64 MiB buys nothing but memory.
        .set("queued.min.messages", "5000")
        .set("queued.max.messages.kbytes", "16384")
        // Refill the local queue at once (default: after 1 s), or catching up on a backlog
        // crawls at one fetch per partition per second.
        .set("fetch.queue.backoff.ms", "10")
        .create()
}

fn run(spec: StreamSpec, events: mpsc::Sender<KafkaEvent>, cmds: std_mpsc::Receiver<StreamCmd>) {
    let send = |e: KafkaEvent| events.blocking_send(e).is_ok();
    let consumer = match viewer_consumer(&spec.cluster, &spec.group_id) {
        Ok(c) => c,
        Err(e) => {
            send(KafkaEvent::Connection(Connection::Down {
                error: format!("cannot create consumer: {e}"),
            }));
            return;
        }
    };
    let wanted: Vec<String> = spec.topics.all();
    let mut assigned: BTreeMap<(String, i32), Role> = BTreeMap::new();
    let mut missing_reported: BTreeSet<String> = BTreeSet::new();
    let mut last_scan: Option<Instant> = None;
    let mut last_self_lag = Instant::now();
    let mut connected = false;
    let mut first_assignment = true;
    let mut paused: BTreeSet<Role> = BTreeSet::new();
    let mut batches: BTreeMap<Role, Vec<Record>> = BTreeMap::new();
    let mut batch_started = Instant::now();
    let mut pending = 0usize;

    loop {
        // Commands first: a dropped sender means the app is gone.
        loop {
            match cmds.try_recv() {
                Ok(StreamCmd::Pause(role)) => {
                    paused.insert(role);
                    let tpl = tpl_for(&assigned, role);
                    if tpl.count() > 0 {
                        let _ = consumer.pause(&tpl);
                    }
                }
                Ok(StreamCmd::Resume(role)) => {
                    paused.remove(&role);
                    let tpl = tpl_for(&assigned, role);
                    if tpl.count() > 0 {
                        let _ = consumer.resume(&tpl);
                    }
                }
                Err(std_mpsc::TryRecvError::Empty) => break,
                Err(std_mpsc::TryRecvError::Disconnected) => return,
            }
        }

        if last_scan.is_none_or(|t| t.elapsed() >= RESCAN) {
            last_scan = Some(Instant::now());
            match consumer.fetch_metadata(None, META_TIMEOUT) {
                Err(e) => {
                    connected = false;
                    if !send(KafkaEvent::Connection(Connection::Down {
                        error: friendly(&e),
                    })) {
                        return;
                    }
                }
                Ok(md) => {
                    if !connected {
                        connected = true;
                        send(KafkaEvent::Connection(Connection::Connected {
                            brokers: md.brokers().len(),
                        }));
                    }
                    let mut new_tpl = TopicPartitionList::new();
                    let mut missing = Vec::new();
                    for t in &wanted {
                        match md.topics().iter().find(|mt| mt.name() == t) {
                            Some(mt) if mt.error().is_none() && !mt.partitions().is_empty() => {
                                let role = spec.topics.role_of(t).unwrap_or(Role::Status);
                                for p in mt.partitions() {
                                    let key = (t.clone(), p.id());
                                    if assigned.contains_key(&key) {
                                        continue;
                                    }
                                    // Partitions that appear after start-up are read whole:
                                    // everything in them is new to the user.
                                    let offset = if first_assignment {
                                        rd_offset(spec.start)
                                    } else {
                                        Offset::Beginning
                                    };
                                    let _ = new_tpl.add_partition_offset(t, p.id(), offset);
                                    assigned.insert(key, role);
                                }
                                missing_reported.remove(t);
                            }
                            _ => missing.push(t.clone()),
                        }
                    }
                    if new_tpl.count() > 0 {
                        if let Err(e) = consumer.incremental_assign(&new_tpl) {
                            send(KafkaEvent::Warning(format!("assign failed: {e}")));
                        }
                        for role in &paused {
                            let tpl = tpl_for(&assigned, *role);
                            let _ = consumer.pause(&tpl);
                        }
                    }
                    // Whatever appears after the first look at the cluster is new to the user.
                    first_assignment = false;
                    let missing_set: BTreeSet<String> = missing.iter().cloned().collect();
                    if missing_set != missing_reported {
                        missing_reported = missing_set;
                        send(KafkaEvent::MissingTopics(missing));
                    }
                }
            }
        }

        if assigned.is_empty() {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        if last_self_lag.elapsed() >= Duration::from_secs(1) {
            last_self_lag = Instant::now();
            send(KafkaEvent::SelfLag(self_lag(&consumer, &assigned)));
        }
        match consumer.poll(Duration::from_millis(100)) {
            None => {}
            Some(Ok(m)) => {
                let role = assigned
                    .get(&(m.topic().to_string(), m.partition()))
                    .copied()
                    .or_else(|| spec.topics.role_of(m.topic()))
                    .unwrap_or(Role::Status);
                let rec = to_record(
                    Incoming {
                        topic: m.topic(),
                        partition: m.partition(),
                        offset: m.offset(),
                        timestamp_ms: timestamp_ms(&m),
                        key: m.key(),
                        value: m.payload(),
                        headers: headers_of(&m),
                    },
                    spec.value_cap,
                    role == Role::Dlq,
                );
                if pending == 0 {
                    batch_started = Instant::now();
                }
                batches.entry(role).or_default().push(rec);
                pending += 1;
                if !connected {
                    connected = true;
                    send(KafkaEvent::Connection(Connection::Connected { brokers: 0 }));
                }
            }
            Some(Err(e)) => {
                if is_connection_error(&e) {
                    if connected {
                        connected = false;
                        send(KafkaEvent::Connection(Connection::Down {
                            error: friendly(&e),
                        }));
                    }
                } else {
                    send(KafkaEvent::Warning(format!("consume: {e}")));
                }
            }
        }
        if pending > 0 && (pending >= BATCH_MAX || batch_started.elapsed() >= BATCH_AGE) {
            for (role, batch) in std::mem::take(&mut batches) {
                if !send(KafkaEvent::Records(role, batch)) {
                    return;
                }
            }
            pending = 0;
        }
    }
}

fn tpl_for(assigned: &BTreeMap<(String, i32), Role>, role: Role) -> TopicPartitionList {
    let mut tpl = TopicPartitionList::new();
    for ((t, p), r) in assigned {
        if *r == role {
            tpl.add_partition(t, *p);
        }
    }
    tpl
}

/// Records between kdeck's read position and the end of each partition, from librdkafka's
/// cached watermarks (no broker round trip).
fn self_lag(consumer: &BaseConsumer, assigned: &BTreeMap<(String, i32), Role>) -> i64 {
    let Ok(pos) = consumer.position() else {
        return 0;
    };
    let mut total = 0;
    for e in pos.elements() {
        if !assigned.contains_key(&(e.topic().to_string(), e.partition())) {
            continue;
        }
        let Offset::Offset(at) = e.offset() else {
            continue;
        };
        if let Some((_, high)) = cached_watermarks(consumer, e.topic(), e.partition()) {
            total += (high - at).max(0);
        }
    }
    total
}

pub(crate) fn cached_watermarks(
    consumer: &BaseConsumer,
    topic: &str,
    partition: i32,
) -> Option<(i64, i64)> {
    let topic = std::ffi::CString::new(topic).ok()?;
    let (mut low, mut high) = (-1i64, -1i64);
    // SAFETY: the handle lives as long as `consumer`; the out-pointers are valid locals.
    let err = unsafe {
        rdkafka::bindings::rd_kafka_get_watermark_offsets(
            consumer.client().native_ptr(),
            topic.as_ptr(),
            partition,
            &mut low,
            &mut high,
        )
    };
    (err == rdkafka::bindings::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0)
        .then_some((low, high))
}

fn is_connection_error(e: &KafkaError) -> bool {
    use rdkafka::types::RDKafkaErrorCode as C;
    matches!(
        e.rdkafka_error_code(),
        Some(C::BrokerTransportFailure | C::AllBrokersDown | C::Resolve | C::NetworkException)
    )
}

/// One line a user can act on.
pub fn friendly(e: &KafkaError) -> String {
    use rdkafka::types::RDKafkaErrorCode as C;
    match e.rdkafka_error_code() {
        Some(C::BrokerTransportFailure | C::AllBrokersDown | C::OperationTimedOut) => {
            format!("cannot reach the brokers ({e}); retrying")
        }
        Some(C::Resolve) => format!("cannot resolve a broker host name ({e}); retrying"),
        _ => e.to_string(),
    }
}
