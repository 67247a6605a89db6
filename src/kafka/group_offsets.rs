//! Committed offsets of many groups through one client, with librdkafka's
//! ListConsumerGroupOffsets admin call (rdkafka 0.39 does not wrap it). One request per group
//! (librdkafka's limit), all sent at once and answered on one queue, and each answer holds every
//! partition the group committed: no client per group, and no need to know its topics.
//!
//! librdkafka 2.12 aborts (`rd_kafka_enq_once_del_source_return: Assertion 'eonce->refcnt > 0'`)
//! when a coordinator-bound admin request times out while its coordinator cannot be reached
//! and the coordinator comes back later: the coordinator lookup outlives the request
//! (rdkafka_coord.c never checks its own timeout), then hands the request's freed
//! enqueue-once object to the response callback (rd_kafka_admin_coord_request returns
//! `__DESTROY`, and rd_kafka_coord_req_fail calls back once more). Nothing on our side can
//! release that object, so a request must never reach librdkafka's timeout: each is sent with
//! the longest timeout librdkafka accepts, kdeck waits for answers for a short time only, a group
//! whose request is still open is not asked again, and a client whose requests stay open for
//! minutes is destroyed whole (librdkafka's shutdown fails pending lookups on a path without
//! that bug) and replaced.

use crate::engine::lag::Tp;
use crate::support::config::Cluster;
use rdkafka::bindings as rd;
use rdkafka::consumer::BaseConsumer;
use std::collections::{BTreeMap, HashMap};
use std::ffi::{CStr, CString};
use std::time::{Duration, Instant};

pub type GroupOffsets = HashMap<String, Result<BTreeMap<Tp, i64>, String>>;

/// librdkafka's upper bound for an admin request timeout.
const REQUEST_TIMEOUT_MS: i32 = 3_600_000;
/// A request open this long waits on a coordinator lookup that will not finish by itself (it
/// keeps asking the broker that led the group before it died): start over with a new client,
/// whose lookup finds the new coordinator. Far below librdkafka's own timeout.
const RECYCLE_AFTER: Duration = Duration::from_secs(20);

/// The queue the answers arrive on and the options the requests are sent with, for one client.
struct Handles {
    queue: *mut rd::rd_kafka_queue_t,
    opts: *mut rd::rd_kafka_AdminOptions_t,
}

// SAFETY: librdkafka's queue and admin options handles may be used from any thread; `Handles`
// is only used through `&mut GroupOffsetsReader`, so never from two threads at once.
unsafe impl Send for Handles {}

/// Long-lived: owns its client, so requests left open by one call are answered on a later one.
pub struct GroupOffsetsReader {
    // Dropped before `client` (declaration order), which must outlive its queue.
    handles: Handles,
    client: BaseConsumer,
    cluster: Cluster,
    /// Requests librdkafka has not answered yet, by the id sent as their opaque: group, since.
    open: HashMap<usize, (String, Instant)>,
    next_id: usize,
    /// The last replaced client's close, which can take as long as the cluster is away: one at
    /// a time, so a long outage does not pile up closing clients.
    closing: Option<std::thread::JoinHandle<()>>,
}

impl GroupOffsetsReader {
    pub fn new(cluster: &Cluster) -> anyhow::Result<GroupOffsetsReader> {
        let client: BaseConsumer =
            super::read_only_config(cluster, "kdeck-lag-offsets").create()?;
        let handles = Handles::new(&client)?;
        Ok(GroupOffsetsReader {
            handles,
            client,
            cluster: cluster.clone(),
            open: HashMap::new(),
            next_id: 1,
            closing: None,
        })
    }

    /// Requests still waiting for an answer.
    pub fn open_requests(&self) -> usize {
        self.open.len()
    }

    /// Asks for every group that has no request open and collects answers for `wait`. Groups
    /// with no answer yet are missing from the result (late answers come with a later call).
    pub fn list(&mut self, groups: &[String], wait: Duration) -> GroupOffsets {
        let mut out: GroupOffsets = HashMap::new();
        let still_closing = self.closing.as_ref().is_some_and(|h| !h.is_finished());
        if !still_closing && self.open.values().any(|(_, t)| t.elapsed() > RECYCLE_AFTER) {
            self.recycle();
        }
        // Late answers first: they free their group for a new request.
        self.collect(&mut out, Duration::ZERO);
        for g in groups {
            if out.contains_key(g) || self.open.values().any(|(o, _)| o == g) {
                continue;
            }
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1).max(1);
            if self.handles.send(&self.client, g, id) {
                self.open.insert(id, (g.clone(), Instant::now()));
            }
        }
        self.collect(&mut out, wait);
        out.retain(|g, _| groups.contains(g));
        out
    }

    /// Reads answers until none is open or `wait` has passed.
    fn collect(&mut self, out: &mut GroupOffsets, wait: Duration) {
        let deadline = Instant::now() + wait;
        while !self.open.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.handles.poll_one(left) {
                Some(Answer { id, result }) => {
                    if let Some((group, _)) = self.open.remove(&id) {
                        match result {
                            Ok(mut by_group) => {
                                let r = by_group
                                    .remove(&group)
                                    .unwrap_or_else(|| Ok(BTreeMap::new()));
                                out.insert(group, r);
                            }
                            Err(e) => {
                                out.insert(group, Err(e));
                            }
                        }
                    }
                }
                None if left.is_zero() => return,
                None => {}
            }
        }
    }

    /// Replaces the client. Destroying it fails its pending coordinator lookups safely.
    fn recycle(&mut self) {
        let Ok(client) =
            super::read_only_config(&self.cluster, "kdeck-lag-offsets").create::<BaseConsumer>()
        else {
            return;
        };
        let Ok(handles) = Handles::new(&client) else {
            return;
        };
        let old_handles = std::mem::replace(&mut self.handles, handles);
        let old_client = std::mem::replace(&mut self.client, client);
        drop(old_handles);
        // Closing a client can wait on an unreachable coordinator: not on the caller's time.
        self.closing = std::thread::Builder::new()
            .name("kdeck-lag-close".into())
            .spawn(move || drop(old_client))
            .ok();
        self.open.clear();
    }
}

