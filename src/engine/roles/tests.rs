use super::*;
use crate::codec::decode::{dlq::headers::DIALECTS, to_record, Incoming};
use crate::domain::Header;
use crate::domain::Role;

/// A record of `topic` as the topic browser decodes it: not taken for a dead letter.
fn rec(
    topic: &str,
    offset: i64,
    key: Option<&str>,
    value: Option<&str>,
    hs: &[(&str, &[u8])],
) -> Record {
    to_record(incoming(topic, offset, key, value, hs), 1 << 20, false)
}

fn incoming<'a>(
    topic: &'a str,
    offset: i64,
    key: Option<&'a str>,
    value: Option<&'a str>,
    hs: &[(&str, &[u8])],
) -> Incoming<'a> {
    Incoming {
        topic,
        partition: 0,
        offset,
        timestamp_ms: Some(1_763_200_000_000 + offset),
        key: key.map(str::as_bytes),
        value: value.map(str::as_bytes),
        headers: hs
            .iter()
            .map(|(k, v)| Header {
                key: (*k).into(),
                value: Some(v.to_vec()),
            })
            .collect(),
    }
}

fn many(topic: &str, n: usize, value: &str, hs: &[(&str, &[u8])]) -> Vec<Record> {
    (0..n as i64)
        .map(|o| rec(topic, o, Some("k"), Some(value), hs))
        .collect()
}

fn check(p: &Proposal, role: Option<Guess>, confidence: Confidence, evidence: &str) {
    assert_eq!(p.evidence, evidence);
    assert_eq!((p.role, p.confidence), (role, confidence), "{}", p.evidence);
}

const GO_VALUE: &str = r#"{"action":"create_booking","params":{"user_phone":"+972501234567"}}"#;

/// A writer's headers: (name, value) pairs.
type Hs = &'static [(&'static str, &'static [u8])];

/// Each writer's headers on a failed record, as it writes them.
const DIALECT_HEADERS: [(Hs, &str); 9] = [
    (
        &[
            ("event-id", b"e-7"),
            ("event-type", b"booking.create.requested"),
            ("correlation-id", b"corr-abc-123"),
            ("schema-version", b"v1"),
            ("source", b"pipeline-executor"),
            ("timestamp", b"2025-11-18T15:00:00Z"),
            ("retry-count", b"3"),
            ("original-topic", b"pipeline-executor-to-bookings"),
            ("dlq-error", b"connection refused"),
            ("dlq-timestamp", b"2025-11-18T17:00:05+02:00"),
            ("dlq-consumer-group", b"bookings-service-consumer-group"),
        ],
        "the pipeline executor's Go package (dlq-*)",
    ),
    (
        &[
            ("kafka_dlt-original-topic", b"orders"),
            ("kafka_dlt-original-partition", &[0, 0, 0, 2]),
            (
                "kafka_dlt-original-offset",
                &[0, 0, 0, 0, 0xfc, 0xde, 0x41, 0xb2],
            ),
            ("kafka_dlt-original-consumer-group", b"order-service"),
            (
                "kafka_dlt-exception-fqcn",
                b"org.springframework.kafka.listener.ListenerExecutionFailedException",
            ),
            ("kafka_dlt-exception-message", b"amount must be positive"),
        ],
        "Spring DeadLetterPublishingRecoverer (kafka_dlt-*)",
    ),
    (
        &[
            ("kafka_original-topic", b"payments"),
            ("kafka_original-partition", &[0, 0, 0, 0]),
            ("kafka_original-offset", &[0, 0, 0, 0, 0, 0, 3, 0xd5]),
            (
                "kafka_exception-fqcn",
                b"org.springframework.kafka.listener.ListenerExecutionFailedException",
            ),
            ("kafka_exception-message", b"Read timed out"),
            ("retry_topic-attempts", &[0, 0, 0, 4]),
        ],
        "Spring @RetryableTopic (kafka_original-*)",
    ),
    (
        &[
            ("x-original-topic", b"invoices"),
            ("x-original-partition", &[0, 0, 0, 1]),
            ("x-original-offset", &[0, 0, 0, 0, 0, 0, 0, 0x37]),
            ("x-exception-message", b"Dispatcher has no subscribers"),
            (
                "x-exception-fqcn",
                b"org.springframework.messaging.MessageDeliveryException",
            ),
        ],
        "Spring Cloud Stream (x-original-*)",
    ),
    (
        &[
            ("dead-letter-reason", b"Unable to process the record"),
            ("dead-letter-cause", b"Connection reset by peer"),
            (
                "dead-letter-exception-class-name",
                b"java.lang.IllegalStateException",
            ),
            ("dead-letter-topic", b"prices"),
            ("dead-letter-partition", b"3"),
            ("dead-letter-offset", b"1017"),
        ],
        "SmallRye / Quarkus (dead-letter-*)",
    ),
    (
        &[
            ("__connect.errors.topic", b"pg.public.users"),
            ("__connect.errors.partition", b"0"),
            ("__connect.errors.offset", b"12345"),
            ("__connect.errors.connector.name", b"jdbc-sink"),
            ("__connect.errors.task.id", b"0"),
            (
                "__connect.errors.exception.class.name",
                b"org.apache.kafka.connect.errors.DataException",
            ),
            (
                "__connect.errors.exception.message",
                b"Converting byte[] to Kafka Connect data failed",
            ),
        ],
        "Kafka Connect (__connect.errors.*)",
    ),
    (
        &[
            (
                "__streams.errors.exception",
                b"org.apache.kafka.common.errors.SerializationException",
            ),
            (
                "__streams.errors.message",
                b"Size of data received by IntegerDeserializer is not 4",
            ),
            ("__streams.errors.topic", b"clicks"),
            ("__streams.errors.partition", b"5"),
            ("__streams.errors.offset", b"700"),
        ],
        "Kafka Streams (__streams.errors.*)",
    ),
    (
        &[
            ("__dlq.errors.topic", b"tasks"),
            ("__dlq.errors.partition", b"1"),
            ("__dlq.errors.offset", b"88"),
            ("__dlq.errors.message", b"delivery count exceeded"),
            ("__dlq.errors.group", b"task-share-group"),
            ("__dlq.errors.delivery.count", b"5"),
        ],
        "the broker share-group DLQ (__dlq.errors.*)",
    ),
    (
        &[
            ("source_topic", b"events"),
            ("source_partition", b"2"),
            ("source_offset", b"31337"),
            ("source_consumer_group", b"example_app_group"),
            ("source_attempts", b"3"),
        ],
        "Karafka (source_*)",
    ),
];

