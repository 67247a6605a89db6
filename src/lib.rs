//! kdeck: a terminal event console for Kafka job and task pipelines.
//!
//! Layers, top to bottom; a module imports only from layers below its own (tests/layers.rs
//! fails on an import that runs up). See ARCHITECTURE.md.

pub mod cmd;
pub mod codec;
pub mod demo;
pub mod domain;
pub mod engine;
pub mod kafka;
pub mod support;
pub mod tui;
