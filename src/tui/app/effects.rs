//! Carries out `update`'s effects: the one place that turns them into commands for the
//! workers. Every worker is a `kafka::worker::Worker`: its command channel is bounded and a
//! full one is reported, never waited on, so the UI task cannot block on a busy worker; a job
//! effect starts a job (the previous one's flag raised), a cancel effect raises the flag.

use super::effect::Effect;
use crate::domain::browse::BrowseCmd;
use crate::domain::clock::Clock;
use crate::domain::event::{JobSearchCmd, KafkaEvent, LagCmd, ReplayCmd, StreamCmd};
use crate::engine::search::SearchCmd;
use crate::kafka::consumer::{self, StreamSpec};
use crate::kafka::export::ExportCmd;
use crate::kafka::lag::LagSpec;
use crate::kafka::publish::send::SendOptions;
use crate::kafka::publish::worker::{PublishCmd, PublishContext};
use crate::kafka::replay::ReplayContext;
use crate::kafka::worker::Worker;
use crate::support::config::save::ProfileDraft;
use crate::support::config::Config;
use tokio::sync::mpsc;

/// What the run loop does after an effect.
#[derive(Debug, PartialEq)]
pub enum Flow {
    Continue,
    Quit,
    /// News for the health line that is no problem (a profile saved).
    Notice(String),
    /// Start every worker again on other topics or another profile.
    Rewire(Rewire),
}

/// What to read after a re-wire.
#[derive(Debug, PartialEq)]
pub enum Rewire {
    Topics {
        topics: crate::support::config::Topics,
        watch_groups: Vec<String>,
    },
    Profile(String),
}

/// The dashboard's workers, every one a `Worker` (kafka/worker.rs): bounded queues, a stop
/// flag and a generation per job, a thread that could not start said on the health line. The
/// workers hold the event channel's senders, not this: when every worker is gone the channel
/// closes, which the run loop watches for.
pub struct Workers {
    stream: Worker<StreamCmd>,
    lag: Worker<LagCmd>,
    /// Err when there is no place for the audit log: replay says why when asked.
    replay: Result<Worker<ReplayCmd>, String>,
    publish: Worker<PublishCmd>,
    search: Worker<SearchCmd>,
    job_search: Worker<JobSearchCmd>,
    export: Worker<ExportCmd>,
    browse: Worker<crate::domain::browse::BrowseCmd>,
    offsets: Worker<crate::domain::offsets::OffsetsCmd>,
    /// Scrapes the services' own endpoints, when the profile lists any.
    _services: Option<Worker<()>>,
    /// Where `ctrl-s` saves a profile: the file read, else the platform's config file.
    config_path: Option<std::path::PathBuf>,
    /// The publish form's schema fetches report here. Weak: the channel still closes when
    /// every worker is gone.
    events: mpsc::WeakSender<KafkaEvent>,
    registry: Option<crate::support::config::schemas::RegistryConfig>,
}

impl Workers {
    /// Starts every worker; all report on `events`.
    pub fn start(cfg: &Config, events: mpsc::Sender<KafkaEvent>) -> Workers {
        let stream = consumer::spawn(
            StreamSpec {
                cluster: cfg.cluster.clone(),
                group_id: cfg.consumer.group_id.clone(),
                topics: cfg.topics.clone(),
                start: cfg.consumer.start,
                value_cap: cfg.ui.max_value_bytes,
                jobs: (cfg.jobs.track_stuck)
                    .then(|| crate::kafka::jobs::WatchSpec::from_config(cfg)),
            },
            events.clone(),
        );
        let mut lag_topics = cfg.topics.all();
        lag_topics.extend(cfg.lag_topics.iter().cloned());
        let lag = crate::kafka::lag::spawn(
            LagSpec {
                cluster: cfg.cluster.clone(),
                watch_groups: cfg.watch_groups.clone(),
                topics: lag_topics,
                discover: cfg.lag.discover_groups,
                refresh_ms: cfg.lag.refresh_ms,
                simulated: cfg.lag.simulated_groups.clone(),
            },
            events.clone(),
            || crate::domain::clock::SystemClock.now_ms(),
        );
        let replay = ReplayContext::from_config(cfg)
            .map(|ctx| crate::kafka::replay::worker::spawn(ctx, events.clone()))
            .map_err(|e| format!("replay is not available: {e:#}"));
        let publish = crate::kafka::publish::worker::spawn(
            PublishContext {
                cluster: cfg.cluster.clone(),
                options: SendOptions::from_config(cfg),
                templates_dir: crate::engine::publish::template::user_dir(),
                audit: crate::engine::publish::audit::audit_file(),
            },
            events.clone(),
        );
        let search = crate::kafka::search::spawn(cfg.cluster.clone(), events.clone());
        let job_search = start_jobs(cfg, &events);
        let browse = crate::kafka::browse::spawn(cfg.cluster.clone(), events.clone());
        let offsets = crate::kafka::offsets::spawn(cfg.cluster.clone(), events.clone());
        let services = (!cfg.services.is_empty())
            .then(|| crate::kafka::services::spawn(cfg.services.clone(), events.clone()));
        let weak = events.downgrade();
        let export = crate::kafka::export::spawn(events);
        let mut w = Workers {
            events: weak,
            registry: cfg.schemas.registry.clone(),
            browse,
            offsets,
            _services: services,
            config_path: (cfg.source.clone())
                .or_else(crate::support::config::load::default_config_path),
            stream,
            lag,
            replay,
            publish,
            search,
            job_search,
            export,
        };
        // The DLQ pane's ↻ marks come from the audit log.
        w.execute(Effect::ReplayCounts(cfg.topics.dlq.clone()));
        w
    }

