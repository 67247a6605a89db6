use crate::codec::sanitize::{cell, clean};
use crate::codec::text::{fit, human_count, human_secs};
use crate::domain::Role;
use crate::tui::app::state::Jobs;
use crate::tui::panes::metrics::MetricsPane;
use crate::tui::panes::stream::StreamPane;
use crate::tui::theme::Theme;
use crate::tui::widgets::spark::spark;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// What the metrics pane shows: its own counts, the record panes' rate meters and the stuck
/// jobs report.
pub struct MetricsView<'a> {
    pub metrics: &'a MetricsPane,
    pub streams: &'a [StreamPane; 3],
    pub jobs: &'a Jobs,
    pub now_ms: i64,
}

impl MetricsView<'_> {
    fn stream(&self, role: Role) -> &StreamPane {
        &self.streams[role.index()]
    }
}

pub fn draw(f: &mut Frame, area: Rect, state: &MetricsView<'_>, focused: bool, theme: &Theme) {
    let m = state.metrics;
    let w = area.width.saturating_sub(2) as usize;
    let spark_w = w.saturating_sub(30).clamp(8, 60);
    let step = spark_step(state, spark_w);
    let mut lines = rate_lines(state, theme, spark_w, step);
    service_lines(&mut lines, m, theme, spark_w, w);
    lines.push(mix_line(m, theme, w));
    facts(&mut lines, state, theme, w);
    let room = (area.height as usize).saturating_sub(2 + lines.len());
    for (_, r) in m.top_reasons(room) {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:>6}× ", human_count(r.count as i64)),
                Style::default().fg(theme.failed),
            ),
            Span::raw(cell(&r.example, w.saturating_sub(8))),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Line::from(vec![
            Span::styled(
                " Metrics ",
                Style::default()
                    .fg(theme.title)
                    .add_modifier(Modifier::BOLD),
            ),
            Span::styled(span_words(spark_w * step), Style::default().fg(theme.muted)),
        ]));
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| Line::from(crate::tui::widgets::spans::fit_spans(l.spans, w)))
        .collect();
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// Seconds a sparkline column sums: enough for the time seen so far to fill the width (one
/// second a column at first), at most 10 s, so the sparklines span minutes once there are
/// minutes to show (within the meters' 300 s).
fn spark_step(state: &MetricsView<'_>, spark_w: usize) -> usize {
    let seen = Role::ALL
        .iter()
        .map(|r| state.stream(*r).rate.seen_secs(state.now_ms))
        .max()
        .unwrap_or(0) as usize;
    seen.div_ceil(spark_w)
        .clamp(1, (300 / spark_w).clamp(1, 10))
}

fn span_words(span: usize) -> String {
    if span < 120 {
        format!("msgs/s over the last {span}s ")
    } else {
        format!("msgs/s over the last {}m ", (span + 30) / 60)
    }
}

