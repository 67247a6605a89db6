//! `kdeck publish`: records from a template (`--set`, `--count`, `--rate`), or like kcat from
//! stdin (one value, one per line, or the JSON lines `kdeck tail` prints). Prints each delivery
//! (JSON with `--output json`, then a summary object); a progress bar on a terminal.
//! Exit codes: 0 all acknowledged, 1 a record failed, 2 nothing sent (invalid field or input).

use crate::cmd::cli::PublishArgs;
use crate::engine::publish::jsonl_in::{parse_line, LineTarget};
use crate::engine::publish::{audit, template, Catalog, Form, PublishRecord, Vars};
use crate::kafka::publish::send::{self, Event, SendOptions, Summary};
use crate::support::config::Config;
use crate::support::registry::encode::SubjectEncoder;
use base64::Engine;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Failures printed one by one (text output) before only the count goes on.
const FAILURE_LINES: u64 = 20;

/// Largest value read from stdin (brokers refuse far smaller records by default: 1 MiB).
const MAX_VALUE: u64 = 64 << 20;

type Source<'a> = Box<dyn FnMut(u64) -> Option<Result<PublishRecord, String>> + 'a>;

pub fn run(cfg: &Config, a: &PublishArgs) -> anyhow::Result<u8> {
    let catalog = Catalog::load(template::user_dir().as_deref());
    for w in &catalog.warnings {
        eprintln!("kdeck publish: template skipped: {w}");
    }
    if a.list {
        print_list(&catalog, cfg, &mut std::io::stdout().lock())?;
        return Ok(0);
    }
    if let Some(r) = a.rate.filter(|r| !(r.is_finite() && *r > 0.0)) {
        anyhow::bail!("--rate {r}: expected records per second above 0");
    }
    crate::engine::replay::guard::ensure_writable(cfg.read_only.as_deref(), "publish")?;
    let nothing_sent = |lines: &[String]| -> anyhow::Result<u8> {
        for l in lines {
            eprintln!("kdeck publish: {l}");
        }
        eprintln!("kdeck publish: nothing sent");
        Ok(2)
    };
    // Fetched once, before the form: the fields may come from it, and every value uses it.
    let enc = match schema_encoder(cfg, a, &catalog) {
        Ok(e) => e,
        Err(e) => return nothing_sent(&[e]),
    };
    let (source, label, count): (Source<'_>, String, Option<u64>) = match &a.template {
        Some(name) => match template_source(cfg, &catalog, name, a, enc.as_ref()) {
            Ok(s) => (s, name.clone(), Some(a.count.unwrap_or(1))),
            Err(lines) => return nothing_sent(&lines),
        },
        None => {
            let input = a.input.clone().unwrap_or_else(|| "value".into());
            (stdin_source(a, &input)?, format!("stdin ({input})"), None)
        }
    };
    let (source, label) = match with_schema(enc, source, label) {
        Ok(s) => s,
        Err(e) => return nothing_sent(&[e]),
    };
    let mut opts = SendOptions::from_config(cfg);
    opts.rate = a.rate;
    opts.stop_on_error = a.stop_on_error;
    let props = &cfg.cluster.properties;
    let summary = audited(a, &label, count, props, |cancel| {
        send_all(cfg, a, &opts, source, count, cancel)
    })?;
    Ok(if summary.ok() { 0 } else { 1 })
}

fn print_list(c: &Catalog, cfg: &Config, out: &mut dyn Write) -> anyhow::Result<()> {
    let rows: Vec<(String, String, &str)> = c
        .templates
        .iter()
        .map(|t| {
            let topic = match Form::new(t, &cfg.topic_prefix).render(&Vars::system()) {
                Ok(r) => r.topic,
                Err(_) if t.topic.contains("{{") => "(set in the form)".to_string(),
                Err(_) => t.topic.clone(),
            };
            (t.name.clone(), topic, t.description.as_str())
        })
        .collect();
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(4).max(4);
    let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(5).max(5);
    writeln!(out, "{:w0$}  {:w1$}  DESCRIPTION", "NAME", "TOPIC")?;
    for (n, t, d) in rows {
        writeln!(out, "{n:w0$}  {t:w1$}  {d}")?;
    }
    Ok(())
}

