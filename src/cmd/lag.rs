//! `kdeck lag`: the lag table once, or --watch, as text or JSON, with --fail-on and exit codes
//! that tell scripts what happened.

use crate::codec::text::{human_count, human_secs};
use crate::domain::clock::{Clock, SystemClock};
use crate::engine::lag::{GroupView, LagStatus, LagTracker};
use crate::kafka::lag::{LagProbe, LagSpec};
use crate::kafka::Trouble;
use crate::support::config::Config;
use std::io::Write;
use std::time::{Duration, Instant};

pub struct LagOptions {
    pub watch: bool,
    pub json: bool,
    pub fail_on: Option<LagStatus>,
    pub samples: usize,
    pub interval: Duration,
    pub partitions: bool,
    /// Clear the screen before each --watch table (only when stdout is a terminal).
    pub clear_screen: bool,
}

/// How `kdeck lag` ended; each has its own exit code (documented in `kdeck lag --help`).
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every group measured, none at or beyond --fail-on.
    Ok,
    /// A group is at or beyond --fail-on.
    FailOn,
    /// The cluster could not be reached; the message says why.
    Unreachable(String),
    /// The cluster refused kdeck's credentials or TLS connection.
    AuthFailed(String),
    /// Watched groups the cluster does not know.
    UnknownGroups(Vec<String>),
    /// Whoever read stdout went away (`| head`): nothing more to say.
    OutputClosed,
}

impl Outcome {
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Ok | Outcome::OutputClosed => 0,
            Outcome::FailOn => 1,
            Outcome::Unreachable(_) => 3,
            Outcome::AuthFailed(_) => 4,
            Outcome::UnknownGroups(_) => 5,
        }
    }

    /// The line for stderr, if any.
    pub fn message(&self) -> Option<String> {
        match self {
            Outcome::Unreachable(m) | Outcome::AuthFailed(m) => Some(m.clone()),
            Outcome::UnknownGroups(g) => Some(format!(
                "no such consumer group: {} (the cluster does not list it and it has no committed offsets)",
                g.join(", ")
            )),
            _ => None,
        }
    }
}

/// Text for `kdeck lag --help`.
pub const EXIT_CODES: &str = "Exit codes:\n  0  every group measured (and none at --fail-on)\n  1  a group is at or beyond --fail-on\n  2  usage or configuration error\n  3  the cluster cannot be reached\n  4  authentication or TLS failed\n  5  a group given with -g does not exist on the cluster\nWith --watch, kdeck lag keeps going through 3, 4 and 5 and says so on every refresh.";

/// `kdeck lag` from its flags: the exit code tells what the lag was.
pub fn from_args(
    o: &crate::support::config::Overrides,
    l: &super::cli::LagArgs,
) -> anyhow::Result<std::process::ExitCode> {
    let cfg = super::load_checked(o)?;
    let interval = l
        .interval
        .map(std::time::Duration::from_secs_f64)
        .unwrap_or(std::time::Duration::from_millis(cfg.lag.refresh_ms));
    let opts = LagOptions {
        watch: l.watch,
        json: l.output == "json",
        fail_on: l
            .fail_on
            .as_deref()
            .and_then(crate::engine::lag::LagStatus::parse),
        samples: l.samples,
        interval,
        partitions: l.partitions,
        clear_screen: std::io::IsTerminal::is_terminal(&std::io::stdout()),
    };
    let outcome = run(&cfg, &opts, &mut std::io::stdout().lock())?;
    if let Some(m) = outcome.message() {
        tracing::warn!("kdeck lag: {m}");
        eprintln!("kdeck lag: {m}");
    }
    Ok(std::process::ExitCode::from(outcome.exit_code()))
}

