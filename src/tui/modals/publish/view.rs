//! Draws the publish dialog. Reads only.

use super::{Extra, PublishDialog, Stage};
use crate::codec::sanitize::clean;
use crate::codec::text::fit;
use crate::tui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Gauge, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, d: &PublishDialog, theme: &Theme) {
    let rect = crate::tui::modals::centered(area, 92, 92);
    let title = match &d.form {
        Some(form) => format!(" Publish · {} ", form.template.name),
        None => " Publish · choose a template ".to_string(),
    };
    let inner = crate::tui::widgets::dialog::frame(f, rect, crate::tui::widgets::dialog::block(title, theme));
    match &d.stage {
        Stage::Pick => draw_picker(f, inner, d, theme),
        _ => draw_form(f, inner, d, theme),
    }
}

fn draw_picker(f: &mut Frame, area: Rect, d: &PublishDialog, theme: &Theme) {
    let [top, list] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
    d.filter
        .draw(f, top, "filter", true, Style::default().fg(theme.accent));
    let w = list.width as usize;
    let lines: Vec<Line> = d
        .shown()
        .iter()
        .enumerate()
        .map(|(row, i)| {
            let t = &d.templates[*i];
            let text = format!(
                "{:<22} {:<34} {}",
                fit(&t.name, 22),
                fit(&t.topic, 34),
                t.description
            );
            let style = if row == d.picked {
                theme.selected()
            } else {
                Style::default()
            };
            Line::styled(fit(&clean(&text), w), style)
        })
        .collect();
    f.render_widget(Paragraph::new(lines), list);
}

fn draw_form(f: &mut Frame, area: Rect, d: &PublishDialog, theme: &Theme) {
    let rows = d.inputs.len() as u16 + 3;
    let [fields, preview, bottom] = Layout::vertical([
        Constraint::Length(rows * 2),
        Constraint::Min(4),
        Constraint::Length(3),
    ])
    .areas(area);
    draw_fields(f, fields, d, theme);
    draw_preview(f, preview, d, theme);
    draw_bottom(f, bottom, d, theme);
}

/// One line of the form: the field, and under it its error or its hint.
struct FieldRow<'a> {
    input: &'a crate::tui::widgets::input::TextField,
    label: String,
    hint: String,
    error: Option<&'a str>,
    focused: bool,
}

fn field_rows(d: &PublishDialog) -> Vec<FieldRow<'_>> {
    let Some(form) = &d.form else {
        return Vec::new();
    };
    let mut rows: Vec<FieldRow> = form
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let mut hint = field.kind.hint().to_string();
            if !field.choices.is_empty() {
                hint = format!("{hint} (←/→): {}", field.choices.join(" | "));
            }
            if !field.help.is_empty() {
                hint = format!("{hint} · {}", field.help);
            }
            FieldRow {
                input: &d.inputs[i],
                label: format!("{}{}", field.name, if field.required { "*" } else { "" }),
                hint,
                error: d.error_of(i),
                focused: d.focus == i,
            }
        })
        .collect();
    let extras = [
        (
            Extra::Count,
            &d.count,
            "send count",
            "records in this burst ({{seq}}, {{uuid}}, {{now}} per record)",
        ),
        (
            Extra::Rate,
            &d.rate,
            "rate msgs/s",
            "empty: as fast as the broker takes them",
        ),
        (
            Extra::SaveAs,
            &d.save_as,
            "save as",
            "template name for save (ctrl-s): the user's templates folder",
        ),
    ];
    rows.extend(
        extras
            .into_iter()
            .map(|(which, input, label, hint)| FieldRow {
                input,
                label: label.to_string(),
                hint: hint.to_string(),
                error: input.error.as_deref(),
                focused: d.extra() == Some(which),
            }),
    );
    rows
}

