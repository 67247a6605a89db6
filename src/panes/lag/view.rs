use super::LagPane;
use crate::domain::lag::{GroupView, LagStatus};
use crate::theme::Theme;
use crate::ui::fmt::{fit, human_count, human_secs, topic_at};
use crate::ui::spark::spark;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row};
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
    let t = &pane.tracker;
    let worst = pane.views.iter().map(|g| g.status).max();
    let mut title = vec![Span::styled(
        " Consumer lag ",
        Style::default()
            .fg(theme.title)
            .add_modifier(Modifier::BOLD),
    )];
    if let Some(w) = worst {
        title.push(Span::styled(
            format!("{} ", w.label()),
            status_style(w, theme),
        ));
    }
    title.push(Span::styled(
        format!("{} groups ", pane.views.len()),
        Style::default().fg(theme.muted),
    ));
    let bottom = if t.refreshes == 0 {
        " measuring… ".to_string()
    } else if let Some(n) = t.notes.first().filter(|_| !pane.views.is_empty()) {
        // A failed refresh keeps the last figures on screen and says why they are stale.
        format!(" {} ", fit(n, inner_w_of(area).saturating_sub(4)))
    } else {
        format!(
            " every {:.1}s · last took {} ms · window {} ",
            pane.refresh_ms as f64 / 1000.0,
            t.took_ms,
            t.window
        )
    };
    let inner_w = area.width.saturating_sub(2) as usize;
    let wide = inner_w >= 70;
    let fixed = if wide {
        6 + 7 + 7 + 8 + 8 + 8 + 6 + 8
    } else {
        6 + 6 + 6 + 5 + 4 + 5
    };
    let wg = inner_w.saturating_sub(fixed).max(8);
    let mut header = vec!["group", "status", "lag", "secs"];
    let mut widths = vec![
        Constraint::Length(wg as u16),
        Constraint::Length(6),
        Constraint::Length(if wide { 7 } else { 6 }),
        Constraint::Length(if wide { 7 } else { 6 }),
    ];
    if wide {
        header.extend(["in/s", "out/s"]);
        widths.extend([Constraint::Length(8), Constraint::Length(8)]);
    }
    header.extend(["trend", "ttz"]);
    widths.extend([
        Constraint::Length(if wide { 8 } else { 5 }),
        Constraint::Length(if wide { 6 } else { 4 }),
    ]);
    let h = area.height.saturating_sub(4) as usize; // borders, header, details line
    let start = pane.selected.saturating_sub(h.saturating_sub(1));
    let rows: Vec<Row> = pane
        .views
        .iter()
        .enumerate()
        .skip(start)
        .take(h)
        .map(|(i, g)| {
            let mut cells = vec![
                Cell::from(fit(&g.group, wg)),
                Cell::from(g.status.label()).style(status_style(g.status, theme)),
                Cell::from(human_count(g.lag)),
                Cell::from(secs_text(g.seconds, g.seconds_exact)),
            ];
            if wide {
                cells.push(Cell::from(format!("{:.1}", g.produce_rate)));
                cells.push(Cell::from(format!("{:.1}", g.consume_rate)));
            }
            cells.push(
                Cell::from(spark(
                    &g.trend.iter().map(|v| *v as f64).collect::<Vec<_>>(),
                    if wide { 8 } else { 5 },
                ))
                .style(Style::default().fg(theme.accent)),
            );
            cells.push(Cell::from(ttz_text(g)));
            crate::ui::table::mark(Row::new(cells), focused && i == pane.selected, theme)
        })
        .collect();
    let table = crate::ui::table::table(
        rows,
        widths,
        header,
        block(title, focused, theme, bottom),
        theme,
    );
    f.render_widget(table, area);

    // Below the table: the selected group's facts, or why there is nothing to show.
    let line_area = Rect::new(
        area.x + 1,
        area.y + area.height.saturating_sub(2),
        area.width.saturating_sub(2),
        1,
    );
    if area.height < 5 {
        return;
    }
    let text = if let Some(g) = pane.views.get(pane.selected) {
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
        Line::styled(
            fit(&s, line_area.width as usize),
            Style::default().fg(theme.muted),
        )
    } else if let Some(n) = t.notes.first() {
        Line::styled(
            fit(n, line_area.width as usize),
            Style::default().fg(theme.warn),
        )
    } else {
        Line::styled(
            fit(
                "no groups yet: set watch_groups in the config or pass -g GROUP",
                line_area.width as usize,
            ),
            Style::default().fg(theme.muted),
        )
    };
    f.render_widget(text, line_area);
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
            format!(" {} ", g.group),
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
    let inner_w = area.width.saturating_sub(2) as usize;
    // Narrow panes keep what tells partitions apart: where, how far behind, and the status.
    let wide = inner_w >= 70;
    let fixed = if wide {
        8 + 8 + 6 + 6 + 6 + 14 + 6
    } else {
        8 + 6 + 6 + 6 + 4
    };
    let wt = inner_w.saturating_sub(fixed).max(8);
    let mut header = vec!["topic/partition", "commit"];
    let mut widths = vec![Constraint::Length(wt as u16), Constraint::Length(8)];
    if wide {
        header.push("end");
        widths.push(Constraint::Length(8));
    }
    header.extend(["lag", "secs", "status"]);
    widths.extend([
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Length(6),
    ]);
    if wide {
        header.push("member");
        widths.push(Constraint::Length(14));
    }
    let h = area.height.saturating_sub(3) as usize;
    let start = pane.drill_selected.saturating_sub(h.saturating_sub(1));
    let rows: Vec<Row> = g
        .partitions
        .iter()
        .enumerate()
        .skip(start)
        .take(h)
        .map(|(i, p)| {
            let mut cells = vec![
                Cell::from(topic_at(&p.topic, &format!("/{}", p.partition), wt)),
                Cell::from(p.committed.map_or("-".into(), |c| c.to_string())),
            ];
            if wide {
                cells.push(Cell::from(p.end.to_string()));
            }
            cells.extend([
                Cell::from(human_count(p.lag)),
                Cell::from(secs_text(p.seconds, p.seconds_exact)),
                Cell::from(p.status.label()).style(status_style(p.status, theme)),
            ]);
            if wide {
                cells.push(Cell::from(fit(p.owner.as_deref().unwrap_or("-"), 14)));
            }
            crate::ui::table::mark(Row::new(cells), focused && i == pane.drill_selected, theme)
        })
        .collect();
    let table = crate::ui::table::table(
        rows,
        widths,
        header,
        block(title, focused, theme, " esc back ".into()),
        theme,
    );
    f.render_widget(table, area);
}
