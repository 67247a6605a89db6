pub mod fmt;
pub mod layout;
pub mod spark;
pub mod table;
pub mod view;
