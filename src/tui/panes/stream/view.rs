use super::StreamPane;
use crate::codec::sanitize::clean;
use crate::codec::text::{clock_time, topic_at};
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

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

/// The widest a key column grows, and the topic column's share of the pane at most.
const KEY_CAP: usize = 24;
const TOPIC_SHARE: usize = 4;

/// The text people read gets at least this share of the pane (percent), and at most
/// `SUMMARY_FLOOR_MAX` columns of guarantee; the other columns give way to it first.
const SUMMARY_SHARE: usize = 45;
const SUMMARY_FLOOR_MAX: usize = 60;

/// The cells a column needs for the records in view.
fn widest<'a>(texts: impl Iterator<Item = &'a str>) -> usize {
    texts.map(UnicodeWidthStr::width).max().unwrap_or(0)
}

/// Column widths from what the rows in view show: the topic as wide as its names need (up to a
/// quarter of the pane, then shortened in the middle, never its `partition@offset`), the key
/// up to `KEY_CAP`, the status (on the DLQ pane: the origin) as wide as its words, the event
/// type only with room to spare; the summary (on the DLQ pane: the reason) gets the rest, and
/// at least `SUMMARY_SHARE` percent. Every row is exactly the pane's width.
pub fn column_widths(w: usize, rows: &[&crate::domain::Record], dlq: bool) -> Vec<usize> {
    let pos = |r: &crate::domain::Record| format!("/{}@{}", r.partition, r.offset);
    let pos_w = rows.iter().map(|r| pos(r).len()).max().unwrap_or(6);
    let topic_w = rows
        .iter()
        .map(|r| UnicodeWidthStr::width(clean(&r.topic).as_ref()) + pos(r).len())
        .max()
        .unwrap_or(14)
        .clamp(pos_w, (w / TOPIC_SHARE).max(pos_w + 2));
    let key_w = rows
        .iter()
        .map(|r| UnicodeWidthStr::width(clean(&r.key_display()).as_ref()))
        .max()
        .unwrap_or(3)
        .clamp(3, KEY_CAP);
    // Widths of the text as drawn: the sanitiser shows hidden characters as ⟨U+…⟩.
    let third: Vec<String> = rows
        .iter()
        .map(|r| clean(&third_cell(r, dlq)).into_owned())
        .collect();
    let third_w = widest(third.iter().map(String::as_str)).clamp(4, if dlq { 28 } else { 14 });
    let event_w = if w >= 150 {
        widest(rows.iter().filter_map(|r| r.decoded.event_type.as_deref())).min(16)
    } else {
        0
    };
    // The floor never pushes the other columns below their minimum (narrow panes).
    let others_min = 8 + (pos_w + 2) + 3 + 4 + 4;
    let floor = (w * SUMMARY_SHARE / 100)
        .min(SUMMARY_FLOOR_MAX)
        .min(w.saturating_sub(others_min))
        .max(4);
    crate::tui::widgets::table::allot(
        w,
        &[
            (8, 8),
            ((pos_w + 2).min(topic_w), topic_w),
            (3, key_w),
            (0, event_w),
            (4, third_w),
            (floor, floor),
        ],
        Some(5),
    )
}

/// The third column: the status word, or on the DLQ pane where the record came from.
fn third_cell(r: &crate::domain::Record, dlq: bool) -> String {
    if !dlq {
        return r.decoded.status.clone().unwrap_or_default();
    }
    match r.decoded.dlq.as_deref() {
        Some(o) => match (&o.topic, o.partition) {
            (Some(t), Some(p)) => format!("{t}/{p}"),
            (Some(t), None) => t.clone(),
            (None, _) => String::new(),
        },
        None => String::new(),
    }
}

/// Column widths shrink with the pane; the summary takes what is left. The event type column
/// only appears when there is room, since the topic usually implies it.
/// One record's cells: time, position, key, event type, status, summary (with the follow and
/// DLQ marks in front).
fn cells(
    r: &crate::domain::Record,
    topic_w: usize,
    marks: &Marks,
    theme: &Theme,
    dlq: bool,
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
        if dlq {
            (third_cell(r, true), Style::default().fg(theme.muted))
        } else {
            (third_cell(r, false), theme.status(d.status_class))
        },
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
    let dlq = pane.role == crate::domain::Role::Dlq;
    let shown: Vec<(usize, &crate::domain::Record)> = (start..start + inner_h)
        .filter_map(|i| pane.nth_newest(i).map(|r| (i, r)))
        .collect();
    let records: Vec<&crate::domain::Record> = shown.iter().map(|(_, r)| *r).collect();
    let widths = column_widths(w, &records, dlq);
    let rows = shown
        .into_iter()
        .map(|(i, r)| {
            (
                cells(r, widths[1], marks, theme, dlq),
                i == pane.selected && focused,
            )
        })
        .collect();
    let (third, last) = if dlq {
        ("origin", "reason")
    } else {
        ("status", "summary")
    };
    let cols: Vec<(&str, usize)> = ["time", "topic/p@offset", "key", "event type", third, last]
        .into_iter()
        .zip(widths.iter().copied())
        .collect();
    (cols, rows)
}

#[cfg(test)]
mod tests {
    use super::column_widths;
    use crate::codec::decode::{to_record, Incoming};
    use crate::domain::Record;

    fn rec(topic: &str, p: i32, offset: i64, key: &str, dlq: bool) -> Record {
        to_record(
            Incoming {
                topic,
                partition: p,
                offset,
                timestamp_ms: Some(0),
                key: Some(key.as_bytes()),
                value: Some(br#"{"status":"completed"}"#),
                headers: vec![],
            },
            1 << 20,
            dlq,
        )
    }

    /// At 120x40 a record pane is 118 columns inside: with the demo's topics and keys a
    /// 40-character summary and a 50-character DLQ reason (with its mark) show whole.
    #[test]
    fn the_text_people_read_gets_the_room_at_120_columns() {
        let completions = [
            rec("franc.task.completion", 1, 59, "CHG-2026-658812", false),
            rec("export-completions", 2, 1234, "export-345904-1f2e", false),
        ];
        let refs: Vec<&Record> = completions.iter().collect();
        let w = column_widths(118, &refs, false);
        assert!(w[5] >= 40, "{w:?}");
        assert_eq!(
            w[1],
            "franc.task.completion/1@59".len(),
            "topics whole: {w:?}"
        );
        let dlq = [
            rec("dlq-domain-services", 1, 2210, "export-323-9c1d2e", true),
            rec("scheduler.jobs.dlq", 0, 1225, "job-11741d", true),
        ];
        let refs: Vec<&Record> = dlq.iter().collect();
        let w = column_widths(118, &refs, true);
        assert!(w[5] >= 52, "{w:?}");
        // Narrow: still every column fits exactly.
        let w = column_widths(60, &refs, true);
        let shown: Vec<usize> = w.iter().copied().filter(|x| *x > 0).collect();
        assert_eq!(shown.iter().sum::<usize>() + shown.len() - 1, 60, "{w:?}");
    }
}
