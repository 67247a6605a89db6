//! `kdeck tail`: records as JSON lines on stdout, byte-exact, from a start or a time range.

use super::cli::TailArgs;
use super::load_checked;
use crate::kafka;
use crate::support::config::{self, StartAt};
use std::process::ExitCode;

pub fn run(mut o: config::Overrides, t: &TailArgs) -> anyhow::Result<ExitCode> {
    o.start = Some(t.from.clone());
    let cfg = load_checked(&o)?;
    let topics = if t.topics.is_empty() {
        cfg.topics.all()
    } else {
        t.topics.clone()
    };
    let start = StartAt::parse(&t.from).map_err(|m| anyhow::anyhow!("--from: {m}"))?;
    let filter = t.filter.as_deref().map(|f| cfg.filter(f));
    let filter = filter
        .transpose()
        .map_err(|m| anyhow::anyhow!("--filter: {m}"))?;
    let spec = kafka::tail::TailSpec {
        cluster: cfg.cluster.clone(),
        group_id: cfg.consumer.group_id.clone(),
        topics,
        start,
        count: t.count,
        exit_at_end: t.exit_at_end,
        filter,
    };
    let now = crate::domain::clock::Clock::now_ms(&crate::domain::clock::SystemClock);
    let range = crate::engine::search::range::TimeRange::from_flags(
        t.since.as_deref(),
        t.until.as_deref(),
        now,
    )
    .map_err(|m| anyhow::anyhow!("{m}"))?;
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    kafka::tail::run_range(&spec, range, &mut lock)?;
    Ok(ExitCode::SUCCESS)
}
