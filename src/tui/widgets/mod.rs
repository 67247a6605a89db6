pub mod dialog;
pub mod input;
pub mod layout;
pub mod spans;
pub mod spark;
pub mod table;
pub mod view;
