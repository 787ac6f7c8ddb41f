//! `use_call_prefetch`: when a consultation is near, the consultation page's own files (its wasm
//! and JavaScript, as `consultation.html` preloads them) and the SDK of the clinic's video
//! provider are fetched at the browser's lowest priority, so that "Join" on a slow link does not
//! wait for them. The first load still carries no call code (issue 13): nothing is fetched while
//! no appointment is near.

use leptos::prelude::*;
use teleconsult_core::dashboard::{preloaded_files, provider_sdk_file};

use crate::api::{expect_authorized_api, AuthorizedApi};

/// The consultation page, resolved against the document's base URL (as the CDN serves it).
const CONSULTATION_PAGE: &str = "consultation.html";

/// Once `near` is first true on this page, reads `consultation.html` and adds to this document's
/// head a `<link rel="prefetch" crossorigin="anonymous">` for each file that page preloads
/// (`teleconsult_core::dashboard::preloaded_files`: its wasm, its JavaScript glue and snippets)
/// and for the SDK of the clinic's provider (`GET /api/connectivity` says which;
/// `teleconsult_core::dashboard::provider_sdk_file`; none for P2P). The browser keeps them in its
/// HTTP cache (the content-hashed names are immutable), so opening the consultation page and
/// starting the call then read them from there. (LiveKit's end-to-end encryption worker is not
/// fetched ahead: only an encrypting clinic's calls load it.) The provider is also remembered
/// (`call::remember_provider`), so that the call starts running its SDK with the join request.
///
/// Best effort and silent: when the page or the provider cannot be had (offline, a CDN answering
/// something else), what is known is fetched and joining fetches the rest itself, saying what is
/// wrong if it cannot. The links stay for the document's life, as any `<link>` in its head; the
/// fetches run once per page. Needs the `AuthorizedApi` in context.
pub fn use_call_prefetch(near: Signal<bool>) {
    let api = expect_authorized_api();
    let started = StoredValue::new(false);
    Effect::new(move |_| {
        if near.get() && !started.get_value() {
            started.set_value(true);
            leptos::task::spawn_local(prefetch_call_page(api.clone()));
        }
    });
}

async fn prefetch_call_page(api: AuthorizedApi) {
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
    let sdk = match api.provider().await {
        Ok(provider) => {
            crate::call::remember_provider(provider);
            provider_sdk_file(&html, provider)
        }
        Err(_) => None,
    };
    for href in preloaded_files(&html).into_iter().chain(sdk) {
        let Ok(link) = document.create_element("link") else {
            continue;
        };
        let _ = link.set_attribute("rel", "prefetch");
        let _ = link.set_attribute("href", href);
        let _ = link.set_attribute("crossorigin", "anonymous");
        let _ = head.append_child(&link);
    }
}
