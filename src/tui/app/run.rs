//! The run loop: waits on keys, Kafka events and the clock, feeds `update`, carries out
//! effects, and redraws when something changed (at most `ui.max_fps` times a second).

use super::effects::{Flow, Rewire, Workers};
use super::msg::Msg;
use super::state::State;
use super::update::update;
use crate::domain::clock::Clock;
use crate::domain::event::KafkaEvent;
use crate::support::config::Config;
use crate::tui::keymap::Keymap;
use crate::tui::terminal::TerminalGuard;
use crate::tui::theme::Theme;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc;

/// How the dashboard ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The user quit.
    Quit,
    /// A terminating signal arrived (its number); the process should exit with 128 + it.
    Signal(i32),
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Quit => 0,
            Exit::Signal(sig) => crate::tui::terminal::signal_exit_code(sig),
        }
    }
}

/// Loads a profile of the config file by name, checked as at start (the dashboard's profile
/// switcher); Err says why in words.
pub type Reload<'a> = dyn Fn(&str) -> Result<Config, String> + 'a;

/// The dashboard's parts that do not change while it runs.
pub struct Parts<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub clock: &'a dyn Clock,
    pub reload: &'a Reload<'a>,
    /// Started on the embedded demo (its profile is called "demo").
    pub demo: bool,
}

pub async fn run(cfg: Config, parts: &Parts<'_>) -> anyhow::Result<Exit> {
    let (theme, keymap, clock) = (parts.theme, parts.keymap, parts.clock);
    let start = cfg.clone();
    let mut current = cfg;
    // Bounded: a UI that falls behind makes the reader wait instead of piling up batches.
    let (tx, mut rx) = mpsc::channel::<KafkaEvent>(32);
    let mut workers = Workers::start(&current, tx);

    let mut state = first_state(&current, parts.demo, clock);
    let mut guard = TerminalGuard::enter_with(current.ui.mouse)?;
    #[cfg(feature = "test-hooks")]
    crate::tui::terminal::arm_test_faults();
    state.size = guard.terminal.size().map(|s| (s.width, s.height))?;

    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut frame_timer = frame_timer(current.ui.max_fps);
    let mut redraw = Redraw::new();
    let mut workers_gone = false;
    let mut batch: Vec<KafkaEvent> = Vec::with_capacity(64);

    let result: anyhow::Result<Exit> = async {
        loop {
            let mut msgs: Vec<Msg> = Vec::new();
            tokio::select! {
                ev = keys.next() => match ev {
                    Some(Ok(ev)) => msgs.extend(terminal_msg(ev, clock.now_ms())),
                    Some(Err(e)) => return Err(anyhow::anyhow!("reading the terminal: {e}")),
                    None => return Ok(Exit::Quit),
                },
                Some(sig) = guard.signals.recv() => {
                    if sig != crate::tui::terminal::SUSPEND {
                        return Ok(Exit::Signal(sig));
                    }
                    guard.suspend()?;
                    let size = guard.terminal.size()?;
                    msgs.push(Msg::Resize(size.width, size.height));
                }
                // With every worker gone (they report why before they go) the screen stays up
                // until the user quits.
                n = rx.recv_many(&mut batch, 64), if !workers_gone => {
                    if n == 0 {
                        workers_gone = true;
                        continue;
                    }
                    msgs.extend(batch.drain(..).map(Msg::Kafka));
                }
                _ = tick.tick() => msgs.push(Msg::Tick(clock.now_ms())),
                // A changed filter re-applies (and a large export is copied) in chunks, with
                // keys and frames in between.
                _ = tokio::time::sleep(Duration::from_millis(1)),
                    if state.export_gather.is_some()
                        || state.streams.iter().any(|p| p.filter_scanning()) => msgs.push(Msg::FilterStep),
                // Only armed when something to show changed: an idle screen sleeps.
                _ = frame_timer.tick(), if redraw.dirty => {
                    guard.terminal.draw(|f| crate::tui::widgets::view::draw(f, &state, theme, keymap))?;
                    redraw.drawn(state.now_ms);
                    continue;
                }
            }
            match feed(&mut state, msgs, keymap, &mut workers, &mut redraw) {
                Flow::Quit => return Ok(Exit::Quit),
                // A profile was saved: the switcher lists it.
                Flow::Notice(_) => state.profiles = profiles(&start, &current),
                Flow::Rewire(r) => {
                    let fresh = rewire(r, parts, &mut current, &mut workers, &mut rx, &mut state);
                    workers_gone &= !fresh;
                    redraw.dirty = true;
                    state.profiles = profiles(&start, &current);
                }
                _ => {}
            }
        }
    }
    .await;
    drop(guard);
    drop(rx);
    workers.detach();
    result
}

/// Ticks at most `max_fps` times a second; a frame missed is skipped, not caught up.
fn frame_timer(max_fps: u32) -> tokio::time::Interval {
    let frame = Duration::from_millis(1000 / max_fps.max(1) as u64);
    let mut t = tokio::time::interval(frame);
    t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    t
}

/// The state the loop starts with. The user's publish templates are read once, here: update
/// does no I/O.
fn first_state(cfg: &Config, demo: bool, clock: &dyn Clock) -> State {
    let mut state = State::new(cfg, demo, clock.now_ms());
    state.profiles = profiles(cfg, cfg);
    let catalog = crate::engine::publish::Catalog::load(
        crate::engine::publish::template::user_dir().as_deref(),
    );
    if let Some(w) = catalog.warnings.first() {
        state.health.warning = Some((format!("templates: {w}"), clock.now_ms()));
    }
    state.templates = catalog.templates;
    state
}

