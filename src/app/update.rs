//! The one place state changes: synchronous, no I/O, effects returned to the run loop.

use super::action::Action;
use super::effect::Effect;
use super::msg::Msg;
use super::state::{Modal, State};
use crate::domain::Connection;
use crate::kafka::KafkaEvent;
use crate::keymap::{Context, Keymap};
use crate::modals::detail::DetailState;
use crate::modals::help::HelpState;
use crate::panes::PaneId;

/// How long a warning stays on the health line.
const WARNING_MS: i64 = 15_000;

pub fn context(state: &State) -> Context {
    match state.modal {
        Some(Modal::Detail(_)) => Context::Detail,
        Some(Modal::Help(_)) => Context::Help,
        None => Context::Dashboard,
    }
}

pub fn update(state: &mut State, msg: Msg, keymap: &Keymap) -> Vec<Effect> {
    match msg {
        Msg::Tick(now) => {
            state.now_ms = now;
            state.metrics.recompute();
            if let Some((_, at)) = &state.health.warning {
                if now - at > WARNING_MS {
                    state.health.warning = None;
                }
            }
            vec![]
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            vec![]
        }
        Msg::Kafka(ev) => {
            on_kafka(state, ev);
            vec![]
        }
        Msg::Key(key) => match keymap.action(context(state), &key) {
            Some(a) => apply(state, a, keymap),
            None => vec![],
        },
    }
}

fn on_kafka(state: &mut State, ev: KafkaEvent) {
    let now = state.now_ms;
    match ev {
        KafkaEvent::Records(role, batch) => {
            state.metrics.observe(role, &batch);
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
            state.health.connection = c;
        }
        KafkaEvent::MissingTopics(t) => state.health.missing_topics = t,
        KafkaEvent::SelfLag(n) => state.health.self_lag = n,
        KafkaEvent::Warning(w) => state.health.warning = Some((w, now)),
    }
}

fn page(state: &State) -> isize {
    (state.size.1 as isize / 3).max(3)
}

fn apply(state: &mut State, action: Action, keymap: &Keymap) -> Vec<Effect> {
    let pg = page(state);
    match &mut state.modal {
        Some(Modal::Detail(d)) => {
            match action {
                Action::Close | Action::Open => state.modal = None,
                Action::Up => d.scroll_by(-1),
                Action::Down => d.scroll_by(1),
                Action::PageUp => d.scroll_by(-pg * 2),
                Action::PageDown => d.scroll_by(pg * 2),
                Action::Top => d.scroll = 0,
                Action::Bottom => d.scroll_by(isize::MAX / 2),
                Action::Help => state.modal = Some(Modal::Help(HelpState::new(keymap))),
                Action::Quit => return quit(state),
                _ => {}
            }
            return vec![];
        }
        Some(Modal::Help(h)) => {
            match action {
                Action::Close | Action::Help => state.modal = None,
                Action::Up => h.scroll_by(-1),
                Action::Down => h.scroll_by(1),
                Action::PageUp => h.scroll_by(-pg),
                Action::PageDown => h.scroll_by(pg),
                Action::Quit => return quit(state),
                _ => {}
            }
            return vec![];
        }
        None => {}
    }
    match action {
        Action::Quit => return quit(state),
        Action::Help => state.modal = Some(Modal::Help(HelpState::new(keymap))),
        Action::FocusNext => state.focus = state.focus.next(1),
        Action::FocusPrev => state.focus = state.focus.next(-1),
        Action::FocusCompletion => state.focus = PaneId::ORDER[0],
        Action::FocusStatus => state.focus = PaneId::ORDER[1],
        Action::FocusDlq => state.focus = PaneId::ORDER[2],
        Action::FocusLag => state.focus = PaneId::Lag,
        Action::FocusMetrics => state.focus = PaneId::Metrics,
        Action::Zoom => state.zoom = !state.zoom,
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::Top
        | Action::Bottom => {
            let delta = match action {
                Action::Up => -1,
                Action::Down => 1,
                Action::PageUp => -pg,
                Action::PageDown => pg,
                _ => 0,
            };
            match state.focus {
                PaneId::Stream(role) => {
                    let s = state.stream_mut(role);
                    match action {
                        Action::Top => s.selected = 0,
                        Action::Bottom => s.to_oldest(),
                        _ => s.move_by(delta),
                    }
                }
                PaneId::Lag => state.lag.move_by(delta, action),
                PaneId::Metrics => {}
            }
        }
        Action::Open => match state.focus {
            PaneId::Stream(role) => {
                if let Some(r) = state.stream(role).selected_record() {
                    state.modal = Some(Modal::Detail(DetailState::from_record(r)));
                }
            }
            PaneId::Lag => state.lag.toggle_drill(),
            PaneId::Metrics => {}
        },
        Action::Close => {
            if state.zoom {
                state.zoom = false;
            } else if let PaneId::Stream(role) = state.focus {
                state.stream_mut(role).selected = 0;
            } else if state.focus == PaneId::Lag {
                state.lag.close_drill();
            }
        }
        Action::TogglePause => {
            if let PaneId::Stream(role) = state.focus {
                let s = state.stream_mut(role);
                s.paused = !s.paused;
                return vec![if s.paused {
                    Effect::PauseStream(role)
                } else {
                    Effect::ResumeStream(role)
                }];
            }
        }
    }
    vec![]
}

fn quit(state: &mut State) -> Vec<Effect> {
    state.quit = true;
    vec![Effect::Quit]
}
