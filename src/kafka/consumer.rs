//! The dashboard's stream consumer: one thread, one `BaseConsumer`, partitions assigned by
//! kdeck itself (no group join, no commits), records decoded here and sent in batches.

use super::worker::Worker;
use super::{
    create_reader, describe, describe_with, headers_of, rd_offset, read_only_config, timestamp_ms,
    KafkaEvent, Reader, META_TIMEOUT,
};
use crate::codec::decode::{to_record, to_record_seen, Incoming};
use crate::domain::{Connection, Record, Role};
use crate::support::config::{Cluster, StartAt, Topics};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
    /// Stuck-jobs tracking: the request topics are read too (without a pane).
    pub jobs: Option<super::jobs::WatchSpec>,
}

pub use crate::domain::event::StreamCmd;

const BATCH_MAX: usize = 500;
const BATCH_AGE: Duration = Duration::from_millis(50);
const RESCAN: Duration = Duration::from_secs(5);
/// How long an idle reader waits for records before its housekeeping (commands, rescans).
const POLL_WAIT: Duration = Duration::from_millis(100);

/// The stream reader. `stop` waits for it (tests); `detach` lets it end on its own.
pub fn spawn(spec: StreamSpec, events: mpsc::Sender<KafkaEvent>) -> Worker<StreamCmd> {
    // Bounded: a user holding the pause key cannot pile up commands.
    Worker::spawn("stream", 16, &events.clone(), move |rx| {
        run(spec, events, rx)
    })
}

/// Builds the consumer kdeck reads streams with. It never commits: the group id is kdeck's own
/// and offsets are neither stored nor committed, so the user's groups are never touched.
pub fn viewer_consumer(cluster: &Cluster, group_id: &str) -> Result<Reader, KafkaError> {
    let mut cfg = read_only_config(cluster, group_id);
    cfg.set("fetch.wait.max.ms", "100")
        // The panes keep a few thousand records each: prefetching librdkafka's default of
        // 100k messages / 64 MiB buys nothing but memory.
        .set("queued.min.messages", "5000")
        // 4 MB stays ahead of a backlog drained at ~300k records/s (each refill is one fetch
        // round trip) and bounds what a moment of falling behind costs: 16 MB of prefetch
        // cost ~30 MB of memory (librdkafka's per-message overhead comes on top).
        .set("queued.max.messages.kbytes", "4096")
        // Refill the local queue at once (default: after 1 s), or catching up on a backlog
        // crawls at one fetch per partition per second.
        .set("fetch.queue.backoff.ms", "10");
    create_reader(&cfg)
}

/// Partitions kdeck reads, and the panes (roles) each feeds: a topic may feed more than one.
type Assigned = BTreeMap<(String, i32), Vec<Role>>;

/// The stream worker's state; `run` drives it until the app goes away.
struct Stream {
    spec: StreamSpec,
    consumer: Reader,
    events: mpsc::Sender<KafkaEvent>,
    assigned: Assigned,
    /// The panes each assigned topic feeds, looked up per record without building a key.
    roles: HashMap<String, Vec<Role>>,
    missing_reported: BTreeSet<String>,
    last_scan: Option<Instant>,
    last_self_lag: Instant,
    connected: bool,
    first_assignment: bool,
    paused: BTreeSet<Role>,
    batches: BTreeMap<Role, Vec<Record>>,
    batch_started: Instant,
    pending: usize,
    jobs: Option<super::jobs::JobWatch>,
}

