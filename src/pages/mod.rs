//! One module per route.

pub mod consultation;
pub mod doctor;
pub mod login;
pub mod not_found;
pub mod patient;

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};
use teleconsult_core::Role;

use crate::session::{self, Session};

/// Renders `page` with `role`'s session, or redirects to the login page (which brings the
/// person back here afterwards) when there is none or it expired.
pub fn with_session<V: IntoView + 'static>(
    role: Role,
    page: impl FnOnce(Session) -> V + 'static,
) -> AnyView {
    match session::load(role) {
        Some(s) => page(s).into_any(),
        None => {
            let location = use_location();
            // The router's `search` has no leading '?'.
            let search = location.search.get_untracked();
            let here = if search.is_empty() {
                location.pathname.get_untracked()
            } else {
                format!("{}?{search}", location.pathname.get_untracked())
            };
            let next = js_sys::encode_uri_component(&here);
            view! { <Redirect path=format!("/login?role={role}&next={next}") /> }.into_any()
        }
    }
}
