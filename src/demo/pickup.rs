//! The pick-up of requests from outside the simulator: a user's, or one replayed from a DLQ.

use super::scheduler::scheduler_ids;
use super::task_manager::trace_of;
use super::{iso, text_at, Flavor, Incoming, Job, Pipeline, ERRORS, REQUEST_TOPICS};

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

#[cfg(test)]
mod tests {
    use crate::demo::{Incoming, Pipeline, SIM_HEADER};
    use crate::domain::{Header, OutRecord};
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
            ("schedule-job", "export-completions", "job-status.avro"),
            ("export-job", "export-completions", "job-status.avro"),
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
