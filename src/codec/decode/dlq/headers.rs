//! Every dead-letter header name kdeck knows, per writer, each with its meaning: the one table
//! that decoding (`dlq::origin`), the detail view (`dlq::describe`) and replay's drop list
//! (`engine::replay::headers`) all read, so they cannot disagree about a name.
//!
//! A name is either a diagnostic (what the writer added about the failure: a replay drops it
//! unless told to keep it) or an application header a writer's records carry and that kdeck
//! also reads (`source`, `retry-count`: a replay keeps it).

use crate::domain::DlqDialect;

/// What a dead-letter header says about the failed record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meaning {
    OriginTopic,
    OriginPartition,
    OriginOffset,
    /// The failed record's own timestamp.
    OriginTimestamp,
    /// When the writer dead-lettered the record.
    FailedAt,
    /// The failure's message.
    Error,
    /// The exception's class.
    ErrorClass,
    /// The cause's class.
    CauseClass,
    /// The cause's message, when the writer gives it apart from the exception's.
    Cause,
    StackTrace,
    /// Delivery attempts or retries, as the writer counted them.
    Attempts,
    ConsumerGroup,
    /// The connector, processor or service that wrote it.
    Component,
}

impl Meaning {
    /// The detail view's label. The origin's three parts share one row, "dlq origin"
    /// (`topic/partition@offset`).
    pub fn label(self) -> &'static str {
        match self {
            Meaning::OriginTopic | Meaning::OriginPartition | Meaning::OriginOffset => "dlq origin",
            Meaning::OriginTimestamp => "original time",
            Meaning::FailedAt => "failed at",
            Meaning::Error => "dlq error",
            Meaning::ErrorClass => "exception",
            Meaning::CauseClass => "cause",
            Meaning::Cause => "cause message",
            Meaning::StackTrace => "stack trace",
            Meaning::Attempts => "attempts",
            Meaning::ConsumerGroup => "consumer group",
            Meaning::Component => "written by",
        }
    }
}

/// Whether a replay drops the header (it only describes the dead-lettering) or keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Diagnostic,
    Application,
}

/// One header name of one writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Name {
    pub name: &'static str,
    pub meaning: Meaning,
    pub role: Role,
}

/// One writer's header names, in the order decoding tries them.
pub struct Dialect {
    /// `None`: names several small writers use, which identify no writer.
    pub dialect: Option<DlqDialect>,
    pub names: &'static [Name],
}

const fn diag(meaning: Meaning, name: &'static str) -> Name {
    Name {
        name,
        meaning,
        role: Role::Diagnostic,
    }
}

const fn app(meaning: Meaning, name: &'static str) -> Name {
    Name {
        name,
        meaning,
        role: Role::Application,
    }
}

use Meaning::*;

