//! One module per route.

pub mod check;
pub mod consultation;
pub mod doctor;
pub mod elsewhere;
pub mod login;
pub mod not_found;
pub mod patient;

use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};
use teleconsult_core::Role;

use crate::{
    api::{provide_authorized_api, AuthorizedApi},
    config::expect_app_config,
    routes,
    session::{self, Session},
};

/// Renders `page` with `role`'s session, or redirects to the login page (which brings the
/// person back here afterwards) when there is none or it expired. Everything `page` renders can
/// use the session's [`AuthorizedApi`] (`api::expect_authorized_api`).
pub fn with_session<V: IntoView + 'static>(
    role: Role,
    page: impl FnOnce(Session) -> V + 'static,
) -> AnyView {
    match session::load(role) {
        Some(s) => {
            let config = expect_app_config();
            let api = AuthorizedApi::new(&config.api_base_url, s.clone());
            crate::hooks::session_keeper::use_session_keeper(api.clone());
            provide_authorized_api(api);
            page(s).into_any()
        }
        None => {
            let location = use_location();
            // The router's `search` has no leading '?'.
            let search = location.search.get_untracked();
            let here = if search.is_empty() {
                location.pathname.get_untracked()
            } else {
                format!("{}?{search}", location.pathname.get_untracked())
            };
            view! { <Redirect path=routes::login(role, &here) /> }.into_any()
        }
    }
}
