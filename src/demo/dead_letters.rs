//! The demo's dead-letter writers: every DLQ dialect kdeck decodes, mixed so that triage can be
//! tried on each, with the headers each writer adds about a failure.

/// What the demo's dead-letter writers say about one failure.
pub(super) struct Failure<'a> {
    pub(super) origin: (i32, i64),
    pub(super) topic: &'a str,
    pub(super) error: String,
    pub(super) started_ms: i64,
    pub(super) group: &'a str,
    pub(super) now: &'a str,
}

/// The demo's DLQs mix every writer kdeck decodes, so triage can be tried on each; the Go
/// package's format stays the most common. Chosen from the job id, so a job always fails the
/// same way.
pub(super) fn demo_dialect(job_id: &str) -> crate::domain::DlqDialect {
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

pub(super) fn dialect_headers(
    d: crate::domain::DlqDialect,
    f: &Failure<'_>,
) -> Vec<(String, Vec<u8>)> {
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

#[cfg(test)]
mod tests {
    use crate::demo::Pipeline;
    use crate::domain::Header;
    use std::collections::HashMap;

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