/// The terminal events kdeck acts on: keys (not their release), resizes, pastes, the mouse.
fn terminal_msg(ev: Event, now_ms: i64) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Mouse(m) => mouse_msg(m, now_ms),
        _ => None,
    }
}

/// The mouse events kdeck acts on (left click, wheel); moves and the rest are dropped here so
/// they cost no redraw.
fn mouse_msg(m: crossterm::event::MouseEvent, at_ms: i64) -> Option<Msg> {
    use super::mouse::MouseInput;
    use crossterm::event::{MouseButton, MouseEventKind as K};
    let (col, row) = (m.column, m.row);
    Some(Msg::Mouse(match m.kind {
        K::Down(MouseButton::Left) => MouseInput::Click { col, row, at_ms },
        K::ScrollUp => MouseInput::ScrollUp { col, row },
        K::ScrollDown => MouseInput::ScrollDown { col, row },
        _ => return None,
    }))
}

/// Starts every worker again on the next config, under a new event channel: whatever the old
/// workers still send has nowhere to go (they end on it), so no record of the old wiring
/// shows. False (said on the health line) when the next config could not be had.
fn rewire(
    r: Rewire,
    parts: &Parts<'_>,
    current: &mut Config,
    workers: &mut Workers,
    rx: &mut mpsc::Receiver<KafkaEvent>,
    state: &mut State,
) -> bool {
    match next_config(current, r, parts.reload) {
        Ok(cfg) => {
            let (tx, new_rx) = mpsc::channel::<KafkaEvent>(32);
            std::mem::replace(workers, Workers::start(&cfg, tx)).detach();
            *rx = new_rx;
            state.rewired(&cfg, parts.demo && cfg.profile == "demo");
            *current = cfg;
            true
        }
        Err(e) => {
            state.health.warning = Some((e, state.now_ms));
            false
        }
    }
}

/// The config after a re-wire: the same profile on other topics and groups, or another
/// profile loaded from the file.
fn next_config(current: &Config, r: Rewire, reload: &Reload<'_>) -> Result<Config, String> {
    match r {
        Rewire::Topics {
            topics,
            watch_groups,
        } => {
            let mut next = current.clone();
            if next.topics.request != topics.request {
                next.lag_topics = topics.request.clone();
            }
            next.topics = topics;
            next.watch_groups = watch_groups;
            Ok(next)
        }
        Rewire::Profile(name) => {
            reload(&name).map_err(|e| format!("profile {name} was not opened: {e}"))
        }
    }
}

/// Runs each message through `update` and carries out the effects. A quit or a re-wire ends
/// the batch: what follows was meant for the dashboard as it was.
fn feed(
    state: &mut State,
    msgs: Vec<Msg>,
    keymap: &Keymap,
    workers: &mut Workers,
    redraw: &mut Redraw,
) -> Flow {
    let mut saved = None;
    for m in msgs {
        redraw.note(&m);
        for effect in update(state, m, keymap) {
            let (flow, warning) = workers.execute(effect);
            if let Some(w) = warning {
                state.health.warning = Some((w, state.now_ms));
            }
            match flow {
                Flow::Continue => {}
                Flow::Notice(n) => {
                    state.health.notice = Some((n.clone(), state.now_ms));
                    saved = Some(Flow::Notice(n));
                }
                stop => return stop,
            }
        }
    }
    saved.unwrap_or(Flow::Continue)
}

/// The profiles the switcher offers: the one kdeck started with, then the config file's.
fn profiles(start: &Config, current: &Config) -> Vec<crate::tui::modals::profiles::Choice> {
    use crate::tui::modals::profiles::Choice;
    let mut v = vec![Choice {
        name: start.profile.clone(),
        brokers: Some(start.cluster.brokers.clone()),
    }];
    let path = (current.source.clone()).or_else(crate::support::config::load::default_config_path);
    let listed = path.map(|p| crate::support::config::save::list_profiles(&p));
    for (name, brokers) in listed.and_then(Result::ok).unwrap_or_default() {
        if name != start.profile {
            v.push(Choice { name, brokers });
        }
    }
    v
}

/// When the screen needs drawing. Keys, resizes and Kafka events change what is shown; the
/// clock's tick (4 a second) only does when the second changes, since rates, sparklines and
/// the health line's figures are per second. An idle dashboard draws once a second.
struct Redraw {
    dirty: bool,
    shown_second: i64,
}

impl Redraw {
    fn new() -> Redraw {
        Redraw {
            dirty: true,
            shown_second: i64::MIN,
        }
    }

    fn note(&mut self, msg: &Msg) {
        match msg {
            Msg::Tick(now) if now.div_euclid(1000) == self.shown_second => {}
            _ => self.dirty = true,
        }
    }

    fn drawn(&mut self, now_ms: i64) {
        self.dirty = false;
        self.shown_second = now_ms.div_euclid(1000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_ticks_redraw_once_a_second() {
        let mut r = Redraw::new();
        let mut draws = 0;
        // Ten idle seconds of 250 ms ticks, drawing whenever dirty (as the frame timer does).
        for i in 0..40i64 {
            let now = 1_000_000 + i * 250;
            r.note(&Msg::Tick(now));
            if r.dirty {
                r.drawn(now);
                draws += 1;
            }
        }
        assert_eq!(draws, 10);
        r.note(&Msg::Resize(80, 24));
        assert!(r.dirty, "anything but a tick redraws");
    }
}
