//! `kdeck replay`: the replay engine from the command line. Prints `run <ID>` on stderr as it
//! starts sending (so a killed run can be resumed), a progress bar on a terminal, a summary
//! (JSON with `--output json`); exits 1 when any record failed.

use crate::cmd::cli::ReplayArgs;
use crate::domain::bytes_display;
use crate::domain::replay::{ReplayEvent, ReplayPlan, ReplayRequest, ReplaySummary, Selection};
use crate::engine::replay::guard;
use crate::kafka::replay::{self, ReplayContext};
use crate::support::config::Config;
use std::io::{IsTerminal, Write};
use std::sync::atomic::AtomicBool;

/// Failures printed one by one before only the count goes on.
const FAILURE_LINES: u64 = 20;

/// Returns the exit code: 0 all sent (or a dry run), 1 something failed.
pub fn run(cfg: &Config, a: &ReplayArgs) -> anyhow::Result<u8> {
    let ctx = ReplayContext::from_config(cfg)?;
    if !a.dry_run {
        guard::ensure_writable(ctx.read_only.as_deref(), "replay")?;
    }
    let cancel = AtomicBool::new(false);
    let mut plan = match &a.resume {
        Some(id) => replay::resume_plan(&ctx, id, &cancel)?,
        None => replay::plan(&ctx, request(cfg, a)?, &cancel)?,
    };
    if a.resume.is_some() && a.rate.is_some() {
        plan.request.rate = a.rate;
    }
    let json = a.output == "json";
    if a.dry_run {
        let mut out = std::io::stdout().lock();
        if json {
            writeln!(out, "{}", plan_json(&plan))?;
        } else {
            print_plan(&mut out, &plan)?;
        }
        return Ok(0);
    }
    print_plan(&mut std::io::stderr().lock(), &plan)?;
    if plan.total == 0 && plan.resume.is_none() {
        eprintln!("kdeck replay: nothing to send");
        return Ok(0);
    }
    if !a.yes && !confirm(&plan)? {
        eprintln!("kdeck replay: not sent");
        return Ok(1);
    }
    eprintln!("run {}", plan.run_id);
    let summary = send(&ctx, &plan, &cancel)?;
    if json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print_summary(&mut std::io::stderr().lock(), &summary)?;
    }
    Ok(if summary.ok() { 0 } else { 1 })
}

fn request(cfg: &Config, a: &ReplayArgs) -> anyhow::Result<ReplayRequest> {
    let dlq = a
        .dlq
        .clone()
        .ok_or_else(|| anyhow::anyhow!("--dlq TOPIC is required"))?;
    let time = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<i64>> {
        v.as_deref()
            .map(|s| {
                s.parse::<i64>()
                    .ok()
                    .or_else(|| crate::codec::decode::parse_time_ms(s))
                    .ok_or_else(|| anyhow::anyhow!("{flag} {s:?}: expected a time like 2024-01-15T10:00:00Z or milliseconds since 1970"))
            })
            .transpose()
    };
    let selection = if let Some(o) = a.offset {
        Selection::One {
            partition: a.partition.unwrap_or(0),
            offset: o,
        }
    } else if let (Some(from), Some(to)) = (a.from_offset, a.to_offset) {
        Selection::Offsets {
            partition: a.partition,
            from,
            to,
        }
    } else if a.since.is_some() || a.until.is_some() {
        Selection::Time {
            since_ms: time("--since", &a.since)?,
            until_ms: time("--until", &a.until)?,
        }
    } else if let Some(r) = &a.reason {
        Selection::Reason { text: r.clone() }
    } else if a.all || a.filter.is_some() {
        Selection::All
    } else {
        anyhow::bail!("say which records: --partition P --offset O, --from-offset A --to-offset B, --since/--until TIME, --reason TEXT, or --all");
    };
    if let Some(r) = a.rate.filter(|r| !(r.is_finite() && *r > 0.0)) {
        anyhow::bail!("--rate {r}: expected records per second above 0");
    }
    // `@name` travels as the saved filter's expression: the audit log keeps what ran.
    let filter = match a.filter.as_deref().map(|f| cfg.filter(f)) {
        Some(Err(m)) => anyhow::bail!("--filter: {m}"),
        Some(Ok(e)) => Some(e.source().to_string()),
        None => None,
    };
    let mut req = ReplayRequest::new(&dlq, selection, cfg.replay.clone());
    req.filter = filter;
    req.to = a.to.clone();
    req.force_to = a.force_to.clone();
    req.keep_partition = a.keep_partition;
    req.rate = a.rate;
    req.stop_on_error = a.stop_on_error;
    Ok(req)
}

fn confirm(plan: &ReplayPlan) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        anyhow::bail!("refusing to send {} records without asking, and there is no terminal to ask on: pass --yes to send", plan.total);
    }
    let again = if plan.replayed_before > 0 {
        format!(" ({} of them were replayed before)", plan.replayed_before)
    } else {
        String::new()
    };
    eprint!("Send {} records{again}? [y/N] ", plan.total);
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

fn send(
    ctx: &ReplayContext,
    plan: &ReplayPlan,
    cancel: &AtomicBool,
) -> anyhow::Result<ReplaySummary> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let pb = indicatif::ProgressBar::new(plan.total);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} acknowledged  {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    let mut failures = 0u64;
    let mut on_event = |ev: ReplayEvent| match ev {
        ReplayEvent::Progress(p) => {
            if let Some(pb) = &bar {
                pb.set_position(p.acked);
                pb.set_message(format!(
                    "{} failed  {:.0}/s{}",
                    p.failed,
                    p.rate,
                    p.eta_secs
                        .map_or(String::new(), |s| format!("  ETA {s:.0} s"))
                ));
            }
        }
        ReplayEvent::Failed(f) => {
            failures += 1;
            if failures <= FAILURE_LINES {
                let line = format!(
                    "failed: {} -> {}: {}",
                    f.source,
                    f.target.as_deref().unwrap_or("(no target)"),
                    f.error
                );
                match &bar {
                    Some(pb) => pb.println(line),
                    None => eprintln!("{line}"),
                }
            }
        }
    };
    let summary = replay::execute(ctx, plan, cancel, &mut on_event);
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    summary
}

