//! The listener that puts up the crash screen when the app's wasm module stops.
//!
//! The release build aborts on a panic (`-Cpanic=immediate-abort`, `scripts/build-web.sh`;
//! issue 13): the module executes `unreachable` and the browser throws a
//! `WebAssembly.RuntimeError` out of whichever callback was running — an event handler or a
//! timer (reported as the window's `error` event) or a promise reaction (`unhandledrejection`).
//! After a trap the module's memory may be half-updated, so nothing of it runs again: the screen
//! is handed over beforehand as finished HTML ([`watch`]) and shown by this JavaScript alone.
//! Errors that are not traps (a failed `fetch`, a refused `getUserMedia`) are the app's to tell.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
let screen = null;
let shown = false;
function show(error) {
  if (shown || screen === null || !(error instanceof WebAssembly.RuntimeError)) return;
  shown = true;
  document.body.innerHTML = screen;
  const reload = document.getElementById('crash-reload');
  if (reload) reload.addEventListener('click', () => location.reload());
  const heading = document.querySelector('#crash-screen h1');
  if (heading) heading.focus();
}
export function watchForCrash(html) {
  if (screen === null) {
    addEventListener('error', (event) => show(event.error));
    addEventListener('unhandledrejection', (event) => show(event.reason));
  }
  screen = html;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = watchForCrash)]
    fn watch_for_crash(html: &str);
}

/// Shows `screen_html` (markup for `<body>`, with a `#crash-reload` button and a heading in
/// `#crash-screen`) in place of the page when the module traps; the first call starts watching,
/// later calls replace the markup (a language switch). The button reloads the page.
pub fn watch(screen_html: &str) {
    watch_for_crash(screen_html);
}
