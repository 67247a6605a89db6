//! Draws the offsets dialog. Reads only.

use super::{OffsetsDialog, Stage};
use crate::codec::text::fit;
use crate::domain::offsets::{Move, Outcome, Plan};
use crate::tui::theme::Theme;
use crate::tui::widgets::table::{allot, grid};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, d: &OffsetsDialog, theme: &Theme) {
    let rect = crate::tui::modals::centered(area, 92, 90);
    let title = format!(" Move offsets · group {} · {} ", d.group_name(), d.scope);
    let block = crate::tui::widgets::dialog::block(title, theme);
    let inner = crate::tui::widgets::dialog::frame(f, rect, block);
    if inner.height < 6 {
        return;
    }
    let n = d.choices.len() as u16;
    let [head, list, field, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(n.min(inner.height / 3).max(1)),
        Constraint::Length(2),
        Constraint::Min(2),
        Constraint::Length(2),
    ])
    .areas(inner);
    f.render_widget(head_line(d, theme, head.width as usize), head);
    draw_choices(f, list, d, theme);
    draw_field(f, field, d, theme);
    draw_body(f, body, d, theme);
    let p = Paragraph::new(bottom_lines(d, theme)).wrap(Wrap { trim: false });
    f.render_widget(p, bottom);
}

fn muted(theme: &Theme, s: impl Into<String>) -> Line<'static> {
    Line::styled(s.into(), Style::default().fg(theme.muted))
}

fn head_line(d: &OffsetsDialog, theme: &Theme, w: usize) -> Line<'static> {
    let more = if d.groups.len() > 1 {
        format!(
            " · {} groups read this topic (tab: next)",
            d.groups.len()
        )
    } else {
        String::new()
    };
    let state = match plan_of(d) {
        Some(p) => format!(" {}", p.state.words()),
        None => String::new(),
    };
    let text = format!("group {}{state}{more}", d.group_name());
    Line::styled(fit(&text, w), Style::default().fg(theme.header))
}

fn draw_choices(f: &mut Frame, area: Rect, d: &OffsetsDialog, theme: &Theme) {
    let room = area.height.max(1) as usize;
    let first = (d.choice + 1).saturating_sub(room);
    let lines: Vec<Line> = (d.choices.iter().enumerate().skip(first).take(room))
        .map(|(i, c)| {
            let on = i == d.choice;
            let text = format!("{} {}", if on { "▸ (•)" } else { "  ( )" }, c.label());
            let style = if on {
                Style::default().fg(theme.accent).add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            Line::styled(fit(&text, area.width as usize), style)
        })
        .collect();
    f.render_widget(Paragraph::new(lines), area);
}

fn draw_field(f: &mut Frame, area: Rect, d: &OffsetsDialog, theme: &Theme) {
    let Some(label) = d.current().wants() else {
        return;
    };
    let [line, under] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    let focused = !matches!(d.stage, Stage::Asking(_) | Stage::Committing(_));
    d.value.draw(f, line, label, focused, Style::default().fg(theme.accent));
    let hint = crate::tui::widgets::input::error_or_hint(&d.value, "type the value, then enter", theme);
    f.render_widget(hint, under);
}

fn plan_of(d: &OffsetsDialog) -> Option<&Plan> {
    match &d.stage {
        Stage::Ready(p) | Stage::Asking(p) | Stage::Committing(p) | Stage::Done(p, _) => Some(p),
        _ => None,
    }
}

fn draw_body(f: &mut Frame, area: Rect, d: &OffsetsDialog, theme: &Theme) {
    let Some(plan) = plan_of(d) else {
        let line = match &d.stage {
            Stage::Planning => muted(theme, "reading the group's offsets and the log's bounds…"),
            Stage::Error(e) => Line::styled(
                format!("cannot preview: {}", crate::codec::sanitize::clean(e)),
                Style::default().fg(theme.failed),
            ),
            _ => muted(theme, "enter: preview the move (nothing is committed before you say y)"),
        };
        f.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), area);
        return;
    };
    let notes = notes(d, plan, theme);
    let h = (notes.len() as u16).min(area.height.saturating_sub(2));
    let [top, table] = Layout::vertical([Constraint::Length(h), Constraint::Min(1)]).areas(area);
    f.render_widget(Paragraph::new(notes).wrap(Wrap { trim: false }), top);
    draw_moves(f, table, &plan.moves, theme);
}

