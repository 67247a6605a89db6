//! Opening the publish dialog: on the template picker, or as "republish with edits" of a record
//! (the raw template filled with its topic, key, headers and value). Refused on read-only
//! profiles.

use super::PublishDialog;
use crate::engine::job::follow::Follow;
use crate::engine::publish::{Form, PublishRecord, Vars};
use crate::tui::app::component::Reply;
use crate::tui::app::state::{Modal, State};
use crate::tui::panes::PaneId;

fn vars(state: &State) -> Vars {
    Vars {
        now_ms: state.now_ms,
        ..Vars::system()
    }
}

fn refused(state: &mut State) -> bool {
    match &state.read_only {
        Some(why) => {
            state.health.warning = Some((format!("publish refused: {why}"), state.now_ms));
            true
        }
        None => false,
    }
}

fn dialog(state: &mut State) -> PublishDialog {
    PublishDialog::new(
        state.job_ids.open(),
        state.templates.clone(),
        &state.topic_prefix,
        vars(state),
    )
}

pub fn new(state: &mut State) -> Reply {
    if refused(state) {
        return Reply::Done;
    }
    Reply::Open(Modal::Publish(Box::new(dialog(state))))
}

/// The selected record into the raw template, taken literally (a `{{` in it stays text); a
/// binary value is kept as bytes unless typed over. A record that text fields cannot hold
/// unchanged (a binary key or header, a cut value, a tombstone) is refused with the byte-exact
/// way to copy it.
pub fn republish(state: &mut State) -> Reply {
    if refused(state) {
        return Reply::Done;
    }
    let PaneId::Stream(role) = state.focus else {
        return Reply::Done;
    };
    let Some(r) = state.stream(role).selected_record().cloned() else {
        return Reply::Done;
    };
    republish_record(state, &r)
}

/// `r` into the raw template (see `republish`); the timeline republishes a job's request so.
pub fn republish_record(state: &mut State, r: &crate::domain::Record) -> Reply {
    if refused(state) {
        return Reply::Done;
    }
    let rec = PublishRecord {
        topic: r.topic.clone(),
        partition: None,
        key: r.key.clone(),
        headers: r
            .headers
            .iter()
            .map(|h| (h.key.clone(), h.value.clone()))
            .collect(),
        value: r.value.clone(),
    };
    let truncated = r.truncated();
    let raw = state.templates.iter().find(|t| t.name == "raw").cloned();
    let form = raw
        .filter(|_| !truncated)
        .and_then(|t| Form::from_record(&t, &rec));
    match form {
        Some(form) => Reply::Open(Modal::Publish(Box::new(dialog(state).with_form(form)))),
        None => {
            let msg = "this record's key or a header is binary, or its value is cut or a \
                       tombstone: copy it byte-exact with kdeck tail | kdeck publish --input jsonl";
            state.health.warning = Some((msg.into(), state.now_ms));
            Reply::Done
        }
    }
}

/// The job a published record belongs to, by the same ids the dashboard follows.
pub fn follow_of(r: &PublishRecord) -> Option<Follow> {
    let headers = r
        .headers
        .iter()
        .map(|(k, v)| crate::domain::Header {
            key: k.clone(),
            value: v.clone(),
        })
        .collect();
    let rec = crate::codec::decode::to_record(
        crate::codec::decode::Incoming {
            topic: &r.topic,
            partition: 0,
            offset: 0,
            timestamp_ms: None,
            key: r.key.as_deref(),
            value: r.value.as_deref(),
            headers,
        },
        1 << 20,
        false,
    );
    Follow::of(&rec)
}
