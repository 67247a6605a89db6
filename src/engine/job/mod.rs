//! One job's identity: which fields tie the records of one job together across its request,
//! status, completion and DLQ topics. Written as jq-like paths over the record
//! (`{key, headers, value}`), in a restricted syntax evaluated here so that this module needs
//! no jq engine:
//!
//! - `.key`: the record key, as text
//! - `.headers["correlation-id"]`, `.headers.traceId`: a header's value (name in any case)
//! - `.value.a.b`, `.value["a-b"].c`: a string or number field of a JSON value
//!
//! Used by `kdeck job`, the dashboard's follow (`domain::follow`) and the stuck-jobs tracker.

pub mod follow;
pub mod stuck;

use crate::codec::decode::json::Obj;
pub use crate::domain::job::{Outcome, Step};
use crate::domain::{Header, Record, StatusClass};
use std::borrow::Cow;
use std::sync::LazyLock;
use stuck::Source;

/// The services' job ids, most specific first. Export service: export_id/job_id (also inside a
/// scheduler request's `jobData`); pipeline executor's Go package: the correlation-id header;
/// FRANC portal: change_number, original_request_id, request_id; infinite scheduler:
/// idempotencyKey, requestId; task manager: taskId, requestId, traceId (in the
/// `{headers, message}` envelope and as Kafka headers).
/// Not the key: producers key by org or by entity as often as by job (the export service
/// suggests partitioning by org_id), and a shared key would make many jobs one. A profile whose key
/// is the job id adds `.key` to its `[jobs] id`.
pub const BUILTIN_ID_PATHS: &[&str] = &[
    ".value.export_id",
    ".value.job_id",
    ".value.jobId",
    ".value.jobData.export_id",
    ".value.jobData.job_id",
    ".headers[\"correlation-id\"]",
    ".headers.correlation_id",
    ".headers.correlationId",
    ".value.change_number",
    ".value.original_request_id",
    ".value.request_id",
    ".value.idempotencyKey",
    ".value.requestId",
    ".headers.idempotencyKey",
    ".headers.requestId",
    ".headers[\"request-id\"]",
    ".value.taskId",
    ".value.task_id",
    ".value.message.taskId",
    ".value.headers.taskId",
    ".value.headers.requestId",
    ".value.headers.traceId",
    ".headers.traceId",
];

/// Ids taken from one record at most: a record naming more is not one job's.
pub const MAX_IDS: usize = 16;

/// Longest id kept; longer text is not an id.
const MAX_ID_LEN: usize = 256;

/// Where an id is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdPath {
    Key,
    Header(String),
    /// Field names from the value's root.
    Value(Vec<String>),
}

impl IdPath {
    /// Parses `.key`, `.headers.NAME`, `.headers["NAME"]`, `.value.a.b` or `.value["a"].b`.
    pub fn parse(text: &str) -> Result<IdPath, String> {
        let segs = segments(text.trim())?;
        let (root, rest) = segs
            .split_first()
            .ok_or_else(|| format!("{text:?}: expected a path such as .value.job_id"))?;
        match (root.as_str(), rest) {
            ("key", []) => Ok(IdPath::Key),
            ("headers", [name]) => Ok(IdPath::Header(name.clone())),
            ("headers", _) => Err(format!(
                "{text:?}: expected one header name, as in .headers[\"correlation-id\"]"
            )),
            ("value", rest) if !rest.is_empty() => Ok(IdPath::Value(rest.to_vec())),
            ("value", _) => Err(format!(
                "{text:?}: expected a field of the value, as in .value.job_id"
            )),
            _ => Err(format!(
                "{text:?}: a path starts with .key, .headers or .value"
            )),
        }
    }

