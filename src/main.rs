use clap::Parser;
use kdeck::cmd::cli::{Cli, Command, LagArgs, TailArgs};
use kdeck::domain::clock::SystemClock;
use kdeck::kafka;
use kdeck::support::config::{self, StartAt};
use std::io::Write as _;
use std::process::ExitCode;

/// Records are built on the reader thread and freed on the UI thread. glibc's malloc locks the
/// reader's arena for each of those frees, and at a backlog's pace the two threads spent ~15%
/// of their time waiting on each other (futex calls in the profile); mimalloc hands a freed
/// block back to its owning thread without a lock.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    if let Some(code) = generated(&cli) {
        return code;
    }
    let args: Vec<String> = std::env::args().collect();
    let _log = match kdeck::support::log::init(cli.log_level.as_deref(), &args) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("kdeck: --log-level / KDECK_LOG: {e}");
            return ExitCode::from(2);
        }
    };
    match real_main(cli) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("exit 2: {e:#}");
            eprintln!("kdeck: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `kdeck completions SHELL` and `kdeck man`: generated text on stdout, before any log
/// file or config is touched.
fn generated(cli: &Cli) -> Option<ExitCode> {
    // Into memory first: the generators panic on a write error (a closed pipe).
    let mut text = Vec::new();
    match &cli.command {
        Some(Command::Completions { shell }) => kdeck::cmd::cli::completions(*shell, &mut text),
        // Writing into a Vec cannot fail.
        Some(Command::Man) => {
            let _ = kdeck::cmd::cli::man(&mut text);
        }
        _ => return None,
    }
    let mut out = std::io::stdout().lock();
    Some(match out.write_all(&text).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kdeck: writing to stdout: {e}");
            ExitCode::from(2)
        }
    })
}

/// clap's message (or help), with any secret from the command line masked: clap echoes a
/// stray argument, and `-X sasl.password S3cr3t` (the `=` forgotten) makes the password one.
fn usage_error(e: &clap::Error) -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let secrets = kdeck::support::redact::secrets_in_args(&args);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let text = kdeck::support::redact::mask(&e.render().to_string(), &secrets);
    if e.use_stderr() {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
    ExitCode::from(e.exit_code().clamp(0, 255) as u8)
}

/// Parses the overrides and hands over to the subcommand. Each subcommand body stays here
/// whole, so a new flag touches one function.
fn real_main(mut cli: Cli) -> anyhow::Result<ExitCode> {
    let o = cli.conn.overrides().map_err(anyhow::Error::msg)?;
    match cli.command.take() {
        Some(Command::Demo { rate }) => demo(&cli, &o, rate),
        Some(Command::Lag(l)) => lag(&o, &l),
        Some(Command::Tail(t)) => tail(o, &t),
        Some(Command::Replay(r)) => {
            let cfg = load_checked(&o)?;
            Ok(ExitCode::from(kdeck::cmd::replay::run(&cfg, &r)?))
        }
        Some(Command::Publish(p)) => {
            let cfg = load_checked(&o)?;
            Ok(ExitCode::from(kdeck::cmd::publish::run(&cfg, &p)?))
        }
        Some(Command::Job(j)) => Ok(ExitCode::from(kdeck::cmd::job::run(
            &load_checked(&o)?,
            &j,
        )?)),
        // Answered by `generated` before logging starts.
        Some(Command::Completions { .. } | Command::Man) => Ok(ExitCode::SUCCESS),
        None => dashboard(o, &cli),
    }
}

/// The config (validated once, the same way for every subcommand) and a client built from
/// its settings, so a bad property is reported before any output.
fn load_checked(o: &config::Overrides) -> anyhow::Result<config::Config> {
    let cfg = config::load(o)?;
    kdeck::tui::ui_parts(&cfg)?;
    kafka::validate(&cfg.cluster)?;
    Ok(cfg)
}

fn demo(cli: &Cli, o: &config::Overrides, rate: f64) -> anyhow::Result<ExitCode> {
    let demo = match &cli.conn.brokers {
        Some(_) => {
            // The demo writes to the cluster it is pointed at.
            let cfg = load_checked(o)?;
            kdeck::engine::replay::guard::ensure_writable(cfg.read_only.as_deref(), "the demo")?;
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

fn lag(o: &config::Overrides, l: &LagArgs) -> anyhow::Result<ExitCode> {
    let cfg = load_checked(o)?;
    let interval = l
        .interval
        .map(std::time::Duration::from_secs_f64)
        .unwrap_or(std::time::Duration::from_millis(cfg.lag.refresh_ms));
    let opts = kdeck::cmd::lag::LagOptions {
        watch: l.watch,
        json: l.output == "json",
        fail_on: l
            .fail_on
            .as_deref()
            .and_then(kdeck::engine::lag::LagStatus::parse),
        samples: l.samples,
        interval,
        partitions: l.partitions,
        clear_screen: std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    let outcome = kdeck::cmd::lag::run(&cfg, &opts, &mut std::io::stdout().lock())?;
    if let Some(m) = outcome.message() {
        tracing::warn!("kdeck lag: {m}");
        eprintln!("kdeck lag: {m}");
    }
    Ok(ExitCode::from(outcome.exit_code()))
}

fn tail(mut o: config::Overrides, t: &TailArgs) -> anyhow::Result<ExitCode> {
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
    let now = kdeck::domain::clock::Clock::now_ms(&kdeck::domain::clock::SystemClock);
    let range = kdeck::engine::search::range::TimeRange::from_flags(
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

fn dashboard(mut o: config::Overrides, cli: &Cli) -> anyhow::Result<ExitCode> {
    o.completion = cli.completion.clone();
    o.status = cli.status.clone();
    o.dlq = cli.dlq.clone();
    o.start = cli.from.clone();
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
    let (theme, keymap) = kdeck::tui::ui_parts(&cfg)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let exit = rt.block_on(kdeck::tui::app::run::run(
        &cfg,
        &theme,
        &keymap,
        &SystemClock,
        cli.demo,
    ))?;
    drop(demo);
    Ok(ExitCode::from(exit.code()))
}

/// `--demo` shows the embedded cluster's topics and groups, whatever the config says.
fn use_demo_cluster(cfg: &mut config::Config, d: &kafka::demo::DemoHandle) {
    cfg.cluster = d.cluster();
    cfg.topics = kafka::demo::demo_topics();
    cfg.profile = "demo".into();
    cfg.jobs.stuck_after_ms = kdeck::demo::DEMO_STUCK_AFTER_MS;
    cfg.watch_groups = kafka::demo_groups::DEMO_GROUPS
        .iter()
        .map(|(g, _, _)| g.to_string())
        .collect();
    cfg.lag_topics = kafka::demo::REQUEST_TOPICS
        .iter()
        .map(|t| t.to_string())
        .collect();
}
