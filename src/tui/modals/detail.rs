//! The detail view of one record: where it sits, its headers, key and the value pretty-printed.

use crate::codec::decode::pretty_value;
use crate::codec::sanitize::clean;
use crate::codec::text::fit;
use crate::domain::{bytes_display, PayloadKind, Record};
use crate::tui::app::action::Action;
use crate::tui::app::component::{nav_delta, opened_elsewhere, Cx, DrawCx, Entry, Hint, Modal, Reply, Subject};
use crate::tui::keymap::Context;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Lines of a value shown at most; the rest is summarised.
const MAX_VALUE_LINES: usize = 20_000;

/// Screen rows kept at most for one record (16 bytes each); the rest is summarised.
const MAX_ROWS: usize = 200_000;
/// Widest label column; longer header names are cut with an ellipsis.
const MAX_LABEL: usize = 28;

pub const ENTRY: Entry = Entry {
    context: "detail",
    keys: concat!(
        crate::tui::app::component::nav_keys!(),
        r#"
"esc" = "close"
"q" = "close"
"enter" = "close"
"t" = "timeline"
"y" = "copy"
"b" = "raw_bytes"
"O" = "offsets"
"#
    ),
    dashboard_keys: "",
    opens_on: &[],
    open: opened_elsewhere,
};

pub struct DetailState {
    pub title: String,
    /// (label, text), both sanitised; an empty label marks a body line.
    pub lines: Vec<(String, String)>,
    /// The first screen row shown: scrolling moves by wrapped row, not by logical line, so
    /// every part of a long one-line value can be reached.
    pub scroll: usize,
    /// The wrapped rows for `wrap_width` text columns, and how many rows the view shows.
    rows: Vec<WrapRow>,
    wrap_width: (usize, usize),
    view_rows: usize,
    /// "esc close · ↓ scroll" with the keys in force, set when the view opens.
    pub keys: String,
    /// The record shown: its job's timeline opens from here.
    pub record: Box<Record>,
    /// The value as held (cut at `ui.max_value_bytes`), for copying; None: a tombstone.
    pub value: Option<Vec<u8>>,
    /// Showing the bytes of a value decoded through a schema instead of its JSON.
    pub raw: bool,
}

/// One screen row: which line, which bytes of its text, and whether it starts the line.
#[derive(Clone, Copy, Debug, PartialEq)]
struct WrapRow {
    line: u32,
    start: u32,
    end: u32,
}

impl DetailState {
    /// The record's detail, wrapped for a 120x40 terminal until `fit_to` says otherwise.
    pub fn from_record(r: &Record) -> DetailState {
        DetailState::showing(r, false)
    }

    /// `raw`: a schema value's bytes rather than its decoded JSON.
    fn showing(r: &Record, raw: bool) -> DetailState {
        let mut lines = facts(r);
        schema_lines(r, &mut lines);
        origin_and_headers(r, &mut lines);
        value_lines(r, raw, &mut lines);
        let lines = lines
            .into_iter()
            .map(|(l, t)| (clean(&l).into_owned(), clean(&t).into_owned()))
            .collect();
        let mut d = DetailState {
            title: clean(&format!("{}/{}@{}", r.topic, r.partition, r.offset)).into_owned(),
            lines,
            scroll: 0,
            rows: Vec::new(),
            wrap_width: (0, 0),
            view_rows: 1,
            keys: "esc close · ↓ scroll".into(),
            record: Box::new(r.clone()),
            value: match shown_json(r, raw) {
                Some(j) => Some(j.as_bytes().to_vec()),
                None => r.value.clone(),
            },
            raw,
        };
        d.fit_to((120, 40));
        d
    }

    /// Re-wraps for a terminal of `size` (columns, rows), keeping the first row shown on the
    /// same line.
    pub fn fit_to(&mut self, size: (u16, u16)) {
        let rect = super::centered(Rect::new(0, 0, size.0, size.1), 92, 90);
        let width = text_width(self, rect.width);
        self.view_rows = rect.height.saturating_sub(2).max(1) as usize;
        if width != self.wrap_width || self.rows.is_empty() {
            let line = self.rows.get(self.scroll).map_or(0, |r| r.line);
            self.rows = wrap_rows(&self.lines, width);
            self.wrap_width = width;
            self.scroll = self.rows.iter().position(|r| r.line >= line).unwrap_or(0);
        }
        self.scroll = self.scroll.min(self.max_scroll());
    }