    /// The id this path finds in a record, if any. `value` is the record's parsed JSON value.
    /// Ids borrow from the record: the stuck-jobs tracking runs this on every record.
    fn eval<'v>(&self, v: &View<'v>, out: &mut Vec<Cow<'v, str>>) {
        match self {
            IdPath::Key => {
                if let Some(k) = v.key.and_then(|k| std::str::from_utf8(k).ok()) {
                    push_id(out, Cow::Borrowed(k));
                }
            }
            IdPath::Header(name) => {
                let headers: &'v [Header] = v.headers;
                for h in headers.iter().filter(|h| h.key.eq_ignore_ascii_case(name)) {
                    if let Some(s) = h.value_str() {
                        push_id(out, Cow::Borrowed(s));
                    }
                }
            }
            IdPath::Value(fields) => {
                let Some(root) = v.value else { return };
                let Some((first, rest)) = fields.split_first() else {
                    return;
                };
                let mut parent = None;
                let Some(mut at) = root.get(first) else {
                    return;
                };
                for f in rest {
                    parent = Some(at);
                    match at.get(f) {
                        Some(next) => at = next,
                        None => return,
                    }
                }
                let id = match at.as_str() {
                    Some(s) => s,
                    None if at.is_number() => match at.number_text() {
                        Some(n) => Cow::Owned(n),
                        None => return,
                    },
                    None => return,
                };
                // The infinite scheduler's idempotency key is `<appName>-<id>`, and the
                // scheduler names the job by `<id>`.
                let suffix = if fields.last().is_some_and(|f| f == "idempotencyKey") {
                    let app = match parent {
                        Some(p) => p.get("appName").and_then(|a| a.as_str()),
                        None => root.get("appName").and_then(|a| a.as_str()),
                    };
                    app.filter(|app| !app.is_empty())
                        .and_then(|app| {
                            Some(
                                id.strip_prefix(app.as_ref())?
                                    .strip_prefix('-')?
                                    .to_string(),
                            )
                        })
                        .filter(|r| !r.is_empty())
                } else {
                    None
                };
                push_id(out, id);
                if let Some(rest) = suffix {
                    push_id(out, Cow::Owned(rest));
                }
            }
        }
    }
}

fn push_id<'v>(out: &mut Vec<Cow<'v, str>>, id: Cow<'v, str>) {
    let id = match id {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
        Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
    };
    if !id.is_empty() && id.len() <= MAX_ID_LEN && !out.contains(&id) {
        out.push(id);
    }
}

/// `.a.b["c d"]` -> ["a", "b", "c d"].
fn segments(text: &str) -> Result<Vec<String>, String> {
    let bad = |why: &str| format!("{text:?}: {why}");
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest
            .strip_prefix("[\"")
            .or_else(|| rest.strip_prefix(".[\""))
        {
            let end = r
                .find("\"]")
                .ok_or_else(|| bad("a [\"name\"] is not closed"))?;
            out.push(r[..end].to_string());
            rest = &r[end + 2..];
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return Err(bad(
                    "expected a field name after `.` (use [\"name\"] for others)",
                ));
            }
            out.push(name.to_string());
            rest = &r[end..];
        } else {
            return Err(bad("expected `.name` or `[\"name\"]`"));
        }
    }
    Ok(out)
}

/// What identity looks at in a record. `value` is None when the value is not JSON, or when a
/// caller wants the cheap check on key and headers only.
pub struct View<'a> {
    pub key: Option<&'a [u8]>,
    pub headers: &'a [Header],
    pub value: Option<&'a Obj<'a>>,
}

/// The paths that name a job: the profile's `[jobs] id`, or the built-in ones (`BUILTIN_ID_PATHS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    paths: Vec<IdPath>,
}

static BUILTIN: LazyLock<Identity> = LazyLock::new(|| {
    Identity::parse(BUILTIN_ID_PATHS.iter().map(|s| s.to_string())).expect("built-in paths parse")
});

impl Default for Identity {
    fn default() -> Identity {
        Identity::builtin().clone()
    }
}

