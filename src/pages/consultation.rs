//! The consultation room (`/consultation/:appointment_id?role=patient|doctor`).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use teleconsult_core::Role;

use crate::{components::account_bar::AccountBar, pages::with_session};

/// The consultation of one appointment. The `role` query parameter (set by the dashboards)
/// chooses the session, so a browser signed in as both a doctor and a patient uses the right one;
/// without it, the patient session is used.
#[component]
pub fn Consultation() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let appointment_id = params
        .read_untracked()
        .get("appointment_id")
        .and_then(|id| id.parse::<i64>().ok());
    let role = query
        .read_untracked()
        .get("role")
        .and_then(|r| Role::parse(&r))
        .unwrap_or(Role::Patient);
    let Some(appointment_id) = appointment_id else {
        return view! {
            <main class="screen-message" role="alert">
                <h1>"No such consultation"</h1>
                <p>"The address does not name an appointment. Open the consultation from your dashboard."</p>
                <a href="/">"Go to the start page"</a>
            </main>
        }
        .into_any();
    };
    with_session(role, move |session| {
        view! {
            <AccountBar session=session.clone() />
            <main class="page">
                <h1>"Consultation"</h1>
                <p>"Appointment " {appointment_id}</p>
            </main>
        }
    })
}
