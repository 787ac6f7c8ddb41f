//! The line under a form or a button that says why its last request failed.

use leptos::prelude::*;

use crate::api::ApiError;

/// Why the last request failed, in the reader's language (`ApiError::user_message`), announced
/// as an alert; empty while `error` is `None`. One component for every such line, so the wasm
/// carries its code once.
#[component]
pub fn RequestError(
    /// The last request's failure, if it failed.
    error: ReadSignal<Option<ApiError>>,
) -> impl IntoView {
    view! {
        <p class="form-error" role="alert">
            {move || error.get().map(|e| e.user_message())}
        </p>
    }
}
