//! The offsets dialog: move a consumer group's committed offsets from the dashboard, as
//! `kdeck offsets reset` does, with the same preview (per partition the current and new offset,
//! lag before and after, what is read again or skipped and when it was written). Opened on the
//! lag pane's group (all its topics) or partition, or on a record to skip it ("move the group
//! past this record": a DLQ record's origin, or the record itself). `enter` previews, a second
//! `enter` asks, `y` commits; the group must have no members, read-only profiles refuse, and
//! the run is audited, so "undo the group's last move" puts the offsets back.

pub mod view;

use crate::domain::event::KafkaEvent;
use crate::domain::lag::Tp;
use crate::domain::offsets::{Outcome, Plan, Selection, Strategy, Target};
use crate::domain::work::JobIds;
use crate::domain::Record;
use crate::tui::app::action::Action;
use crate::tui::app::component::{Cx, DrawCx, Entry, Hint, Modal, Reply, Subject};
use crate::tui::app::effect::Effect;
use crate::tui::keymap::Context;
use crate::tui::panes::lag::LagPane;
use crate::tui::panes::PaneId;
use crate::tui::widgets::input::TextField;

pub const ENTRY: Entry = Entry {
    context: "offsets",
    keys: r#"
"esc" = "close"
"enter" = "confirm"
"y" = "commit"
"up" = "up"
"down" = "down"
"tab" = "next_field"
"backtab" = "prev_field"
"#,
    dashboard_keys: r#""O" = "offsets""#,
    opens_on: &[Action::Offsets],
    open,
};

/// Where the dialog may move the group to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Choice {
    /// Past the record at this offset (the one selected, or where the group stands).
    Skip(i64),
    Earliest,
    Latest,
    Current,
    Offset,
    ShiftBy,
    DateTime,
    Duration,
    UndoLast,
}

impl Choice {
    /// In the list, with what the value field wants.
    pub fn label(self) -> String {
        match self {
            Choice::Skip(n) => format!("past the record at offset {n} (skip it)"),
            Choice::Earliest => "to the earliest offset".into(),
            Choice::Latest => "to the latest offset (skip everything)".into(),
            Choice::Current => "to the current offset (no change; shows the lag)".into(),
            Choice::Offset => "to offset N".into(),
            Choice::ShiftBy => "shift by N (negative: read again)".into(),
            Choice::DateTime => "to a time (2024-01-15T10:00:00Z)".into(),
            Choice::Duration => "back by a duration (30m, 2h, 1d)".into(),
            Choice::UndoLast => "undo the group's last move (from the audit)".into(),
        }
    }

