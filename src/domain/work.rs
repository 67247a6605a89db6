//! The job side of the one worker contract (`kafka::worker::Worker`), as plain data so the
//! commands that carry it stay plain types.
//!
//! - Job ids are handed out in one way: the app's one counter (`JobCounter`) gives every dialog
//!   or view a number, and the dialog numbers its jobs under it (`JobIds`). No two dialogs ever
//!   hand out the same id, so news of a job of a closed dialog never matches a new one.
//! - A worker's job gets a `Ticket`: its id (generation), its own stop flag, and a way to tell
//!   whether a newer job of the same worker has started since. Starting a new job raises the
//!   old job's flag; news of a superseded job is dropped by the worker, and `update` drops any
//!   news whose id is not the open dialog's.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Jobs one dialog may start before its ids would run into the next dialog's.
const JOB_BITS: u32 = 20;

/// The app's one source of job ids: one number per dialog or view opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobCounter {
    dialogs: u64,
}

impl JobCounter {
    /// The ids of a newly opened dialog.
    pub fn open(&mut self) -> JobIds {
        self.dialogs += 1;
        JobIds {
            dialog: self.dialogs,
            jobs: 0,
        }
    }
}

/// The job ids of one dialog: its number in the high bits, its jobs counted in the low ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JobIds {
    dialog: u64,
    jobs: u64,
}

impl JobIds {
    /// The id of the dialog's next job.
    pub fn next_id(&mut self) -> u64 {
        self.jobs = (self.jobs + 1) & ((1 << JOB_BITS) - 1);
        (self.dialog << JOB_BITS) | self.jobs
    }
}

/// One job of a worker: what its news is named by, and when it must stop.
#[derive(Clone, Debug)]
pub struct Ticket {
    gen: u64,
    cancel: Arc<AtomicBool>,
    /// The generation of the worker's newest job.
    latest: Arc<AtomicU64>,
}

impl Ticket {
    /// A ticket of its own, tied to no worker (a command-line run, a test).
    pub fn new(gen: u64) -> Ticket {
        Ticket {
            gen,
            cancel: Arc::new(AtomicBool::new(false)),
            latest: Arc::new(AtomicU64::new(gen)),
        }
    }

    /// A worker's next job: `latest` is the worker's record of its newest generation.
    pub fn issue(gen: u64, latest: &Arc<AtomicU64>) -> Ticket {
        latest.store(gen, Ordering::Relaxed);
        Ticket {
            gen,
            cancel: Arc::new(AtomicBool::new(false)),
            latest: latest.clone(),
        }
    }

    /// The id the job's news carries.
    pub fn gen(&self) -> u64 {
        self.gen
    }

    /// The stop flag, for the scans and sends that take one.
    pub fn flag(&self) -> &AtomicBool {
        &self.cancel
    }

    /// Asks the job to stop (what it found or sent so far is still reported).
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// True once a newer job of the same worker started: this job's news is late.
    pub fn superseded(&self) -> bool {
        self.latest.load(Ordering::Relaxed) != self.gen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_of_two_dialogs_never_meet() {
        let mut counter = JobCounter::default();
        let mut a = counter.open();
        let mut b = counter.open();
        let from_a: Vec<u64> = (0..5).map(|_| a.next_id()).collect();
        let from_b: Vec<u64> = (0..5).map(|_| b.next_id()).collect();
        assert!(from_a.iter().all(|id| !from_b.contains(id)));
        assert!(from_a.windows(2).all(|w| w[0] != w[1]));
    }

    #[test]
    fn a_newer_ticket_supersedes_the_older() {
        let latest = Arc::new(AtomicU64::new(0));
        let old = Ticket::issue(1, &latest);
        assert!(!old.superseded());
        let new = Ticket::issue(2, &latest);
        assert!(old.superseded());
        assert!(!new.superseded());
        assert!(!Ticket::new(7).superseded());
    }
}
