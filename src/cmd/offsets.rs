//! `kdeck offsets reset` and `kdeck offsets undo`: move a consumer group's committed offsets
//! like kafka-consumer-groups --reset-offsets. A preview unless --execute; refused while the
//! group has members and on read-only profiles; every executed run is audited with the offsets
//! before and after, so `undo` can put them back.

use crate::cmd::cli::{OffsetsAction, OffsetsArgs, OffsetsCommon, ResetArgs, UndoArgs};
use crate::domain::offsets::Outcome;
use crate::engine::offsets::{self as plan_rules, Move, Strategy};
use crate::engine::replay::guard;
use crate::kafka::offsets::{self, GroupClient, Plan, Selection};
use crate::support::config::Config;
use std::io::{IsTerminal, Write};

pub const HELP: &str = "Without --execute nothing is committed: each partition's current and new offset, the lag \
before and after, the records read again or skipped and the time they were written.\n\
Offsets outside what the log holds are moved to its earliest or latest offset, with a warning.\n\
The group must have no members (state Empty or Dead): stop its consumers first.\n\
Every executed run is appended to <data dir>/offsets/audit.jsonl (KDECK_DATA_DIR overrides \
the data dir); `kdeck offsets undo RUN_ID` puts the offsets back.\n\
Exit codes:\n  0  previewed, or executed as asked and read back\n  1  the commit failed or the \
offsets read back differ\n  2  usage or configuration error, or nothing to do\n  3  refused: the group \
has members, the profile is read-only, or not confirmed\n\
Examples:\n  kdeck offsets reset --group billing --topic orders --to-datetime 2024-01-15T10:00:00Z\n  \
kdeck offsets reset --group billing --all-topics --shift-by -100 --execute --yes\n  \
kdeck offsets reset --group billing --topic orders:0,1 --to-current --output csv > before.csv\n  \
kdeck offsets undo 20250101T120000Z-a1b2c3 --execute";

/// Returns the exit code (see [`HELP`]).
pub fn run(cfg: &Config, groups: &[String], a: &OffsetsArgs) -> anyhow::Result<u8> {
    let (common, action) = match &a.action {
        OffsetsAction::Reset(r) => (&r.common, "offsets reset"),
        OffsetsAction::Undo(u) => (&u.common, "offsets undo"),
    };
    if common.execute {
        if let Err(e) = guard::ensure_writable(cfg.read_only.as_deref(), action) {
            eprintln!("kdeck {action}: {e}");
            return Ok(3);
        }
    }
    match &a.action {
        OffsetsAction::Reset(r) => reset(cfg, groups, r),
        OffsetsAction::Undo(u) => undo(cfg, u),
    }
}

fn usage(msg: &str) -> u8 {
    eprintln!("kdeck offsets: {msg}");
    2
}

fn reset(cfg: &Config, groups: &[String], r: &ResetArgs) -> anyhow::Result<u8> {
    let group = match groups {
        [g] => g,
        [] => return Ok(usage("say which group: --group GROUP")),
        _ => return Ok(usage("one group at a time: give --group once")),
    };
    let (sel, strategy) = match what(r) {
        Ok(x) => x,
        Err(m) => return Ok(usage(&m)),
    };
    let c = GroupClient::new(&cfg.cluster, group)?;
    let p = offsets::plan(&c, &sel, &strategy)?;
    finish(&c, p, &r.common)
}

