//! The DLQ pane: the stream table with marks and replay counts, or the failures grouped by
//! reason.

use super::DlqTriage;
use crate::codec::text::clock_time;
use crate::tui::panes::stream::StreamPane;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

pub struct DlqView<'a> {
    pub pane: &'a StreamPane,
    pub triage: &'a DlqTriage,
    pub focused: bool,
    pub now_ms: i64,
    pub follow: Option<&'a crate::engine::job::follow::Follow>,
}

pub fn draw(f: &mut Frame, area: Rect, v: &DlqView, theme: &Theme) {
    if v.triage.by_reason {
        draw_groups(f, area, v, theme);
    } else {
        crate::tui::panes::stream::view::draw(
            f,
            area,
            v.pane,
            v.focused,
            theme,
            v.now_ms,
            &crate::tui::panes::stream::view::Marks {
                triage: Some(v.triage),
                follow: v.follow,
            },
        );
    }
}

/// What the summary column starts with for a DLQ record: marked, replayed before.
pub fn mark_prefix(triage: &DlqTriage, r: &crate::domain::Record) -> String {
    let mut p = String::new();
    if triage.marks.contains(&super::coord(r)) {
        p.push_str("● ");
    }
    let n = triage.replay_count(r);
    if n > 0 {
        p.push_str(&format!("↻ {n}× "));
    }
    p
}

fn draw_groups(f: &mut Frame, area: Rect, v: &DlqView, theme: &Theme) {
    let groups = v.triage.groups();
    let title = Line::from(vec![
        Span::styled(
            " DLQ by reason ",
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!(
                "{} reasons · {} marked ",
                groups.len(),
                v.triage.marks.len()
            ),
            Style::default().fg(theme.muted),
        ),
    ]);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(v.focused))
        .title(title);
    let inner_h = area.height.saturating_sub(3) as usize;
    let start = v.triage.selected.saturating_sub(inner_h.saturating_sub(1));
    let w = area.width.saturating_sub(2) as usize;
    let wo = if w >= 90 { 22 } else { 12 };
    let widths =
        crate::tui::widgets::table::allot(w, &[(6, 6), (8, 8), (8, 8), (6, wo), (4, 4)], Some(4));
    let cols: Vec<(&str, usize)> = ["count", "first", "last", "origin", "reason"]
        .into_iter()
        .zip(widths)
        .collect();
    let plain = Style::default();
    let rows = groups
        .iter()
        .enumerate()
        .skip(start)
        .take(inner_h)
        .map(|(i, g)| {
            let origins: Vec<&str> = g.origins.iter().map(String::as_str).collect();
            let cells = vec![
                (format!("{:>6}", g.count), Style::default().fg(theme.failed)),
                (
                    g.first_ms.map(clock_time).unwrap_or_default(),
                    Style::default().fg(theme.muted),
                ),
                (g.last_ms.map(clock_time).unwrap_or_default(), plain),
                (origins.join(","), plain),
                (g.key.clone(), plain),
            ];
            (cells, i == v.triage.selected && v.focused)
        })
        .collect();
    let empty = groups.is_empty();
    f.render_widget(
        crate::tui::widgets::table::grid(&cols, rows, block, theme),
        area,
    );
    if empty && area.height > 4 {
        let msg = Line::styled(
            "  no failures with a reason yet",
            Style::default().fg(theme.muted),
        );
        f.render_widget(
            msg,
            Rect::new(area.x + 1, area.y + 2, area.width.saturating_sub(2), 1),
        );
    }
}
