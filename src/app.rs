//! The app's two roots: [`App`] (sign-in and dashboards: `index.html`) and [`CallApp`] (the
//! consultation and the pre-call check, which need the camera, the microphone and the
//! connection probes: `consultation.html`), each its own wasm file (issue 13: the first load
//! carries no media code). Both load `config.json`, then route; a path of the other half loads it
//! from the server ([`Elsewhere`]).

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::{
    components::{
        config_error::ConfigErrorScreen, error_screen::ErrorScreen, language_picker::LanguagePicker,
    },
    config::{load_config, provide_app_config},
    i18n::tr,
    pages::{
        check::PrecallCheck, consultation::Consultation, doctor::DoctorDashboard,
        elsewhere::Elsewhere, login::Login, not_found::NotFound, patient::PatientDashboard,
    },
};

/// The main app's root (`src/main.rs`): see [`with_config`].
#[component]
pub fn App() -> impl IntoView {
    with_config(|| view! { <AppRoutes /> }.into_any())
}

/// The consultation page's root (`src/bin/call.rs`): see [`with_config`].
#[component]
pub fn CallApp() -> impl IntoView {
    with_config(|| view! { <CallRoutes /> }.into_any())
}

/// How long the loading line waits before it shows, in ms: a start quicker than this never shows
/// it, so it never flashes in English before the reader's own catalogue has arrived.
const LOADING_LINE_DELAY_MS: u64 = 400;

/// The language picker above everything (shown once the language is known); below it a loading
/// line while `config.json` and the language's catalogue are fetched (both at once; the line
/// only after [`LOADING_LINE_DELAY_MS`]), the configuration error screen if the configuration
/// cannot be used, and otherwise `routes`.
fn with_config(routes: fn() -> AnyView) -> impl IntoView {
    // Both are fetched once and never again, so plain tasks do: the configuration lands in a
    // signal, the language is known when `i18n::ready()` turns true. Two `LocalResource`s (made
    // to refetch when what they read changes) cost the first load 2.4 KB gzip more (issue 13,
    // measured 2026-12-03).
    let config = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        config.try_set(Some(load_config().await));
    });
    leptos::task::spawn_local(crate::i18n::start());
    let slow = RwSignal::new(false);
    set_timeout(
        move || {
            slow.try_set(true);
        },
        std::time::Duration::from_millis(LOADING_LINE_DELAY_MS),
    );
    let page = move || match (config.get(), crate::i18n::ready()) {
        (None, _) | (_, false) => view! {
            <main class="screen-message" aria-busy="true">
                <p role="status">{move || slow.get().then(|| tr("app.loading"))}</p>
            </main>
        }
        .into_any(),
        (Some(Err(error)), _) => view! { <ConfigErrorScreen error=error /> }.into_any(),
        (Some(Ok(cfg)), _) => {
            provide_app_config(cfg);
            routes()
        }
    };
    view! {
        <LanguagePicker />
        {page}
    }
}

/// The routes of the main app; the consultation is the other half's. Any error rendered below the
/// router shows [`ErrorScreen`].
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
                    <Route path=path!("/consultation/:appointment_id") view=Elsewhere />
                    <Route path=path!("/check") view=Elsewhere />
                </Routes>
            </ErrorBoundary>
        </Router>
    }
}

/// The consultation page's routes: the call and the pre-call check; any other path is the main
/// app's.
#[component]
pub fn CallRoutes() -> impl IntoView {
    view! {
        <Router>
            <ErrorBoundary fallback=|errors| view! { <ErrorScreen errors=errors /> }>
                <Routes fallback=Elsewhere>
                    <Route path=path!("/consultation/:appointment_id") view=Consultation />
                    <Route path=path!("/check") view=PrecallCheck />
                </Routes>
            </ErrorBoundary>
        </Router>
    }
}
