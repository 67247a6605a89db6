use super::LagPane;
use crate::codec::sanitize::{cell, clean};
use crate::codec::text::{fit, human_count, human_secs, topic_at};
use crate::engine::lag::{GroupView, LagStatus};
use crate::tui::theme::Theme;
use crate::tui::widgets::spark::spark;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

pub fn status_style(s: LagStatus, theme: &Theme) -> Style {
    match s {
        LagStatus::Ok => Style::default().fg(theme.ok),
        LagStatus::Warn => Style::default().fg(theme.warn),
        LagStatus::Rewind => Style::default().fg(theme.pending),
        LagStatus::Stall => Style::default().fg(theme.failed),
        LagStatus::Stop => Style::default()
            .fg(theme.failed)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED),
        LagStatus::Unknown => Style::default().fg(theme.muted),
    }
}

fn secs_text(secs: f64, exact: bool) -> String {
    format!("{}{}", if exact { "" } else { "≥" }, human_secs(secs))
}

fn ttz_text(g: &GroupView) -> String {
    match g.time_to_zero {
        Some(t) if t <= 0.0 => "-".into(),
        Some(t) => human_secs(t),
        None => "∞".into(),
    }
}

pub fn draw(f: &mut Frame, area: Rect, pane: &LagPane, focused: bool, theme: &Theme) {
    match pane.drilled() {
        Some(g) => draw_partitions(f, area, pane, g, focused, theme),
        None => draw_groups(f, area, pane, focused, theme),
    }
}

fn block<'a>(title: Vec<Span<'a>>, focused: bool, theme: &Theme, bottom: String) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(Line::from(title))
        .title_bottom(Span::styled(bottom, Style::default().fg(theme.muted)))
}

fn inner_w_of(area: Rect) -> usize {
    area.width.saturating_sub(2) as usize
}

fn draw_groups(f: &mut Frame, area: Rect, pane: &LagPane, focused: bool, theme: &Theme) {
    let bottom = groups_bottom(pane, inner_w_of(area));
    let table = crate::tui::widgets::table::grid(
        &group_columns(inner_w_of(area)),
        group_rows(pane, area, focused, theme),
        block(groups_title(pane, theme), focused, theme, bottom),
        theme,
    );
    f.render_widget(table, area);
    if area.height >= 5 {
        // Below the table: the selected group's facts, or why there is nothing to show.
        let line_area = Rect::new(
            area.x + 1,
            area.y + area.height.saturating_sub(2),
            area.width.saturating_sub(2),
            1,
        );
        f.render_widget(
            group_details(pane, line_area.width as usize, theme),
            line_area,
        );
    }
}

fn groups_title<'a>(pane: &LagPane, theme: &Theme) -> Vec<Span<'a>> {
    let mut title = vec![Span::styled(
        " Consumer lag ",
        Style::default()
            .fg(theme.title)
            .add_modifier(Modifier::BOLD),
    )];
    if let Some(w) = pane.views.iter().map(|g| g.status).max() {
        title.push(Span::styled(
            format!("{} ", w.label()),
            status_style(w, theme),
        ));
    }
    title.push(Span::styled(
        format!("{} groups ", pane.views.len()),
        Style::default().fg(theme.muted),
    ));
    title
}

fn groups_bottom(pane: &LagPane, inner_w: usize) -> String {
    let t = &pane.tracker;
    if t.refreshes == 0 {
        " measuring… ".to_string()
    } else if let Some(n) = t.notes.first().filter(|_| !pane.views.is_empty()) {
        // A failed refresh keeps the last figures on screen and says why they are stale.
        format!(" {} ", cell(n, inner_w.saturating_sub(4)))
    } else {
        format!(
            " every {:.1}s · last took {} ms · window {} ",
            pane.refresh_ms as f64 / 1000.0,
            t.took_ms,
            t.window
        )
    }
}

/// Wide panes show the rates; the group name takes what is left.
fn group_columns(inner_w: usize) -> Vec<(&'static str, usize)> {
    let wide = inner_w >= 70;
    let (lag, rate, trend, ttz) = if wide { (7, 8, 8, 6) } else { (6, 0, 5, 4) };
    let w = crate::tui::widgets::table::allot(
        inner_w,
        &[
            (8, 8),
            (6, 6),
            (5, lag),
            (5, lag),
            (rate, rate),
            (rate, rate),
            (3, trend),
            (3, ttz),
        ],
        Some(0),
    );
    [
        "group", "status", "lag", "secs", "in/s", "out/s", "trend", "ttz",
    ]
    .into_iter()
    .zip(w)
    .collect()
}

type GridRow = (Vec<(String, Style)>, bool);

