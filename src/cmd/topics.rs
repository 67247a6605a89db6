//! `kdeck topics`: every topic of the cluster with what kdeck makes of it — partitions,
//! replication, records held, retention, and the role its newest records suggest, with the
//! evidence.

use super::cli::TopicsArgs;
use crate::engine::roles::{propose, Proposal};
use crate::kafka::topics::{list, sample_all, TopicFacts};
use crate::support::config::Config;
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

/// Exit 0: listed. Errors (the cluster unreachable) go up as exit 2.
pub fn run(cfg: &Config, a: &TopicsArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    if !(a.sample_secs > 0.0 && a.sample_secs <= 60.0) {
        anyhow::bail!("--sample-secs: expected more than 0 and at most 60 seconds");
    }
    let within = Duration::from_secs_f64(a.sample_secs);
    let started = Instant::now();
    let topics = list(&cfg.cluster, a.internal)?;
    let listed = started.elapsed();
    // Proposed as each topic's sample completes, so only one topic's records are held at once
    // beyond those still being read.
    let mut proposals: HashMap<String, Proposal> = HashMap::with_capacity(topics.len());
    let never = AtomicBool::new(false);
    sample_all(
        &cfg.cluster,
        &topics,
        within,
        &never,
        &mut |name, records| {
            proposals.insert(name.to_string(), propose(name, &records));
        },
    );
    // For support and bench/topics.sh: the two waits a user of a large cluster feels.
    tracing::info!(
        "topics: {} listed in {} ms, their roles proposed {} ms later",
        topics.len(),
        listed.as_millis(),
        (started.elapsed() - listed).as_millis()
    );
    for t in &topics {
        let p = proposals
            .remove(&t.name)
            .unwrap_or_else(|| propose(&t.name, &[]));
        if a.output == "json" {
            writeln!(out, "{}", json_line(t, &p))?;
        } else {
            writeln!(out, "{}", text_line(t, &p))?;
        }
    }
    Ok(0)
}

fn role_words(p: &Proposal) -> String {
    match p.role {
        Some(g) => format!("{} ({:?})", g.word(), p.confidence).to_lowercase(),
        None => "none".into(),
    }
}

/// "retention 7 d", "retention forever" (-1), "retention unknown" (the cluster did not say).
fn retention_words(ms: Option<i64>) -> String {
    const UNITS: [(i64, &str); 4] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "min"),
        (1_000, "s"),
    ];
    let Some(ms) = ms else {
        return "retention unknown".into();
    };
    if ms < 0 {
        return "retention forever".into();
    }
    let span = UNITS
        .iter()
        .find(|(unit, _)| ms >= *unit)
        .map(|(unit, word)| {
            if ms % unit == 0 {
                format!("{} {word}", ms / unit)
            } else {
                format!("{:.1} {word}", ms as f64 / *unit as f64)
            }
        })
        .unwrap_or_else(|| format!("{ms} ms"));
    format!("retention {span}")
}

fn text_line(t: &TopicFacts, p: &Proposal) -> String {
    let records = t.records.map_or("?".into(), |n| n.to_string());
    let facts = format!(
        "{} partition(s) × {} · {records} record(s) · {}",
        t.partitions.len(),
        t.replication,
        retention_words(t.retention_ms)
    );
    let clean = |s: &str| crate::codec::sanitize::clean(s).into_owned();
    match &t.error {
        Some(e) => format!("{}  {facts}  cannot be read: {}", clean(&t.name), clean(e)),
        None => format!(
            "{}  {facts}  {}: {}",
            clean(&t.name),
            role_words(p),
            clean(&p.evidence)
        ),
    }
}

fn json_line(t: &TopicFacts, p: &Proposal) -> serde_json::Value {
    serde_json::json!({
        "topic": t.name,
        "partitions": t.partitions.len(),
        "replication": t.replication,
        "records": t.records,
        "retention_ms": t.retention_ms,
        "error": t.error,
        "role": p.role.map(|g| g.word().to_lowercase()),
        "confidence": format!("{:?}", p.confidence).to_lowercase(),
        "evidence": p.evidence,
    })
}

#[cfg(test)]
mod tests {
    use super::retention_words;

    #[test]
    fn retention_reads_in_the_largest_whole_unit() {
        let cases = [
            (Some(604_800_000), "retention 7 d"),
            (Some(-1), "retention forever"),
            (None, "retention unknown"),
            (Some(129_600_000), "retention 1.5 d"),
            (Some(3_600_000), "retention 1 h"),
            (Some(90_000), "retention 1.5 min"),
            (Some(1_000), "retention 1 s"),
            (Some(250), "retention 250 ms"),
            (Some(0), "retention 0 ms"),
        ];
        for (ms, words) in cases {
            assert_eq!(retention_words(ms), words, "{ms:?}");
        }
    }
}
