//! `kdeck` with no subcommand: the dashboard, on the configured cluster or the embedded demo.

use super::cli::Cli;
use crate::domain::clock::SystemClock;
use crate::kafka;
use crate::support::config;
use std::process::ExitCode;

/// The topic and start flags (`--completion`, `--status`, `--dlq`, `--from`), for the
/// commands that read the pipeline's streams: the dashboard and `serve`.
pub fn stream_flags(o: &mut config::Overrides, cli: &Cli) {
    o.completion = cli.completion.clone();
    o.status = cli.status.clone();
    o.dlq = cli.dlq.clone();
    o.start = cli.from.clone();
}

pub fn run(mut o: config::Overrides, cli: &Cli) -> anyhow::Result<ExitCode> {
    stream_flags(&mut o, cli);
    let demo = if cli.demo {
        Some(kafka::demo::start(cli.demo_rate)?)
    } else {
        None
    };
    let mut cfg = config::load(&o)?;
    if let Some(d) = &demo {
        use_demo_cluster(&mut cfg, d);
    }
    kafka::validate(&cfg.cluster)?;
    crate::support::registry::Registry::install(&cfg.schemas).map_err(anyhow::Error::msg)?;
    let (theme, keymap) = crate::tui::ui_parts(&cfg)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let start = cfg.clone();
    let reload = |name: &str| reload(&o, &start, name);
    let parts = crate::tui::app::run::Parts {
        theme: &theme,
        keymap: &keymap,
        clock: &SystemClock,
        reload: &reload,
        demo: cli.demo,
    };
    let exit = rt.block_on(crate::tui::app::run::run(cfg, &parts))?;
    drop(demo);
    Ok(ExitCode::from(exit.code()))
}

/// Another profile of the config file, loaded as at start with the same file and flags, less
/// the ones that named this start's cluster and topics. The profile the dashboard started
/// with (the demo's too) comes back as it was.
fn reload(
    o: &config::Overrides,
    start: &config::Config,
    name: &str,
) -> Result<config::Config, String> {
    if name == start.profile {
        crate::support::registry::Registry::install(&start.schemas)?;
        return Ok(start.clone());
    }
    let o = config::Overrides {
        profile: Some(name.to_string()),
        brokers: None,
        completion: Vec::new(),
        status: Vec::new(),
        dlq: Vec::new(),
        watch_groups: Vec::new(),
        ..o.clone()
    };
    let cfg = config::load(&o).map_err(|e| e.to_string())?;
    kafka::validate(&cfg.cluster).map_err(|e| format!("{e:#}"))?;
    // Another cluster's registry: its ids mean other schemas.
    crate::support::registry::Registry::install(&cfg.schemas)?;
    Ok(cfg)
}

/// `--demo` shows the embedded cluster's topics and groups, whatever the config says.
fn use_demo_cluster(cfg: &mut config::Config, d: &kafka::demo::DemoHandle) {
    cfg.cluster = d.cluster();
    cfg.topics = kafka::demo::demo_topics();
    cfg.schemas = config::schemas::SchemaConfig {
        registry: None,
        local: vec![config::schemas::LocalSchema {
            topic: crate::demo::java_status::TOPIC.into(),
            file: "assets/schemas/job_status.avsc".into(),
            message: None,
            text: Some(crate::demo::java_status::SCHEMA),
        }],
    };
    cfg.profile = "demo".into();
    cfg.jobs.stuck_after_ms = crate::demo::DEMO_STUCK_AFTER_MS;
    cfg.watch_groups = kafka::demo_groups::DEMO_GROUPS
        .iter()
        .map(|(g, _, _)| g.to_string())
        .collect();
    cfg.lag.simulated_groups = cfg.watch_groups.clone();
    cfg.lag_topics = kafka::demo::REQUEST_TOPICS
        .iter()
        .map(|t| t.to_string())
        .collect();
}
