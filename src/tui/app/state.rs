use super::action::Action;
use super::component::{Hint, Reply};
use crate::domain::{Connection, Role};
use crate::support::config::Config;
use crate::tui::keymap::Context;
use crate::tui::modals::detail::DetailState;
use crate::tui::modals::help::HelpState;
use crate::tui::modals::publish::PublishDialog;
use crate::tui::modals::replay::ReplayDialog;
use crate::tui::panes::dlq::DlqTriage;
use crate::tui::panes::lag::LagPane;
use crate::tui::panes::metrics::MetricsPane;
use crate::tui::panes::stream::StreamPane;
use crate::tui::panes::PaneId;
use crate::tui::widgets::input::TextField;

pub enum Modal {
    Detail(DetailState),
    Help(HelpState),
    Replay(Box<ReplayDialog>),
    Publish(Box<PublishDialog>),
    Filter(Box<crate::tui::modals::filter::FilterDialog>),
    Search(Box<crate::tui::modals::search::SearchDialog>),
    Timeline(Box<crate::tui::modals::timeline::TimelineView>),
    Stuck(crate::tui::modals::stuck::StuckView),
    Export(Box<crate::tui::modals::export::ExportDialog>),
}

/// Each modal owns its keys, hints and text fields; this only dispatches.
impl Modal {
    pub fn context(&self) -> Context {
        match self {
            Modal::Detail(_) => Context::Detail,
            Modal::Help(_) => Context::Help,
            Modal::Replay(_) => Context::Replay,
            Modal::Publish(_) => Context::Publish,
            Modal::Filter(_) => Context::Filter,
            Modal::Search(s) => s.context(),
            Modal::Timeline(_) => Context::Timeline,
            Modal::Stuck(_) => Context::Stuck,
            Modal::Export(_) => Context::Export,
        }
    }

    pub fn handle(&mut self, action: Action, page: isize) -> Reply {
        match self {
            Modal::Detail(d) => d.handle(action, page),
            Modal::Help(h) => h.handle(action, page),
            Modal::Replay(r) => r.handle(action),
            Modal::Publish(p) => p.handle(action),
            Modal::Filter(d) => d.handle(action),
            Modal::Search(s) => s.handle(action, page),
            // Handled with the whole state at hand (`modals::timeline::intercept`).
            Modal::Timeline(_) | Modal::Stuck(_) => match action {
                Action::Help => Reply::Help,
                Action::Quit => Reply::Quit,
                _ => Reply::Done,
            },
            Modal::Export(d) => d.handle(action),
        }
    }

    pub fn hints(&self) -> &'static [Hint] {
        match self {
            Modal::Detail(_) => DetailState::HINTS,
            Modal::Help(_) => HelpState::HINTS,
            Modal::Replay(r) => r.hints(),
            Modal::Publish(p) => p.hints(),
            Modal::Filter(d) => d.hints(),
            Modal::Export(_) => crate::tui::modals::export::ExportDialog::HINTS,
            Modal::Search(s) => s.hints(),
            Modal::Timeline(_) => crate::tui::modals::timeline::TimelineView::HINTS,
            Modal::Stuck(_) => crate::tui::modals::stuck::StuckView::HINTS,
        }
    }

    /// After a key went into a text field: a dialog whose preview follows typing updates it.
    pub fn after_key(&mut self) {
        if let Modal::Publish(p) = self {
            p.after_key();
        }
    }

    pub fn focused_field(&mut self) -> Option<&mut TextField> {
        match self {
            Modal::Replay(r) => r.focused_field(),
            Modal::Publish(p) => p.focused_field(),
            Modal::Filter(d) => d.focused_field(),
            Modal::Search(s) => s.focused_field(),
            Modal::Export(d) => Some(&mut d.field),
            Modal::Detail(_) | Modal::Help(_) | Modal::Timeline(_) | Modal::Stuck(_) => None,
        }
    }
}

/// The health line's facts.
pub struct Health {
    pub brokers: String,
    pub profile: String,
    pub demo: bool,
    pub connection: Connection,
    pub missing_topics: Vec<String>,
    /// Records kdeck's own reader is behind the end of its streams.
    pub self_lag: i64,
    /// The latest warning and when it came, shown for a while.
    pub warning: Option<(String, i64)>,
    /// The latest news that is not a problem (an export written, a value copied), shown for a
    /// while.
    pub notice: Option<(String, i64)>,
}

