//! Key chords -> `Action`s, per context. The defaults are data (`DEFAULT_KEYS`), and the
//! user's `[keys.<context>]` tables are laid over them.

use crate::tui::app::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

/// Where a key is looked up: the dashboard's own contexts, then one per registered modal
/// (`modals::REGISTRY`), in that order (the help screen's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Context(u8);

/// The contexts that are not modals.
const OWN: [&str; 3] = ["global", "dashboard", "dlq"];

impl Context {
    pub const GLOBAL: Context = Context(0);
    pub const DASHBOARD: Context = Context(1);
    /// The DLQ pane: its own keys over the dashboard's.
    pub const DLQ: Context = Context(2);

    /// Every context's name, in order.
    fn names() -> impl Iterator<Item = &'static str> {
        OWN.into_iter()
            .chain(crate::tui::modals::REGISTRY.iter().map(|e| e.context))
    }

    fn parse(s: &str) -> Option<Context> {
        Context::names()
            .position(|n| n == s)
            .map(|i| Context(i as u8))
    }

    /// The context of a registered modal (its entry's name).
    pub fn named(name: &str) -> Context {
        // A registry entry names its own context, so it is always found.
        Context::parse(name).unwrap_or(Context::GLOBAL)
    }

    /// Where a key not bound here is looked up next.
    pub fn parent(self) -> Option<Context> {
        match self {
            Context::GLOBAL => None,
            Context::DLQ => Some(Context::DASHBOARD),
            _ => Some(Context::GLOBAL),
        }
    }

    /// This context and the ones it falls back to, nearest first.
    pub fn chain(self) -> impl Iterator<Item = Context> {
        std::iter::successors(Some(self), |c| c.parent())
    }

    pub fn name(self) -> &'static str {
        Context::names().nth(self.0 as usize).unwrap_or("global")
    }

    /// "global, dashboard, … or export", for an error message.
    fn listed() -> String {
        let names: Vec<&str> = Context::names().collect();
        match names.split_last() {
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Chord {
    pub code: KeyCodeKey,
    pub ctrl: bool,
    pub alt: bool,
}

/// `KeyCode` without the variants kdeck never binds, so it can be ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeKey {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Backspace,
    Delete,
    F(u8),
}

/// The keys of the dashboard's own contexts; each modal brings its table in its registry
/// entry (`Entry::keys`), and the dashboard keys that open it (`Entry::dashboard_keys`).
pub const DEFAULT_KEYS: &str = r#"
[global]
"ctrl-c" = "quit"
"?" = "help"
"tab" = "focus_next"
"backtab" = "focus_prev"
"1" = "focus_completion"
"2" = "focus_status"
"3" = "focus_dlq"
"4" = "focus_lag"
"5" = "focus_metrics"

[dashboard]
"q" = "quit"
"up" = "up"
"k" = "up"
"down" = "down"
"j" = "down"
"left" = "focus_prev"
"h" = "focus_prev"
"right" = "focus_next"
"l" = "focus_next"
"pageup" = "page_up"
"pagedown" = "page_down"
"home" = "top"
"g" = "top"
"end" = "bottom"
"G" = "bottom"
"enter" = "open"
"space" = "toggle_pause"
"p" = "toggle_pause"
"z" = "zoom"
"R" = "refresh_lag"
"F" = "follow"
"esc" = "close"

[dlq]
"space" = "mark"
"a" = "mark_all"
"b" = "by_reason"
"r" = "replay"

"#;

#[derive(Clone, Debug)]
pub struct Keymap {
    map: BTreeMap<(Context, Chord), Action>,
}

impl Keymap {
    /// Built-in keys with `overrides` (`context -> chord -> action`) laid over them. An action
    /// of "none" unbinds a key.
    pub fn new(overrides: &BTreeMap<String, BTreeMap<String, String>>) -> Result<Keymap, String> {
        let defaults: BTreeMap<String, BTreeMap<String, String>> =
            toml::from_str(&default_keys()).map_err(|e| format!("built-in keymap: {e}"))?;
        let mut map = BTreeMap::new();
        for layer in [&defaults, overrides] {
            for (ctx_name, keys) in layer {
                let ctx = Context::parse(ctx_name).ok_or_else(|| {
                    format!(
                        "keys.{ctx_name}: unknown context (expected {})",
                        Context::listed()
                    )
                })?;
                for (chord_text, action_text) in keys {
                    let chord = parse_chord(chord_text).ok_or_else(|| {
                        format!("keys.{ctx_name}.\"{chord_text}\": not a key (try \"q\", \"ctrl-c\", \"enter\", \"pagedown\", \"f1\")")
                    })?;
                    if action_text == "none" {
                        map.remove(&(ctx, chord));
                        continue;
                    }
                    let action: Action = serde_json::from_value(serde_json::Value::String(
                        action_text.clone(),
                    ))
                    .map_err(|_| {
                        format!("keys.{ctx_name}.\"{chord_text}\": unknown action {action_text:?}")
                    })?;
                    map.insert((ctx, chord), action);
                }
            }
        }
        Ok(Keymap { map })
    }

    /// The context's own binding first, then its parents' (the DLQ pane's over the
    /// dashboard's over the global ones).
    pub fn action(&self, ctx: Context, key: &KeyEvent) -> Option<Action> {
        let chord = chord_of(key)?;
        ctx.chain().find_map(|c| self.map.get(&(c, chord)).copied())
    }

    /// (context, keys, action) for the help screen, by context, then in the order actions
    /// are declared.
    pub fn bindings(&self) -> Vec<(Context, String, Action)> {
        let mut by_action: BTreeMap<(Context, Action), Vec<String>> = BTreeMap::new();
        for ((ctx, chord), action) in &self.map {
            by_action
                .entry((*ctx, *action))
                .or_default()
                .push(chord_text(chord));
        }
        by_action
            .into_iter()
            .map(|((ctx, action), keys)| (ctx, keys.join(" "), action))
            .collect()
    }

    /// The friendliest key bound to `action` in `ctx` or globally, for hints: named keys
    /// (tab, enter, arrows) before letters, letters before ctrl/alt chords.
    pub fn key_for(&self, ctx: Context, action: Action) -> Option<String> {
        self.map
            .iter()
            .filter(|((c, chord), a)| {
                **a == action
                    && self.action_of(ctx, chord) == Some(action)
                    && ctx.chain().any(|x| x == *c)
            })
            .map(|((_, chord), _)| chord)
            .min_by_key(|chord| {
                // Esc is what people reach for to leave anything.
                let rank = if chord.ctrl || chord.alt {
                    3
                } else if chord.code == KeyCodeKey::Esc {
                    0
                } else if matches!(chord.code, KeyCodeKey::Char(_)) {
                    2
                } else {
                    1
                };
                (rank, chord_text(chord))
            })
            .map(chord_text)
    }
}

impl Keymap {
    /// "esc close · ↓ scroll": the keys bound to these actions in `ctx`, for titles and footers
    /// drawn outside the footer line.
    pub fn hint(&self, ctx: Context, wanted: &[(Action, &str)]) -> String {
        wanted
            .iter()
            .filter_map(|(a, label)| self.key_for(ctx, *a).map(|k| format!("{k} {label}")))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// The action a chord has in `ctx` after the fallbacks, so a hint never shows a key that a
    /// nearer context took over.
    fn action_of(&self, ctx: Context, chord: &Chord) -> Option<Action> {
        ctx.chain()
            .find_map(|c| self.map.get(&(c, *chord)).copied())
    }
}

/// The built-in keymap as one TOML text: the dashboard's tables, each modal's, and the
/// dashboard keys the modals bring.
pub fn default_keys() -> String {
    let registry = crate::tui::modals::REGISTRY;
    let opening: String = registry
        .iter()
        .map(|e| e.dashboard_keys.trim())
        .filter(|k| !k.is_empty())
        .map(|k| format!("{k}\n"))
        .collect();
    // The opening keys belong to the dashboard's table, which ends where [dlq] starts.
    let mut text = DEFAULT_KEYS.replace("\n[dlq]\n", &format!("\n{opening}\n[dlq]\n"));
    for e in registry {
        text.push_str(&format!("\n[{}]\n{}\n", e.context, e.keys.trim()));
    }
    text
}

pub fn parse_chord(s: &str) -> Option<Chord> {
    let mut ctrl = false;
    let mut alt = false;
    let mut rest = s;
    loop {
        if let Some(r) = rest.strip_prefix("ctrl-") {
            ctrl = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("alt-") {
            alt = true;
            rest = r;
        } else {
            break;
        }
    }
    let code = match rest {
        "enter" => KeyCodeKey::Enter,
        "esc" => KeyCodeKey::Esc,
        "tab" => KeyCodeKey::Tab,
        "backtab" | "shift-tab" => KeyCodeKey::BackTab,
        "up" => KeyCodeKey::Up,
        "down" => KeyCodeKey::Down,
        "left" => KeyCodeKey::Left,
        "right" => KeyCodeKey::Right,
        "pageup" => KeyCodeKey::PageUp,
        "pagedown" => KeyCodeKey::PageDown,
        "home" => KeyCodeKey::Home,
        "end" => KeyCodeKey::End,
        "backspace" => KeyCodeKey::Backspace,
        "delete" => KeyCodeKey::Delete,
        "space" => KeyCodeKey::Char(' '),
        f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
            KeyCodeKey::F(f[1..].parse().ok()?)
        }
        c if c.chars().count() == 1 => KeyCodeKey::Char(c.chars().next()?),
        _ => return None,
    };
    Some(Chord { code, ctrl, alt })
}

fn chord_of(key: &KeyEvent) -> Option<Chord> {
    let code = match key.code {
        KeyCode::Char(c) => KeyCodeKey::Char(c),
        KeyCode::Enter => KeyCodeKey::Enter,
        KeyCode::Esc => KeyCodeKey::Esc,
        KeyCode::Tab => KeyCodeKey::Tab,
        KeyCode::BackTab => KeyCodeKey::BackTab,
        KeyCode::Up => KeyCodeKey::Up,
        KeyCode::Down => KeyCodeKey::Down,
        KeyCode::Left => KeyCodeKey::Left,
        KeyCode::Right => KeyCodeKey::Right,
        KeyCode::PageUp => KeyCodeKey::PageUp,
        KeyCode::PageDown => KeyCodeKey::PageDown,
        KeyCode::Home => KeyCodeKey::Home,
        KeyCode::End => KeyCodeKey::End,
        KeyCode::Backspace => KeyCodeKey::Backspace,
        KeyCode::Delete => KeyCodeKey::Delete,
        KeyCode::F(n) => KeyCodeKey::F(n),
        _ => return None,
    };
    Some(Chord {
        code,
        ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
        alt: key.modifiers.contains(KeyModifiers::ALT),
    })
}

fn chord_text(c: &Chord) -> String {
    let mut s = String::new();
    if c.ctrl {
        s.push_str("ctrl-");
    }
    if c.alt {
        s.push_str("alt-");
    }
    s.push_str(&match c.code {
        KeyCodeKey::Char(' ') => "space".into(),
        KeyCodeKey::Char(ch) => ch.to_string(),
        KeyCodeKey::Enter => "enter".into(),
        KeyCodeKey::Esc => "esc".into(),
        KeyCodeKey::Tab => "tab".into(),
        KeyCodeKey::BackTab => "shift-tab".into(),
        KeyCodeKey::Up => "↑".into(),
        KeyCodeKey::Down => "↓".into(),
        KeyCodeKey::Left => "←".into(),
        KeyCodeKey::Right => "→".into(),
        KeyCodeKey::PageUp => "pgup".into(),
        KeyCodeKey::PageDown => "pgdn".into(),
        KeyCodeKey::Home => "home".into(),
        KeyCodeKey::End => "end".into(),
        KeyCodeKey::Backspace => "backspace".into(),
        KeyCodeKey::Delete => "delete".into(),
        KeyCodeKey::F(n) => format!("f{n}"),
    });
    s
}
