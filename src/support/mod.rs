//! Configuration (file < environment < flags), logging, clock, redaction and rate limiting.

pub mod config;
pub mod log;
pub mod rate;
pub mod redact;
pub mod registry;
pub mod services;
