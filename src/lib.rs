//! Teleconsult's browser app (Leptos, client-side rendered, built with Trunk).
//!
//! `app` holds the router; `pages/` one file per route; `components/` one per component;
//! `api` is the only module that speaks HTTP; `config` loads the runtime `config.json`;
//! `i18n` the language the page is read in; `session` keeps the signed-in accounts; `crash` turns a panic into a readable screen;
//! `call/` is the browser-side call engine and `bindings/` the only place with `extern` blocks.

pub mod a11y;
pub mod api;
pub mod app;
pub mod bindings;
pub mod call;
pub mod components;
pub mod config;
pub mod crash;
pub mod format;
pub mod hooks;
pub mod i18n;
pub mod pages;
pub mod routes;
pub mod session;
pub mod task;