pub fn run(cfg: &Config, o: &LagOptions, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    match run_inner(cfg, o, out) {
        Err(e) if is_broken_pipe(&e) => Ok(Outcome::OutputClosed),
        r => r,
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run_inner(cfg: &Config, o: &LagOptions, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let mut topics = cfg.topics.all();
    topics.extend(cfg.lag_topics.iter().cloned());
    let mut probe = LagProbe::new(LagSpec {
        cluster: cfg.cluster.clone(),
        watch_groups: cfg.watch_groups.clone(),
        topics,
        discover: cfg.lag.discover_groups,
        refresh_ms: o.interval.as_millis() as u64,
        simulated: cfg.lag.simulated_groups.clone(),
    })?;
    let mut tracker = LagTracker::new(
        cfg.lag.window,
        cfg.lag.allowed_lag,
        o.interval.as_millis() as u64,
    );
    let mut n = 0usize;
    loop {
        let started = Instant::now();
        let snap = probe.refresh(SystemClock.now_ms());
        let mut notes = snap.notes.clone();
        tracker.ingest(snap);
        n += 1;
        let trouble = probe.trouble().cloned();
        if !o.watch {
            // A one-shot check that cannot see the cluster knows nothing: say so at once.
            if let Some((kind, msg)) = trouble {
                return Ok(match kind {
                    Trouble::Authentication => Outcome::AuthFailed(msg),
                    _ => Outcome::Unreachable(msg),
                });
            }
        }
        if n >= o.samples.max(1) {
            let unknown = probe.unknown_groups().to_vec();
            if !unknown.is_empty() {
                notes.push(format!("no such consumer group: {}", unknown.join(", ")));
            }
            let views = tracker.views();
            let took = tracker.took_ms;
            print(out, o, (&views, &notes, took), trouble.is_some())?;
            if !o.watch {
                if !unknown.is_empty() {
                    return Ok(Outcome::UnknownGroups(unknown));
                }
                let failed = o.fail_on.is_some_and(|f| {
                    views
                        .iter()
                        .any(|g| g.status >= f && g.status != LagStatus::Unknown)
                });
                return Ok(if failed { Outcome::FailOn } else { Outcome::Ok });
            }
        }
        if let Some(rest) = o.interval.checked_sub(started.elapsed()) {
            std::thread::sleep(rest);
        }
    }
}

fn print(
    out: &mut dyn Write,
    o: &LagOptions,
    (views, notes, took_ms): (&[GroupView], &[String], u64),
    trouble: bool,
) -> std::io::Result<()> {
    if o.json {
        let doc = serde_json::json!({"groups": views, "notes": notes, "refresh_ms": took_ms});
        writeln!(out, "{doc}")?;
    } else {
        if o.watch && o.clear_screen {
            write!(out, "\x1b[2J\x1b[H")?;
        }
        write_table(out, views, notes, o.partitions, trouble)?;
    }
    out.flush()
}

fn write_table(
    out: &mut dyn Write,
    views: &[GroupView],
    notes: &[String],
    parts: bool,
    trouble: bool,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<32} {:<7} {:>9} {:>9} {:>9} {:>9} {:>8} {:<12} {:>7}",
        "GROUP", "STATUS", "LAG", "SECS", "IN/S", "OUT/S", "TTZ", "STATE", "MEMBERS"
    )?;
    for g in views {
        let secs = format!(
            "{}{}",
            if g.seconds_exact { "" } else { ">=" },
            human_secs(g.seconds)
        );
        let ttz = match g.time_to_zero {
            Some(t) if t <= 0.0 => "-".to_string(),
            Some(t) => human_secs(t),
            None => "never".to_string(),
        };
        writeln!(
            out,
            "{:<32} {:<7} {:>9} {:>9} {:>9.1} {:>9.1} {:>8} {:<12} {:>7}",
            g.group,
            g.status.label(),
            human_count(g.lag),
            secs,
            g.produce_rate,
            g.consume_rate,
            ttz,
            g.state.as_deref().unwrap_or("-"),
            g.members.map_or("-".to_string(), |m| m.to_string())
        )?;
        if parts {
            for p in &g.partitions {
                writeln!(
                    out,
                    "  {:<40} committed {:>10} end {:>10} lag {:>8} {:<7} {}",
                    format!("{}/{}", p.topic, p.partition),
                    p.committed.map_or("-".into(), |c| c.to_string()),
                    p.end,
                    p.lag,
                    p.status.label(),
                    p.owner.as_deref().unwrap_or("")
                )?;
            }
        }
        if let Some(e) = &g.error {
            writeln!(out, "  ! {e}")?;
        }
    }
    if views.is_empty() && !trouble {
        writeln!(
            out,
            "(no groups: pass -g GROUP or set watch_groups in the config)"
        )?;
    }
    for n in notes {
        writeln!(out, "note: {n}")?;
    }
    Ok(())
}
