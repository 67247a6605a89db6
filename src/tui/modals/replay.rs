//! The replay dialog: the dry run (counts per target and reason, the first record as it will be
//! sent), options (target override, rate, stop on first error, keep partition, a new value for
//! a single message), then progress with cancel, failures in words and retry by resume.

pub mod scope;
pub mod view;

use crate::domain::event::ReplayUpdate;
use crate::domain::replay::{
    Failure, ReplayPlan, ReplayProgress, ReplayRequest, ReplaySettings, ReplaySummary, Selection,
};
use crate::domain::work::JobIds;
use crate::tui::app::action::Action;
use crate::domain::event::KafkaEvent;
use crate::domain::Role;
use crate::tui::app::component::{Cx, DrawCx, Entry, Hint, Modal, Reply, Subject};
use crate::tui::keymap::Context;
use crate::tui::app::effect::Effect;
use crate::tui::widgets::input::TextField;
use std::collections::BTreeMap;

pub const ENTRY: Entry = Entry {
    context: "replay",
    keys: r#"
"enter" = "confirm"
"esc" = "close"
"tab" = "next_field"
"backtab" = "prev_field"
"s" = "toggle_stop_on_error"
"p" = "toggle_keep_partition"
"c" = "cancel_job"
"R" = "retry"
"#,
    dashboard_keys: "",
    opens_on: &[Action::Replay],
    open,
};

/// Opens the dialog for the record forwarded (a timeline's DLQ record), else the DLQ pane's
/// marks, selected reason group or selected message, and asks for the dry run. Refused on a
/// read-only profile.
fn open(_: Action, subject: Subject, cx: &mut Cx<'_>) -> Reply {
    if let Some(why) = cx.read_only {
        let text = format!("replay refused: {why}");
        cx.warn(text);
        return Reply::Done;
    }
    let scope = match subject {
        Subject::Record(r) => Some(scope::one(&r)),
        _ => {
            let pane = cx.stream(Role::Dlq);
            scope::of(&pane.triage, pane, cx.dlq_topics)
        }
    };
    let Some(scope) = scope else {
        cx.warn("nothing to replay: select or mark DLQ messages");
        return Reply::Done;
    };
    let job = cx.job();
    let mut d = ReplayDialog::new(job, scope, cx.replay_settings.clone());
    let effects = d.first_plan();
    Reply::Open(Box::new(d), effects)
}

impl Modal for ReplayDialog {
    fn context(&self) -> Context {
        Context::named(ENTRY.context)
    }

    fn handle(&mut self, action: Action, _cx: &mut Cx<'_>) -> Reply {
        ReplayDialog::handle(self, action)
    }

    fn on_event(&mut self, ev: KafkaEvent, _cx: &mut Cx<'_>) -> Option<KafkaEvent> {
        match ev {
            KafkaEvent::Replay(u) => {
                self.on_update(u);
                None
            }
            other => Some(other),
        }
    }

    fn hints(&self) -> &'static [Hint] {
        ReplayDialog::hints(self)
    }

    fn focused_field(&mut self) -> Option<&mut TextField> {
        ReplayDialog::focused_field(self)
    }

    fn draw(&self, f: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &DrawCx<'_>) {
        view::draw(f, area, self, cx.theme)
    }

    crate::tui::app::component::modal_any!();
}

/// Failures listed at most (the summary counts them all).
const FAILURES_SHOWN: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Target,
    Rate,
    Value,
}

#[derive(Debug)]
pub enum Stage {
    /// Waiting for the dry run.
    Planning,
    Ready(Vec<ReplayPlan>),
    Sending {
        plans: Vec<ReplayPlan>,
        progress: Vec<ReplayProgress>,
    },
    Done(Vec<ReplaySummary>),
    /// The dry run or the run could not happen, in words.
    Error(String),
}

/// What the dialog replays: per DLQ topic, a selection; and for a single message its value.
pub struct ReplayScope {
    pub selections: BTreeMap<String, Selection>,
    /// Shown in the title: "3 marked messages", "reason \"timeout after #s\"".
    pub what: String,
    /// The single message's value, when the dialog may edit it (text, not cut).
    pub single_value: Option<String>,
}

pub struct ReplayDialog {
    /// The current dry run's or send's id; news of another is dropped.
    pub job: u64,
    ids: JobIds,
    pub scope: ReplayScope,
    pub settings: ReplaySettings,
    pub stage: Stage,
    pub target: TextField,
    pub rate: TextField,
    pub value: TextField,
    pub focus: Option<Field>,
    pub stop_on_error: bool,
    pub keep_partition: bool,
    /// Records that were replayed before need a second Enter.
    pub again_asked: bool,
    pub failures: Vec<Failure>,
    /// The options the current dry run was made with: a change means a new dry run.
    planned_with: (String, bool, Option<String>),
    pub cancelling: bool,
}

