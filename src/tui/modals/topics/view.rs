//! The topic browser's drawing: a summary line, the narrowing field, the "use these topics"
//! row, then the topics as a table (roles, name, partitions × replication, retention,
//! records/s, last record, size, the proposal with its evidence), or one topic's records.

use super::{Browser, Listing, TopicRow, GUESSES};
use crate::codec::text::{fit, human_count, human_secs};
use crate::domain::browse::{Confidence, Guess};
use crate::tui::app::component::DrawCx;
use crate::tui::theme::Theme;
use crate::tui::widgets::dialog;
use crate::tui::widgets::table::{allot, grid};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, b: &Browser, cx: &DrawCx<'_>) {
    let theme = cx.theme;
    let rect = crate::tui::modals::centered(area, 96, 92);
    let title = format!(" Topics of {} ", b.brokers);
    let inner = dialog::frame(f, rect, dialog::block(title, theme));
    if inner.height < 4 {
        return;
    }
    let w = inner.width as usize;
    let top = Rect::new(inner.x, inner.y, inner.width, 1);
    f.render_widget(Line::styled(fit(&summary(b), w), Style::default().fg(theme.muted)), top);
    let mut y = inner.y + 1;
    if let Some(field) = &b.save_as {
        let at = Rect::new(inner.x, y, inner.width, 1);
        field.draw(f, at, "save as profile", true, Style::default().fg(theme.accent));
        y += 1;
        if let Some(e) = &field.error {
            let at = Rect::new(inner.x, y, inner.width, 1);
            f.render_widget(Line::styled(fit(e, w), Style::default().fg(theme.failed)), at);
            y += 1;
        }
    } else if b.narrowing || !b.narrow.value().is_empty() {
        let at = Rect::new(inner.x, y, inner.width, 1);
        b.narrow.draw(f, at, "narrow", b.narrowing, Style::default().fg(theme.accent));
        y += 1;
    }
    let rest = Rect::new(inner.x, y, inner.width, inner.bottom().saturating_sub(y));
    if let Some(pane) = b.peek_pane() {
        let name = b.peeking.clone().unwrap_or_default();
        let title = vec![Span::styled(
            format!(" newest records of {name} (sampled) "),
            Style::default().fg(theme.title).add_modifier(Modifier::BOLD),
        )];
        let marks = Default::default();
        let empty = "no records sampled: the topic is empty or did not answer in time";
        crate::tui::panes::stream::view::draw_titled(
            f, rest, &pane, true, theme, title, &marks, empty,
        );
        return;
    }
    if let Listing::Failed(e) = &b.listing {
        let p = Paragraph::new(Line::styled(e.clone(), Style::default().fg(theme.failed)))
            .wrap(ratatui::widgets::Wrap { trim: false });
        f.render_widget(p, rest);
        return;
    }
    draw_use_row(f, rest, b, theme);
    // The selected topic's evidence in full, under the table.
    let below = if rest.height > 8 { 2 } else { 0 };
    let table_h = rest.height.saturating_sub(1 + below);
    let table_area = Rect::new(rest.x, rest.y + 1, rest.width, table_h);
    draw_table(f, table_area, b, cx);
    if below > 0 {
        let at = Rect::new(rest.x, rest.y + 1 + table_h, rest.width, below);
        draw_evidence(f, at, b, theme);
    }
}

fn draw_evidence(f: &mut Frame, area: Rect, b: &Browser, theme: &Theme) {
    let Some(r) = b.selected.checked_sub(1).and_then(|i| b.visible().get(i).copied()) else {
        return;
    };
    let text = match (&r.info.error, &r.proposal) {
        (Some(e), _) => format!("{} cannot be read: {e}", r.info.name),
        (None, Some(p)) => format!("{}: {}", r.info.name, p.evidence),
        (None, None) => format!("{}: sampling its newest records…", r.info.name),
    };
    let text = crate::codec::sanitize::clean(&text).into_owned();
    let p = Paragraph::new(Line::styled(text, Style::default().fg(theme.text)))
        .wrap(ratatui::widgets::Wrap { trim: true });
    f.render_widget(p, area);
}

/// What the list is doing: listing, proposing (n of m), done.
fn summary(b: &Browser) -> String {
    let shown = b.visible().len();
    let what = if b.internal { "topics (internal shown)" } else { "topics" };
    match (&b.listing, b.recognised_ms) {
        (Listing::Waiting, _) => "listing the cluster's topics…".into(),
        (Listing::Failed(_), _) => "the topics could not be listed".into(),
        (Listing::Listed, None) => format!(
            "{} {what} · proposing roles from their newest records: {} of {} done…",
            b.rows.len(),
            b.proposed,
            b.rows.len()
        ),
        (Listing::Listed, Some(ms)) => {
            let mut s = format!(
                "{} {what} · roles proposed from their newest records in {:.1} s",
                b.rows.len(),
                ms as f64 / 1000.0
            );
            if shown < b.rows.len() {
                s.push_str(&format!(" · {shown} shown"));
            }
            if b.first_start {
                s.push_str(" · none of the configured topics exists here: the proposals are taken");
            }
            s
        }
    }
}

