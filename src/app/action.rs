use serde::Deserialize;

/// Everything a key can ask for. Named in TOML keymaps as snake_case strings.
/// Declaration order is the help screen's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Close,
    TogglePause,
    Zoom,
    RefreshLag,
    Mark,
    MarkAll,
    ByReason,
    Replay,
    Follow,
    Confirm,
    NextField,
    PrevField,
    ToggleStopOnError,
    ToggleKeepPartition,
    CancelJob,
    Retry,
    FocusCompletion,
    FocusStatus,
    FocusDlq,
    FocusLag,
    FocusMetrics,
}

impl Action {
    /// One-line description for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit kdeck",
            Action::Help => "show or hide this help",
            Action::FocusNext => "focus the next pane",
            Action::FocusPrev => "focus the previous pane",
            Action::Up => "move up / scroll back",
            Action::Down => "move down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "jump to the newest (follow)",
            Action::Bottom => "jump to the oldest kept",
            Action::Open => "open the selected row",
            Action::Close => "close the view / leave zoom",
            Action::TogglePause => "pause or resume the focused stream",
            Action::Zoom => "zoom the focused pane to full screen",
            Action::RefreshLag => "refresh consumer lag now",
            Action::Mark => "mark or unmark the message (a group: all its messages)",
            Action::MarkAll => "mark or unmark every message shown",
            Action::ByReason => "group DLQ messages by failure reason, or back to the list",
            Action::Replay => "replay the marked (or selected) messages",
            Action::Follow => "follow the selected record's job in every pane (again: stop)",
            Action::Confirm => "confirm: send / close when done",
            Action::NextField => "next field",
            Action::PrevField => "previous field",
            Action::ToggleStopOnError => "stop on the first error, or not",
            Action::ToggleKeepPartition => "send to the origin partition, or let the key decide",
            Action::CancelJob => "cancel the running replay",
            Action::Retry => "retry what failed (resumes the run)",
            Action::FocusCompletion => "focus completions",
            Action::FocusStatus => "focus status",
            Action::FocusDlq => "focus the DLQ",
            Action::FocusLag => "focus consumer lag",
            Action::FocusMetrics => "focus metrics",
        }
    }
}
