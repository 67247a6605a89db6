//! Flags and subcommands.

use crate::support::config::Overrides;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// `kdeck --version`: a build with the test fault hooks (feature `test-hooks`) says so, as
/// "0.1.0+test-hooks", so the tests that need them can tell, and a release can be checked.
pub const VERSION: &str = if cfg!(feature = "test-hooks") {
    concat!(env!("CARGO_PKG_VERSION"), "+test-hooks")
} else {
    env!("CARGO_PKG_VERSION")
};

#[derive(Parser, Debug)]
#[command(
    name = "kdeck",
    version = VERSION,
    about = "A terminal event console for Kafka job and task pipelines: completion, status and DLQ streams, consumer lag and metrics on one screen.",
    after_help = "Run `kdeck --demo` to try it without a broker."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Open the dashboard on the embedded demo: an in-process cluster and a simulated pipeline.
    #[arg(long)]
    pub demo: bool,
    /// Demo pace, in jobs per second.
    #[arg(long, default_value_t = 3.0)]
    pub demo_rate: f64,
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Completion topic(s) (repeatable; replaces the configured list).
    #[arg(long = "completion", value_name = "TOPIC")]
    pub completion: Vec<String>,
    /// Status topic(s).
    #[arg(long = "status", value_name = "TOPIC")]
    pub status: Vec<String>,
    /// DLQ topic(s).
    #[arg(long = "dlq", value_name = "TOPIC")]
    pub dlq: Vec<String>,
    /// Where the streams start: beginning, end, or -N (last N per partition).
    #[arg(long = "from", value_name = "WHERE", allow_hyphen_values = true)]
    pub from: Option<String>,
    /// Log file level: error, warn, info (default), debug, trace, or a filter like
    /// info,kdeck::engine::replay=debug. The log goes to a file only (see `?` in the dashboard).
    #[arg(
        long = "log-level",
        global = true,
        value_name = "LEVEL",
        env = "KDECK_LOG"
    )]
    pub log_level: Option<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ConnArgs {
    /// Bootstrap brokers, host:port[,host:port]. Env: KAFKA_BROKERS, KAFKA_BOOTSTRAP_SERVERS.
    #[arg(short = 'b', long = "brokers", global = true)]
    pub brokers: Option<String>,
    /// Config file (default: the platform config dir, e.g. ~/.config/kdeck/config.toml).
    #[arg(long = "config", global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Cluster profile from the config file.
    #[arg(long = "profile", global = true)]
    pub profile: Option<String>,
    /// Consumer group: whose lag to watch (repeatable; added to the profile's watch_groups), or the one `offsets reset` moves.
    #[arg(short = 'g', long = "group", global = true, value_name = "GROUP")]
    pub groups: Vec<String>,
    /// Any librdkafka property, like kcat: -X security.protocol=SASL_SSL (repeatable).
    #[arg(short = 'X', global = true, value_name = "KEY=VALUE")]
    pub props: Vec<String>,
    /// Refuse every write action (replay, publish, moving offsets, the demo writing to a cluster), whatever the profile says.
    #[arg(long = "read-only", global = true)]
    pub read_only: bool,
    /// Confluent-compatible schema registry for Avro, Protobuf and JSON Schema values, e.g.
    /// http://localhost:8081. Env: SCHEMA_REGISTRY_URL.
    #[arg(long = "schema-registry", global = true, value_name = "URL")]
    pub schema_registry: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print records as JSON lines (topic, partition, offset, timestamp, key, headers, value).
    Tail(TailArgs),
    /// Print consumer lag with Burrow-style statuses, once or --watch; --fail-on for CI and cron.
    #[command(after_help = crate::cmd::lag::EXIT_CODES)]
    Lag(LagArgs),
    /// Run the simulated pipeline and print the cluster's address, until Ctrl-C. On the
    /// in-process cluster by default; with -b, against that cluster (topics created if missing).
    Demo {
        /// Jobs per second.
        #[arg(long, default_value_t = 3.0)]
        rate: f64,
    },
    /// Send DLQ records back to their origin topics: previewed, rate-limited, audited, resumable.
    #[command(
        after_help = "Target of each record: its origin topic header, else the profile's \
[profiles.<name>.replay.targets] entry for the DLQ, else --to.\n\
Every run is logged to <data dir>/replay/<RUN_ID>.jsonl (KDECK_DATA_DIR overrides the data dir).\n\
Examples:\n  kdeck replay --dlq orders-dlq --reason timeout --dry-run\n  \
kdeck replay --dlq orders-dlq --all --rate 500 --yes\n  kdeck replay --resume 20250101T120000Z-a1b2c3 --yes"
    )]
    Replay(ReplayArgs),
    /// Produce test records: from a template (typed fields, placeholders, N at R/s), or like
    /// kcat from stdin (-t TOPIC < value-file), or the JSON lines `kdeck tail` prints.
    Publish(PublishArgs),
    /// One job's timeline: every record on the request, status, completion and DLQ topics that
    /// carries ID, in time order, with its outcome and end-to-end latency.
    #[command(after_help = crate::cmd::job::HELP)]
    Job(JobArgs),
    /// List the cluster's topics with partitions, replication and records held, and what each
    /// looks like it is (completion, status, DLQ or request), from its newest records.
    Topics(TopicsArgs),
    /// Move a consumer group's committed offsets, like kafka-consumer-groups --reset-offsets:
    /// previewed by default, --execute to commit; audited, and undone with `offsets undo`.
    #[command(after_help = crate::cmd::offsets::HELP)]
    Offsets(OffsetsArgs),
    /// Serve the pipeline's health to Prometheus: consumer lag (kafka-lag-exporter's names), lag
    /// in seconds, group statuses, DLQ reasons, stuck jobs. Headless, until SIGTERM.
    #[command(after_help = crate::cmd::serve::HELP)]
    Serve(ServeArgs),
    /// Print a shell completion script to stdout (see README: Shell completions).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout: kdeck man > kdeck.1
    Man,
}

