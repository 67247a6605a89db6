//! The publish dialog: a template picker (type to narrow), then a form with one field per
//! template field (type hints, enum choices, inline errors), a live preview of exactly what
//! will be sent, "send N at R/s" with progress and a stop key, and save-as-template.

pub mod open;
pub mod view;

use crate::domain::event::PublishUpdate;
use crate::domain::work::JobIds;
use crate::engine::publish::schema::{field_of_error, SchemaEncoding};
use crate::engine::publish::{FieldError, FieldType, Form, Place, PublishRecord, Template, Vars};
use crate::kafka::publish::send::{Delivered, Progress, Summary};
use crate::tui::app::action::Action;
use crate::domain::event::KafkaEvent;
use crate::tui::app::component::{Cx, DrawCx, Entry, Hint, Modal, Reply};
use crate::tui::keymap::Context;
use crate::tui::app::effect::Effect;
use crate::tui::widgets::input::TextField;

pub const ENTRY: Entry = Entry {
    context: "publish",
    keys: r#"
"enter" = "confirm"
"esc" = "close"
"tab" = "next_field"
"backtab" = "prev_field"
"up" = "up"
"down" = "down"
"right" = "next_choice"
"left" = "prev_choice"
"ctrl-n" = "next_choice"
"ctrl-p" = "prev_choice"
"ctrl-s" = "save_template"
"c" = "cancel_job"
"#,
    dashboard_keys: r#"
"n" = "publish"
"e" = "republish"
"#,
    opens_on: &[Action::Publish, Action::Republish],
    open: open::open,
};

#[derive(Debug)]
pub enum Stage {
    Pick,
    Form,
    Sending(Progress),
    /// The run ended: its summary and the first delivery (topic, partition, offset).
    Done(Summary, Option<Delivered>),
    Error(String),
}

/// The form's schema, when its template names a subject.
#[derive(Debug)]
pub enum SchemaStage {
    None,
    /// Asked for with this job id; the answer of another is dropped.
    Fetching(u64),
    Ready(SchemaEncoding),
    /// Why the value cannot be encoded: nothing is sent.
    Failed(String),
}

/// Rows of the form after the template's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extra {
    Count,
    Rate,
    SaveAs,
}

pub struct PublishDialog {
    /// The running (or last) send's id; news of another is dropped.
    pub job: u64,
    ids: JobIds,
    pub templates: Vec<Template>,
    pub prefix: String,
    pub stage: Stage,
    /// The picker's filter text, and the selected row of what it keeps.
    pub filter: TextField,
    pub picked: usize,
    pub form: Option<Form>,
    pub inputs: Vec<TextField>,
    pub count: TextField,
    pub rate: TextField,
    pub save_as: TextField,
    /// Row with focus: 0..inputs.len() are fields, then the extras.
    pub focus: usize,
    pub errors: Vec<FieldError>,
    /// The clock and seed the preview is rendered with (`{{seq}}` = 1).
    pub vars: Vars,
    pub failures: Vec<String>,
    pub note: Option<String>,
    pub schema: SchemaStage,
}

impl PublishDialog {
    pub fn new(ids: JobIds, templates: Vec<Template>, prefix: &str, vars: Vars) -> PublishDialog {
        PublishDialog {
            job: 0,
            ids,
            templates,
            prefix: prefix.to_string(),
            stage: Stage::Pick,
            filter: TextField::default(),
            picked: 0,
            form: None,
            inputs: Vec::new(),
            count: TextField::new("1"),
            rate: TextField::default(),
            save_as: TextField::default(),
            focus: 0,
            errors: Vec::new(),
            vars,
            failures: Vec::new(),
            note: None,
            schema: SchemaStage::None,
        }
    }

    /// The dialog opened straight on a filled form (republish with edits).
    pub fn with_form(mut self, form: Form) -> PublishDialog {
        self.inputs = (0..form.fields().len())
            .map(|k| TextField::new(form.value(k)))
            .collect();
        self.save_as = TextField::new(&format!("{}-copy", form.template.name));
        self.form = Some(form);
        self.focus = 0;
        self.stage = Stage::Form;
        self.revalidate();
        self
    }

    /// Templates the picker shows: name or description contains the filter text; the exact
    /// name first, then names that start with it, then the rest in catalog order.
    pub fn shown(&self) -> Vec<usize> {
        let f = self.filter.value().to_lowercase();
        let mut v: Vec<(u8, usize)> = (0..self.templates.len())
            .filter_map(|i| {
                let t = &self.templates[i];
                let name = t.name.to_lowercase();
                let rank = if name == f {
                    0
                } else if name.starts_with(&f) {
                    1
                } else if name.contains(&f) || t.description.to_lowercase().contains(&f) {
                    2
                } else {
                    return None;
                };
                Some((rank, i))
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, i)| i).collect()
    }

