//! The dashboards' offer of the pre-call check: before a first consultation of the day, "check
//! your camera, microphone and connection"; once passed today, a quieter "check again".

use leptos::prelude::*;
use teleconsult_core::Role;

use crate::{hooks::precall::passed_today, routes};

/// The offer for `role`'s dashboard.
#[component]
pub fn PrecallOffer(role: Role) -> impl IntoView {
    let href = routes::check(role);
    if passed_today() {
        view! {
            <p class="precall-offer passed" data-testid="precall-offer">
                "Your camera, microphone and connection passed the check today. "
                <a href=href>"Check again"</a>
            </p>
        }
        .into_any()
    } else {
        view! {
            <p class="precall-offer" data-testid="precall-offer">
                "Before your consultation, take a few seconds to "
                <a href=href>"check your camera, microphone and connection"</a>
                "."
            </p>
        }
        .into_any()
    }
}
