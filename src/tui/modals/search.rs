//! `s`: search the topics themselves, back in time. A query (jq, or plain text in any case) and
//! a range ("last 1h", "since X until Y", empty: everything, newest first); Enter starts the
//! scan in the search worker, Esc stops it. Matches fill a results table like the stream panes
//! (newest first, at most `MAX_MATCHES`), whose rows open the detail view.

use crate::codec::text::human_count;
use crate::domain::{Record, Role};
use crate::engine::search::range::TimeRange;
use crate::engine::search::{Progress, Query, SearchRequest, SearchUpdate, Summary, MAX_MATCHES};
use crate::support::config::Config;
use crate::tui::app::action::Action;
use crate::domain::event::KafkaEvent;
use crate::domain::work::JobIds;
use crate::tui::app::component::{nav_delta, Cx, DrawCx, Entry, Hint, Modal, Reply, Subject};
use crate::tui::app::effect::Effect;
use crate::tui::keymap::Context;
use crate::tui::modals::detail::DetailState;
use crate::tui::panes::stream::StreamPane;
use crate::tui::theme::Theme;
use crate::tui::widgets::input::TextField;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::Frame;

/// A matched value is kept up to this many bytes (or the panes' cap when smaller): 10,000
/// results of megabyte values would not be bounded in any useful sense.
pub const VALUE_CAP: usize = 64 * 1024;

/// What `s` searches, and what was typed last (the dialog opens with it).
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// (topic, is a DLQ topic).
    pub topics: Vec<(String, bool)>,
    pub value_cap: usize,
    pub last_query: String,
    pub last_range: String,
}

impl Scope {
    pub fn from_config(cfg: &Config) -> Scope {
        Scope {
            topics: cfg
                .topics
                .all()
                .into_iter()
                .map(|t| {
                    let dlq = cfg.topics.dlq.contains(&t);
                    (t, dlq)
                })
                .collect(),
            value_cap: cfg.ui.max_value_bytes.min(VALUE_CAP),
            last_query: String::new(),
            last_range: "last 1h".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Typing the query and range.
    Form,
    Running,
    /// Finished, stopped or failed; the results stay until the next search.
    Done,
}

pub struct SearchDialog {
    pub phase: Phase,
    pub query: TextField,
    pub range: TextField,
    /// 0: the query field, 1: the range field.
    pub field: usize,
    /// The dialog's job ids: news of any other search is dropped.
    ids: JobIds,
    pub job: u64,
    /// The last search started: what the results title names.
    pub request: Option<SearchRequest>,
    pub results: StreamPane,
    pub progress: Progress,
    pub outcome: Option<Result<Summary, String>>,
    /// A result opened over the table; Esc goes back to the table.
    pub detail: Option<DetailState>,
    pub detail_keys: String,
    scope: Scope,
    now_ms: i64,
    size: (u16, u16),
}

pub const ENTRY: Entry = Entry {
    context: "search",
    keys: concat!(
        crate::tui::app::component::nav_keys!(),
        r#"
"enter" = "confirm"
"esc" = "close"
"E" = "export"
"tab" = "next_field"
"backtab" = "prev_field"
"#
    ),
    dashboard_keys: r#""s" = "search""#,
    opens_on: &[Action::Search],
    open,
};

/// Opens the search dialog with the last query and range.
fn open(_: Action, _: Subject, cx: &mut Cx<'_>) -> Reply {
    if cx.search.topics.is_empty() {
        cx.warn("no topics are configured to search");
        return Reply::Done;
    }
    let ids = cx.job();
    let scope = cx.search.clone();
    Reply::open(SearchDialog {
        phase: Phase::Form,
        query: TextField::new(&scope.last_query),
        range: TextField::new(&scope.last_range),
        field: 0,
        ids,
        job: 0,
        request: None,
        results: StreamPane::new(Role::Completion, MAX_MATCHES),
        progress: Progress::default(),
        outcome: None,
        detail: None,
        detail_keys: String::new(),
        scope,
        now_ms: cx.now_ms,
        size: cx.size,
    })
}

impl Modal for SearchDialog {
    fn context(&self) -> Context {
        if self.detail.is_some() {
            Context::named(crate::tui::modals::detail::ENTRY.context)
        } else {
            Context::named(ENTRY.context)
        }
    }

    /// The last search's query and range are kept for the next dialog.
    fn handle(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply {
        let reply = self.on_key(action, cx.page);
        cx.search.last_query.clone_from(&self.scope.last_query);
        cx.search.last_range.clone_from(&self.scope.last_range);
        reply
    }

    /// Worker news for the current search; anything else is late and dropped.
    fn on_event(&mut self, ev: KafkaEvent, _cx: &mut Cx<'_>) -> Option<KafkaEvent> {
        match ev {
            KafkaEvent::Search(u) => {
                self.on_update(u);
                None
            }
            other => Some(other),
        }
    }

    fn hints(&self) -> &'static [Hint] {
        SearchDialog::hints(self)
    }

    fn focused_field(&mut self) -> Option<&mut TextField> {
        SearchDialog::focused_field(self)
    }

    /// The clock and the terminal size, for ranges typed as durations and the detail's
    /// wrapping.
    fn refit(&mut self, cx: &mut Cx<'_>) {
        self.now_ms = cx.now_ms;
        self.size = cx.size;
        self.detail_keys = cx.keymap.hint(
            Context::named(crate::tui::modals::detail::ENTRY.context),
            DetailState::HINTS,
        );
        if let Some(det) = &mut self.detail {
            det.fit_to(cx.size);
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, cx: &DrawCx<'_>) {
        draw(f, area, self, cx.theme)
    }

    crate::tui::app::component::modal_any!();
}

impl SearchDialog {
    const FORM_HINTS: &'static [Hint] = &[
        (Action::Confirm, "search"),
        (Action::NextField, "range"),
        (Action::Close, "close"),
    ];
    const RUNNING_HINTS: &'static [Hint] = &[
        (Action::Close, "stop"),
        (Action::Down, "scroll"),
        (Action::Confirm, "open"),
    ];
    const DONE_HINTS: &'static [Hint] = &[
        (Action::Confirm, "open"),
        (Action::Down, "scroll"),
        (Action::Export, "export"),
        (Action::Close, "new search"),
    ];

