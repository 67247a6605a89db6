//! Draws the replay dialog. Reads only.

use super::{Field, ReplayDialog, Stage};
use crate::codec::text::fit;
use crate::domain::replay::{PlanItem, ReplayPlan, ReplayProgress};
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, d: &ReplayDialog, theme: &Theme) {
    let rect = crate::tui::modals::centered(area, 90, 90);
    let title = format!(" Replay {} ", d.scope.what);
    let inner = crate::tui::widgets::dialog::frame(f, rect, crate::tui::widgets::dialog::block(title, theme));
    let [body, options, bottom] = Layout::vertical([
        Constraint::Min(4),
        Constraint::Length(5),
        Constraint::Length(3),
    ])
    .areas(inner);
    let lines = match &d.stage {
        Stage::Planning => vec![muted(theme, "reading the DLQ for the dry run…")],
        Stage::Error(e) => vec![Line::styled(
            format!("cannot replay: {e}"),
            Style::default().fg(theme.failed),
        )],
        Stage::Ready(plans) => plan_lines(d, plans, theme, body.width as usize),
        Stage::Sending { plans, .. } => plan_lines(d, plans, theme, body.width as usize),
        Stage::Done(sums) => done_lines(d, sums, theme),
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    draw_options(f, options, d, theme);
    draw_progress(f, bottom, d, theme);
}

fn muted<'a>(theme: &Theme, s: &str) -> Line<'a> {
    Line::styled(s.to_string(), Style::default().fg(theme.muted))
}

/// A labelled line; the value may come from record bytes (key, value, reasons), so it goes
/// through the sanitiser.
fn label<'a>(theme: &Theme, l: &str, v: String) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{l:<12}"), Style::default().fg(theme.header)),
        Span::raw(crate::codec::sanitize::clean(&v).into_owned()),
    ])
}

fn plan_lines<'a>(
    d: &ReplayDialog,
    plans: &[ReplayPlan],
    theme: &Theme,
    width: usize,
) -> Vec<Line<'a>> {
    let total: u64 = plans.iter().map(|p| p.total).sum();
    let mut out = vec![label(
        theme,
        "dry run",
        format!(
            "{total} message(s) from {} · run {}",
            plans
                .iter()
                .map(|p| format!("{} ({})", p.request.dlq, p.total))
                .collect::<Vec<_>>()
                .join(", "),
            plans.first().map_or("", |p| p.run_id.as_str())
        ),
    )];
    let mut targets = std::collections::BTreeMap::<String, u64>::new();
    let mut reasons = std::collections::BTreeMap::<String, u64>::new();
    for p in plans {
        for (t, n) in &p.per_target {
            *targets.entry(t.clone()).or_default() += n;
        }
        for (r, n) in &p.per_reason {
            *reasons.entry(r.clone()).or_default() += n;
        }
    }
    let list = |m: &std::collections::BTreeMap<String, u64>| {
        let mut v: Vec<_> = m.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1));
        v.iter()
            .map(|(k, n)| format!("{} ← {n}", crate::codec::text::fit(k, 48).trim_end()))
            .collect::<Vec<_>>()
            .join(" · ")
    };
    out.push(label(theme, "targets", list(&targets)));
    out.push(label(theme, "reasons", list(&reasons)));
    for p in plans {
        if let Some(c) = &p.partitioner {
            let who = if plans.len() > 1 {
                format!("{}: ", p.request.dlq)
            } else {
                String::new()
            };
            out.push(label(theme, "partitioner", format!("{who}{}", c.why)));
        }
    }
    let unsendable: u64 = plans.iter().map(|p| p.unsendable).sum();
    if unsendable > 0 {
        out.push(Line::styled(
            format!("{unsendable} message(s) have no target: give one in the target field"),
            Style::default().fg(theme.warn),
        ));
    }
    let before: u64 = plans.iter().map(|p| p.replayed_before).sum();
    if before > 0 {
        let s = if d.again_asked {
            format!("{before} were replayed before: press enter again to replay them again")
        } else {
            format!("{before} were replayed before (↻): sending asks once more")
        };
        out.push(Line::styled(s, Style::default().fg(theme.warn)));
    }
    for w in plans.iter().flat_map(|p| p.warnings.iter()).take(3) {
        out.push(Line::styled(w.clone(), Style::default().fg(theme.warn)));
    }
    if let Some(first) = plans.iter().find_map(|p| p.first.as_ref()) {
        out.push(muted(theme, "first message as it will be sent:"));
        out.extend(item_lines(first, theme, width));
    }
    out
}

