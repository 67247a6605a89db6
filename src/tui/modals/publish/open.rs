//! Opening the publish dialog: on the template picker, or as "republish with edits" of a record
//! (the raw template filled with its topic, key, headers and value). Refused on read-only
//! profiles.

use super::PublishDialog;
use crate::engine::job::follow::Follow;
use crate::engine::publish::{Form, PublishRecord, Vars};
use crate::tui::app::action::Action;
use crate::tui::app::component::{Cx, Reply, Subject};

fn vars(cx: &Cx<'_>) -> Vars {
    Vars {
        now_ms: cx.now_ms,
        ..Vars::system()
    }
}

fn refused(cx: &mut Cx<'_>) -> bool {
    match cx.read_only {
        Some(why) => {
            let text = format!("publish refused: {why}");
            cx.warn(text);
            true
        }
        None => false,
    }
}

fn dialog(cx: &mut Cx<'_>) -> PublishDialog {
    let job = cx.job();
    PublishDialog::new(job, cx.templates.to_vec(), cx.topic_prefix, vars(cx))
}

/// `n`: the template picker; `e` (republish): the selected record, or the record forwarded
/// (a timeline republishes its job's request).
pub fn open(action: Action, subject: Subject, cx: &mut Cx<'_>) -> Reply {
    if refused(cx) {
        return Reply::Done;
    }
    match (action, subject) {
        (Action::Republish, Subject::Record(r)) => republish_record(cx, &r),
        (Action::Republish, _) => match cx.selected_record().cloned() {
            Some(r) => republish_record(cx, &r),
            None => Reply::Done,
        },
        _ => Reply::open(dialog(cx)),
    }
}

/// The record into the raw template, taken literally (a `{{` in it stays text); a binary
/// value is kept as bytes unless typed over. A record that text fields cannot hold unchanged
/// (a binary key or header, a cut value, a tombstone) is refused with the byte-exact way to
/// copy it.
fn republish_record(cx: &mut Cx<'_>, r: &crate::domain::Record) -> Reply {
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
        key_hash: None,
    };
    let truncated = r.truncated();
    let raw = cx.templates.iter().find(|t| t.name == "raw").cloned();
    let form = raw
        .filter(|_| !truncated)
        .and_then(|t| Form::from_record(&t, &rec));
    match form {
        Some(form) => Reply::open(dialog(cx).with_form(form)),
        None => {
            let msg = "this record's key or a header is binary, or its value is cut or a \
                       tombstone: copy it byte-exact with kdeck tail | kdeck publish --input jsonl";
            cx.warn(msg);
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