fn run(spec: StreamSpec, events: mpsc::Sender<KafkaEvent>, cmds: std_mpsc::Receiver<StreamCmd>) {
    let consumer = match viewer_consumer(&spec.cluster, &spec.group_id) {
        Ok(c) => c,
        Err(e) => {
            let _ = events.blocking_send(KafkaEvent::Connection(Connection::Down {
                error: format!("cannot create the consumer: {}", describe(&e)),
            }));
            return;
        }
    };
    let jobs = spec.jobs.clone().map(super::jobs::JobWatch::new);
    let mut s = Stream {
        jobs,
        spec,
        consumer,
        events,
        assigned: BTreeMap::new(),
        roles: HashMap::new(),
        missing_reported: BTreeSet::new(),
        last_scan: None,
        last_self_lag: Instant::now(),
        connected: false,
        first_assignment: true,
        paused: BTreeSet::new(),
        batches: BTreeMap::new(),
        batch_started: Instant::now(),
        pending: 0,
    };
    // Each step returns false when the app is gone.
    loop {
        if !s.commands(&cmds) {
            return;
        }
        if s.last_scan.is_none_or(|t| t.elapsed() >= RESCAN) {
            if !s.scan() {
                return;
            }
            return_freed_memory();
        }
        if s.assigned.is_empty() {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        if s.last_self_lag.elapsed() >= Duration::from_secs(1) {
            s.last_self_lag = Instant::now();
            s.send(KafkaEvent::SelfLag(self_lag(&s.consumer, &s.assigned)));
        }
        if !s.poll_burst() {
            return;
        }
        if let Some(report) = s.jobs.as_mut().and_then(|j| j.report_due()) {
            if !s.send(KafkaEvent::Stuck(report)) {
                return;
            }
        }
    }
}

impl Stream {
    fn send(&self, e: KafkaEvent) -> bool {
        self.events.blocking_send(e).is_ok()
    }

    /// Pause and resume commands; false when the command sender is gone.
    fn commands(&mut self, cmds: &std_mpsc::Receiver<StreamCmd>) -> bool {
        loop {
            match cmds.try_recv() {
                Ok(StreamCmd::Pause(role)) => {
                    self.paused.insert(role);
                    self.apply_pauses();
                }
                Ok(StreamCmd::Resume(role)) => {
                    self.paused.remove(&role);
                    let tpl = tpl_where(&self.assigned, |roles| {
                        roles.contains(&role) && !roles.iter().any(|r| self.paused.contains(r))
                    });
                    if tpl.count() > 0 {
                        let _ = self.consumer.resume(&tpl);
                    }
                }
                Err(std_mpsc::TryRecvError::Empty) => return true,
                Err(std_mpsc::TryRecvError::Disconnected) => return false,
            }
        }
    }

    /// A partition that feeds a paused pane stays paused (also for its other panes), so a
    /// paused pane loses nothing.
    fn apply_pauses(&self) {
        let tpl = tpl_where(&self.assigned, |roles| {
            roles.iter().any(|r| self.paused.contains(r))
        });
        if tpl.count() > 0 {
            let _ = self.consumer.pause(&tpl);
        }
    }

    /// Looks at the cluster: connection state, new partitions, missing topics.
    fn scan(&mut self) -> bool {
        self.last_scan = Some(Instant::now());
        let md = match self.consumer.fetch_metadata(None, META_TIMEOUT) {
            Ok(md) => md,
            Err(e) => {
                self.connected = false;
                if self.assigned.is_empty() {
                    super::serve_pending_logs(&self.consumer);
                }
                // The stream worker keeps trying by itself: say so.
                let error = format!("{}; retrying", describe_with(&e, self.consumer.context()));
                return self.send(KafkaEvent::Connection(Connection::Down { error }));
            }
        };
        if !self.connected {
            self.connected = true;
            self.send(KafkaEvent::Connection(Connection::Connected {
                brokers: md.brokers().len(),
            }));
        }
        let mut new_tpl = TopicPartitionList::new();
        let mut missing = Vec::new();
        let panes = self.spec.topics.all();
        // Request topics feed the stuck-jobs tracking only: no pane, and not reported missing
        // (many pipelines have none).
        let requests = self.jobs.as_ref().map(|j| j.request_topics());
        let requests = requests
            .into_iter()
            .flatten()
            .filter(|t| !panes.contains(t));
        for (t, shown) in panes
            .iter()
            .map(|t| (t.clone(), true))
            .chain(requests.map(|t| (t, false)))
        {
            match md.topics().iter().find(|mt| mt.name() == t) {
                Some(mt) if mt.error().is_none() && !mt.partitions().is_empty() => {
                    let ids: Vec<i32> = mt.partitions().iter().map(|p| p.id()).collect();
                    self.add_partitions(&t, &ids, &mut new_tpl);
                    self.missing_reported.remove(&t);
                }
                _ if shown => missing.push(t.clone()),
                _ => {}
            }
        }
        if new_tpl.count() > 0 {
            if let Err(e) = self.consumer.incremental_assign(&new_tpl) {
                self.send(KafkaEvent::Warning(format!(
                    "cannot read the new partitions: {}",
                    describe(&e)
                )));
            }
            self.apply_pauses();
        }
        // Whatever appears after the first look at the cluster is new to the user.
        self.first_assignment = false;
        let missing_set: BTreeSet<String> = missing.iter().cloned().collect();
        if missing_set != self.missing_reported {
            self.missing_reported = missing_set;
            return self.send(KafkaEvent::MissingTopics(missing));
        }
        true
    }

    fn add_partitions(&mut self, topic: &str, ids: &[i32], tpl: &mut TopicPartitionList) {
        // A topic read for the stuck-jobs tracking only (a request topic) feeds no pane.
        let roles = if self.spec.topics.all().iter().any(|t| t == topic) {
            self.spec.topics.roles_of(topic)
        } else {
            Vec::new()
        };
        for id in ids {
            let key = (topic.to_string(), *id);
            if self.assigned.contains_key(&key) {
                continue;
            }
            // Partitions that appear after start-up are read whole: everything in them is
            // new to the user.
            let offset = if self.first_assignment {
                rd_offset(self.spec.start)
            } else {
                Offset::Beginning
            };
            let _ = tpl.add_partition_offset(topic, *id, offset);
            self.assigned.insert(key, roles.clone());
        }
        self.roles.insert(topic.to_string(), roles);
    }

    /// Reads what librdkafka has queued, up to a full batch, and sends batches that are full
    /// or old enough; false when the app is gone. Returning only per batch (or when idle)
    /// keeps the loop's housekeeping and its clock reads off the per-record path.
    fn poll_burst(&mut self) -> bool {
        if !self.flush_if_due() {
            return false;
        }
        loop {
            let polled = match self.consumer.poll(Duration::ZERO) {
                Some(r) => r,
                None => {
                    // Nothing queued: wait for records no longer than the batch may wait.
                    let wait = if self.pending == 0 {
                        POLL_WAIT
                    } else {
                        BATCH_AGE.saturating_sub(self.batch_started.elapsed())
                    };
                    match self.consumer.poll(wait) {
                        Some(r) => r,
                        None => return self.flush_if_due(),
                    }
                }
            };
            let m = match polled {
                Ok(m) => m,
                Err(e) => return self.on_error(e),
            };
            if self.pending == 0 {
                self.batch_started = Instant::now();
            }
            batch_record(
                &mut self.batches,
                &self.roles,
                &self.spec,
                self.jobs.as_mut(),
                &m,
            );
            self.pending += 1;
            if !self.connected {
                self.connected = true;
                let up = Connection::Connected { brokers: 0 };
                if !self.send(KafkaEvent::Connection(up)) {
                    return false;
                }
            }
            if self.pending >= BATCH_MAX {
                return self.flush();
            }
        }
    }

    fn on_error(&mut self, e: KafkaError) -> bool {
        if is_connection_error(&e) {
            if self.connected {
                self.connected = false;
                // The stream worker keeps trying by itself: say so.
                let error = format!("{}; retrying", describe_with(&e, self.consumer.context()));
                return self.send(KafkaEvent::Connection(Connection::Down { error }));
            }
            return true;
        }
        self.send(KafkaEvent::Warning(format!(
            "reading records: {}",
            describe(&e)
        )))
    }

    fn flush_if_due(&mut self) -> bool {
        if self.pending == 0
            || (self.pending < BATCH_MAX && self.batch_started.elapsed() < BATCH_AGE)
        {
            return true;
        }
        self.flush()
    }

    fn flush(&mut self) -> bool {
        self.pending = 0;
        for (role, batch) in std::mem::take(&mut self.batches) {
            if !self.send(KafkaEvent::Records(role, batch)) {
                return false;
            }
        }
        true
    }
}

/// A record goes to the batch of every pane its topic feeds, and to the stuck-jobs tracking
/// with the value its decoding parsed.
fn batch_record(
    batches: &mut BTreeMap<Role, Vec<Record>>,
    roles: &HashMap<String, Vec<Role>>,
    spec: &StreamSpec,
    mut jobs: Option<&mut super::jobs::JobWatch>,
    m: &rdkafka::message::BorrowedMessage<'_>,
) {
    let topic = m.topic();
    let fallback;
    let roles: &[Role] = match roles.get(topic) {
        Some(r) => r,
        None => {
            fallback = spec.topics.roles_of(topic);
            &fallback
        }
    };
    let mut jobs = jobs.take().filter(|j| j.tracks(topic));
    if roles.is_empty() {
        if let Some(j) = jobs {
            observe_unshown(j, m);
        }
        return;
    }
    for &role in roles {
        let headers = headers_of(m);
        let rec = match jobs.take() {
            Some(j) => {
                let at = timestamp_ms(m);
                to_record_seen(
                    incoming(m, topic, headers),
                    spec.value_cap,
                    role == Role::Dlq,
                    &mut |hs, v, status| j.observe(topic, (m.key(), hs, v), Some(status), at),
                )
            }
            None => to_record(
                incoming(m, topic, headers),
                spec.value_cap,
                role == Role::Dlq,
            ),
        };
        batches.entry(role).or_default().push(rec);
    }
}

fn incoming<'a>(
    m: &'a rdkafka::message::BorrowedMessage<'_>,
    topic: &'a str,
    headers: Vec<crate::domain::Header>,
) -> Incoming<'a> {
    Incoming {
        topic,
        partition: m.partition(),
        offset: m.offset(),
        timestamp_ms: timestamp_ms(m),
        key: m.key(),
        value: m.payload(),
        headers,
    }
}

