//! What a resume may skip: records the audit shows acknowledged (or found by an earlier
//! resume), and records of this run found on the target by their provenance headers.

use super::audit::RunLog;
use crate::domain::replay::{Coord, ResumeBase};
use std::collections::HashMap;

/// `found`: source -> where a record carrying this run's id and that source sits on a target.
pub fn resume_base(log: &RunLog, mut found: HashMap<Coord, Coord>) -> ResumeBase {
    // Found ones the audit already knows are counted once, as acknowledged.
    found.retain(|src, _| !log.done.contains(src));
    // A record of another DLQ (a mistyped header, another tool) is not ours to skip.
    found.retain(|src, _| src.topic == log.request.dlq);
    ResumeBase {
        target_starts: log.target_starts.clone(),
        acked: log.done.clone(),
        found,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::replay::{ReplayRequest, ReplaySettings, Selection};
    use std::collections::HashSet;

    fn c(s: &str) -> Coord {
        Coord::parse(s).unwrap()
    }

    #[test]
    fn skips_acked_and_found_and_nothing_else() {
        let log = RunLog {
            run_id: "r".into(),
            request: ReplayRequest::new("dlq", Selection::All, ReplaySettings::default()),
            ranges: vec![],
            target_starts: Default::default(),
            done: [c("dlq/0@1"), c("dlq/0@2")].into_iter().collect(),
            failed: [c("dlq/0@3")].into_iter().collect::<HashSet<_>>(),
            attempts: 1,
        };
        let found: HashMap<Coord, Coord> = [
            (c("dlq/0@2"), c("t/1@10")),
            (c("dlq/0@3"), c("t/1@11")),
            (c("other/0@4"), c("t/1@12")),
        ]
        .into_iter()
        .collect();
        let base = resume_base(&log, found);
        assert!(base.is_done(&c("dlq/0@1")));
        assert!(base.is_done(&c("dlq/0@2")));
        // Reported failed, yet the broker wrote it: found, so not sent again.
        assert!(base.is_done(&c("dlq/0@3")));
        assert_eq!(base.found.len(), 1);
        assert!(!base.is_done(&c("dlq/0@4")));
        assert!(!base.is_done(&c("other/0@4")));
    }
}
