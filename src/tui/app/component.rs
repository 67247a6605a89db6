//! The component contract. A modal is a folder under `tui/modals/` with a type implementing
//! [`Modal`] and one line in that folder's registry (`modals::REGISTRY`): its key context and
//! default keys come from there, so nothing else lists it. `update` routes actions and worker
//! news to the open modal through this trait and carries out its [`Reply`]; drawing goes
//! through [`Modal::draw`]. A modal sees the dashboard through a narrow [`Cx`], never the
//! whole state.

use super::action::Action;
use super::effect::Effect;
use crate::domain::event::KafkaEvent;
use crate::domain::Record;
use crate::engine::publish::Template;
use crate::support::config::filters::SavedFilter;
use crate::tui::app::state::Jobs;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::modals::filter::History;
use crate::tui::modals::search::Scope;
use crate::tui::panes::stream::StreamPane;
use crate::tui::panes::PaneId;
use crate::tui::theme::Theme;
use crate::tui::widgets::input::TextField;
use ratatui::layout::Rect;
use ratatui::Frame;
use std::any::Any;

/// What a modal answers when it handles a key or an action forwarded to it.
pub enum Reply {
    /// Handled (or ignored) with nothing more to do.
    Done,
    /// Close this modal (the one under it, if any, shows again); [`Modal::closing`] says
    /// what to stop.
    Close,
    /// Open the help overlay over this modal (it needs the keymap).
    Help,
    Quit,
    Effects(Vec<Effect>),
    /// Replace what is open with this modal; then these effects.
    Open(Box<dyn Modal>, Vec<Effect>),
    /// Open this modal over the current one, which shows again when it closes; then these
    /// effects.
    Over(Box<dyn Modal>, Vec<Effect>),
    /// Hand an action to the registered modal that opens on it (`Entry::opens_on`), with
    /// what it is about: the detail view's `t` opens the job's timeline without naming it.
    /// `over`: the current modal stays under the new one (else it is replaced).
    Forward {
        action: Action,
        subject: Subject,
        over: bool,
    },
    /// Copy this to the clipboard (None: the record has no value).
    Copy(Option<crate::tui::clipboard::Copied>),
    /// The export dialog's path was confirmed: write its records there.
    Export(std::path::PathBuf),
    /// Open the export dialog over this modal for these records (named by the label).
    ExportRecords(String, Vec<Record>),
}

impl Reply {
    /// Replace what is open with `m`.
    pub fn open(m: impl Modal) -> Reply {
        Reply::Open(Box::new(m), Vec::new())
    }
}

/// What a forwarded action is about.
pub enum Subject {
    /// The dashboard's selection (a record pane's selected record).
    Selection,
    Record(Box<Record>),
    /// A job by its ids, with a time near its start.
    Job {
        label: String,
        ids: Vec<String>,
        near_ms: Option<i64>,
    },
}

/// The dashboard as a modal may see it: what it reads, the few shared memories it keeps
/// (filter history, the search's last query), and a place for a warning.
pub struct Cx<'a> {
    pub now_ms: i64,
    pub size: (u16, u16),
    /// Rows in a page, for page up / down.
    pub page: isize,
    pub focus: PaneId,
    /// The embedded demo (its mock cluster has no time index).
    pub demo: bool,
    /// Why write actions are refused (read-only profile); None: allowed.
    pub read_only: Option<&'a str>,
    pub streams: &'a mut [StreamPane; 3],
    pub dlq_topics: &'a [String],
    pub jobs: &'a Jobs,
    pub keymap: &'a Keymap,
    pub templates: &'a [Template],
    pub topic_prefix: &'a str,
    pub replay_settings: &'a crate::domain::replay::ReplaySettings,
    pub saved_filters: &'a [SavedFilter],
    pub filter_history: &'a mut History,
    pub search: &'a mut Scope,
    pub export_dir: Option<&'a std::path::Path>,
    pub(crate) job_ids: &'a mut crate::domain::work::JobCounter,
    /// The profile, cluster, topics and watched groups read now.
    pub wiring: &'a mut crate::tui::app::state::Wiring,
    /// The profiles kdeck can switch to.
    pub profiles: &'a [crate::tui::modals::profiles::Choice],
    /// The lag pane (the cluster's groups as last listed).
    pub lag: &'a crate::tui::panes::lag::LagPane,
    /// Set by [`Cx::warn`]: shown on the health line.
    pub(crate) warning: Option<String>,
}

impl Cx<'_> {
    /// The job ids of a new dialog: worker news carries them, and news of another job is
    /// dropped.
    pub fn job(&mut self) -> crate::domain::work::JobIds {
        self.job_ids.open()
    }

    /// A warning for the health line, in words.
    pub fn warn(&mut self, text: impl Into<String>) {
        self.warning = Some(text.into());
    }

    pub fn stream(&self, role: crate::domain::Role) -> &StreamPane {
        &self.streams[role.index()]
    }

    /// The record selected in the focused record pane.
    pub fn selected_record(&self) -> Option<&Record> {
        match self.focus {
            PaneId::Stream(role) => self.stream(role).selected_record(),
            _ => None,
        }
    }
}

