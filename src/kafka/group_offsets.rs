//! Committed offsets of many groups through one client, with librdkafka's
//! ListConsumerGroupOffsets admin call (rdkafka 0.39 does not wrap it). One request per group
//! (librdkafka's limit), all sent at once and answered on one queue, and each answer holds every
//! partition the group committed: no client per group, and no need to know its topics.

use crate::domain::lag::Tp;
use rdkafka::bindings as rd;
use rdkafka::consumer::{BaseConsumer, Consumer};
use std::collections::{BTreeMap, HashMap};
use std::ffi::{CStr, CString};
use std::time::{Duration, Instant};

pub type GroupOffsets = HashMap<String, Result<BTreeMap<Tp, i64>, String>>;

/// Groups that got no answer in time are missing from the result.
pub fn list(consumer: &BaseConsumer, groups: &[String], timeout: Duration) -> GroupOffsets {
    let mut out: GroupOffsets = HashMap::new();
    if groups.is_empty() {
        return out;
    }
    let rk = consumer.client().native_ptr();
    // SAFETY: every pointer below comes from librdkafka and is used as its API documents:
    // requests are copied by the call and destroyed right after it; events are destroyed after
    // reading, and the strings and lists read from them are copied out before that; the queue
    // and options are destroyed last. `rk` lives as long as `consumer`.
    unsafe {
        let queue = rd::rd_kafka_queue_new(rk);
        let opts = rd::rd_kafka_AdminOptions_new(
            rk,
            rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS,
        );
        let mut errbuf = [0 as std::ffi::c_char; 256];
        rd::rd_kafka_AdminOptions_set_request_timeout(
            opts,
            timeout.as_millis() as i32,
            errbuf.as_mut_ptr(),
            errbuf.len(),
        );
        let mut sent = 0usize;
        for g in groups {
            let Ok(name) = CString::new(g.as_str()) else {
                continue;
            };
            let mut req =
                rd::rd_kafka_ListConsumerGroupOffsets_new(name.as_ptr(), std::ptr::null());
            rd::rd_kafka_ListConsumerGroupOffsets(rk, &mut req, 1, opts, queue);
            rd::rd_kafka_ListConsumerGroupOffsets_destroy(req);
            sent += 1;
        }
        let deadline = Instant::now() + timeout + Duration::from_millis(500);
        let mut answered = 0usize;
        while answered < sent {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let ev = rd::rd_kafka_queue_poll(queue, left.as_millis().max(1) as i32);
            if ev.is_null() {
                continue;
            }
            if rd::rd_kafka_event_type(ev) == rd::RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT {
                answered += 1;
                read_result(ev, &mut out);
            }
            rd::rd_kafka_event_destroy(ev);
        }
        rd::rd_kafka_AdminOptions_destroy(opts);
        rd::rd_kafka_queue_destroy(queue);
    }
    out
}

unsafe fn read_result(ev: *mut rd::rd_kafka_event_t, out: &mut GroupOffsets) {
    let res = rd::rd_kafka_event_ListConsumerGroupOffsets_result(ev);
    if res.is_null() {
        return;
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
            let msg = CStr::from_ptr(rd::rd_kafka_error_string(gerr))
                .to_string_lossy()
                .into_owned();
            out.insert(name, Err(msg));
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
}