/// Writes the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut cmd, "kdeck", out);
}

/// Writes the man page.
pub fn man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(out)
}

#[derive(Args, Debug, Clone)]
pub struct OffsetsArgs {
    #[command(subcommand)]
    pub action: OffsetsAction,
}

#[derive(Subcommand, Debug, Clone)]
pub enum OffsetsAction {
    /// Preview (default) or --execute a move of the group given with --group.
    #[command(after_help = crate::cmd::offsets::HELP)]
    Reset(ResetArgs),
    /// Preview (default) or --execute putting back the offsets a run moved from.
    #[command(after_help = crate::cmd::offsets::HELP)]
    Undo(UndoArgs),
}

#[derive(Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("scope").args(["all_topics", "topic"])))]
#[command(group(clap::ArgGroup::new("strategy").required(true).args([
    "to_earliest", "to_latest", "to_current", "to_offset", "shift_by", "to_datetime",
    "by_duration", "from_file",
])))]
pub struct ResetArgs {
    /// Every partition the group has committed offsets on.
    #[arg(long)]
    pub all_topics: bool,
    /// A topic (all its partitions) or TOPIC:P,P (those partitions); repeatable.
    #[arg(long = "topic", value_name = "TOPIC[:P,P]")]
    pub topic: Vec<String>,
    /// To each partition's earliest offset.
    #[arg(long)]
    pub to_earliest: bool,
    /// To each partition's latest offset (its end).
    #[arg(long)]
    pub to_latest: bool,
    /// To where the group is now (a partition without a committed offset: the latest).
    #[arg(long)]
    pub to_current: bool,
    /// To this offset on every partition.
    #[arg(long, value_name = "N")]
    pub to_offset: Option<i64>,
    /// By N from where the group is now (negative: back; without a committed offset, from
    /// the earliest).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub shift_by: Option<i64>,
    /// To the first record written at or after this time (RFC 3339), by the broker's index.
    #[arg(long, value_name = "TIME")]
    pub to_datetime: Option<String>,
    /// To the first record written this long ago or later: 30m, 2h, 1d.
    #[arg(long, value_name = "DURATION")]
    pub by_duration: Option<String>,
    /// To the offsets in a CSV file of topic,partition,offset lines (as Kafka's tool and
    /// --output csv write it).
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,
    #[command(flatten)]
    pub common: OffsetsCommon,
}

#[derive(Args, Debug, Clone)]
pub struct UndoArgs {
    /// The run to undo, as its --execute printed it (see the audit file).
    pub run_id: String,
    #[command(flatten)]
    pub common: OffsetsCommon,
}

#[derive(Args, Debug, Clone)]
pub struct OffsetsCommon {
    /// Commit the new offsets (default: only preview).
    #[arg(long)]
    pub execute: bool,
    /// With --execute: do not ask.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// text, json (one object), or csv (topic,partition,offset of the new offsets).
    #[arg(long, default_value = "text", value_parser = ["text", "json", "csv"])]
    pub output: String,
}