    /// The template's form; with a `[schema]`, the subject is fetched off the UI task (its
    /// fields, when the template has none, arrive with it).
    fn open_form(&mut self, i: usize) -> Reply {
        let t = self.templates[i].clone();
        let form = Form::new(&t, &self.prefix);
        let me = std::mem::replace(
            self,
            PublishDialog::new(JobIds::default(), Vec::new(), "", self.vars.clone()),
        );
        *self = me.with_form(form);
        let Some(s) = &t.schema else {
            return Reply::Done;
        };
        let job = self.ids.next_id();
        self.schema = SchemaStage::Fetching(job);
        self.revalidate();
        Reply::Effects(vec![Effect::FetchSchema {
            job,
            subject: s.subject.clone(),
            version: s.version().to_string(),
        }])
    }

    /// The subject's answer: the encoding, and the fields from the schema when the template
    /// has none (the texts typed meanwhile are kept by name).
    fn schema_arrived(&mut self, result: &Result<crate::domain::publish::FetchedSchema, String>) {
        let Some(form) = &self.form else { return };
        let message = form.template.schema.as_ref().and_then(|s| s.message.clone());
        let enc = result
            .clone()
            .and_then(|f| SchemaEncoding::parse(&f, message.as_deref()));
        let enc = match enc {
            Ok(e) => e,
            Err(e) => {
                self.schema = SchemaStage::Failed(e);
                self.revalidate();
                return;
            }
        };
        if form.template.wants_schema_fields() {
            let fields = match enc.fields() {
                Ok(f) => f,
                Err(e) => {
                    self.schema = SchemaStage::Failed(e);
                    return;
                }
            };
            let mut next = Form::new(&form.template.with_schema_fields(&fields), &self.prefix);
            next.topic_override = form.topic_override.clone();
            self.inputs = (0..next.fields().len())
                .map(|k| TextField::new(next.value(k)))
                .collect();
            self.form = Some(next);
            self.focus = 0;
        }
        self.schema = SchemaStage::Ready(enc);
        self.revalidate();
    }

    /// The preview's schema line, and whether it says a problem.
    pub fn schema_line(&self) -> Option<(String, bool)> {
        let subject = self.form.as_ref()?.template.schema.as_ref()?.subject.clone();
        Some(match &self.schema {
            SchemaStage::None => return None,
            SchemaStage::Fetching(_) => (format!("fetching schema {subject}…"), false),
            SchemaStage::Ready(e) => (format!("value encoded as {}", e.label()), false),
            SchemaStage::Failed(e) => (format!("{e}: nothing can be sent"), true),
        })
    }

    pub fn field_kind(&self, i: usize) -> Option<FieldType> {
        Some(self.form.as_ref()?.fields().get(i)?.kind)
    }

    pub fn extra(&self) -> Option<Extra> {
        match self.focus.checked_sub(self.inputs.len())? {
            0 => Some(Extra::Count),
            1 => Some(Extra::Rate),
            2 => Some(Extra::SaveAs),
            _ => None,
        }
    }

    /// The form's texts into the engine's form, and the errors it finds.
    fn revalidate(&mut self) {
        let Some(form) = &mut self.form else { return };
        for (k, input) in self.inputs.iter().enumerate() {
            form.set_at(k, input.value());
        }
        self.errors = form.validate(&self.vars);
        if self.errors.is_empty() {
            self.errors = self.encoding_errors();
        }
    }

    /// Record 1 encoded with the schema, as it will be sent: what does not fit is said on its
    /// field (or on the value) while typing, and stops the send.
    fn encoding_errors(&self) -> Vec<FieldError> {
        let (Some(form), SchemaStage::Ready(enc)) = (&self.form, &self.schema) else {
            return Vec::new();
        };
        let Ok(record) = form.render(&self.vars) else {
            return Vec::new();
        };
        let Err(message) = enc.encode(record) else {
            return Vec::new();
        };
        let names = form.fields().iter().map(|f| f.name.as_str());
        let place = match field_of_error(&message, names) {
            Some(n) => Place::Field(n.to_string()),
            None => Place::Value,
        };
        vec![FieldError { place, message }]
    }

    /// The record the form sends first, placeholders resolved with the preview's vars.
    pub fn preview(&self) -> Option<Result<PublishRecord, Vec<FieldError>>> {
        Some(self.form.as_ref()?.render(&self.vars))
    }

