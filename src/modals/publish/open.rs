//! Opening the publish dialog: on the template picker, or as "republish with edits" of a record
//! (the raw template filled with its topic, key, headers and value). Refused on read-only
//! profiles.

use super::PublishDialog;
use crate::app::component::Reply;
use crate::app::state::{Modal, State};
use crate::domain::follow::Follow;
use crate::panes::PaneId;
use crate::publish::{PublishRecord, Vars};

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
    state.next_job += 1;
    PublishDialog::new(
        state.next_job,
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

/// The selected record into the raw template. A value that is not whole UTF-8 text cannot go
/// through a text field unchanged, so it is refused with the byte-exact way to copy it.
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
    let text = |b: &Option<Vec<u8>>| {
        b.as_deref()
            .map(|v| std::str::from_utf8(v).map(str::to_string))
    };
    let value = match text(&r.value) {
        Some(Ok(v)) if !r.truncated() => v,
        None => String::new(),
        _ => {
            let msg = "binary or cut value: copy it byte-exact with kdeck tail | kdeck publish --input jsonl";
            state.health.warning = Some((msg.into(), state.now_ms));
            return Reply::Done;
        }
    };
    let key = match text(&r.key) {
        Some(Ok(k)) => k,
        None => String::new(),
        Some(Err(_)) => {
            let msg = "binary key: copy the record byte-exact with kdeck tail | kdeck publish --input jsonl";
            state.health.warning = Some((msg.into(), state.now_ms));
            return Reply::Done;
        }
    };
    let mut headers = serde_json::Map::new();
    for h in &r.headers {
        let v = h.value_str().map(str::to_string).unwrap_or_default();
        headers.insert(h.key.clone(), serde_json::Value::String(v));
    }
    let d = dialog(state).with_values(
        "raw",
        &[
            ("topic", r.topic.clone()),
            ("key", key),
            ("headers", serde_json::Value::Object(headers).to_string()),
            ("value", value),
        ],
    );
    Reply::Open(Modal::Publish(Box::new(d)))
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
    let rec = crate::decode::to_record(
        crate::decode::Incoming {
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