fn plan_json(p: &ReplayPlan) -> serde_json::Value {
    let first = p.first.as_ref().map(|f| {
        serde_json::json!({
            "source": f.source.to_string(),
            "target": f.target.topic,
            "partition": f.target.partition,
            "why": f.target.why,
            "note": f.target.note,
            "key": f.key.as_deref().map(|k| bytes_display(k, 200)),
            "headers": f.headers.iter().map(|(k, v)| (k.clone(), v.as_deref().map(|v| bytes_display(v, 200)))).collect::<Vec<_>>(),
            "value": f.value.as_deref().map(|v| bytes_display(v, 2000)),
        })
    });
    serde_json::json!({
        "run_id": p.run_id,
        "dry_run": true,
        "dlq": p.request.dlq,
        "total": p.total,
        "per_target": p.per_target,
        "per_reason": p.per_reason,
        "per_why": p.per_why.iter().map(|(w, n)| (format!("{w:?}"), *n)).collect::<std::collections::BTreeMap<_, _>>(),
        "unsendable": p.unsendable,
        "partitioner": p.partitioner,
        "replayed_before": p.replayed_before,
        "already_done": p.already_done,
        "first": first,
        "warnings": p.warnings,
    })
}

fn print_plan(out: &mut dyn Write, p: &ReplayPlan) -> anyhow::Result<()> {
    let resumed = if p.resume.is_some() {
        format!(
            " (resuming run {}: {} already on the target)",
            p.run_id, p.already_done
        )
    } else {
        String::new()
    };
    writeln!(
        out,
        "{} records from {} to send{resumed}",
        p.total, p.request.dlq
    )?;
    for (t, n) in &p.per_target {
        writeln!(out, "  to {t}: {n}")?;
    }
    if p.unsendable > 0 {
        writeln!(out, "  cannot be sent: {}", p.unsendable)?;
    }
    writeln!(out, "where the targets come from:")?;
    for (why, n) in &p.per_why {
        writeln!(out, "  {n:>8}  {}", why.describe())?;
    }
    if let Some(c) = &p.partitioner {
        writeln!(out, "partitioner for keyed records: {}", c.why)?;
    }
    writeln!(out, "by reason:")?;
    for (r, n) in &p.per_reason {
        writeln!(out, "  {n:>8}  {r}")?;
    }
    if p.replayed_before > 0 {
        writeln!(
            out,
            "{} of these records were replayed before (see the audit log)",
            p.replayed_before
        )?;
    }
    if let Some(f) = &p.first {
        writeln!(out, "first record, as it will be sent:")?;
        writeln!(out, "  from    {}", f.source)?;
        let to = f.target.topic.as_deref().unwrap_or("(nowhere)");
        let part = f
            .target
            .partition
            .map_or("the key decides".to_string(), |p| format!("partition {p}"));
        writeln!(out, "  to      {to} ({part}; {})", f.target.why.describe())?;
        if let Some(n) = &f.target.note {
            writeln!(out, "  note    {n}")?;
        }
        writeln!(
            out,
            "  key     {}",
            f.key
                .as_deref()
                .map_or("(none)".into(), |k| bytes_display(k, 120))
        )?;
        for (k, v) in &f.headers {
            writeln!(
                out,
                "  header  {k}: {}",
                v.as_deref()
                    .map_or("(null)".into(), |v| bytes_display(v, 120))
            )?;
        }
        writeln!(out, "  value   {}", value_text(f))?;
    }
    for w in &p.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

/// The first record's value as the plan shows it: a schema value decoded (it is sent as its
/// bytes all the same), else its bytes as text or hex.
fn value_text(f: &crate::domain::replay::PlanItem) -> String {
    let Some(v) = f.value.as_deref() else {
        return "(null)".into();
    };
    let wait = crate::codec::lookup::READER_WAIT;
    match crate::codec::decode::wire::preview(&f.source.topic, v, wait) {
        Some((json, what)) => format!("({what}) {}", bytes_display(json.as_bytes(), 400)),
        None => bytes_display(v, 400),
    }
}

fn print_summary(out: &mut dyn Write, s: &ReplaySummary) -> anyhow::Result<()> {
    writeln!(
        out,
        "run {}: {} acknowledged, {} failed{} in {:.1} s ({:.0}/s)",
        s.run_id,
        s.acked,
        s.failed,
        if s.skipped_acked + s.found_on_target > 0 {
            format!(
                ", {} already done before, {} found on the target",
                s.skipped_acked, s.found_on_target
            )
        } else {
            String::new()
        },
        s.elapsed_ms as f64 / 1000.0,
        s.rate
    )?;
    for (t, c) in &s.per_target {
        writeln!(out, "  {t}: {} acknowledged, {} failed", c.acked, c.failed)?;
    }
    for (p, o) in &s.committed {
        writeln!(out, "  group committed at {}/{p}@{o}", s.dlq)?;
    }
    for w in &s.warnings {
        writeln!(out, "warning: {w}")?;
    }
    if let Some(why) = &s.stopped_early {
        writeln!(out, "stopped early: {why}")?;
    }
    if s.cancelled {
        writeln!(out, "cancelled")?;
    }
    if !s.ok() {
        writeln!(out, "resume with: kdeck replay --resume {}", s.run_id)?;
    }
    Ok(())
}