impl Identity {
    /// The built-in paths, parsed once.
    pub fn builtin() -> &'static Identity {
        &BUILTIN
    }

    pub fn parse(paths: impl IntoIterator<Item = String>) -> Result<Identity, String> {
        let paths = paths
            .into_iter()
            .map(|p| IdPath::parse(&p))
            .collect::<Result<Vec<_>, _>>()?;
        if paths.is_empty() {
            return Err("expected at least one path, such as \".value.job_id\"".into());
        }
        Ok(Identity { paths })
    }

    /// Whether any path reads the value (else the JSON need not be parsed).
    pub fn reads_value(&self) -> bool {
        self.paths.iter().any(|p| matches!(p, IdPath::Value(_)))
    }

    /// Every id the record carries, in path order, at most `MAX_IDS`.
    pub fn ids(&self, v: &View<'_>) -> Vec<String> {
        self.ids_borrowed(v)
            .into_iter()
            .map(Cow::into_owned)
            .collect()
    }

    /// `ids`, borrowing from the record where it can.
    pub fn ids_borrowed<'v>(&self, v: &View<'v>) -> Vec<Cow<'v, str>> {
        let mut out = Vec::new();
        for p in &self.paths {
            p.eval(v, &mut out);
            if out.len() >= MAX_IDS {
                out.truncate(MAX_IDS);
                break;
            }
        }
        out
    }

    /// The ids of a record as the panes keep it; its value is parsed when a path needs it.
    pub fn ids_of_record(&self, r: &Record) -> Vec<String> {
        let parsed = if self.reads_value() {
            r.json_bytes().and_then(Obj::parse)
        } else {
            None
        };
        self.ids(&View {
            key: r.key.as_deref(),
            headers: &r.headers,
            value: parsed.as_ref(),
        })
    }

    /// Whether any of the record's ids is `id`.
    pub fn matches(&self, v: &View<'_>, id: &str) -> bool {
        self.ids(v).iter().any(|x| x == id)
    }
}

/// A progress figure in percent, when the record gives one (the portal's
/// `progress_percentage`, and the usual other spellings, also inside the task manager's `message`).
pub fn progress(value: &Obj<'_>) -> Option<f64> {
    const NAMES: &[&str] = &[
        "progress_percentage",
        "progressPercentage",
        "progress",
        "percent",
        "percentage",
    ];
    let message = value.get("message");
    NAMES.iter().find_map(|n| {
        let v = message.and_then(|m| m.get(n)).or_else(|| value.get(n))?;
        let p = v
            .as_f64()
            .or_else(|| v.as_str()?.trim_end_matches('%').parse().ok())?;
        (p.is_finite() && (0.0..=100.0).contains(&p)).then_some(p)
    })
}

/// Every record of one job in time order, its outcome and its end-to-end latency.
#[derive(Clone, Debug)]
pub struct Timeline {
    pub steps: Vec<Step>,
    pub outcome: Outcome,
    /// The request's time (else the first record's).
    pub start_ms: Option<i64>,
    /// The time of the record that ended it (completion, failure, dead letter).
    pub end_ms: Option<i64>,
    /// `end - start`; None while it runs.
    pub latency_ms: Option<i64>,
    /// The last status word seen.
    pub last_status: Option<String>,
}

