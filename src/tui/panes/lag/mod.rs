//! Consumer lag pane: one row per group (status, lag, lag in seconds, trend, time to zero);
//! Enter drills down to its partitions.

pub mod view;

use crate::engine::lag::{GroupView, LagSnapshot, LagTracker};
use crate::tui::app::action::Action;
use crate::tui::app::component::{nav_delta, Hint, Pane, PaneCx, Reply};
use crate::tui::app::effect::Effect;

pub struct LagPane {
    pub tracker: LagTracker,
    /// Derived from the tracker at each refresh, so drawing only reads.
    pub views: Vec<GroupView>,
    pub selected: usize,
    /// The group drilled into, by name (stable across refreshes).
    pub drill: Option<String>,
    pub drill_selected: usize,
    pub refresh_ms: u64,
    /// The cluster's groups as last listed (None: it does not list groups, or not yet).
    pub listed: Option<Vec<crate::domain::lag::ListedGroup>>,
}

impl LagPane {
    pub fn new(window: usize, allowed: i64, refresh_ms: u64) -> LagPane {
        LagPane {
            tracker: LagTracker::new(window, allowed, refresh_ms),
            views: Vec::new(),
            selected: 0,
            drill: None,
            drill_selected: 0,
            refresh_ms,
            listed: None,
        }
    }

    pub fn ingest(&mut self, mut snap: LagSnapshot) {
        if let Some(l) = snap.listed.take() {
            self.listed = Some(l);
        }
        self.tracker.ingest(snap);
        self.views = self.tracker.views();
        self.selected = self.selected.min(self.views.len().saturating_sub(1));
    }

    /// Rows the pane wants: its groups (or the drilled group's partitions), the header, the
    /// details line and the borders.
    pub fn wanted_rows(&self) -> u16 {
        let n = match self.drilled() {
            Some(g) => g.partitions.len(),
            None => self.views.len(),
        };
        (n.max(1) + 4).min(u16::MAX as usize) as u16
    }

    pub fn drilled(&self) -> Option<&GroupView> {
        let name = self.drill.as_ref()?;
        self.views.iter().find(|g| &g.group == name)
    }

    pub fn move_by(&mut self, delta: isize, action: Action) {
        let (sel, len) = match self.drilled() {
            Some(g) => (self.drill_selected, g.partitions.len()),
            None => (self.selected, self.views.len()),
        };
        let max = len.saturating_sub(1) as isize;
        let next = match action {
            Action::Top => 0,
            Action::Bottom => max.max(0) as usize,
            _ => (sel as isize + delta).clamp(0, max.max(0)) as usize,
        };
        if self.drill.is_some() {
            self.drill_selected = next;
        } else {
            self.selected = next;
        }
    }

    pub fn toggle_drill(&mut self) {
        if self.drill.is_some() {
            self.drill = None;
        } else if let Some(g) = self.views.get(self.selected) {
            self.drill = Some(g.group.clone());
            self.drill_selected = 0;
        }
    }

    pub fn close_drill(&mut self) {
        self.drill = None;
    }

    pub const HINTS: &'static [Hint] = &[
        (Action::Down, "select"),
        (Action::Open, "partitions"),
        (Action::Close, "back"),
        (Action::RefreshLag, "refresh"),
        (Action::Groups, "watch groups"),
        (Action::Offsets, "move offsets"),
    ];

    pub fn on_key(&mut self, action: Action, page: isize) -> Reply {
        match action {
            Action::RefreshLag => return Reply::Effects(vec![Effect::RefreshLag]),
            Action::Open => self.toggle_drill(),
            Action::Close => self.close_drill(),
            Action::Top | Action::Bottom => self.move_by(0, action),
            _ => {
                if let Some(d) = nav_delta(action, page) {
                    self.move_by(d, action);
                }
            }
        }
        Reply::Done
    }
}

impl Pane for LagPane {
    fn handle(&mut self, action: Action, page: isize) -> Reply {
        self.on_key(action, page)
    }

    fn hints(&self) -> &'static [Hint] {
        Self::HINTS
    }

    fn draw(&self, f: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &PaneCx<'_>) {
        view::draw(f, area, self, cx.focused, cx.theme)
    }
}
