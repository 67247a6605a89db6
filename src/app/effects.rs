//! Carries out `update`'s effects: the one place that turns them into commands for the Kafka
//! workers. Every command channel is bounded; a full one is reported, never waited on, so the
//! UI task cannot block on a busy worker.

use super::effect::Effect;
use crate::clock::Clock;
use crate::config::Config;
use crate::domain::event::{KafkaEvent, LagCmd, StreamCmd};
use crate::kafka::consumer::{self, StreamHandle, StreamSpec};
use crate::kafka::lag::{LagHandle, LagSpec};
use std::sync::mpsc::{SyncSender, TrySendError};
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
            events,
            || crate::clock::SystemClock.now_ms(),
        );
        Workers { stream, lag }
    }

    /// Runs one effect. A worker whose queue is full or gone is named in the returned warning.
    pub fn execute(&mut self, effect: Effect) -> (Flow, Option<String>) {
        let warn = match effect {
            Effect::Quit => return (Flow::Quit, None),
            Effect::PauseStream(r) => send(&self.stream.commands, StreamCmd::Pause(r), "stream"),
            Effect::ResumeStream(r) => send(&self.stream.commands, StreamCmd::Resume(r), "stream"),
            Effect::RefreshLag => send(&self.lag.commands, LagCmd::RefreshNow, "lag"),
        };
        (Flow::Continue, warn)
    }

    /// Lets the workers end on their own. Waiting could mean waiting out a metadata timeout
    /// against a dead broker, so quitting does not.
    pub fn detach(self) {
        self.stream.detach();
    }
}

fn send<T>(to: &SyncSender<T>, cmd: T, worker: &str) -> Option<String> {
    match to.try_send(cmd) {
        Ok(()) => None,
        Err(TrySendError::Full(_)) => Some(format!("the {worker} worker is busy; try again")),
        Err(TrySendError::Disconnected(_)) => Some(format!("the {worker} worker has stopped")),
    }
}