/// The subject values are encoded with: `--subject` (with `--schema-version`, `--message`),
/// else the template's `[schema]`; None: values are sent as they are.
fn schema_encoder(
    cfg: &Config,
    a: &PublishArgs,
    catalog: &Catalog,
) -> Result<Option<SubjectEncoder>, String> {
    let from_template = a
        .template
        .as_deref()
        .and_then(|n| catalog.get(n))
        .and_then(|t| t.schema.as_ref());
    let (subject, version, message) = match (&a.subject, from_template) {
        (Some(s), _) => (s, a.schema_version.as_deref(), a.message.as_deref()),
        (None, Some(s)) => (&s.subject, Some(s.version()), s.message.as_deref()),
        (None, None) => return Ok(None),
    };
    if a.input.as_deref() == Some("jsonl") {
        return Err(
            "--subject encodes JSON values; `kdeck tail` lines carry their bytes already \
             (value_base64): publish them without --subject"
                .into(),
        );
    }
    let registry = cfg.schemas.registry.as_ref();
    SubjectEncoder::fetch(registry, subject, version, message).map(Some)
}

/// With a schema: every value, JSON, encoded with it. The first record is encoded before
/// anything is sent, so a value that does not fit sends nothing (exit 2).
fn with_schema<'a>(
    enc: Option<SubjectEncoder>,
    mut source: Source<'a>,
    label: String,
) -> Result<(Source<'a>, String), String> {
    let Some(enc) = enc else {
        return Ok((source, label));
    };
    let label = format!("{label} as {}", enc.label());
    let encode = move |r: PublishRecord| -> Result<PublishRecord, String> {
        let Some(v) = &r.value else {
            return Ok(r);
        };
        let value = Some(enc.encode(v)?);
        Ok(PublishRecord { value, ..r })
    };
    let first = match source(1) {
        None => None,
        Some(r) => Some(r.and_then(&encode)?),
    };
    let mut first = first.map(Ok);
    let mut encode = Some(encode);
    Ok((
        Box::new(move |seq| {
            if seq == 1 {
                return first.take();
            }
            let enc = encode.as_mut()?;
            source(seq).map(|r| r.and_then(&*enc))
        }),
        label,
    ))
}

fn template_source<'a>(
    cfg: &Config,
    catalog: &Catalog,
    name: &str,
    a: &PublishArgs,
    enc: Option<&SubjectEncoder>,
) -> Result<Source<'a>, Vec<String>> {
    let t = catalog.get(name).ok_or_else(|| {
        vec![format!(
            "there is no template {name:?} (kdeck publish --list shows them)"
        )]
    })?;
    let t = match enc {
        Some(e) if t.wants_schema_fields() => {
            t.with_schema_fields(&e.fields().map_err(|e| vec![e])?)
        }
        _ => t.clone(),
    };
    let mut form = Form::new(&t, &cfg.topic_prefix);
    form.topic_override = a.topic.clone();
    let mut problems = Vec::new();
    for s in &a.set {
        match s.split_once('=') {
            Some((k, v)) => form.set(k.trim(), v).unwrap_or_else(|e| problems.push(e)),
            None => problems.push(format!("--set {s:?}: expected FIELD=VALUE")),
        }
    }
    let base = Vars::system();
    problems.extend(form.validate(&base).iter().map(|e| e.to_string()));
    if !problems.is_empty() {
        return Err(problems);
    }
    let count = a.count.unwrap_or(1);
    let partition = a.partition;
    Ok(Box::new(move |seq| {
        if seq > count {
            return None;
        }
        let vars = base.next(seq, chrono::Utc::now().timestamp_millis());
        Some(
            form.render(&vars)
                .map(|mut r| {
                    r.partition = partition;
                    r
                })
                .map_err(|e| {
                    let all: Vec<String> = e.iter().map(|e| e.to_string()).collect();
                    all.join("; ")
                }),
        )
    }))
}