    /// Runs one effect. A worker whose queue is full or gone is named in the returned warning.
    pub fn execute(&mut self, effect: Effect) -> (Flow, Option<String>) {
        let sent = match effect {
            Effect::Quit => return (Flow::Quit, None),
            Effect::PauseStream(r) => self.stream.send(StreamCmd::Pause(r)),
            Effect::ResumeStream(r) => self.stream.send(StreamCmd::Resume(r)),
            Effect::RefreshLag => self.lag.send(LagCmd::RefreshNow),
            Effect::PlanReplay { job, requests } => self
                .replay()
                .and_then(|w| w.start(job, |job| ReplayCmd::Plan { job, requests })),
            Effect::RunReplay { job, requests } => self
                .replay()
                .and_then(|w| w.start(job, |job| ReplayCmd::Run { job, requests })),
            Effect::ResumeReplay { job, runs } => self
                .replay()
                .and_then(|w| w.start(job, |job| ReplayCmd::Resume { job, runs })),
            Effect::CancelReplay => self.replay().map(|w| w.cancel()),
            Effect::ReplayCounts(dlqs) => match &self.replay {
                Ok(w) => w.send(ReplayCmd::Counts(dlqs)),
                Err(_) => Ok(()),
            },
            e @ (Effect::Publish { .. }
            | Effect::CancelPublish
            | Effect::SaveTemplate { .. }
            | Effect::FetchSchema { .. }) => self.execute_publish(e),
            Effect::Search { job, request } => self.search.start(job, |job| SearchCmd::Start {
                job,
                request: *request,
            }),
            Effect::CancelSearch => {
                self.search.cancel();
                Ok(())
            }
            Effect::SearchJob { gen, ids, since_ms } => self
                .job_search
                .start(gen, |job| JobSearchCmd { job, ids, since_ms }),
            Effect::CancelJobSearch => {
                self.job_search.cancel();
                Ok(())
            }
            Effect::Export { path, records } => self.export.send(ExportCmd {
                path,
                records: records.0,
            }),
            e @ (Effect::Browse { .. }
            | Effect::CancelBrowse
            | Effect::Rewire { .. }
            | Effect::SwitchProfile(_)
            | Effect::SaveProfile(_)
            | Effect::WatchGroups(_)) => return self.execute_wiring(e),
            e @ (Effect::PlanOffsets { .. } | Effect::ExecuteOffsets { .. }) => {
                self.execute_offsets(e)
            }
            Effect::Osc52(seq) => {
                use std::io::Write;
                let mut out = std::io::stdout();
                out.write_all(&seq)
                    .and_then(|()| out.flush())
                    .map_err(|e| format!("copy: writing to the terminal failed: {e}"))
            }
        };
        (Flow::Continue, sent.err())
    }

    /// The offsets dialog's preview and commit: one job at a time, a new one supersedes.
    fn execute_offsets(&mut self, effect: Effect) -> Result<(), String> {
        use crate::domain::offsets::OffsetsCmd;
        match effect {
            Effect::PlanOffsets {
                job,
                group,
                selection,
                target,
            } => self.offsets.start(job, |job| OffsetsCmd::Plan {
                job,
                group,
                selection,
                target,
            }),
            Effect::ExecuteOffsets { job, plan } => self
                .offsets
                .start(job, |job| OffsetsCmd::Execute { job, plan }),
            _ => Ok(()),
        }
    }

