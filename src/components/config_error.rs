//! The screen shown when `config.json` cannot be used.

use leptos::prelude::*;

use crate::config::ConfigLoadError;

/// Explains, in plain words, that the deployment's `config.json` is missing or wrong: the detail
/// (naming the file and the problem) for the clinic's engineer, and what a patient or doctor can do.
#[component]
pub fn ConfigErrorScreen(
    /// The problem found while loading `config.json`.
    error: ConfigLoadError,
) -> impl IntoView {
    view! {
        <main class="screen-message" role="alert">
            <h1>"Teleconsult can't start"</h1>
            <p>
                "This site's settings file could not be used, so the app cannot connect to your clinic."
            </p>
            <p class="detail" data-testid="config-error-detail">{error.to_string()}</p>
            <p>
                "If you are a patient or a doctor: please try again in a few minutes, and contact "
                "your clinic if this page stays. If you run this site: fix config.json next to "
                "index.html (see the configuration table in the README)."
            </p>
            <button type="button" on:click=|_| reload()>
                "Try again"
            </button>
        </main>
    }
}

fn reload() {
    let _ = window().location().reload();
}
