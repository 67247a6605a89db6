//! One job's timeline: every record of it across its request, status, completion and DLQ
//! topics in time order, with the delta from the request, progress, the outcome and the
//! end-to-end latency. The records the panes hold come first, at once; then the search worker
//! (`kafka::jobs::spawn_search`) reads the topics for the rest and its finds are merged in.
//! From here a record opens in the detail view, the job's DLQ record goes to the replay
//! dialog and its request to the publish dialog.

use crate::domain::event::{JobSearchUpdate, KafkaEvent};
use crate::domain::Record;
use crate::engine::job::stuck::Source;
use crate::engine::job::{matching, Outcome, Step, Timeline, MAX_IDS};
use crate::tui::app::action::Action;
use crate::tui::app::component::{nav_delta, Cx, DrawCx, Entry, Hint, Modal, Reply, Subject};
use crate::tui::app::effect::Effect;
use crate::tui::keymap::Context;
use crate::tui::modals::detail::DetailState;
use std::collections::HashSet;

mod view;

pub const ENTRY: Entry = Entry {
    context: "timeline",
    keys: concat!(
        crate::tui::app::component::nav_keys!(),
        r#"
"esc" = "close"
"q" = "close"
"enter" = "open"
"r" = "replay"
"e" = "republish"
"E" = "export"
"#
    ),
    dashboard_keys: r#""t" = "timeline""#,
    opens_on: &[Action::Timeline],
    open,
};

/// How far before the job's earliest known record the search starts reading.
pub const SEARCH_BACK_MS: i64 = 3_600_000;

/// Largest value looked into on the UI task when the timeline opens.
const MEMORY_VALUE_MAX: usize = 64 * 1024;

pub struct TimelineView {
    /// Names this timeline's search: news of another search is dropped.
    pub gen: u64,
    /// The job's id as the title shows it.
    pub label: String,
    pub ids: Vec<String>,
    pub timeline: Timeline,
    pub selected: usize,
    pub search: Search,
}

/// The search on the topics, as the progress line tells it.
#[derive(Clone, Debug, PartialEq)]
pub enum Search {
    Running {
        since_ms: i64,
        scanned: u64,
        found: usize,
        stopping: bool,
    },
    Done {
        since_ms: i64,
        scanned: u64,
        added: usize,
        stopped: bool,
        warning: Option<String>,
    },
    Failed(String),
}

impl TimelineView {
    pub const HINTS: &'static [Hint] = &[
        (Action::Open, "open"),
        (Action::Replay, "replay its DLQ record"),
        (Action::Republish, "republish its request"),
        (Action::Export, "export"),
        (Action::Down, "move"),
        (Action::Close, "stop search / close"),
    ];

    pub fn new(gen: u64, label: String, ids: Vec<String>, steps: Vec<Step>, since_ms: i64) -> Self {
        TimelineView {
            gen,
            label,
            ids,
            timeline: Timeline::build(steps),
            selected: 0,
            search: Search::Running {
                since_ms,
                scanned: 0,
                found: 0,
                stopping: false,
            },
        }
    }

    pub fn selected_step(&self) -> Option<&Step> {
        self.timeline.steps.get(self.selected)
    }

    /// Adds the records the search found that the timeline lacks; the selection stays on
    /// its record. Returns how many were new.
    pub fn merge(&mut self, found: Vec<Step>) -> usize {
        let key = |r: &Record| (r.topic.clone(), r.partition, r.offset);
        let mut have: HashSet<(String, i32, i64)> =
            self.timeline.steps.iter().map(|s| key(&s.record)).collect();
        let picked = self.selected_step().map(|s| key(&s.record));
        let mut steps = std::mem::take(&mut self.timeline.steps);
        let before = steps.len();
        steps.extend(found.into_iter().filter(|s| have.insert(key(&s.record))));
        let added = steps.len() - before;
        self.timeline = Timeline::build(steps);
        if let Some(p) = picked {
            let at = self.timeline.steps.iter().position(|s| key(&s.record) == p);
            self.selected = at.unwrap_or(0);
        }
        added
    }

    /// The DLQ record "replay" takes: the selected one, else the job's last.
    pub fn dlq_record(&self) -> Option<&Record> {
        self.pick(Source::Dlq, true)
    }

    /// The request "republish" takes: the selected one, else the job's first.
    pub fn request_record(&self) -> Option<&Record> {
        self.pick(Source::Request, false)
    }

    fn pick(&self, source: Source, last: bool) -> Option<&Record> {
        if let Some(s) = self.selected_step().filter(|s| s.source == source) {
            return Some(&s.record);
        }
        let mut it = self.timeline.steps.iter().filter(|s| s.source == source);
        if last { it.next_back() } else { it.next() }.map(|s| &s.record)
    }

    fn nav(&mut self, action: Action, page: isize) -> bool {
        let max = self.timeline.steps.len().saturating_sub(1);
        self.selected = match action {
            Action::Top => 0,
            Action::Bottom => max,
            a => match nav_delta(a, page) {
                Some(d) => (self.selected as isize + d).clamp(0, max as isize) as usize,
                None => return false,
            },
        };
        true
    }
}