/// The partitions and the strategy the flags ask for.
fn what(r: &ResetArgs) -> Result<(Selection, Strategy), String> {
    let strategy = if r.to_earliest {
        Strategy::Earliest
    } else if r.to_latest {
        Strategy::Latest
    } else if r.to_current {
        Strategy::Current
    } else if let Some(n) = r.to_offset {
        Strategy::Offset(n)
    } else if let Some(n) = r.shift_by {
        Strategy::ShiftBy(n)
    } else if let Some(t) = &r.to_datetime {
        Strategy::Time(crate::codec::decode::parse_time_ms(t).ok_or_else(|| {
            format!("--to-datetime {t:?}: expected a time like 2024-01-15T10:00:00Z")
        })?)
    } else if let Some(d) = &r.by_duration {
        let ms = crate::codec::text::parse_duration_ms(d)
            .map_err(|e| format!("--by-duration {d:?}: {e}"))?;
        Strategy::Time(chrono::Utc::now().timestamp_millis() - ms)
    } else if let Some(f) = &r.from_file {
        let text =
            std::fs::read_to_string(f).map_err(|e| format!("--from-file {}: {e}", f.display()))?;
        Strategy::Given(
            plan_rules::parse_csv(&text)
                .map_err(|e| format!("--from-file {}: {e}", f.display()))?,
        )
    } else {
        return Err("say where to move: --to-earliest, --to-latest, --to-current, --to-offset N, --shift-by N, --to-datetime T, --by-duration D or --from-file F".into());
    };
    let sel = if r.all_topics {
        Selection::AllTopics
    } else if !r.topic.is_empty() {
        let ts = r.topic.iter().map(|t| plan_rules::parse_topic(t));
        Selection::Topics(ts.collect::<Result<_, _>>()?)
    } else if let Strategy::Given(m) = &strategy {
        Selection::Partitions(m.keys().cloned().collect())
    } else {
        return Err("say which partitions: --all-topics or --topic TOPIC[:P,P]".into());
    };
    Ok((sel, strategy))
}

fn undo(cfg: &Config, u: &UndoArgs) -> anyhow::Result<u8> {
    let text = match plan_rules::read_audit() {
        Ok(t) => t,
        Err(e) => return Ok(usage(&e)),
    };
    let Some(run) = plan_rules::find_run(&text, &u.run_id) else {
        let path = plan_rules::audit_file().unwrap_or_default();
        return Ok(usage(&format!(
            "no run {} in the audit file {}",
            u.run_id,
            path.display()
        )));
    };
    let c = GroupClient::new(&cfg.cluster, &run.group)?;
    let p = offsets::plan_undo(&c, &run)?;
    finish(&c, p, &u.common)
}

/// Prints the preview and, with --execute, commits, reads back and audits.
fn finish(c: &GroupClient, p: Plan, o: &OffsetsCommon) -> anyhow::Result<u8> {
    for w in &p.warnings {
        eprintln!("warning: {w}");
    }
    if p.moves.is_empty() {
        return Ok(usage(&format!(
            "nothing to do: group {} has no partitions to move",
            p.group
        )));
    }
    let mut out = std::io::stdout().lock();
    if !o.execute || o.output == "text" {
        print(&mut out, &p, o, None)?;
    }
    if !p.state.movable() {
        eprintln!(
            "kdeck offsets: refused: group {} {}; stop its consumers first",
            p.group,
            p.state.words()
        );
        return Ok(3);
    }
    if !o.execute {
        return Ok(0);
    }
    if !o.yes {
        match confirm(&p) {
            Ok(true) => {}
            Ok(false) => {
                eprintln!("kdeck offsets: not committed");
                return Ok(3);
            }
            Err(e) => {
                eprintln!("kdeck offsets: {e}");
                return Ok(3);
            }
        }
    }
    execute(c, &mut out, p, o)
}

