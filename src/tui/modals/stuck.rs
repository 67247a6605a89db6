//! Stuck jobs: what the tracking (`kafka::jobs::JobWatch`, in the stream reader) last reported, as a list, the
//! longest silent first, with each job's last known status and how long it has been silent.
//! Enter opens a job's timeline.

use crate::codec::sanitize::cell;
use crate::codec::text::{clock_time, fit, human_count, human_secs};
use crate::domain::StatusClass;
use crate::tui::app::action::Action;
use crate::tui::app::component::{Cx, DrawCx, Entry, Hint, Modal, Reply, Subject};
use crate::tui::keymap::Context;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub const ENTRY: Entry = Entry {
    context: "stuck",
    keys: concat!(
        crate::tui::app::component::nav_keys!(),
        r#"
"esc" = "close"
"q" = "close"
"enter" = "open"
"t" = "open"
"#
    ),
    dashboard_keys: r#""J" = "stuck_jobs""#,
    opens_on: &[Action::StuckJobs],
    open: |_, _, _| Reply::open(StuckView::default()),
};

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
        self.selected = crate::tui::app::component::nav_row(self.selected, action, page, len);
    }
}

/// The line above the list: how many are stuck, and after how long a silence.
fn summary(s: &DrawCx<'_>) -> String {
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

impl Modal for StuckView {
    fn context(&self) -> Context {
        Context::named(ENTRY.context)
    }

    /// Enter opens the selected job's timeline over the list.
    fn handle(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply {
        let jobs = cx.jobs.report.as_ref().map_or(&[][..], |r| &r.jobs[..]);
        match action {
            Action::Close => Reply::Close,
            Action::Help => Reply::Help,
            Action::Quit => Reply::Quit,
            Action::Open | Action::Timeline => {
                let Some(j) = jobs.get(self.selected.min(jobs.len().saturating_sub(1))) else {
                    return Reply::Done;
                };
                Reply::Forward {
                    action: Action::Timeline,
                    subject: Subject::Job {
                        label: j.id.clone(),
                        ids: j.ids.clone(),
                        near_ms: Some(j.opened_ms),
                    },
                    over: true,
                }
            }
            a => {
                self.nav(a, cx.page, jobs.len());
                Reply::Done
            }
        }
    }

    fn hints(&self) -> &'static [Hint] {
        Self::HINTS
    }

    fn draw(&self, f: &mut Frame, area: Rect, cx: &DrawCx<'_>) {
        draw(f, area, self, cx, cx.theme)
    }

    crate::tui::app::component::modal_any!();
}

pub fn draw(f: &mut Frame, area: Rect, v: &StuckView, s: &DrawCx<'_>, theme: &Theme) {
    let rect = super::centered(area, 92, 80);
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
    let inner = crate::tui::widgets::dialog::frame(f, rect, crate::tui::widgets::dialog::block(title, theme));
    f.render_widget(Paragraph::new(lines), inner);
}
