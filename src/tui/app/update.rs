//! The one place state changes: synchronous, no I/O, effects returned to the run loop.

use super::action::Action;
use super::component::{Hint, Reply};
use super::effect::Effect;
use super::msg::Msg;
use super::state::{Modal, State};
use crate::domain::event::{KafkaEvent, PublishUpdate, ReplayUpdate};
use crate::domain::Connection;
use crate::domain::Role;
use crate::tui::keymap::{Context, Keymap};
use crate::tui::modals::detail::DetailState as DetailStateHints;
use crate::tui::modals::filter;
use crate::tui::modals::help::HelpState;
use crate::tui::modals::replay::ReplayDialog;
use crate::tui::panes::dlq::DlqTriage;
use crate::tui::panes::lag::LagPane;
use crate::tui::panes::stream::StreamPane;
use crate::tui::panes::PaneId;
use crate::tui::widgets::input::TextField;

/// How long a warning stays on the health line.
const WARNING_MS: i64 = 15_000;

pub fn context(state: &State) -> Context {
    match &state.modal {
        Some(m) => m.context(),
        None if state.focus == PaneId::Stream(Role::Dlq) => Context::Dlq,
        None => Context::Dashboard,
    }
}

pub fn update(state: &mut State, msg: Msg, keymap: &Keymap) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            state.now_ms = now;
            crate::tui::modals::search::on_clock(state);
            state.metrics.recompute();
            if let Some((_, at)) = &state.health.warning {
                if now - at > WARNING_MS {
                    state.health.warning = None;
                }
            }
            state.health.notice.take_if(|n| now - n.1 > WARNING_MS);
            vec![]
        }
        Msg::Mouse(m) => {
            let mut effects = Vec::new();
            for a in crate::tui::app::mouse::to_actions(state, m) {
                effects.extend(apply(state, a, keymap));
            }
            effects
        }
        Msg::FilterStep => {
            for p in state.streams.iter_mut() {
                p.filter_step(crate::tui::panes::stream::STEP_RECORDS);
            }
            crate::tui::modals::export::gather_step(state)
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            if let Some(Modal::Detail(d)) = &mut state.modal {
                d.fit_to((w, h));
            }
            crate::tui::modals::search::on_clock(state);
            vec![]
        }
        Msg::Kafka(ev) => {
            on_kafka(state, ev);
            vec![]
        }
        Msg::Key(key) => {
            // A focused text field gets keys first: typing `q` types a q.
            if let Some(field) = focused_field(state) {
                if field.key(&key) {
                    if let Some(m) = &mut state.modal {
                        m.after_key();
                    }
                    return vec![];
                }
            }
            match keymap.action(context(state), &key) {
                Some(a) => apply(state, a, keymap),
                None => vec![],
            }
        }
        Msg::Paste(text) => {
            if let Some(field) = focused_field(state) {
                field.paste(&text);
                if let Some(m) = &mut state.modal {
                    m.after_key();
                }
            }
            vec![]
        }
    }
}

/// The text field that has focus, if a modal with fields is open.
fn focused_field(state: &mut State) -> Option<&mut TextField> {
    match &mut state.modal {
        Some(m) => m.focused_field(),
        None => None,
    }
}

/// The footer's hints for what has focus.
pub fn hints(state: &State) -> &'static [Hint] {
    match &state.modal {
        Some(m) => m.hints(),
        None => match state.focus {
            PaneId::Stream(Role::Dlq) => DlqTriage::HINTS,
            PaneId::Stream(_) => StreamPane::HINTS,
            PaneId::Lag => LagPane::HINTS,
            PaneId::Metrics => &[],
        },
    }
}