/// The one owner of everything the UI shows.
pub struct State {
    pub streams: [StreamPane; 3],
    pub dlq: DlqTriage,
    pub lag: LagPane,
    pub metrics: MetricsPane,
    pub focus: PaneId,
    pub zoom: bool,
    pub modal: Option<Modal>,
    pub health: Health,
    pub now_ms: i64,
    pub size: (u16, u16),
    pub quit: bool,
    /// Why write actions are refused (read-only profile); None: allowed.
    pub read_only: Option<String>,
    pub replay_settings: crate::domain::replay::ReplaySettings,
    pub dlq_topics: Vec<String>,
    /// Hands out job ids: each dialog numbers its jobs under a number of its own, so a
    /// dialog's news carries an id no other dialog ever had.
    pub job_ids: crate::domain::work::JobCounter,
    /// The job whose records are highlighted in every pane.
    pub follow: Option<crate::engine::job::follow::Follow>,
    /// Publish templates (built-ins and the user's), loaded before the loop starts.
    pub templates: Vec<crate::engine::publish::Template>,
    pub topic_prefix: String,
    /// The last pane filters used (Up/Down in the filter input).
    pub filter_history: crate::tui::modals::filter::History,
    /// What `s` searches, and the last query and range typed.
    pub search: crate::tui::modals::search::Scope,
    /// Job identity, the stuck-jobs watcher's last report, the timeline's searches.
    pub jobs: crate::tui::modals::stuck::Jobs,
    /// Modals under the open one (a timeline under the record it opened): closing the open
    /// one shows the last of them again.
    pub parked: Vec<Modal>,
    /// `[filters]` from the config: `@name` in the filter input.
    pub saved_filters: Vec<crate::support::config::filters::SavedFilter>,
    /// Copy with OSC 52 (`[ui] clipboard = "osc52"`); off by default.
    pub clipboard_osc52: bool,
    /// Where an export goes unless the user types another path.
    pub export_dir: Option<std::path::PathBuf>,
    /// The last click, for telling a double-click.
    pub last_click: Option<crate::tui::app::mouse::Click>,
    /// A large pane's export being copied in steps.
    pub export_gather: Option<crate::tui::modals::export::Gather>,
}

impl State {
    pub fn new(cfg: &Config, demo: bool, now_ms: i64) -> State {
        let cap = cfg.ui.buffer_size;
        State {
            streams: [
                StreamPane::new(Role::Completion, cap),
                StreamPane::new(Role::Status, cap),
                StreamPane::new(Role::Dlq, cap),
            ],
            dlq: DlqTriage::default(),
            lag: LagPane::new(cfg.lag.window, cfg.lag.allowed_lag, cfg.lag.refresh_ms),
            metrics: MetricsPane::default(),
            focus: PaneId::Stream(Role::Completion),
            zoom: false,
            modal: None,
            health: Health {
                brokers: cfg.cluster.brokers.clone(),
                profile: cfg.profile.clone(),
                demo,
                connection: Connection::Connecting,
                missing_topics: Vec::new(),
                self_lag: 0,
                warning: None,
                notice: None,
            },
            now_ms,
            size: (120, 40),
            quit: false,
            read_only: cfg.read_only.clone(),
            replay_settings: cfg.replay.clone(),
            dlq_topics: cfg.topics.dlq.clone(),
            job_ids: Default::default(),
            follow: None,
            templates: crate::engine::publish::Catalog::builtin().templates,
            topic_prefix: cfg.topic_prefix.clone(),
            filter_history: Default::default(),
            search: crate::tui::modals::search::Scope::from_config(cfg),
            jobs: crate::tui::modals::stuck::Jobs::new(cfg),
            parked: Vec::new(),
            saved_filters: cfg.filters.clone(),
            clipboard_osc52: cfg.ui.clipboard_osc52,
            export_dir: crate::engine::export::default_dir(),
            last_click: None,
            export_gather: None,
        }
    }

    pub fn stream(&self, role: Role) -> &StreamPane {
        &self.streams[role.index()]
    }

    pub fn stream_mut(&mut self, role: Role) -> &mut StreamPane {
        &mut self.streams[role.index()]
    }
}
