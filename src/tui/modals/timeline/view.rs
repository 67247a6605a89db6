//! Draws a job's timeline: the outcome, the search's progress, then one row per record.

use super::{outcome_text, Search, TimelineView};
use crate::codec::sanitize::cell;
use crate::codec::text::{clock_time, fit, human_count, topic_at};
use crate::engine::job::stuck::Source;
use crate::engine::job::{Outcome, Step};
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, v: &TimelineView, theme: &Theme) {
    let rect = crate::tui::modals::centered(area, 94, 86);
    let w = rect.width.saturating_sub(2) as usize;
    let tl = &v.timeline;
    let outcome_style = match tl.outcome {
        Outcome::Completed => Style::default().fg(theme.ok),
        Outcome::Failed | Outcome::DeadLettered => Style::default().fg(theme.failed),
        Outcome::StillRunning => Style::default().fg(theme.progress),
    };
    let others: Vec<&str> = v.ids.iter().skip(1).map(String::as_str).collect();
    let mut lines = vec![
        Line::from(vec![
            Span::styled("outcome  ", Style::default().fg(theme.header)),
            Span::styled(outcome_text(tl), outcome_style.add_modifier(Modifier::BOLD)),
            Span::styled(
                format!(" · {} record(s)", tl.steps.len()),
                Style::default().fg(theme.muted),
            ),
        ]),
        Line::from(vec![
            Span::styled("ids      ", Style::default().fg(theme.header)),
            Span::raw(cell(
                &if others.is_empty() {
                    v.label.clone()
                } else {
                    format!("{} (also {})", v.label, others.join(", "))
                },
                w.saturating_sub(9),
            )),
        ]),
        search_line(&v.search, theme, w),
        header_line(theme, w),
    ];
    let visible = (rect.height as usize).saturating_sub(6).max(1);
    let first = (v.selected + 1).saturating_sub(visible);
    for (i, s) in tl.steps.iter().enumerate().skip(first).take(visible) {
        lines.push(step_line(s, i == v.selected, theme, w));
    }
    if tl.steps.is_empty() {
        lines.push(Line::from(Span::styled(
            " no record of this job in memory yet",
            Style::default().fg(theme.muted),
        )));
    }
    let block = crate::tui::widgets::dialog::block(cell(&format!(" Timeline of job {} ", v.label), w), theme);
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| Line::from(crate::tui::widgets::spans::fit_spans(l.spans, w)))
        .collect();
    let inner = crate::tui::widgets::dialog::frame(f, rect, block);
    f.render_widget(Paragraph::new(lines), inner);
}

fn search_line(s: &Search, theme: &Theme, w: usize) -> Line<'static> {
    let (text, style) = match s {
        Search::Running {
            since_ms,
            scanned,
            found,
            stopping,
        } => (
            format!(
                "searching the job's topics {}: {} records read, {found} of the job · {}",
                since_text(*since_ms),
                human_count(*scanned as i64),
                if *stopping {
                    "stopping…"
                } else {
                    "esc stops"
                }
            ),
            Style::default().fg(theme.warn),
        ),
        Search::Done {
            since_ms,
            scanned,
            added,
            stopped,
            warning,
        } => (
            format!(
                "{} the job's topics {}: {} records read, {added} more found{}",
                if *stopped {
                    "stopped searching"
                } else {
                    "searched"
                },
                since_text(*since_ms),
                human_count(*scanned as i64),
                warning
                    .as_ref()
                    .map_or(String::new(), |w| format!(" · ⚠ {w}"))
            ),
            Style::default().fg(theme.muted),
        ),
        Search::Failed(e) => (
            format!("the search on the topics failed: {e} (shown: records in memory)"),
            Style::default().fg(theme.failed),
        ),
    };
    Line::from(vec![
        Span::styled("search   ", Style::default().fg(theme.header)),
        Span::styled(cell(&text, w.saturating_sub(9)), style),
    ])
}

fn since_text(ms: i64) -> String {
    if ms <= 0 {
        "from the beginning".into()
    } else {
        format!("since {} UTC", clock_time(ms))
    }
}

const COLS: [usize; 6] = [9, 12, 10, 30, 5, 14];

fn header_line(theme: &Theme, w: usize) -> Line<'static> {
    let [a, b, c, d, e, g] = COLS;
    Line::from(Span::styled(
        fit(
            &format!(
                " {:<a$} {:<b$} {:<c$} {:<d$} {:>e$} {:<g$} summary",
                "delta", "time (UTC)", "kind", "topic/partition@offset", "prog", "status"
            ),
            w,
        ),
        Style::default()
            .fg(theme.header)
            .add_modifier(Modifier::BOLD),
    ))
}

fn kind_word(s: Source) -> &'static str {
    match s {
        Source::Request => "request",
        Source::Status => "status",
        Source::Completion => "completion",
        Source::Dlq => "DLQ",
    }
}

fn step_line(s: &Step, selected: bool, theme: &Theme, w: usize) -> Line<'static> {
    let [a, b, c, d, e, g] = COLS;
    let r = &s.record;
    let time = r.timestamp_ms.map_or("(no time)".into(), |t| {
        chrono::DateTime::from_timestamp_millis(t)
            .map(|x| x.format("%H:%M:%S%.3f").to_string())
            .unwrap_or_default()
    });
    let pos = format!("/{}@{}", r.partition, r.offset);
    let status = r.decoded.status.as_deref().unwrap_or("-");
    let used = 1 + a + b + c + d + e + g + 6;
    let mut spans = vec![
        Span::raw(format!(
            " {:<a$} {:<b$} ",
            s.delta_ms
                .map_or("?".into(), crate::codec::text::delta_text),
            time
        )),
        Span::styled(
            format!("{:<c$} ", kind_word(s.source)),
            match s.source {
                Source::Dlq => Style::default().fg(theme.failed),
                Source::Request => Style::default().fg(theme.accent),
                _ => Style::default().fg(theme.text),
            },
        ),
        Span::raw(format!(
            "{:<d$} {:>e$} ",
            topic_at(&crate::codec::sanitize::clean(&r.topic), &pos, d),
            s.progress.map_or(String::new(), |p| format!("{p:.0}%"))
        )),
        Span::styled(
            format!("{:<g$} ", cell(status, g)),
            theme.status(r.decoded.status_class),
        ),
        Span::raw(cell(&r.decoded.summary, w.saturating_sub(used))),
    ];
    if selected {
        spans = spans
            .into_iter()
            .map(|sp| sp.patch_style(theme.selected()))
            .collect();
    }
    Line::from(spans)
}
