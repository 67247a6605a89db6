use super::StreamPane;
use crate::theme::Theme;
use crate::ui::fmt::{clock_time, fit, topic_at};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row};
use ratatui::Frame;

pub fn draw(
    f: &mut Frame,
    area: Rect,
    pane: &StreamPane,
    focused: bool,
    theme: &Theme,
    now_ms: i64,
    triage: Option<&crate::panes::dlq::DlqTriage>,
) {
    let rate = pane.rate.rate(now_ms, 5);
    let mut title = vec![
        Span::styled(
            format!(" {} ", pane.role.title()),
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!("{rate:.1}/s · {} seen ", pane.rate.total),
            Style::default().fg(theme.muted),
        ),
    ];
    if let Some(f) = &pane.filter {
        title.push(Span::styled(
            format!(
                "filter {} · {}/{} ",
                f.filter.describe(),
                f.matched,
                f.scanned
            ),
            Style::default().fg(theme.accent),
        ));
    }
    if let Some(t) = triage.filter(|t| !t.marks.is_empty()) {
        title.push(Span::styled(
            format!("● {} marked ", t.marks.len()),
            Style::default().fg(theme.accent),
        ));
    }
    if pane.paused {
        title.push(Span::styled(
            "⏸ PAUSED ",
            Style::default().fg(theme.warn).add_modifier(Modifier::BOLD),
        ));
    } else if !pane.following() {
        title.push(Span::styled(
            format!("↑ row {} ", pane.selected + 1),
            Style::default().fg(theme.accent),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Line::from(title));
    let inner_h = area.height.saturating_sub(3) as usize; // borders + header row
    let start = pane.selected.saturating_sub(inner_h.saturating_sub(1));
    let w = area.width.saturating_sub(2) as usize;
    // Column widths shrink with the pane; the summary takes what is left. The event type
    // column only appears when there is room, since the topic usually implies it.
    let (wt, wl, wk, we, ws) = if w >= 110 {
        (8, 26, 18, 16, 11)
    } else if w >= 60 {
        (8, 18, 12, 0, 11)
    } else {
        (8, 12, 8, 0, 9)
    };
    let gaps = if we > 0 { 5 } else { 4 };
    let wsum = w.saturating_sub(wt + wl + wk + we + ws + gaps).max(4);
    let rows: Vec<Row> = (start..start + inner_h)
        .filter_map(|i| pane.nth_newest(i).map(|r| (i, r)))
        .map(|(i, r)| {
            let d = &r.decoded;
            let status = d.status.clone().unwrap_or_default();
            let mut cells = vec![
                Cell::from(r.timestamp_ms.map(clock_time).unwrap_or_default())
                    .style(Style::default().fg(theme.muted)),
                Cell::from(topic_at(
                    &r.topic,
                    &format!("/{}@{}", r.partition, r.offset),
                    wl,
                )),
                Cell::from(fit(&r.key_display(), wk)),
            ];
            if we > 0 {
                cells.push(Cell::from(fit(d.event_type.as_deref().unwrap_or(""), we)));
            }
            cells.push(Cell::from(fit(&status, ws)).style(theme.status(d.status_class)));
            let summary = match triage {
                Some(t) => format!(
                    "{}{}",
                    crate::panes::dlq::view::mark_prefix(t, r),
                    d.summary
                ),
                None => d.summary.clone(),
            };
            cells.push(Cell::from(fit(&summary, wsum)));
            crate::ui::table::mark(Row::new(cells), i == pane.selected && focused, theme)
        })
        .collect();
    let mut header = vec!["time", "topic/p@offset", "key"];
    let mut widths = vec![
        Constraint::Length(wt as u16),
        Constraint::Length(wl as u16),
        Constraint::Length(wk as u16),
    ];
    if we > 0 {
        header.push("event type");
        widths.push(Constraint::Length(we as u16));
    }
    header.extend(["status", "summary"]);
    widths.push(Constraint::Length(ws as u16));
    widths.push(Constraint::Length(wsum as u16));
    let empty = pane.is_empty();
    let table = crate::ui::table::table(rows, widths, header, block, theme);
    f.render_widget(table, area);
    if empty && area.height > 4 {
        let msg = Line::styled("  waiting for records…", Style::default().fg(theme.muted));
        f.render_widget(
            msg,
            Rect::new(area.x + 1, area.y + 2, area.width.saturating_sub(2), 1),
        );
    }
}