    /// The error shown under row `i` (a field), if any.
    pub fn error_of(&self, i: usize) -> Option<&str> {
        let name = &self.form.as_ref()?.fields().get(i)?.name;
        self.errors
            .iter()
            .find(|e| matches!(&e.place, Place::Field(n) if n == name))
            .map(|e| e.message.as_str())
    }

    /// The text field with focus; enum fields take no typing (left/right choose).
    pub fn focused_field(&mut self) -> Option<&mut TextField> {
        match self.stage {
            Stage::Pick => Some(&mut self.filter),
            Stage::Form => match self.extra() {
                Some(Extra::Count) => Some(&mut self.count),
                Some(Extra::Rate) => Some(&mut self.rate),
                Some(Extra::SaveAs) => Some(&mut self.save_as),
                None if self.field_kind(self.focus) == Some(FieldType::Enum) => None,
                None => self.inputs.get_mut(self.focus),
            },
            _ => None,
        }
    }

    /// After any key: the engine sees the new texts (the preview and errors follow typing).
    pub fn after_key(&mut self) {
        match self.stage {
            Stage::Form => self.revalidate(),
            Stage::Pick => self.picked = self.picked.min(self.shown().len().saturating_sub(1)),
            _ => {}
        }
    }

    pub fn hints(&self) -> &'static [Hint] {
        match self.stage {
            Stage::Pick => &[
                (Action::Down, "choose"),
                (Action::Confirm, "open"),
                (Action::Close, "close"),
            ],
            Stage::Form => &[
                (Action::Confirm, "send"),
                (Action::NextField, "next field"),
                (Action::NextChoice, "next choice"),
                (Action::SaveTemplate, "save as template"),
                (Action::Close, "back"),
            ],
            Stage::Sending(_) => &[(Action::CancelJob, "stop")],
            _ => &[(Action::Confirm, "send again"), (Action::Close, "close")],
        }
    }

    pub fn handle(&mut self, action: Action) -> Reply {
        if action == Action::Quit {
            return Reply::Quit;
        }
        match self.stage {
            Stage::Pick => self.handle_pick(action),
            Stage::Form => self.handle_form(action),
            Stage::Sending(_) => {
                if action == Action::CancelJob {
                    self.note = Some("stopping: what is in flight is still awaited".into());
                    return Reply::Effects(vec![Effect::CancelPublish]);
                }
                Reply::Done
            }
            Stage::Done(..) | Stage::Error(_) => match action {
                Action::Close => Reply::Close,
                Action::Confirm => {
                    // The form keeps its values for the next send.
                    self.stage = Stage::Form;
                    self.revalidate();
                    Reply::Done
                }
                _ => Reply::Done,
            },
        }
    }

    fn handle_pick(&mut self, action: Action) -> Reply {
        let n = self.shown().len();
        match action {
            Action::Up => self.picked = self.picked.saturating_sub(1),
            Action::Down | Action::NextField => {
                self.picked = (self.picked + 1).min(n.saturating_sub(1))
            }
            Action::Confirm | Action::Open => {
                if let Some(i) = self.shown().get(self.picked).copied() {
                    return self.open_form(i);
                }
            }
            Action::Close => return Reply::Close,
            _ => {}
        }
        Reply::Done
    }

    fn handle_form(&mut self, action: Action) -> Reply {
        let rows = self.inputs.len() + 3;
        match action {
            Action::NextField | Action::Down => self.focus = (self.focus + 1) % rows,
            Action::PrevField | Action::Up => self.focus = (self.focus + rows - 1) % rows,
            Action::NextChoice => self.choose(1),
            Action::PrevChoice => self.choose(-1),
            Action::Close => {
                self.stage = Stage::Pick;
                self.form = None;
                self.schema = SchemaStage::None;
            }
            Action::SaveTemplate => return self.save(),
            Action::Confirm => return self.send(),
            _ => {}
        }
        Reply::Done
    }

    /// Steps an enum field through its choices.
    fn choose(&mut self, step: isize) {
        let Some(form) = &self.form else { return };
        let Some(f) = form.fields().get(self.focus) else {
            return;
        };
        if f.kind != FieldType::Enum || f.choices.is_empty() {
            return;
        }
        let now = self.inputs[self.focus].value();
        let at = f.choices.iter().position(|c| c == now);
        let n = f.choices.len() as isize;
        let next = match at {
            Some(i) => (i as isize + step).rem_euclid(n),
            None => 0,
        } as usize;
        let choice = f.choices[next].clone();
        self.inputs[self.focus].set(&choice);
        self.revalidate();
    }

    fn send(&mut self) -> Reply {
        let schema = match &self.schema {
            SchemaStage::None => None,
            SchemaStage::Ready(e) => Some(e.clone()),
            SchemaStage::Fetching(_) => {
                self.note = Some("not sent: the schema is still being fetched".into());
                return Reply::Done;
            }
            SchemaStage::Failed(e) => {
                self.note = Some(format!("not sent: {e}"));
                return Reply::Done;
            }
        };
        self.revalidate();
        if let Some(first) = self.errors.first() {
            self.note = Some(format!("not sent: {first}"));
            if let Some(i) = self.error_row() {
                self.focus = i;
            }
            return Reply::Done;
        }
        let count = match self.count.value().trim().parse::<u64>() {
            Ok(n) if n >= 1 => n,
            _ => {
                self.count.error = Some("a whole number, 1 or more".into());
                self.focus = self.inputs.len();
                return Reply::Done;
            }
        };
        let rate = match self.rate.value().trim() {
            "" => None,
            r => match r.parse::<f64>() {
                Ok(x) if x > 0.0 && x.is_finite() => Some(x),
                _ => {
                    self.rate.error = Some("messages a second, above 0 (empty: unlimited)".into());
                    self.focus = self.inputs.len() + 1;
                    return Reply::Done;
                }
            },
        };
        let Some(form) = self.form.clone() else {
            return Reply::Done;
        };
        self.job = self.ids.next_id();
        self.failures.clear();
        self.note = None;
        self.stage = Stage::Sending(Progress::default());
        Reply::Effects(vec![Effect::Publish {
            job: self.job,
            form: Box::new(form),
            vars: self.vars.clone(),
            count,
            rate,
            schema,
        }])
    }

    fn error_row(&self) -> Option<usize> {
        let form = self.form.as_ref()?;
        self.errors.iter().find_map(|e| match &e.place {
            Place::Field(n) => form.fields().iter().position(|f| &f.name == n),
            _ => None,
        })
    }

    fn save(&mut self) -> Reply {
        let name = self.save_as.value().trim().to_string();
        let ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            self.save_as.error = Some("a file name: letters, digits, - _ .".into());
            self.focus = self.inputs.len() + 2;
            return Reply::Done;
        }
        self.revalidate();
        match &self.form {
            Some(form) => Reply::Effects(vec![Effect::SaveTemplate {
                form: Box::new(form.clone()),
                name,
            }]),
            None => Reply::Done,
        }
    }

    /// News from the publish worker; news of another job is dropped.
    pub fn on_update(&mut self, u: &PublishUpdate) {
        match u {
            PublishUpdate::Progress { job, progress } if *job == self.job => {
                if let Stage::Sending(p) = &mut self.stage {
                    *p = progress.clone();
                }
            }
            PublishUpdate::Failed { job, error }
                if *job == self.job && self.failures.len() < 50 =>
            {
                self.failures.push(error.clone());
            }
            PublishUpdate::Finished { job, result } if *job == self.job => {
                self.stage = match result {
                    Ok((s, first)) => Stage::Done(s.clone(), first.clone()),
                    Err(e) => Stage::Error(e.clone()),
                };
            }
            PublishUpdate::Schema { job, result } => {
                if matches!(self.schema, SchemaStage::Fetching(j) if j == *job) {
                    self.schema_arrived(result);
                }
            }
            PublishUpdate::Saved(result) => {
                self.note = Some(match result {
                    Ok(path) => format!("saved as {path}"),
                    Err(e) => format!("not saved: {e}"),
                });
            }
            _ => {}
        }
    }
}

