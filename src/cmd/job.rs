//! `kdeck job ID`: one job's timeline, headless. Reads the configured request, status,
//! completion and DLQ topics from `--since` on (the broker's time index finds where), keeps the
//! records whose identity fields (`[jobs] id`, else the built-in ones) name ID, and prints them
//! in time order with the delta from the request, progress and the decoded summary, then the
//! outcome and the end-to-end latency.

use crate::cmd::cli::JobArgs;
use crate::codec::text::{delta_text, parse_since};
use crate::engine::job::stuck::Source;
use crate::engine::job::{Outcome, Timeline};
use crate::support::config::Config;
use serde_json::json;
use std::io::Write;
use std::sync::atomic::AtomicBool;

/// Exit code when no record carries the id (like grep's "no match").
pub const NOT_FOUND: u8 = 1;

pub const HELP: &str = "Exit codes:\n  0  records of the job were found (whatever its outcome)\n  \
1  no record in the window carries ID\n  2  usage, configuration or cluster error\n\
Topics read: the profile's topics.request, status, completion and dlq.\n\
Examples:\n  kdeck job CHG-2024-001234\n  kdeck job export-123 --since 6h --output json";

/// Ids searched for at most with --related.
const MAX_RELATED: usize = 32;

/// Records of one job kept at most: a job is not a topic.
const MAX_STEPS: usize = 10_000;

pub fn run(cfg: &Config, args: &JobArgs) -> anyhow::Result<u8> {
    let now = crate::domain::clock::Clock::now_ms(&crate::domain::clock::SystemClock);
    let since_ms = parse_since(&args.since, now).map_err(|m| anyhow::anyhow!("--since: {m}"))?;
    let id = args.id.trim();
    if id.is_empty() {
        anyhow::bail!("the job id is empty");
    }
    let (ids, found) = search(cfg, id, since_ms, args.related)?;
    for w in &found.warnings {
        eprintln!("kdeck job: {w}");
    }
    if found.steps.is_empty() {
        eprintln!(
            "kdeck job: no record carries {id:?} on {} topic(s) since {} ({} records read; \
             a longer --since looks further back)",
            found.topics,
            since_text(since_ms),
            found.scanned
        );
        return Ok(NOT_FOUND);
    }
    let tl = Timeline::build(found.steps);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let r = if args.output == "json" {
        write_json(&mut out, &ids, &tl, found.scanned)
    } else {
        write_text(&mut out, &ids, &tl, found.scanned, since_ms)
    };
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        r => r.map(|_| 0).map_err(Into::into),
    }
}

/// The records naming `id`; with `related`, then those naming any id they carry. Returns the
/// ids searched for, `id` first.
fn search(
    cfg: &Config,
    id: &str,
    since_ms: i64,
    related: bool,
) -> anyhow::Result<(Vec<String>, Found)> {
    let mut ids = vec![id.to_string()];
    let found = find(cfg, &ids, since_ms)?;
    if !related || found.steps.is_empty() {
        return Ok((ids, found));
    }
    // A status that names the job only by its task id, say.
    for s in &found.steps {
        for other in cfg.jobs.identity.ids_of_record(&s.record) {
            if ids.len() < MAX_RELATED && !ids.contains(&other) {
                ids.push(other);
            }
        }
    }
    if ids.len() == 1 {
        return Ok((ids, found));
    }
    let again = find(cfg, &ids, since_ms)?;
    Ok((ids, again))
}

pub use crate::kafka::jobs::Found;

/// Reads the job's topics from `since_ms` to their current end; keeps what names any of `ids`.
pub fn find(cfg: &Config, ids: &[String], since_ms: i64) -> anyhow::Result<Found> {
    let spec = crate::kafka::jobs::ScanSpec {
        cluster: cfg.cluster.clone(),
        lifecycle: cfg.topics.lifecycle(),
        identity: cfg.jobs.identity.clone(),
        value_cap: cfg.ui.max_value_bytes,
        max_scanned: u64::MAX,
    };
    let cancel = AtomicBool::new(false);
    crate::kafka::jobs::find(&spec, ids, since_ms, MAX_STEPS, &cancel, &mut |_, _| {})
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| ms.to_string())
}

fn since_text(ms: i64) -> String {
    if ms <= 0 {
        "the beginning".into()
    } else {
        iso(ms)
    }
}

fn kind_word(s: Source) -> &'static str {
    match s {
        Source::Request => "request",
        Source::Status => "status",
        Source::Completion => "completion",
        Source::Dlq => "dlq",
    }
}

