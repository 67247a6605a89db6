//! The dashboard: app loop, state, panes, modals, widgets, keymap, theme and terminal guard.
//! The only module that imports ratatui or crossterm.

pub mod app;
pub mod clipboard;
pub mod keymap;
pub mod modals;
pub mod panes;
pub mod terminal;
pub mod theme;
pub mod widgets;

use crate::support::config::{At, Config, ConfigError};

/// The theme and keymap the config names, with errors that name the file and key. Every
/// subcommand calls it after loading the config, so the dashboard, `tail` and `lag` accept
/// and refuse exactly the same files.
pub fn ui_parts(cfg: &Config) -> Result<(theme::Theme, keymap::Keymap), ConfigError> {
    let at = At::new(&cfg.source);
    let theme = theme::Theme::load(&cfg.ui.theme).map_err(|e| at.err("ui.theme", e))?;
    let keymap = keymap::Keymap::new(&cfg.keys).map_err(|e| at.msg(e))?;
    Ok((theme, keymap))
}
