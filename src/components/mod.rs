//! Reusable components, one per file.

pub mod account_bar;
pub mod admit_banner;
pub mod call_controls;
pub mod call_history;
pub mod call_quality;
pub mod chat_panel;
pub mod config_error;
pub mod dashboard_notices;
pub mod error_screen;
pub mod join_button;
pub mod language_picker;
pub mod live_queue;
pub mod precall_lines;
pub mod precall_offer;
pub mod request_error;
pub mod status_badge;
pub mod video_tile;
pub mod waiting_notice;
