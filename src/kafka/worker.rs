//! The one worker contract. Every dashboard worker (stream, lag, search, job search, replay,
//! publish, export) is a thread started by `Worker::spawn`, taking commands on a bounded
//! channel and reporting `KafkaEvent`s on the app's one event channel.
//!
//! - `send` never blocks: a full queue is "the X worker is busy; try again", a gone worker
//!   "the X worker has stopped" (or, when its thread never started, why).
//! - `start` begins a job: the previous job's stop flag is raised, the new job gets a fresh
//!   `Ticket` (its generation and flag), and news of a superseded job is dropped (`report`).
//! - A thread that cannot be started is said in words on the health line
//!   (`KafkaEvent::Warning`), never ignored and never a panic.
//! - Dropping the handle closes the command channel; the worker ends at its next turn. Nobody
//!   waits for it (`detach`), except a test that asks to (`stop`).

use crate::domain::event::KafkaEvent;
use crate::domain::work::Ticket;
use std::sync::atomic::AtomicU64;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use tokio::sync::mpsc;

/// Starts a named thread. The real one is `thread`; a test may pass one that fails.
pub type Spawner = fn(String, Box<dyn FnOnce() + Send>) -> std::io::Result<JoinHandle<()>>;

/// The real spawner: a named OS thread.
pub fn thread(name: String, run: Box<dyn FnOnce() + Send>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(name).spawn(run)
}

/// A running worker taking commands of type `C`.
pub struct Worker<C> {
    name: &'static str,
    commands: SyncSender<C>,
    /// Why the thread did not start; every send says it.
    failed: Option<String>,
    /// The running job's ticket (its stop flag is raised when the next job starts).
    job: Option<Ticket>,
    /// The newest job's generation, shared with the tickets.
    latest: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl<C: Send + 'static> Worker<C> {
    /// Starts `run` on a thread named after the worker, with a command queue of `capacity`.
    /// When the thread cannot start, a warning saying so goes to `events`.
    pub fn spawn(
        name: &'static str,
        capacity: usize,
        events: &mpsc::Sender<KafkaEvent>,
        run: impl FnOnce(Receiver<C>) + Send + 'static,
    ) -> Worker<C> {
        Worker::spawn_with(thread, name, capacity, events, run)
    }

    /// `spawn` with the thread started by `spawner`.
    pub fn spawn_with(
        spawner: Spawner,
        name: &'static str,
        capacity: usize,
        events: &mpsc::Sender<KafkaEvent>,
        run: impl FnOnce(Receiver<C>) + Send + 'static,
    ) -> Worker<C> {
        let (tx, rx) = sync_channel(capacity);
        let thread_name = format!("kdeck-{}", name.replace(' ', "-"));
        let (thread, failed) = match spawner(thread_name, Box::new(move || run(rx))) {
            Ok(t) => (Some(t), None),
            Err(e) => {
                let why = format!("the {name} worker could not start: {e}");
                tracing::warn!("{why}");
                // At start the event channel is empty; should it be full or gone, the log
                // has it and every command to this worker says it again.
                let _ = events.try_send(KafkaEvent::Warning(why.clone()));
                (None, Some(why))
            }
        };
        Worker {
            name,
            commands: tx,
            failed,
            job: None,
            latest: Arc::new(AtomicU64::new(0)),
            thread,
        }
    }
}

impl<C> Worker<C> {
    /// Queues a command without waiting; the error names the worker and says why not.
    pub fn send(&self, cmd: C) -> Result<(), String> {
        if let Some(why) = &self.failed {
            return Err(why.clone());
        }
        let name = self.name;
        match self.commands.try_send(cmd) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(format!("the {name} worker is busy; try again")),
            Err(TrySendError::Disconnected(_)) => Err(format!("the {name} worker has stopped")),
        }
    }

    /// Starts job `gen`: the running job is told to stop, and the new one gets a fresh ticket.
    pub fn start(&mut self, gen: u64, cmd: impl FnOnce(Ticket) -> C) -> Result<(), String> {
        self.cancel();
        let ticket = Ticket::issue(gen, &self.latest);
        self.job = Some(ticket.clone());
        self.send(cmd(ticket))
    }

    /// Tells the running job to stop; what it did so far is still reported.
    pub fn cancel(&self) {
        if let Some(job) = &self.job {
            job.cancel();
        }
    }

    /// Lets the worker end on its own (it stops at its next turn). Waiting could mean waiting
    /// out a metadata timeout against a dead broker.
    pub fn detach(self) {}

    /// Closes the command channel and waits for the thread to end.
    pub fn stop(self) {
        let Worker {
            commands, thread, ..
        } = self;
        drop(commands);
        if let Some(t) = thread {
            let _ = t.join();
        }
    }
}

