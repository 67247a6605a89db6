//! Decode cost per record in the dashboard's reader (`codec::decode::to_record`) for one job
//! status record as plain JSON, as Avro, as Protobuf and as JSON Schema (the Confluent wire
//! format), with local schema files installed as the schema source, so every schema is cached.
//! Prints ns per record, records/s and each format's ratio to JSON; the aim is at most 1.5×
//! JSON's cost. Run: bench/schema_decode.sh (no broker).

use kdeck::codec::decode::{to_record, Incoming};
use kdeck::codec::schema::wire_id;
use kdeck::domain::{Header, PayloadKind, Record, SchemaState};
use kdeck::support::config::schemas::{LocalSchema, SchemaConfig};
use kdeck::support::registry::{local, Registry};
use serde_json::{json, Value};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The allocator the kdeck binary uses: the reader runs there.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Records per timed run (decoded into a batch, as the reader hands batches on; the batch is
/// dropped outside the timing: the dashboard frees records on its UI task).
const BATCH: usize = 1_000;
const BATCHES: usize = 100;
const RUNS: usize = 9;

const AVRO_TOPIC: &str = "bench.jobs.avro";
const PROTO_TOPIC: &str = "bench.tasks.proto";
const JSON_SCHEMA_TOPIC: &str = "bench.jobs.jsonschema";
const JSON_TOPIC: &str = "bench.jobs.json";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/schemas")
        .join(name)
}

/// job_event.avsc with the JobError it references written inline: a local .avsc file is read
/// alone (references come only from a registry).
fn inline_avro(dir: &Path) -> PathBuf {
    let read = |n| -> Value {
        serde_json::from_str(&std::fs::read_to_string(fixture(n)).unwrap()).unwrap()
    };
    let mut event = read("job_event.avsc");
    let error = read("job_error.avsc");
    let field = event["fields"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["name"] == "error")
        .unwrap();
    field["type"] = json!(["null", error]);
    let path = dir.join("job_event_inline.avsc");
    std::fs::write(&path, event.to_string()).unwrap();
    path
}

/// One failed job's status, in the Avro schema's JSON shape (as kdeck decodes it back): 10
/// fields, a nested worker, labels, three steps and an error.
fn job_value() -> Value {
    json!({
        "job_id": "job-20250101-000042",
        "status": "FAILED",
        "progress": 0.75,
        "attempt": 3,
        "updated_at": "2025-01-01T00:00:02.250Z",
        "cost": "12.50",
        "worker": {"host": "worker-a.eu-west.internal", "pid": 4242},
        "labels": {"team": "data", "region": "eu-west", "org_id": "org-customer-001"},
        "steps": [
            {"name": "fetch", "duration_ms": 1200},
            {"name": "transform", "duration_ms": 5231},
            {"name": "store", "duration_ms": 87}
        ],
        "error": {"code": "STORAGE_QUOTA", "message": "quota exceeded on bucket exports-eu", "retryable": false}
    })
}

/// The same facts in task.proto's TaskEvent.
fn task_value() -> Value {
    json!({
        "task_id": "job-20250101-000042",
        "status": "FAILED",
        "progress": 0.75,
        "attempt": 3,
        "updated_at": "2025-01-01T00:00:02.250Z",
        "worker": {"host": "worker-a.eu-west.internal", "pid": "4242"},
        "steps": [
            {"name": "fetch", "duration_ms": "1200", "ok": true},
            {"name": "transform", "duration_ms": "5231", "ok": true},
            {"name": "store", "duration_ms": "87", "ok": false}
        ],
        "labels": {"team": "data", "region": "eu-west", "org_id": "org-customer-001"},
        "tags": ["nightly", "gpu"],
        "error": {"code": "STORAGE_QUOTA", "message": "quota exceeded on bucket exports-eu", "retryable": false}
    })
}

fn headers() -> Vec<Header> {
    let h = |k: &str, v: &str| Header {
        key: k.into(),
        value: Some(v.as_bytes().to_vec()),
    };
    vec![
        h("correlation-id", "corr-42"),
        h("event-type", "job_status"),
        h("org_id", "org-customer-001"),
    ]
}

struct Case {
    name: &'static str,
    topic: &'static str,
    value: Vec<u8>,
}

fn decode(c: &Case, headers: &[Header], i: usize) -> Record {
    to_record(
        Incoming {
            topic: c.topic,
            partition: (i % 3) as i32,
            offset: i as i64,
            timestamp_ms: Some(1_735_689_602_250 + i as i64),
            key: Some(b"job-20250101-000042"),
            value: Some(&c.value),
            headers: headers.to_vec(),
        },
        1 << 20,
        false,
    )
}

