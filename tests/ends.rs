//! Bulk end offsets (kafka::ends) against a real broker: the same ends as the per-partition
//! watermark lookup, for many partitions at once, and a word for a partition that is not there.

mod common;

use common::{brokers, cluster, unique};
use kdeck::domain::OutRecord;
use kdeck::kafka::{admin, ends, producer, replay};
use std::time::Duration;

#[test]
fn bulk_end_offsets_equal_the_watermarks_of_every_partition() {
    let c = cluster(&brokers());
    let topics = [unique("kdeck-ends-a"), unique("kdeck-ends-b")];
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();
    admin::create_topics(&c, &names, 6).unwrap();
    // A different count in each partition (partition p of topic i holds i + p records).
    let mut recs = Vec::new();
    for (i, t) in topics.iter().enumerate() {
        for p in 0..6 {
            for n in 0..(i + p as usize) {
                recs.push(OutRecord {
                    topic: t.clone(),
                    partition: Some(p),
                    value: Some(format!("{n}").into_bytes()),
                    ..Default::default()
                });
            }
        }
    }
    producer::produce_all(&c, &recs, Duration::from_secs(30)).unwrap();
    let mut tps = Vec::new();
    for t in &topics {
        tps.extend((0..6).map(|p| (t.clone(), p)));
    }
    tps.push((topics[0].clone(), 99));
    let (got, failed) = ends::end_offsets(&c, &tps, Duration::from_secs(10)).unwrap();
    for (i, t) in topics.iter().enumerate() {
        let marks = replay::watermarks(&c, t).unwrap();
        assert_eq!(marks.len(), 6);
        for (p, _, high) in marks {
            assert_eq!(
                high,
                (i + p as usize) as i64,
                "{t}/{p} holds what was produced"
            );
            assert_eq!(got.get(&(t.clone(), p)), Some(&high), "{t}/{p}");
        }
    }
    assert_eq!(got.len(), 12, "{got:?}");
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, (topics[0].clone(), 99));
    assert!(!failed[0].1.is_empty() && !failed[0].1.contains("UnknownTopicOrPartition"));
}
