//! The page for unknown paths.

use leptos::prelude::*;

/// "Page not found" with a way back.
#[component]
pub fn NotFound() -> impl IntoView {
    crate::config::set_page_title("Page not found");
    view! {
        <main class="screen-message">
            <h1>"Page not found"</h1>
            <p>"This address does not lead anywhere in Teleconsult. It may have been mistyped or be out of date."</p>
            <a href="/">"Go to the start page"</a>
        </main>
    }
}