impl Timeline {
    /// Orders the steps (time, then request < status < completion < DLQ, then offset), and
    /// reads the outcome off the last record that ends the job: a dead letter followed by a
    /// completion (replayed, then done) is completed.
    pub fn build(mut steps: Vec<Step>) -> Timeline {
        let rank = |s: Source| match s {
            Source::Request => 0,
            Source::Status => 1,
            Source::Completion => 2,
            Source::Dlq => 3,
        };
        steps.sort_by(|a, b| {
            let ka = (a.record.timestamp_ms.unwrap_or(i64::MAX), rank(a.source));
            let kb = (b.record.timestamp_ms.unwrap_or(i64::MAX), rank(b.source));
            ka.cmp(&kb)
                .then_with(|| a.record.topic.cmp(&b.record.topic))
                .then_with(|| a.record.partition.cmp(&b.record.partition))
                .then_with(|| a.record.offset.cmp(&b.record.offset))
        });
        let start_ms = steps
            .iter()
            .find(|s| s.source == Source::Request && s.record.timestamp_ms.is_some())
            .or_else(|| steps.iter().find(|s| s.record.timestamp_ms.is_some()))
            .and_then(|s| s.record.timestamp_ms);
        let mut outcome = Outcome::StillRunning;
        let mut end_ms = None;
        let mut last_status = None;
        for s in &mut steps {
            s.delta_ms = s.record.timestamp_ms.zip(start_ms).map(|(t, st)| t - st);
            let d = &s.record.decoded;
            if let Some(st) = &d.status {
                last_status = Some(st.clone());
            }
            let ended = match (s.source, d.status_class) {
                (Source::Dlq, _) => Some(Outcome::DeadLettered),
                (Source::Completion | Source::Status, StatusClass::Failed) => Some(Outcome::Failed),
                (Source::Completion, _) | (Source::Status, StatusClass::Ok) => {
                    Some(Outcome::Completed)
                }
                _ => None,
            };
            if let Some(o) = ended {
                outcome = o;
                end_ms = s.record.timestamp_ms;
            }
        }
        let latency_ms = match outcome {
            Outcome::StillRunning => None,
            _ => end_ms.zip(start_ms).map(|(e, s)| e - s),
        };
        Timeline {
            steps,
            outcome,
            start_ms,
            end_ms,
            latency_ms,
            last_status,
        }
    }

    /// Time from the start to the last record (how long it has run, while it runs).
    pub fn span_ms(&self) -> Option<i64> {
        let last = self
            .steps
            .iter()
            .filter_map(|s| s.record.timestamp_ms)
            .max();
        last.zip(self.start_ms).map(|(l, s)| l - s)
    }
}

/// Some(progress) when the record names one of `ids`. The value is parsed only when its bytes
/// hold one (or an escape that could spell it): most records of a busy topic are skipped unparsed.
pub fn matching(
    identity: &Identity,
    ids: &[String],
    key: &Option<Vec<u8>>,
    headers: &[Header],
    value: Option<&[u8]>,
) -> Option<Option<f64>> {
    let might = |v: &[u8]| v.contains(&b'\\') || ids.iter().any(|id| contains(v, id.as_bytes()));
    let parsed = value
        .filter(|v| identity.reads_value() && might(v))
        .and_then(Obj::parse);
    let view = View {
        key: key.as_deref(),
        headers,
        value: parsed.as_ref(),
    };
    identity
        .ids(&view)
        .iter()
        .any(|x| ids.contains(x))
        .then(|| parsed.as_ref().and_then(progress))
}

/// std's substring search (two-way) on text; JSON is text, anything else is searched bytewise.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    match (std::str::from_utf8(hay), std::str::from_utf8(needle)) {
        (Ok(h), Ok(n)) => h.contains(n),
        _ => needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle),
    }
}

