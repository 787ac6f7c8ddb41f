//! The fallback of the app's error boundary.

use leptos::prelude::*;

use crate::i18n::t;

/// Shows the errors caught by an `ErrorBoundary` (their own words, as detail) with an
/// explanation and a way back in the page's language.
#[component]
pub fn ErrorScreen(
    /// The errors the boundary caught.
    errors: ArcRwSignal<Errors>,
) -> impl IntoView {
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, e)| view! { <li>{e.to_string()}</li> })
            .collect_view()
    };
    view! {
        <main class="screen-message" role="alert">
            <h1>{t("error_screen.heading")}</h1>
            <ul class="detail">{messages}</ul>
            <p>{t("error_screen.what_to_do")}</p>
            <a href="/">{t("error_screen.start_page")}</a>
        </main>
    }
}
