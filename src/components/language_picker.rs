//! The language picker, on every page (sign-in included) above the page's own content.

use leptos::prelude::*;
use teleconsult_core::i18n::Lang;

use crate::i18n::{current, t, tr, unavailable};

/// A labelled `<select>` of the app's languages, each named in itself and marked with its
/// `lang` (so a screen reader says "বাংলা" in Bengali). Choosing one switches the page at once;
/// if that language cannot be loaded, a line says so in English, the language the page stays in.
/// Hidden until the page's language is known, so that its label never shows in English first.
#[component]
pub fn LanguagePicker() -> impl IntoView {
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(lang) = Lang::from_tag(&event_target_value(&ev)) {
            leptos::task::spawn_local(async move {
                let _ = crate::i18n::choose(lang).await;
            });
        }
    };
    view! {
        <nav class="lang-bar" aria-label=t("lang.label") hidden=move || !crate::i18n::ready()>
            <label for="lang-picker">{t("lang.label")}</label>
            <select id="lang-picker" on:change=on_change>
                {Lang::ALL
                    .into_iter()
                    .map(|lang| {
                        view! {
                            <option
                                value=lang.code()
                                lang=lang.code()
                                selected=move || current() == lang
                            >
                                {lang.native_name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <p class="lang-problem" role="status">
                {move || unavailable().map(|_| tr("lang.unavailable"))}
            </p>
        </nav>
    }
}
