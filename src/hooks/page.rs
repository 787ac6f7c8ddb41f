//! A page being set up: its title in the page's language and focus on its heading.

use leptos::prelude::*;

/// Sets up the page named by the catalogue key `page`: its main heading gets focus once it is on
/// screen ([`crate::a11y::focus_main_heading`], WCAG 2.4.3), and the returned title,
/// "page — clinic name" ([`crate::config::page_title`]), follows a language switch. The caller
/// shows it: the dashboards put what waits in front of it; other pages use [`use_page`].
pub fn use_page_title(page: &'static str) -> Signal<String> {
    crate::a11y::focus_main_heading();
    crate::config::page_title(page)
}

/// [`use_page_title`], kept as the document title (WCAG 2.4.2: every page says what it is).
pub fn use_page(page: &'static str) {
    let title = use_page_title(page);
    Effect::new(move |_| document().set_title(&title.get()));
}
