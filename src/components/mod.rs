//! Reusable components, one per file.

pub mod account_bar;
pub mod call_controls;
pub mod config_error;
pub mod error_screen;
pub mod video_tile;