/// What drawing reads besides the modal itself.
pub struct DrawCx<'a> {
    pub theme: &'a Theme,
    pub now_ms: i64,
    pub jobs: &'a Jobs,
}

/// What a pane draws with besides itself: the others are there to read (the metrics pane
/// shows the record panes' rates).
pub struct PaneCx<'a> {
    pub theme: &'a Theme,
    pub now_ms: i64,
    pub focused: bool,
    pub follow: Option<&'a crate::engine::job::follow::Follow>,
    pub streams: &'a [StreamPane; 3],
    pub jobs: &'a Jobs,
}

/// A pane of the dashboard: the same contract as a modal's, without the registry (the
/// dashboard always has its panes) and without worker news (records come to the panes
/// through `update`, which owns the routing of the one event channel).
pub trait Pane {
    /// Where its keys are looked up (the DLQ pane's own keys over the dashboard's).
    fn context(&self) -> Context {
        Context::DASHBOARD
    }
    fn handle(&mut self, action: Action, page: isize) -> Reply;
    fn hints(&self) -> &'static [Hint];
    fn draw(&self, f: &mut Frame, area: Rect, cx: &PaneCx<'_>);
}

/// A modal over the dashboard: it owns its state, its keys, the worker news it asked for and
/// its drawing.
pub trait Modal: Any {
    /// Its key context: the registry entry it belongs to.
    fn context(&self) -> Context;
    fn handle(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply;
    /// Worker news: a modal takes what is its own (the job it asked for) and hands the rest
    /// back. Offered to the open modal first, then to those under it.
    fn on_event(&mut self, ev: KafkaEvent, _cx: &mut Cx<'_>) -> Option<KafkaEvent> {
        Some(ev)
    }
    /// The footer's hints; the keys shown come from the keymap.
    fn hints(&self) -> &'static [Hint];
    /// The text field that gets keys before the keymap.
    fn focused_field(&mut self) -> Option<&mut TextField> {
        None
    }
    /// After a key went into the text field (a preview that follows typing).
    fn after_key(&mut self, _cx: &mut Cx<'_>) {}
    /// It is closing: what to stop (a search it started).
    fn closing(&mut self) -> Vec<Effect> {
        Vec::new()
    }
    /// The terminal changed size, or the clock moved.
    fn refit(&mut self, _cx: &mut Cx<'_>) {}
    fn draw(&self, f: &mut Frame, area: Rect, cx: &DrawCx<'_>);
    /// The mouse wheel scrolls it as its arrow keys do.
    fn wheel_scrolls(&self) -> bool {
        false
    }
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// One registered modal: its key context (the `[keys.NAME]` table), its default keys (TOML
/// lines of that table), the dashboard's keys that open it, and the actions that open it,
/// with how.
pub struct Entry {
    pub context: &'static str,
    pub keys: &'static str,
    pub dashboard_keys: &'static str,
    pub opens_on: &'static [Action],
    /// Opens it for `action`, about `subject`.
    pub open: fn(Action, Subject, &mut Cx<'_>) -> Reply,
}

/// For an entry whose modal no dashboard action opens (other views open it).
pub fn opened_elsewhere(_: Action, _: Subject, _: &mut Cx<'_>) -> Reply {
    Reply::Done
}

/// Scroll distance of a navigation action, `page` rows to a page; `None` for other actions.
pub fn nav_delta(action: Action, page: isize) -> Option<isize> {
    match action {
        Action::Up => Some(-1),
        Action::Down => Some(1),
        Action::PageUp => Some(-page),
        Action::PageDown => Some(page),
        _ => None,
    }
}

/// The row a navigation action moves a list's selection to, among `len` rows (the same row
/// for any other action).
pub fn nav_row(selected: usize, action: Action, page: isize, len: usize) -> usize {
    let max = len.saturating_sub(1);
    match action {
        Action::Top => 0,
        Action::Bottom => max,
        a => match nav_delta(a, page) {
            Some(d) => (selected as isize + d).clamp(0, max as isize) as usize,
            None => selected,
        },
    }
    .min(max)
}

/// A key hint for the footer: the action and what it does here. The key shown comes from the
/// keymap, so a rebound key is shown as the user bound it.
pub type Hint = (Action, &'static str);

/// The keys every list-like modal moves with (arrows, vi keys, pages, ends), for an
/// `Entry::keys` table: `keys: concat!(nav_keys!(), r#"…its own…"#)`.
macro_rules! nav_keys {
    () => {
        "\"up\" = \"up\"\n\"k\" = \"up\"\n\"down\" = \"down\"\n\"j\" = \"down\"\n\"pageup\" = \"page_up\"\n\"pagedown\" = \"page_down\"\n\"home\" = \"top\"\n\"end\" = \"bottom\"\n"
    };
}
pub(crate) use nav_keys;

/// The boilerplate half of [`Modal`] for a type: `as_any` and `as_any_mut`.
macro_rules! modal_any {
    () => {
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
        fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
            self
        }
    };
}
pub(crate) use modal_any;
