//! The form: defaults of every built-in render, each validation error lands on its field, and
//! a preview equals the record sent with the same vars.

use super::*;
use serde_json::{json, Value};

const T0: i64 = 1_705_314_600_000; // 2024-01-15T10:30:00Z

fn vars() -> Vars {
    Vars::fixed(T0, 99, &[("TEAM", "payments")])
}

fn form(name: &str) -> Form {
    Form::new(Catalog::builtin().get(name).unwrap(), "")
}

fn body(r: &PublishRecord) -> Value {
    serde_json::from_slice(r.value.as_deref().unwrap()).unwrap()
}

fn header<'a>(r: &'a PublishRecord, k: &str) -> &'a str {
    let v = r.headers.iter().find(|(n, _)| n == k).unwrap().1.as_deref();
    std::str::from_utf8(v.unwrap()).unwrap()
}

fn errors_at(f: &Form, field: &str) -> Vec<String> {
    f.validate(&vars())
        .into_iter()
        .filter(|e| e.place == Place::Field(field.into()))
        .map(|e| e.message)
        .collect()
}

#[test]
fn every_builtin_renders_with_its_defaults() {
    for t in &Catalog::builtin().templates {
        let mut f = Form::new(t, "");
        if t.name == "raw" {
            f.set("topic", "t").unwrap();
        }
        let r = f
            .render(&vars())
            .unwrap_or_else(|e| panic!("{}: {e:?}", t.name));
        assert!(!r.topic.is_empty());
        assert!(!r.topic.contains('{'), "{}", r.topic);
        let text = String::from_utf8(r.value.clone().unwrap()).unwrap();
        assert!(!text.contains("{{"), "{}: {text}", t.name);
        assert!(serde_json::from_str::<Value>(&text).is_ok(), "{}", t.name);
    }
}

#[test]
fn export_completion_has_the_export_service_shape() {
    let r = form("export-completion").render(&vars()).unwrap();
    let b = body(&r);
    assert_eq!(r.topic, "export-completions");
    assert_eq!(
        r.key.as_deref(),
        Some(b["export_id"].as_str().unwrap().as_bytes())
    );
    assert_eq!(header(&r, "event_type"), "export_completion");
    assert_eq!(header(&r, "org_id"), "org-customer-001");
    assert_eq!(b["completed_at"], "2024-01-15T10:30:00.000Z");
    assert_eq!(b["status"], "complete");
    assert!(b["download_url"]
        .as_str()
        .unwrap()
        .ends_with(b["export_id"].as_str().unwrap()));
    assert!(b.get("error_message").is_none(), "omitted when empty");
    let keys: Vec<&String> = b.as_object().unwrap().keys().collect();
    assert_eq!(keys[..3], ["export_id", "job_id", "org_id"]);
}

#[test]
fn nested_fields_build_the_envelope() {
    let r = form("web-crawl-request").render(&vars()).unwrap();
    let b = body(&r);
    let id = b["headers"]["requestId"].as_str().unwrap();
    assert_eq!(r.key.as_deref(), Some(id.as_bytes()));
    assert_eq!(b["message"]["userEmail"], "user@example.com");
    assert!(b["headers"]["spanId"].is_string());
    let s = form("task-status").render(&vars()).unwrap();
    let b = body(&s);
    assert_eq!(b["message"]["taskId"], b["headers"]["taskId"]);
}

#[test]
fn prefix_fills_the_topic_and_the_portal_default_applies() {
    let t = Catalog::builtin();
    let d = t.get("device-connection").unwrap();
    assert_eq!(
        Form::new(d, "").render(&vars()).unwrap().topic,
        "franc.device.connection"
    );
    assert_eq!(
        Form::new(d, "acme").render(&vars()).unwrap().topic,
        "acme.device.connection"
    );
    let mut f = Form::new(d, "");
    f.template.default_prefix = None;
    let e = f.validate(&vars());
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].place, Place::Topic);
    assert!(e[0].message.contains("KAFKA_TOPIC_PREFIX"));
    f.topic_override = Some("elsewhere".into());
    assert_eq!(f.render(&vars()).unwrap().topic, "elsewhere");
}

