//! Keys, generated from the keymap in force, and what the panes' marks mean.

use crate::tui::app::action::Action;
use crate::tui::app::component::{nav_delta, opened_elsewhere, Cx, DrawCx, Entry, Hint, Modal, Reply};
use crate::tui::keymap::{Context, Keymap};
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub const ENTRY: Entry = Entry {
    context: "help",
    keys: r#"
"esc" = "close"
"q" = "quit"
"?" = "close"
"up" = "up"
"k" = "up"
"down" = "down"
"j" = "down"
"pageup" = "page_up"
"pagedown" = "page_down"
"home" = "top"
"end" = "bottom"
"#,
    dashboard_keys: "",
    opens_on: &[],
    open: opened_elsewhere,
};

pub struct HelpState {
    pub lines: Vec<(String, String)>,
    pub scroll: usize,
    /// Lines the box shows at the terminal's size (set by `refit`).
    view_rows: usize,
    /// The keys that close help and quit, as bound.
    pub keys: String,
}

/// Notes shown under the keys.
pub const NOTES: &[(&str, &str)] = &[
    ("", ""),
    (
        "Streams",
        "newest first; moving down scrolls back and holds the row while records arrive",
    ),
    (
        "",
        "pause stops reading that pane's partitions: nothing is lost, resume continues",
    ),
    (
        "",
        "status colours: green ok · red failed · yellow in progress · blue pending",
    ),
    (
        "",
        "kdeck reads with assign() and never commits: your groups are never touched",
    ),
    (
        "Mouse",
        "click: focus and select · double-click: open · wheel: scroll ([ui] mouse = false: off)",
    ),
];

impl HelpState {
    pub fn new(keymap: &Keymap) -> HelpState {
        let mut lines = Vec::new();
        let mut last_ctx = None;
        for (ctx, keys, action) in keymap.bindings() {
            if last_ctx != Some(ctx) {
                if last_ctx.is_some() {
                    lines.push((String::new(), String::new()));
                }
                lines.push((format!("[{}]", ctx.name()), String::new()));
                last_ctx = Some(ctx);
            }
            lines.push((keys, action.describe().to_string()));
        }
        for (a, b) in NOTES {
            lines.push((a.to_string(), b.to_string()));
        }
        lines.push(("Log file".into(), crate::support::log::shown()));
        lines.push((String::new(), String::new()));
        lines.push(("[consumer lag statuses]".into(), String::new()));
        for (a, b) in crate::engine::lag::RULES {
            lines.push((a.to_string(), b.to_string()));
        }
        let keys = keymap.hint(
            Context::named(ENTRY.context),
            &[(Action::Close, "close"), (Action::Quit, "quit")],
        );
        HelpState {
            lines,
            scroll: 0,
            view_rows: 1,
            keys,
        }
    }

    pub fn scroll_by(&mut self, delta: isize) {
        let max = self.max_scroll() as isize;
        self.scroll = (self.scroll as isize + delta).clamp(0, max) as usize;
    }

    /// Scrolled to the end, the last line is at the bottom of the box.
    fn max_scroll(&self) -> usize {
        self.lines.len().saturating_sub(self.view_rows)
    }

    pub const HINTS: &'static [Hint] = &[(Action::Close, "close"), (Action::Down, "scroll")];

    pub fn keys_of(&mut self, action: Action, page: isize) -> Reply {
        if let Some(d) = nav_delta(action, page) {
            self.scroll_by(d);
            return Reply::Done;
        }
        match action {
            Action::Close | Action::Help => Reply::Close,
            Action::Quit => Reply::Quit,
            Action::Top => {
                self.scroll = 0;
                Reply::Done
            }
            Action::Bottom => {
                self.scroll = self.max_scroll();
                Reply::Done
            }
            _ => Reply::Done,
        }
    }
}

impl Modal for HelpState {
    fn context(&self) -> Context {
        Context::named(ENTRY.context)
    }

    fn handle(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply {
        self.keys_of(action, cx.page)
    }

    fn refit(&mut self, cx: &mut Cx<'_>) {
        let rect = super::centered(Rect::new(0, 0, cx.size.0, cx.size.1), 80, 85);
        self.view_rows = rect.height.saturating_sub(2).max(1) as usize;
        self.scroll = self.scroll.min(self.max_scroll());
    }

    fn hints(&self) -> &'static [Hint] {
        Self::HINTS
    }

    fn draw(&self, f: &mut Frame, area: Rect, cx: &DrawCx<'_>) {
        draw(f, area, self, cx.theme)
    }

    fn wheel_scrolls(&self) -> bool {
        true
    }

    crate::tui::app::component::modal_any!();
}

pub fn draw(f: &mut Frame, area: Rect, h: &HelpState, theme: &Theme) {
    let rect = super::centered(area, 80, 85);
    let lines: Vec<Line> = h
        .lines
        .iter()
        .skip(h.scroll)
        .map(|(k, v)| {
            if k.starts_with('[') {
                Line::styled(
                    format!(" {k}"),
                    Style::default()
                        .fg(theme.accent)
                        .add_modifier(Modifier::BOLD),
                )
            } else {
                Line::from(vec![
                    Span::styled(format!("  {k:<22} "), Style::default().fg(theme.header)),
                    Span::raw(v.clone()),
                ])
            }
        })
        .collect();
    let block = crate::tui::widgets::dialog::block(format!(" kdeck keys · {} ", h.keys), theme);
    let inner = crate::tui::widgets::dialog::frame(f, rect, block);
    f.render_widget(Paragraph::new(lines), inner);
}
