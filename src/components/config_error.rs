//! The screen shown when `config.json` cannot be used.

use leptos::prelude::*;

use crate::{config::ConfigLoadError, i18n::t};

/// Explains, in plain words, that the deployment's `config.json` is missing or wrong: the detail
/// (naming the file and the problem, in English) for the clinic's engineer, and what a patient or
/// doctor can do, in the page's language.
#[component]
pub fn ConfigErrorScreen(
    /// The problem found while loading `config.json`.
    error: ConfigLoadError,
) -> impl IntoView {
    view! {
        <main class="screen-message" role="alert">
            <h1>{t("config.heading")}</h1>
            <p>{t("config.lead")}</p>
            <p class="detail" data-testid="config-error-detail">{error.to_string()}</p>
            <p>{t("config.what_to_do")}</p>
            <button type="button" on:click=|_| reload()>
                {t("config.try_again")}
            </button>
        </main>
    }
}

fn reload() {
    let _ = window().location().reload();
}