fn stdin_source<'a>(a: &PublishArgs, input: &str) -> anyhow::Result<Source<'a>> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        anyhow::bail!("kdeck publish reads the record from standard input: pipe a file (< value.json) or use --template NAME");
    }
    if input == "jsonl" {
        let target = LineTarget {
            topic: a.topic.clone(),
            partition: a.partition,
            keep_partition: a.keep_partition,
        };
        let mut lines = stdin.lock().lines();
        return Ok(Box::new(move |_| loop {
            match lines.next()? {
                Err(e) => return Some(Err(format!("reading standard input: {e}"))),
                Ok(l) if l.trim().is_empty() => continue,
                Ok(l) => return Some(parse_line(&l, &target)),
            }
        }));
    }
    let topic = a.topic.clone().ok_or_else(|| {
        anyhow::anyhow!("say where to send: -t TOPIC (or --template NAME, or --input jsonl)")
    })?;
    let mut headers = Vec::new();
    for h in &a.headers {
        let (k, v) = h
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("-H {h:?}: expected NAME=VALUE"))?;
        headers.push((k.to_string(), Some(v.as_bytes().to_vec())));
    }
    let rec = PublishRecord {
        topic,
        partition: a.partition,
        key: a.key.as_ref().map(|k| k.as_bytes().to_vec()),
        headers,
        value: None,
        key_hash: None,
    };
    if input == "lines" {
        let mut r = std::io::BufReader::new(stdin);
        return Ok(Box::new(move |_| {
            let mut buf = Vec::new();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) => None,
                Err(e) => Some(Err(format!("reading standard input: {e}"))),
                Ok(_) => {
                    if buf.last() == Some(&b'\n') {
                        buf.pop();
                    }
                    let mut one = rec.clone();
                    one.value = Some(buf);
                    Some(Ok(one))
                }
            }
        }));
    }
    let mut value = Vec::new();
    stdin.lock().take(MAX_VALUE + 1).read_to_end(&mut value)?;
    if value.len() as u64 > MAX_VALUE {
        anyhow::bail!(
            "the value on standard input is over {} MiB, larger than any broker takes",
            MAX_VALUE >> 20
        );
    }
    let mut once = Some(PublishRecord {
        value: Some(value),
        ..rec
    });
    Ok(Box::new(move |_| once.take().map(Ok)))
}

/// Writes the audit's start line, runs, writes its end line. Ctrl-C stops sending (what is in
/// flight is still waited for); a second Ctrl-C exits at once.
fn audited(
    a: &PublishArgs,
    label: &str,
    count: Option<u64>,
    props: &std::collections::BTreeMap<String, String>,
    go: impl FnOnce(&AtomicBool) -> anyhow::Result<Summary>,
) -> anyhow::Result<Summary> {
    let path = audit::audit_file().ok_or_else(|| {
        anyhow::anyhow!("no data folder for the publish audit (set KDECK_DATA_DIR)")
    })?;
    let run = crate::engine::replay::new_run_id();
    let by = crate::engine::replay::audit::who();
    let topic = a.topic.as_deref();
    let start = audit::Line::Start {
        run: &run,
        by: &by,
        at: crate::engine::replay::audit::now_text(),
        source: label,
        count,
        topic,
    };
    audit::append(&path, &start)?;
    crate::support::log::publish_start(&run, label, count, topic);
    let cancel = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, cancel.clone());
        let _ = signal_hook::flag::register(sig, cancel.clone());
    }
    let summary = go(&cancel);
    crate::support::log::publish_end(&run, summary.as_ref(), props);
    let summary = summary?;
    let result = if summary.ok() {
        "ok"
    } else if summary.cancelled {
        "cancelled"
    } else {
        "failed"
    };
    let end = audit::Line::End {
        run: &run,
        at: crate::engine::replay::audit::now_text(),
        acked: summary.acked,
        failed: summary.failed,
        topics: summary.topics.iter().map(String::as_str).collect(),
        result,
    };
    if let Err(e) = audit::append(&path, &end) {
        eprintln!("kdeck publish: {e:#}");
    }
    Ok(summary)
}

