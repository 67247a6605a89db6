pub mod action;
pub mod component;
pub mod effect;
pub mod effects;
pub mod msg;
pub mod run;
pub mod state;
pub mod update;
