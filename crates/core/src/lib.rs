//! Teleconsult's product rules, free of I/O, browser APIs and clocks.
//!
//! Everything here is shared by the web app (compiled to wasm32) and the reference server, and
//! is tested with plain `cargo test` on the host. Functions that depend on the time take `now`
//! as a parameter instead of reading a clock, so every boundary can be tested exactly.

pub mod admission;
pub mod api;
pub mod appointment;
pub mod backoff;
pub mod call;
pub mod chat;
pub mod client_config;
pub mod dashboard;
pub mod diagnosis;
pub mod i18n;
pub mod join_window;
pub mod media_error;
pub mod negotiation;
pub mod precall;
pub mod quality;
pub mod role;
pub mod session;
pub mod signaling;
pub mod twilio;

// English, the source language, compiled in (`locales/en.json`); Bengali and Hindi are fetched
// by the web app and installed with `i18n::install_catalogue` (issue 13: they stay off the first load).
rust_i18n::i18n!("locales", fallback = "en", backend = i18n::Fetched);

pub use appointment::{AppointmentAction, AppointmentStatus};
pub use client_config::{ClientConfig, ClientConfigError};
pub use join_window::{JoinRefusal, JoinWindow};
pub use role::Role;
