//! The app: loads `config.json`, then routes.

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::{
    components::{config_error::ConfigErrorScreen, error_screen::ErrorScreen},
    config::{load_config, provide_app_config},
    pages::{
        check::PrecallCheck, consultation::Consultation, doctor::DoctorDashboard, login::Login,
        not_found::NotFound, patient::PatientDashboard,
    },
};

/// The root component: shows a loading line while `config.json` is fetched, the configuration
/// error screen if it cannot be used, and otherwise the routed app.
#[component]
pub fn App() -> impl IntoView {
    let config = LocalResource::new(load_config);
    move || match config.get() {
        None => view! {
            <main class="screen-message" aria-busy="true">
                <p role="status">"Loading Teleconsult…"</p>
            </main>
        }
        .into_any(),
        Some(Err(error)) => view! { <ConfigErrorScreen error=error /> }.into_any(),
        Some(Ok(cfg)) => {
            provide_app_config(cfg);
            view! { <AppRoutes /> }.into_any()
        }
    }
}

/// The routes of the product. Any error rendered below the router shows [`ErrorScreen`].
#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <Router>
            <ErrorBoundary fallback=|errors| view! { <ErrorScreen errors=errors /> }>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Login />
                    <Route path=path!("/login") view=Login />
                    <Route path=path!("/patient") view=PatientDashboard />
                    <Route path=path!("/doctor") view=DoctorDashboard />
                    <Route path=path!("/consultation/:appointment_id") view=Consultation />
                    <Route path=path!("/check") view=PrecallCheck />
                </Routes>
            </ErrorBoundary>
        </Router>
    }
}