#[derive(Args, Debug, Clone)]
pub struct TopicsArgs {
    /// Also list the cluster's own topics (__consumer_offsets and the like).
    #[arg(long)]
    pub internal: bool,
    /// Seconds to read every topic's newest records for, at most, all topics together
    /// (reading stops as soon as every topic is read).
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    pub sample_secs: f64,
    /// text or json (one JSON object per topic).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

#[derive(Args, Debug, Clone)]
pub struct JobArgs {
    /// Any id the job's records carry: export_id, job_id, the correlation-id header,
    /// change_number, request_id, idempotencyKey, requestId, taskId, traceId, the key
    /// (the profile's [jobs] id paths say which).
    pub id: String,
    /// How far back to look: a duration (30m, 1h, 2d) or a time (RFC 3339).
    #[arg(long, default_value = "1h", value_name = "WHEN")]
    pub since: String,
    /// Also show records that name the job only by another of its ids (read twice: first for
    /// ID, then for every id its records carry).
    #[arg(long)]
    pub related: bool,
    /// text or json (one JSON object per record, then a summary object).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

#[derive(Args, Debug, Clone)]
pub struct PublishArgs {
    /// List the templates (name, target topic, description) and exit.
    #[arg(long, conflicts_with_all = ["template", "input"])]
    pub list: bool,
    /// Send from this template (see --list).
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,
    /// A template field's value (repeatable); placeholders like {{uuid}} allowed.
    #[arg(long = "set", value_name = "FIELD=VALUE", requires = "template")]
    pub set: Vec<String>,
    /// Records to send from the template ({{seq}} counts 1..N).
    #[arg(short = 'c', long, value_name = "N", requires = "template")]
    pub count: Option<u64>,
    /// Records per second (default: as fast as the broker acknowledges).
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,
    /// Target topic: required for stdin input; overrides the template's or the lines' topic.
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topic: Option<String>,
    /// Key of the record read from stdin.
    #[arg(short = 'k', long, value_name = "KEY", conflicts_with = "template")]
    pub key: Option<String>,
    /// Header of the record read from stdin (repeatable).
    #[arg(
        short = 'H',
        long = "header",
        value_name = "NAME=VALUE",
        conflicts_with = "template"
    )]
    pub headers: Vec<String>,
    /// Send to this partition (default: the key decides).
    #[arg(short = 'p', long, value_name = "P")]
    pub partition: Option<i32>,
    /// With --input jsonl and -t: keep each line's partition.
    #[arg(long)]
    pub keep_partition: bool,
    /// stdin holds one value (default), one value per line (lines), or `kdeck tail` output (jsonl).
    #[arg(long, value_parser = ["value", "lines", "jsonl"], conflicts_with = "template")]
    pub input: Option<String>,
    /// Stop at the first record that fails.
    #[arg(long)]
    pub stop_on_error: bool,
    /// text or json (one JSON object per delivered record, then a summary object).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
    /// Encode each value (JSON) with this subject's schema from the schema registry, in the
    /// registry's wire format (Avro, Protobuf or JSON Schema).
    #[arg(long, value_name = "SUBJECT")]
    pub subject: Option<String>,
    /// The subject's version to encode with (default: latest).
    #[arg(long = "schema-version", value_name = "N", requires = "subject")]
    pub schema_version: Option<String>,
    /// Protobuf: the message to encode, e.g. kdeck.test.TaskEvent (default: the file's first).
    #[arg(long, value_name = "NAME", requires = "subject")]
    pub message: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ReplayArgs {
    /// The DLQ topic to replay from.
    #[arg(long, value_name = "TOPIC", required_unless_present = "resume")]
    pub dlq: Option<String>,
    /// With --offset: that one record; with --from-offset/--to-offset: that partition only.
    #[arg(long, value_name = "P")]
    pub partition: Option<i32>,
    /// One record (needs --partition).
    #[arg(long, value_name = "O", requires = "partition", conflicts_with_all = ["from_offset", "to_offset", "since", "until", "reason", "all"])]
    pub offset: Option<i64>,
    /// First offset of a range (inclusive).
    #[arg(long, value_name = "A", requires = "to_offset", conflicts_with_all = ["since", "until", "reason", "all"])]
    pub from_offset: Option<i64>,
    /// Last offset of a range (inclusive).
    #[arg(long, value_name = "B", requires = "from_offset")]
    pub to_offset: Option<i64>,
    /// Records from this time (RFC 3339, e.g. 2024-01-15T10:00:00Z).
    #[arg(long, value_name = "TIME", conflicts_with_all = ["reason", "all"])]
    pub since: Option<String>,
    /// Records before this time (RFC 3339).
    #[arg(long, value_name = "TIME", conflicts_with_all = ["reason", "all"])]
    pub until: Option<String>,
    /// Records whose failure reason contains TEXT (any case).
    #[arg(long, value_name = "TEXT", conflicts_with = "all")]
    pub reason: Option<String>,
    /// Every record of the DLQ.
    #[arg(long)]
    pub all: bool,
    /// Of the selected records (every record when nothing else selects), only those this jq
    /// expression keeps, e.g. '.headers.org_id == "org-customer-001"'. Kept with the run, so
    /// --resume selects the same. @NAME: a saved filter ([filters] in the config).
    #[arg(long = "filter", value_name = "EXPR")]
    pub filter: Option<String>,
    /// Target for records with no origin header and no mapping in the profile.
    #[arg(long, value_name = "TOPIC")]
    pub to: Option<String>,
    /// Target for every record, whatever its headers or the profile say.
    #[arg(long, value_name = "TOPIC")]
    pub force_to: Option<String>,
    /// Send to the origin partition (from the header) instead of letting the key decide.
    #[arg(long)]
    pub keep_partition: bool,
    /// Records per second (default: as fast as the broker acknowledges).
    #[arg(long, value_name = "N")]
    pub rate: Option<f64>,
    /// Stop at the first record that fails.
    #[arg(long)]
    pub stop_on_error: bool,
    /// Print what would be sent (counts per target and reason, the first record); send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send without asking.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Continue an interrupted run: sends only what did not reach the target.
    #[arg(long, value_name = "RUN_ID", conflicts_with_all = ["dlq", "partition", "to", "force_to", "keep_partition", "filter"])]
    pub resume: Option<String>,
    /// text or json (a JSON summary on stdout).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

#[derive(Args, Debug)]
pub struct LagArgs {
    /// Keep printing a fresh table every refresh.
    #[arg(long)]
    pub watch: bool,
    /// table or json.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub output: String,
    /// Exit 1 when any group is at or beyond this status: warn, stall or stop.
    #[arg(long = "fail-on", value_parser = ["warn", "stall", "stop"])]
    pub fail_on: Option<String>,
    /// Refreshes to take before printing (statuses need a window); default 3.
    #[arg(long, default_value_t = 3)]
    pub samples: usize,
    /// Seconds between refreshes (default: lag.refresh_ms from the config).
    #[arg(long)]
    pub interval: Option<f64>,
    /// Show every partition, not just the group totals (table output).
    #[arg(long)]
    pub partitions: bool,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on, host:port (port 0: any free port, said on stderr).
    #[arg(long, default_value = "127.0.0.1:9308", value_name = "ADDR")]
    pub listen: String,
    /// Seconds between lag refreshes (default: lag.refresh_ms from the config).
    #[arg(long)]
    pub interval: Option<f64>,
    /// Also write the log as JSON lines on stderr (for containers); the log file stays.
    #[arg(long = "log-json")]
    pub log_json: bool,
}

#[derive(Args, Debug)]
pub struct TailArgs {
    /// Topic(s) to read (repeatable). Default: every configured completion, status and DLQ topic.
    #[arg(short = 't', long = "topic")]
    pub topics: Vec<String>,
    /// beginning, end, or -N (last N per partition).
    #[arg(long = "from", default_value = "end", allow_hyphen_values = true)]
    pub from: String,
    /// Stop after N records.
    #[arg(short = 'c', long = "count")]
    pub count: Option<u64>,
    /// Stop at the end of every partition (as it was when the tail started).
    #[arg(short = 'e', long = "exit-at-end")]
    pub exit_at_end: bool,
    /// Only records this jq expression keeps, e.g. '.value.status == "failed"',
    /// '.headers.org_id == "org-customer-001"', '(.key | test("^export-"))'.
    /// Input: {topic, partition, offset, timestamp, key, headers, value}. @NAME: a saved
    /// filter ([filters] in the config).
    #[arg(long = "filter", value_name = "EXPR")]
    pub filter: Option<String>,
    /// Start at records written since then: a duration back (30m, 1h, 2d) or a time (RFC 3339).
    /// The broker's time index finds where; replaces --from.
    #[arg(long, value_name = "WHEN", conflicts_with = "from")]
    pub since: Option<String>,
    /// Stop each partition at its first record written at or after then (same forms as
    /// --since). A time already past also stops at the end, like -e.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
}

impl ConnArgs {
    pub fn overrides(&self) -> Result<Overrides, String> {
        let mut properties = Vec::new();
        for p in &self.props {
            let (k, v) = p.split_once('=').ok_or_else(|| {
                format!("-X {}: expected KEY=VALUE", crate::support::redact::flag(p))
            })?;
            properties.push((k.trim().to_string(), v.trim().to_string()));
        }
        Ok(Overrides {
            config_path: self.config.clone(),
            profile: self.profile.clone(),
            brokers: self.brokers.clone(),
            properties,
            watch_groups: self.groups.clone(),
            read_only: self.read_only,
            schema_registry: self.schema_registry.clone(),
            ..Default::default()
        })
    }
}