fn on_kafka(state: &mut State, ev: KafkaEvent) {
    let now = state.now_ms;
    match ev {
        KafkaEvent::Records(role, batch) => {
            state.metrics.observe(role, &batch);
            if let Some(f) = &mut state.follow {
                f.seen += batch.iter().filter(|r| f.matches(r)).count() as u64;
            }
            if role == Role::Dlq {
                state.dlq.observe(&batch);
            }
            state.stream_mut(role).push_batch(batch, now);
        }
        KafkaEvent::Lag(snap) => state.lag.ingest(*snap),
        KafkaEvent::Connection(c) => {
            // A record arriving proves the link but does not know the broker count: keep it.
            if let (Connection::Connected { brokers: 0 }, Connection::Connected { .. }) =
                (&c, &state.health.connection)
            {
                return;
            }
            crate::support::log::connection(&state.health.connection, &c);
            state.health.connection = c;
        }
        KafkaEvent::MissingTopics(t) => state.health.missing_topics = t,
        KafkaEvent::SelfLag(n) => state.health.self_lag = n,
        KafkaEvent::Warning(w) => {
            crate::support::log::warning(state.health.warning.as_ref().map(|p| p.0.as_str()), &w);
            state.health.warning = Some((w, now));
        }
        KafkaEvent::Replay(u) => on_replay(state, u),
        KafkaEvent::Publish(u) => on_publish(state, u),
        KafkaEvent::Search(u) => crate::tui::modals::search::on_update(state, u),
        KafkaEvent::Stuck(r) => state.jobs.report = Some(*r),
        KafkaEvent::JobSearch(u) => crate::tui::modals::timeline::on_search(state, u),
        KafkaEvent::Exported(Ok(summary)) => {
            state.health.notice = Some((summary.describe(), now));
        }
        KafkaEvent::Exported(Err(e)) => {
            state.health.notice = None;
            state.health.warning = Some((format!("export failed: {e}"), now));
        }
    }
}

fn on_replay(state: &mut State, u: ReplayUpdate) {
    match u {
        ReplayUpdate::Counts { dlq, counts } => {
            state.dlq.replayed.retain(|c, _| c.0 != dlq);
            for ((p, o), n) in counts {
                state.dlq.replayed.insert((dlq.clone(), p, o), n);
            }
            // What was replayed is no longer marked for replay.
            let replayed = &state.dlq.replayed;
            state.dlq.marks.retain(|c| !replayed.contains_key(c));
        }
        other => {
            if let Some(Modal::Replay(d)) = &mut state.modal {
                d.on_update(other);
            }
        }
    }
}

/// Publish news goes to the dialog; the first delivery starts following the sent job.
fn on_publish(state: &mut State, u: PublishUpdate) {
    if let PublishUpdate::First { record, .. } = &u {
        state.follow = crate::tui::modals::publish::open::follow_of(record);
    }
    if let Some(Modal::Publish(d)) = &mut state.modal {
        d.on_update(&u);
    }
}

fn page(state: &State) -> isize {
    (state.size.1 as isize / 3).max(3)
}

/// Routes an action to the open modal, else to the dashboard and its focused pane.
fn apply(state: &mut State, action: Action, keymap: &Keymap) -> Vec<Effect> {
    let pg = page(state);
    if let Some(effects) = crate::tui::modals::timeline::intercept(state, action, pg) {
        return effects;
    }
    let reply = match &mut state.modal {
        Some(m) => m.handle(action, pg),
        None => dashboard(state, action, pg),
    };
    crate::tui::modals::filter::settle(state);
    crate::tui::modals::search::settle(state);
    settle(state, reply, keymap)
}