impl ReplayDialog {
    pub fn new(mut ids: JobIds, scope: ReplayScope, settings: ReplaySettings) -> ReplayDialog {
        let value = TextField::new(scope.single_value.as_deref().unwrap_or(""));
        ReplayDialog {
            job: ids.next_id(),
            ids,
            planned_with: (String::new(), false, None),
            scope,
            settings,
            stage: Stage::Planning,
            target: TextField::default(),
            rate: TextField::default(),
            value,
            focus: None,
            stop_on_error: false,
            keep_partition: false,
            again_asked: false,
            failures: Vec::new(),
            cancelling: false,
        }
    }

    /// The requests for the current options; Err names the field that is wrong and why.
    pub fn requests(&mut self) -> Result<Vec<ReplayRequest>, Field> {
        let target = self.target.value().trim().to_string();
        if !target.is_empty() && !valid_topic(&target) {
            self.target.error = Some("not a topic name (letters, digits, . _ -)".into());
            return Err(Field::Target);
        }
        let rate = self.rate.value().trim();
        let rate = if rate.is_empty() {
            None
        } else {
            match rate.parse::<f64>() {
                Ok(r) if r > 0.0 && r.is_finite() => Some(r),
                _ => {
                    self.rate.error = Some("a number of messages a second, above 0".into());
                    return Err(Field::Rate);
                }
            }
        };
        let value_edit = self.value_edit().map_err(|e| {
            self.value.error = Some(e);
            Field::Value
        })?;
        Ok(self
            .scope
            .selections
            .iter()
            .map(|(dlq, sel)| {
                let mut r = ReplayRequest::new(dlq, sel.clone(), self.settings.clone());
                r.force_to = (!target.is_empty()).then(|| target.clone());
                r.rate = rate;
                r.stop_on_error = self.stop_on_error;
                r.keep_partition = self.keep_partition;
                r.value_edit = value_edit.clone();
                r
            })
            .collect())
    }

    /// The edited value, when the user changed it; JSON stays JSON.
    fn value_edit(&self) -> Result<Option<Vec<u8>>, String> {
        let Some(orig) = &self.scope.single_value else {
            return Ok(None);
        };
        let now = self.value.value();
        if now == orig {
            return Ok(None);
        }
        let was_json = serde_json::from_str::<serde_json::Value>(orig).is_ok();
        if was_json {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(now) {
                return Err(format!("not valid JSON: {e}"));
            }
        }
        Ok(Some(now.as_bytes().to_vec()))
    }

    fn options_key(&self) -> (String, bool, Option<String>) {
        let edit = (self.scope.single_value.as_deref() != Some(self.value.value()))
            .then(|| self.value.value().to_string());
        (
            self.target.value().trim().to_string(),
            self.keep_partition,
            edit.filter(|_| self.scope.single_value.is_some()),
        )
    }

    /// A new dry run with the current options (after the target, the value or keep-partition
    /// changed), or nothing when they are as planned or invalid.
    fn replan(&mut self) -> Reply {
        if !matches!(
            self.stage,
            Stage::Ready(_) | Stage::Error(_) | Stage::Planning
        ) {
            return Reply::Done;
        }
        let key = self.options_key();
        if key == self.planned_with {
            return Reply::Done;
        }
        match self.requests() {
            Ok(requests) => {
                self.planned_with = key;
                self.job = self.ids.next_id();
                self.stage = Stage::Planning;
                self.again_asked = false;
                Reply::Effects(vec![Effect::PlanReplay {
                    job: self.job,
                    requests,
                }])
            }
            Err(f) => {
                self.focus = Some(f);
                Reply::Done
            }
        }
    }

    /// The first dry run, when the dialog opens.
    pub fn first_plan(&mut self) -> Vec<Effect> {
        match self.requests() {
            Ok(requests) => {
                self.planned_with = self.options_key();
                vec![Effect::PlanReplay {
                    job: self.job,
                    requests,
                }]
            }
            Err(_) => vec![],
        }
    }

    pub fn focused_field(&mut self) -> Option<&mut TextField> {
        match self.focus? {
            Field::Target => Some(&mut self.target),
            Field::Rate => Some(&mut self.rate),
            Field::Value => Some(&mut self.value),
        }
    }

    fn fields(&self) -> Vec<Field> {
        let mut v = vec![Field::Target, Field::Rate];
        if self.scope.single_value.is_some() {
            v.push(Field::Value);
        }
        v
    }

    fn move_focus(&mut self, step: isize) -> Reply {
        let fields = self.fields();
        // None counts as a stop in the cycle: the dialog's own keys act there.
        let n = fields.len() as isize + 1;
        let at = self
            .focus
            .and_then(|f| fields.iter().position(|x| *x == f))
            .map_or(0, |i| i as isize + 1);
        let next = (at + step).rem_euclid(n);
        self.focus = (next > 0).then(|| fields[(next - 1) as usize]);
        self.replan()
    }

