//! The fallback of the app's error boundary.

use leptos::prelude::*;

/// Shows the errors caught by an `ErrorBoundary` in readable form, with a way back.
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
            <h1>"Something went wrong"</h1>
            <ul class="detail">{messages}</ul>
            <p>"Go back to the start page and try again. If it keeps happening, contact your clinic."</p>
            <a href="/">"Back to the start page"</a>
        </main>
    }
}
