//! The doctor's dashboard (`/doctor`).

use leptos::prelude::*;
use teleconsult_core::Role;

use crate::{components::account_bar::AccountBar, pages::with_session};

/// The doctor's dashboard, under the doctor session.
#[component]
pub fn DoctorDashboard() -> impl IntoView {
    with_session(Role::Doctor, |session| {
        view! {
            <AccountBar session=session.clone() />
            <main class="page">
                <h1>"This week's consultations"</h1>
            </main>
        }
    })
}
