//! How long one consumer-lag refresh takes with 50 groups × 24 partitions on a real broker
//! (or the sizes in KDECK_BENCH_LAG_GROUPS, _TOPICS, _PARTITIONS, _ROUNDS: bench/lag.sh --scale
//! runs 1,000 groups × 48 partitions). Needs KDECK_BENCH_BROKERS (bench/lag.sh starts a broker
//! and sets it). Prints figures.

use kdeck::domain::OutRecord;
use kdeck::kafka::lag::{LagProbe, LagSpec};
use kdeck::kafka::{admin, producer};
use kdeck::support::config::Cluster;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let Ok(brokers) = std::env::var("KDECK_BENCH_BROKERS") else {
        eprintln!("lag_refresh: set KDECK_BENCH_BROKERS (bench/lag.sh does)");
        return Ok(());
    };
    let groups_n = size("KDECK_BENCH_LAG_GROUPS", 50);
    let topics_n = size("KDECK_BENCH_LAG_TOPICS", 5);
    let partitions = size("KDECK_BENCH_LAG_PARTITIONS", 24) as i32;
    let rounds = size("KDECK_BENCH_LAG_ROUNDS", 90).max(20);
    let c = Cluster {
        brokers,
        client_id: "kdeck-bench".into(),
        properties: BTreeMap::new(),
    };
    let run = std::process::id();
    let topics: Vec<String> = (0..topics_n)
        .map(|i| format!("bench-lag-{run}-{i}"))
        .collect();
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();
    admin::create_topics(&c, &names, partitions)?;
    let mut recs = Vec::new();
    for t in &topics {
        for p in 0..partitions {
            for i in 0..20 {
                recs.push(OutRecord {
                    topic: t.clone(),
                    partition: Some(p),
                    key: Some(format!("k{i}").into_bytes()),
                    value: Some(br#"{"status":"complete"}"#.to_vec()),
                    ..Default::default()
                });
            }
        }
    }
    producer::produce_all(&c, &recs, Duration::from_secs(60))?;
    // Each group has committed on every partition of one topic (groups / topics per topic).
    let started = Instant::now();
    let groups: Vec<String> = (0..groups_n)
        .map(|g| format!("bench-grp-{run}-{g}"))
        .collect();
    for (g, name) in groups.iter().enumerate() {
        let t = &topics[g % topics_n];
        let offsets: Vec<(&str, i32, i64)> = (0..partitions)
            .map(|p| (t.as_str(), p, (g % 20) as i64))
            .collect();
        admin::commit_offsets(&c, name, &offsets)?;
    }
    eprintln!(
        "lag_refresh: {groups_n} groups committed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut probe = LagProbe::new(LagSpec {
        cluster: c.clone(),
        watch_groups: groups.clone(),
        topics: topics.clone(),
        discover: false,
        refresh_ms: 60_000,
        simulated: vec![],
    })?;
    let t0 = Instant::now();
    let first = probe.refresh(0);
    let cold = t0.elapsed();
    let parts: usize = first.groups.iter().map(|g| g.committed.len()).sum();
    assert_eq!(first.groups.len(), groups_n, "every group measured");
    assert_eq!(
        parts,
        groups_n * partitions as usize,
        "every partition measured"
    );
    // The first refreshes also look up the produce time of the record at each committed
    // offset older than what kdeck has seen (16 per refresh, cached); then only offsets.
    let mut times = Vec::new();
    for i in 0..rounds {
        let t = Instant::now();
        let s = probe.refresh(i as i64);
        times.push(t.elapsed());
        assert_eq!(s.groups.len(), groups_n);
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let stats = |v: &[Duration]| {
        let mut v = v.to_vec();
        v.sort();
        format!(
            "min {:.1} ms · median {:.1} ms · max {:.1} ms",
            ms(v[0]),
            ms(v[v.len() / 2]),
            ms(v[v.len() - 1])
        )
    };
    println!(
        "lag refresh, {groups_n} groups × {partitions} partitions ({parts} committed offsets, {} end offsets):",
        topics_n * partitions as usize
    );
    println!(
        "  first refresh (creates a client per group): {:.1} ms",
        ms(cold)
    );
    println!(
        "  refreshes 2-11 (with record-time lookups):  {}",
        stats(&times[..10])
    );
    println!(
        "  refreshes {}-{} (steady state):             {}",
        rounds - 8,
        rounds + 1,
        stats(&times[rounds - 10..])
    );
    // What the end-offset part costs in bulk (kafka::ends: one request per partition leader)
    // where the probe asks partition by partition. Includes a new client's start each time.
    let tps: Vec<(String, i32)> = topics
        .iter()
        .flat_map(|t| (0..partitions).map(move |p| (t.clone(), p)))
        .collect();
    let mut bulk = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let (ends, failed) = kdeck::kafka::ends::end_offsets(&c, &tps, Duration::from_secs(30))?;
        bulk.push(t.elapsed());
        assert_eq!((ends.len(), failed.len()), (tps.len(), 0));
    }
    println!(
        "  end offsets of all {} partitions in bulk (kafka::ends, new client each): {}",
        tps.len(),
        stats(&bulk)
    );
    Ok(())
}