    fn max_scroll(&self) -> usize {
        self.rows.len().saturating_sub(self.view_rows)
    }

    pub fn scroll_by(&mut self, delta: isize) {
        self.scroll = (self.scroll as isize)
            .saturating_add(delta)
            .clamp(0, self.max_scroll() as isize) as usize;
    }

    pub const HINTS: &'static [Hint] = &[
        (Action::Close, "close"),
        (Action::Down, "scroll"),
        (Action::Timeline, "job timeline"),
        (Action::Copy, "copy value"),
        (Action::Offsets, "skip it (offsets)"),
    ];

    /// A schema value's: its bytes are one key away.
    pub const SCHEMA_HINTS: &'static [Hint] = &[
        (Action::Close, "close"),
        (Action::Down, "scroll"),
        (Action::Timeline, "job timeline"),
        (Action::Copy, "copy value"),
        (Action::RawBytes, "bytes/decoded"),
        (Action::Offsets, "skip it (offsets)"),
    ];

    fn shown_hints(&self) -> &'static [Hint] {
        if self.record.decoded.schema.is_some() {
            Self::SCHEMA_HINTS
        } else {
            Self::HINTS
        }
    }

    pub fn on_key(&mut self, action: Action, page: isize) -> Reply {
        if let Some(d) = nav_delta(action, page * 2) {
            self.scroll_by(d);
            return Reply::Done;
        }
        match action {
            Action::Close | Action::Open => Reply::Close,
            Action::Top => {
                self.scroll = 0;
                Reply::Done
            }
            Action::Bottom => {
                self.scroll_by(isize::MAX / 2);
                Reply::Done
            }
            Action::Help => Reply::Help,
            Action::Quit => Reply::Quit,
            Action::RawBytes if self.record.decoded.schema.is_some() => {
                let (scroll, keys, size) = (self.scroll, self.keys.clone(), self.wrap_width);
                let record = self.record.clone();
                *self = DetailState::showing(&record, !self.raw);
                self.keys = keys;
                if size != (0, 0) {
                    self.scroll = scroll.min(self.max_scroll());
                }
                Reply::Done
            }
            Action::Timeline => Reply::Forward {
                action,
                subject: Subject::Record(self.record.clone()),
                over: false,
            },
            // Skip this record (or a dead letter's origin): the dialog opens over the view.
            Action::Offsets => Reply::Forward {
                action,
                subject: Subject::Record(self.record.clone()),
                over: true,
            },
            Action::Copy => Reply::Copy(
                self.value
                    .as_deref()
                    .map(crate::tui::clipboard::Copied::of_value),
            ),
            _ => Reply::Done,
        }
    }

    /// Screen rows of the whole record at the current size.
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// Bytes of text held, for the memory bound the tests check.
    pub fn text_bytes(&self) -> usize {
        self.lines
            .iter()
            .map(|(l, t)| l.len() + t.len())
            .sum::<usize>()
            + self.rows.len() * std::mem::size_of::<WrapRow>()
    }
}

impl Modal for DetailState {
    fn context(&self) -> Context {
        Context::named(ENTRY.context)
    }

    fn handle(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply {
        self.on_key(action, cx.page)
    }

    fn hints(&self) -> &'static [Hint] {
        self.shown_hints()
    }

    fn refit(&mut self, cx: &mut Cx<'_>) {
        self.fit_to(cx.size);
        self.keys = cx.keymap.hint(self.context(), self.shown_hints());
    }

    fn draw(&self, f: &mut Frame, area: Rect, cx: &DrawCx<'_>) {
        draw(f, area, self, cx.theme)
    }

    fn wheel_scrolls(&self) -> bool {
        true
    }

    crate::tui::app::component::modal_any!();
}

