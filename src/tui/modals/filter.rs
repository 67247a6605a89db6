//! The filter input of a record pane: `/` a quick filter (plain text, any case, over key,
//! headers and value), `f` a jq expression. Enter applies (an empty filter clears), Esc
//! cancels, Up/Down walk the last filters used, Tab picks a saved filter (`[filters]` in the
//! config; `@name` typed works too), ctrl-t switches between this pane and all record panes.
//! An invalid expression shows jaq's error under the field and changes nothing.

use crate::domain::Role;
use crate::engine::filter::Quick;
use crate::support::config::filters::SavedFilter;
use crate::tui::app::action::Action;
use crate::tui::app::component::{Cx, DrawCx, Entry, Hint, Modal, Reply, Subject};
use crate::tui::keymap::Context;
use crate::tui::panes::stream::PaneFilter;
use crate::tui::panes::PaneId;
use crate::tui::theme::Theme;
use crate::tui::widgets::input::TextField;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use std::collections::VecDeque;

/// Filters kept for Up/Down, newest first.
pub const HISTORY_MAX: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterKind {
    Quick,
    Expr,
}

/// The filters used, newest first, both kinds (each entry remembers its kind).
#[derive(Clone, Debug, Default)]
pub struct History {
    entries: VecDeque<(FilterKind, String)>,
    /// The scope last chosen (ctrl-t): the next input starts with it.
    pub all_panes: bool,
}

impl History {
    pub fn push(&mut self, kind: FilterKind, text: &str) {
        self.entries.retain(|(k, t)| !(*k == kind && t == text));
        self.entries.push_front((kind, text.to_string()));
        self.entries.truncate(HISTORY_MAX);
    }

    /// The entries of one kind, newest first.
    pub fn of(&self, kind: FilterKind) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, t)| t.clone())
            .collect()
    }
}

pub const ENTRY: Entry = Entry {
    context: "filter",
    keys: r#"
"enter" = "confirm"
"esc" = "close"
"up" = "up"
"down" = "down"
"tab" = "next_choice"
"backtab" = "prev_choice"
"ctrl-t" = "toggle_all_panes"
"#,
    dashboard_keys: r#"
"/" = "quick_filter"
"f" = "expr_filter"
"#,
    opens_on: &[Action::QuickFilter, Action::ExprFilter],
    open,
};

pub struct FilterDialog {
    pub kind: FilterKind,
    pub role: Role,
    pub field: TextField,
    history: Vec<String>,
    /// Position in `history` shown in the field; None: what the user typed.
    at: Option<usize>,
    typed: String,
    /// Set by Enter on a valid filter: what the pane gets (None clears it).
    chosen: Option<Option<PaneFilter>>,
    /// The config's saved filters (expression input only), and the one Tab picked last.
    pub saved: Vec<SavedFilter>,
    picked: Option<usize>,
    /// Apply to every record pane instead of the focused one.
    pub all_panes: bool,
}

/// Opens the filter input for the focused record pane, filled with its filter of this kind.
fn open(action: Action, _: Subject, cx: &mut Cx<'_>) -> Reply {
    let kind = match action {
        Action::QuickFilter => FilterKind::Quick,
        _ => FilterKind::Expr,
    };
    let PaneId::Stream(role) = cx.focus else {
        cx.warn("filters apply to the completion, status and DLQ panes");
        return Reply::Done;
    };
    // A saved filter shows as its name, as it was typed or picked.
    let current = match cx.stream(role).filter.as_ref().map(|f| &f.filter) {
        Some(PaneFilter::Quick(q)) if kind == FilterKind::Quick => q.text().to_string(),
        Some(PaneFilter::Expr(e)) if kind == FilterKind::Expr => e
            .name()
            .map_or_else(|| e.source().to_string(), |n| format!("@{n}")),
        _ => String::new(),
    };
    let saved = match kind {
        FilterKind::Expr => cx.saved_filters.to_vec(),
        FilterKind::Quick => Vec::new(),
    };
    Reply::open(FilterDialog {
        kind,
        role,
        field: TextField::new(&current),
        history: cx.filter_history.of(kind),
        at: None,
        typed: current,
        chosen: None,
        saved,
        picked: None,
        all_panes: cx.filter_history.all_panes,
    })
}