#[test]
fn each_validation_error_lands_on_its_field() {
    let mut f = form("portal-task-status");
    f.set("progress_percentage", "sixty").unwrap();
    f.set("timestamp", "yesterday").unwrap();
    f.set("status", "done").unwrap();
    f.set("change_number", "").unwrap();
    f.set("error_details", "{oops").unwrap();
    f.set("source", "{{whoami}}").unwrap();
    assert_eq!(
        errors_at(&f, "progress_percentage"),
        ["not an integer: \"sixty\""]
    );
    assert!(errors_at(&f, "timestamp")[0].starts_with("not a datetime"));
    assert!(errors_at(&f, "status")[0].contains("in_progress"));
    assert_eq!(errors_at(&f, "change_number"), ["required but empty"]);
    assert!(errors_at(&f, "error_details")[0].starts_with("invalid JSON"));
    assert!(errors_at(&f, "source")[0].starts_with("unknown placeholder {{whoami}}"));
    assert!(f.render(&vars()).is_err());
}

#[test]
fn types_convert_and_object_array_are_checked() {
    let mut f = form("portal-task-completion");
    f.set("execution_duration", " 2.25 ").unwrap();
    f.set("result_data", "[1]").unwrap();
    let b = body(&f.render(&vars()).unwrap());
    assert_eq!(b["execution_duration"], json!(2.25));
    assert_eq!(b["result_data"], json!([1]));
    assert_eq!(b["user_id"], Value::Null);
    let mut g = form("device-connection");
    g.set("interfaces", "{}").unwrap();
    assert_eq!(
        errors_at(&g, "interfaces"),
        ["expected a JSON array ([...])"]
    );
    let mut s = form("schedule-job");
    s.set("jobData", "[]").unwrap();
    assert_eq!(errors_at(&s, "jobData"), ["expected a JSON object ({...})"]);
    assert!(s
        .set("nope", "1")
        .unwrap_err()
        .contains("fields: requestId"));
}

#[test]
fn field_references_and_cycles() {
    let mut f = form("schedule-job");
    f.set("appName", "{{env.TEAM}}").unwrap();
    let r = f.render(&vars()).unwrap();
    let b = body(&r);
    assert_eq!(b["appName"], "payments");
    let key = String::from_utf8(r.key.unwrap()).unwrap();
    assert_eq!(
        key,
        format!("payments-{}", b["requestId"].as_str().unwrap())
    );
    f.set("appName", "{{field.idempotencyKey}}").unwrap();
    let e = errors_at(&f, "appName");
    // appName -> idempotencyKey -> appName: the cycle is reported by the field that closes it
    // (the lookup of idempotencyKey wraps appName's "refers back to itself").
    assert_eq!(
        e,
        ["{{field.idempotencyKey}}: field idempotencyKey is not valid"]
    );
    f.set("appName", "{{field.missing}}").unwrap();
    assert!(errors_at(&f, "appName")[0].contains("there is no field missing"));
}

#[test]
fn preview_is_the_record_sent_and_seq_changes_each_record() {
    let f = form("package-message");
    let v = vars();
    let a = f.render(&v).unwrap();
    assert_eq!(a, f.render(&v).unwrap());
    let p = a.preview();
    assert_eq!(p.headers.len(), 7);
    assert!(
        p.value.contains("\n  \"action\""),
        "pretty JSON: {}",
        p.value
    );
    let next = f.render(&v.next(2, T0 + 1000)).unwrap();
    assert_ne!(header(&a, "event-id"), header(&next, "event-id"));
    assert_eq!(header(&next, "timestamp"), "2024-01-15T10:30:01.000Z");
    let mut s = form("portal-task-status");
    s.set("event_id", "e-{{seq}}").unwrap();
    assert_eq!(body(&s.render(&v.next(7, T0)).unwrap())["event_id"], "e-7");
}

