//! What a pane or modal answers when it handles a key: components own their keys, and
//! `update` only routes actions to the focused one and carries out the reply.

use super::action::Action;
use super::effect::Effect;
use super::state::Modal;

pub enum Reply {
    /// Handled (or ignored) with nothing more to do.
    Done,
    /// Close this modal.
    Close,
    /// Open the help overlay (it needs the keymap, which components do not hold).
    Help,
    Quit,
    Effects(Vec<Effect>),
    /// Open a modal over the dashboard.
    Open(Modal),
    /// Open the replay dialog for the DLQ's marked (or selected) messages.
    Replay,
    /// Copy this to the clipboard (None: the record has no value).
    Copy(Option<crate::tui::clipboard::Copied>),
    /// The export dialog's path was confirmed: write its records there.
    Export(std::path::PathBuf),
    /// Open the export dialog over this modal for these records (named by the label).
    ExportRecords(String, Vec<crate::domain::Record>),
}

/// Scroll distance of a navigation action, `page` rows to a page; `None` for other actions.
pub fn nav_delta(action: Action, page: isize) -> Option<isize> {
    match action {
        Action::Up => Some(-1),
        Action::Down => Some(1),
        Action::PageUp => Some(-page),
        Action::PageDown => Some(page),
        _ => None,
    }
}

/// A key hint for the footer: the action and what it does here. The key shown comes from the
/// keymap, so a rebound key is shown as the user bound it.
pub type Hint = (Action, &'static str);
