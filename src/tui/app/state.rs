use super::component::Pane;
use super::component::{Cx, Hint, Modal};
use crate::domain::job::{Source, StuckReport};
use crate::domain::{Connection, Role};
use crate::engine::job::Identity;
use crate::support::config::Config;
use crate::tui::keymap::Context;
use crate::tui::keymap::Keymap;
use crate::tui::panes::dlq::DlqTriage;
use crate::tui::panes::lag::LagPane;
use crate::tui::panes::metrics::MetricsPane;
use crate::tui::panes::stream::StreamPane;
use crate::tui::panes::PaneId;

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
    /// Why schemas cannot be fetched (the registry does not answer); None when all is well.
    pub registry: Option<String>,
    /// The schema source's generation last seen: when it moves, pending records decode again.
    pub schema_generation: u64,
}

/// What the dashboard reads now: the profile, its cluster, the topics by role and the watched
/// groups (what the topic browser and the group list change, and `ctrl-s` saves).
#[derive(Clone, Debug, PartialEq)]
pub struct Wiring {
    pub profile: String,
    pub brokers: String,
    pub topics: crate::support::config::Topics,
    pub watch_groups: Vec<String>,
}

impl Wiring {
    pub fn of(cfg: &Config) -> Wiring {
        Wiring {
            profile: cfg.profile.clone(),
            brokers: cfg.cluster.brokers.clone(),
            topics: cfg.topics.clone(),
            watch_groups: cfg.watch_groups.clone(),
        }
    }
}

