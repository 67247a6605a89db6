//! Tests of the simulator's core (`demo/mod.rs`), kept apart so that the core stays short.

mod stuck;

/// The demo's Avro topic: every record is in the wire format and decodes with the schema
/// shipped in assets/ into a status the panes read.
#[test]
fn the_java_services_status_is_avro_that_its_shipped_schema_decodes() {
    let mut p = crate::demo::Pipeline::new(7, 20.0);
    let mut seen = 0;
    for ms in (0..20_000).step_by(100) {
        for ev in p.step(ms, 1_700_000_000_000 + ms) {
            let r = ev.record;
            if r.topic != crate::demo::java_status::TOPIC {
                continue;
            }
            let v = r.value.as_deref().unwrap();
            assert_eq!(crate::codec::schema::wire_id(v), Some(1));
            let json: serde_json::Value =
                serde_json::from_slice(&crate::demo::java_status::as_json(v).unwrap()).unwrap();
            assert_eq!(json["status"], "in_progress");
            assert_eq!(json["job_id"].as_str().map(str::as_bytes), r.key.as_deref());
            seen += 1;
        }
    }
    assert!(seen > 10, "{seen} Avro records");
}
