//! The log file, for support: connection changes, errors and every write action with its run
//! id. It goes to a daily file in the platform state dir and never to the terminal, since the
//! dashboard owns the screen. librdkafka's own log lines are not forwarded (no `log` bridge):
//! they may quote settings, and kdeck's lines pass through `crate::support::redact` first.

use std::path::PathBuf;
use std::sync::OnceLock;
use tracing_subscriber::EnvFilter;

/// Overrides the log folder (tests, or a user who wants the log elsewhere).
pub const DIR_ENV: &str = "KDECK_LOG_DIR";
/// The level when `--log-level` is not given.
pub const LEVEL_ENV: &str = "KDECK_LOG";
pub const DEFAULT_LEVEL: &str = "info";
/// Files are `kdeck.YYYY-MM-DD.log`; older than a week are removed by the appender.
const PREFIX: &str = "kdeck";
const SUFFIX: &str = "log";
const KEEP_FILES: usize = 7;

/// Where this run logs, in words, for the help screen (set once by [`init`]).
static SHOWN: OnceLock<String> = OnceLock::new();

/// Keeps the writer thread alive; dropping it flushes what is queued.
pub struct Guard {
    _worker: Option<tracing_appender::non_blocking::WorkerGuard>,
}

/// The folder the log files go to: `KDECK_LOG_DIR`, else the platform state dir (Linux:
/// ~/.local/state/kdeck), else the local data dir (macOS and Windows have no state dir).
pub fn dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os(DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    let p = directories::ProjectDirs::from("", "", "kdeck")?;
    Some(
        p.state_dir()
            .unwrap_or_else(|| p.data_local_dir())
            .to_path_buf(),
    )
}

/// The file pattern in `dir`, as the user should look for it.
pub fn pattern(dir: &std::path::Path) -> String {
    dir.join(format!("{PREFIX}.YYYY-MM-DD.{SUFFIX}"))
        .display()
        .to_string()
}

/// What the help screen says about the log.
pub fn shown() -> String {
    SHOWN
        .get()
        .cloned()
        .unwrap_or_else(|| "not written by this process".into())
}

/// The filter for `level` (`--log-level` or `KDECK_LOG`): a level name or an EnvFilter
/// string like `info,kdeck::engine::replay=debug`. A bare word that is no level is refused, since
/// EnvFilter would take it as a module name and log nothing the user expects.
pub fn filter(level: Option<&str>) -> Result<EnvFilter, String> {
    let level = level.map(str::trim).filter(|l| !l.is_empty());
    let text = level.unwrap_or(DEFAULT_LEVEL);
    let bare = !text.contains(['=', ',', '[']);
    let levels = ["off", "error", "warn", "info", "debug", "trace"];
    if bare && !levels.contains(&text.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "log level {text:?}: expected one of {} or a filter like info,kdeck::engine::replay=debug",
            levels.join(", ")
        ));
    }
    EnvFilter::try_new(text).map_err(|e| format!("log level {text:?}: {e}"))
}

/// Starts logging to the file. A folder that cannot be written is no reason to refuse to
/// run: the help screen says why there is no log instead. Err only for a bad level. With
/// `json_stderr` (`kdeck serve --log-json`, for containers) every line also goes to stderr as
/// one JSON object.
pub fn init(level: Option<&str>, args: &[String], json_stderr: bool) -> Result<Guard, String> {
    use tracing_subscriber::layer::SubscriberExt;
    let filter = filter(level)?;
    let (file, worker) = match file_writer() {
        Ok((writer, worker, dir)) => {
            let _ = SHOWN.set(pattern(&dir));
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(writer);
            (Some(layer), Some(worker))
        }
        Err(why) => {
            let _ = SHOWN.set(why);
            (None, None)
        }
    };
    let json = json_stderr.then(|| {
        tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
    });
    if file.is_none() && json.is_none() {
        return Ok(Guard { _worker: None });
    }
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(file)
        .with(json);
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        return Ok(Guard { _worker: None });
    }
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        pid = std::process::id(),
        "kdeck started: {}",
        command_line(args)
    );
    Ok(Guard { _worker: worker })
}

/// The daily file's writer, or why there is none (said on the help screen).
fn file_writer() -> Result<
    (
        tracing_appender::non_blocking::NonBlocking,
        tracing_appender::non_blocking::WorkerGuard,
        PathBuf,
    ),
    String,
> {
    let dir = dir().ok_or("none: no home folder to put it in (set KDECK_LOG_DIR)")?;
    let appender = std::fs::create_dir_all(&dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix(PREFIX)
                .filename_suffix(SUFFIX)
                .max_log_files(KEEP_FILES)
                .build(&dir)
                .map_err(|e| e.to_string())
        })
        .map_err(|e| format!("none: cannot write to {}: {e}", dir.display()))?;
    // Lossy: when the writer falls behind, lines are dropped rather than the UI waiting.
    // The default queue holds 128,000 lines, allocated (and touched) up front: megabytes of
    // resident memory for a log that writes a few lines a minute. Lines past a small queue are
    // dropped rather than blocking the UI.
    let (writer, worker) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(1024)
        .lossy(true)
        .finish(appender);
    Ok((writer, worker, dir))
}