impl Modal for FilterDialog {
    fn context(&self) -> Context {
        Context::named(ENTRY.context)
    }

    /// A filter chosen with Enter goes to its pane (or every record pane) and the history.
    fn handle(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply {
        let reply = self.on_key(action);
        let Some(choice) = self.chosen.take() else {
            return reply;
        };
        let text = self.field.value().trim().to_string();
        if !text.is_empty() {
            cx.filter_history.push(self.kind, &text);
        }
        cx.filter_history.all_panes = self.all_panes;
        if self.all_panes {
            for p in cx.streams.iter_mut() {
                p.set_filter(choice.clone());
            }
        } else {
            cx.streams[self.role.index()].set_filter(choice);
        }
        Reply::Close
    }

    fn hints(&self) -> &'static [Hint] {
        FilterDialog::hints(self)
    }

    fn focused_field(&mut self) -> Option<&mut TextField> {
        Some(&mut self.field)
    }

    fn draw(&self, f: &mut Frame, area: Rect, cx: &DrawCx<'_>) {
        draw(f, area, self, cx.theme)
    }

    crate::tui::app::component::modal_any!();
}

impl FilterDialog {
    pub const HINTS: &'static [Hint] = &[
        (Action::Confirm, "apply"),
        (Action::Close, "cancel"),
        (Action::Up, "history"),
        (Action::NextChoice, "saved filter"),
        (Action::ToggleAllPanes, "this pane / all panes"),
    ];
    const QUICK_HINTS: &'static [Hint] = &[
        (Action::Confirm, "apply"),
        (Action::Close, "cancel"),
        (Action::Up, "history"),
        (Action::ToggleAllPanes, "this pane / all panes"),
    ];

    /// The footer's keys: saved filters are expressions, so the quick input has no Tab.
    pub fn hints(&self) -> &'static [Hint] {
        match self.kind {
            FilterKind::Expr if !self.saved.is_empty() => Self::HINTS,
            _ => Self::QUICK_HINTS,
        }
    }

    pub fn on_key(&mut self, action: Action) -> Reply {
        match action {
            Action::Close => return Reply::Close,
            Action::Confirm => self.confirm(),
            Action::Up => self.walk(1),
            Action::Down => self.walk(-1),
            Action::NextChoice => self.pick(1),
            Action::PrevChoice => self.pick(-1),
            Action::ToggleAllPanes => self.all_panes = !self.all_panes,
            _ => {}
        }
        Reply::Done
    }

    /// Validates the text; a valid one (or an empty one: clear) is handed to `settle`.
    fn confirm(&mut self) {
        let text = self.field.value().trim();
        if text.is_empty() {
            self.chosen = Some(None);
            return;
        }
        match self.kind {
            FilterKind::Quick => self.chosen = Some(Some(PaneFilter::Quick(Quick::new(text)))),
            FilterKind::Expr => match crate::support::config::filters::lookup(text, &self.saved) {
                Ok(e) => self.chosen = Some(Some(PaneFilter::Expr(e))),
                Err(m) => self.field.error = Some(m),
            },
        }
    }

    /// Tab (next) and shift-Tab (previous) through the saved filters: the field gets `@name`.
    fn pick(&mut self, step: isize) {
        let n = self.saved.len() as isize;
        if n == 0 {
            return;
        }
        let next = match self.picked {
            None if step > 0 => 0,
            None => n - 1,
            Some(i) => (i as isize + step).rem_euclid(n),
        } as usize;
        self.picked = Some(next);
        self.at = None;
        self.field.set(&format!("@{}", self.saved[next].name));
    }

    /// The saved filter the field names (`@name`), for the list's highlight.
    pub fn named(&self) -> Option<usize> {
        let name = self.field.value().trim().strip_prefix('@')?;
        self.saved.iter().position(|s| s.name == name)
    }

    /// Up (older) and Down (newer) through the history; past the newest is what was typed.
    fn walk(&mut self, older: isize) {
        if self.history.is_empty() {
            return;
        }
        if self.at.is_none() {
            self.typed = self.field.value().to_string();
        }
        let next = match self.at {
            None if older > 0 => Some(0),
            None => None,
            Some(i) if older > 0 => Some((i + 1).min(self.history.len() - 1)),
            Some(0) => None,
            Some(i) => Some(i - 1),
        };
        self.at = next;
        let text = next.map_or(self.typed.clone(), |i| self.history[i].clone());
        self.field.set(&text);
    }
}

