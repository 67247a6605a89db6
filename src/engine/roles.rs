//! Which role a topic plays in a job pipeline, proposed from its newest records and its name:
//! the topic browser's guess on a cluster kdeck does not know yet. Pure: the caller samples the
//! records (at most `SAMPLE_MAX`, decoded with `codec::decode::to_record`) and shows the
//! proposal with its evidence in words.
//!
//! Each record gives one signal, strongest first:
//!
//! 1. **dead letter**: it carries a dead-letter diagnostic header (`decode::dlq`'s table, any of
//!    the nine writers, or a name under a prefix a writer reserves); the writer is the dialect
//!    `dlq::origin` detects. `source` and `retry-count` alone are no dead letter: the pipeline
//!    executor's Go package puts them on every record.
//! 2. **progress** or **final** status: the status word decoding found (`status`,
//!    `completion_status`, `state`, … also inside the task manager's `message`), classed by
//!    `StatusClass`: progress and pending words (`in_progress`, `running`, `new`, `pending`,
//!    `queued`, …) are progress, ok and failed words (`completed`, `failed`, `error`, …) final.
//! 3. **request**: a request shape kdeck knows, with no status word: the infinite scheduler's
//!    job-ingest request (`appName` or `scheduledTime`), the FRANC portal's service requests
//!    (`device_name`, `dc_name`, `pop_name`), the task manager's web-crawl request (its
//!    `{headers, message}` envelope with `requestId` or `requestType`).
//! 4. nothing: text, binary, empty, or JSON with none of the above.
//!
//! The topic's proposal, over the `n` records sampled:
//!
//! - dead letters on half or more of them: **DLQ** (high; medium when only generic names such
//!   as `original-topic` that name no writer were found);
//! - else status words on half or more: **status** or **completion** by the mix. A status
//!   topic carries final states too, a completion topic only final ones, so: no progress word
//!   at all gives completion (high); progress on fewer than 1 in 10 of the statused records
//!   gives completion (medium: a stray); progress on half or more gives status (high); progress
//!   on 1 in 10 up to half gives status (medium). Final states only and a name that says status
//!   give status (medium): the sample may just have caught the finals;
//! - else request shapes on half or more: **request** (high);
//! - else the most frequent of those signals, found on fewer than half (low; medium when the
//!   name hints the same role);
//! - else the name hint alone (low): `.dlq`, `-dlq`, `-dlt`, `.DLT`, `dlq-…`, `dead-letter`,
//!   `deadletter` for DLQ; `status`; `completion(s)`; `request(s)`, `ingest`;
//! - else none of the roles (high from 10 records on, medium below; low with no records).
//!
//! A name that hints another role than the records is said after the evidence.

use crate::codec::decode::{dlq, envelope, json::Obj};
use crate::domain::{DlqDialect, PayloadKind, Record, StatusClass};

/// How many of a topic's newest records the browser samples.
pub const SAMPLE_MAX: usize = 50;

pub use crate::domain::browse::{Confidence, Guess, Proposal};

/// What a topic's name suggests, and the words saying so ("the name ends in .DLT").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameHint {
    pub guess: Guess,
    pub words: String,
}

/// Proposes a role for `topic` from its sampled records (any order) and its name.
pub fn propose(topic: &str, records: &[Record]) -> Proposal {
    let hint = name_hint(topic);
    if records.is_empty() {
        return match hint {
            Some(h) => proposal(
                Some(h.guess),
                Confidence::Low,
                h.words + " (no records to look at)",
            ),
            None => proposal(
                None,
                Confidence::Low,
                "no records to look at and nothing in the name: none of the roles".into(),
            ),
        };
    }
    let tally = Tally::of(records);
    match content(&tally) {
        Some(c) => settle(c, hint),
        None => nothing(hint, &tally),
    }
}

fn proposal(role: Option<Guess>, confidence: Confidence, evidence: String) -> Proposal {
    Proposal {
        role,
        confidence,
        evidence,
    }
}

/// The role the name hints: a dead-letter word wins over the others; of the others the last
/// in the name (its noun: `requests.status` is a status topic).
pub fn name_hint(topic: &str) -> Option<NameHint> {
    let lower = topic.to_ascii_lowercase();
    let tokens = tokens(topic);
    let hinted = |want: Guess| {
        tokens
            .iter()
            .rev()
            .find(|(s, e)| token_guess(&lower[*s..*e]) == Some(want))
            .copied()
    };
    if let Some(span) = hinted(Guess::Dlq) {
        return Some(NameHint {
            guess: Guess::Dlq,
            words: span_words(topic, span),
        });
    }
    for spelling in ["dead-letter", "dead_letter", "dead.letter", "deadletter"] {
        if let Some(at) = lower.find(spelling) {
            return Some(NameHint {
                guess: Guess::Dlq,
                words: format!("the name contains {}", &topic[at..at + spelling.len()]),
            });
        }
    }
    let (span, guess) = tokens
        .iter()
        .rev()
        .find_map(|(s, e)| token_guess(&lower[*s..*e]).map(|g| ((*s, *e), g)))?;
    Some(NameHint {
        guess,
        words: span_words(topic, span),
    })
}

