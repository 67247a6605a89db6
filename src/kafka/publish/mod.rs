//! Publishing: sending records (templates, forms, JSONL) with the safe producer, and the
//! dashboard's publish worker. Templates and forms themselves are `crate::engine::publish`.

pub mod send;
pub mod worker;