/// The one owner of everything the UI shows.
pub struct State {
    pub wiring: Wiring,
    /// The profiles kdeck can switch to (the file's, and the one it started with).
    pub profiles: Vec<crate::tui::modals::profiles::Choice>,
    /// The topic browser opened by itself once (no configured topic exists): not again.
    pub browser_offered: bool,
    pub streams: [StreamPane; 3],
    pub lag: LagPane,
    pub metrics: MetricsPane,
    pub focus: PaneId,
    pub zoom: bool,
    pub modal: Option<Box<dyn Modal>>,
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
    pub jobs: Jobs,
    /// Modals under the open one (a timeline under the record it opened): closing the open
    /// one shows the last of them again.
    pub parked: Vec<Box<dyn Modal>>,
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
            wiring: Wiring::of(cfg),
            browser_offered: demo,
            profiles: Vec::new(),
            streams: [
                StreamPane::new(Role::Completion, cap),
                StreamPane::new(Role::Status, cap),
                StreamPane::new(Role::Dlq, cap),
            ],
            lag: LagPane::new(cfg.lag.window, cfg.lag.allowed_lag, cfg.lag.refresh_ms),
            metrics: MetricsPane::with_services(&cfg.services),
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
                registry: None,
                schema_generation: crate::codec::lookup::generation(),
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
            jobs: Jobs::new(cfg),
            parked: Vec::new(),
            saved_filters: cfg.filters.clone(),
            clipboard_osc52: cfg.ui.clipboard_osc52,
            export_dir: crate::engine::export::default_dir(),
            last_click: None,
            export_gather: None,
        }
    }

    /// The state after a re-wire (other topics, another profile): every pane starts empty, so
    /// nothing read before shows; what the user typed and chose (templates, filter history,
    /// the export folder, job ids) carries over.
    pub fn rewired(&mut self, cfg: &Config, demo: bool) {
        let mut next = State::new(cfg, demo, self.now_ms);
        next.size = self.size;
        next.browser_offered = true;
        next.templates = std::mem::take(&mut self.templates);
        next.filter_history = std::mem::take(&mut self.filter_history);
        next.export_dir = self.export_dir.take();
        next.job_ids = self.job_ids;
        next.profiles = std::mem::take(&mut self.profiles);
        let what = format!(
            "now reading profile {} on {}",
            cfg.profile, cfg.cluster.brokers
        );
        // A profile saved with the same key says so rather than this.
        let saved = self.health.notice.take().filter(|n| n.1 == self.now_ms);
        next.health.notice = saved.or(Some((what, self.now_ms)));
        *self = next;
    }

    pub fn stream(&self, role: Role) -> &StreamPane {
        &self.streams[role.index()]
    }

    pub fn stream_mut(&mut self, role: Role) -> &mut StreamPane {
        &mut self.streams[role.index()]
    }

    /// Where keys are looked up now: the open modal's context, else the focused pane's.
    pub fn key_context(&self) -> Context {
        match &self.modal {
            Some(m) => m.context(),
            None => self.pane(self.focus).context(),
        }
    }

    /// The footer's hints for what has focus.
    pub fn hints(&self) -> &'static [Hint] {
        match &self.modal {
            Some(m) => m.hints(),
            None => self.pane(self.focus).hints(),
        }
    }

    pub fn pane(&self, id: PaneId) -> &dyn Pane {
        match id {
            PaneId::Stream(role) => self.stream(role),
            PaneId::Lag => &self.lag,
            PaneId::Metrics => &self.metrics,
        }
    }

    pub fn pane_mut(&mut self, id: PaneId) -> &mut dyn Pane {
        match id {
            PaneId::Stream(role) => self.stream_mut(role),
            PaneId::Lag => &mut self.lag,
            PaneId::Metrics => &mut self.metrics,
        }
    }

    /// The DLQ pane's triage: failure reasons, marks, replay counts.
    pub fn dlq(&self) -> &DlqTriage {
        &self.stream(Role::Dlq).triage
    }

    pub fn dlq_mut(&mut self) -> &mut DlqTriage {
        &mut self.stream_mut(Role::Dlq).triage
    }

    /// The open modal as its own type, if it is one.
    pub fn modal_as<T: Modal>(&self) -> Option<&T> {
        self.modal.as_ref()?.as_any().downcast_ref()
    }

    pub fn modal_as_mut<T: Modal>(&mut self) -> Option<&mut T> {
        self.modal.as_mut()?.as_any_mut().downcast_mut()
    }

    /// The open modal (taken out while it works) and the narrow view of the rest it gets.
    pub fn split<'a>(&'a mut self, keymap: &'a Keymap) -> Split<'a> {
        let page = (self.size.1 as isize / 3).max(3);
        let State {
            modal,
            parked,
            streams,
            dlq_topics,
            jobs,
            templates,
            topic_prefix,
            replay_settings,
            saved_filters,
            filter_history,
            search,
            export_dir,
            job_ids,
            read_only,
            health,
            now_ms,
            size,
            focus,
            wiring,
            lag,
            profiles,
            ..
        } = self;
        let cx = Cx {
            now_ms: *now_ms,
            size: *size,
            page,
            focus: *focus,
            demo: health.demo,
            read_only: read_only.as_deref(),
            streams,
            dlq_topics,
            jobs,
            keymap,
            templates,
            topic_prefix,
            replay_settings,
            saved_filters,
            filter_history,
            search,
            export_dir: export_dir.as_deref(),
            job_ids,
            wiring,
            lag,
            profiles,
            warning: None,
        };
        (modal, parked, cx)
    }
}

/// The open modal, the ones parked under it, and the rest of the state as a modal sees it.
pub type Split<'a> = (
    &'a mut Option<Box<dyn Modal>>,
    &'a mut Vec<Box<dyn Modal>>,
    Cx<'a>,
);

/// What the dashboard knows about jobs: how to tell them apart, where each topic sits in a
/// job's life, and the stuck-jobs tracking's last report.
pub struct Jobs {
    pub identity: Identity,
    pub lifecycle: Vec<(String, Source)>,
    pub stuck_after_ms: i64,
    /// None until the tracking reports (about a second after start).
    pub report: Option<StuckReport>,
}

impl Jobs {
    pub fn new(cfg: &Config) -> Jobs {
        Jobs {
            identity: cfg.jobs.identity.clone(),
            lifecycle: cfg.topics.lifecycle(),
            stuck_after_ms: cfg.jobs.stuck_after_ms,
            report: None,
        }
    }

    pub fn stuck_count(&self) -> usize {
        self.report.as_ref().map_or(0, |r| r.stuck)
    }

    /// The kind of a topic in a job's life; a topic not in the profile's lists is its pane's.
    pub fn source_of(&self, topic: &str, role: Role) -> Source {
        self.lifecycle
            .iter()
            .find(|(t, _)| t == topic)
            .map_or(Source::from(role), |(_, k)| *k)
    }
}