/// The name's words between `.`, `-` and `_`, as byte spans.
fn tokens(topic: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in topic.char_indices() {
        if matches!(c, '.' | '-' | '_') {
            if i > start {
                out.push((start, i));
            }
            start = i + 1;
        }
    }
    if topic.len() > start {
        out.push((start, topic.len()));
    }
    out
}

fn token_guess(token: &str) -> Option<Guess> {
    match token {
        "dlq" | "dlt" | "deadletter" | "deadletters" => Some(Guess::Dlq),
        "status" | "statuses" => Some(Guess::Status),
        "completion" | "completions" => Some(Guess::Completion),
        "request" | "requests" | "ingest" => Some(Guess::Request),
        _ => None,
    }
}

/// "the name ends in .DLT", "the name starts with dlq-", "the name contains .status.".
fn span_words(topic: &str, (s, e): (usize, usize)) -> String {
    match (s == 0, e == topic.len()) {
        (true, true) => format!("the name is {topic}"),
        (false, true) => format!("the name ends in {}", &topic[s - 1..]),
        (true, false) => format!("the name starts with {}", &topic[..e + 1]),
        (false, false) => format!("the name contains {}", &topic[s - 1..e + 1]),
    }
}

/// One record's signal.
enum Signal {
    /// Dead-letter headers of this writer (`None`: generic names only), and their names.
    Dlq(Option<DlqDialect>, Vec<String>),
    Progress(String),
    Final(String),
    Request(Shape),
    Nothing,
}

/// The request shapes kdeck knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    SchedulerIngest,
    PortalRequest,
    WebCrawlRequest,
}

impl Shape {
    fn words(self) -> &'static str {
        match self {
            Shape::SchedulerIngest => {
                "the infinite scheduler's job-ingest requests (appName, scheduledTime)"
            }
            Shape::PortalRequest => {
                "the FRANC portal's service requests (device_name, dc_name or pop_name)"
            }
            Shape::WebCrawlRequest => {
                "the task manager's web-crawl requests (an envelope with requestId)"
            }
        }
    }
}

fn signal(r: &Record) -> Signal {
    let diagnostics: Vec<String> = r
        .headers
        .iter()
        .filter(|h| dlq::is_diagnostic_header(&h.key))
        .map(|h| h.key.to_ascii_lowercase())
        .collect();
    if !diagnostics.is_empty() {
        return Signal::Dlq(dlq::origin(&r.headers, None).dialect, diagnostics);
    }
    let d = &r.decoded;
    // A record decoded as a dead letter is marked "dlq" when it had no status word of its own.
    let marked = d.dlq.is_some() && d.status.as_deref() == Some("dlq");
    if let Some(word) = d.status.as_deref().filter(|_| !marked) {
        match StatusClass::from_word(word) {
            StatusClass::Progress | StatusClass::Pending => return Signal::Progress(word.into()),
            StatusClass::Ok | StatusClass::Failed => return Signal::Final(word.into()),
            StatusClass::Unknown => return Signal::Nothing,
        }
    }
    match r.value.as_deref().and_then(request_shape) {
        Some(shape) => Signal::Request(shape),
        None => Signal::Nothing,
    }
}

/// The request shape of a value with no status word, as the decoder recognises the services.
fn request_shape(value: &[u8]) -> Option<Shape> {
    let obj = Obj::parse(value)?;
    if let Some((headers, _)) = envelope(&obj) {
        let request = headers.contains_key("requestId") || headers.contains_key("requestType");
        return request.then_some(Shape::WebCrawlRequest);
    }
    if obj.contains_key("appName") || obj.contains_key("scheduledTime") {
        return Some(Shape::SchedulerIngest);
    }
    ["device_name", "dc_name", "pop_name"]
        .iter()
        .any(|k| obj.contains_key(k))
        .then_some(Shape::PortalRequest)
}

/// Things counted, in the order first seen.
struct Counts<T>(Vec<(T, usize)>);

impl<T: PartialEq> Counts<T> {
    fn new() -> Self {
        Counts(Vec::new())
    }