    pub fn hints(&self) -> &'static [Hint] {
        match (&self.detail, self.phase) {
            (Some(_), _) => DetailState::HINTS,
            (None, Phase::Form) => Self::FORM_HINTS,
            (None, Phase::Running) => Self::RUNNING_HINTS,
            (None, Phase::Done) => Self::DONE_HINTS,
        }
    }

    pub fn focused_field(&mut self) -> Option<&mut TextField> {
        match (self.phase, self.detail.is_some(), self.field) {
            (Phase::Form, false, 0) => Some(&mut self.query),
            (Phase::Form, false, _) => Some(&mut self.range),
            _ => None,
        }
    }

    pub fn on_key(&mut self, action: Action, page: isize) -> Reply {
        if let Some(d) = &mut self.detail {
            return match d.on_key(action, page) {
                Reply::Close => {
                    self.detail = None;
                    Reply::Done
                }
                // A result's job timeline opens over the results, which stay.
                Reply::Forward {
                    action, subject, ..
                } => Reply::Forward {
                    action,
                    subject,
                    over: true,
                },
                other => other,
            };
        }
        match self.phase {
            Phase::Form => self.handle_form(action),
            Phase::Running | Phase::Done => self.handle_results(action, page),
        }
    }

    fn handle_form(&mut self, action: Action) -> Reply {
        match action {
            Action::Close => Reply::Close,
            Action::NextField | Action::PrevField | Action::Up | Action::Down => {
                self.field = 1 - self.field.min(1);
                Reply::Done
            }
            Action::Confirm => self.start(),
            Action::Quit => Reply::Quit,
            _ => Reply::Done,
        }
    }

    fn handle_results(&mut self, action: Action, page: isize) -> Reply {
        if let Some(d) = nav_delta(action, page) {
            self.results.move_by(d);
            return Reply::Done;
        }
        match action {
            Action::Top => self.results.selected = 0,
            Action::Bottom => self.results.to_oldest(),
            Action::Confirm | Action::Open => {
                if let Some(r) = self.results.selected_record() {
                    let mut d = DetailState::from_record(r);
                    d.fit_to(self.size);
                    d.keys = self.detail_keys.clone();
                    self.detail = Some(d);
                }
            }
            // The first Esc stops a running scan (what it found stays); the next goes back
            // to the form.
            Action::Close if self.phase == Phase::Running => {
                self.phase = Phase::Done;
                return Reply::Effects(vec![Effect::CancelSearch]);
            }
            Action::Close => self.phase = Phase::Form,
            Action::Export => {
                // Oldest first, as `kdeck tail` writes them.
                let records: Vec<Record> = (0..self.results.len())
                    .rev()
                    .filter_map(|i| self.results.nth_newest(i).cloned())
                    .collect();
                return Reply::ExportRecords("search results".into(), records);
            }
            // Help would replace the dialog and drop its results (and a running scan's news).
            Action::Quit => return Reply::Quit,
            _ => {}
        }
        Reply::Done
    }

    /// Validates both fields; a valid search clears the results and goes to the worker.
    fn start(&mut self) -> Reply {
        let query = Query::parse(self.query.value());
        let range = TimeRange::parse(self.range.value(), self.now_ms);
        let (query, range) = match (query, range) {
            (Ok(q), Ok(r)) => (q, r),
            (q, r) => {
                self.query.error = q.err();
                self.range.error = r.err();
                self.field = if self.query.error.is_some() { 0 } else { 1 };
                return Reply::Done;
            }
        };
        self.scope.last_query = self.query.value().trim().to_string();
        self.scope.last_range = self.range.value().trim().to_string();
        self.job = self.ids.next_id();
        let request = SearchRequest {
            topics: self.scope.topics.clone(),
            query,
            range,
            max_matches: MAX_MATCHES,
            value_cap: self.scope.value_cap,
        };
        self.request = Some(request.clone());
        self.results = StreamPane::new(Role::Completion, MAX_MATCHES);
        self.progress = Progress::default();
        self.outcome = None;
        self.phase = Phase::Running;
        Reply::Effects(vec![Effect::Search {
            job: self.job,
            request: Box::new(request),
        }])
    }

    pub fn on_update(&mut self, u: SearchUpdate) {
        match u {
            SearchUpdate::Progress { job, progress } if job == self.job => {
                self.progress = progress;
            }
            SearchUpdate::Matches { job, records } if job == self.job => {
                // Each batch is older than what came before: it goes below, and a row the
                // user selected stays selected.
                for r in records {
                    if self.results.records.len() >= self.results.cap {
                        break;
                    }
                    self.results.records.push_front(r);
                }
            }
            SearchUpdate::Finished { job, result } if job == self.job => {
                if let Ok(s) = &result {
                    self.progress = s.progress;
                }
                self.outcome = Some(result);
                if self.phase == Phase::Running {
                    self.phase = Phase::Done;
                }
            }
            _ => {}
        }
    }
}