#[test]
fn each_of_the_nine_dialects_gives_a_dlq_naming_its_writer() {
    for (hs, writer) in DIALECT_HEADERS {
        // A name with no hint: the headers alone decide.
        let records = many("orders-parking", 4, r#"{"orderId":"o-17","amount":-5}"#, hs);
        let want = format!("4 of 4 records carry dead-letter headers from {writer}");
        check(
            &propose("orders-parking", &records),
            Some(Guess::Dlq),
            Confidence::High,
            &want,
        );
        // Decoded as dead letters (a topic already configured as DLQ), the same.
        let as_dlq: Vec<Record> = (0..4)
            .map(|o| {
                to_record(
                    incoming("orders-parking", o, None, Some("x"), hs),
                    1 << 20,
                    true,
                )
            })
            .collect();
        assert_eq!(propose("orders-parking", &as_dlq).evidence, want);
    }
}

#[test]
fn a_dlq_topic_with_a_majority_of_spring_dead_letters() {
    let spring = DIALECT_HEADERS[1].0;
    let mut records = many("orders.DLT", 31, r#"{"orderId":"o-17"}"#, spring);
    records.extend(many("orders.DLT", 19, r#"{"orderId":"o-18"}"#, &[]));
    check(
        &propose("orders.DLT", &records),
        Some(Guess::Dlq),
        Confidence::High,
        "31 of 50 records carry dead-letter headers from Spring DeadLetterPublishingRecoverer (kafka_dlt-*)",
    );
}

#[test]
fn several_writers_are_named_most_frequent_first() {
    let (connect, spring) = (DIALECT_HEADERS[5].0, DIALECT_HEADERS[1].0);
    let mut records = many("errors", 1, "{}", connect);
    records.extend(many("errors", 3, "{}", spring));
    check(
        &propose("errors", &records),
        Some(Guess::Dlq),
        Confidence::High,
        "3 of 4 records carry dead-letter headers from Spring DeadLetterPublishingRecoverer \
         (kafka_dlt-*), 1 from Kafka Connect (__connect.errors.*)",
    );
}

#[test]
fn generic_dead_letter_names_give_a_medium_dlq() {
    let hs: &[(&str, &[u8])] = &[("original-topic", b"orders"), ("error", b"bad amount")];
    check(
        &propose("orders-failed", &many("orders-failed", 5, "{}", hs)),
        Some(Guess::Dlq),
        Confidence::Medium,
        "5 of 5 records carry generic dead-letter headers that name no writer (original-topic, error)",
    );
}

#[test]
fn the_go_packages_own_headers_on_commands_are_no_dead_letters() {
    let hs: &[(&str, &[u8])] = &[
        ("event-id", b"e-1"),
        ("event-type", b"booking.create.requested"),
        ("correlation-id", b"corr-abc-123"),
        ("source", b"pipeline-executor"),
        ("retry-count", b"0"),
    ];
    let records = many("pipeline-executor-to-bookings", 12, GO_VALUE, hs);
    check(
        &propose("pipeline-executor-to-bookings", &records),
        None,
        Confidence::High,
        "12 JSON records with no dead-letter headers, known status word or request shape: none of the roles",
    );
}

fn portal_status(status: &str, pct: u32) -> String {
    format!(
        r#"{{"event_id":"status_CHG-2024-001234_20240709_143015","event_type":"task_status_update","change_number":"CHG-2024-001234","request_id":"status_update_CHG-2024-001234","timestamp":"2024-07-09T14:30:15.123456Z","user_id":null,"source":"franc-portal","original_request_id":"device_conn_CHG-2024-001234","status":"{status}","progress_percentage":{pct},"status_message":"Configuring interfaces on device NYC-Core-SW01","error_details":null,"estimated_completion":"2024-07-09T14:35:00.000000Z"}}"#
    )
}

fn of(topic: &str, values: &[String]) -> Vec<Record> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| rec(topic, i as i64, Some("CHG-2024-001234"), Some(v), &[]))
        .collect()
}

#[test]
fn the_portals_status_events_give_status() {
    let values = [
        portal_status("in_progress", 25),
        portal_status("in_progress", 65),
        portal_status("pending", 0),
        portal_status("in_progress", 90),
        portal_status("completed", 100),
        portal_status("failed", 40),
    ];
    check(
        &propose("franc.task.status", &of("franc.task.status", &values)),
        Some(Guess::Status),
        Confidence::High,
        "4 of 6 records have a progress status (in_progress, pending) and 2 a final one (completed, failed)",
    );
    let progress_only = &values[..4];
    check(
        &propose("franc-events", &of("franc-events", progress_only)),
        Some(Guess::Status),
        Confidence::High,
        "4 of 4 records have a progress status (in_progress, pending)",
    );
}

fn export_completion(id: u32, status: &str, error: &str) -> String {
    format!(
        r#"{{"export_id":"export-123-456-{id}","job_id":"job-abc-def-ghi","org_id":"org-customer-001","status":"{status}","completed_at":"2024-01-15T10:30:00Z","download_url":"https://console.redhat.com/api/export/v1/exports/export-123-456-{id}","error_message":"{error}"}}"#
    )
}

#[test]
fn the_export_services_completion_events_give_completion() {
    let hs: &[(&str, &[u8])] = &[
        ("event_type", b"export_completion"),
        ("org_id", b"org-customer-001"),
    ];
    let values = [
        export_completion(789, "complete", ""),
        export_completion(790, "complete", ""),
        export_completion(791, "failed", "disk full"),
        export_completion(792, "complete", ""),
    ];
    let records: Vec<Record> = values
        .iter()
        .enumerate()
        .map(|(i, v)| rec("export-completions", i as i64, None, Some(v), hs))
        .collect();
    check(
        &propose("export-completions", &records),
        Some(Guess::Completion),
        Confidence::High,
        "4 of 4 records have a final status (complete, failed) and none a progress one",
    );
}

#[test]
fn the_portals_completion_events_give_completion() {
    let v = r#"{"event_id":"complete_CHG-2024-001234_20240709_143500","event_type":"task_completion","change_number":"CHG-2024-001234","request_id":"completion_CHG-2024-001234","timestamp":"2024-07-09T14:35:00.123456Z","user_id":null,"source":"franc-portal","original_request_id":"device_conn_CHG-2024-001234","completion_status":"completed","completion_message":"Device NYC-Core-SW01 successfully connected with 4 interfaces configured","result_data":{"device_ip":"10.1.1.100"},"error_details":null,"execution_duration":180.5}"#;
    check(
        &propose(
            "franc.task.completion",
            &many("franc.task.completion", 3, v, &[]),
        ),
        Some(Guess::Completion),
        Confidence::High,
        "3 of 3 records have a final status (completed) and none a progress one",
    );
}

#[test]
fn the_schedulers_job_ingest_requests_give_request() {
    let sms = r#"{"requestId":"7f3c2a10-1b2c-4d5e-8f90-a1b2c3d4e5f6","appName":"sms","scheduledTime":"2025-01-01T10:00:00","jobData":{"to":"+8801711000000","message":"Your code is 123456"},"priority":"high","idempotencyKey":"unique-key-123"}"#;
    let export = r#"{"requestId":"0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0","appName":"export","scheduledTime":"2025-01-01T10:05:00Z","jobData":{"export_id":"export-123-456789","job_id":"job-456789","org_id":"org-customer-001","format":"json"},"priority":"normal","idempotencyKey":"export-job-456789"}"#;
    let records = vec![
        rec("scheduler.jobs.ingest", 0, Some("sms-42"), Some(sms), &[]),
        rec("scheduler.jobs.ingest", 1, Some("sms-43"), Some(sms), &[]),
        rec(
            "scheduler.jobs.ingest",
            2,
            Some("export-123-456789"),
            Some(export),
            &[
                ("event_type", b"export_job"),
                ("org_id", b"org-customer-001"),
            ],
        ),
    ];
    check(
        &propose("scheduler.jobs.ingest", &records),
        Some(Guess::Request),
        Confidence::High,
        "3 of 3 records are the infinite scheduler's job-ingest requests (appName, scheduledTime)",
    );
}

#[test]
fn the_portals_and_the_task_managers_requests_give_request() {
    let device = r#"{"event_id":"conn_CHG-2024-001234_20240709_142530","event_type":"device_connection","change_number":"CHG-2024-001234","request_id":"device_conn_CHG-2024-001234","timestamp":"2024-07-09T14:25:30.123456Z","user_id":null,"source":"franc-portal","device_name":"NYC-Core-SW01","device_type":"Switch","location":"NYC Building A","interfaces":[{"name":"Gi0/1","speed":"1 Gbit","role":"data","vpc_group":"vPC-1"}],"vpc_groups":["vPC-1"]}"#;
    let dc = r#"{"event_id":"dc_CHG-2024-001235_20240709_142530","event_type":"datacenter_deployment","change_number":"CHG-2024-001235","request_id":"datacenter_CHG-2024-001235","timestamp":"2024-07-09T14:25:30.123456Z","user_id":null,"source":"franc-portal","dc_name":"NYC-DC-01","location":"New York Metro","design_pattern":"Spine-Leaf"}"#;
    let mut records = many("franc.requests.all", 2, device, &[]);
    records.extend(many("franc.requests.all", 1, dc, &[]));
    check(
        &propose("franc-portal-events", &records),
        Some(Guess::Request),
        Confidence::High,
        "3 of 3 records are the FRANC portal's service requests (device_name, dc_name or pop_name)",
    );
    let crawl = r#"{"headers":{"requestId":"5d1e6a7b-8c9d-4e0f-a1b2-c3d4e5f60718","requestType":"web-crawl","timestamp":"2024-01-01T00:00:00.000Z","traceId":"trace-1","spanId":"12345678"},"message":{"userEmail":"user@example.com","userQuery":"Find product information","originalUrl":"https://example.com","requestedAt":"2024-01-01T00:00:00.000Z"}}"#;
    let mut mixed = many("requests-web-crawl", 3, crawl, &[]);
    mixed.extend(many("requests-web-crawl", 1, device, &[]));
    check(
        &propose("requests-web-crawl", &mixed),
        Some(Guess::Request),
        Confidence::High,
        "3 of 4 records are the task manager's web-crawl requests (an envelope with requestId), \
         1 are the FRANC portal's service requests (device_name, dc_name or pop_name)",
    );
}

fn task(status: &str, tail: &str) -> String {
    format!(
        r#"{{"headers":{{"taskId":"9b2f0c1e-4a5d-4e6f-8a7b-1c2d3e4f5a6b","taskType":"web-crawl","timestamp":"2024-01-01T00:00:00.000Z","traceId":"trace-9","spanId":"87654321"}},"message":{{"taskId":"9b2f0c1e-4a5d-4e6f-8a7b-1c2d3e4f5a6b","status":"{status}"{tail}}}}}"#
    )
}

fn task_statuses() -> Vec<String> {
    vec![
        // The task's creation: a request's fields, but a status word: a status record.
        task(
            "new",
            r#","userEmail":"user@example.com","userQuery":"Find product information","originalUrl":"https://example.com","receivedAt":"2024-01-01T00:00:00.000Z""#,
        ),
        task("in_progress", ""),
        task(
            "completed",
            r#","result":"Found 5 products matching criteria","finishedAt":"2024-01-01T00:00:03.000Z""#,
        ),
        task(
            "error",
            r#","error":"Network timeout occurred","finishedAt":"2024-01-01T00:00:05.000Z""#,
        ),
    ]
}

#[test]
fn the_task_managers_envelope_statuses_give_status() {
    check(
        &propose("task-status", &of("task-status", &task_statuses())),
        Some(Guess::Status),
        Confidence::High,
        "2 of 4 records have a progress status (new, in_progress) and 2 a final one (completed, error)",
    );
}

#[test]
fn final_states_only_on_a_topic_named_status_stay_status() {
    let finals = &task_statuses()[2..];
    check(
        &propose("task-status", &of("task-status", finals)),
        Some(Guess::Status),
        Confidence::Medium,
        "2 of 2 records have a final status (completed, error) and none a progress one; \
         the name ends in -status and a status topic carries final states too",
    );
    check(
        &propose("tasks", &of("tasks", finals)),
        Some(Guess::Completion),
        Confidence::High,
        "2 of 2 records have a final status (completed, error) and none a progress one",
    );
}

#[test]
fn a_plain_log_topic_is_none_of_the_roles() {
    let lines = [
        "2025-11-18T15:00:00.123Z INFO  export-worker started, 4 threads",
        "2025-11-18T15:00:01.456Z WARN  export-worker slow upload to s3 (2.3 s)",
        "2025-11-18T15:00:02.789Z ERROR export-worker job-456789 failed: disk full",
    ];
    let records: Vec<Record> = (0..12)
        .map(|i| rec("app-logs", i, None, Some(lines[i as usize % 3]), &[]))
        .collect();
    check(
        &propose("app-logs", &records),
        None,
        Confidence::High,
        "12 plain text records with no status or job fields: none of the roles",
    );
    check(
        &propose("app-logs", &records[..3]),
        None,
        Confidence::Medium,
        "3 plain text records with no status or job fields: none of the roles",
    );
}

#[test]
fn an_empty_topic_goes_by_its_name_alone() {
    let cases = [
        ("orders.DLT", Some(Guess::Dlq), "the name ends in .DLT"),
        ("payments-dlt", Some(Guess::Dlq), "the name ends in -dlt"),
        (
            "scheduler.jobs.dlq",
            Some(Guess::Dlq),
            "the name ends in .dlq",
        ),
        (
            "dlq-domain-services",
            Some(Guess::Dlq),
            "the name starts with dlq-",
        ),
        ("task-status-dlq", Some(Guess::Dlq), "the name ends in -dlq"),
        (
            "orders-dead-letter-queue",
            Some(Guess::Dlq),
            "the name contains dead-letter",
        ),
        (
            "OrdersDeadLetter",
            Some(Guess::Dlq),
            "the name contains DeadLetter",
        ),
        (
            "franc.task.status",
            Some(Guess::Status),
            "the name ends in .status",
        ),
        ("status", Some(Guess::Status), "the name is status"),
        (
            "export-completions",
            Some(Guess::Completion),
            "the name ends in -completions",
        ),
        (
            "franc.task.completion",
            Some(Guess::Completion),
            "the name ends in .completion",
        ),
        (
            "requests-web-crawl",
            Some(Guess::Request),
            "the name starts with requests-",
        ),
        (
            "scheduler.jobs.ingest",
            Some(Guess::Request),
            "the name ends in .ingest",
        ),
        (
            "web.request.v1",
            Some(Guess::Request),
            "the name contains .request.",
        ),
        (
            "requests.status",
            Some(Guess::Status),
            "the name ends in .status",
        ),
    ];
    for (topic, guess, words) in cases {
        let want = format!("{words} (no records to look at)");
        check(&propose(topic, &[]), guess, Confidence::Low, &want);
    }
    check(
        &propose("app-logs", &[]),
        None,
        Confidence::Low,
        "no records to look at and nothing in the name: none of the roles",
    );
    for plain in ["statusboard", "orders", "dlqx.events"] {
        assert_eq!(name_hint(plain), None, "{plain}");
    }
}

#[test]
fn a_name_hint_over_records_that_show_nothing_stays_low() {
    let records = many("orders.DLT", 3, "NoMethodError: undefined method", &[]);
    check(
        &propose("orders.DLT", &records),
        Some(Guess::Dlq),
        Confidence::Low,
        "the name ends in .DLT; its 3 records show none of the roles",
    );
    check(
        &propose("orders.DLT", &records[..1]),
        Some(Guess::Dlq),
        Confidence::Low,
        "the name ends in .DLT; its one record shows none of the roles",
    );
}

fn job_status(i: usize, status: &str) -> String {
    format!(
        r#"{{"export_id":"export-{i}","job_id":"job-{i}","status":"{status}","progress_percentage":{}}}"#,
        i * 10
    )
}

fn mix(topic: &str, words: &[(&str, usize)]) -> Vec<Record> {
    let values: Vec<String> = words
        .iter()
        .flat_map(|(w, k)| std::iter::repeat_n(*w, *k))
        .enumerate()
        .map(|(i, w)| job_status(i, w))
        .collect();
    of(topic, &values)
}

#[test]
fn a_mixed_topic_is_decided_by_the_share_of_progress_words() {
    // Progress on half or more of the statused records: status, high.
    let half = mix(
        "jobs.events",
        &[("running", 3), ("completed", 2), ("failed", 1)],
    );
    check(
        &propose("jobs.events", &half),
        Some(Guess::Status),
        Confidence::High,
        "3 of 6 records have a progress status (running) and 3 a final one (completed, failed)",
    );
    // Mostly finals, but progress on 1 in 10 or more: a status topic with its final states.
    let finals = mix(
        "jobs.events",
        &[
            ("running", 2),
            ("queued", 1),
            ("completed", 5),
            ("failed", 2),
        ],
    );
    check(
        &propose("jobs.events", &finals),
        Some(Guess::Status),
        Confidence::Medium,
        "3 of 10 records have a progress status (running, queued) and 7 a final one \
         (completed, failed): a status topic carries final states too, a completion topic only those",
    );
    // One progress word among twelve statuses: a stray on a completion topic.
    let stray = mix(
        "jobs.events",
        &[("completed", 8), ("processing", 1), ("failed", 3)],
    );
    check(
        &propose("jobs.events", &stray),
        Some(Guess::Completion),
        Confidence::Medium,
        "11 of 12 records have a final status (completed, failed), only 1 a progress one \
         (processing): too few for a status topic",
    );
}

#[test]
fn signals_on_fewer_than_half_the_records_are_low_unless_the_name_agrees() {
    let mut records = mix("jobs.events", &[("running", 3), ("completed", 1)]);
    records.extend(many("jobs.events", 6, "heartbeat", &[]));
    let evidence = "3 of 10 records have a progress status (running) and 1 a final one \
                    (completed); the other 6 do not";
    check(
        &propose("jobs.events", &records),
        Some(Guess::Status),
        Confidence::Low,
        evidence,
    );
    check(
        &propose("jobs.status", &records),
        Some(Guess::Status),
        Confidence::Medium,
        &format!("{evidence}; the name ends in .status too"),
    );
}

#[test]
fn a_name_that_disagrees_with_the_records_is_said_and_outweighed() {
    let records = mix("orders.DLT", &[("running", 4)]);
    check(
        &propose("orders.DLT", &records),
        Some(Guess::Status),
        Confidence::High,
        "4 of 4 records have a progress status (running); the name ends in .DLT, \
         which suggests a DLQ topic",
    );
}

#[test]
fn dead_letters_outrank_status_words() {
    // A dead-lettered status record keeps its status word: the headers decide.
    let go = DIALECT_HEADERS[0].0;
    let value = job_status(1, "in_progress");
    check(
        &propose("jobs-parking", &many("jobs-parking", 3, &value, go)),
        Some(Guess::Dlq),
        Confidence::High,
        "3 of 3 records carry dead-letter headers from the pipeline executor's Go package (dlq-*)",
    );
}

#[test]
fn each_writers_header_family_is_in_the_decoders_table() {
    for t in DIALECTS {
        let Some(d) = t.dialect else { continue };
        let prefix = family(d).trim_end_matches('*');
        assert!(
            t.names.iter().any(|n| n.name.starts_with(prefix)),
            "{}: no header starts with {prefix}",
            d.name()
        );
    }
}

#[test]
fn guesses_map_to_the_dashboards_roles() {
    assert_eq!(Guess::Dlq.role(), Some(Role::Dlq));
    assert_eq!(Guess::Status.role(), Some(Role::Status));
    assert_eq!(Guess::Completion.role(), Some(Role::Completion));
    assert_eq!(Guess::Request.role(), None);
    assert!(Confidence::High > Confidence::Medium && Confidence::Medium > Confidence::Low);
}
