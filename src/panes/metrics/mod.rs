//! Metrics pane.

pub mod view;

#[derive(Default)]
pub struct MetricsPane {}