    /// The topic browser's, the group list's and the profile switcher's effects.
    fn execute_wiring(&mut self, effect: Effect) -> (Flow, Option<String>) {
        let sent = match effect {
            Effect::Browse { job, internal } => {
                self.browse.start(job, |job| BrowseCmd { job, internal })
            }
            Effect::CancelBrowse => {
                self.browse.cancel();
                Ok(())
            }
            Effect::Rewire {
                topics,
                watch_groups,
            } => {
                let r = Rewire::Topics {
                    topics,
                    watch_groups,
                };
                return (Flow::Rewire(r), None);
            }
            Effect::SwitchProfile(name) => return (Flow::Rewire(Rewire::Profile(name)), None),
            Effect::SaveProfile(draft) => return self.save_profile(&draft),
            Effect::WatchGroups(groups) => self.lag.send(LagCmd::Watch(groups)),
            _ => Ok(()),
        };
        (Flow::Continue, sent.err())
    }

    fn save_profile(&self, draft: &ProfileDraft) -> (Flow, Option<String>) {
        let Some(path) = &self.config_path else {
            let why = "no place for a config file on this system: pass --config PATH";
            return (Flow::Continue, Some(why.into()));
        };
        match crate::support::config::save::save_profile(path, draft) {
            Ok(saved) => (Flow::Notice(saved.words(&draft.name)), None),
            Err(e) => (
                Flow::Continue,
                Some(format!("the profile was not saved: {e}")),
            ),
        }
    }

    fn replay(&mut self) -> Result<&mut Worker<ReplayCmd>, String> {
        self.replay.as_mut().map_err(|e| e.clone())
    }

    /// The publish dialog's effects: send, stop, save as template, fetch its schema.
    fn execute_publish(&mut self, effect: Effect) -> Result<(), String> {
        match effect {
            Effect::Publish {
                job,
                form,
                vars,
                count,
                rate,
                schema,
            } => self.publish.start(job, |job| PublishCmd::Send {
                job,
                form,
                vars,
                count,
                rate,
                schema,
            }),
            Effect::FetchSchema {
                job,
                subject,
                version,
            } => self.fetch_schema(job, subject, version),
            Effect::CancelPublish => {
                self.publish.cancel();
                Ok(())
            }
            Effect::SaveTemplate { form, name } => {
                self.publish.send(PublishCmd::Save { form, name })
            }
            _ => Ok(()),
        }
    }

    /// The registry call blocks on the network, so it runs on a thread of its own, never on
    /// the UI task nor behind a send on the publish worker; its answer comes back as an event.
    fn fetch_schema(&self, job: u64, subject: String, version: String) -> Result<(), String> {
        let Some(events) = self.events.upgrade() else {
            return Err("the schema could not be fetched: the dashboard is stopping".into());
        };
        let registry = self.registry.clone();
        std::thread::Builder::new()
            .name("kdeck-schema-fetch".into())
            .spawn(move || {
                let result = crate::support::registry::encode::fetch_subject(
                    registry.as_ref(),
                    &subject,
                    &version,
                );
                let news = crate::domain::event::PublishUpdate::Schema { job, result };
                let _ = events.blocking_send(KafkaEvent::Publish(news));
            })
            .map(|_| ())
            .map_err(|e| format!("the schema could not be fetched: no thread for it ({e})"))
    }

    /// Lets the workers end on their own. Waiting could mean waiting out a metadata timeout
    /// against a dead broker, so quitting does not.
    pub fn detach(self) {
        self.stream.detach();
    }
}

/// The timeline's search worker and the stuck-jobs watcher (it reads the request topics too).
fn start_jobs(cfg: &Config, events: &mpsc::Sender<KafkaEvent>) -> Worker<JobSearchCmd> {
    let scan = crate::kafka::jobs::ScanSpec {
        cluster: cfg.cluster.clone(),
        lifecycle: cfg.topics.lifecycle(),
        identity: cfg.jobs.identity.clone(),
        value_cap: cfg.ui.max_value_bytes,
        max_scanned: crate::kafka::jobs::SEARCH_MAX_SCANNED,
    };
    crate::kafka::jobs::spawn_search(scan, events.clone())
}
