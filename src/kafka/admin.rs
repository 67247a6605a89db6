//! Admin calls, each with a short timeout: some clusters (the demo's mock) do not answer some
//! requests at all, and kdeck must degrade rather than hang.

use super::{client_config, describe};
use crate::support::config::Cluster;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;
use std::time::Duration;

/// Creates topics that do not exist yet; existing ones are left as they are.
pub fn create_topics(cluster: &Cluster, names: &[&str], partitions: i32) -> anyhow::Result<()> {
    create_replicated_topics(cluster, names, partitions, 1)
}

/// `create_topics` with `replicas` copies of each partition (a cluster of several brokers).
pub fn create_replicated_topics(
    cluster: &Cluster,
    names: &[&str],
    partitions: i32,
    replicas: i32,
) -> anyhow::Result<()> {
    let admin: AdminClient<DefaultClientContext> = client_config(cluster)
        .create()
        .map_err(|e| anyhow::anyhow!("cannot create the admin client: {}", describe(&e)))?;
    let topics: Vec<NewTopic> = names
        .iter()
        .map(|n| NewTopic::new(n, partitions, TopicReplication::Fixed(replicas)))
        .collect();
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    let results = futures::executor::block_on(admin.create_topics(&topics, &opts))
        .map_err(|e| anyhow::anyhow!("creating topics: {}", describe(&e)))?;
    for r in results {
        match r {
            Ok(_) => {}
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((t, e)) => anyhow::bail!("creating topic {t}: {}", super::describe_code(e)),
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
        .map_err(|e| {
            anyhow::anyhow!("cannot create a consumer to commit with: {}", describe(&e))
        })?;
    let mut tpl = rdkafka::TopicPartitionList::new();
    for (t, p, o) in offsets {
        tpl.add_partition_offset(t, *p, rdkafka::Offset::Offset(*o))?;
    }
    consumer
        .commit(&tpl, CommitMode::Sync)
        .map_err(|e| anyhow::anyhow!("committing offsets for group {group}: {}", describe(&e)))?;
    Ok(())
}