#[test]
fn raw_template_sends_text_or_json_and_headers() {
    let mut f = form("raw");
    assert_eq!(errors_at(&f, "topic"), ["required but empty"]);
    f.set("topic", "t1").unwrap();
    f.set("value", "hello {{seq}}").unwrap();
    f.set("headers", r#"{"a": "1", "n": null, "num": 5}"#)
        .unwrap();
    let r = f.render(&vars()).unwrap();
    assert_eq!(r.key, None);
    assert_eq!(r.value.as_deref(), Some(&b"hello 1"[..]));
    assert_eq!(
        r.headers,
        vec![
            ("a".to_string(), Some(b"1".to_vec())),
            ("n".to_string(), None),
            ("num".to_string(), Some(b"5".to_vec()))
        ]
    );
    f.set("key", "k").unwrap();
    f.set("headers", "[1]").unwrap();
    assert_eq!(errors_at(&f, "headers"), ["expected a JSON object ({...})"]);
}

#[test]
fn save_as_template_round_trips_with_the_values_as_defaults() {
    let mut f = form("schedule-job");
    f.set("appName", "payment").unwrap();
    f.set("priority", "high").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = template::save(dir.path(), &f.as_template("pay-now")).unwrap();
    assert!(path.ends_with("pay-now.toml"));
    let c = Catalog::load(Some(dir.path()));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    let t = c.get("pay-now").unwrap();
    let g = Form::new(t, "");
    assert_eq!(g.get("appName"), Some("payment"));
    assert_eq!(g.get("priority"), Some("high"));
    assert_eq!(
        g.get("requestId"),
        Some("{{uuid}}"),
        "placeholders stay placeholders"
    );
    assert_eq!(
        f.render(&vars()).unwrap(),
        g.render(&vars()).unwrap(),
        "the saved template sends what the form sent"
    );
    assert!(template::save(dir.path(), &f.as_template("../x")).is_err());
}

#[test]
fn a_record_fills_the_raw_form_literally_and_renders_back_the_same() {
    let raw = Catalog::builtin().get("raw").unwrap().clone();
    let rec = PublishRecord {
        topic: "orders".into(),
        partition: None,
        key: Some(b"k-{{seq}}".to_vec()),
        headers: vec![("a".into(), Some(b"1".to_vec())), ("n".into(), None)],
        value: Some(br#"{"tpl":"Hello {{name}}","n":[1,2]}"#.to_vec()),
        key_hash: None,
    };
    let f = Form::from_record(&raw, &rec).expect("text record");
    assert_eq!(f.render(&vars()).unwrap(), rec, "byte for byte, {{ kept");
    let bin = PublishRecord {
        value: Some(vec![0xff, 0x00]),
        ..rec.clone()
    };
    // A binary value is kept byte for byte unless typed over.
    let mut fb = Form::from_record(&raw, &bin).expect("binary value kept");
    assert_eq!(
        fb.render(&vars()).unwrap(),
        bin,
        "binary bytes sent as they are"
    );
    fb.set("value", "{\"edited\":true}").unwrap();
    assert_eq!(
        fb.render(&vars()).unwrap().value.as_deref(),
        Some(&b"{\"edited\":true}"[..])
    );
    let bin_key = PublishRecord {
        key: Some(vec![0xfe]),
        ..rec.clone()
    };
    assert!(Form::from_record(&raw, &bin_key).is_none());
    let twice = PublishRecord {
        headers: vec![("a".into(), None), ("a".into(), None)],
        ..rec
    };
    assert!(Form::from_record(&raw, &twice).is_none());
}

/// The services' contracts: the infinite scheduler's `scheduledTime` is a zone-less
/// `LocalDateTime`, the portal's `event_id` ends in `_YYYYMMDD_HHMMSS`, the task manager's
/// `traceId` is 32 hex digits, the pipeline executor's package message carries `retry-count`.
#[test]
fn builtins_follow_the_services_contracts() {
    let local = |v: &Value| {
        let t = v.as_str().unwrap();
        assert_eq!(t.len(), 19, "{t}: yyyy-MM-ddTHH:mm:ss");
        chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").unwrap()
    };
    let now = local(&body(&form("export-job").render(&vars()).unwrap())["scheduledTime"]);
    let later = local(&body(&form("schedule-job").render(&vars()).unwrap())["scheduledTime"]);
    assert_eq!((later - now).num_minutes(), 5);
    let mut f = form("schedule-job");
    f.set("scheduledTime", "2024-01-15T10:30:00Z").unwrap();
    assert!(
        !errors_at(&f, "scheduledTime").is_empty(),
        "a zoned instant"
    );
    f.set("scheduledTime", "2024-01-15T10:30:00").unwrap();
    assert!(errors_at(&f, "scheduledTime").is_empty());

    for (name, prefix) in [
        ("device-connection", "conn_"),
        ("portal-task-status", "status_"),
        ("portal-task-completion", "complete_"),
    ] {
        let b = body(&form(name).render(&vars()).unwrap());
        let id = b["event_id"].as_str().unwrap();
        let change = b["change_number"].as_str().unwrap();
        let stamp = id
            .strip_prefix(&format!("{prefix}{change}_"))
            .unwrap_or_else(|| panic!("{name}: {id}"));
        assert!(
            chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d_%H%M%S").is_ok(),
            "{name}: {id}"
        );
        assert_eq!(stamp.len(), 15, "{name}: {id}");
    }

    for name in ["task-status", "web-crawl-request"] {
        let b = body(&form(name).render(&vars()).unwrap());
        let t = b["headers"]["traceId"].as_str().unwrap();
        assert_eq!(t.len(), 32, "{name}: {t}");
        assert!(t.chars().all(|c| c.is_ascii_hexdigit()), "{name}: {t}");
    }

    let r = form("package-message").render(&vars()).unwrap();
    assert_eq!(header(&r, "retry-count"), "0");
}