fn draw_fields(f: &mut Frame, area: Rect, d: &PublishDialog, theme: &Theme) {
    let accent = Style::default().fg(theme.accent);
    let mut y = area.y;
    for row in field_rows(d) {
        if y + 1 >= area.bottom() {
            return;
        }
        let line = Rect::new(area.x, y, area.width, 1);
        row.input.draw(f, line, &row.label, row.focused, accent);
        let note = match row.error {
            Some(e) => Line::styled(format!("  ✗ {e}"), Style::default().fg(theme.failed)),
            None => Line::styled(format!("  {}", row.hint), Style::default().fg(theme.muted)),
        };
        f.render_widget(note, Rect::new(area.x, y + 1, area.width, 1));
        y += 2;
    }
}

fn draw_preview(f: &mut Frame, area: Rect, d: &PublishDialog, theme: &Theme) {
    let head = Style::default().fg(theme.header);
    let mut lines = vec![Line::styled("will send (record 1):", head)];
    if let Some((text, trouble)) = d.schema_line() {
        let style = if trouble {
            Style::default().fg(theme.failed)
        } else {
            Style::default()
        };
        lines.push(Line::styled(format!("  schema   {}", clean(&text)), style));
    }
    match d.preview() {
        Some(Ok(r)) => {
            let p = r.preview();
            let part = p
                .partition
                .map_or("the key decides the partition".to_string(), |x| {
                    format!("partition {x}")
                });
            lines.push(Line::from(format!(
                "  topic    {} ({part})",
                clean(&p.topic)
            )));
            lines.push(Line::from(format!("  key      {}", clean(&p.key))));
            let hs: Vec<String> = p
                .headers
                .iter()
                .map(|(k, v)| format!("{}={}", clean(k), clean(v)))
                .collect();
            lines.push(Line::from(format!("  headers  {}", hs.join(" · "))));
            lines.push(Line::styled("  value", head));
            for l in p.value.lines().take(area.height as usize) {
                lines.push(Line::from(format!("    {}", clean(l))));
            }
        }
        Some(Err(errors)) => {
            for e in errors.iter().take(6) {
                lines.push(Line::styled(
                    format!("  ✗ {e}"),
                    Style::default().fg(theme.failed),
                ));
            }
        }
        None => {}
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn draw_bottom(f: &mut Frame, area: Rect, d: &PublishDialog, theme: &Theme) {
    let rows = Layout::vertical([Constraint::Length(1); 3]).split(area);
    match &d.stage {
        Stage::Sending(p) => {
            let total = d.count.value().trim().parse::<u64>().unwrap_or(1).max(1);
            let ratio = ((p.acked + p.failed) as f64 / total as f64).clamp(0.0, 1.0);
            f.render_widget(
                Gauge::default()
                    .gauge_style(Style::default().fg(theme.accent))
                    .ratio(ratio),
                rows[0],
            );
            f.render_widget(
                Line::from(format!(
                    "sent {} / {total} · acknowledged {} · failed {} · {:.0}/s",
                    p.sent, p.acked, p.failed, p.rate
                )),
                rows[1],
            );
        }
        Stage::Done(s, first) => {
            let style = if s.ok() { theme.ok } else { theme.failed };
            let at = first.as_ref().map_or(String::new(), |d| {
                format!(
                    " · first at {}/{}@{}",
                    clean(&d.topic),
                    d.partition,
                    d.offset
                )
            });
            f.render_widget(
                Line::styled(
                    format!(
                        "{} acknowledged, {} failed in {:.1} s ({:.0}/s){at}",
                        s.acked,
                        s.failed,
                        s.elapsed_ms as f64 / 1000.0,
                        s.rate
                    ),
                    Style::default().fg(style),
                ),
                rows[0],
            );
            if let Some(e) = d.failures.first().or(s.first_error.as_ref()) {
                f.render_widget(
                    Line::styled(format!("✗ {}", clean(e)), Style::default().fg(theme.failed)),
                    rows[1],
                );
            }
        }
        Stage::Error(e) => f.render_widget(
            Line::styled(
                format!("cannot publish: {}", clean(e)),
                Style::default().fg(theme.failed),
            ),
            rows[0],
        ),
        _ => {}
    }
    if let Some(n) = &d.note {
        f.render_widget(
            Line::styled(clean(n), Style::default().fg(theme.warn)),
            rows[2],
        );
    }
}
