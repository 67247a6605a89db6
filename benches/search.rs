//! Search-back speed over a large topic on a real broker: the dashboard's search worker
//! (newest first, chunked per partition) against `kdeck tail -e` reading the same topic to the
//! end. Needs KDECK_BENCH_BROKERS (bench/search.sh starts a broker and sets it); records from
//! KDECK_BENCH_RECORDS (default 1,000,000). Prints figures, asserts only that the one needle
//! (the oldest record) is found.

use kdeck::domain::OutRecord;
use kdeck::engine::filter::Expr;
use kdeck::engine::search::range::TimeRange;
use kdeck::engine::search::{Query, SearchRequest};
use kdeck::kafka::search::{scan, News};
use kdeck::kafka::{admin, producer, tail};
use kdeck::support::config::{Cluster, StartAt};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

const PARTITIONS: i32 = 3;
const NEEDLE: &str = "export-needle-0001";

fn main() -> anyhow::Result<()> {
    let Ok(brokers) = std::env::var("KDECK_BENCH_BROKERS") else {
        eprintln!("search: set KDECK_BENCH_BROKERS (bench/search.sh does)");
        return Ok(());
    };
    let n: usize = std::env::var("KDECK_BENCH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let c = Cluster {
        brokers,
        client_id: "kdeck-bench".into(),
        properties: BTreeMap::new(),
    };
    let topic = format!("bench-search-{}", std::process::id());
    admin::create_topics(&c, &[&topic], PARTITIONS)?;
    let t0 = Instant::now();
    load(&c, &topic, n)?;
    eprintln!(
        "search: loaded {n} records in {:.1} s",
        t0.elapsed().as_secs_f64()
    );

    let tail_plain = time_tail(&c, &topic, None)?;
    let tail_jq = time_tail(
        &c,
        &topic,
        Some(&format!(r#".value.export_id == "{NEEDLE}""#)),
    )?;
    let quick = time_search(&c, &topic, NEEDLE)?;
    let jq = time_search(&c, &topic, &format!(r#".value.export_id == "{NEEDLE}""#))?;
    println!("search back over {n} export-completion JSON records, {PARTITIONS} partitions:");
    for (what, secs) in [
        ("kdeck tail --from beginning -e", tail_plain),
        ("kdeck tail -e --filter (jq)", tail_jq),
        ("search worker, text (newest first)", quick),
        ("search worker, jq (newest first)", jq),
    ] {
        println!(
            "  {what:<38} {secs:>6.2} s  {:>9.0} records/s  {:.2}× tail -e",
            n as f64 / secs,
            secs / tail_plain
        );
    }
    Ok(())
}

/// Export completions; the first (oldest) record of partition 0 is the needle.
fn load(c: &Cluster, topic: &str, n: usize) -> anyhow::Result<()> {
    let chunk = 100_000;
    for start in (0..n).step_by(chunk) {
        let recs: Vec<OutRecord> = (start..(start + chunk).min(n))
            .map(|i| {
                let id = if i == 0 {
                    NEEDLE.to_string()
                } else {
                    format!("export-{i:010}")
                };
                let value = format!(
                    r#"{{"export_id":"{id}","status":"complete","org_id":"org-customer-{:03}","progress_percentage":100,"file_url":"s3://exports/{id}.csv","rows":{}}}"#,
                    i % 7,
                    i % 10_000
                );
                OutRecord {
                    topic: topic.to_string(),
                    partition: Some((i % PARTITIONS as usize) as i32),
                    key: Some(id.into_bytes()),
                    value: Some(value.into_bytes()),
                    headers: vec![("event-type".into(), b"export.completed".to_vec())],
                    timestamp_ms: None,
                }
            })
            .collect();
        producer::produce_all(c, &recs, Duration::from_secs(120))?;
    }
    Ok(())
}

fn time_tail(c: &Cluster, topic: &str, filter: Option<&str>) -> anyhow::Result<f64> {
    let spec = tail::TailSpec {
        cluster: c.clone(),
        group_id: "kdeck-bench-tail".into(),
        topics: vec![topic.to_string()],
        start: StartAt::Beginning,
        count: None,
        exit_at_end: true,
        filter: filter
            .map(Expr::compile)
            .transpose()
            .map_err(anyhow::Error::msg)?,
    };
    let t = Instant::now();
    tail::run(&spec, &mut std::io::sink())?;
    Ok(t.elapsed().as_secs_f64())
}

fn time_search(c: &Cluster, topic: &str, query: &str) -> anyhow::Result<f64> {
    let req = SearchRequest {
        topics: vec![(topic.to_string(), false)],
        query: Query::parse(query).map_err(anyhow::Error::msg)?,
        range: TimeRange::default(),
        max_matches: kdeck::engine::search::MAX_MATCHES,
        value_cap: 64 * 1024,
    };
    let mut found = Vec::new();
    let t = Instant::now();
    let sum = scan(c, &req, &AtomicBool::new(false), &mut |news| {
        if let News::Matches(rs) = news {
            found.extend(rs);
        }
        true
    })?;
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        found.len() == 1 && found[0].offset == 0,
        "expected the one needle at offset 0, found {} ({:?})",
        found.len(),
        sum
    );
    Ok(secs)
}