/// Row 0: what `enter` there (or `a`) opens the dashboard on.
fn draw_use_row(f: &mut Frame, area: Rect, b: &Browser, theme: &Theme) {
    let t = b.topics();
    let mut parts: Vec<String> = Vec::new();
    for (word, list) in [
        ("completion", &t.completion),
        ("status", &t.status),
        ("DLQ", &t.dlq),
        ("request", &t.request),
    ] {
        if !list.is_empty() {
            parts.push(format!("{word}: {}", list.join(", ")));
        }
    }
    let text = if parts.is_empty() {
        "▶ use these topics: none has a role yet (c, s, d, r on a row; p takes the proposals)".to_string()
    } else {
        format!("▶ use these topics: {}", parts.join(" · "))
    };
    let mut style = Style::default().fg(theme.accent).add_modifier(Modifier::BOLD);
    if b.selected == 0 {
        style = style.patch(theme.selected());
    }
    let at = Rect::new(area.x, area.y, area.width, 1);
    let line = crate::codec::sanitize::cell(&text, area.width as usize);
    f.render_widget(Line::styled(line, style), at);
}

const COLS: [&str; 9] = [
    "role", "topic", "parts", "retain", "rec/s", "newest", "records", "proposed", "evidence",
];

fn draw_table(f: &mut Frame, area: Rect, b: &Browser, cx: &DrawCx<'_>) {
    let visible = b.visible();
    let rows_room = area.height.saturating_sub(1) as usize;
    let sel = b.selected.checked_sub(1);
    let first = sel.map_or(0, |s| (s + 1).saturating_sub(rows_room.max(1)));
    let shown: Vec<&&TopicRow> = visible.iter().skip(first).take(rows_room).collect();
    let widest = |f: &dyn Fn(&TopicRow) -> usize| shown.iter().map(|r| f(r)).max().unwrap_or(0);
    let name_w = widest(&|r| r.info.name.chars().count());
    let role_w = widest(&|r| b.assigned.get(&r.info.name).map_or(0, |g| role_chips(g).len()));
    let widths = allot(
        area.width as usize,
        &[
            (4, role_w.max(4)),
            (12, name_w.min(60)),
            (5, 5),
            (6, 6),
            (5, 6),
            (6, 6),
            (5, 7),
            (8, 11),
            (10, 10),
        ],
        Some(8),
    );
    let cols: Vec<(&str, usize)> = COLS.iter().copied().zip(widths).collect();
    let rows = (shown.iter().enumerate())
        .map(|(i, r)| (cells(r, b, cx), sel == Some(first + i)))
        .collect();
    let table = grid(&cols, rows, Block::default(), cx.theme);
    f.render_widget(table, area);
    if visible.is_empty() && matches!(b.listing, Listing::Listed) && area.height > 2 {
        let text = if b.rows.is_empty() { "the cluster has no topics" } else { "no topic has that in its name" };
        let at = Rect::new(area.x + 1, area.y + 1, area.width.saturating_sub(2), 1);
        f.render_widget(Line::styled(text, Style::default().fg(cx.theme.muted)), at);
    }
}

fn cells(r: &TopicRow, b: &Browser, cx: &DrawCx<'_>) -> Vec<(String, Style)> {
    let theme = cx.theme;
    let plain = Style::default();
    let muted = Style::default().fg(theme.muted);
    let roles = b.assigned.get(&r.info.name).map_or(String::new(), |g| role_chips(g));
    let i = &r.info;
    let parts = format!("{}×{}", i.partitions, i.replication);
    let retention = i.retention_ms.map_or("?".into(), retention_words);
    let rate = r.rate.map_or("…".into(), |x| format!("{x:.1}"));
    let last = r.last_ms.map_or("–".into(), |ms| age(cx.now_ms, ms));
    let records = i.records.map_or("?".into(), human_count);
    let (proposed, evidence, style) = match (&i.error, &r.proposal) {
        (Some(e), _) => ("cannot read".into(), e.clone(), Style::default().fg(theme.failed)),
        (None, None) => ("…".into(), "sampling…".into(), muted),
        (None, Some(p)) => (proposed_words(p.role, p.confidence), p.evidence.clone(), plain),
    };
    vec![
        (roles, Style::default().fg(theme.accent).add_modifier(Modifier::BOLD)),
        (i.name.clone(), plain),
        (parts, muted),
        (retention, muted),
        (rate, plain),
        (last, muted),
        (records, muted),
        (proposed, style),
        (evidence, muted),
    ]
}

/// The roles given, short: "DLQ", "compl+status".
fn role_chips(g: &[Guess]) -> String {
    let word = |g: &Guess| match g {
        Guess::Completion => "compl",
        Guess::Status => "status",
        Guess::Dlq => "DLQ",
        Guess::Request => "req",
    };
    let mut ordered: Vec<&Guess> = GUESSES.iter().filter(|x| g.contains(x)).collect();
    ordered.dedup();
    ordered.into_iter().map(word).collect::<Vec<_>>().join("+")
}

fn proposed_words(role: Option<Guess>, c: Confidence) -> String {
    let sure = match c {
        Confidence::High => "",
        Confidence::Medium => "?",
        Confidence::Low => "??",
    };
    match role {
        Some(g) => format!("{}{sure}", g.word()),
        None => format!("none{sure}"),
    }
}

/// `retention.ms` in words: "7 d", "12 h", "forever".
pub fn retention_words(ms: i64) -> String {
    if ms < 0 {
        return "forever".into();
    }
    let h = ms / 3_600_000;
    if h >= 48 && h % 24 == 0 {
        format!("{} d", h / 24)
    } else if h >= 1 {
        format!("{h} h")
    } else {
        human_secs(ms as f64 / 1000.0)
    }
}

/// How old the newest record is: "42s", "3m05s", "2h10m", "3d".
fn age(now_ms: i64, ms: i64) -> String {
    let secs = (now_ms - ms).max(0) as f64 / 1000.0;
    if secs < 86_400.0 {
        human_secs(secs)
    } else {
        format!("{}d", (secs / 86_400.0) as i64)
    }
}