/// Every writer kdeck knows. Names are lower case; records match them in any case.
pub const DIALECTS: &[Dialect] = &[
    Dialect {
        dialect: Some(DlqDialect::SpringDlt),
        names: &[
            diag(OriginTopic, "kafka_dlt-original-topic"),
            diag(OriginPartition, "kafka_dlt-original-partition"),
            diag(OriginOffset, "kafka_dlt-original-offset"),
            diag(OriginTimestamp, "kafka_dlt-original-timestamp"),
            diag(ConsumerGroup, "kafka_dlt-original-consumer-group"),
            diag(ErrorClass, "kafka_dlt-exception-fqcn"),
            diag(CauseClass, "kafka_dlt-exception-cause-fqcn"),
            diag(Error, "kafka_dlt-exception-message"),
            diag(StackTrace, "kafka_dlt-exception-stacktrace"),
            // A key that failed to deserialize is reported under its own names.
            diag(ErrorClass, "kafka_dlt-key-exception-fqcn"),
            diag(Error, "kafka_dlt-key-exception-message"),
            diag(StackTrace, "kafka_dlt-key-exception-stacktrace"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::SpringRetryTopic),
        names: &[
            diag(OriginTopic, "kafka_original-topic"),
            diag(OriginPartition, "kafka_original-partition"),
            diag(OriginOffset, "kafka_original-offset"),
            diag(OriginTimestamp, "kafka_original-timestamp"),
            diag(ConsumerGroup, "kafka_original-consumer-group"),
            diag(ErrorClass, "kafka_exception-fqcn"),
            diag(CauseClass, "kafka_exception-cause-fqcn"),
            diag(Error, "kafka_exception-message"),
            diag(StackTrace, "kafka_exception-stacktrace"),
            diag(Attempts, "retry_topic-attempts"),
            diag(OriginTimestamp, "retry_topic-original-timestamp"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::SpringCloudStream),
        names: &[
            diag(OriginTopic, "x-original-topic"),
            diag(OriginPartition, "x-original-partition"),
            diag(OriginOffset, "x-original-offset"),
            diag(OriginTimestamp, "x-original-timestamp"),
            diag(Error, "x-exception-message"),
            diag(ErrorClass, "x-exception-fqcn"),
            diag(StackTrace, "x-exception-stacktrace"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::SmallRye),
        names: &[
            diag(OriginTopic, "dead-letter-topic"),
            diag(OriginPartition, "dead-letter-partition"),
            diag(OriginOffset, "dead-letter-offset"),
            diag(Error, "dead-letter-reason"),
            diag(Cause, "dead-letter-cause"),
            diag(ErrorClass, "dead-letter-exception-class-name"),
            diag(CauseClass, "dead-letter-cause-class-name"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::KafkaConnect),
        names: &[
            diag(OriginTopic, "__connect.errors.topic"),
            diag(OriginPartition, "__connect.errors.partition"),
            diag(OriginOffset, "__connect.errors.offset"),
            diag(ErrorClass, "__connect.errors.exception.class.name"),
            diag(Error, "__connect.errors.exception.message"),
            diag(StackTrace, "__connect.errors.exception.stacktrace"),
            diag(Component, "__connect.errors.connector.name"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::KafkaStreams),
        names: &[
            diag(OriginTopic, "__streams.errors.topic"),
            diag(OriginPartition, "__streams.errors.partition"),
            diag(OriginOffset, "__streams.errors.offset"),
            diag(ErrorClass, "__streams.errors.exception"),
            diag(Error, "__streams.errors.message"),
            diag(StackTrace, "__streams.errors.stacktrace"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::ShareGroup),
        names: &[
            diag(OriginTopic, "__dlq.errors.topic"),
            diag(OriginPartition, "__dlq.errors.partition"),
            diag(OriginOffset, "__dlq.errors.offset"),
            diag(Error, "__dlq.errors.message"),
            diag(ErrorClass, "__dlq.errors.exception"),
            diag(ConsumerGroup, "__dlq.errors.group"),
            diag(Attempts, "__dlq.errors.delivery.count"),
        ],
    },
    Dialect {
        dialect: Some(DlqDialect::Karafka),
        names: &[
            diag(OriginTopic, "source_topic"),
            diag(OriginPartition, "source_partition"),
            diag(OriginOffset, "source_offset"),
            diag(ConsumerGroup, "source_consumer_group"),
            diag(Attempts, "source_attempts"),
        ],
    },
    // Last among the writers: `source` and `retry-count` are on every record of the pipeline executor's package.
    Dialect {
        dialect: Some(DlqDialect::GoPackage),
        names: &[
            // kdeck's demo and writers of the same `dlq-*` family.
            diag(OriginTopic, "dlq-original-topic"),
            diag(OriginPartition, "dlq-original-partition"),
            diag(OriginOffset, "dlq-original-offset"),
            // The pipeline executor's Go package (its consumer's sendToDLQ) writes four: `original-topic`
            // (a generic name too, below), `dlq-error` (the error's text), `dlq-timestamp`
            // (RFC 3339, when it dead-lettered the record) and `dlq-consumer-group`.
            diag(Error, "dlq-error"),
            diag(Error, "dlq-error-message"),
            diag(ErrorClass, "dlq-error-type"),
            diag(OriginTopic, "original-topic"),
            diag(FailedAt, "dlq-timestamp"),
            diag(FailedAt, "dlq-failed-at"),
            diag(ConsumerGroup, "dlq-consumer-group"),
            // The Go package's own headers, on every record it writes.
            app(Attempts, "retry-count"),
            app(Component, "source"),
        ],
    },
    // Names several small writers use; they name no writer.
    Dialect {
        dialect: None,
        names: &[
            diag(OriginTopic, "original-topic"),
            diag(OriginPartition, "original-partition"),
            diag(OriginOffset, "original-offset"),
            diag(Error, "error"),
            diag(Error, "error-message"),
            diag(Error, "dlq-reason"),
            app(Attempts, "retry_count"),
            app(Attempts, "x-retry-count"),
        ],
    },
];

/// Prefixes the writers above reserve for their diagnostics: a name under one is a
/// diagnostic even when the table does not list it (Spring's
/// `kafka_dlt-original-timestamp-type`, Connect's `__connect.errors.task.id`, names added by
/// later versions).
pub const RESERVED_PREFIXES: &[&str] = &[
    "kafka_dlt-",
    "kafka_original-",
    "kafka_exception-",
    "retry_topic-",
    "x-original-",
    "x-exception-",
    "dead-letter-",
    "__connect.errors.",
    "__streams.errors.",
    "__dlq.errors.",
    "dlq-",
];

/// Every name of the table, all writers.
pub fn all() -> impl Iterator<Item = &'static Name> {
    DIALECTS.iter().flat_map(|d| d.names.iter())
}

fn find(name: &str) -> Option<&'static Name> {
    all().find(|n| n.name.eq_ignore_ascii_case(name))
}

/// Every dead-letter diagnostic name of the table, all writers, once each.
pub fn diagnostic_names() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for n in all().filter(|n| n.role == Role::Diagnostic) {
        if !out.contains(&n.name) {
            out.push(n.name);
        }
    }
    out
}

/// True for a dead-letter diagnostic header (any case): a diagnostic name of the table, or a
/// name under a prefix a writer reserves, unless the table names it an application header.
pub fn is_diagnostic(name: &str) -> bool {
    match find(name) {
        Some(n) => n.role == Role::Diagnostic,
        None => {
            let lower = name.to_ascii_lowercase();
            RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p))
        }
    }
}

/// True for an application header counting retries (`retry-count` and its spellings), which
/// a replay resets or keeps as configured.
pub fn is_retry_count(name: &str) -> bool {
    find(name).is_some_and(|n| n.role == Role::Application && n.meaning == Meaning::Attempts)
}

/// True for a name the generic list (no writer) holds too: such a name does not tell which
/// writer put a record there.
pub fn is_generic(name: &str) -> bool {
    DIALECTS
        .iter()
        .filter(|d| d.dialect.is_none())
        .flat_map(|d| d.names.iter())
        .any(|n| n.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dialect_has_a_table_and_names_are_lower_case_and_unique_per_writer() {
        for d in DlqDialect::ALL {
            assert!(
                DIALECTS.iter().any(|t| t.dialect == Some(d)),
                "{} has no table",
                d.name()
            );
        }
        for t in DIALECTS {
            for (i, n) in t.names.iter().enumerate() {
                assert_eq!(n.name, n.name.to_ascii_lowercase());
                assert!(
                    !t.names[..i].iter().any(|m| m.name == n.name),
                    "{} twice",
                    n.name
                );
            }
        }
        // A name two writers share means the same to both.
        for a in all() {
            for b in all().filter(|b| b.name == a.name) {
                assert_eq!((a.meaning, a.role), (b.meaning, b.role), "{}", a.name);
            }
        }
    }

    #[test]
    fn the_go_packages_four_headers_are_diagnostics_by_meaning() {
        let want = [
            ("original-topic", OriginTopic),
            ("dlq-error", Error),
            ("dlq-timestamp", FailedAt),
            ("dlq-consumer-group", ConsumerGroup),
        ];
        let go = DIALECTS
            .iter()
            .find(|d| d.dialect == Some(DlqDialect::GoPackage))
            .unwrap();
        for (name, meaning) in want {
            let n = go.names.iter().find(|n| n.name == name).unwrap();
            assert_eq!((n.meaning, n.role), (meaning, Role::Diagnostic), "{name}");
            assert!(is_diagnostic(name) && is_diagnostic(&name.to_ascii_uppercase()));
        }
        assert_eq!(FailedAt.label(), "failed at");
        assert_eq!(ConsumerGroup.label(), "consumer group");
        for n in [
            "source",
            "retry-count",
            "event-type",
            "timestamp",
            "correlation-id",
        ] {
            assert!(!is_diagnostic(n), "{n}");
        }
        assert!(is_retry_count("Retry-Count") && is_retry_count("x-retry-count"));
        assert!(!is_retry_count("source_attempts") && !is_retry_count("source"));
    }
}
