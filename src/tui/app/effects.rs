//! Carries out `update`'s effects: the one place that turns them into commands for the Kafka
//! workers. Every command channel is bounded; a full one is reported, never waited on, so the
//! UI task cannot block on a busy worker.

use super::effect::Effect;
use crate::domain::clock::Clock;
use crate::domain::event::{KafkaEvent, LagCmd, ReplayCmd, StreamCmd};
use crate::kafka::consumer::{self, StreamHandle, StreamSpec};
use crate::kafka::lag::{LagHandle, LagSpec};
use crate::kafka::publish::send::SendOptions;
use crate::kafka::publish::worker::{PublishCmd, PublishContext, PublishHandle};
use crate::kafka::replay::worker::ReplayHandle;
use crate::kafka::replay::ReplayContext;
use crate::support::config::Config;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use tokio::sync::mpsc;

/// What the run loop does after an effect.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

pub struct Workers {
    stream: StreamHandle,
    lag: LagHandle,
    /// None when there is no place for the audit log: replay says why when asked.
    replay: Result<ReplayHandle, String>,
    /// The running replay job's stop flag.
    cancel: Arc<AtomicBool>,
    publish: PublishHandle,
    publish_cancel: Arc<AtomicBool>,
    search: crate::kafka::search::SearchHandle,
    search_cancel: Arc<AtomicBool>,
    job_search: crate::kafka::jobs::SearchHandle,
    job_cancel: Arc<AtomicBool>,
    /// For the export thread's answer. Weak: when every worker is gone the channel still
    /// closes, which the run loop watches for.
    events: mpsc::WeakSender<KafkaEvent>,
}

