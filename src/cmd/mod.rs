//! Every subcommand: one file each. The top layer: may use anything below.

pub mod cli;
pub mod job;
pub mod lag;
pub mod publish;
pub mod replay;
