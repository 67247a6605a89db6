//! The export dialog: one path field (a timestamped file in the platform data folder unless
//! the user types another), Enter writes the records as JSONL in `kdeck tail`'s format, Esc
//! cancels. The file is written off the UI task; the status line says how many records went
//! where, or why none did.

use crate::domain::Record;
use crate::engine::export::Batch;
use crate::tui::app::action::Action;
use crate::tui::app::component::{Cx, DrawCx, Entry, Hint, Modal, Reply, Subject};
use crate::tui::app::effect::Effect;
use crate::tui::app::state::State;
use crate::tui::keymap::Context;
use crate::tui::panes::PaneId;
use crate::tui::theme::Theme;
use crate::tui::widgets::input::TextField;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use std::path::PathBuf;

/// Which records the dialog writes.
pub enum Source {
    /// A record pane as shown: after its filter, oldest first; read when Enter is pressed.
    Pane(crate::domain::Role),
    /// Records another view handed over (a search result, a timeline), in their order.
    Records(Vec<Record>),
}

pub const ENTRY: Entry = Entry {
    context: "export",
    keys: r#"
"enter" = "confirm"
"esc" = "close"
"#,
    dashboard_keys: r#""E" = "export""#,
    opens_on: &[Action::Export],
    open,
};

pub struct ExportDialog {
    /// What is exported, for the title ("Status pane").
    pub label: String,
    pub source: Source,
    pub field: TextField,
    /// Records that will be written (the pane's count when the dialog opened).
    pub count: usize,
}

impl ExportDialog {
    pub const HINTS: &'static [Hint] = &[(Action::Confirm, "write"), (Action::Close, "cancel")];

    pub fn on_key(&mut self, action: Action) -> Reply {
        match action {
            Action::Close => Reply::Close,
            Action::Confirm => {
                let text = self.field.value().trim();
                if text.is_empty() {
                    self.field.error = Some("type the path of the file to write".into());
                    return Reply::Done;
                }
                Reply::Export(crate::engine::export::expand(text))
            }
            _ => Reply::Done,
        }
    }
}

impl Modal for ExportDialog {
    fn context(&self) -> Context {
        Context::named(ENTRY.context)
    }

    fn handle(&mut self, action: Action, _cx: &mut Cx<'_>) -> Reply {
        self.on_key(action)
    }

    fn hints(&self) -> &'static [Hint] {
        Self::HINTS
    }

    fn focused_field(&mut self) -> Option<&mut TextField> {
        Some(&mut self.field)
    }

    fn draw(&self, f: &mut Frame, area: Rect, cx: &DrawCx<'_>) {
        draw(f, area, self, cx.theme)
    }

    crate::tui::app::component::modal_any!();
}

/// `E` on the dashboard: exports the focused record pane as shown.
fn open(_: Action, _: Subject, cx: &mut Cx<'_>) -> Reply {
    let PaneId::Stream(role) = cx.focus else {
        cx.warn("export works on the completion, status and DLQ panes");
        return Reply::Done;
    };
    let count = cx.stream(role).len();
    let label = format!("{} pane", role.title());
    let path = crate::engine::export::default_path(cx.export_dir, &label, cx.now_ms);
    Reply::open(dialog(&label, Source::Pane(role), count, &path))
}

fn dialog(label: &str, source: Source, count: usize, path: &std::path::Path) -> ExportDialog {
    ExportDialog {
        label: label.to_string(),
        source,
        field: TextField::new(&path.display().to_string()),
        count,
    }
}

/// The dialog for records another view hands over (a search's results, a timeline).
pub fn for_records(
    export_dir: Option<&std::path::Path>,
    now_ms: i64,
    label: &str,
    records: Vec<Record>,
) -> ExportDialog {
    let path = crate::engine::export::default_path(export_dir, label, now_ms);
    let count = records.len();
    dialog(label, Source::Records(records), count, &path)
}

