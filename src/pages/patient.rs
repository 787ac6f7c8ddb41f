//! The patient's dashboard (`/patient`).

use leptos::prelude::*;
use teleconsult_core::Role;

use crate::{components::account_bar::AccountBar, pages::with_session};

/// The patient's dashboard, under the patient session.
#[component]
pub fn PatientDashboard() -> impl IntoView {
    with_session(Role::Patient, |session| {
        view! {
            <AccountBar session=session.clone() />
            <main class="page">
                <h1>"Your appointments"</h1>
            </main>
        }
    })
}