fn item_lines<'a>(it: &PlanItem, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let text = |b: &Option<Vec<u8>>| match b {
        None => "(null)".to_string(),
        Some(v) => crate::domain::bytes_display(v, 2000),
    };
    let target = match (&it.target.topic, it.target.partition) {
        (Some(t), Some(p)) => format!("{t} partition {p}"),
        (Some(t), None) => format!("{t} (the key decides the partition)"),
        (None, _) => "no target".to_string(),
    };
    let mut out = vec![
        label(
            theme,
            "  to",
            format!("{target} · because of {}", it.target.why.describe()),
        ),
        label(theme, "  key", text(&it.key)),
    ];
    // One header a line, and a JSON value pretty-printed: what wraps stays indented under
    // its label, so the labels' column reads down the dialog.
    let headers = it.headers.iter().map(|(k, v)| format!("{k}={}", text(v)));
    let mut tag = "  headers";
    for h in headers {
        out.extend(indented(theme, tag, &h, width));
        tag = "";
    }
    if it.headers.is_empty() {
        out.push(label(theme, "  headers", "(none)".into()));
    }
    let decoded = it
        .value
        .as_deref()
        .and_then(|v| {
            crate::codec::decode::wire::preview(&it.source.topic, v, std::time::Duration::ZERO)
        });
    if let Some((_, what)) = &decoded {
        out.push(muted(theme, &format!("{:12}{what}", "")));
    }
    let value = match &decoded {
        Some((json, _)) => pretty_json(Some(json.as_bytes())),
        None => pretty_json(it.value.as_deref()),
    }
    .unwrap_or_else(|| text(&it.value));
    let mut tag = "  value";
    for (i, l) in value.lines().enumerate() {
        if i == VALUE_LINES {
            let more = value.lines().count() - VALUE_LINES;
            out.push(muted(theme, &format!("{:12}… {more} more line(s)", "")));
            break;
        }
        out.extend(indented(theme, tag, l, width));
        tag = "";
    }
    out
}

/// Lines of a pretty-printed value shown at most.
const VALUE_LINES: usize = 40;

/// A JSON object or array, pretty-printed; None for anything else.
fn pretty_json(v: Option<&[u8]>) -> Option<String> {
    let v = v.filter(|v| v.len() <= 64 * 1024)?;
    let j: serde_json::Value = serde_json::from_slice(v).ok()?;
    (j.is_object() || j.is_array())
        .then(|| serde_json::to_string_pretty(&j).ok())
        .flatten()
}

/// `text` under a 12-column label, cut into lines of the room left, every line after the
/// first indented to the text's column.
fn indented<'a>(theme: &Theme, l: &str, text: &str, width: usize) -> Vec<Line<'a>> {
    let clean = crate::codec::sanitize::clean(text);
    let room = width.saturating_sub(LABEL_W).max(8);
    let mut out = Vec::new();
    for (i, chunk) in crate::codec::text::chunks(&clean, room).into_iter().enumerate() {
        let tag = if i == 0 { l } else { "" };
        out.push(Line::from(vec![
            Span::styled(format!("{tag:<LABEL_W$}"), Style::default().fg(theme.header)),
            Span::raw(chunk),
        ]));
    }
    out
}

/// The label column's width.
const LABEL_W: usize = 12;

fn done_lines<'a>(
    d: &ReplayDialog,
    sums: &[crate::domain::replay::ReplaySummary],
    theme: &Theme,
) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    for s in sums {
        let style = if s.ok() {
            Style::default().fg(theme.ok)
        } else {
            Style::default().fg(theme.failed)
        };
        let mut line = format!(
            "run {}: {} acknowledged, {} failed of {} from {} in {:.1} s",
            s.run_id,
            s.acked,
            s.failed,
            s.total,
            s.dlq,
            s.elapsed_ms as f64 / 1000.0
        );
        if s.cancelled {
            line.push_str(" · cancelled");
        }
        if s.skipped_acked + s.found_on_target > 0 {
            line.push_str(&format!(
                " · {} already on the target",
                s.skipped_acked + s.found_on_target
            ));
        }
        out.push(Line::styled(line, style));
        if let Some(why) = &s.stopped_early {
            out.push(Line::styled(
                format!("stopped early: {why}"),
                Style::default().fg(theme.failed),
            ));
        }
        for (t, c) in &s.per_target {
            out.push(muted(
                theme,
                &format!("  {t}: {} acknowledged, {} failed", c.acked, c.failed),
            ));
        }
    }
    for fl in d.failures.iter().take(8) {
        out.push(Line::styled(
            format!(
                "  {} → {}: {}",
                fl.source,
                fl.target.as_deref().unwrap_or("-"),
                fl.error
            ),
            Style::default().fg(theme.failed),
        ));
    }
    out
}