impl Modal for PublishDialog {
    fn context(&self) -> Context {
        Context::named(ENTRY.context)
    }

    fn handle(&mut self, action: Action, _cx: &mut Cx<'_>) -> Reply {
        PublishDialog::handle(self, action)
    }

    fn on_event(&mut self, ev: KafkaEvent, _cx: &mut Cx<'_>) -> Option<KafkaEvent> {
        match ev {
            KafkaEvent::Publish(u) => {
                self.on_update(&u);
                None
            }
            other => Some(other),
        }
    }

    fn hints(&self) -> &'static [Hint] {
        PublishDialog::hints(self)
    }

    fn focused_field(&mut self) -> Option<&mut TextField> {
        PublishDialog::focused_field(self)
    }

    fn after_key(&mut self, _cx: &mut Cx<'_>) {
        PublishDialog::after_key(self)
    }

    fn draw(&self, f: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &DrawCx<'_>) {
        view::draw(f, area, self, cx.theme)
    }

    crate::tui::app::component::modal_any!();
}

#[cfg(test)]
mod schema_tests {
    use super::*;
    use crate::domain::publish::FetchedSchema;

    fn dialog() -> PublishDialog {
        let t = Template::parse(
            "name = \"job-event\"\ntopic = \"jobs\"\n[schema]\nsubject = \"jobs-value\"\n",
            "test",
        )
        .unwrap();
        PublishDialog::new(JobIds::default(), vec![t], "", Vars::fixed(0, 1, &[]))
    }