pub fn draw(f: &mut Frame, area: Rect, d: &SearchDialog, theme: &Theme) {
    let rect = super::centered(area, 96, 92);
    let title = format!(" search back: {} topic(s) ", d.scope.topics.len());
    let inner = crate::tui::widgets::dialog::frame(f, rect, crate::tui::widgets::dialog::block(title, theme));
    if inner.height < 4 {
        return;
    }
    let row = |i: u16| Rect::new(inner.x + 1, inner.y + i, inner.width.saturating_sub(2), 1);
    let form = d.phase == Phase::Form;
    let accent = Style::default().fg(theme.accent);
    d.query
        .draw(f, row(0), "find (jq or text)", form && d.field == 0, accent);
    d.range
        .draw(f, row(1), "range", form && d.field == 1, accent);
    f.render_widget(status_line(d, theme), row(2));
    let table = Rect::new(
        inner.x,
        inner.y + 3,
        inner.width,
        inner.height.saturating_sub(3),
    );
    crate::tui::panes::stream::view::draw_titled(
        f,
        table,
        &d.results,
        !form,
        theme,
        results_title(d, theme),
        &Default::default(),
        if form {
            "find: jq if it starts with . or (, else text (any case) · range: last 1h, since 2h until 1h, A..B, empty: all"
        } else {
            "no match yet"
        },
    );
    if let Some(det) = &d.detail {
        crate::tui::modals::detail::draw(f, area, det, theme);
    }
}

