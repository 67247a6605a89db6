pub mod action;
pub mod effect;
pub mod msg;
pub mod run;
pub mod state;
pub mod update;