/// ns per record: the median of `RUNS` runs of `BATCHES` × `BATCH` records, after a warm-up run.
fn measure(c: &Case) -> (f64, f64, f64) {
    let headers = headers();
    let mut batch: Vec<Record> = Vec::with_capacity(BATCH);
    let mut run = || {
        let mut ns = 0u128;
        for b in 0..BATCHES {
            let start = Instant::now();
            for i in 0..BATCH {
                batch.push(decode(c, &headers, b * BATCH + i));
            }
            black_box(&batch);
            ns += start.elapsed().as_nanos();
            batch.clear();
        }
        ns as f64 / (BATCH * BATCHES) as f64
    };
    run();
    let mut runs: Vec<f64> = (0..RUNS).map(|_| run()).collect();
    runs.sort_by(f64::total_cmp);
    (runs[RUNS / 2], runs[0], runs[RUNS - 1])
}

fn main() {
    // `cargo test --all-targets` runs benches without `--bench`: a benchmark is not a test.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("schema_decode: a benchmark, not a test; run bench/schema_decode.sh");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let avsc = inline_avro(dir.path());
    let local_schema = |topic: &str, file: PathBuf, message: Option<&str>| LocalSchema {
        topic: topic.into(),
        file,
        message: message.map(str::to_string),
        text: None,
    };
    let local = vec![
        local_schema(AVRO_TOPIC, avsc.clone(), None),
        local_schema(
            PROTO_TOPIC,
            fixture("task.proto"),
            Some("kdeck.test.TaskEvent"),
        ),
        local_schema(JSON_SCHEMA_TOPIC, fixture("job.schema.json"), None),
    ];
    Registry::install(&SchemaConfig {
        registry: None,
        local,
    })
    .unwrap();

    let encode = |path: &Path, v: &Value, message: Option<&str>| {
        let r = local::read(path, None).unwrap();
        r.parsed.encode(1, v, message).unwrap()
    };
    let avro = encode(&avsc, &job_value(), None);
    let proto = encode(
        &fixture("task.proto"),
        &task_value(),
        Some("kdeck.test.TaskEvent"),
    );
    let json_schema = encode(&fixture("job.schema.json"), &job_value(), None);

    let mut cases = vec![
        Case {
            name: "Avro",
            topic: AVRO_TOPIC,
            value: avro,
        },
        Case {
            name: "Protobuf",
            topic: PROTO_TOPIC,
            value: proto,
        },
        Case {
            name: "JSON Schema",
            topic: JSON_SCHEMA_TOPIC,
            value: json_schema,
        },
    ];
    // The JSON baselines: each schema record's decoded JSON text as a plain JSON value, so the
    // work after the schema decode is the same and the difference is the schema's cost.
    let mut baselines = Vec::new();
    for c in &cases {
        let r = decode(c, &headers(), 0);
        let s = r.decoded.schema.as_ref().expect("decoded through a schema");
        assert_eq!(s.state, SchemaState::Decoded, "{}: {:?}", c.name, s.state);
        assert_eq!(r.decoded.kind, PayloadKind::Schema);
        assert_eq!(r.decoded.status.as_deref(), Some("FAILED"));
        assert!(wire_id(&c.value).is_some());
        baselines.push(s.json.clone().unwrap().into_bytes());
    }
    let json_avro = Case {
        name: "JSON (Avro's fields)",
        topic: JSON_TOPIC,
        value: baselines[0].clone(),
    };
    let json_proto = Case {
        name: "JSON (Protobuf's fields)",
        topic: JSON_TOPIC,
        value: baselines[1].clone(),
    };
    for c in [&json_avro, &json_proto] {
        let r = decode(c, &headers(), 0);
        assert_eq!(r.decoded.kind, PayloadKind::Json);
        assert_eq!(r.decoded.status.as_deref(), Some("FAILED"));
    }
    cases.insert(0, json_proto);
    cases.insert(0, json_avro);

    println!(
        "decode cost per record through to_record (the dashboard's reader), schemas cached; \
         median of {RUNS} runs of {} records, after a warm-up run:",
        BATCH * BATCHES
    );
    // `cargo bench --bench schema_decode -- Avro`: only the cases whose name holds "Avro" (for a
    // profiler); the ratios need them all.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !only.is_empty() {
        cases.retain(|c| only.iter().any(|o| c.name.contains(o.as_str())));
    }
    let mut ns = Vec::new();
    for c in &cases {
        let (med, lo, hi) = measure(c);
        ns.push(med);
        println!(
            "  {:<26} {:>4} B  {:>7.0} ns/record  ({lo:.0}–{hi:.0})  {:>9.0} records/s",
            c.name,
            c.value.len(),
            med,
            1e9 / med
        );
    }
    if !only.is_empty() {
        return;
    }
    let ratio = |i: usize, base: usize| ns[i] / ns[base];
    println!("ratios to JSON (aim: at most 1.5×):");
    println!("  Avro / JSON (Avro's fields)          {:.2}×", ratio(2, 0));
    println!("  Protobuf / JSON (Protobuf's fields)  {:.2}×", ratio(3, 1));
    println!("  Protobuf / JSON (Avro's fields)      {:.2}×", ratio(3, 0));
    println!("  JSON Schema / JSON (Avro's fields)   {:.2}×", ratio(4, 0));
}
