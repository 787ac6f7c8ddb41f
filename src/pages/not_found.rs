//! The page for unknown paths.

use leptos::prelude::*;

use crate::i18n::t;

/// "Page not found" with a way back.
#[component]
pub fn NotFound() -> impl IntoView {
    crate::hooks::page::use_page("notfound.title");
    view! {
        <main class="screen-message">
            <h1>{t("notfound.title")}</h1>
            <p>{t("notfound.body")}</p>
            <a href="/">{t("notfound.start_page")}</a>
        </main>
    }
}