/// What is moved, warnings (clamped offsets, a group already past the record) and why a
/// commit would be refused.
fn notes(d: &OffsetsDialog, plan: &Plan, theme: &Theme) -> Vec<Line<'static>> {
    let warn = Style::default().fg(theme.warn);
    let bad = Style::default().fg(theme.failed);
    let again: i64 = plan.moves.iter().filter_map(Move::delta).filter(|x| *x > 0).sum();
    let skipped: i64 = plan.moves.iter().filter_map(Move::delta).filter(|x| *x < 0).map(|x| -x).sum();
    let mut out = vec![Line::from(format!(
        "moving {} · {} partition(s) · {again} record(s) read again · {skipped} skipped",
        plan.strategy,
        plan.moves.len()
    ))];
    out.extend(plan.warnings.iter().map(|w| Line::styled(format!("warning: {w}"), warn)));
    out.extend(d.behind_skip(plan).map(|w| Line::styled(w, bad)));
    if matches!(d.stage, Stage::Ready(_) | Stage::Asking(_)) {
        out.extend(d.refusal(plan).map(|w| Line::styled(w, bad)));
    }
    out
}

fn draw_moves(f: &mut Frame, area: Rect, moves: &[Move], theme: &Theme) {
    let none = || "none".to_string();
    let tw = moves.iter().map(|m| m.topic.chars().count() + 6).max().unwrap_or(9);
    let widths = allot(
        area.width as usize,
        &[(9, tw.min(60)), (7, 10), (7, 10), (12, 23), (9, 16), (10, 51)],
        Some(5),
    );
    let cols: Vec<(&str, usize)> =
        ["partition", "current", "new", "lag before→after", "effect", "records written"]
            .into_iter()
            .zip(widths)
            .collect();
    let room = area.height.saturating_sub(1) as usize;
    let rows = (moves.iter().take(room))
        .map(|m| {
            let cells = vec![
                (format!("{}/{}", m.topic, m.partition), Style::default()),
                (m.current.map_or_else(none, |c| c.to_string()), Style::default()),
                (m.new.to_string(), Style::default().fg(theme.accent)),
                (
                    format!(
                        "{} → {}",
                        m.lag_before().map_or_else(none, |l| l.to_string()),
                        m.lag_after()
                    ),
                    Style::default(),
                ),
                (m.effect_text(), Style::default()),
                (span(m), Style::default().fg(theme.muted)),
            ];
            (cells, false)
        })
        .collect();
    f.render_widget(grid(&cols, rows, Block::default(), theme), area);
}

/// When the records read again or skipped were written: "2025-11-15 09:45:40 → 09:46:10"
/// (the second date only when it differs), "-" when nothing moves.
fn span(m: &Move) -> String {
    let (Some(a), Some(b)) = (m.span_from_ms, m.span_to_ms) else {
        return m.span_text();
    };
    let t = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| (t.format("%Y-%m-%d").to_string(), t.format("%H:%M:%S").to_string()))
            .unwrap_or_default()
    };
    let ((da, ta), (db, tb)) = (t(a), t(b));
    if da == db {
        format!("{da} {ta} → {tb} UTC")
    } else {
        format!("{da} {ta} → {db} {tb} UTC")
    }
}

fn bottom_lines(d: &OffsetsDialog, theme: &Theme) -> Vec<Line<'static>> {
    let bad = Style::default().fg(theme.failed);
    match &d.stage {
        Stage::Ready(p) => match d.refusal(p) {
            Some(_) => vec![muted(theme, "nothing can be committed: see above")],
            None => vec![muted(theme, "enter: commit these offsets (asks first)")],
        },
        Stage::Asking(p) => vec![Line::styled(
            format!(
                "Commit new offsets on {} partition(s) for group {}?  y: commit · esc: back",
                p.moves.len(),
                p.group
            ),
            Style::default().fg(theme.warn).add_modifier(Modifier::BOLD),
        )],
        Stage::Committing(_) => vec![muted(theme, "committing and reading back…")],
        Stage::Done(p, Outcome::Committed(c)) => {
            let mut out = vec![Line::styled(
                format!(
                    "run {}: committed {} partition(s) for group {}{}; enter: preview the undo",
                    c.run.run,
                    p.moves.len(),
                    p.group,
                    if c.mismatches.is_empty() { ", read back" } else { "" }
                ),
                Style::default().fg(theme.ok),
            )];
            out.extend(c.mismatches.iter().map(|m| Line::styled(format!("read back differs: {m}"), bad)));
            out.extend(c.audit_error.iter().map(|e| Line::styled(format!("not audited: {e}"), bad)));
            out
        }
        Stage::Done(_, Outcome::Refused(why)) => vec![Line::styled(format!("refused: {why}"), bad)],
        Stage::Done(_, Outcome::Failed(why)) => {
            vec![Line::styled(format!("not committed: {why}"), bad)]
        }
        _ => Vec::new(),
    }
}
