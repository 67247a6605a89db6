//! Configuration (file < environment < flags), logging, clock, redaction and rate limiting.

pub mod clock;
pub mod config;
pub mod log;
pub mod rate;
pub mod redact;
