//! A readable screen instead of a frozen page when the app panics.
//!
//! A panic in wasm leaves the module unusable, so the screen is written with plain DOM calls,
//! not through Leptos, and every call's failure is ignored: the hook must never panic itself.

use wasm_bindgen::JsCast;

/// Heading of the crash screen in English (`crash.heading`); tests look for it.
pub const CRASH_HEADING: &str = "Teleconsult stopped unexpectedly";

/// Installs a panic hook that logs the panic to the console (console_error_panic_hook) and then
/// replaces the page with [`show_crash_screen`].
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_crash_screen();
    }));
}

/// Replaces the page body with [`render_crash_screen`].
pub fn show_crash_screen() {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        render_crash_screen(&body);
    }
}

/// Replaces the content of `target` with a plain-language explanation and a reload button, in
/// the page's language. The words are read straight from the catalogues (not through the
/// reactive `crate::i18n::tr`: the app's reactive state may be what broke).
pub fn render_crash_screen(target: &web_sys::Element) {
    let text = |key: &str| escape(&teleconsult_core::i18n::text(key));
    target.set_inner_html(&format!(
        r#"<main class="screen-message" role="alert">
  <h1>{}</h1>
  <p>{}</p>
  <p>{}</p>
  <button type="button" id="crash-reload">{}</button>
</main>"#,
        text("crash.heading"),
        text("crash.not_your_fault"),
        text("crash.what_to_do"),
        text("crash.reload"),
    ));
    if let Ok(Some(button)) = target.query_selector("#crash-reload") {
        let reload = wasm_bindgen::closure::Closure::<dyn Fn()>::new(|| {
            if let Some(w) = web_sys::window() {
                let _ = w.location().reload();
            }
        });
        let _ = button.add_event_listener_with_callback("click", reload.as_ref().unchecked_ref());
        // The page is being abandoned; the listener lives as long as it does.
        reload.forget();
    }
}

/// `text` safe to put between HTML tags.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
