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
