//! Search back in time: scan the topics themselves (not what the panes hold), newest first in
//! chunks per partition, or over a time range. Plain types and the chunk plan live here; the
//! reading is `kafka::search`, the dialog `modals::search`.

pub mod range;

use crate::domain::replay::PartitionRange;
pub use crate::domain::search::{Progress, SearchUpdate, Summary};
use crate::domain::{Header, Record};
use crate::engine::filter::{Expr, Quick};
use range::TimeRange;

/// Matches kept at most by a dashboard search; the results title says when it was reached.
pub const MAX_MATCHES: usize = 10_000;

/// The first chunk read back from each partition's end; each round doubles it up to
/// `MAX_CHUNK`, so the newest matches show at once and long scans still read in bulk.
pub const FIRST_CHUNK: i64 = 2_000;
pub const MAX_CHUNK: i64 = 200_000;

/// What a record must hold: a jq expression, or plain text (any case) in its key, headers or
/// value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    Quick(Quick),
    Expr(Expr),
}

impl Query {
    /// A jq expression when the text starts like one (`.`, `(`, `[`, `select(`, `not`),
    /// else plain text. An invalid expression is jaq's error, in words.
    pub fn parse(text: &str) -> Result<Query, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err(
                "type a jq expression (.value.status == \"failed\") or text to find".into(),
            );
        }
        if looks_like_jq(t) {
            Expr::compile(t).map(Query::Expr)
        } else {
            Ok(Query::Quick(Quick::new(t)))
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Query::Quick(q) => q.text(),
            Query::Expr(e) => e.source(),
        }
    }

    /// Tested on the raw record, before it is decoded: only matches are decoded.
    pub fn matches(&self, r: &RawRecord<'_>) -> bool {
        // A schema value is tested as its decoded JSON, as the panes show it.
        let wire = crate::codec::decode::wire::decoded(r.topic, r.value);
        let json = wire.as_ref().and_then(|w| w.json.as_deref());
        match self {
            Query::Quick(q) => {
                q.matches_parts(r.key, r.headers, json.map(str::as_bytes).or(r.value))
            }
            Query::Expr(e) => {
                let line = crate::codec::jsonl::LineRecord {
                    topic: r.topic,
                    partition: r.partition,
                    offset: r.offset,
                    timestamp_ms: r.timestamp_ms,
                    key: r.key,
                    headers: &[],
                    value: r.value,
                    schema: wire.as_ref().and_then(crate::codec::jsonl::WireJson::of),
                };
                e.matches_with_headers(&line, r.headers)
            }
        }
    }
}

fn looks_like_jq(t: &str) -> bool {
    t.starts_with(['.', '(', '['])
        || ["select(", "not ", "any(", "all("]
            .iter()
            .any(|p| t.starts_with(p))
}

/// A record as read, borrowed.
pub struct RawRecord<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub timestamp_ms: Option<i64>,
    pub key: Option<&'a [u8]>,
    pub headers: &'a [Header],
    pub value: Option<&'a [u8]>,
}

/// One search: which topics, what to match, over which time, and how much to keep.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchRequest {
    /// (topic, is a DLQ topic): DLQ records decode their failure reason.
    pub topics: Vec<(String, bool)>,
    pub query: Query,
    pub range: TimeRange,
    pub max_matches: usize,
    /// Bytes of each matched value kept, like the stream panes.
    pub value_cap: usize,
}

/// Commands to the search worker: one search at a time; a new one stops the old.
#[derive(Debug)]
pub enum SearchCmd {
    Start {
        job: crate::domain::work::Ticket,
        request: SearchRequest,
    },
}

/// Where one partition's scan stands: `[low, next_end)` is still to read, backwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub topic: String,
    pub partition: i32,
    pub low: i64,
    pub next_end: i64,
}

/// The next chunk of every partition with records left, newest first: round `n` reads
/// `FIRST_CHUNK << n` records back (at most `MAX_CHUNK`). Empty when all is read.
pub fn next_round(cursors: &mut [Cursor], round: u32) -> Vec<(String, PartitionRange)> {
    let chunk = FIRST_CHUNK
        .checked_shl(round.min(30))
        .unwrap_or(MAX_CHUNK)
        .min(MAX_CHUNK);
    cursors
        .iter_mut()
        .filter(|c| c.next_end > c.low)
        .map(|c| {
            let from = (c.next_end - chunk).max(c.low);
            let r = PartitionRange {
                partition: c.partition,
                from,
                to: c.next_end,
            };
            c.next_end = from;
            (c.topic.clone(), r)
        })
        .collect()
}

/// Keeps the newest `cap` matches of a round: `kept` is oldest-first per partition chunk, so
/// the front goes first.
pub fn keep_newest(mut round: Vec<Record>, cap: usize) -> Vec<Record> {
    round.sort_by(|a, b| {
        (b.timestamp_ms, b.offset, &b.topic, b.partition).cmp(&(
            a.timestamp_ms,
            a.offset,
            &a.topic,
            a.partition,
        ))
    });
    round.truncate(cap);
    round
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(low: i64, end: i64) -> Cursor {
        Cursor {
            topic: "t".into(),
            partition: 0,
            low,
            next_end: end,
        }
    }

    #[test]
    fn rounds_read_back_from_the_end_in_growing_chunks_and_cover_everything_once() {
        let mut cs = vec![cursor(100, 10_100), cursor(0, 0)];
        let mut seen = Vec::new();
        for round in 0.. {
            let chunk = next_round(&mut cs, round);
            if chunk.is_empty() {
                break;
            }
            assert_eq!(chunk.len(), 1, "an empty partition gets no chunk");
            seen.push((chunk[0].1.from, chunk[0].1.to));
        }
        assert_eq!(
            seen,
            vec![(8_100, 10_100), (4_100, 8_100), (100, 4_100)],
            "newest first, doubling, stopping at the low end"
        );
    }

    #[test]
    fn chunks_stop_growing() {
        let mut cs = vec![cursor(0, i64::MAX / 2)];
        let r = next_round(&mut cs, 40);
        assert_eq!(r[0].1.to - r[0].1.from, MAX_CHUNK);
    }

    #[test]
    fn query_picks_jq_or_text() {
        assert!(matches!(Query::parse(".value.x == 1"), Ok(Query::Expr(_))));
        assert!(matches!(Query::parse("export-42"), Ok(Query::Quick(_))));
        assert!(Query::parse(".value.x ==").is_err());
        assert!(Query::parse("  ").is_err());
    }

    #[test]
    fn matches_on_raw_records() {
        let headers = vec![Header {
            key: "org_id".into(),
            value: Some(b"org-7".to_vec()),
        }];
        let raw = RawRecord {
            topic: "t",
            partition: 0,
            offset: 5,
            timestamp_ms: Some(1),
            key: Some(b"k"),
            headers: &headers,
            value: Some(br#"{"status":"FAILED"}"#),
        };
        assert!(Query::parse("failed").unwrap().matches(&raw));
        assert!(Query::parse("ORG-7").unwrap().matches(&raw));
        assert!(!Query::parse("done").unwrap().matches(&raw));
        assert!(Query::parse(".headers.org_id == \"org-7\"")
            .unwrap()
            .matches(&raw));
        assert!(!Query::parse(".value.status == \"done\"")
            .unwrap()
            .matches(&raw));
    }
}