/// Saved filters listed under the field at most.
const SAVED_SHOWN: usize = 8;

pub fn draw(f: &mut Frame, area: Rect, d: &FilterDialog, theme: &Theme) {
    let listed = d.saved.len().min(SAVED_SHOWN) as u16;
    let w = area.width.saturating_sub(4).min(100);
    let h = (6 + listed + u16::from(listed > 0)).min(area.height);
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + area.height.saturating_sub(h) / 2,
        w,
        h,
    );
    let (title, label) = match d.kind {
        FilterKind::Quick => (
            " quick filter: text in key, headers or value (any case) ",
            "/",
        ),
        FilterKind::Expr => (
            " filter: jq expression, e.g. .value.status == \"failed\" ",
            "jq",
        ),
    };
    let scope = if d.all_panes {
        "all record panes ".to_string()
    } else {
        format!("{} pane ", d.role.title())
    };
    let block = crate::tui::widgets::dialog::block(format!("{title}· {scope}"), theme);
    let inner = crate::tui::widgets::dialog::frame(f, rect, block);
    if inner.height == 0 {
        return;
    }
    let field = Rect::new(inner.x + 1, inner.y, inner.width.saturating_sub(2), 1);
    d.field
        .draw(f, field, label, true, Style::default().fg(theme.accent));
    let below = Rect::new(
        inner.x + 1,
        inner.y + 1,
        inner.width.saturating_sub(2),
        inner.height.saturating_sub(1),
    );
    let mut lines = vec![message_line(d, theme)];
    if listed > 0 {
        lines.push(Line::styled(
            "saved filters (tab picks, or type @name):",
            Style::default().fg(theme.muted),
        ));
        lines.extend(saved_lines(d, theme, below.width as usize));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), below);
}

/// jaq's error, else the keys of the input.
fn message_line<'a>(d: &FilterDialog, theme: &Theme) -> Line<'a> {
    crate::tui::widgets::input::error_or_hint(
        &d.field,
        "enter apply · esc cancel · ↑↓ history · ctrl-t this pane/all panes · empty clears",
        theme,
    )
}

/// `@name  expression`, one a line, the one the field names highlighted.
fn saved_lines<'a>(d: &FilterDialog, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let named = d.named();
    let name_w = d
        .saved
        .iter()
        .map(|s| s.name.chars().count() + 1)
        .max()
        .unwrap_or(0)
        .min(24);
    d.saved
        .iter()
        .take(SAVED_SHOWN)
        .enumerate()
        .map(|(i, s)| {
            let name = crate::codec::text::fit(&format!("@{}", s.name), name_w);
            let text = format!("{name:<name_w$} {}", s.expr.source());
            let text = crate::codec::text::fit(&crate::codec::sanitize::clean(&text), width);
            let style = if named == Some(i) {
                theme.selected()
            } else {
                Style::default()
            };
            Line::styled(text, style)
        })
        .collect()
}
