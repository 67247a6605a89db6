use clap::Parser;
use kdeck::cli::{Cli, Command};
use kdeck::clock::SystemClock;
use kdeck::config::{self, StartAt};
use kdeck::kafka;
use kdeck::keymap::Keymap;
use kdeck::theme::Theme;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match real_main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kdeck: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut o = cli.conn.overrides().map_err(anyhow::Error::msg)?;
    match cli.command {
        Some(Command::Demo { rate }) => {
            let demo = match &cli.conn.brokers {
                Some(_) => kafka::demo::start_on(&config::load(&o)?.cluster, rate)?,
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
        Some(Command::Lag(l)) => lag(&o, &l),
        Some(Command::Tail(t)) => {
            o.start = Some(t.from.clone());
            let cfg = config::load(&o)?;
            let topics = if t.topics.is_empty() {
                cfg.topics.all()
            } else {
                t.topics.clone()
            };
            let start = StartAt::parse(&t.from).map_err(|m| anyhow::anyhow!("--from: {m}"))?;
            let spec = kafka::tail::TailSpec {
                cluster: cfg.cluster.clone(),
                group_id: cfg.consumer.group_id.clone(),
                topics,
                start,
                count: t.count,
                exit_at_end: t.exit_at_end,
            };
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            kafka::tail::run(&spec, &mut lock)?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            o.completion = cli.completion;
            o.status = cli.status;
            o.dlq = cli.dlq;
            o.start = cli.from;
            let demo = if cli.demo {
                Some(kafka::demo::start(cli.demo_rate)?)
            } else {
                None
            };
            let mut cfg = config::load(&o)?;
            if let Some(d) = &demo {
                cfg.cluster = d.cluster();
                cfg.topics = kafka::demo::demo_topics();
                cfg.profile = "demo".into();
                cfg.watch_groups = kafka::demo_groups::DEMO_GROUPS
                    .iter()
                    .map(|(g, _, _)| g.to_string())
                    .collect();
                cfg.lag_topics = kafka::demo::REQUEST_TOPICS
                    .iter()
                    .map(|t| t.to_string())
                    .collect();
            }
            kafka::validate(&cfg.cluster)?;
            let theme = Theme::load(&cfg.ui.theme).map_err(anyhow::Error::msg)?;
            let keymap = Keymap::new(&cfg.keys).map_err(|e| {
                anyhow::anyhow!(
                    "{}: {e}",
                    cfg.source
                        .as_ref()
                        .map_or("config".to_string(), |p| p.display().to_string())
                )
            })?;
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            rt.block_on(kdeck::app::run::run(
                &cfg,
                &theme,
                &keymap,
                &SystemClock,
                cli.demo,
            ))?;
            drop(demo);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `kdeck lag`: its outcome is the exit code (see `kdeck lag --help`).
fn lag(o: &config::Overrides, l: &kdeck::cli::LagArgs) -> anyhow::Result<ExitCode> {
    let cfg = config::load(o)?;
    kafka::validate(&cfg.cluster)?;
    let interval = l
        .interval
        .map(std::time::Duration::from_secs_f64)
        .unwrap_or(std::time::Duration::from_millis(cfg.lag.refresh_ms));
    let opts = kdeck::lagcmd::LagOptions {
        watch: l.watch,
        json: l.output == "json",
        fail_on: l
            .fail_on
            .as_deref()
            .and_then(kdeck::domain::lag::LagStatus::parse),
        samples: l.samples,
        interval,
        partitions: l.partitions,
        clear_screen: std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    let outcome = kdeck::lagcmd::run(&cfg, &opts, &mut std::io::stdout().lock())?;
    if let Some(m) = outcome.message() {
        eprintln!("kdeck lag: {m}");
    }
    Ok(ExitCode::from(outcome.exit_code()))
}
