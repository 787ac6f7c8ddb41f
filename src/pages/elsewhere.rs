//! A path the other half of the app serves: the consultation and the pre-call check are their own
//! wasm file (`consultation.html`), so the main app and it hand over to each other with a page
//! load.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::i18n::t;

/// sessionStorage key: the path this tab last loaded from the server to change halves, and when.
const HANDOVER_KEY: &str = "teleconsult.handover";

/// A second hand-over to the same path within this many milliseconds means the server answered
/// with the same half again: it is not set up to serve `consultation.html` for
/// `/consultation/…` and `/check` (README, "App").
const LOOP_MS: i64 = 10_000;

/// Loads the address being opened from the server (replacing this entry of the history), which
/// answers with the half that serves it; says what is wrong instead when the server keeps
/// answering with this half.
#[component]
pub fn Elsewhere() -> impl IntoView {
    let window = window();
    // The router's location (the address being opened), not the document's: the router may not
    // have pushed it to the address bar yet while this renders.
    let routed = use_location();
    let search = routed.search.get_untracked();
    let here = if search.is_empty() {
        routed.pathname.get_untracked()
    } else {
        format!("{}?{search}", routed.pathname.get_untracked())
    };
    let storage = window.session_storage().ok().flatten();
    // Whole milliseconds, written and read as an integer: a float printed or parsed here was the
    // only one in the main app, and its code and tables cost the first load 20 KB gzip (issue 13,
    // measured 2026-12-03).
    let now = js_sys::Date::now() as i64;
    let previous = storage
        .as_ref()
        .and_then(|s| s.get_item(HANDOVER_KEY).ok().flatten());
    let looping = previous
        .as_deref()
        .and_then(|p| p.split_once('|'))
        .is_some_and(|(at, path)| {
            path == here && at.parse::<i64>().is_ok_and(|at| now - at < LOOP_MS)
        });
    if looping {
        crate::hooks::page::use_page("elsewhere.title");
        return view! {
            <main class="screen-message" role="alert">
                <h1>{t("elsewhere.title")}</h1>
                <p>{t("elsewhere.wrong_page")}</p>
                <a href="/">{t("elsewhere.start_page")}</a>
            </main>
        }
        .into_any();
    }
    if let Some(s) = &storage {
        let _ = s.set_item(HANDOVER_KEY, &format!("{now}|{here}"));
    }
    let _ = window.location().replace(&here);
    view! {
        <main class="screen-message" aria-busy="true">
            <p role="status">{t("elsewhere.loading")}</p>
        </main>
    }
    .into_any()
}