fn write_text(
    out: &mut dyn Write,
    ids: &[String],
    tl: &Timeline,
    scanned: u64,
    since_ms: i64,
) -> std::io::Result<()> {
    let clean = |s: &str| crate::codec::sanitize::clean(s).into_owned();
    writeln!(
        out,
        "job {}: {} record(s) among {scanned} read since {}",
        clean(&ids[0]),
        tl.steps.len(),
        since_text(since_ms)
    )?;
    if ids.len() > 1 {
        writeln!(out, "related ids: {}", clean(&ids[1..].join(", ")))?;
    }
    let rows: Vec<[String; 7]> = tl
        .steps
        .iter()
        .map(|s| {
            let r = &s.record;
            [
                s.delta_ms.map_or("?".into(), delta_text),
                r.timestamp_ms.map_or("(no time)".into(), iso),
                kind_word(s.source).to_string(),
                format!("{}/{}@{}", clean(&r.topic), r.partition, r.offset),
                s.progress.map_or(String::new(), |p| format!("{p:.0}%")),
                clean(r.decoded.status.as_deref().unwrap_or("-")),
                clean(&r.decoded.summary),
            ]
        })
        .collect();
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (w0, w3, w4, w5) = (width(0), width(3), width(4), width(5));
    for r in &rows {
        let line = format!(
            "{:>w0$}  {:<24}  {:<10}  {:<w3$}  {:>w4$}  {:<w5$}  {}",
            r[0], r[1], r[2], r[3], r[4], r[5], r[6]
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out, "{}", outcome_line(tl))
}

fn outcome_line(tl: &Timeline) -> String {
    match (tl.outcome, tl.latency_ms) {
        (Outcome::StillRunning, _) => format!(
            "outcome: still running (last status {}, {} after the start)",
            tl.last_status.as_deref().unwrap_or("unknown"),
            tl.span_ms()
                .map_or("?".into(), |d| delta_text(d)[1..].to_string())
        ),
        (o, Some(l)) => format!(
            "outcome: {} · end-to-end {}",
            o.words(),
            &delta_text(l)[usize::from(l >= 0)..]
        ),
        (o, None) => format!(
            "outcome: {} · end-to-end unknown (no timestamps)",
            o.words()
        ),
    }
}

fn write_json(
    out: &mut dyn Write,
    ids: &[String],
    tl: &Timeline,
    scanned: u64,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    for s in &tl.steps {
        let r = &s.record;
        crate::engine::export::write_record(&mut buf, r);
        // The line of `kdeck tail`, with the timeline's facts added before its closing brace.
        buf.truncate(buf.len() - 2);
        let extra = json!({
            "kind": kind_word(s.source),
            "delta_ms": s.delta_ms,
            "progress": s.progress,
            "status": r.decoded.status,
            "status_class": r.decoded.status_class,
            "summary": r.decoded.summary,
            "value_truncated": r.truncated(),
        });
        let extra = extra.to_string();
        buf.push(b',');
        buf.extend_from_slice(&extra.as_bytes()[1..]);
        buf.push(b'\n');
        out.write_all(&buf)?;
        buf.clear();
    }
    let summary = json!({
        "kind": "summary",
        "job": ids[0],
        "ids": ids,
        "records": tl.steps.len(),
        "scanned": scanned,
        "outcome": tl.outcome,
        "last_status": tl.last_status,
        "start": tl.start_ms,
        "end": tl.end_ms,
        "latency_ms": tl.latency_ms,
    });
    writeln!(out, "{summary}")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use crate::engine::job::{matching, Identity};

    #[test]
    fn a_record_is_matched_only_by_its_identity_fields() {
        let id = Identity::builtin();
        let one = |s: &str| vec![s.to_string()];
        let v = br#"{"change_number":"CHG-1","progress_percentage":40,"note":"CHG-2"}"#;
        assert_eq!(
            matching(id, &one("CHG-1"), &None, &[], Some(v)),
            Some(Some(40.0))
        );
        // In the value, but not in an identity field.
        assert_eq!(matching(id, &one("CHG-2"), &None, &[], Some(v)), None);
        let escaped = br#"{"job_id":"a\/b"}"#;
        assert!(matching(id, &one("a/b"), &None, &[], Some(escaped)).is_some());
        let key = Some(b"k-1".to_vec());
        let headers = [crate::domain::Header {
            key: "correlation-id".into(),
            value: Some(b"c-1".to_vec()),
        }];
        let text = Some(&b"not json"[..]);
        assert_eq!(matching(id, &one("c-1"), &key, &headers, text), Some(None));
        assert_eq!(
            matching(id, &one("k-1"), &key, &headers, text),
            None,
            "keys are not ids"
        );
    }
}