/// A change of the stream's connection, once per change: the worker repeats "down" on every
/// rescan while the brokers stay away. Its words are the health line's, already free of
/// secrets (the screen shows them too).
pub fn connection(old: &crate::domain::Connection, new: &crate::domain::Connection) {
    use crate::domain::Connection as C;
    match (old, new) {
        (C::Down { error: a }, C::Down { error: b }) if a == b => {}
        (_, C::Down { error }) => tracing::warn!("connection down: {error}"),
        (C::Connected { .. }, C::Connected { .. }) | (_, C::Connecting) => {}
        (_, C::Connected { brokers: 0 }) => tracing::info!("connected (records arriving)"),
        (_, C::Connected { brokers }) => tracing::info!("connected: {brokers} brokers"),
    }
}

/// A warning the health line shows, once while it repeats.
pub fn warning(shown: Option<&str>, new: &str) {
    if shown != Some(new) {
        tracing::warn!("{new}");
    }
}

/// A replay run starts: its id, source, size and targets.
pub fn replay_start(plan: &crate::domain::replay::ReplayPlan) {
    let targets: Vec<&str> = plan.per_target.keys().map(String::as_str).collect();
    tracing::info!(
        run = plan.run_id.as_str(),
        dlq = plan.request.dlq.as_str(),
        records = plan.total,
        resume = plan.resume.is_some(),
        "replay started, to {}",
        targets.join(", ")
    );
}

/// A replay run ends: its counts, or why it could not start (secret values masked).
pub fn replay_end(
    run: &str,
    result: &anyhow::Result<crate::domain::replay::ReplaySummary>,
    props: &std::collections::BTreeMap<String, String>,
) {
    match result {
        Ok(s) => tracing::info!(
            run,
            acked = s.acked,
            failed = s.failed,
            skipped_acked = s.skipped_acked,
            found_on_target = s.found_on_target,
            cancelled = s.cancelled,
            elapsed_ms = s.elapsed_ms,
            "replay ended{}",
            s.stopped_early
                .as_deref()
                .map(|w| format!(" early: {}", crate::support::redact::text(w, props)))
                .unwrap_or_default()
        ),
        Err(e) => tracing::error!(
            run,
            "replay failed to start: {}",
            crate::support::redact::text(&format!("{e:#}"), props)
        ),
    }
}

/// A publish run starts (`source`: the template's name or the stdin input).
pub fn publish_start(run: &str, source: &str, count: Option<u64>, topic: Option<&str>) {
    tracing::info!(
        run,
        source,
        count,
        topic = topic.unwrap_or("(per record)"),
        "publish started"
    );
}

/// A publish run ends: its counts, or why it could not start (secret values masked).
pub fn publish_end<E: std::fmt::Display>(
    run: &str,
    result: Result<&crate::domain::publish::Summary, E>,
    props: &std::collections::BTreeMap<String, String>,
) {
    match result {
        Ok(s) => tracing::info!(
            run,
            acked = s.acked,
            failed = s.failed,
            cancelled = s.cancelled,
            elapsed_ms = s.elapsed_ms,
            topics = ?s.topics,
            "publish ended{}",
            s.stopped
                .iter()
                .chain(&s.first_error)
                .map(|w| format!("; {}", crate::support::redact::text(w, props)))
                .collect::<String>()
        ),
        Err(e) => tracing::error!(
            run,
            "publish failed: {}",
            crate::support::redact::text(&format!("{e:#}"), props)
        ),
    }
}

/// The command line with every secret-looking `-X` value masked.
pub fn command_line(args: &[String]) -> String {
    let secrets = crate::support::redact::secrets_in_args(args);
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    crate::support::redact::mask(&args.join(" "), &secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_filters_are_accepted_and_typos_refused() {
        for ok in [
            None,
            Some("debug"),
            Some("WARN"),
            Some("info,kdeck::engine::replay=trace"),
        ] {
            assert!(filter(ok).is_ok(), "{ok:?}");
        }
        let e = filter(Some("verbose")).unwrap_err();
        assert!(e.contains("\"verbose\"") && e.contains("debug"), "{e}");
    }

    #[test]
    fn the_command_line_is_logged_without_secrets() {
        let args: Vec<String> = ["kdeck", "-b", "h:1", "-X", "sasl.password=S3cr3t!"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let line = command_line(&args);
        assert!(!line.contains("S3cr3t!"), "{line}");
        assert!(line.contains("sasl.password=******"), "{line}");
    }
}