/// Where the record sits and what kdeck made of it.
fn facts(r: &Record) -> Vec<(String, String)> {
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut kv = |k: &str, v: String| lines.push((k.to_string(), v));
    kv("topic", r.topic.clone());
    kv("partition", r.partition.to_string());
    kv("offset", r.offset.to_string());
    kv(
        "timestamp",
        r.timestamp_ms
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| {
                format!(
                    "{} ({} ms)",
                    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    t.timestamp_millis()
                )
            })
            .unwrap_or_else(|| "(none)".into()),
    );
    kv(
        "key",
        match &r.key {
            None => "(null)".into(),
            Some(k) => format!("{} ({} B)", bytes_display(k, 200), k.len()),
        },
    );
    let kind = match r.decoded.kind {
        PayloadKind::Null => "tombstone",
        PayloadKind::Empty => "empty",
        PayloadKind::Json => "JSON",
        PayloadKind::Text => "text (not JSON)",
        PayloadKind::Binary => "binary (not UTF-8), shown as hex",
        PayloadKind::Schema => "schema registry wire format",
    };
    let mut size = format!("{} B · {kind}", r.value_size);
    if r.truncated() {
        size.push_str(&format!(
            " · showing the first {} B (ui.max_value_bytes)",
            r.value.as_ref().map_or(0, |v| v.len())
        ));
    }
    kv("size", size);
    if let Some(t) = &r.decoded.event_type {
        kv("event type", t.clone());
    }
    if let Some(s) = &r.decoded.status {
        kv("status", s.clone());
    }
    if let Some(j) = &r.decoded.job_id {
        kv("job id", j.clone());
    }
    lines
}

/// The JSON shown for a value decoded through a schema (None: show the bytes).
fn shown_json(r: &Record, raw: bool) -> Option<&str> {
    if raw {
        return None;
    }
    r.decoded.schema.as_deref()?.json.as_deref()
}

/// Which schema a wire-format value names, and what became of decoding it.
fn schema_lines(r: &Record, lines: &mut Vec<(String, String)>) {
    let Some(s) = r.decoded.schema.as_deref() else {
        return;
    };
    let mut what = Vec::new();
    if !s.format.is_empty() {
        what.push(s.format.clone());
    }
    if let Some(id) = s.id {
        what.push(format!("id {id}"));
    }
    if let Some(sub) = &s.subject {
        what.push(match s.version {
            Some(v) => format!("subject {sub} version {v}"),
            None => format!("subject {sub}"),
        });
    }
    if let Some(m) = &s.message {
        what.push(format!("message {m}"));
    }
    if let Some(f) = &s.file {
        what.push(format!("file {f}"));
    }
    lines.push(("schema".into(), what.join(" · ")));
    let state = match &s.state {
        crate::domain::SchemaState::Decoded => "decoded (b: the bytes)".to_string(),
        crate::domain::SchemaState::Pending => "the schema is being fetched".to_string(),
        crate::domain::SchemaState::Failed(why) => format!("shown as bytes: {why}"),
    };
    lines.push(("decoding".into(), state));
}

/// A dead letter's origin, then every header.
fn origin_and_headers(r: &Record, lines: &mut Vec<(String, String)>) {
    let mut kv = |k: &str, v: String| lines.push((k.to_string(), v));
    if let Some(o) = &r.decoded.dlq {
        for (label, value) in crate::codec::decode::dlq::describe(o) {
            kv(label, value);
        }
    }
    kv("headers", format!("{}", r.headers.len()));
    for h in &r.headers {
        let v = match &h.value {
            None => "(null)".to_string(),
            Some(v) => bytes_display(v, 300),
        };
        kv(&format!("  {}", h.key), v);
    }
}

/// The value pretty-printed, and what of it is not shown.
fn value_lines(r: &Record, raw: bool, lines: &mut Vec<(String, String)>) {
    let json = shown_json(r, raw);
    let label = match (json, r.decoded.schema.as_deref()) {
        (Some(_), Some(s)) => format!("value ({} decoded)", s.format),
        (None, Some(_)) => "value (bytes)".into(),
        _ => "value".into(),
    };
    lines.push((label, String::new()));
    let cut = r.truncated();
    // A cut value may no longer parse as JSON: show it as the text it is.
    let body = match json {
        Some(j) => pretty_value(Some(j.as_bytes()), MAX_VALUE_LINES),
        None if r.decoded.schema.is_some() => hex_rows(r.value.as_deref().unwrap_or_default()),
        None => pretty_value(r.value.as_deref(), MAX_VALUE_LINES),
    };
    let full = body.len() >= MAX_VALUE_LINES;
    for l in body {
        lines.push((String::new(), l));
    }
    if full {
        lines.push((
            String::new(),
            format!("… (the view shows the first {MAX_VALUE_LINES} lines)"),
        ));
    }
    if cut {
        lines.push((String::new(), "… (cut)".into()));
    }
}

