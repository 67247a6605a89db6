//! The export worker: writes a pane's records to a new JSONL file off the UI task (a large pane
//! takes a while) and reports the outcome as `KafkaEvent::Exported`.

use super::worker::Worker;
use crate::domain::event::KafkaEvent;
use crate::domain::Record;
use std::path::PathBuf;
use tokio::sync::mpsc;

/// Write these records to `path`.
#[derive(Debug)]
pub struct ExportCmd {
    pub path: PathBuf,
    pub records: Vec<Record>,
}

pub fn spawn(events: mpsc::Sender<KafkaEvent>) -> Worker<ExportCmd> {
    Worker::spawn("export", 2, &events.clone(), move |rx| {
        while let Ok(ExportCmd { path, records }) = rx.recv() {
            let outcome = crate::engine::export::write_jsonl(&path, &records);
            if events.blocking_send(KafkaEvent::Exported(outcome)).is_err() {
                return;
            }
        }
    })
}