    fn add(&mut self, t: T) {
        match self.0.iter_mut().find(|(x, _)| *x == t) {
            Some((_, n)) => *n += 1,
            None => self.0.push((t, 1)),
        }
    }

    fn total(&self) -> usize {
        self.0.iter().map(|(_, n)| n).sum()
    }

    /// Most frequent first; ties in the order first seen.
    fn ranked(&self) -> Vec<(&T, usize)> {
        let mut v: Vec<(&T, usize)> = self.0.iter().map(|(t, n)| (t, *n)).collect();
        v.sort_by_key(|x| std::cmp::Reverse(x.1));
        v
    }
}

impl Counts<String> {
    /// "in_progress, running" (at most three, most frequent first).
    fn words(&self) -> String {
        let ranked = self.ranked();
        let mut out: Vec<&str> = ranked.iter().take(3).map(|(w, _)| w.as_str()).collect();
        if ranked.len() > 3 {
            out.push("…");
        }
        out.join(", ")
    }
}

/// The sample's signals, counted.
struct Tally {
    n: usize,
    dlq: Counts<Option<DlqDialect>>,
    generic_names: Counts<String>,
    progress: Counts<String>,
    finals: Counts<String>,
    requests: Counts<Shape>,
    kinds: Counts<PayloadKind>,
}

impl Tally {
    fn of(records: &[Record]) -> Tally {
        let mut t = Tally {
            n: records.len(),
            dlq: Counts::new(),
            generic_names: Counts::new(),
            progress: Counts::new(),
            finals: Counts::new(),
            requests: Counts::new(),
            kinds: Counts::new(),
        };
        for r in records {
            t.kinds.add(r.decoded.kind);
            match signal(r) {
                Signal::Dlq(dialect, names) => {
                    if dialect.is_none() {
                        names.into_iter().for_each(|n| t.generic_names.add(n));
                    }
                    t.dlq.add(dialect);
                }
                Signal::Progress(w) => t.progress.add(w),
                Signal::Final(w) => t.finals.add(w),
                Signal::Request(s) => t.requests.add(s),
                Signal::Nothing => {}
            }
        }
        t
    }

    fn statused(&self) -> usize {
        self.progress.total() + self.finals.total()
    }
}

/// What the records say, before the name is weighed.
struct Content {
    guess: Guess,
    confidence: Confidence,
    evidence: String,
    /// False when the signal was found on fewer than half the records.
    majority: bool,
}

fn content(t: &Tally) -> Option<Content> {
    let (dlq, statused, requests) = (t.dlq.total(), t.statused(), t.requests.total());
    let half = |k: usize| k > 0 && k * 2 >= t.n;
    let c = if half(dlq) {
        dead_letters(t)
    } else if half(statused) {
        status_mix(t)
    } else if half(requests) {
        request_events(t)
    } else {
        let most = dlq.max(statused).max(requests);
        if most == 0 {
            return None;
        }
        let mut c = if dlq == most {
            dead_letters(t)
        } else if statused == most {
            status_mix(t)
        } else {
            request_events(t)
        };
        c.majority = false;
        c.confidence = Confidence::Low;
        let rest = t.n - most;
        c.evidence += &format!("; the other {rest} do not");
        c
    };
    Some(c)
}

fn dead_letters(t: &Tally) -> Content {
    let mut parts = Vec::new();
    for (i, (dialect, k)) in t.dlq.ranked().into_iter().enumerate() {
        let lead = if i == 0 {
            format!("{k} of {} records carry", t.n)
        } else {
            k.to_string()
        };
        parts.push(match dialect {
            Some(d) => {
                let the = if d.name().starts_with(char::is_lowercase) {
                    "the "
                } else {
                    ""
                };
                let from = if i == 0 {
                    "dead-letter headers from"
                } else {
                    "from"
                };
                format!("{lead} {from} {the}{} ({})", d.name(), family(*d))
            }
            None => {
                let what = if i == 0 {
                    "generic dead-letter headers"
                } else {
                    "generic ones"
                };
                let names = t.generic_names.words();
                format!("{lead} {what} that name no writer ({names})")
            }
        });
    }
    let known = t.dlq.0.iter().any(|(d, _)| d.is_some());
    Content {
        guess: Guess::Dlq,
        confidence: if known {
            Confidence::High
        } else {
            Confidence::Medium
        },
        evidence: parts.join(", "),
        majority: true,
    }
}

