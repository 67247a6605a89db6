//! Tests of the simulator's core (`demo/mod.rs`), kept apart so that the core stays short.

mod stuck;