/// The timeline of the selected record's job, of a record forwarded (the detail view's `t`),
/// or of a job named by its ids (the stuck list).
fn open(_: Action, subject: Subject, cx: &mut Cx<'_>) -> Reply {
    let record = match subject {
        Subject::Job {
            label,
            ids,
            near_ms,
        } => return open_of_ids(cx, label, ids, near_ms),
        Subject::Record(r) => *r,
        Subject::Selection => match cx.selected_record() {
            Some(r) => r.clone(),
            None => {
                cx.warn("select a record first: its job's timeline opens");
                return Reply::Done;
            }
        },
    };
    open_of_record(cx, &record)
}

/// The timeline of `r`'s job: the ids its identity fields give (else the decoder's job id).
fn open_of_record(cx: &mut Cx<'_>, r: &Record) -> Reply {
    let mut ids = cx.jobs.identity.ids_of_record(r);
    if ids.is_empty() {
        ids.extend(r.decoded.job_id.iter().cloned());
    }
    let Some(label) = ids.first().cloned() else {
        cx.warn("this record names no job (no id field of [jobs] id, no correlation header)");
        return Reply::Done;
    };
    open_of_ids(cx, label, ids, r.timestamp_ms)
}

/// Opens the timeline of the job named by `ids` with what the panes hold, and asks the
/// search worker for the rest (from an hour before the earliest record known).
fn open_of_ids(cx: &mut Cx<'_>, label: String, ids: Vec<String>, hint_ms: Option<i64>) -> Reply {
    let (steps, ids) = in_memory(cx, ids);
    let earliest = steps
        .iter()
        .filter_map(|s| s.record.timestamp_ms)
        .chain(hint_ms)
        .chain([cx.now_ms])
        .min()
        .unwrap_or(cx.now_ms);
    // The demo's mock cluster has no time index: its topics are read whole (they are small).
    let since_ms = if cx.demo {
        0
    } else {
        earliest.saturating_sub(SEARCH_BACK_MS).max(1)
    };
    let gen = cx.job().next_id();
    let view = TimelineView::new(gen, label, ids.clone(), steps, since_ms);
    Reply::Open(Box::new(view), vec![Effect::SearchJob { gen, ids, since_ms }])
}

