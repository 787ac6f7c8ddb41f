//! The language the app is read in (issue 17): picked from the browser or the person's earlier
//! choice, fetched, remembered, followed by `<html lang>`, `Intl` and every text on the page.
//!
//! The words live in the catalogues (`teleconsult_core::i18n`). Every visible text is written
//! `t("key")` (or [`tr_with`]), so it follows the language when the person switches,
//! without a reload and without tearing down a call.

use gloo_storage::Storage as _;
use leptos::prelude::*;
use teleconsult_core::i18n::{self, Lang};

/// Where the person's choice is remembered (`localStorage`), across pages and visits.
pub const STORAGE_KEY: &str = "teleconsult.lang";

thread_local! {
    /// The language every text follows. One per page (wasm is single-threaded).
    static LANG: ArcRwSignal<Lang> = ArcRwSignal::new(Lang::En);
    /// Whether the language of the page is known ([`start`] has finished).
    static READY: ArcRwSignal<bool> = ArcRwSignal::new(false);
    /// A language whose catalogue could not be fetched or read, shown in English meanwhile.
    static UNAVAILABLE: ArcRwSignal<Option<Lang>> = ArcRwSignal::new(None);
    /// The browser's preferred languages (`navigator.languages`), most preferred first.
    static PREFERRED: Vec<String> = window()
        .navigator()
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
}

/// The language shown; reading it inside a reactive closure makes that closure follow a switch.
pub fn current() -> Lang {
    LANG.with(|l| l.get())
}

/// Whether the page's language is known: its catalogue installed, or known to be unavailable.
/// Until then a text would show in English, whatever the reader's language.
pub fn ready() -> bool {
    READY.with(|r| r.get())
}

/// The language that could not be loaded (the page reads in English meanwhile), if any.
pub fn unavailable() -> Option<Lang> {
    UNAVAILABLE.with(|l| l.get())
}

/// The `Intl` locale of the language shown (`Lang::intl_locale`: `en-GB` for an English reader
/// whose browser prefers it); follows a language switch inside a reactive closure.
pub fn intl_locale() -> String {
    let lang = current();
    PREFERRED.with(|p| lang.intl_locale(p.iter().map(String::as_str)))
}

/// The text of `key` in the current language; follows a language switch inside a reactive
/// closure.
pub fn tr(key: &str) -> String {
    LANG.with(|l| l.track());
    i18n::text(key)
}

/// The text of `key` as a signal that follows the language: `{t("key")}` as a view's child, or
/// `aria-label=t("key")`. Every text is this one type, so the wasm carries one copy of the code
/// that renders and updates it (a closure per text would be compiled once per text).
pub fn t(key: &'static str) -> Signal<String> {
    Signal::derive(move || tr(key))
}

/// The text of `key` with each `%{name}` filled in from `args`; follows a language switch inside
/// a reactive closure.
pub fn tr_with(key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    LANG.with(|l| l.track());
    i18n::text_with(key, args)
}

/// Picks the language at start-up (the person's remembered choice, else the browser's
/// preferences, else English) and fetches its catalogue. Resolves once the page can be shown in
/// it; when the catalogue cannot be had, the page reads in English and the language picker says
/// so. Nothing is stored unless the person chooses (a browser whose language changes is followed).
pub async fn start() {
    let stored = gloo_storage::LocalStorage::raw()
        .get_item(STORAGE_KEY)
        .ok()
        .flatten();
    let lang = PREFERRED.with(|p| Lang::negotiate(stored.as_deref(), p.iter().map(String::as_str)));
    let _ = show(lang).await;
    READY.with(|r| r.set(true));
}

/// Why a language could not be switched to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub Lang);

/// The person chose `lang` in the picker: the page switches to it ([`show`]) and the choice is
/// remembered for later visits and pages.
///
/// # Errors
/// See [`show`].
pub async fn choose(lang: Lang) -> Result<(), Unavailable> {
    show(lang).await?;
    let _ = gloo_storage::LocalStorage::raw().set_item(STORAGE_KEY, lang.code());
    Ok(())
}

/// Shows the page in `lang`: fetches its catalogue the first time, then every text, the
/// `<html lang>` and dates follow.
///
/// # Errors
/// [`Unavailable`] when the catalogue cannot be fetched or is malformed: the page stays as it
/// was, in English if nothing else was installed, and [`unavailable`] names the language.
async fn show(lang: Lang) -> Result<(), Unavailable> {
    if !i18n::is_installed(lang) {
        let path = format!("locales/{}.json", lang.code());
        let installed = match crate::api::fetch_static_text(&path).await {
            Ok(json) => i18n::install_catalogue(lang, &json).map_err(|e| e.to_string()),
            Err(e) => Err(format!("{path} could not be fetched: {e:?}")),
        };
        if let Err(problem) = installed {
            // For the engineer; the picker tells the person.
            leptos::logging::warn!("{problem}");
            UNAVAILABLE.with(|u| u.set(Some(lang)));
            return Err(Unavailable(lang));
        }
    }
    UNAVAILABLE.with(|u| u.set(None));
    i18n::set_lang(lang);
    crate::crash::prepare();
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("lang", lang.code());
    }
    LANG.with(|l| l.set(lang));
    Ok(())
}
