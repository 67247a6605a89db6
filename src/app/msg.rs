use crate::kafka::KafkaEvent;
use crossterm::event::KeyEvent;

/// Everything that can change the state.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// The clock moved (rates and ages are recomputed on draw).
    Tick(i64),
    Kafka(KafkaEvent),
}
