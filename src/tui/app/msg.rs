use crate::domain::event::KafkaEvent;
use crossterm::event::KeyEvent;

/// Everything that can change the state.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// Bracketed paste: goes into the focused text field, never to the keymap.
    Paste(String),
    Resize(u16, u16),
    /// The clock moved (rates and ages are recomputed on draw).
    Tick(i64),
    Kafka(KafkaEvent),
    /// A click or the wheel (only when `[ui] mouse` is on).
    Mouse(super::mouse::MouseInput),
    /// Go on re-applying a changed filter to what the panes hold (a bounded chunk).
    FilterStep,
}
