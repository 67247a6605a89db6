//! Every subcommand, one file each: `kdeck` alone opens the dashboard, the rest are headless.
//! The top layer: may use anything below.

pub mod cli;
pub mod dashboard;
pub mod demo;
pub mod job;
pub mod lag;
pub mod offsets;
pub mod publish;
pub mod replay;
pub mod serve;
pub mod tail;
pub mod topics;

use crate::kafka;
use crate::support::config;
use cli::{Cli, Command};
use std::process::ExitCode;

/// Parses the overrides and hands over to the subcommand: one file each in this folder.
pub fn run(mut cli: Cli) -> anyhow::Result<ExitCode> {
    let o = cli.conn.overrides().map_err(anyhow::Error::msg)?;
    match cli.command.take() {
        Some(Command::Demo { rate }) => demo::run(&cli, &o, rate),
        Some(Command::Lag(l)) => lag::from_args(&o, &l),
        Some(Command::Tail(t)) => tail::run(o, &t),
        Some(Command::Replay(r)) => {
            let cfg = load_checked(&o)?;
            Ok(ExitCode::from(replay::run(&cfg, &r)?))
        }
        Some(Command::Publish(p)) => {
            let cfg = load_checked(&o)?;
            Ok(ExitCode::from(publish::run(&cfg, &p)?))
        }
        Some(Command::Topics(a)) => Ok(ExitCode::from(topics::run(
            &load_checked(&o)?,
            &a,
            &mut std::io::stdout().lock(),
        )?)),
        Some(Command::Serve(a)) => {
            let mut o = o;
            dashboard::stream_flags(&mut o, &cli);
            serve::run(&load_checked(&o)?, &a)
        }
        Some(Command::Offsets(a)) => {
            let cfg = load_checked(&o)?;
            Ok(ExitCode::from(offsets::run(&cfg, &o.watch_groups, &a)?))
        }
        Some(Command::Job(j)) => Ok(ExitCode::from(job::run(&load_checked(&o)?, &j)?)),
        // Answered by `generated` before logging starts.
        Some(Command::Completions { .. } | Command::Man) => Ok(ExitCode::SUCCESS),
        None => dashboard::run(o, &cli),
    }
}

/// The config as every subcommand takes it: loaded (file < environment < flags), with its
/// theme and key bindings checked, so the dashboard and the headless commands accept and
/// refuse exactly the same files.
pub fn load_config_with(
    o: &config::Overrides,
    env: config::load::Env<'_>,
    platform_path: Option<std::path::PathBuf>,
) -> Result<config::Config, config::ConfigError> {
    let cfg = config::load::load_with(o, env, platform_path)?;
    crate::tui::ui_parts(&cfg)?;
    Ok(cfg)
}

/// The config (validated once, the same way for every subcommand) and a client built from
/// its settings, so a bad property is reported before any output.
pub fn load_checked(o: &config::Overrides) -> anyhow::Result<config::Config> {
    let cfg = config::load(o)?;
    crate::tui::ui_parts(&cfg)?;
    kafka::validate(&cfg.cluster)?;
    crate::support::registry::Registry::install(&cfg.schemas).map_err(anyhow::Error::msg)?;
    Ok(cfg)
}