fn send_all(
    cfg: &Config,
    a: &PublishArgs,
    opts: &SendOptions,
    mut source: Source<'_>,
    count: Option<u64>,
    cancel: &AtomicBool,
) -> anyhow::Result<Summary> {
    let json = a.output == "json";
    let bar = progress_bar(count);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failures = 0u64;
    let mut on_event = |ev: Event| {
        let line = match ev {
            Event::Progress(p) => {
                if let Some(pb) = &bar {
                    pb.set_position(p.acked);
                    pb.set_message(format!("{} failed  {:.0}/s", p.failed, p.rate));
                }
                return;
            }
            Event::Delivered(d) => delivered_line(&d, json),
            Event::Failed { seq, topic, error } => {
                failures += 1;
                if json {
                    serde_json::json!({"type": "failed", "seq": seq, "topic": topic, "error": error}).to_string()
                } else {
                    if failures <= FAILURE_LINES {
                        let msg = failed_line(seq, &topic, &error);
                        match &bar {
                            Some(pb) => pb.println(msg),
                            None => eprintln!("{msg}"),
                        }
                    }
                    return;
                }
            }
        };
        match &bar {
            Some(pb) => pb.suspend(|| {
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }),
            None => {
                let _ = writeln!(out, "{line}");
            }
        }
    };
    let summary = send::run(&cfg.cluster, opts, &mut *source, cancel, &mut on_event)?;
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    if json {
        let mut v = serde_json::to_value(&summary)?;
        v["type"] = "summary".into();
        writeln!(out, "{v}")?;
    } else {
        out.flush()?;
        print_summary(&summary);
    }
    if summary.acked == 0
        && summary
            .first_error
            .as_deref()
            .is_some_and(|e| e.contains("in time"))
    {
        eprintln!(
            "kdeck publish: no record was acknowledged: is the cluster at {} reachable?",
            cfg.cluster.brokers
        );
    }
    out.flush()?;
    Ok(summary)
}

/// A bar on stderr when it is a terminal and more than one record goes.
fn progress_bar(count: Option<u64>) -> Option<indicatif::ProgressBar> {
    let n = count.unwrap_or(0);
    (n > 1 && std::io::stderr().is_terminal()).then(|| {
        let pb = indicatif::ProgressBar::new(n);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} acknowledged  {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    })
}

fn failed_line(seq: u64, topic: &str, error: &str) -> String {
    let to = if topic.is_empty() {
        String::new()
    } else {
        format!(" to {topic}")
    };
    format!("kdeck publish: record {seq}{to} failed: {error}")
}

fn delivered_line(d: &send::Delivered, json: bool) -> String {
    if !json {
        return format!("{} [{}] at offset {}", d.topic, d.partition, d.offset);
    }
    let mut v = serde_json::json!({
        "type": "delivered",
        "seq": d.seq,
        "topic": d.topic,
        "partition": d.partition,
        "offset": d.offset,
    });
    match d.key.as_deref().map(std::str::from_utf8) {
        None => v["key"] = serde_json::Value::Null,
        Some(Ok(k)) => v["key"] = k.into(),
        Some(Err(_)) => {
            let k = d.key.as_deref().unwrap_or_default();
            v["key"] = base64::engine::general_purpose::STANDARD.encode(k).into();
            v["key_encoding"] = "base64".into();
        }
    }
    v.to_string()
}

fn print_summary(s: &Summary) {
    let topics: Vec<&str> = s.topics.iter().map(String::as_str).collect();
    eprintln!(
        "kdeck publish: {} acknowledged, {} failed, to {} in {:.1} s ({:.0}/s){}{}",
        s.acked,
        s.failed,
        if topics.is_empty() {
            "-".to_string()
        } else {
            topics.join(", ")
        },
        s.elapsed_ms as f64 / 1000.0,
        s.rate,
        if s.cancelled { ", cancelled" } else { "" },
        s.stopped
            .as_deref()
            .map_or(String::new(), |m| format!(", {m}")),
    );
}
