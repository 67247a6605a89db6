//! Draws the whole screen from state. Reads only.

use super::layout::{compute, Areas};
use crate::codec::sanitize::clean;
use crate::domain::{Connection, Role};
use crate::tui::app::action::Action;
use crate::tui::app::state::State;
use crate::tui::keymap::Keymap;
use crate::tui::panes::PaneId;
use crate::tui::theme::Theme;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::Frame;

pub fn draw(f: &mut Frame, state: &State, theme: &Theme, keymap: &Keymap) {
    let area = f.area();
    let areas: Areas = compute(area, state.focus, state.zoom, state.lag.wanted_rows());
    draw_health(f, areas.health, state, theme);
    if let Some(tabs) = areas.tabs {
        draw_tabs(f, tabs, state, theme);
    }
    for (pane, rect) in &areas.panes {
        let cx = crate::tui::app::component::PaneCx {
            theme,
            now_ms: state.now_ms,
            focused: *pane == state.focus,
            follow: state.follow.as_ref(),
            streams: &state.streams,
            jobs: &state.jobs,
        };
        state.pane(*pane).draw(f, *rect, &cx);
    }
    draw_hints(f, areas.hints, state, theme, keymap);
    if let Some(m) = &state.modal {
        let cx = crate::tui::app::component::DrawCx {
            theme,
            now_ms: state.now_ms,
            jobs: &state.jobs,
        };
        m.draw(f, area, &cx);
    }
}

fn draw_health(f: &mut Frame, area: ratatui::layout::Rect, s: &State, theme: &Theme) {
    let h = &s.health;
    let mut spans = vec![Span::styled(
        " kdeck ",
        Style::default()
            .fg(theme.accent)
            .add_modifier(Modifier::BOLD),
    )];
    if h.demo {
        spans.push(Span::styled("demo ", Style::default().fg(theme.warn)));
    } else {
        spans.push(Span::styled(
            format!("{} ", h.profile),
            Style::default().fg(theme.muted),
        ));
    }
    spans.push(connection_span(h, theme));
    if !h.missing_topics.is_empty() {
        spans.push(Span::styled(
            format!("│ ⚠ no topic: {} ", clean(&h.missing_topics.join(", "))),
            Style::default().fg(theme.warn),
        ));
    }
    if let Some(r) = &h.registry {
        spans.push(Span::styled(
            format!("│ ⚠ {} ", clean(r)),
            Style::default().fg(theme.warn),
        ));
    }
    if let Some(fl) = &s.follow {
        spans.push(Span::styled(
            format!("│ » following job {} ({} seen) ", clean(&fl.label), fl.seen),
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        ));
    }
    let stuck = s.jobs.stuck_count();
    if stuck > 0 {
        spans.push(Span::styled(
            format!(
                "│ ⧗ {stuck} stuck job{} ",
                if stuck == 1 { "" } else { "s" }
            ),
            Style::default().fg(theme.warn).add_modifier(Modifier::BOLD),
        ));
    }
    if let Some((n, _)) = &h.notice {
        spans.push(Span::styled(
            format!("│ ✓ {} ", clean(n)),
            Style::default().fg(theme.ok),
        ));
    }
    if let Some((w, _)) = &h.warning {
        spans.push(Span::styled(
            format!("│ ⚠ {} ", clean(w)),
            Style::default().fg(theme.warn),
        ));
    }
    rates_and_self_lag(&mut spans, s, theme);
    f.render_widget(
        Line::from(crate::tui::widgets::spans::fit_spans(
            spans,
            area.width as usize,
        )),
        area,
    );
}

/// Records per second of each record pane, and how far kdeck's own reader is behind.
fn rates_and_self_lag(spans: &mut Vec<Span<'static>>, s: &State, theme: &Theme) {
    let h = &s.health;
    for role in Role::ALL {
        let p = s.stream(role);
        spans.push(Span::styled("│ ", Style::default().fg(theme.border)));
        spans.push(Span::raw(format!(
            "{} {:.1}/s ",
            match role {
                Role::Completion => "compl",
                Role::Status => "status",
                Role::Dlq => "dlq",
            },
            p.rate.rate(s.now_ms, 5)
        )));
    }
    if h.self_lag >= 1000 {
        // kdeck's own reader: small numbers are records in flight, large ones mean it lags.
        let style = if h.self_lag > 10_000 {
            theme.warn
        } else {
            theme.muted
        };
        spans.push(Span::styled(
            format!("│ behind {} ", crate::codec::text::human_count(h.self_lag)),
            Style::default().fg(style),
        ));
    }
}

/// The connection state, in words: connecting, connected (with the broker count), or what
/// went wrong (the worker's words say that it keeps trying).
fn connection_span(h: &crate::tui::app::state::Health, theme: &Theme) -> Span<'static> {
    match &h.connection {
        Connection::Connecting => Span::styled(
            format!("◌ connecting to {} ", h.brokers),
            Style::default().fg(theme.warn),
        ),
        Connection::Connected { brokers } => {
            let n = if *brokers > 0 {
                format!(
                    " ({brokers} broker{})",
                    if *brokers == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            };
            Span::styled(
                format!("● {}{n} ", h.brokers),
                Style::default().fg(theme.ok),
            )
        }
        Connection::Down { error } => Span::styled(
            format!("✗ {}: {} ", h.brokers, clean(error)),
            Style::default().fg(theme.failed),
        ),
    }
}

fn draw_tabs(f: &mut Frame, area: ratatui::layout::Rect, s: &State, theme: &Theme) {
    let mut spans = Vec::new();
    for (i, p) in PaneId::ORDER.iter().enumerate() {
        let style = if *p == s.focus {
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            Style::default().fg(theme.muted)
        };
        spans.push(Span::styled(format!(" {} {} ", i + 1, p.title()), style));
        spans.push(Span::raw(" "));
    }
    f.render_widget(
        Line::from(crate::tui::widgets::spans::fit_spans(
            spans,
            area.width as usize,
        )),
        area,
    );
}

fn draw_hints(f: &mut Frame, area: ratatui::layout::Rect, s: &State, theme: &Theme, km: &Keymap) {
    let ctx = s.key_context();
    // Dashboard-wide keys around the focused pane's own; a modal shows only its own.
    let mut wanted: Vec<(Action, &str)> = Vec::new();
    let dashboard = s.modal.is_none();
    if dashboard {
        wanted.extend([
            (Action::Quit, "quit"),
            (Action::Help, "help"),
            (Action::FocusNext, "focus"),
        ]);
    }
    wanted.extend_from_slice(s.hints());
    if dashboard {
        wanted.push((Action::Zoom, "zoom"));
    }
    let mut spans = Vec::new();
    for (a, label) in &wanted {
        if let Some(k) = km.key_for(ctx, *a) {
            spans.push(Span::styled(
                format!(" {k} "),
                Style::default()
                    .fg(theme.accent)
                    .add_modifier(Modifier::BOLD),
            ));
            spans.push(Span::styled(
                format!("{label} "),
                Style::default().fg(theme.muted),
            ));
        }
    }
    f.render_widget(
        Line::from(crate::tui::widgets::spans::fit_spans(
            spans,
            area.width as usize,
        )),
        area,
    );
}
