//! The detail view of one record: where it sits, its headers, key and the value pretty-printed.

use crate::app::action::Action;
use crate::app::component::{nav_delta, Hint, Reply};
use crate::decode::pretty_value;
use crate::domain::{bytes_display, PayloadKind, Record};
use crate::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// Lines of a value shown at most; the rest is summarised.
const MAX_VALUE_LINES: usize = 20_000;

pub struct DetailState {
    pub title: String,
    /// (label, text); an empty label marks a body line.
    pub lines: Vec<(String, String)>,
    pub scroll: usize,
}

impl DetailState {
    pub fn from_record(r: &Record) -> DetailState {
        let mut lines: Vec<(String, String)> = Vec::new();
        let mut kv = |k: &str, v: String| lines.push((k.to_string(), v));
        kv("topic", r.topic.clone());
        kv("partition", r.partition.to_string());
        kv("offset", r.offset.to_string());
        kv(
            "timestamp",
            r.timestamp_ms
                .and_then(chrono::DateTime::from_timestamp_millis)
                .map(|t| {
                    format!(
                        "{} ({} ms)",
                        t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                        t.timestamp_millis()
                    )
                })
                .unwrap_or_else(|| "(none)".into()),
        );
        kv(
            "key",
            match &r.key {
                None => "(null)".into(),
                Some(k) => format!("{} ({} B)", bytes_display(k, 200), k.len()),
            },
        );
        let kind = match r.decoded.kind {
            PayloadKind::Null => "tombstone",
            PayloadKind::Empty => "empty",
            PayloadKind::Json => "JSON",
            PayloadKind::Text => "text (not JSON)",
            PayloadKind::Binary => "binary (not UTF-8), shown as hex",
        };
        let mut size = format!("{} B · {kind}", r.value_size);
        if r.truncated() {
            size.push_str(&format!(
                " · showing the first {} B (ui.max_value_bytes)",
                r.value.as_ref().map_or(0, |v| v.len())
            ));
        }
        kv("size", size);
        if let Some(t) = &r.decoded.event_type {
            kv("event type", t.clone());
        }
        if let Some(s) = &r.decoded.status {
            kv("status", s.clone());
        }
        if let Some(j) = &r.decoded.job_id {
            kv("job id", j.clone());
        }
        if let Some(o) = &r.decoded.dlq {
            for (label, value) in crate::decode::dlq::describe(o) {
                kv(label, value);
            }
        }
        kv("headers", format!("{}", r.headers.len()));
        for h in &r.headers {
            let v = match &h.value {
                None => "(null)".to_string(),
                Some(v) => bytes_display(v, 300),
            };
            kv(&format!("  {}", h.key), v);
        }
        lines.push(("value".into(), String::new()));
        let cut = r.truncated();
        // A cut value may no longer parse as JSON: show it as the text it is.
        for l in pretty_value(r.value.as_deref(), MAX_VALUE_LINES) {
            lines.push((String::new(), l));
        }
        if cut {
            lines.push((String::new(), "… (cut)".into()));
        }
        DetailState {
            title: format!("{}/{}@{}", r.topic, r.partition, r.offset),
            lines,
            scroll: 0,
        }
    }

    pub fn scroll_by(&mut self, delta: isize) {
        let max = self.lines.len().saturating_sub(1) as isize;
        self.scroll = (self.scroll as isize + delta).clamp(0, max) as usize;
    }

    pub const HINTS: &'static [Hint] = &[(Action::Close, "close"), (Action::Down, "scroll")];

    pub fn handle(&mut self, action: Action, page: isize) -> Reply {
        if let Some(d) = nav_delta(action, page * 2) {
            self.scroll_by(d);
            return Reply::Done;
        }
        match action {
            Action::Close | Action::Open => Reply::Close,
            Action::Top => {
                self.scroll = 0;
                Reply::Done
            }
            Action::Bottom => {
                self.scroll_by(isize::MAX / 2);
                Reply::Done
            }
            Action::Help => Reply::Help,
            Action::Quit => Reply::Quit,
            _ => Reply::Done,
        }
    }
}

pub fn draw(f: &mut Frame, area: Rect, d: &DetailState, theme: &Theme) {
    let rect = super::centered(area, 92, 90);
    f.render_widget(Clear, rect);
    let label_w = d
        .lines
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    let lines: Vec<Line> = d
        .lines
        .iter()
        .skip(d.scroll)
        .take(rect.height as usize)
        .map(|(label, text)| {
            if label.is_empty() {
                Line::from(Span::styled(
                    format!(" {text}"),
                    Style::default().fg(theme.text),
                ))
            } else {
                Line::from(vec![
                    Span::styled(
                        format!(" {label:<label_w$}  "),
                        Style::default().fg(theme.header),
                    ),
                    Span::raw(text.clone()),
                ])
            }
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(theme.border_focused))
        .title(Span::styled(
            format!(" {} ", d.title),
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Span::styled(
            format!(
                " line {}/{} · esc close · ↑↓ pgup pgdn scroll ",
                d.scroll + 1,
                d.lines.len()
            ),
            Style::default().fg(theme.muted),
        ));
    // Long header values and error messages wrap rather than run off the edge.
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