fn draw_options(f: &mut Frame, area: Rect, d: &ReplayDialog, theme: &Theme) {
    let rows = Layout::vertical([Constraint::Length(1); 5]).split(area);
    let accent = Style::default().fg(theme.accent);
    let field = |f: &mut Frame,
                 r: Rect,
                 which: Field,
                 tf: &crate::tui::widgets::input::TextField,
                 l: &str| {
        tf.draw(f, r, l, d.focus == Some(which), accent);
    };
    field(
        f,
        rows[0],
        Field::Target,
        &d.target,
        "target override (empty: origin)",
    );
    field(
        f,
        rows[1],
        Field::Rate,
        &d.rate,
        "rate msgs/s (empty: unlimited)",
    );
    if d.scope.single_value.is_some() {
        field(f, rows[2], Field::Value, &d.value, "value");
    } else {
        f.render_widget(
            muted(theme, "value: kept as is (one text message can be edited)"),
            rows[2],
        );
    }
    let on = |b: bool| if b { "on" } else { "off" };
    f.render_widget(
        Line::from(format!(
            "stop on first error: {} · keep origin partition: {}",
            on(d.stop_on_error),
            on(d.keep_partition)
        )),
        rows[3],
    );
    let error = [&d.target, &d.rate, &d.value]
        .iter()
        .find_map(|t| t.error.clone());
    if let Some(e) = error {
        f.render_widget(Line::styled(e, Style::default().fg(theme.failed)), rows[4]);
    }
}

fn draw_progress(f: &mut Frame, area: Rect, d: &ReplayDialog, theme: &Theme) {
    let Stage::Sending { progress, .. } = &d.stage else {
        return;
    };
    let sum = progress.iter().fold(ReplayProgress::default(), |mut a, p| {
        a.total += p.total;
        a.sent += p.sent;
        a.acked += p.acked;
        a.failed += p.failed;
        a.skipped += p.skipped;
        a.rate += p.rate;
        a.eta_secs = match (a.eta_secs, p.eta_secs) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        };
        a
    });
    let done = sum.acked + sum.failed + sum.skipped;
    let ratio = if sum.total == 0 {
        0.0
    } else {
        (done as f64 / sum.total as f64).clamp(0.0, 1.0)
    };
    let eta = sum.eta_secs.map_or(String::new(), |s| {
        format!(" · ETA {}", crate::codec::text::human_secs(s))
    });
    let text = format!(
        "sent {} / {} · acknowledged {} · failed {} · {:.0}/s{eta}{}",
        sum.sent,
        sum.total,
        sum.acked,
        sum.failed,
        sum.rate,
        if d.cancelling {
            " · cancelling…"
        } else {
            ""
        }
    );
    let rows = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).split(area);
    f.render_widget(
        Gauge::default()
            .gauge_style(Style::default().fg(theme.accent))
            .ratio(ratio),
        rows[0],
    );
    f.render_widget(Line::from(fit(&text, area.width as usize)), rows[1]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(l: &Line) -> String {
        l.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn wrapped_text_stays_under_its_label_and_json_is_pretty() {
        let theme = Theme::load_with("default", false).unwrap();
        let lines = indented(&theme, "  headers", &"x".repeat(40), 30);
        let got: Vec<String> = lines.iter().map(text).collect();
        assert_eq!(
            got,
            vec![
                format!("  headers   {}", "x".repeat(18)),
                format!("{}{}", " ".repeat(12), "x".repeat(18)),
                format!("{}{}", " ".repeat(12), "x".repeat(4)),
            ]
        );
        assert_eq!(
            pretty_json(Some(br#"{"a":[1,2]}"#)).as_deref(),
            Some("{\n  \"a\": [\n    1,\n    2\n  ]\n}")
        );
        assert_eq!(pretty_json(Some(b"plain")), None);
        assert_eq!(pretty_json(Some(b"42")), None);
    }
}
