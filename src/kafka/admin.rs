//! Admin calls, each with a short timeout: some clusters (the demo's mock) do not answer some
//! requests at all, and kdeck must degrade rather than hang.

use super::client_config;
use crate::config::Cluster;
use anyhow::Context;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;
use std::time::Duration;

/// Creates topics that do not exist yet; existing ones are left as they are.
pub fn create_topics(cluster: &Cluster, names: &[&str], partitions: i32) -> anyhow::Result<()> {
    let admin: AdminClient<DefaultClientContext> = client_config(cluster)
        .create()
        .context("creating the admin client")?;
    let topics: Vec<NewTopic> = names
        .iter()
        .map(|n| NewTopic::new(n, partitions, TopicReplication::Fixed(1)))
        .collect();
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    let results = futures::executor::block_on(admin.create_topics(&topics, &opts))
        .context("creating topics")?;
    for r in results {
        match r {
            Ok(_) => {}
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((t, e)) => anyhow::bail!("creating topic {t}: {e}"),
        }
    }
    Ok(())
}

/// Commits offsets for `group` without joining it, as offset tools do. kdeck itself only uses
/// this for the demo's simulated groups and in tests; it never commits for watched groups.
pub fn commit_offsets(
    cluster: &Cluster,
    group: &str,
    offsets: &[(&str, i32, i64)],
) -> anyhow::Result<()> {
    use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
    let consumer: BaseConsumer = client_config(cluster)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .context("creating a consumer to commit with")?;
    let mut tpl = rdkafka::TopicPartitionList::new();
    for (t, p, o) in offsets {
        tpl.add_partition_offset(t, *p, rdkafka::Offset::Offset(*o))?;
    }
    consumer
        .commit(&tpl, CommitMode::Sync)
        .with_context(|| format!("committing offsets for group {group}"))?;
    Ok(())
}