/// A wire-format value's bytes, 16 to a row with their offset: a zero byte and the id lead,
/// which text with control characters blanked would hide.
fn hex_rows(v: &[u8]) -> Vec<String> {
    v.chunks(16)
        .take(MAX_VALUE_LINES)
        .enumerate()
        .map(|(i, c)| {
            let hex: Vec<String> = c.iter().map(|b| format!("{b:02x}")).collect();
            let text: String = c
                .iter()
                .map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' })
                .collect();
            format!("{:06x}  {:<47}  {text}", i * 16, hex.join(" "))
        })
        .collect()
}

fn label_width(d: &DetailState) -> usize {
    d.lines
        .iter()
        .map(|(l, _)| UnicodeWidthStr::width(l.as_str()))
        .max()
        .unwrap_or(0)
        .min(MAX_LABEL)
}

/// Text columns of a row: (labelled lines: the box's inner width less the label column, body
/// lines: the inner width less a margin).
fn text_width(d: &DetailState, box_width: u16) -> (usize, usize) {
    let inner = (box_width as usize).saturating_sub(2);
    (
        inner.saturating_sub(3 + label_width(d)).max(8),
        inner.saturating_sub(1).max(8),
    )
}

/// Cuts each line into rows of at most `width` columns (by display width, never inside a
/// character).
fn wrap_rows(lines: &[(String, String)], widths: (usize, usize)) -> Vec<WrapRow> {
    let mut rows = Vec::new();
    for (i, (label, text)) in lines.iter().enumerate() {
        let width = if label.is_empty() { widths.1 } else { widths.0 };
        let (mut start, mut w) = (0usize, 0usize);
        for (at, c) in text.char_indices() {
            let cw = UnicodeWidthChar::width(c).unwrap_or(0);
            if w + cw > width && at > start {
                rows.push(WrapRow {
                    line: i as u32,
                    start: start as u32,
                    end: at as u32,
                });
                (start, w) = (at, 0);
            }
            w += cw;
        }
        rows.push(WrapRow {
            line: i as u32,
            start: start as u32,
            end: text.len() as u32,
        });
        if rows.len() >= MAX_ROWS {
            rows.truncate(MAX_ROWS);
            break;
        }
    }
    rows
}

pub fn draw(f: &mut Frame, area: Rect, d: &DetailState, theme: &Theme) {
    let rect = super::centered(area, 92, 90);
    let label_w = label_width(d);
    // Drawn at another size than the state was fitted to (a test, a resize on its way):
    // wrap for this one.
    let width = text_width(d, rect.width);
    let local;
    let rows = if width == d.wrap_width {
        &d.rows
    } else {
        local = wrap_rows(&d.lines, width);
        &local
    };
    let visible = rect.height.saturating_sub(2) as usize;
    let first = d.scroll.min(rows.len().saturating_sub(visible));
    let lines: Vec<Line> = rows
        .iter()
        .skip(first)
        .take(visible)
        .map(|r| {
            let (label, text) = &d.lines[r.line as usize];
            let part = &text[r.start as usize..r.end as usize];
            let head = if label.is_empty() {
                " ".to_string()
            } else if r.start > 0 {
                " ".repeat(label_w + 3)
            } else {
                format!(" {}  ", pad(&fit(label, label_w), label_w))
            };
            let style = if label.is_empty() {
                Style::default().fg(theme.text)
            } else {
                Style::default()
            };
            Line::from(vec![
                Span::styled(head, Style::default().fg(theme.header)),
                Span::styled(part.to_string(), style),
            ])
        })
        .collect();
    let last = (first + visible).min(rows.len());
    let pct = if rows.len() <= visible {
        100
    } else {
        last * 100 / rows.len()
    };
    let block = crate::tui::widgets::dialog::block(format!(" {} ", d.title), theme).title_bottom(Span::styled(
            format!(
                " rows {}-{last} of {} ({pct}%) · {} ",
                (first + 1).min(last),
                rows.len(),
                d.keys
            ),
            Style::default().fg(theme.muted),
        ));
    let inner = crate::tui::widgets::dialog::frame(f, rect, block);
    f.render_widget(Paragraph::new(lines), inner);
}

/// `s` padded with spaces to `width` display columns.
fn pad(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}
