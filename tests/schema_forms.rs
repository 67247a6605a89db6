//! A publish template that names a subject (`[schema]`) against the real registry and broker:
//! its fields come from the schema, `kdeck publish --template` encodes the value in the wire
//! format, and Confluent's own deserializer reads back what the fields said. A value that does
//! not fit the schema sends nothing.

mod common;

use common::registry::{self, client, fixture};
use serde_json::{json, Value};
use std::process::{Command, Output, Stdio};

/// kdeck with its audit and its templates folder in `data`, the registry only from flags.
fn kdeck(args: &[&str], data: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .args(args)
        .env("KDECK_DATA_DIR", data)
        .env("KDECK_CONFIG_DIR", data.join("config"))
        .env_remove("SCHEMA_REGISTRY_URL")
        .env_remove("KAFKA_TOPIC_PREFIX")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("kdeck runs")
}

#[test]
fn a_template_with_a_subject_takes_its_fields_from_the_schema_and_encodes() {
    let data = tempfile::tempdir().unwrap();
    let (b, r) = (common::brokers(), registry::url());
    registry::register_job_error();
    let subject = common::unique("sr-form-value");
    let registered = client(
        &[
            "register",
            "--registry",
            &r,
            "--subject",
            &subject,
            "--format",
            "avro",
            "--schema",
            &fixture("job_event.avsc"),
            "--reference",
            "com.kdeck.test.JobError=com.kdeck.test.JobError:latest",
        ],
        "",
    );
    let topic = common::unique("sr-form");
    let dir = data.path().join("config").join("templates");
    std::fs::create_dir_all(&dir).unwrap();
    // No fields: they come from the schema. The key uses one of them.
    let template = format!(
        "name = \"job-event\"\ntopic = \"{topic}\"\nkey = \"{{{{field.job_id}}}}\"\n\
         [schema]\nsubject = \"{subject}\"\nversion = \"latest\"\n"
    );
    std::fs::write(dir.join("job-event.toml"), template).unwrap();
    let publish = |sets: &[&str]| {
        let mut args = vec!["publish", "-b", &b, "--schema-registry", &r];
        args.extend(["--template", "job-event", "-p", "0"]);
        for s in sets {
            args.extend(["--set", s]);
        }
        kdeck(&args, data.path())
    };
    let fields = [
        "job_id=job-9",
        "status=RUNNING",
        "attempt=2",
        "updated_at=2025-01-01T00:00:01.500Z",
        "cost=12.50",
        "labels={\"team\": \"data\"}",
        "error={\"code\": \"E1\", \"message\": \"boom\", \"retryable\": true}",
    ];
    // A nested value that does not fit the schema: nothing is sent, and the reason names it.
    let mut wrong = fields.to_vec();
    wrong.push("steps=[{\"name\": 1}]");
    let out = publish(&wrong);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("steps") && err.contains("nothing sent"),
        "{err}"
    );
    // An enum symbol the schema does not have is refused by the form, by its choices.
    let mut bad_status = fields.to_vec();
    bad_status[1] = "status=DONE";
    let out = publish(&bad_status);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("QUEUED, RUNNING, COMPLETED, FAILED"), "{err}");

    let out = publish(&fields);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = client(
        &[
            "consume",
            "--bootstrap",
            &b,
            "--registry",
            &r,
            "--topic",
            &topic,
            "--format",
            "avro",
            "--count",
            "1",
        ],
        "",
    );
    let got: Value = serde_json::from_str(read.lines().next().unwrap()).unwrap();
    // Optional fields left empty take the schema's defaults (null, {}, []).
    let want = json!({
        "job_id": "job-9", "status": "RUNNING", "progress": null, "attempt": 2,
        "updated_at": 1_735_689_601_500_i64, "cost": "12.50", "worker": null,
        "labels": {"team": "data"}, "steps": [],
        "error": {"code": "E1", "message": "boom", "retryable": true}
    });
    assert_eq!(got, want);
    dashboard_fetch(&r, &subject, registered.trim().parse().unwrap());
}

/// What the dashboard's form does with the subject, off its UI task: fetch it as text, parse
/// it, take its fields, and encode with the id the registry gave.
fn dashboard_fetch(url: &str, subject: &str, id: u32) {
    use kdeck::support::config::schemas::{Auth, RegistryConfig};
    let cfg = RegistryConfig {
        url: url.to_string(),
        auth: Auth::None,
        ca_file: None,
    };
    let f = kdeck::support::registry::encode::fetch_subject(Some(&cfg), subject, "latest")
        .expect("the subject is fetched");
    assert_eq!((f.id, f.schema_type.as_str()), (id, "AVRO"));
    let enc = kdeck::engine::publish::schema::SchemaEncoding::parse(&f, None).unwrap();
    assert_eq!(enc.fields().unwrap().len(), 10);
    assert!(enc.label().contains(subject), "{}", enc.label());
    let none = kdeck::support::registry::encode::fetch_subject(None, subject, "latest");
    assert!(none
        .unwrap_err()
        .contains("no schema registry is configured"));
    let missing = kdeck::support::registry::encode::fetch_subject(Some(&cfg), "no-such", "latest");
    assert!(missing.is_err());
}