/// Sends a job's news unless a newer job superseded it (then it is dropped). False when the
/// app is gone.
pub fn report(events: &mpsc::Sender<KafkaEvent>, job: &Ticket, news: KafkaEvent) -> bool {
    job.superseded() || events.blocking_send(news).is_ok()
}

/// Progress: news, not a duty. Dropped when the channel is full or the job superseded; false
/// when the app is gone.
pub fn progress(events: &mpsc::Sender<KafkaEvent>, job: &Ticket, news: KafkaEvent) -> bool {
    if !job.superseded() {
        let _ = events.try_send(news);
    }
    !events.is_closed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn events() -> (mpsc::Sender<KafkaEvent>, mpsc::Receiver<KafkaEvent>) {
        mpsc::channel(8)
    }

    #[test]
    fn a_full_queue_is_busy_and_a_gone_worker_stopped() {
        let (tx, _rx) = events();
        let (hold, wait) = std::sync::mpsc::channel::<()>();
        let w: Worker<u32> = Worker::spawn("test", 1, &tx, move |cmds| {
            let _ = wait.recv();
            drop(cmds);
        });
        // The thread takes no command: one fits in the queue, the second does not.
        assert_eq!(w.send(1), Ok(()));
        assert_eq!(
            w.send(2),
            Err("the test worker is busy; try again".to_string())
        );
        hold.send(()).unwrap();
        // Once the thread dropped its queue, the worker has stopped.
        let mut answer = Ok(());
        for _ in 0..200 {
            answer = w.send(3);
            if answer == Err("the test worker has stopped".to_string()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(answer, Err("the test worker has stopped".to_string()));
        w.stop();
    }

    #[test]
    fn a_new_job_cancels_the_previous_one() {
        let (tx, _rx) = events();
        let (seen_tx, seen) = std::sync::mpsc::channel::<Ticket>();
        let mut w: Worker<Ticket> = Worker::spawn("job", 4, &tx, move |cmds| {
            while let Ok(t) = cmds.recv() {
                seen_tx.send(t).unwrap();
            }
        });
        w.start(1, |t| t).unwrap();
        let first = seen.recv().unwrap();
        assert!(!first.cancelled());
        w.start(2, |t| t).unwrap();
        let second = seen.recv().unwrap();
        assert!(first.cancelled(), "the old job's flag is raised");
        assert!(!second.cancelled(), "the new job has a fresh flag");
        assert_eq!((first.gen(), second.gen()), (1, 2));
        w.cancel();
        assert!(second.cancelled());
        w.stop();
    }

    #[test]
    fn news_of_a_superseded_job_is_dropped() {
        let (tx, mut rx) = events();
        let mut w: Worker<u8> = Worker::spawn("job", 4, &tx, |cmds| while cmds.recv().is_ok() {});
        let mut tickets = Vec::new();
        w.start(1, |t| {
            tickets.push(t);
            0
        })
        .unwrap();
        w.start(2, |t| {
            tickets.push(t);
            0
        })
        .unwrap();
        let warn = |s: &str| KafkaEvent::Warning(s.into());
        assert!(report(&tx, &tickets[0], warn("late")));
        assert!(progress(&tx, &tickets[0], warn("late progress")));
        assert!(report(&tx, &tickets[1], warn("current")));
        match rx.try_recv() {
            Ok(KafkaEvent::Warning(w)) => assert_eq!(w, "current"),
            other => panic!("expected the current job's news, got {other:?}"),
        }
        assert!(
            rx.try_recv().is_err(),
            "the superseded job's news was dropped"
        );
        w.stop();
    }

    fn failing(_: String, _: Box<dyn FnOnce() + Send>) -> std::io::Result<JoinHandle<()>> {
        Err(std::io::Error::other("no threads left"))
    }

    #[test]
    fn a_thread_that_cannot_start_is_said_in_words() {
        let (tx, mut rx) = events();
        let w: Worker<u8> = Worker::spawn_with(failing, "search", 2, &tx, |_| {});
        match rx.try_recv() {
            Ok(KafkaEvent::Warning(w)) => {
                assert_eq!(w, "the search worker could not start: no threads left")
            }
            other => panic!("expected a warning, got {other:?}"),
        }
        assert_eq!(
            w.send(1),
            Err("the search worker could not start: no threads left".to_string())
        );
        // No thread to wait for.
        w.stop();
    }
}
