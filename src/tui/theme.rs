//! Semantic colour slots. Built-in themes are compiled in from `themes/*.toml`; `ui.theme`
//! names one of them or a TOML file laid over the default. A non-empty `NO_COLOR`
//! (no-color.org) turns the default theme into `mono`; a theme the user named other than
//! `default` (built-in or file) is kept, since the user chose those colours.

use crate::domain::StatusClass;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub border: Color,
    pub border_focused: Color,
    pub title: Color,
    pub header: Color,
    pub text: Color,
    pub muted: Color,
    pub selected_bg: Color,
    pub ok: Color,
    pub failed: Color,
    pub progress: Color,
    pub pending: Color,
    pub unknown: Color,
    pub warn: Color,
    pub accent: Color,
    /// Mono themes mark selection with reverse video instead of a colour.
    pub reverse_selection: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    border: Option<String>,
    border_focused: Option<String>,
    title: Option<String>,
    header: Option<String>,
    text: Option<String>,
    muted: Option<String>,
    selected_bg: Option<String>,
    ok: Option<String>,
    failed: Option<String>,
    progress: Option<String>,
    pending: Option<String>,
    unknown: Option<String>,
    warn: Option<String>,
    accent: Option<String>,
}

const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

/// Built-ins that mark the selection with reverse video: no colour, or the most contrast.
const REVERSE_SELECTION: &[&str] = &["mono", "high-contrast"];

/// True when the `NO_COLOR` convention asks for no colour (set and not empty).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The built-in names, for messages and docs.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

impl Theme {
    /// A built-in name or a path to a TOML file laid over the default theme; `NO_COLOR`
    /// from the environment applies (see the module notes).
    pub fn load(name_or_path: &str) -> Result<Theme, String> {
        Theme::load_with(name_or_path, no_color_env())
    }

    /// [`Theme::load`] with the `NO_COLOR` answer given.
    pub fn load_with(name_or_path: &str, no_color: bool) -> Result<Theme, String> {
        let name = if no_color && name_or_path == "default" {
            "mono"
        } else {
            name_or_path
        };
        let base = Theme::from_toml(BUILTIN[0].1, None, "built-in default")?;
        if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name) {
            let mut t = Theme::from_toml(text, Some(base), name)?;
            t.reverse_selection = REVERSE_SELECTION.contains(&name);
            return Ok(t);
        }
        let text = std::fs::read_to_string(name).map_err(|e| {
            format!(
                "{name:?} is neither a built-in theme ({}) nor a readable file: {e}",
                builtin_names().join(", ")
            )
        })?;
        Theme::from_toml(&text, Some(base), name)
    }

    fn from_toml(text: &str, base: Option<Theme>, origin: &str) -> Result<Theme, String> {
        let f: ThemeFile = toml::from_str(text).map_err(|e| {
            format!(
                "theme file {origin}: {}",
                crate::support::config::words::humanize(e.message()).replace('\n', "; ")
            )
        })?;
        let c = |slot: &str,
                 v: &Option<String>,
                 fallback: Option<Color>|
         -> Result<Color, String> {
            match v {
                Some(s) => Color::from_str(s)
                    .map_err(|_| {
                    format!("theme file {origin}: key `{slot}`: {s:?} is not a colour (try \"red\", \"#ff8800\" or \"238\")")
                }),
                None => fallback.ok_or_else(|| format!("theme file {origin}: key `{slot}` is missing")),
            }
        };
        let b = base.as_ref();
        Ok(Theme {
            border: c("border", &f.border, b.map(|t| t.border))?,
            border_focused: c(
                "border_focused",
                &f.border_focused,
                b.map(|t| t.border_focused),
            )?,
            title: c("title", &f.title, b.map(|t| t.title))?,
            header: c("header", &f.header, b.map(|t| t.header))?,
            text: c("text", &f.text, b.map(|t| t.text))?,
            muted: c("muted", &f.muted, b.map(|t| t.muted))?,
            selected_bg: c("selected_bg", &f.selected_bg, b.map(|t| t.selected_bg))?,
            ok: c("ok", &f.ok, b.map(|t| t.ok))?,
            failed: c("failed", &f.failed, b.map(|t| t.failed))?,
            progress: c("progress", &f.progress, b.map(|t| t.progress))?,
            pending: c("pending", &f.pending, b.map(|t| t.pending))?,
            unknown: c("unknown", &f.unknown, b.map(|t| t.unknown))?,
            warn: c("warn", &f.warn, b.map(|t| t.warn))?,
            accent: c("accent", &f.accent, b.map(|t| t.accent))?,
            reverse_selection: false,
        })
    }

    pub fn status(&self, class: StatusClass) -> Style {
        let fg = match class {
            StatusClass::Ok => self.ok,
            StatusClass::Failed => self.failed,
            StatusClass::Progress => self.progress,
            StatusClass::Pending => self.pending,
            StatusClass::Unknown => self.unknown,
        };
        Style::default().fg(fg)
    }

    pub fn selected(&self) -> Style {
        if self.reverse_selection {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
                .bg(self.selected_bg)
                .add_modifier(Modifier::BOLD)
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        Style::default().fg(if focused {
            self.border_focused
        } else {
            self.border
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_loads_with_every_slot() {
        let default = Theme::load_with("default", false).unwrap();
        for name in builtin_names() {
            let t = Theme::load_with(name, false).unwrap_or_else(|e| panic!("{name}: {e}"));
            // Each file names every slot itself rather than leaning on the default's.
            let own: ThemeFile = toml::from_str(BUILTIN.iter().find(|b| b.0 == name).unwrap().1)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(own.accent.is_some() && own.selected_bg.is_some() && own.border.is_some());
            if name != "default" {
                assert_ne!(t, default, "{name} is the default under another name");
            }
        }
        assert!(
            Theme::load_with("high-contrast", false)
                .unwrap()
                .reverse_selection
        );
        assert!(!Theme::load_with("light", false).unwrap().reverse_selection);
    }

    #[test]
    fn no_color_turns_the_default_into_mono_and_keeps_a_chosen_theme() {
        let mono = Theme::load_with("mono", false).unwrap();
        assert_eq!(Theme::load_with("default", true).unwrap(), mono);
        assert!(mono.reverse_selection);
        assert_eq!(mono.ok, Color::Reset);
        let light = Theme::load_with("light", false).unwrap();
        assert_eq!(Theme::load_with("light", true).unwrap(), light);
        assert_ne!(Theme::load_with("default", false).unwrap(), mono);
    }

    #[test]
    fn an_unknown_theme_names_the_builtins() {
        let e = Theme::load_with("no-such-theme", false).unwrap_err();
        assert!(e.contains("light") && e.contains("high-contrast"), "{e}");
    }
}