    /// The value field's label, for the choices that take one.
    pub fn wants(self) -> Option<&'static str> {
        match self {
            Choice::Offset => Some("offset"),
            Choice::ShiftBy => Some("shift by"),
            Choice::DateTime => Some("time"),
            Choice::Duration => Some("duration"),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub enum Stage {
    /// Nothing previewed for the current choice yet.
    Editing,
    Planning,
    Ready(Box<Plan>),
    /// The preview is shown and the dialog asks before committing.
    Asking(Box<Plan>),
    Committing(Box<Plan>),
    Done(Box<Plan>, Outcome),
    Error(String),
}

/// What the dialog was opened on.
pub struct Start {
    /// The groups it may move (more than one when a record's topic is read by several).
    pub groups: Vec<String>,
    pub selection: Selection,
    /// The selection in words, for the title.
    pub scope: String,
    /// The record to skip, when opened on one.
    pub skip: Option<i64>,
}

pub struct OffsetsDialog {
    ids: JobIds,
    pub job: u64,
    pub groups: Vec<String>,
    pub group: usize,
    pub selection: Selection,
    pub scope: String,
    pub choices: Vec<Choice>,
    pub choice: usize,
    pub value: TextField,
    pub stage: Stage,
    /// Why committing is refused here (a read-only profile).
    pub read_only: Option<String>,
}

/// Opens on the record forwarded (the detail view's), else on the focused pane's selection:
/// the lag pane's group or partition, a record pane's record.
fn open(_: Action, subject: Subject, cx: &mut Cx<'_>) -> Reply {
    let start = match subject {
        Subject::Record(r) => on_record(&r, cx.lag),
        _ => match cx.focus {
            PaneId::Lag => on_lag(cx.lag),
            PaneId::Stream(_) => match cx.selected_record() {
                Some(r) => on_record(r, cx.lag),
                None => Err("select a record to skip, or a group in the lag pane".into()),
            },
            PaneId::Metrics => {
                Err("select a group in the lag pane, or a record, to move offsets".into())
            }
        },
    };
    match start {
        Ok(s) => {
            let mut d = OffsetsDialog::new(cx.job(), s, cx.read_only);
            let effects = if d.stage_is_editing_skip() {
                d.preview()
            } else {
                Vec::new()
            };
            Reply::Open(Box::new(d), effects)
        }
        Err(why) => {
            cx.warn(why);
            Reply::Done
        }
    }
}

/// The lag pane's drilled partition (skip the record where the group stands), else its group.
pub fn on_lag(lag: &LagPane) -> Result<Start, String> {
    if let Some(g) = lag.drilled() {
        let Some(p) = g.partitions.get(lag.drill_selected) else {
            return Err(format!("group {} has no partition to move", g.group));
        };
        let skip = p.committed.filter(|c| *c < p.end);
        return Ok(Start {
            groups: vec![g.group.clone()],
            selection: Selection::Partitions(vec![(p.topic.clone(), p.partition)]),
            scope: format!("{}/{}", p.topic, p.partition),
            skip,
        });
    }
    let Some(g) = lag.views.get(lag.selected) else {
        return Err("no group in the lag pane: watch one with W".into());
    };
    Ok(Start {
        groups: vec![g.group.clone()],
        selection: Selection::AllTopics,
        scope: "every partition it has offsets on".into(),
        skip: None,
    })
}

/// A record to skip: a dead letter's origin (the record that failed), else the record itself
/// (a dead letter naming no origin is skipped on its own topic, for a group reading the DLQ);
/// the group the dead letter names, else the watched or listed groups reading the topic.
pub fn on_record(r: &Record, lag: &LagPane) -> Result<Start, String> {
    let dlq = r.decoded.dlq.as_deref();
    let origin = dlq.and_then(|o| match (&o.topic, o.partition, o.offset) {
        (Some(t), Some(p), Some(n)) => Some((t.clone(), p, n)),
        _ => None,
    });
    let (topic, partition, offset) =
        origin.clone().unwrap_or_else(|| (r.topic.clone(), r.partition, r.offset));
    let named = origin.and(dlq.and_then(|o| o.consumer_group.clone()));
    let groups = match named {
        Some(g) => vec![g],
        None => readers(lag, &topic),
    };
    if groups.is_empty() {
        return Err(format!(
            "no watched group reads {topic}: watch the one to move with W"
        ));
    }
    Ok(Start {
        groups,
        selection: Selection::Partitions(vec![(topic.clone(), partition)]),
        scope: format!("{topic}/{partition}"),
        skip: Some(offset),
    })
}

/// Groups reading `topic`: watched ones with offsets on it first, then listed ones.
fn readers(lag: &LagPane, topic: &str) -> Vec<String> {
    let mut out: Vec<String> = (lag.views.iter())
        .filter(|g| g.partitions.iter().any(|p| p.topic == topic))
        .map(|g| g.group.clone())
        .collect();
    for l in lag.listed.iter().flatten() {
        if l.topics.iter().any(|t| t == topic) && !out.contains(&l.group) {
            out.push(l.group.clone());
        }
    }
    out
}

impl OffsetsDialog {
    pub fn new(mut ids: JobIds, start: Start, read_only: Option<&str>) -> OffsetsDialog {
        let mut choices: Vec<Choice> = start.skip.map(Choice::Skip).into_iter().collect();
        choices.extend([
            Choice::ShiftBy,
            Choice::Earliest,
            Choice::Latest,
            Choice::Offset,
            Choice::DateTime,
            Choice::Duration,
            Choice::Current,
            Choice::UndoLast,
        ]);
        OffsetsDialog {
            job: ids.next_id(),
            ids,
            groups: start.groups,
            group: 0,
            selection: start.selection,
            scope: start.scope,
            choices,
            choice: 0,
            value: TextField::default(),
            stage: Stage::Editing,
            read_only: read_only.map(str::to_string),
        }
    }

    fn stage_is_editing_skip(&self) -> bool {
        matches!(self.stage, Stage::Editing) && matches!(self.current(), Choice::Skip(_))
    }

    pub fn current(&self) -> Choice {
        self.choices[self.choice]
    }

    pub fn group_name(&self) -> &str {
        &self.groups[self.group]
    }

    /// What to ask the worker for; Err puts the reason under the value field.
    pub fn target(&self) -> Result<Target, String> {
        let v = self.value.value().trim();
        let number = |what: &str| {
            v.parse::<i64>()
                .map_err(|_| format!("{what}: a whole number, e.g. 42"))
        };
        Ok(Target::Move(match self.current() {
            Choice::Skip(n) => Strategy::Offset(n + 1),
            Choice::Earliest => Strategy::Earliest,
            Choice::Latest => Strategy::Latest,
            Choice::Current => Strategy::Current,
            Choice::Offset => Strategy::Offset(number("offset")?),
            Choice::ShiftBy => Strategy::ShiftBy(number("shift by")?),
            Choice::DateTime => Strategy::Time(
                crate::codec::decode::parse_time_ms(v)
                    .ok_or("a time like 2024-01-15T10:00:00Z")?,
            ),
            Choice::Duration => {
                let ms = crate::codec::text::parse_duration_ms(v)?;
                Strategy::Time(chrono::Utc::now().timestamp_millis() - ms)
            }
            Choice::UndoLast => return Ok(Target::UndoLast),
        }))
    }

    /// Asks the worker for the preview of the current choice.
    pub fn preview(&mut self) -> Vec<Effect> {
        let target = match self.target() {
            Ok(t) => t,
            Err(e) => {
                self.value.error = Some(e);
                return Vec::new();
            }
        };
        self.job = self.ids.next_id();
        self.stage = Stage::Planning;
        vec![Effect::PlanOffsets {
            job: self.job,
            group: self.group_name().to_string(),
            selection: self.selection.clone(),
            target,
        }]
    }

    /// The choice, the group or the value changed: the preview shown (or still coming) no
    /// longer applies; a new job id drops the news of one still coming.
    fn changed(&mut self) {
        match self.stage {
            Stage::Committing(_) => {}
            Stage::Planning => {
                self.job = self.ids.next_id();
                self.stage = Stage::Editing;
            }
            _ => self.stage = Stage::Editing,
        }
    }

    /// Choices and groups stay as they are while asking and committing.
    fn settled(&self) -> bool {
        !matches!(self.stage, Stage::Asking(_) | Stage::Committing(_))
    }

    /// Enter: preview, then ask; `y` while asking commits.
    fn confirm(&mut self, cx: &mut Cx<'_>) -> Reply {
        match std::mem::replace(&mut self.stage, Stage::Editing) {
            Stage::Ready(plan) => {
                if let Some(why) = self.refusal(&plan) {
                    cx.warn(why);
                    self.stage = Stage::Ready(plan);
                } else {
                    self.stage = Stage::Asking(plan);
                }
                Reply::Done
            }
            Stage::Asking(plan) => {
                self.stage = Stage::Asking(plan);
                Reply::Done
            }
            s @ (Stage::Planning | Stage::Committing(_)) => {
                self.stage = s;
                Reply::Done
            }
            Stage::Editing | Stage::Done(..) | Stage::Error(_) => Reply::Effects(self.preview()),
        }
    }

    /// Why the previewed plan may not be committed, in words.
    pub fn refusal(&self, plan: &Plan) -> Option<String> {
        if let Some(why) = &self.read_only {
            return Some(format!("moving offsets refused: {why}"));
        }
        if plan.moves.is_empty() {
            return Some(format!("group {} has no partitions to move", plan.group));
        }
        (!plan.state.movable()).then(|| {
            format!(
                "refused: group {} {}; stop its consumers first",
                plan.group,
                plan.state.words()
            )
        })
    }

    fn commit(&mut self) -> Reply {
        let Stage::Asking(plan) = std::mem::replace(&mut self.stage, Stage::Editing) else {
            return Reply::Done;
        };
        self.job = self.ids.next_id();
        let effect = Effect::ExecuteOffsets {
            job: self.job,
            plan: plan.clone(),
        };
        self.stage = Stage::Committing(plan);
        Reply::Effects(vec![effect])
    }

    fn on_key(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply {
        match action {
            Action::Close => match std::mem::replace(&mut self.stage, Stage::Editing) {
                Stage::Asking(plan) => {
                    self.stage = Stage::Ready(plan);
                    Reply::Done
                }
                _ => Reply::Close,
            },
            Action::Help => Reply::Help,
            Action::Quit => Reply::Quit,
            Action::Confirm => self.confirm(cx),
            Action::Commit => self.commit(),
            Action::Up | Action::Down if self.settled() => {
                let n = self.choices.len();
                self.choice = match action {
                    Action::Up => (self.choice + n - 1) % n,
                    _ => (self.choice + 1) % n,
                };
                self.value = TextField::default();
                self.changed();
                Reply::Done
            }
            Action::NextField | Action::PrevField if self.groups.len() > 1 && self.settled() => {
                let n = self.groups.len();
                self.group = match action {
                    Action::NextField => (self.group + 1) % n,
                    _ => (self.group + n - 1) % n,
                };
                self.changed();
                Reply::Done
            }
            _ => Reply::Done,
        }
    }

    /// The worker's news of the current job (news of an earlier one is dropped). After a
    /// commit the choice moves to "undo", so `enter` previews putting the offsets back.
    pub fn on_update(&mut self, u: crate::domain::offsets::OffsetsUpdate) {
        use crate::domain::offsets::OffsetsUpdate::*;
        match u {
            Planned { job, result } if job == self.job => {
                self.stage = match result {
                    Ok(plan) => Stage::Ready(plan),
                    Err(e) => Stage::Error(e),
                };
            }
            Executed { job, outcome } if job == self.job => {
                let Stage::Committing(plan) = std::mem::replace(&mut self.stage, Stage::Editing)
                else {
                    return;
                };
                if matches!(outcome, Outcome::Committed(_)) {
                    self.choice = self.choices.len() - 1;
                    self.value = TextField::default();
                }
                self.stage = Stage::Done(plan, outcome);
            }
            _ => {}
        }
    }

    /// The group is already past the record the dialog would skip: moving it there would
    /// read records again. Said above the preview.
    pub fn behind_skip(&self, plan: &Plan) -> Option<String> {
        let Choice::Skip(n) = self.current() else {
            return None;
        };
        let m = plan.moves.first()?;
        let c = m.current?;
        (c > n + 1).then(|| {
            format!(
                "group {} is already past offset {n} (it stands at {c}): this would read {} records again",
                plan.group,
                c - n - 1
            )
        })
    }

    /// The partitions moved, for tests and the title.
    pub fn partitions(&self) -> Vec<Tp> {
        match &self.selection {
            Selection::Partitions(p) => p.clone(),
            _ => Vec::new(),
        }
    }
}

impl Modal for OffsetsDialog {
    fn context(&self) -> Context {
        Context::named(ENTRY.context)
    }

    fn handle(&mut self, action: Action, cx: &mut Cx<'_>) -> Reply {
        self.on_key(action, cx)
    }

    fn on_event(&mut self, ev: KafkaEvent, _cx: &mut Cx<'_>) -> Option<KafkaEvent> {
        match ev {
            KafkaEvent::Offsets(u) => {
                self.on_update(u);
                None
            }
            other => Some(other),
        }
    }

    fn hints(&self) -> &'static [Hint] {
        match &self.stage {
            Stage::Asking(_) => &[(Action::Commit, "commit"), (Action::Close, "back")],
            Stage::Ready(_) => &[
                (Action::Confirm, "commit…"),
                (Action::Down, "where to"),
                (Action::Close, "close"),
            ],
            _ => &[
                (Action::Confirm, "preview"),
                (Action::Down, "where to"),
                (Action::NextField, "next group"),
                (Action::Close, "close"),
            ],
        }
    }

    fn focused_field(&mut self) -> Option<&mut TextField> {
        (self.settled() && self.current().wants().is_some()).then_some(&mut self.value)
    }

    fn after_key(&mut self, _cx: &mut Cx<'_>) {
        self.changed();
    }

    fn draw(&self, f: &mut ratatui::Frame, area: ratatui::layout::Rect, cx: &DrawCx<'_>) {
        view::draw(f, area, self, cx.theme)
    }

    crate::tui::app::component::modal_any!();
}

