//! The services' scraper: one thread scrapes each configured service's Prometheus endpoint on
//! its own schedule and reports the chosen series on the app's event channel. Not Kafka, but a
//! dashboard worker under the same contract (bounded, reported in words, ends with the app).

use super::worker::Worker;
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::event::{KafkaEvent, ServiceUpdate};
use crate::engine::services::select;
use crate::support::config::services::Service;
use crate::support::services::Scraper;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

pub fn spawn(services: Vec<Service>, events: mpsc::Sender<KafkaEvent>) -> Worker<()> {
    Worker::spawn("services", 1, &events.clone(), move |rx| {
        let scraper = Scraper::default();
        let mut due: Vec<Instant> = vec![Instant::now(); services.len()];
        loop {
            let now = Instant::now();
            for (index, s) in services.iter().enumerate() {
                if due[index] > now {
                    continue;
                }
                due[index] = now + Duration::from_millis(s.every_ms);
                let result = (scraper.scrape(&s.url)).map(|samples| select(&s.series, &samples));
                let at_ms = SystemClock.now_ms();
                let news = KafkaEvent::Service(ServiceUpdate {
                    index,
                    at_ms,
                    result,
                });
                if events.blocking_send(news).is_err() {
                    return;
                }
            }
            let next = due
                .iter()
                .min()
                .copied()
                .unwrap_or(now + Duration::from_secs(1));
            let wait = next
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(50));
            // The app dropping the worker ends the thread at once.
            match rx.recv_timeout(wait) {
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                _ => continue,
            }
        }
    })
}
