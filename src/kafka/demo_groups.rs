//! Simulated consumer groups for the demo, so every lag status shows within a couple of
//! minutes: they commit offsets without joining (as any offset tool may), so the lag is
//! exactly what they choose.

use super::client_config;
use crate::support::config::Cluster;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Commits the end every second.
    KeepsUp,
    /// Keeps up, then creeps along slower than the producers, then catches up (60 s cycle).
    FallsBehind,
    /// Keeps up, then stops committing for a minute (120 s cycle).
    Stalls,
    /// Keeps up, then jumps back to reprocess (90 s cycle).
    Rewinds,
}

pub const DEMO_GROUPS: &[(&str, &str, Behaviour)] = &[
    (
        "scheduler-consumer-group",
        "scheduler.jobs.ingest",
        Behaviour::KeepsUp,
    ),
    // The busiest topic, so its lag visibly grows at every refresh while it creeps.
    ("task-manager-group", "task-status", Behaviour::FallsBehind),
    ("export-notifier", "export-completions", Behaviour::Stalls),
    ("crawl-workers", "requests-web-crawl", Behaviour::Rewinds),
];

struct Group {
    topic: &'static str,
    behaviour: Behaviour,
    consumer: BaseConsumer,
    committed: Vec<i64>,
}

pub struct Groups {
    groups: Vec<Group>,
}

impl Groups {
    pub fn new(cluster: &Cluster) -> Groups {
        let groups = DEMO_GROUPS
            .iter()
            .filter_map(|(name, topic, behaviour)| {
                let consumer: BaseConsumer = client_config(cluster)
                    .set("group.id", *name)
                    .set("enable.auto.commit", "false")
                    .create()
                    .ok()?;
                Some(Group {
                    topic,
                    behaviour: *behaviour,
                    consumer,
                    committed: vec![0; super::demo::PARTITIONS as usize],
                })
            })
            .collect();
        Groups { groups }
    }

    /// Called about once a second with the seconds since the demo started.
    pub fn tick(&mut self, secs: u64) {
        for g in &mut self.groups {
            let mut tpl = TopicPartitionList::new();
            for p in 0..super::demo::PARTITIONS {
                let Ok((_, high)) =
                    g.consumer
                        .fetch_watermarks(g.topic, p, Duration::from_millis(500))
                else {
                    continue;
                };
                let prev = g.committed[p as usize];
                let next = target(g.behaviour, secs, prev, high);
                if next != prev || secs.is_multiple_of(5) {
                    g.committed[p as usize] = next;
                    let _ = tpl.add_partition_offset(g.topic, p, Offset::Offset(next));
                }
            }
            if tpl.count() > 0 {
                let _ = g.consumer.commit(&tpl, CommitMode::Sync);
            }
        }
    }
}

/// The offset a group commits this second. A group that "does not commit" repeats nothing:
/// `prev` is returned and the tick above skips the commit unless it is a keep-alive second.
pub fn target(b: Behaviour, secs: u64, prev: i64, high: i64) -> i64 {
    match b {
        Behaviour::KeepsUp => high,
        Behaviour::FallsBehind => match secs % 60 {
            0..=19 | 50..=59 => high,
            // Creep: one record a second per partition, slower than the producers.
            _ => (prev + 1).min(high),
        },
        Behaviour::Stalls => match secs % 120 {
            0..=29 | 90..=119 => high,
            _ => prev,
        },
        Behaviour::Rewinds => {
            if secs % 90 == 45 {
                (prev - 25).max(0)
            } else if secs % 90 > 45 && secs % 90 < 55 {
                prev
            } else {
                high
            }
        }
    }
}