/// End-to-end latency, stuck jobs and the DLQ's inflow.
fn facts(lines: &mut Vec<Line<'static>>, state: &MetricsView<'_>, theme: &Theme, w: usize) {
    let m = state.metrics;
    let lat = match m.latency {
        Some((p50, p95, n)) => {
            let basis: Vec<&str> = m.latency_basis.keys().map(String::as_str).collect();
            format!(
                "p50 {} p95 {} · n={n} · from {}",
                human_secs(p50 as f64 / 1000.0),
                human_secs(p95 as f64 / 1000.0),
                basis.join(", ")
            )
        }
        None => "no record carries both a start and an end time yet".into(),
    };
    lines.push(Line::from(vec![
        Span::styled("e2e    ", Style::default().fg(theme.header)),
        Span::raw(fit(&lat, w.saturating_sub(7))),
    ]));
    if let Some(r) = &state.jobs.report {
        lines.push(Line::from(vec![
            Span::styled("jobs   ", Style::default().fg(theme.header)),
            Span::styled(
                format!("{} stuck", human_count(r.stuck as i64)),
                Style::default().fg(if r.stuck > 0 { theme.warn } else { theme.ok }),
            ),
            Span::raw(format!(
                " (silent {} or more) · {} open",
                human_secs(r.after_ms as f64 / 1000.0),
                human_count(r.open as i64)
            )),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled("DLQ    ", Style::default().fg(theme.header)),
        Span::raw(format!(
            "{:.1}/s · {} since start · top reasons:",
            state.stream(Role::Dlq).rate.rate(state.now_ms, 30),
            human_count(m.dlq_total as i64)
        )),
    ]));
}

/// One sparkline line per stream: msgs/s over minutes, the rate now and the total.
fn rate_lines(
    state: &MetricsView<'_>,
    theme: &Theme,
    spark_w: usize,
    step: usize,
) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = Vec::new();
    for role in Role::ALL {
        let meter = &state.stream(role).rate;
        let secs = meter.series(state.now_ms, spark_w * step + 1);
        let series: Vec<f64> = secs[..secs.len() - 1] // the current second is still filling
            .chunks(step)
            .map(|c| c.iter().sum::<u64>() as f64 / step as f64)
            .collect();
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "{:<6} ",
                    match role {
                        Role::Completion => "compl",
                        Role::Status => "status",
                        Role::Dlq => "dlq",
                    }
                ),
                Style::default().fg(theme.header),
            ),
            Span::styled(spark(&series, spark_w), Style::default().fg(theme.accent)),
            Span::raw(format!(
                " {:>6.1}/s {:>7}",
                meter.rate(state.now_ms, 5),
                human_count(meter.total as i64)
            )),
        ]));
    }
    lines
}

/// The services' own series under the topics' rates: a line naming the service (or why its
/// last scrape failed), then one per series: the series as configured, a sparkline of its
/// values (one per scrape) and the value now (a counter as a rate per second).
fn service_lines(
    lines: &mut Vec<Line<'static>>,
    m: &MetricsPane,
    theme: &Theme,
    spark_w: usize,
    w: usize,
) {
    for svc in &m.services {
        let name = Span::styled(
            format!("{} ", clean(&svc.name)),
            Style::default().fg(theme.header),
        );
        let rest = w.saturating_sub(svc.name.chars().count() + 1);
        lines.push(Line::from(match &svc.error {
            Some(e) => vec![
                name,
                Span::styled(cell(e, rest), Style::default().fg(theme.warn)),
            ],
            None => vec![name],
        }));
        for s in &svc.series {
            let values: Vec<f64> = s.history.iter().copied().collect();
            let now = match (s.value, s.per_second) {
                (Some(v), true) => format!("{}/s", short(v)),
                (Some(v), false) => short(v),
                (None, _) if svc.at_ms.is_none() => "…".into(),
                (None, _) => "-".into(),
            };
            let text_w = s.text.chars().count().min(spark_w * 2 / 3).clamp(8, 48);
            let spark_left = (7 + spark_w).saturating_sub(2 + text_w + 1).max(4);
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(
                    fit(&clean(&s.text), text_w),
                    Style::default().fg(theme.muted),
                ),
                Span::raw(" "),
                Span::styled(
                    spark(&values, spark_left),
                    Style::default().fg(theme.accent),
                ),
                Span::raw(format!(" {now:>9}")),
            ]));
        }
    }
}

/// A value in at most 9 characters: 3 significant digits, k/M/G past 10,000.
fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e10 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e7 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The status mix, most frequent first, as many as fit.
fn mix_line<'a>(m: &MetricsPane, theme: &Theme, w: usize) -> Line<'a> {
    // Status mix, most frequent first.
    let mut words: Vec<_> = m.status_words.iter().collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.1 .1));
    let mut mix = vec![Span::styled("mix    ", Style::default().fg(theme.header))];
    let mut used = 7;
    for (word, (class, n)) in words {
        let s = format!("{} {} ", clean(word), human_count(*n as i64));
        let sw = unicode_width::UnicodeWidthStr::width(s.as_str());
        if used + sw > w {
            break;
        }
        used += sw;
        mix.push(Span::styled(s, theme.status(*class)));
    }
    if mix.len() == 1 {
        mix.push(Span::styled(
            "no status fields seen yet",
            Style::default().fg(theme.muted),
        ));
    }
    Line::from(mix)
}