/// The header family a writer's dead letters are known by.
fn family(d: DlqDialect) -> &'static str {
    match d {
        DlqDialect::GoPackage => "dlq-*",
        DlqDialect::SpringDlt => "kafka_dlt-*",
        DlqDialect::SpringRetryTopic => "kafka_original-*",
        DlqDialect::SpringCloudStream => "x-original-*",
        DlqDialect::SmallRye => "dead-letter-*",
        DlqDialect::KafkaConnect => "__connect.errors.*",
        DlqDialect::KafkaStreams => "__streams.errors.*",
        DlqDialect::ShareGroup => "__dlq.errors.*",
        DlqDialect::Karafka => "source_*",
    }
}

/// Status or completion from the mix of progress and final words (the rule in the module's
/// documentation).
fn status_mix(t: &Tally) -> Content {
    let (prog, fin, n) = (t.progress.total(), t.finals.total(), t.n);
    let statused = prog + fin;
    let (pw, fw) = (t.progress.words(), t.finals.words());
    let both =
        format!("{prog} of {n} records have a progress status ({pw}) and {fin} a final one ({fw})");
    let (guess, confidence, evidence) = if prog == 0 {
        let e = format!("{fin} of {n} records have a final status ({fw}) and none a progress one");
        (Guess::Completion, Confidence::High, e)
    } else if prog * 10 < statused {
        let e = format!(
            "{fin} of {n} records have a final status ({fw}), only {prog} a progress one ({pw}): \
             too few for a status topic"
        );
        (Guess::Completion, Confidence::Medium, e)
    } else if fin == 0 {
        let e = format!("{prog} of {n} records have a progress status ({pw})");
        (Guess::Status, Confidence::High, e)
    } else if prog * 2 >= statused {
        (Guess::Status, Confidence::High, both)
    } else {
        let e = format!(
            "{both}: a status topic carries final states too, a completion topic only those"
        );
        (Guess::Status, Confidence::Medium, e)
    };
    Content {
        guess,
        confidence,
        evidence,
        majority: true,
    }
}

fn request_events(t: &Tally) -> Content {
    let parts: Vec<String> = t
        .requests
        .ranked()
        .into_iter()
        .enumerate()
        .map(|(i, (shape, k))| match i {
            0 => format!("{k} of {} records are {}", t.n, shape.words()),
            _ => format!("{k} are {}", shape.words()),
        })
        .collect();
    Content {
        guess: Guess::Request,
        confidence: Confidence::High,
        evidence: parts.join(", "),
        majority: true,
    }
}

/// The records' proposal with the name weighed in.
fn settle(c: Content, hint: Option<NameHint>) -> Proposal {
    let Some(h) = hint else {
        return proposal(Some(c.guess), c.confidence, c.evidence);
    };
    if c.guess == Guess::Completion && h.guess == Guess::Status {
        let e = format!(
            "{}; {} and a status topic carries final states too",
            c.evidence, h.words
        );
        return proposal(Some(Guess::Status), Confidence::Medium, e);
    }
    if h.guess == c.guess {
        return if c.majority {
            proposal(Some(c.guess), c.confidence, c.evidence)
        } else {
            let e = format!("{}; {} too", c.evidence, h.words);
            proposal(Some(c.guess), c.confidence.max(Confidence::Medium), e)
        };
    }
    let e = format!(
        "{}; {}, which suggests a {} topic",
        c.evidence,
        h.words,
        h.guess.word()
    );
    proposal(Some(c.guess), c.confidence, e)
}

/// No record gives a signal: the name's hint, else none of the roles.
fn nothing(hint: Option<NameHint>, t: &Tally) -> Proposal {
    if let Some(h) = hint {
        let its = match t.n {
            1 => "its one record shows".to_string(),
            n => format!("its {n} records show"),
        };
        let e = format!("{}; {its} none of the roles", h.words);
        return proposal(Some(h.guess), Confidence::Low, e);
    }
    let only = |k: PayloadKind| t.kinds.0.len() == 1 && t.kinds.0[0].0 == k;
    let n = t.n;
    let what = if only(PayloadKind::Text) {
        format!("{n} plain text records with no status or job fields")
    } else if only(PayloadKind::Binary) {
        format!("{n} binary records")
    } else if only(PayloadKind::Null) {
        format!("{n} tombstones (records with no value)")
    } else if only(PayloadKind::Empty) {
        format!("{n} records with empty values")
    } else if only(PayloadKind::Json) {
        format!("{n} JSON records with no dead-letter headers, known status word or request shape")
    } else {
        format!("{n} records with no dead-letter headers, known status word or request shape")
    };
    let confidence = if n >= 10 {
        Confidence::High
    } else {
        Confidence::Medium
    };
    proposal(None, confidence, format!("{what}: none of the roles"))
}

#[cfg(test)]
mod tests;
