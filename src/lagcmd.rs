//! `kdeck lag`: the lag table once, or --watch, as text or JSON, with --fail-on for scripts.

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::domain::lag::{GroupView, LagStatus, LagTracker};
use crate::kafka::lag::{LagProbe, LagSpec};
use crate::ui::fmt::{human_count, human_secs};
use std::io::Write;
use std::time::{Duration, Instant};

pub struct LagOptions {
    pub watch: bool,
    pub json: bool,
    pub fail_on: Option<LagStatus>,
    pub samples: usize,
    pub interval: Duration,
    pub partitions: bool,
}

/// Returns whether --fail-on was reached.
pub fn run(cfg: &Config, o: &LagOptions, out: &mut dyn Write) -> anyhow::Result<bool> {
    let mut topics = cfg.topics.all();
    topics.extend(cfg.lag_topics.iter().cloned());
    let mut probe = LagProbe::new(LagSpec {
        cluster: cfg.cluster.clone(),
        watch_groups: cfg.watch_groups.clone(),
        topics,
        discover: cfg.lag.discover_groups,
        refresh_ms: o.interval.as_millis() as u64,
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
        let notes = snap.notes.clone();
        tracker.ingest(snap);
        n += 1;
        if n >= o.samples.max(1) {
            let views = tracker.views();
            if o.json {
                let doc = serde_json::json!({"groups": views, "notes": notes, "refresh_ms": tracker.took_ms});
                writeln!(out, "{doc}")?;
            } else {
                if o.watch {
                    write!(out, "\x1b[2J\x1b[H")?;
                }
                write_table(out, &views, &notes, o.partitions)?;
            }
            out.flush()?;
            let failed = o.fail_on.is_some_and(|f| {
                views
                    .iter()
                    .any(|g| g.status >= f && g.status != LagStatus::Unknown)
            });
            if !o.watch {
                return Ok(failed);
            }
        }
        if let Some(rest) = o.interval.checked_sub(started.elapsed()) {
            std::thread::sleep(rest);
        }
    }
}

fn write_table(
    out: &mut dyn Write,
    views: &[GroupView],
    notes: &[String],
    parts: bool,
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
    if views.is_empty() {
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
