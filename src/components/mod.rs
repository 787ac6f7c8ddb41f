//! Reusable components, one per file.

pub mod account_bar;
pub mod config_error;
pub mod error_screen;
