//! Publishing test records: templates (TOML, built-ins compiled in, the user's folder laid
//! over them), placeholders, typed fields with per-field validation, a preview that is exactly
//! the record sent, the kcat-like raw and JSON-lines inputs, and the paced sending loop.
//!
//! Plain and synchronous: the dashboard's form calls [`Form`] on the UI task (no I/O) and runs
//! [`send::run`] on a worker thread; `kdeck publish` does the same from the command line.
//! Only `crate::kafka::safe_producer` touches rdkafka.
//!
//! The dashboard's form, step by step:
//! - once: `Catalog::load(template::user_dir().as_deref())` (show `warnings`), then
//!   `catalog.templates` / `catalog.filter(text)` for the picker;
//! - `Form::new(template, &cfg.topic_prefix)`: `fields()` gives name, `kind` (with
//!   `kind.hint()`), `choices`, `required`, `help`; `value(i)` the text shown; `set_at(i, text)`
//!   on each edit; `topic_override` for a typed target topic;
//! - on each change: `let vars = Vars::system();` (or keep one and refresh `now_ms`)
//!   `form.render(&vars)`: Ok(record) -> `record.preview()` (topic, key, headers, value as
//!   text); Err(errors) -> each `FieldError { place: Place::Field(name) | Topic | Key |
//!   Header(name) | Value, message }` shown at its field. `validate(&vars)` gives the errors
//!   only;
//! - send one: the very record of the preview, through [`send::run`] with a source that
//!   yields it once; send N at R/s: a source rendering `form.render(&vars.next(seq, now_ms))`
//!   per `seq`, `SendOptions { rate: Some(r), .. }`, an `AtomicBool` as the stop key, and
//!   [`send::Event`]s (`Delivered { seq, topic, partition, offset, key }`, `Failed`,
//!   `Progress`) for the progress bar; it blocks, so it runs on a worker thread;
//! - save as template: `template::save(&dir, &form.as_template(name))`.

pub mod audit;
pub mod form;
pub mod jsonl_in;
pub mod placeholder;
pub mod schema;
pub mod template;

pub use crate::domain::publish::PublishRecord;
pub use form::{FieldError, Form, Place};
pub use placeholder::Vars;
pub use template::{Catalog, Field, FieldType, Template};

/// A record as text for a preview: valid UTF-8 shown as is (JSON values pretty-printed),
/// anything else as hex, null as `null`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preview {
    pub topic: String,
    pub partition: Option<i32>,
    pub key: String,
    pub headers: Vec<(String, String)>,
    pub value: String,
}

impl PublishRecord {
    pub fn preview(&self) -> Preview {
        let value = match self.value.as_deref() {
            Some(v) => serde_json::from_slice::<serde_json::Value>(v)
                .ok()
                .filter(|j| j.is_object() || j.is_array())
                .and_then(|j| serde_json::to_string_pretty(&j).ok())
                .unwrap_or_else(|| shown(Some(v))),
            None => shown(None),
        };
        Preview {
            topic: self.topic.clone(),
            partition: self.partition,
            key: shown(self.key.as_deref()),
            headers: self
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), shown(v.as_deref())))
                .collect(),
            value,
        }
    }
}

fn shown(b: Option<&[u8]>) -> String {
    match b {
        None => "null".into(),
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) => s.to_string(),
            Err(_) => b
                .iter()
                .map(|x| format!("{x:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
        },
    }
}

#[cfg(test)]
mod tests;