/// A step built from a JSON text, for tests here and in the timeline view.
#[cfg(test)]
pub(crate) fn test_step(
    topic: &str,
    source: Source,
    value: &str,
    at: Option<i64>,
    offset: i64,
) -> Step {
    let record = crate::codec::decode::to_record(
        crate::codec::decode::Incoming {
            topic,
            partition: 0,
            offset,
            timestamp_ms: at,
            key: None,
            value: Some(value.as_bytes()),
            headers: vec![],
        },
        1024,
        source == Source::Dlq,
    );
    Step {
        record,
        source,
        progress: None,
        delta_ms: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hdr(k: &str, v: &str) -> Header {
        Header {
            key: k.into(),
            value: Some(v.as_bytes().to_vec()),
        }
    }

    fn ids(key: Option<&str>, headers: &[Header], value: serde_json::Value) -> Vec<String> {
        let bytes = value.to_string();
        let obj = Obj::parse(bytes.as_bytes()).expect("an object");
        Identity::builtin().ids(&View {
            key: key.map(str::as_bytes),
            headers,
            value: Some(&obj),
        })
    }

    #[test]
    fn paths_parse_in_the_restricted_syntax_and_refuse_the_rest() {
        assert_eq!(IdPath::parse(".key"), Ok(IdPath::Key));
        assert_eq!(
            IdPath::parse(".headers[\"correlation-id\"]"),
            Ok(IdPath::Header("correlation-id".into()))
        );
        assert_eq!(
            IdPath::parse(".headers.traceId"),
            Ok(IdPath::Header("traceId".into()))
        );
        assert_eq!(
            IdPath::parse(".value.message[\"task id\"].x"),
            Ok(IdPath::Value(vec![
                "message".into(),
                "task id".into(),
                "x".into()
            ]))
        );
        for bad in [
            "",
            "value.x",
            ".value",
            ".headers",
            ".headers.a.b",
            ".topic",
            ".value.a-b",
            ".value[\"x",
            ".value..a",
            ".value | .a",
        ] {
            assert!(IdPath::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Identity::parse(Vec::<String>::new()).is_err());
    }

    #[test]
    fn export_completion_gives_export_and_job_ids() {
        let v = json!({"export_id": "export-123", "job_id": "job-abc", "org_id": "org-1",
                       "status": "complete"});
        let got = ids(Some("export-123"), &[hdr("org_id", "org-1")], v);
        assert_eq!(got, vec!["export-123", "job-abc"]);
    }

    #[test]
    fn go_package_correlation_header_ties_a_command_to_its_dead_letter() {
        let got = ids(
            Some("booking-12345"),
            &[
                hdr("Correlation-ID", "corr-abc-123"),
                hdr("event-type", "x"),
            ],
            json!({"action": "create_booking", "params": {}}),
        );
        assert_eq!(got, vec!["corr-abc-123"], "the key is not an id by default");
    }

    #[test]
    fn portal_status_and_completion_carry_the_request_id_and_change_number() {
        let status = json!({"change_number": "CHG-1", "request_id": "status_update_CHG-1",
            "original_request_id": "device_conn_CHG-1", "status": "in_progress",
            "progress_percentage": 65});
        let got = ids(Some("CHG-1"), &[], status.clone());
        assert!(got.contains(&"CHG-1".to_string()));
        assert!(got.contains(&"device_conn_CHG-1".to_string()));
        let request = json!({"change_number": "CHG-1", "request_id": "device_conn_CHG-1"});
        assert!(ids(None, &[], request).contains(&"device_conn_CHG-1".to_string()));
        let text = status.to_string();
        assert_eq!(progress(&Obj::parse(text.as_bytes()).unwrap()), Some(65.0));
    }

    #[test]
    fn scheduler_request_gives_its_key_without_the_app_name() {
        let v = json!({"requestId": "r-1", "appName": "sms", "idempotencyKey": "sms-k9",
                       "jobData": {"job_id": "job-7"}});
        let got = ids(None, &[], v);
        for want in ["r-1", "sms-k9", "k9", "job-7"] {
            assert!(got.contains(&want.to_string()), "{want} in {got:?}");
        }
    }

    #[test]
    fn task_manager_envelope_gives_task_request_and_trace_ids() {
        let status = json!({"headers": {"taskId": "t-1", "traceId": "tr-9"},
                            "message": {"taskId": "t-1", "status": "completed"}});
        let got = ids(None, &[], status);
        assert_eq!(got, vec!["t-1", "tr-9"]);
        let request = json!({"headers": {"requestId": "t-1", "traceId": "tr-9"},
                             "message": {"userQuery": "q"}});
        assert_eq!(ids(None, &[], request), vec!["t-1", "tr-9"]);
    }

    #[test]
    fn configured_paths_replace_the_builtin_ones_and_match_numbers_too() {
        let id = Identity::parse([".value.order.id".to_string(), ".headers.x".into()]).unwrap();
        let v = br#"{"order": {"id": 42}, "job_id": "ignored"}"#;
        let v = Obj::parse(v).unwrap();
        let headers = [hdr("X", "h-1")];
        let view = View {
            key: Some(b"k"),
            headers: &headers,
            value: Some(&v),
        };
        assert_eq!(id.ids(&view), vec!["42", "h-1"]);
        assert!(id.matches(&view, "42") && !id.matches(&view, "k"));
    }

    #[test]
    fn non_json_values_still_match_by_key_and_header() {
        let headers = [hdr("traceId", "tr-1")];
        let view = View {
            key: Some(b"job-1"),
            headers: &headers,
            value: None,
        };
        assert_eq!(Identity::builtin().ids(&view), vec!["tr-1"]);
        let with_key = Identity::parse([".key".to_string()]).unwrap();
        assert_eq!(with_key.ids(&view), vec!["job-1"]);
        let binary_key = View {
            key: Some(&[0xff, 0xfe]),
            headers: &[],
            value: None,
        };
        assert!(Identity::builtin().ids(&binary_key).is_empty());
    }

    fn step(topic: &str, source: Source, value: &str, at: Option<i64>, offset: i64) -> Step {
        test_step(topic, source, value, at, offset)
    }

    #[test]
    fn a_timeline_is_in_time_order_with_deltas_from_the_request_and_the_last_end_wins() {
        let steps = vec![
            step(
                "done",
                Source::Completion,
                r#"{"status":"completed"}"#,
                Some(5000),
                1,
            ),
            step("dlq", Source::Dlq, r#"{"x":1}"#, Some(3000), 0),
            step(
                "st",
                Source::Status,
                r#"{"status":"in_progress"}"#,
                Some(1000),
                0,
            ),
            step("req", Source::Request, r#"{"a":1}"#, Some(1000), 0),
            step(
                "st",
                Source::Status,
                r#"{"status":"running"}"#,
                Some(900),
                1,
            ),
        ];
        let tl = Timeline::build(steps);
        let order: Vec<(&str, Option<i64>)> = tl
            .steps
            .iter()
            .map(|s| (s.record.topic.as_str(), s.delta_ms))
            .collect();
        assert_eq!(
            order,
            vec![
                ("st", Some(-100)),
                ("req", Some(0)),
                ("st", Some(0)),
                ("dlq", Some(2000)),
                ("done", Some(4000)),
            ],
            "same time: the request first; a clock behind the request's gives a negative delta"
        );
        // Dead-lettered, then replayed and completed.
        assert_eq!(tl.outcome, Outcome::Completed);
        assert_eq!(tl.latency_ms, Some(4000));
        assert_eq!(tl.last_status.as_deref(), Some("completed"));
    }

    #[test]
    fn a_timeline_without_an_end_is_still_running_and_a_failed_status_fails_it() {
        let running = Timeline::build(vec![
            step(
                "st",
                Source::Status,
                r#"{"status":"in_progress"}"#,
                Some(2000),
                0,
            ),
            step(
                "st",
                Source::Status,
                r#"{"status":"in_progress"}"#,
                Some(7000),
                1,
            ),
        ]);
        assert_eq!(running.outcome, Outcome::StillRunning);
        assert_eq!((running.latency_ms, running.span_ms()), (None, Some(5000)));
        let failed = Timeline::build(vec![
            step("req", Source::Request, "{}", Some(0), 0),
            step("st", Source::Status, r#"{"status":"error"}"#, Some(250), 0),
        ]);
        assert_eq!(
            (failed.outcome, failed.latency_ms),
            (Outcome::Failed, Some(250))
        );
    }
}