/// Dashboard-wide actions (focus, zoom, help, quit); the rest goes to the focused pane.
fn dashboard(state: &mut State, action: Action, pg: isize) -> Reply {
    match action {
        Action::Quit => return Reply::Quit,
        Action::Help => return Reply::Help,
        Action::FocusNext => state.focus = state.focus.next(1),
        Action::FocusPrev => state.focus = state.focus.next(-1),
        Action::FocusCompletion => state.focus = PaneId::ORDER[0],
        Action::FocusStatus => state.focus = PaneId::ORDER[1],
        Action::FocusDlq => state.focus = PaneId::ORDER[2],
        Action::FocusLag => state.focus = PaneId::Lag,
        Action::FocusMetrics => state.focus = PaneId::Metrics,
        Action::Zoom => state.zoom = !state.zoom,
        Action::Close if state.zoom => state.zoom = false,
        Action::Follow => follow(state),
        Action::Publish => return crate::tui::modals::publish::open::new(state),
        Action::Republish => return crate::tui::modals::publish::open::republish(state),
        Action::QuickFilter => return filter::open(state, filter::FilterKind::Quick),
        Action::ExprFilter => return filter::open(state, filter::FilterKind::Expr),
        Action::Search => return crate::tui::modals::search::open(state),
        Action::Export => return crate::tui::modals::export::open(state),
        _ => {
            return match state.focus {
                PaneId::Stream(Role::Dlq) => {
                    let pane = &mut state.streams[Role::Dlq.index()];
                    state.dlq.handle(pane, action, pg)
                }
                PaneId::Stream(role) => state.stream_mut(role).handle(action, pg),
                PaneId::Lag => state.lag.handle(action, pg),
                PaneId::Metrics => Reply::Done,
            }
        }
    }
    Reply::Done
}

/// Follows the selected record's job, or stops following when it is that job already.
fn follow(state: &mut State) {
    let PaneId::Stream(role) = state.focus else {
        return;
    };
    let Some(r) = state.stream(role).selected_record() else {
        return;
    };
    if state.follow.as_ref().is_some_and(|f| f.matches(r)) {
        state.follow = None;
    } else {
        state.follow = crate::engine::job::follow::Follow::of(r);
    }
}

/// Carries out a component's reply on the state; effects go back to the run loop.
fn settle(state: &mut State, reply: Reply, keymap: &Keymap) -> Vec<Effect> {
    match reply {
        Reply::Done => vec![],
        Reply::Close => {
            state.modal = state.parked.pop();
            vec![]
        }
        Reply::Help => {
            state.modal = Some(Modal::Help(HelpState::new(keymap)));
            vec![]
        }
        Reply::Open(mut m) => {
            if let Modal::Detail(d) = &mut m {
                d.fit_to(state.size);
                d.keys = keymap.hint(Context::Detail, DetailStateHints::HINTS);
            }
            if let Modal::Search(s) = &mut m {
                s.detail_keys = keymap.hint(Context::Detail, DetailStateHints::HINTS);
            }
            state.modal = Some(m);
            vec![]
        }
        Reply::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Reply::Effects(e) => e,
        Reply::Replay => open_replay(state),
        Reply::Copy(c) => crate::tui::clipboard::request(state, c),
        Reply::Export(path) => crate::tui::modals::export::start(state, path),
        Reply::ExportRecords(label, records) => {
            crate::tui::modals::export::open_over(state, &label, records);
            vec![]
        }
    }
}

/// Opens the replay dialog for the DLQ's marks, else the selected group (by-reason view) or
/// the selected message, and asks for the dry run. Refused on a read-only profile.
fn open_replay(state: &mut State) -> Vec<Effect> {
    if let Some(why) = &state.read_only {
        state.health.warning = Some((format!("replay refused: {why}"), state.now_ms));
        return vec![];
    }
    let pane = &state.streams[Role::Dlq.index()];
    let Some(scope) = crate::tui::modals::replay::scope::of(&state.dlq, pane, &state.dlq_topics)
    else {
        state.health.warning = Some((
            "nothing to replay: select or mark DLQ messages".into(),
            state.now_ms,
        ));
        return vec![];
    };
    let mut d = ReplayDialog::new(state.job_ids.open(), scope, state.replay_settings.clone());
    let effects = d.first_plan();
    state.modal = Some(Modal::Replay(Box::new(d)));
    effects
}
