//! Records and a keymap for the tests that drive `update` without a broker.

use kdeck::codec::decode::{to_record, Incoming};
use kdeck::domain::{Header, Record};
use kdeck::tui::app::state::State;
use kdeck::tui::keymap::Keymap;
use kdeck::tui::modals::filter::FilterDialog;
use std::collections::BTreeMap;

/// The tests' "now", ms since the epoch.
pub const NOW: i64 = 1_763_200_000_000;

pub const STATUSES: [&str; 5] = [
    "in_progress",
    "failed",
    "completed",
    "failed",
    "in_progress",
];

/// An export job's status record at `offset` on `scheduler.jobs.status`: the status cycles
/// through `STATUSES`, the org header alternates, `progress_percentage` is `offset * 10` when
/// asked for.
pub fn status_record(offset: i64, with_progress: bool) -> Record {
    let status = STATUSES[offset as usize % STATUSES.len()];
    let progress = if with_progress {
        format!(r#","progress_percentage":{}"#, offset * 10)
    } else {
        String::new()
    };
    let value = format!(r#"{{"export_id":"export-{offset}","status":"{status}"{progress}}}"#);
    to_record(
        Incoming {
            topic: "scheduler.jobs.status",
            partition: 0,
            offset,
            timestamp_ms: Some(NOW - 10_000 + offset),
            key: Some(format!("export-{offset}").as_bytes()),
            value: Some(value.as_bytes()),
            headers: vec![Header {
                key: "org_id".into(),
                value: Some(format!("org-customer-00{}", offset % 2).into_bytes()),
            }],
        },
        1 << 20,
        false,
    )
}

/// The built-in keymap.
pub fn keymap() -> Keymap {
    Keymap::new(&BTreeMap::new()).unwrap()
}

/// The open filter input; panics when it is not open.
pub fn filter_dialog(s: &State) -> &FilterDialog {
    match s.modal_as::<kdeck::tui::modals::filter::FilterDialog>() {
        Some(d) => d,
        None => panic!("the filter input is not open"),
    }
}