/// The panes' records that name the job. Ids the matched records carry besides are taken in
/// (a status naming the job by its request id and its change number), up to `MAX_IDS`.
pub fn in_memory(cx: &Cx<'_>, mut ids: Vec<String>) -> (Vec<Step>, Vec<String>) {
    let jobs = cx.jobs;
    let mut seen: HashSet<(&str, i32, i64)> = HashSet::new();
    let mut steps = Vec::new();
    for _round in 0..2 {
        let before = ids.len();
        for pane in cx.streams.iter() {
            for r in &pane.records {
                let coord = (r.topic.as_str(), r.partition, r.offset);
                if seen.contains(&coord) {
                    continue;
                }
                // On the UI task: a huge value is left to the search worker (ids in the key
                // and headers still match here).
                let value = r.value.as_deref().filter(|v| v.len() <= MEMORY_VALUE_MAX);
                let Some(progress) = matching(&jobs.identity, &ids, &r.key, &r.headers, value)
                else {
                    continue;
                };
                seen.insert(coord);
                for id in jobs.identity.ids_of_record(r) {
                    if ids.len() < MAX_IDS && !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                steps.push(Step {
                    record: r.clone(),
                    source: jobs.source_of(&r.topic, pane.role),
                    progress,
                    delta_ms: None,
                });
            }
        }
        if ids.len() == before {
            break;
        }
    }
    (steps, ids)
}

impl Modal for TimelineView {
    fn context(&self) -> Context {
        Context::named(ENTRY.context)
    }

    fn handle(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply {
        if self.nav(action, cx.page) {
            return Reply::Done;
        }
        let forward = |action, r: Option<&Record>| {
            r.map(|r| Reply::Forward {
                action,
                subject: Subject::Record(Box::new(r.clone())),
                over: true,
            })
        };
        match action {
            Action::Close => match &mut self.search {
                // The first Esc stops a running search; the next closes.
                Search::Running { stopping, .. } if !*stopping => {
                    *stopping = true;
                    Reply::Effects(vec![Effect::CancelJobSearch])
                }
                _ => Reply::Close,
            },
            Action::Help => Reply::Help,
            Action::Quit => Reply::Quit,
            Action::Open => match self.selected_step() {
                Some(s) => Reply::Over(Box::new(DetailState::from_record(&s.record)), vec![]),
                None => Reply::Done,
            },
            Action::Replay => forward(action, self.dlq_record()).unwrap_or_else(|| {
                cx.warn("this job has no DLQ record to replay");
                Reply::Done
            }),
            Action::Republish => forward(action, self.request_record()).unwrap_or_else(|| {
                cx.warn("no request of this job was found on the request topics (topics.request)");
                Reply::Done
            }),
            Action::Export => {
                let records: Vec<Record> =
                    self.timeline.steps.iter().map(|s| s.record.clone()).collect();
                Reply::ExportRecords(format!("timeline {}", self.label), records)
            }
            _ => Reply::Done,
        }
    }

    /// The search worker's news for this timeline (open or under another modal).
    fn on_event(&mut self, ev: KafkaEvent, _cx: &mut Cx<'_>) -> Option<KafkaEvent> {
        match ev {
            KafkaEvent::JobSearch(u) if u.gen() == self.gen => {
                self.on_search(u);
                None
            }
            other => Some(other),
        }
    }

    fn closing(&mut self) -> Vec<Effect> {
        vec![Effect::CancelJobSearch]
    }

    fn hints(&self) -> &'static [Hint] {
        Self::HINTS
    }

    fn draw(&self, f: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &DrawCx<'_>) {
        view::draw(f, area, self, cx.theme)
    }

    crate::tui::app::component::modal_any!();
}

impl TimelineView {
    fn on_search(&mut self, u: JobSearchUpdate) {
        let since = match &self.search {
            Search::Running { since_ms, .. } | Search::Done { since_ms, .. } => *since_ms,
            Search::Failed(_) => return,
        };
        match u {
            JobSearchUpdate::Progress { scanned, found, .. } => {
                if let Search::Running {
                    scanned: s,
                    found: f,
                    ..
                } = &mut self.search
                {
                    (*s, *f) = (scanned, found);
                }
            }
            JobSearchUpdate::Done { result: Ok(f), .. } => {
                let added = self.merge(f.steps);
                self.search = Search::Done {
                    since_ms: since,
                    scanned: f.scanned,
                    added,
                    stopped: f.stopped,
                    warning: f.warnings.into_iter().next(),
                };
            }
            JobSearchUpdate::Done { result: Err(e), .. } => self.search = Search::Failed(e),
        }
    }
}

/// The outcome in words with the end-to-end latency, or how long it has been running.
pub fn outcome_text(tl: &Timeline) -> String {
    let dur = |ms: i64| {
        crate::codec::text::delta_text(ms)
            .trim_start_matches('+')
            .to_string()
    };
    match (tl.outcome, tl.latency_ms) {
        (Outcome::StillRunning, _) => format!(
            "still open (last status {}, {} after the start)",
            tl.last_status.as_deref().unwrap_or("unknown"),
            tl.span_ms().map_or("?".into(), dur)
        ),
        (o, Some(l)) => format!("{} · end-to-end {}", o.words(), dur(l)),
        (o, None) => format!("{} · end-to-end unknown (no timestamps)", o.words()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(topic: &str, source: Source, at: i64, offset: i64, value: &str) -> Step {
        crate::engine::job::test_step(topic, source, value, Some(at), offset)
    }

    fn view(steps: Vec<Step>) -> TimelineView {
        TimelineView::new(1, "j".into(), vec!["j".into()], steps, 0)
    }

    #[test]
    fn merging_adds_only_new_records_in_time_order_and_keeps_the_selection() {
        let st = |at, off| step("st", Source::Status, at, off, r#"{"status":"in_progress"}"#);
        let mut v = view(vec![st(2000, 1), st(3000, 2)]);
        v.selected = 1;
        let added = v.merge(vec![
            st(3000, 2),
            step("req", Source::Request, 1000, 0, "{}"),
            step("done", Source::Completion, 4000, 0, r#"{"status":"done"}"#),
        ]);
        assert_eq!(added, 2);
        let order: Vec<(&str, Option<i64>)> = v
            .timeline
            .steps
            .iter()
            .map(|s| (s.record.topic.as_str(), s.delta_ms))
            .collect();
        assert_eq!(
            order,
            [
                ("req", Some(0)),
                ("st", Some(1000)),
                ("st", Some(2000)),
                ("done", Some(3000))
            ]
        );
        assert_eq!(v.selected, 2, "still on st@2");
        assert_eq!(v.selected_step().unwrap().record.offset, 2);
        assert_eq!(outcome_text(&v.timeline), "completed · end-to-end 3.000s");
    }

    #[test]
    fn replay_takes_the_selected_dlq_record_else_the_last_and_republish_the_first_request() {
        let mut v = view(vec![
            step("req", Source::Request, 0, 0, "{}"),
            step("req", Source::Request, 10, 1, "{}"),
            step("dlq", Source::Dlq, 20, 0, "{}"),
            step("dlq", Source::Dlq, 30, 1, "{}"),
        ]);
        assert_eq!(v.dlq_record().map(|r| r.offset), Some(1));
        assert_eq!(v.request_record().map(|r| r.offset), Some(0));
        v.selected = 2;
        assert_eq!(v.dlq_record().map(|r| r.offset), Some(0));
        v.selected = 1;
        assert_eq!(v.request_record().map(|r| r.offset), Some(1));
        assert_eq!(
            outcome_text(&v.timeline),
            "dead-lettered (DLQ) · end-to-end 0.030s"
        );
        let open = view(vec![step(
            "st",
            Source::Status,
            0,
            0,
            r#"{"status":"running"}"#,
        )]);
        assert!(open.dlq_record().is_none() && open.request_record().is_none());
        assert_eq!(
            outcome_text(&open.timeline),
            "still open (last status running, 0.000s after the start)"
        );
    }
}
