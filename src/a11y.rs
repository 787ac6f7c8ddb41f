//! Focus management the router does not do by itself.

use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Moves focus to the page's main heading (`main h1`, made focusable with `tabindex="-1"`) once
/// the page is on screen, so that after a navigation a screen reader starts reading there and
/// Tab continues from it (WCAG 2.4.3). Called by every page as it is set up
/// ([`crate::hooks::page::use_page_title`]).
///
/// The heading may appear only once the page has its data: it is looked for every 50 ms for up
/// to 5 s, followed when the page renders it anew, and focus is left alone if the person has put
/// it on a control meanwhile.
pub fn focus_main_heading() {
    let before = document().active_element();
    // The old page's focused control is released once this task ends.
    set_timeout(move || focus_heading(before, 100), Duration::ZERO);
}

fn main_heading() -> Option<web_sys::HtmlElement> {
    document()
        .query_selector("main h1")
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
}

fn focus_heading(before: Option<web_sys::Element>, tries_left: u32) {
    let moved = document().active_element().is_some_and(|el| {
        Some(&el) != before.as_ref() && !matches!(el.tag_name().as_str(), "BODY" | "H1")
    });
    if moved {
        return;
    }
    match main_heading() {
        Some(h1) => {
            let _ = h1.set_attribute("tabindex", "-1");
            let _ = h1.focus();
            // A page that renders again once its data arrives replaces its heading, and focus
            // falls back to the body: follow it to the new heading.
            if tries_left > 0 {
                set_timeout(
                    move || {
                        let lost = document()
                            .active_element()
                            .is_none_or(|el| el.tag_name() == "BODY");
                        if lost && !h1.is_connected() {
                            focus_heading(None, tries_left - 1);
                        }
                    },
                    Duration::from_millis(100),
                );
            }
        }
        None if tries_left > 0 => set_timeout(
            move || focus_heading(before, tries_left - 1),
            Duration::from_millis(50),
        ),
        None => {}
    }
}
