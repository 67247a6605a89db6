use super::StreamPane;
use crate::codec::sanitize::clean;
use crate::codec::text::{clock_time, topic_at};
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

/// What a row shows beyond the record: DLQ marks and replay counts, the followed job.
#[derive(Default)]
pub struct Marks<'a> {
    pub triage: Option<&'a crate::tui::panes::dlq::DlqTriage>,
    pub follow: Option<&'a crate::engine::job::follow::Follow>,
}

pub fn draw(
    f: &mut Frame,
    area: Rect,
    pane: &StreamPane,
    focused: bool,
    theme: &Theme,
    now_ms: i64,
    marks: &Marks,
) {
    let title = title(pane, theme, now_ms, marks.triage);
    draw_titled(
        f,
        area,
        pane,
        focused,
        theme,
        title,
        marks,
        "waiting for records…",
    );
}

/// The table with another title and empty text (a search's results).
#[allow(clippy::too_many_arguments)]
pub fn draw_titled(
    f: &mut Frame,
    area: Rect,
    pane: &StreamPane,
    focused: bool,
    theme: &Theme,
    title: Vec<Span<'_>>,
    marks: &Marks,
    empty_text: &str,
) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Line::from(title));
    let (cols, rows) = grid_rows(pane, area, focused, theme, marks);
    let empty = pane.is_empty();
    let table = crate::tui::widgets::table::grid(&cols, rows, block, theme);
    f.render_widget(table, area);
    if empty && area.height > 4 {
        let msg = Line::styled(format!("  {empty_text}"), Style::default().fg(theme.muted));
        f.render_widget(
            msg,
            Rect::new(area.x + 1, area.y + 2, area.width.saturating_sub(2), 1),
        );
    }
}

fn title<'a>(
    pane: &StreamPane,
    theme: &Theme,
    now_ms: i64,
    triage: Option<&crate::tui::panes::dlq::DlqTriage>,
) -> Vec<Span<'a>> {
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
                "filter {} · {}/{}{} ",
                clean(&f.filter.describe()),
                f.matched,
                f.scanned,
                if pane.filter_rescanning() {
                    " scanning…"
                } else {
                    ""
                }
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
    title
}

/// Table rows that fit in the pane (borders and the header row take three).
fn visible_rows(area: Rect) -> usize {
    area.height.saturating_sub(3) as usize
}

/// The first row shown (counted from the newest): the view scrolls to keep `selected` in it.
pub fn first_row(selected: usize, area: Rect) -> usize {
    selected.saturating_sub(visible_rows(area).saturating_sub(1))
}

/// Which row (counted from the newest) is drawn on screen row `y`, with `selected` the row
/// selected now; None on the border or the header. Shared by the DLQ's by-reason table,
/// which scrolls the same way.
pub fn row_at(selected: usize, area: Rect, y: u16) -> Option<usize> {
    let top = area.y + 2;
    if y < top || y >= area.y + area.height.saturating_sub(1) {
        return None;
    }
    Some(first_row(selected, area) + (y - top) as usize)
}

type GridRow = (Vec<(String, Style)>, bool);

/// Column widths shrink with the pane; the summary takes what is left. The event type column
/// only appears when there is room, since the topic usually implies it.
/// One record's cells: time, position, key, event type, status, summary (with the follow and
/// DLQ marks in front).
fn cells(
    r: &crate::domain::Record,
    topic_w: usize,
    marks: &Marks,
    theme: &Theme,
) -> Vec<(String, Style)> {
    let d = &r.decoded;
    let plain = Style::default();
    let followed = marks.follow.is_some_and(|f| f.matches(r));
    let key_style = if followed {
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD)
    } else {
        plain
    };
    let dlq_marks = marks
        .triage
        .map(|t| crate::tui::panes::dlq::view::mark_prefix(t, r))
        .unwrap_or_default();
    let follow_mark = if followed { "» " } else { "" };
    vec![
        (
            r.timestamp_ms.map(clock_time).unwrap_or_default(),
            Style::default().fg(theme.muted),
        ),
        (
            topic_at(
                &clean(&r.topic),
                &format!("/{}@{}", r.partition, r.offset),
                topic_w,
            ),
            plain,
        ),
        (r.key_display(), key_style),
        (d.event_type.clone().unwrap_or_default(), plain),
        (
            d.status.clone().unwrap_or_default(),
            theme.status(d.status_class),
        ),
        (format!("{follow_mark}{dlq_marks}{}", d.summary), key_style),
    ]
}

fn grid_rows(
    pane: &StreamPane,
    area: Rect,
    focused: bool,
    theme: &Theme,
    marks: &Marks,
) -> (Vec<(&'static str, usize)>, Vec<GridRow>) {
    let inner_h = visible_rows(area);
    let start = first_row(pane.selected, area);
    let w = area.width.saturating_sub(2) as usize;
    let (wl, wk, we) = if w >= 110 {
        (26, 18, 16)
    } else if w >= 60 {
        (18, 12, 0)
    } else {
        (12, 8, 0)
    };
    let widths = crate::tui::widgets::table::allot(
        w,
        &[(8, 8), (8, wl), (4, wk), (we, we), (4, 11), (4, 4)],
        Some(5),
    );
    let rows = (start..start + inner_h)
        .filter_map(|i| pane.nth_newest(i).map(|r| (i, r)))
        .map(|(i, r)| {
            (
                cells(r, widths[1], marks, theme),
                i == pane.selected && focused,
            )
        })
        .collect();
    let cols: Vec<(&str, usize)> = [
        "time",
        "topic/p@offset",
        "key",
        "event type",
        "status",
        "summary",
    ]
    .into_iter()
    .zip(widths.iter().copied())
    .collect();
    (cols, rows)
}