    /// Opens the template: the one effect is the schema's fetch; its job id.
    fn open(d: &mut PublishDialog) -> u64 {
        match d.handle(Action::Confirm) {
            Reply::Effects(e) => match e.as_slice() {
                [Effect::FetchSchema {
                    job,
                    subject,
                    version,
                }] => {
                    assert_eq!((subject.as_str(), version.as_str()), ("jobs-value", "latest"));
                    *job
                }
                other => panic!("{other:?}"),
            },
            _ => panic!("opening a template with a schema fetches it"),
        }
    }

    fn job_event() -> FetchedSchema {
        FetchedSchema {
            id: 12,
            subject: "jobs-value".into(),
            version: Some(1),
            schema_type: "AVRO".into(),
            text: include_str!("../../../tests/fixtures/schemas/job_event.avsc").into(),
            references: vec![(
                "com.kdeck.test.JobError".into(),
                include_str!("../../../tests/fixtures/schemas/job_error.avsc").into(),
            )],
        }
    }

    fn set(d: &mut PublishDialog, name: &str, text: &str) {
        let i = (d.form.as_ref().unwrap().fields().iter())
            .position(|f| f.name == name)
            .unwrap();
        d.inputs[i].set(text);
        d.after_key();
    }

    #[test]
    fn fields_come_from_the_fetched_schema_and_values_are_encoded() {
        let mut d = dialog();
        let job = open(&mut d);
        assert!(d.schema_line().unwrap().0.contains("fetching schema jobs-value"));
        assert!(d.inputs.is_empty());
        // Nothing goes while the schema is on its way.
        assert!(matches!(d.handle(Action::Confirm), Reply::Done));
        assert!(d.note.as_deref().unwrap().contains("still being fetched"));
        // Another job's answer is dropped.
        d.on_update(&PublishUpdate::Schema {
            job: job + 1,
            result: Ok(job_event()),
        });
        assert!(d.inputs.is_empty());
        d.on_update(&PublishUpdate::Schema {
            job,
            result: Ok(job_event()),
        });
        assert_eq!(d.inputs.len(), 10);
        let line = d.schema_line().unwrap();
        assert_eq!(line, ("value encoded as Avro jobs-value v1 (schema id 12)".into(), false));
        set(&mut d, "job_id", "j-1");
        set(&mut d, "status", "QUEUED");
        set(&mut d, "attempt", "1");
        set(&mut d, "updated_at", "2025-01-01T00:00:00Z");
        set(&mut d, "cost", "1.00");
        set(&mut d, "steps", r#"[{"name": 1}]"#);
        // The encoding's complaint is on its field, and nothing is sent.
        let e = d.error_of(8).expect("an error on steps");
        assert!(e.contains("steps[0].name"), "{e}");
        assert!(matches!(d.handle(Action::Confirm), Reply::Done));
        assert!(d.note.as_deref().unwrap().starts_with("not sent"));
        set(&mut d, "steps", r#"[{"name": "fetch", "duration_ms": 3}]"#);
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        match d.handle(Action::Confirm) {
            Reply::Effects(e) => match e.as_slice() {
                [Effect::Publish {
                    schema: Some(s), ..
                }] => assert_eq!(s.id, 12),
                other => panic!("{other:?}"),
            },
            _ => panic!("a valid form sends"),
        }
    }

    #[test]
    fn no_registry_is_said_in_words_and_nothing_is_sent() {
        let mut d = dialog();
        let job = open(&mut d);
        let why = "no schema registry is configured, so subject \"jobs-value\" cannot be fetched";
        d.on_update(&PublishUpdate::Schema {
            job,
            result: Err(why.into()),
        });
        let (line, trouble) = d.schema_line().unwrap();
        assert!(trouble && line.contains("no schema registry"), "{line}");
        assert!(matches!(d.handle(Action::Confirm), Reply::Done));
        assert!(d.note.as_deref().unwrap().contains("no schema registry"));
    }
}
