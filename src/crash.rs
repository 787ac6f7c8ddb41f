//! A readable screen instead of a frozen page when the app stops unexpectedly.
//!
//! A panic ends the wasm module: in the release build at once (`-Cpanic=immediate-abort`, no
//! unwinding and no panic message, which keeps the first load smaller; issue 13), in debug builds
//! after the panic hook has logged it. Either way the module traps, and
//! [`crate::bindings::crash`] replaces the page with the screen prepared here — prepared in
//! advance, in the page's language, because the module cannot be trusted to run after a trap.

/// Starts watching for a trap with the screen in the current language ([`prepare`]); in debug
/// builds a panic's message and location also go to the console (console_error_panic_hook).
/// Called first thing by each entry point.
pub fn install() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    prepare();
}

/// Hands the crash screen, in the language the page is read in now, to the watcher. Called by
/// [`install`] and again on every language switch (`crate::i18n`).
pub fn prepare() {
    crate::bindings::crash::watch(&screen_html());
}

/// The crash screen as markup for `<body>`: a plain-language explanation and a reload button
/// (`#crash-reload`) in an alert, its heading focusable. The words are read straight from the
/// catalogue in the current language (`crash.*`).
pub fn screen_html() -> String {
    let text = |key: &str| escape(&teleconsult_core::i18n::text(key));
    format!(
        r#"<main id="crash-screen" class="screen-message" role="alert">
  <h1 tabindex="-1">{}</h1>
  <p>{}</p>
  <p>{}</p>
  <button type="button" id="crash-reload">{}</button>
</main>"#,
        text("crash.heading"),
        text("crash.not_your_fault"),
        text("crash.what_to_do"),
        text("crash.reload"),
    )
}

/// `text` safe to put between HTML tags.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
