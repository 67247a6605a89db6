//! Which DLQ records a replay takes, from what the user did in the DLQ pane: the marks; else
//! the selected reason group (by-reason view: every record of that reason on the DLQ topics,
//! also those no longer in memory); else the selected message.

use super::ReplayScope;
use crate::domain::replay::Selection;
use crate::domain::Record;
use crate::tui::panes::dlq::{coord, DlqTriage};
use crate::tui::panes::stream::StreamPane;
use std::collections::BTreeMap;

pub fn of(triage: &DlqTriage, pane: &StreamPane, dlq_topics: &[String]) -> Option<ReplayScope> {
    if !triage.marks.is_empty() {
        return Some(marked(triage, pane));
    }
    if triage.by_reason {
        let key = triage.selected_group()?;
        let selections = dlq_topics
            .iter()
            .map(|t| (t.clone(), Selection::Reason { text: key.clone() }))
            .collect();
        return Some(ReplayScope {
            selections,
            what: format!("every DLQ message with reason \"{key}\""),
            single_value: None,
        });
    }
    pane.selected_record().map(one)
}

/// One DLQ record (the timeline's "replay its DLQ record").
pub fn one(r: &Record) -> ReplayScope {
    let mut selections = BTreeMap::new();
    selections.insert(
        r.topic.clone(),
        Selection::One {
            partition: r.partition,
            offset: r.offset,
        },
    );
    ReplayScope {
        selections,
        what: format!("{}/{}@{}", r.topic, r.partition, r.offset),
        single_value: editable_value(r),
    }
}

fn marked(triage: &DlqTriage, pane: &StreamPane) -> ReplayScope {
    let mut by_topic: BTreeMap<String, Vec<(i32, i64)>> = BTreeMap::new();
    for (t, p, o) in &triage.marks {
        by_topic.entry(t.clone()).or_default().push((*p, *o));
    }
    for coords in by_topic.values_mut() {
        coords.sort_unstable();
    }
    let n = triage.marks.len();
    let single_value = if n == 1 {
        pane.records
            .iter()
            .find(|r| triage.marks.contains(&coord(r)))
            .and_then(editable_value)
    } else {
        None
    };
    ReplayScope {
        selections: by_topic
            .into_iter()
            .map(|(t, coords)| (t, Selection::Marked { coords }))
            .collect(),
        what: if n == 1 {
            "1 marked message".into()
        } else {
            format!("{n} marked messages")
        },
        single_value,
    }
}

/// A value the one-line editor can hold and give back unchanged: whole, UTF-8, no control
/// characters but spaces. Anything else is replayed as it is (bytes kept).
fn editable_value(r: &Record) -> Option<String> {
    if r.truncated() {
        return None;
    }
    let v = std::str::from_utf8(r.value.as_deref()?).ok()?;
    (!v.chars().any(|c| c.is_control())).then(|| v.to_string())
}
