//! `kdeck demo`: the simulated pipeline on librdkafka's in-process mock cluster (or on the
//! cluster given with -b), until Ctrl-C.

use super::cli::Cli;
use super::load_checked;
use crate::kafka;
use crate::support::config;
use std::process::ExitCode;

pub fn run(cli: &Cli, o: &config::Overrides, rate: f64) -> anyhow::Result<ExitCode> {
    let demo = match &cli.conn.brokers {
        Some(_) => {
            // The demo writes to the cluster it is pointed at.
            let cfg = load_checked(o)?;
            crate::engine::replay::guard::ensure_writable(cfg.read_only.as_deref(), "the demo")?;
            kafka::demo::start_on(&cfg.cluster, rate)?
        }
        None => kafka::demo::start(rate)?,
    };
    println!("kdeck demo cluster: {}", demo.bootstrap);
    println!("topics: {}", kafka::demo::demo_topics().all().join(", "));
    println!(
        "try:  kdeck -b {}   or   kcat -b {} -L",
        demo.bootstrap, demo.bootstrap
    );
    println!("Ctrl-C to stop.");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async { tokio::signal::ctrl_c().await })?;
    drop(demo);
    Ok(ExitCode::SUCCESS)
}