/// The fields' errors, else the scan's progress or outcome.
fn status_line<'a>(d: &SearchDialog, theme: &Theme) -> Line<'a> {
    let muted = Style::default().fg(theme.muted);
    if let Some(e) = d.query.error.as_ref().or(d.range.error.as_ref()) {
        return Line::styled(
            crate::codec::sanitize::clean(e).into_owned(),
            Style::default().fg(theme.failed),
        );
    }
    let p = &d.progress;
    let counts = format!(
        "{} of {} records scanned · {}/s · {} matched",
        human_count(p.scanned as i64),
        human_count(p.total as i64),
        human_count(p.per_sec as i64),
        human_count(p.matched as i64)
    );
    match (&d.outcome, d.phase) {
        (_, Phase::Form) if d.request.is_none() => Line::styled(
            "enter search · tab switch field · esc close",
            muted.add_modifier(Modifier::ITALIC),
        ),
        (None, Phase::Running) => Line::styled(format!("{} {counts}", bar(p, 20)), muted),
        (None, _) => Line::styled(format!("stopping… {counts}"), muted),
        (Some(Err(e)), _) => Line::styled(
            format!("search failed: {}", crate::codec::sanitize::clean(e)),
            Style::default().fg(theme.failed),
        ),
        (Some(Ok(s)), _) => {
            let how = if s.capped {
                format!("stopped at {} matches", human_count(MAX_MATCHES as i64))
            } else if s.cancelled {
                "stopped".to_string()
            } else {
                "done".to_string()
            };
            let warn = s
                .warnings
                .first()
                .map(|w| format!(" · ⚠ {w}"))
                .unwrap_or_default();
            Line::styled(
                format!(
                    "{how} in {:.1} s: {counts}{warn}",
                    s.elapsed_ms as f64 / 1000.0
                ),
                muted,
            )
        }
    }
}

/// "[██████░░░░] 61%" of the records in the range scanned.
fn bar(p: &Progress, width: usize) -> String {
    let frac = if p.total > 0 {
        (p.scanned as f64 / p.total as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let full = (frac * width as f64).round() as usize;
    format!(
        "[{}{}] {:>3.0}%",
        "█".repeat(full),
        "░".repeat(width - full),
        frac * 100.0
    )
}

fn results_title<'a>(d: &SearchDialog, theme: &Theme) -> Vec<Span<'a>> {
    let mut t = vec![Span::styled(
        " Results ",
        Style::default()
            .fg(theme.title)
            .add_modifier(Modifier::BOLD),
    )];
    if let Some(r) = &d.request {
        t.push(Span::styled(
            format!(
                "{} · {} · {} shown ",
                crate::codec::sanitize::clean(&crate::codec::text::fit(r.query.text(), 50)),
                r.range.describe(),
                d.results.len()
            ),
            Style::default().fg(theme.muted),
        ));
    }
    if matches!(&d.outcome, Some(Ok(s)) if s.capped) {
        t.push(Span::styled(
            format!(
                "capped at {} (newest kept) ",
                human_count(MAX_MATCHES as i64)
            ),
            Style::default().fg(theme.warn),
        ));
    }
    t
}