impl Workers {
    /// Starts the stream reader and the lag probe; both report on `events`.
    pub fn start(cfg: &Config, events: mpsc::Sender<KafkaEvent>) -> Workers {
        let stream = consumer::spawn(
            StreamSpec {
                cluster: cfg.cluster.clone(),
                group_id: cfg.consumer.group_id.clone(),
                topics: cfg.topics.clone(),
                start: cfg.consumer.start,
                value_cap: cfg.ui.max_value_bytes,
                jobs: cfg.jobs.track_stuck.then(|| watch_spec(cfg)),
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
        let mut w = Workers {
            stream,
            lag,
            replay,
            cancel: Arc::new(AtomicBool::new(false)),
            publish,
            publish_cancel: Arc::new(AtomicBool::new(false)),
            search,
            search_cancel: Arc::new(AtomicBool::new(false)),
            job_search,
            job_cancel: Arc::new(AtomicBool::new(false)),
            events: events.downgrade(),
        };
        // The DLQ pane's ↻ marks come from the audit log.
        w.execute(Effect::ReplayCounts(cfg.topics.dlq.clone()));
        w
    }

    /// Runs one effect. A worker whose queue is full or gone is named in the returned warning.
    pub fn execute(&mut self, effect: Effect) -> (Flow, Option<String>) {
        let warn = match effect {
            Effect::Quit => return (Flow::Quit, None),
            Effect::PauseStream(r) => send(&self.stream.commands, StreamCmd::Pause(r), "stream"),
            Effect::ResumeStream(r) => send(&self.stream.commands, StreamCmd::Resume(r), "stream"),
            Effect::RefreshLag => send(&self.lag.commands, LagCmd::RefreshNow, "lag"),
            Effect::CancelReplay => {
                self.cancel.store(true, Ordering::Relaxed);
                None
            }
            Effect::PlanReplay { job, requests } => self.replay_cmd(|cancel| ReplayCmd::Plan {
                job,
                requests,
                cancel,
            }),
            Effect::RunReplay { job, requests } => self.replay_cmd(|cancel| ReplayCmd::Run {
                job,
                requests,
                cancel,
            }),
            Effect::ResumeReplay { job, runs } => {
                self.replay_cmd(|cancel| ReplayCmd::Resume { job, runs, cancel })
            }
            Effect::Publish {
                job,
                form,
                vars,
                count,
                rate,
            } => {
                self.publish_cancel.store(true, Ordering::Relaxed);
                self.publish_cancel = Arc::new(AtomicBool::new(false));
                let cmd = PublishCmd::Send {
                    job,
                    form,
                    vars,
                    count,
                    rate,
                    cancel: self.publish_cancel.clone(),
                };
                send(&self.publish.commands, cmd, "publish")
            }
            Effect::CancelPublish => {
                self.publish_cancel.store(true, Ordering::Relaxed);
                None
            }
            Effect::SaveTemplate { form, name } => send(
                &self.publish.commands,
                PublishCmd::Save { form, name },
                "publish",
            ),
            Effect::Search { job, request } => {
                self.search_cancel.store(true, Ordering::Relaxed);
                self.search_cancel = Arc::new(AtomicBool::new(false));
                let cmd = crate::engine::search::SearchCmd::Start {
                    job,
                    request: *request,
                    cancel: self.search_cancel.clone(),
                };
                send(&self.search.commands, cmd, "search")
            }
            Effect::CancelSearch => {
                self.search_cancel.store(true, Ordering::Relaxed);
                None
            }
            Effect::SearchJob { gen, ids, since_ms } => {
                self.job_cancel.store(true, Ordering::Relaxed);
                self.job_cancel = Arc::new(AtomicBool::new(false));
                let cmd = crate::domain::event::JobSearchCmd {
                    gen,
                    ids,
                    since_ms,
                    cancel: self.job_cancel.clone(),
                };
                send(&self.job_search.commands, cmd, "job search")
            }
            Effect::CancelJobSearch => {
                self.job_cancel.store(true, Ordering::Relaxed);
                None
            }
            Effect::Export { path, records } => self.export(path, records.0),
            Effect::Osc52(seq) => {
                use std::io::Write;
                let mut out = std::io::stdout();
                out.write_all(&seq)
                    .and_then(|()| out.flush())
                    .err()
                    .map(|e| format!("copy: writing to the terminal failed: {e}"))
            }
            Effect::ReplayCounts(dlqs) => match &self.replay {
                Ok(r) => send(&r.commands, ReplayCmd::Counts(dlqs), "replay"),
                Err(_) => None,
            },
        };
        (Flow::Continue, warn)
    }

    /// A replay job gets a fresh stop flag; the old job's flag is raised so a job the dialog
    /// replaced stops.
    fn replay_cmd(&mut self, cmd: impl FnOnce(Arc<AtomicBool>) -> ReplayCmd) -> Option<String> {
        let handle = match &self.replay {
            Ok(h) => h,
            Err(e) => return Some(e.clone()),
        };
        self.cancel.store(true, Ordering::Relaxed);
        self.cancel = Arc::new(AtomicBool::new(false));
        send(&handle.commands, cmd(self.cancel.clone()), "replay")
    }

    /// Writes the file on a thread of its own (a large pane takes a while); the outcome comes
    /// back as an event.
    fn export(
        &self,
        path: std::path::PathBuf,
        records: Vec<crate::domain::Record>,
    ) -> Option<String> {
        let Some(events) = self.events.upgrade() else {
            // Every worker is gone, so nobody would carry the answer: write here.
            return Some(match crate::engine::export::write_jsonl(&path, &records) {
                Ok(s) => s.describe(),
                Err(e) => format!("export failed: {e}"),
            });
        };
        let spawned = std::thread::Builder::new()
            .name("kdeck-export".into())
            .spawn(move || {
                let outcome = crate::engine::export::write_jsonl(&path, &records);
                let _ = events.blocking_send(KafkaEvent::Exported(outcome));
            });
        spawned
            .err()
            .map(|e| format!("export: cannot start a thread: {e}"))
    }

    /// Lets the workers end on their own. Waiting could mean waiting out a metadata timeout
    /// against a dead broker, so quitting does not.
    pub fn detach(self) {
        self.stream.detach();
    }
}

/// The timeline's search worker and the stuck-jobs watcher (it reads the request topics too).
fn start_jobs(cfg: &Config, events: &mpsc::Sender<KafkaEvent>) -> crate::kafka::jobs::SearchHandle {
    let scan = crate::kafka::jobs::ScanSpec {
        cluster: cfg.cluster.clone(),
        lifecycle: cfg.topics.lifecycle(),
        identity: cfg.jobs.identity.clone(),
        value_cap: cfg.ui.max_value_bytes,
        max_scanned: crate::kafka::jobs::SEARCH_MAX_SCANNED,
    };
    crate::kafka::jobs::spawn_search(scan, events.clone())
}

/// Stuck-jobs tracking, done by the stream reader on the records it decodes anyway.
fn watch_spec(cfg: &Config) -> crate::kafka::jobs::WatchSpec {
    crate::kafka::jobs::WatchSpec {
        lifecycle: cfg.topics.lifecycle(),
        identity: cfg.jobs.identity.clone(),
        start: cfg.consumer.start,
        stuck_after_ms: cfg.jobs.stuck_after_ms,
        max_open: cfg.jobs.max_open,
    }
}

fn send<T>(to: &SyncSender<T>, cmd: T, worker: &str) -> Option<String> {
    match to.try_send(cmd) {
        Ok(()) => None,
        Err(TrySendError::Full(_)) => Some(format!("the {worker} worker is busy; try again")),
        Err(TrySendError::Disconnected(_)) => Some(format!("the {worker} worker has stopped")),
    }
}