/// A record of a topic without a pane (a request topic): only its job matters.
fn observe_unshown(j: &mut super::jobs::JobWatch, m: &rdkafka::message::BorrowedMessage<'_>) {
    let wire = crate::codec::decode::wire::decoded(m.topic(), m.payload());
    let value = match wire.as_ref().and_then(|w| w.json.as_deref()) {
        Some(j) => Some(j.as_bytes()),
        None => m.payload(),
    };
    let parsed = value.and_then(crate::codec::decode::json::Obj::parse);
    let headers = headers_of(m);
    j.observe(
        m.topic(),
        (m.key(), &headers, parsed.as_ref()),
        None,
        timestamp_ms(m),
    );
}

/// librdkafka's threads churn buffers through glibc's malloc (kdeck's own allocations go to
/// mimalloc in the binary, to glibc in tests), and glibc keeps the freed pages of every
/// thread's arena: the process grew ~10 MB over a minute at 20k records/s with a steady live
/// heap. Trimming every rescan gives them back; it walks the arenas in about a millisecond.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it takes no pointers and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn tpl_where(assigned: &Assigned, pick: impl Fn(&[Role]) -> bool) -> TopicPartitionList {
    let mut tpl = TopicPartitionList::new();
    for ((t, p), roles) in assigned {
        if pick(roles) {
            tpl.add_partition(t, *p);
        }
    }
    tpl
}

/// Records between kdeck's read position and the end of each partition, from librdkafka's
/// cached watermarks (no broker round trip).
fn self_lag<C: ConsumerContext>(consumer: &BaseConsumer<C>, assigned: &Assigned) -> i64 {
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

pub(crate) fn cached_watermarks<C: ConsumerContext>(
    consumer: &BaseConsumer<C>,
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
