//! Stuck jobs: what the tracking (`kafka::jobs::JobWatch`, in the stream reader) last reported, as a list, the
//! longest silent first, with each job's last known status and how long it has been silent.
//! Enter opens a job's timeline.

use crate::codec::sanitize::cell;
use crate::codec::text::{clock_time, fit, human_count, human_secs};
use crate::domain::{Role, StatusClass};
use crate::engine::job::stuck::{Source, StuckReport};
use crate::engine::job::Identity;
use crate::support::config::Config;
use crate::tui::app::action::Action;
use crate::tui::app::component::Hint;
use crate::tui::app::state::State;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// What the dashboard knows about jobs: how to tell them apart, where each topic sits in a
/// job's life, and the watcher's last report.
pub struct Jobs {
    pub identity: Identity,
    pub lifecycle: Vec<(String, Source)>,
    pub stuck_after_ms: i64,
    /// None until the watcher reports (about a second after start).
    pub report: Option<StuckReport>,
}

impl Jobs {
    pub fn new(cfg: &Config) -> Jobs {
        Jobs {
            identity: cfg.jobs.identity.clone(),
            lifecycle: cfg.topics.lifecycle(),
            stuck_after_ms: cfg.jobs.stuck_after_ms,
            report: None,
        }
    }

    pub fn stuck_count(&self) -> usize {
        self.report.as_ref().map_or(0, |r| r.stuck)
    }

    /// The kind of a topic in a job's life; a topic not in the profile's lists is its pane's.
    pub fn source_of(&self, topic: &str, role: Role) -> Source {
        self.lifecycle
            .iter()
            .find(|(t, _)| t == topic)
            .map_or(Source::from(role), |(_, k)| *k)
    }
}

#[derive(Clone, Debug, Default)]
pub struct StuckView {
    pub selected: usize,
}

impl StuckView {
    pub const HINTS: &'static [Hint] = &[
        (Action::Open, "timeline"),
        (Action::Down, "move"),
        (Action::Close, "close"),
    ];

    /// Moves the selection within `len` rows.
    pub fn nav(&mut self, action: Action, page: isize, len: usize) {
        let max = len.saturating_sub(1);
        self.selected = match action {
            Action::Top => 0,
            Action::Bottom => max,
            a => match crate::tui::app::component::nav_delta(a, page) {
                Some(d) => (self.selected as isize + d).clamp(0, max as isize) as usize,
                None => self.selected,
            },
        }
        .min(max);
    }
}

/// The line above the list: how many are stuck, and after how long a silence.
fn summary(s: &State) -> String {
    let after = human_secs(s.jobs.stuck_after_ms as f64 / 1000.0);
    match &s.jobs.report {
        None => "waiting for the first count of open jobs…".into(),
        Some(r) => {
            let mut t = format!(
                "{} stuck (silent {after} or more) · {} open job(s) tracked",
                human_count(r.stuck as i64),
                human_count(r.open as i64)
            );
            if r.evicted > 0 {
                t.push_str(&format!(
                    " · {} dropped untracked (more open than jobs.max_open)",
                    human_count(r.evicted as i64)
                ));
            }
            if r.jobs.len() < r.stuck {
                t.push_str(&format!(" · the {} longest silent shown", r.jobs.len()));
            }
            t
        }
    }
}

pub fn draw(f: &mut Frame, area: Rect, v: &StuckView, s: &State, theme: &Theme) {
    let rect = super::centered(area, 92, 80);
    f.render_widget(Clear, rect);
    let w = rect.width.saturating_sub(2) as usize;
    let mut lines = vec![
        Line::from(Span::styled(
            fit(&summary(s), w),
            Style::default().fg(theme.muted),
        )),
        Line::from(Span::styled(
            fit(
                &format!(
                    " {:<9} {:<9} {:<9} {:<16} {}",
                    "silent", "opened", "last", "last status", "job (other ids)"
                ),
                w,
            ),
            Style::default()
                .fg(theme.header)
                .add_modifier(Modifier::BOLD),
        )),
    ];
    let jobs = s.jobs.report.as_ref().map_or(&[][..], |r| &r.jobs[..]);
    if jobs.is_empty() && s.jobs.report.is_some() {
        lines.push(Line::from(Span::styled(
            " no stuck job: every job requested or in progress spoke within that time",
            Style::default().fg(theme.ok),
        )));
    }
    let visible = (rect.height as usize).saturating_sub(4).max(1);
    let sel = v.selected.min(jobs.len().saturating_sub(1));
    let first = (sel + 1).saturating_sub(visible);
    for (i, j) in jobs.iter().enumerate().skip(first).take(visible) {
        let silent = human_secs((s.now_ms - j.last_ms).max(0) as f64 / 1000.0);
        let others: Vec<&str> = j.ids.iter().skip(1).map(String::as_str).collect();
        let ids = if others.is_empty() {
            j.id.clone()
        } else {
            format!("{} ({})", j.id, others.join(", "))
        };
        let class = StatusClass::from_word(&j.last_status);
        let mut spans = vec![
            Span::raw(format!(
                " {:<9} {:<9} {:<9} ",
                silent,
                clock_time(j.opened_ms),
                clock_time(j.last_ms)
            )),
            Span::styled(
                format!("{:<16} ", cell(&j.last_status, 16)),
                theme.status(class),
            ),
            Span::raw(cell(&ids, w.saturating_sub(48))),
        ];
        if i == sel {
            spans = spans
                .into_iter()
                .map(|sp| sp.patch_style(theme.selected()))
                .collect();
        }
        lines.push(Line::from(crate::tui::widgets::spans::fit_spans(spans, w)));
    }
    let title = format!(" Stuck jobs ({}) ", s.jobs.stuck_count());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(
            title,
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ));
    f.render_widget(Paragraph::new(lines).block(block), rect);
}
