//! kdeck: a terminal event console for Kafka job and task pipelines.
//!
//! Layout: `app` owns state and the loop; `panes` and `modals` draw and hold their state;
//! `kafka` is the only module that touches rdkafka; `decode`, `domain`, `config` are plain.

pub mod app;
pub mod cli;
pub mod clipboard;
pub mod clock;
pub mod config;
pub mod decode;
pub mod demo_data;
pub mod domain;
pub mod export;
pub mod filter;
pub mod jobcmd;
pub mod jsonl;
pub mod kafka;
pub mod keymap;
pub mod lagcmd;
pub mod log;
pub mod modals;
pub mod panes;
pub mod publish;
pub mod publishcmd;
pub mod rate;
pub mod redact;
pub mod replay;
pub mod replaycmd;
pub mod search;
pub mod terminal;
pub mod theme;
pub mod ui;