    /// The keys that do something now: options before sending, cancel while sending, retry
    /// after a run with failures.
    pub fn hints(&self) -> &'static [Hint] {
        match &self.stage {
            Stage::Sending { .. } => &[(Action::CancelJob, "cancel")],
            Stage::Done(sums) if sums.iter().any(|s| !s.ok()) => &[
                (Action::Retry, "retry what did not arrive"),
                (Action::Close, "close"),
            ],
            Stage::Done(_) | Stage::Error(_) => &[(Action::Close, "close")],
            _ if self.focus.is_some() => &[
                (Action::NextField, "next field"),
                (Action::Close, "leave the field"),
            ],
            _ => &[
                (Action::Confirm, "send"),
                (Action::NextField, "options"),
                (Action::ToggleStopOnError, "stop on error"),
                (Action::ToggleKeepPartition, "keep partition"),
                (Action::Close, "close"),
            ],
        }
    }

    pub fn handle(&mut self, action: Action) -> Reply {
        match action {
            Action::NextField => return self.move_focus(1),
            Action::PrevField => return self.move_focus(-1),
            Action::Close if self.focus.is_some() => {
                self.focus = None;
                return self.replan();
            }
            Action::Quit => return Reply::Quit,
            _ => {}
        }
        match &self.stage {
            Stage::Sending { .. } => self.handle_sending(action),
            Stage::Done(_) => self.handle_done(action),
            _ => self.handle_ready(action),
        }
    }

    fn handle_ready(&mut self, action: Action) -> Reply {
        match action {
            Action::Close => Reply::Close,
            Action::ToggleStopOnError => {
                self.stop_on_error = !self.stop_on_error;
                Reply::Done
            }
            Action::ToggleKeepPartition => {
                self.keep_partition = !self.keep_partition;
                self.replan()
            }
            Action::Confirm => self.confirm(),
            _ => Reply::Done,
        }
    }

    fn confirm(&mut self) -> Reply {
        let replan = self.replan();
        if !matches!(replan, Reply::Done) {
            return replan;
        }
        let Stage::Ready(plans) = &self.stage else {
            return Reply::Done;
        };
        let total: u64 = plans.iter().map(|p| p.total).sum();
        let before: u64 = plans.iter().map(|p| p.replayed_before).sum();
        let plans = plans.clone();
        if total == 0 {
            return Reply::Done;
        }
        if before > 0 && !self.again_asked {
            self.again_asked = true;
            return Reply::Done;
        }
        let requests = match self.requests() {
            Ok(r) => r,
            Err(f) => {
                self.focus = Some(f);
                return Reply::Done;
            }
        };
        self.stage = Stage::Sending {
            progress: vec![ReplayProgress::default(); plans.len()],
            plans,
        };
        self.focus = None;
        Reply::Effects(vec![Effect::RunReplay {
            job: self.job,
            requests,
        }])
    }

    fn handle_sending(&mut self, action: Action) -> Reply {
        if action == Action::CancelJob && !self.cancelling {
            self.cancelling = true;
            return Reply::Effects(vec![Effect::CancelReplay]);
        }
        Reply::Done
    }

    fn handle_done(&mut self, action: Action) -> Reply {
        match action {
            Action::Close | Action::Confirm => Reply::Close,
            Action::Retry => {
                let Stage::Done(sums) = &self.stage else {
                    return Reply::Done;
                };
                // A resume sends exactly what did not reach the target, failures included.
                let runs: Vec<String> = sums
                    .iter()
                    .filter(|s| !s.ok())
                    .map(|s| s.run_id.clone())
                    .collect();
                if runs.is_empty() {
                    return Reply::Done;
                }
                self.job = self.ids.next_id();
                self.failures.clear();
                self.cancelling = false;
                self.stage = Stage::Sending {
                    plans: Vec::new(),
                    progress: vec![ReplayProgress::default(); runs.len()],
                };
                Reply::Effects(vec![Effect::ResumeReplay {
                    job: self.job,
                    runs,
                }])
            }
            _ => Reply::Done,
        }
    }

    /// News from the worker; news of another job is dropped.
    pub fn on_update(&mut self, u: ReplayUpdate) {
        match u {
            ReplayUpdate::Planned { job, result } if job == self.job => {
                self.stage = match result {
                    Ok(plans) => Stage::Ready(plans),
                    Err(e) => Stage::Error(e),
                };
            }
            ReplayUpdate::Progress {
                job,
                index,
                progress,
            } if job == self.job => {
                if let Stage::Sending { progress: p, .. } = &mut self.stage {
                    if index >= p.len() {
                        p.resize(index + 1, ReplayProgress::default());
                    }
                    p[index] = progress;
                }
            }
            ReplayUpdate::Failed { job, failure }
                if job == self.job && self.failures.len() < FAILURES_SHOWN =>
            {
                self.failures.push(failure);
            }
            ReplayUpdate::Finished { job, result } if job == self.job => {
                self.stage = match result {
                    Ok(sums) => Stage::Done(sums),
                    Err(e) => Stage::Error(e),
                };
            }
            _ => {}
        }
    }
}

fn valid_topic(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 249
        && t != "."
        && t != ".."
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn topic_names_follow_kafkas_rules() {
        for ok in ["jobs", "a.b_c-1", "scheduler.jobs.ingest"] {
            assert!(super::valid_topic(ok), "{ok}");
        }
        for bad in ["", ".", "..", "has space", "ütf", &"x".repeat(250)] {
            assert!(!super::valid_topic(bad), "{bad}");
        }
    }
}
