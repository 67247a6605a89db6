pub mod fmt;
pub mod input;
pub mod layout;
pub mod sanitize;
pub mod spark;
pub mod table;
pub mod view;