/// Records an export copies from a pane per step: a large pane is copied across several
/// steps, with keys and frames in between (about 1 µs a record).
pub const GATHER_STEP: usize = 20_000;

/// A pane's export being copied: the shown records' sequence numbers when Enter was pressed.
pub struct Gather {
    role: crate::domain::Role,
    path: PathBuf,
    seqs: std::collections::VecDeque<u64>,
    records: Vec<Record>,
    /// Records that left the ring before they were copied.
    gone: u64,
}

/// Enter with a path: closes the dialog and hands its records to the export worker (a large
/// pane after a few `gather_step`s).
pub fn start(state: &mut State, path: PathBuf) -> Vec<Effect> {
    let Some(d) = state.modal_as_mut::<ExportDialog>() else {
        return vec![];
    };
    let d = ExportDialog {
        label: std::mem::take(&mut d.label),
        source: std::mem::replace(&mut d.source, Source::Records(Vec::new())),
        field: TextField::new(""),
        count: d.count,
    };
    state.modal = state.parked.pop();
    state.health.notice = Some((
        format!("exporting {} records to {}…", d.count, path.display()),
        state.now_ms,
    ));
    match d.source {
        Source::Records(records) => vec![Effect::Export {
            path,
            records: Batch(records),
        }],
        Source::Pane(role) => {
            let seqs = state.stream(role).shown_seqs();
            state.export_gather = Some(Gather {
                role,
                path,
                records: Vec::with_capacity(seqs.len()),
                seqs,
                gone: 0,
            });
            gather_step(state)
        }
    }
}

/// Copies the next chunk of a pane's export; the last one hands the records to the worker.
pub fn gather_step(state: &mut State) -> Vec<Effect> {
    let Some(g) = &mut state.export_gather else {
        return vec![];
    };
    let pane = &state.streams[g.role.index()];
    for seq in g.seqs.drain(..g.seqs.len().min(GATHER_STEP)) {
        match pane.by_seq(seq) {
            Some(r) => g.records.push(r.clone()),
            None => g.gone += 1,
        }
    }
    if !g.seqs.is_empty() {
        return vec![];
    }
    let Some(g) = state.export_gather.take() else {
        return vec![];
    };
    if g.gone > 0 {
        state.health.warning = Some((
            format!(
                "export: {} records left the pane (its ring was full) before they were copied",
                g.gone
            ),
            state.now_ms,
        ));
    }
    vec![Effect::Export {
        path: g.path,
        records: Batch(g.records),
    }]
}

/// The pane's records as shown (after its filter), oldest first like `kdeck tail`.
pub fn shown_oldest_first(pane: &crate::tui::panes::stream::StreamPane) -> Vec<Record> {
    (0..pane.len())
        .rev()
        .filter_map(|i| pane.nth_newest(i).cloned())
        .collect()
}

pub fn draw(f: &mut Frame, area: Rect, d: &ExportDialog, theme: &Theme) {
    let w = area.width.saturating_sub(4).min(110);
    let h = 5.min(area.height);
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + area.height.saturating_sub(h) / 2,
        w,
        h,
    );
    let title = format!(
        " export {} records of the {} as JSONL (kdeck tail's format) ",
        d.count,
        crate::codec::sanitize::clean(&d.label)
    );
    let inner = crate::tui::widgets::dialog::frame(
        f,
        rect,
        crate::tui::widgets::dialog::block(title, theme),
    );
    if inner.height == 0 {
        return;
    }
    let field = Rect::new(inner.x + 1, inner.y, inner.width.saturating_sub(2), 1);
    d.field
        .draw(f, field, "file", true, Style::default().fg(theme.accent));
    let below = Rect::new(
        inner.x + 1,
        inner.y + 1,
        inner.width.saturating_sub(2),
        inner.height.saturating_sub(1),
    );
    let line = crate::tui::widgets::input::error_or_hint(
        &d.field,
        "enter write · esc cancel · an existing file is never overwritten",
        theme,
    );
    f.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), below);
}
