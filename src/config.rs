//! Loading the runtime configuration (`config.json`) at start-up.

use std::sync::Arc;

use leptos::prelude::*;
use teleconsult_core::{ClientConfig, ClientConfigError};

/// Path of the configuration file, relative to the document's base URL (`<base href>`), so that
/// the app may be hosted under any path prefix.
pub const CONFIG_FILE: &str = "config.json";

/// Why `config.json` could not be used. `Display` names the file and the problem, for the
/// engineer who deploys the app; the error screen adds what a patient or doctor should do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigLoadError {
    /// The request failed before any answer (offline, DNS, blocked).
    #[error("config.json could not be fetched: {0}")]
    Unreachable(String),
    /// The server answered with a non-2xx status.
    #[error("config.json could not be loaded: the server answered HTTP {0}")]
    Status(u16),
    /// The server answered with an HTML page, as a CDN with an SPA fallback does for a missing file.
    #[error("config.json is missing: the server answered with an HTML page instead of the file")]
    NotJson,
    /// The file is there but its content is wrong.
    #[error("config.json {0}")]
    Invalid(#[from] ClientConfigError),
}

/// Fetches and validates `config.json`.
///
/// # Errors
/// See [`ConfigLoadError`]: network failure, non-2xx status, an HTML page, or invalid content.
pub async fn load_config() -> Result<ClientConfig, ConfigLoadError> {
    let text = crate::api::fetch_static_text(CONFIG_FILE)
        .await
        .map_err(|e| match e {
            crate::api::StaticFetchError::Network(m) => ConfigLoadError::Unreachable(m),
            crate::api::StaticFetchError::Status(s) => ConfigLoadError::Status(s),
            crate::api::StaticFetchError::Html => ConfigLoadError::NotJson,
        })?;
    let config = ClientConfig::parse(&text)?;
    if let Some(zone) = config.clinic_time_zone.as_deref() {
        if !crate::format::is_known_time_zone(zone) {
            return Err(ClientConfigError::Invalid {
                field: "clinicTimeZone",
                problem: format!("names a time zone this browser does not know: {zone:?}"),
            }
            .into());
        }
    }
    Ok(config)
}

/// The validated configuration, provided to the whole app once it is loaded.
#[derive(Debug, Clone)]
pub struct AppConfig(pub Arc<ClientConfig>);

/// Makes `config` available to every component below the caller.
pub fn provide_app_config(config: ClientConfig) {
    provide_context(AppConfig(Arc::new(config)));
}

/// The configuration provided by [`provide_app_config`].
///
/// # Panics
/// Outside the configured app (a programming error; the app renders nothing before the config).
pub fn expect_app_config() -> Arc<ClientConfig> {
    expect_context::<AppConfig>().0
}

/// The title "page — clinic name", `page` being the catalogue key of the page's name, in the
/// page's language (it follows a language switch). Pages get it through
/// [`crate::hooks::page::use_page`].
pub fn page_title(page: &'static str) -> Signal<String> {
    let clinic = use_context::<AppConfig>()
        .map(|c| c.0.clinic_name.clone())
        .unwrap_or_else(|| "Teleconsult".to_string());
    Signal::derive(move || format!("{} — {clinic}", crate::i18n::tr(page)))
}