fn confirm(p: &Plan) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        anyhow::bail!("refusing to move group {}'s offsets without asking, and there is no terminal to ask on: pass --yes to commit", p.group);
    }
    eprint!(
        "Commit new offsets on {} partitions for group {}? [y/N] ",
        p.moves.len(),
        p.group
    );
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// Commits, reads back and audits; the exit code.
fn execute(c: &GroupClient, out: &mut dyn Write, p: Plan, o: &OffsetsCommon) -> anyhow::Result<u8> {
    let done = match offsets::execute(c, &p) {
        Outcome::Refused(why) => {
            eprintln!("kdeck offsets: refused: {why}");
            return Ok(3);
        }
        Outcome::Failed(why) => {
            eprintln!("kdeck offsets: {why}");
            return Ok(1);
        }
        Outcome::Committed(done) => done,
    };
    if o.output == "text" {
        writeln!(
            out,
            "run {}: committed {} partitions for group {}",
            done.run.run,
            p.moves.len(),
            p.group
        )?;
    } else {
        print(out, &p, o, Some((&done.run.run, &done.mismatches)))?;
    }
    eprintln!("run {}", done.run.run);
    for m in &done.mismatches {
        eprintln!("kdeck offsets: read back differs: {m}");
    }
    if let Some(e) = &done.audit_error {
        eprintln!("kdeck offsets: {e}");
    }
    Ok(
        if done.mismatches.is_empty() && done.audit_error.is_none() {
            0
        } else {
            1
        },
    )
}

/// The preview (or, with `done`, the executed run) in the chosen format.
fn print(
    out: &mut dyn Write,
    p: &Plan,
    o: &OffsetsCommon,
    done: Option<(&str, &[String])>,
) -> anyhow::Result<()> {
    match o.output.as_str() {
        "csv" => write!(out, "{}", plan_rules::to_csv(&p.moves))?,
        "json" => writeln!(out, "{}", plan_json(p, done))?,
        _ => print_table(out, p)?,
    }
    Ok(())
}

fn plan_json(p: &Plan, done: Option<(&str, &[String])>) -> serde_json::Value {
    let parts: Vec<_> = p.moves.iter().map(move_json).collect();
    serde_json::json!({
        "group": p.group,
        "state": p.state.state,
        "members": p.state.members,
        "strategy": p.strategy,
        "undo_of": p.undo_of,
        "executed": done.is_some(),
        "run_id": done.map(|d| d.0),
        "verified": done.map(|d| d.1.is_empty()),
        "mismatches": done.map(|d| d.1),
        "partitions": parts,
        "warnings": p.warnings,
    })
}

fn move_json(m: &Move) -> serde_json::Value {
    let (again, skipped) = match m.delta() {
        Some(d) if d > 0 => (d, 0),
        Some(d) => (0, -d),
        None => (0, 0),
    };
    serde_json::json!({
        "topic": m.topic,
        "partition": m.partition,
        "current": m.current,
        "new": m.new,
        "earliest": m.earliest,
        "latest": m.latest,
        "lag_before": m.lag_before(),
        "lag_after": m.lag_after(),
        "read_again": again,
        "skipped": skipped,
        "span_from": m.span_from_ms.map(plan_rules::time_text),
        "span_to": m.span_to_ms.map(plan_rules::time_text),
        "span_from_ms": m.span_from_ms,
        "span_to_ms": m.span_to_ms,
    })
}

fn print_table(out: &mut dyn Write, p: &Plan) -> anyhow::Result<()> {
    writeln!(
        out,
        "group {} {}; moving {}",
        p.group,
        p.state.words(),
        p.strategy
    )?;
    let w = p
        .moves
        .iter()
        .map(|m| m.topic.len())
        .max()
        .unwrap_or(5)
        .max(5);
    writeln!(
        out,
        "{:<w$}  {:>9}  {:>10}  {:>10}  {:>10}  {:>10}  {:<18}  RECORDS WRITTEN",
        "TOPIC", "PARTITION", "CURRENT", "NEW", "LAG BEFORE", "LAG AFTER", "EFFECT"
    )?;
    for m in &p.moves {
        let none = || "none".to_string();
        writeln!(
            out,
            "{:<w$}  {:>9}  {:>10}  {:>10}  {:>10}  {:>10}  {:<18}  {}",
            m.topic,
            m.partition,
            m.current.map_or_else(none, |c| c.to_string()),
            m.new,
            m.lag_before().map_or_else(none, |l| l.to_string()),
            m.lag_after(),
            m.effect_text(),
            m.span_text()
        )?;
    }
    Ok(())
}
