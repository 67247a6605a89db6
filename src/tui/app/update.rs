//! The one place state changes: synchronous, no I/O, effects returned to the run loop. It
//! routes keys to the open modal (through the component contract) or to the dashboard and its
//! focused pane, worker news to whoever asked for it, and carries out the replies.

use super::action::Action;
use super::component::{Cx, Modal, Reply, Subject};
use super::effect::Effect;
use super::msg::Msg;
use super::state::State;
use crate::domain::event::{KafkaEvent, PublishUpdate, ReplayUpdate};
use crate::domain::Connection;
use crate::domain::Role;
use crate::tui::keymap::Keymap;
use crate::tui::modals::REGISTRY;
use crate::tui::panes::PaneId;
use crate::tui::widgets::input::TextField;

/// How long a warning stays on the health line.
const WARNING_MS: i64 = 15_000;

/// Modals kept under the open one at most: going from a timeline to a record and on to its
/// job's timeline again and again does not pile them up.
const MAX_PARKED: usize = 8;

pub fn update(state: &mut State, msg: Msg, keymap: &Keymap) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            state.now_ms = now;
            with_modal(state, keymap, |m, cx| m.refit(cx));
            state.metrics.recompute();
            state.health.warning.take_if(|w| now - w.1 > WARNING_MS);
            state.health.notice.take_if(|n| now - n.1 > WARNING_MS);
            settle_schemas(state);
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
            with_modal(state, keymap, |m, cx| m.refit(cx));
            vec![]
        }
        Msg::Kafka(ev) => on_kafka(state, ev, keymap),
        Msg::Key(key) => {
            // A focused text field gets keys first: typing `q` types a q.
            if focused_field(state).is_some_and(|f| f.key(&key)) {
                with_modal(state, keymap, |m, cx| m.after_key(cx));
                return vec![];
            }
            match keymap.action(state.key_context(), &key) {
                Some(a) => apply(state, a, keymap),
                None => vec![],
            }
        }
        Msg::Paste(text) => {
            if let Some(field) = focused_field(state) {
                field.paste(&text);
                with_modal(state, keymap, |m, cx| m.after_key(cx));
            }
            vec![]
        }
    }
}

/// When the schema source has learnt something (a schema arrived, a fetch failed), the records
/// waiting for a schema are decoded again; the health line says when the registry is down.
fn settle_schemas(state: &mut State) {
    let source = crate::codec::lookup::installed();
    state.health.registry = source.as_ref().and_then(|s| s.trouble());
    let g = crate::codec::lookup::generation();
    if g != state.health.schema_generation {
        state.health.schema_generation = g;
        for p in state.streams.iter_mut() {
            p.settle_pending();
        }
    }
}

/// The text field that has focus, if a modal with fields is open.
fn focused_field(state: &mut State) -> Option<&mut TextField> {
    state.modal.as_mut()?.focused_field()
}

/// Runs `f` on the open modal with its narrow view of the dashboard; a warning it raised
/// goes to the health line.
fn with_modal<R>(
    state: &mut State,
    keymap: &Keymap,
    f: impl FnOnce(&mut dyn Modal, &mut Cx<'_>) -> R,
) -> Option<R> {
    let (modal, _, mut cx) = state.split(keymap);
    let out = modal.as_mut().map(|m| f(m.as_mut(), &mut cx));
    let warning = cx.warning.take();
    warn_opt(state, warning);
    out
}

fn warn_opt(state: &mut State, warning: Option<String>) {
    if let Some(w) = warning {
        state.health.warning = Some((w, state.now_ms));
    }
}

fn on_kafka(state: &mut State, ev: KafkaEvent, keymap: &Keymap) -> Vec<Effect> {
    let now = state.now_ms;
    match ev {
        KafkaEvent::Records(role, batch) => {
            state.metrics.observe(role, &batch);
            if let Some(f) = &mut state.follow {
                f.seen += batch.iter().filter(|r| f.matches(r)).count() as u64;
            }
            if role == Role::Dlq {
                state.dlq_mut().observe(&batch);
            }
            state.stream_mut(role).push_batch(batch, now);
        }
        KafkaEvent::Lag(snap) => state.lag.ingest(*snap),
        KafkaEvent::Connection(c) => {
            // A record arriving proves the link but does not know the broker count: keep it.
            if let (Connection::Connected { brokers: 0 }, Connection::Connected { .. }) =
                (&c, &state.health.connection)
            {
                return vec![];
            }
            crate::support::log::connection(&state.health.connection, &c);
            state.health.connection = c;
        }
        KafkaEvent::MissingTopics(t) => {
            state.health.missing_topics = t;
            return offer_browser(state, keymap);
        }
        KafkaEvent::SelfLag(n) => state.health.self_lag = n,
        KafkaEvent::Warning(w) => {
            crate::support::log::warning(state.health.warning.as_ref().map(|p| p.0.as_str()), &w);
            state.health.warning = Some((w, now));
        }
        KafkaEvent::Replay(ReplayUpdate::Counts { dlq, counts }) => {
            state.dlq_mut().replayed_counts(&dlq, counts)
        }
        KafkaEvent::Stuck(r) => state.jobs.report = Some(*r),
        KafkaEvent::Service(u) => {
            if let Some(v) = state.metrics.services.get_mut(u.index) {
                v.ingest(u.at_ms, u.result);
            }
        }
        KafkaEvent::Exported(Ok(summary)) => {
            state.health.notice = Some((summary.describe(), now));
        }
        KafkaEvent::Exported(Err(e)) => {
            state.health.notice = None;
            state.health.warning = Some((format!("export failed: {e}"), now));
        }
        other => {
            // The first delivery of a publish starts following the job it sent.
            if let KafkaEvent::Publish(PublishUpdate::First { record, .. }) = &other {
                state.follow = crate::tui::modals::publish::open::follow_of(record);
            }
            offer(state, other, keymap);
        }
    }
    vec![]
}

/// On a cluster where none of the configured topics exists, the topic browser opens by
/// itself (once), with the proposals taken as they come: one `enter` gives a dashboard.
fn offer_browser(state: &mut State, keymap: &Keymap) -> Vec<Effect> {
    let configured = state.wiring.topics.all();
    let missing = &state.health.missing_topics;
    let none_exists = !configured.is_empty() && configured.iter().all(|t| missing.contains(t));
    if state.browser_offered || !none_exists || state.modal.is_some() {
        return vec![];
    }
    state.browser_offered = true;
    let (_, _, mut cx) = state.split(keymap);
    let reply = crate::tui::modals::topics::Browser::open(&mut cx, true);
    settle(state, reply, keymap)
}

/// Worker news for the modal that asked: the open one first, then those under it. News
/// nobody takes is late (its dialog closed) and dropped.
fn offer(state: &mut State, ev: KafkaEvent, keymap: &Keymap) {
    let (modal, parked, mut cx) = state.split(keymap);
    let mut ev = Some(ev);
    for m in modal.iter_mut().chain(parked.iter_mut().rev()) {
        match ev.take() {
            Some(e) => ev = m.on_event(e, &mut cx),
            None => break,
        }
    }
    let warning = cx.warning.take();
    warn_opt(state, warning);
}

/// Routes an action to the open modal, else to the dashboard and its focused pane.
fn apply(state: &mut State, action: Action, keymap: &Keymap) -> Vec<Effect> {
    if state.modal.is_none() {
        state.parked.clear();
    }
    let reply = match with_modal(state, keymap, |m, cx| m.handle(action, cx)) {
        Some(reply) => reply,
        None => dashboard(state, action, keymap),
    };
    settle(state, reply, keymap)
}

/// Dashboard-wide actions (focus, zoom, help, quit, the actions that open a modal); the rest
/// goes to the focused pane.
fn dashboard(state: &mut State, action: Action, keymap: &Keymap) -> Reply {
    let pg = (state.size.1 as isize / 3).max(3);
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
        a if opener(a).is_some() => return open_registered(state, a, Subject::Selection, keymap),
        _ => return state.pane_mut(state.focus).handle(action, pg),
    }
    Reply::Done
}

