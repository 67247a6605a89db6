pub mod fmt;
pub mod layout;
pub mod view;
