//! What the commands and the dashboard share, with no Kafka client and no terminal library
//! inside: replay plans and audits, publish templates and forms, filters, search, export,
//! job identity and tracking, the lag estimator.

pub mod export;
pub mod filter;
pub mod job;
pub mod lag;
pub mod offsets;
pub mod publish;
pub mod replay;
pub mod roles;
pub mod search;
pub mod serve;
pub mod services;