/// One answer: the request's id and the offsets by group, or why the request failed.
struct Answer {
    id: usize,
    result: Result<GroupOffsets, String>,
}

impl Handles {
    fn new(client: &BaseConsumer) -> anyhow::Result<Handles> {
        use rdkafka::consumer::Consumer;
        let rk = client.client().native_ptr();
        let mut errbuf = [0 as std::ffi::c_char; 256];
        // SAFETY: `rk` is a live handle owned by `client`, which the caller keeps for longer
        // than these handles (field order in GroupOffsetsReader). The queue and options are
        // destroyed only in Drop; librdkafka copies the options into each request and holds
        // its own reference to the queue while a request is open, so neither is freed under it.
        unsafe {
            let queue = rd::rd_kafka_queue_new(rk);
            let opts = rd::rd_kafka_AdminOptions_new(
                rk,
                rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
            );
            let err = rd::rd_kafka_AdminOptions_set_request_timeout(
                opts,
                REQUEST_TIMEOUT_MS,
                errbuf.as_mut_ptr(),
                errbuf.len(),
            );
            let h = Handles { queue, opts };
            if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
                let msg = CStr::from_ptr(errbuf.as_ptr())
                    .to_string_lossy()
                    .into_owned();
                anyhow::bail!("setting the admin request timeout: {msg}");
            }
            Ok(h)
        }
    }

    /// Sends one request; false when the name cannot be sent (an interior NUL).
    fn send(&self, client: &BaseConsumer, group: &str, id: usize) -> bool {
        use rdkafka::consumer::Consumer;
        let Ok(name) = CString::new(group) else {
            return false;
        };
        let rk = client.client().native_ptr();
        // SAFETY: the request is copied by the call and destroyed right after it; `rk`, the
        // options and the queue are live (see `new`).
        unsafe {
            // The id comes back with the answer (the options are copied into the request).
            rd::rd_kafka_AdminOptions_set_opaque(self.opts, id as *mut std::ffi::c_void);
            let mut req =
                rd::rd_kafka_ListConsumerGroupOffsets_new(name.as_ptr(), std::ptr::null());
            rd::rd_kafka_ListConsumerGroupOffsets(rk, &mut req, 1, self.opts, self.queue);
            rd::rd_kafka_ListConsumerGroupOffsets_destroy(req);
        }
        true
    }

    /// Waits up to `wait` for one answer.
    fn poll_one(&self, wait: Duration) -> Option<Answer> {
        // SAFETY: the queue is live; the event is destroyed after reading, and everything
        // read from it is copied out before that.
        unsafe {
            let ev = rd::rd_kafka_queue_poll(self.queue, wait.as_millis().min(60_000) as i32);
            if ev.is_null() {
                return None;
            }
            let answer = (rd::rd_kafka_event_type(ev)
                == rd::RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT)
                .then(|| Answer {
                    id: rd::rd_kafka_event_opaque(ev) as usize,
                    result: read_result(ev),
                });
            rd::rd_kafka_event_destroy(ev);
            // Any other event on this queue answers nothing of ours: keep waiting.
            answer.or(Some(Answer {
                id: 0,
                result: Ok(HashMap::new()),
            }))
        }
    }
}

impl Drop for Handles {
    fn drop(&mut self) {
        // SAFETY: created in `new` and destroyed once, here. Requests still open hold their own
        // copy of the options and their own reference to the queue's storage: librdkafka drops
        // answers that arrive for a destroyed queue.
        unsafe {
            rd::rd_kafka_AdminOptions_destroy(self.opts);
            rd::rd_kafka_queue_destroy(self.queue);
        }
    }
}

/// SAFETY (for callers): `ev` is a live ListConsumerGroupOffsets result event.
unsafe fn read_result(ev: *mut rd::rd_kafka_event_t) -> Result<GroupOffsets, String> {
    let err = rd::rd_kafka_event_error(ev);
    if err != rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Err(super::describe_code(err.into()));
    }
    let mut out: GroupOffsets = HashMap::new();
    let res = rd::rd_kafka_event_ListConsumerGroupOffsets_result(ev);
    if res.is_null() {
        return Ok(out);
    }
    let mut cnt = 0usize;
    let groups = rd::rd_kafka_ListConsumerGroupOffsets_result_groups(res, &mut cnt);
    for i in 0..cnt {
        let gr = *groups.add(i);
        let name = CStr::from_ptr(rd::rd_kafka_group_result_name(gr))
            .to_string_lossy()
            .into_owned();
        let gerr = rd::rd_kafka_group_result_error(gr);
        if !gerr.is_null() {
            let code = rd::rd_kafka_error_code(gerr);
            out.insert(name, Err(super::describe_code(code.into())));
            continue;
        }
        let mut offsets = BTreeMap::new();
        let parts = rd::rd_kafka_group_result_partitions(gr);
        if !parts.is_null() {
            for j in 0..(*parts).cnt.max(0) as usize {
                let e = &*(*parts).elems.add(j);
                if e.offset >= 0
                    && e.err == rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR
                    && !e.topic.is_null()
                {
                    let topic = CStr::from_ptr(e.topic).to_string_lossy().into_owned();
                    offsets.insert((topic, e.partition), e.offset);
                }
            }
        }
        out.insert(name, Ok(offsets));
    }
    Ok(out)
}