fn group_rows(pane: &LagPane, area: Rect, focused: bool, theme: &Theme) -> Vec<GridRow> {
    let h = area.height.saturating_sub(4) as usize; // borders, header, details line
    let start = pane.selected.saturating_sub(h.saturating_sub(1));
    let trend_w = group_columns(inner_w_of(area))[6].1;
    let plain = Style::default();
    pane.views
        .iter()
        .enumerate()
        .skip(start)
        .take(h)
        .map(|(i, g)| {
            let trend: Vec<f64> = g.trend.iter().map(|v| *v as f64).collect();
            let cells = vec![
                (g.group.clone(), plain),
                (g.status.label().to_string(), status_style(g.status, theme)),
                (human_count(g.lag), plain),
                (secs_text(g.seconds, g.seconds_exact), plain),
                (format!("{:.1}", g.produce_rate), plain),
                (format!("{:.1}", g.consume_rate), plain),
                (spark(&trend, trend_w), Style::default().fg(theme.accent)),
                (ttz_text(g), plain),
            ];
            (cells, focused && i == pane.selected)
        })
        .collect()
}

fn group_details<'a>(pane: &LagPane, width: usize, theme: &Theme) -> Line<'a> {
    if let Some(g) = pane.views.get(pane.selected) {
        let mut s = format!(
            "{} · {} · {} · in {:.1}/s out {:.1}/s",
            g.group,
            g.state.as_deref().unwrap_or("state n/a"),
            g.members.map_or("members n/a".to_string(), |m| format!(
                "{m} member{}",
                if m == 1 { "" } else { "s" }
            )),
            g.produce_rate,
            g.consume_rate
        );
        if let Some(e) = &g.error {
            s.push_str(&format!(" · ⚠ {e}"));
        }
        Line::styled(cell(&s, width), Style::default().fg(theme.muted))
    } else if let Some(n) = pane.tracker.notes.first() {
        Line::styled(cell(n, width), Style::default().fg(theme.warn))
    } else {
        Line::styled(
            fit(
                "no groups yet: set watch_groups in the config or pass -g GROUP",
                width,
            ),
            Style::default().fg(theme.muted),
        )
    }
}

fn draw_partitions(
    f: &mut Frame,
    area: Rect,
    pane: &LagPane,
    g: &GroupView,
    focused: bool,
    theme: &Theme,
) {
    let title = vec![
        Span::styled(
            format!(" {} ", clean(&g.group)),
            Style::default()
                .fg(theme.title)
                .add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            format!("{} ", g.status.label()),
            status_style(g.status, theme),
        ),
        Span::styled(
            format!(
                "lag {} · {} · ttz {} ",
                human_count(g.lag),
                secs_text(g.seconds, g.seconds_exact),
                ttz_text(g)
            ),
            Style::default().fg(theme.muted),
        ),
    ];
    let cols = partition_columns(inner_w_of(area));
    let rows = partition_rows(pane, g, area, &cols, focused, theme);
    let table = crate::tui::widgets::table::grid(
        &cols,
        rows,
        block(title, focused, theme, String::new()),
        theme,
    );
    f.render_widget(table, area);
}

/// Narrow panes keep what tells partitions apart: where, how far behind, and the status.
fn partition_columns(inner_w: usize) -> Vec<(&'static str, usize)> {
    let wide = inner_w >= 70;
    let (end_w, member_w) = if wide { (8, 14) } else { (0, 0) };
    let widths = crate::tui::widgets::table::allot(
        inner_w,
        &[
            (8, 8),
            (4, 8),
            (end_w, end_w),
            (4, 6),
            (4, 6),
            (4, 6),
            (member_w, member_w),
        ],
        Some(0),
    );
    [
        "topic/partition",
        "commit",
        "end",
        "lag",
        "secs",
        "status",
        "member",
    ]
    .into_iter()
    .zip(widths)
    .collect()
}

fn partition_rows(
    pane: &LagPane,
    g: &GroupView,
    area: Rect,
    cols: &[(&str, usize)],
    focused: bool,
    theme: &Theme,
) -> Vec<GridRow> {
    let h = area.height.saturating_sub(3) as usize;
    let start = pane.drill_selected.saturating_sub(h.saturating_sub(1));
    let plain = Style::default();
    g.partitions
        .iter()
        .enumerate()
        .skip(start)
        .take(h)
        .map(|(i, p)| {
            let cells = vec![
                (
                    topic_at(&clean(&p.topic), &format!("/{}", p.partition), cols[0].1),
                    plain,
                ),
                (
                    p.committed
                        .map_or("-".into(), |c| offset_text(c, cols[1].1)),
                    plain,
                ),
                (offset_text(p.end, cols[2].1), plain),
                (human_count(p.lag), plain),
                (secs_text(p.seconds, p.seconds_exact), plain),
                (p.status.label().to_string(), status_style(p.status, theme)),
                (p.owner.clone().unwrap_or_else(|| "-".into()), plain),
            ];
            (cells, focused && i == pane.drill_selected)
        })
        .collect()
}

/// An offset exactly when it fits, else rounded (`1.2M`): a cut number would read as another.
fn offset_text(n: i64, width: usize) -> String {
    let exact = n.to_string();
    if exact.len() <= width {
        exact
    } else {
        human_count(n)
    }
}
