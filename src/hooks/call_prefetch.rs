//! `use_call_prefetch`: when a consultation is near, the consultation page's own files (its wasm
//! and JavaScript, as `consultation.html` preloads them) are fetched at the browser's lowest
//! priority, so that "Join" on a slow link does not wait for them. The first load still carries
//! no call code (issue 13): nothing is fetched while no appointment is near.

use leptos::prelude::*;
use teleconsult_core::dashboard::preloaded_files;

/// The consultation page, resolved against the document's base URL (as the CDN serves it).
const CONSULTATION_PAGE: &str = "consultation.html";

/// Once `near` is first true on this page, reads `consultation.html` and adds to this document's
/// head a `<link rel="prefetch" crossorigin="anonymous">` for each file that page preloads
/// (`teleconsult_core::dashboard::preloaded_files`: its wasm, its JavaScript glue and snippets).
/// The browser keeps them in its HTTP cache (the content-hashed names are immutable), so opening
/// the consultation page then reads them from there.
///
/// Best effort and silent: when the page cannot be had (offline, a CDN answering something else),
/// nothing is added and joining fetches the files itself, saying what is wrong if it cannot. The
/// links stay for the document's life, as any `<link>` in its head; the fetch runs once per page.
pub fn use_call_prefetch(near: Signal<bool>) {
    let started = StoredValue::new(false);
    Effect::new(move |_| {
        if near.get() && !started.get_value() {
            started.set_value(true);
            leptos::task::spawn_local(prefetch_call_page());
        }
    });
}

async fn prefetch_call_page() {
    let Ok(res) = gloo_net::http::Request::get(CONSULTATION_PAGE).send().await else {
        return;
    };
    if !res.ok() {
        return;
    }
    let Ok(html) = res.text().await else {
        return;
    };
    let document = document();
    let Some(head) = document.head() else {
        return;
    };
    for href in preloaded_files(&html) {
        let Ok(link) = document.create_element("link") else {
            continue;
        };
        let _ = link.set_attribute("rel", "prefetch");
        let _ = link.set_attribute("href", href);
        let _ = link.set_attribute("crossorigin", "anonymous");
        let _ = head.append_child(&link);
    }
}
