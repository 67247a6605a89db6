use crate::domain::Role;

/// What `update` asks the run loop to do; `update` itself does no I/O.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Quit,
    PauseStream(Role),
    ResumeStream(Role),
    /// Refresh consumer lag now.
    RefreshLag,
}