/// The registered modal that opens on `action`.
fn opener(action: Action) -> Option<&'static super::component::Entry> {
    REGISTRY.iter().find(|e| e.opens_on.contains(&action))
}

fn open_registered(state: &mut State, action: Action, subject: Subject, keymap: &Keymap) -> Reply {
    let Some(entry) = opener(action) else {
        return Reply::Done;
    };
    let (_, _, mut cx) = state.split(keymap);
    let reply = (entry.open)(action, subject, &mut cx);
    let warning = cx.warning.take();
    warn_opt(state, warning);
    reply
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

/// Keeps the open modal under the next one; the oldest goes past `MAX_PARKED`.
fn park_open(state: &mut State) {
    if let Some(m) = state.modal.take() {
        if state.parked.len() >= MAX_PARKED {
            state.parked.remove(0);
        }
        state.parked.push(m);
    }
}

/// Carries out a component's reply on the state; effects go back to the run loop.
fn settle(state: &mut State, reply: Reply, keymap: &Keymap) -> Vec<Effect> {
    match reply {
        Reply::Done => vec![],
        Reply::Close => {
            let effects = state
                .modal
                .as_mut()
                .map(|m| m.closing())
                .unwrap_or_default();
            state.modal = state.parked.pop();
            effects
        }
        Reply::Help => {
            // Help opens over what is open, which shows again when help closes.
            park_open(state);
            state.modal = Some(Box::new(crate::tui::modals::help::HelpState::new(keymap)));
            with_modal(state, keymap, |m, cx| m.refit(cx));
            vec![]
        }
        Reply::Open(m, effects) => {
            state.modal = Some(m);
            with_modal(state, keymap, |m, cx| m.refit(cx));
            effects
        }
        Reply::Over(m, effects) => {
            park_open(state);
            settle(state, Reply::Open(m, effects), keymap)
        }
        Reply::Forward {
            action,
            subject,
            over,
        } => {
            let next = open_registered(state, action, subject, keymap);
            match next {
                Reply::Open(m, effects) if over => settle(state, Reply::Over(m, effects), keymap),
                Reply::Open(m, effects) => settle(state, Reply::Open(m, effects), keymap),
                other => settle(state, other, keymap),
            }
        }
        Reply::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Reply::Effects(e) => e,
        Reply::Copy(c) => {
            let (effects, news) = crate::tui::clipboard::request(state.clipboard_osc52, c);
            match news {
                Ok(notice) => state.health.notice = Some((notice, state.now_ms)),
                Err(warning) => state.health.warning = Some((warning, state.now_ms)),
            }
            effects
        }
        Reply::Export(path) => crate::tui::modals::export::start(state, path),
        Reply::ExportRecords(label, records) => {
            let dir = state.export_dir.as_deref();
            let m = crate::tui::modals::export::for_records(dir, state.now_ms, &label, records);
            settle(state, Reply::Over(Box::new(m), vec![]), keymap)
        }
    }
}
