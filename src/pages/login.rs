//! Sign-in for patients and doctors (`/login`, also `/`).

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::{
    api,
    config::expect_app_config,
    i18n::{t, tr},
    routes,
    session::{self, Session},
};

/// The sign-in form. On success the session is stored under the account's role and the person is
/// taken back to where they were going (`?next=`), or to their dashboard.
#[component]
pub fn Login() -> impl IntoView {
    let config = expect_app_config();
    crate::hooks::page::use_page("login.title");
    let query = use_query_map();
    let navigate = use_navigate();
    let (email, set_email) = signal(String::new());
    let (password, set_password) = signal(String::new());
    let (problem, set_problem) = signal(None::<Problem>);

    let sign_in = Action::new_local(move |(email, password): &(String, String)| {
        let base = config.api_base_url.clone();
        let (email, password) = (email.clone(), password.clone());
        async move { api::login(&base, &email, &password).await }
    });

    Effect::new(move |_| {
        let Some(result) = sign_in.value().get() else {
            return;
        };
        match result {
            Ok(res) => {
                let session = Session::from(res);
                if session::save(&session).is_err() {
                    set_problem.set(Some(Problem::StorageRefused));
                    return;
                }
                let next = query.read_untracked().get("next");
                let target = session::safe_return_path(next.as_deref())
                    .unwrap_or_else(|| routes::dashboard(session.user.role).to_string());
                navigate(&target, Default::default());
            }
            Err(e) => set_problem.set(Some(Problem::Refused(e))),
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        set_problem.set(None);
        sign_in.dispatch((email.get_untracked(), password.get_untracked()));
    };

    view! {
        <main class="login">
            <h1>{t("login.heading")}</h1>
            <p class="lead">{t("login.lead")}</p>
            <form on:submit=on_submit novalidate>
                <label for="email">{t("login.email")}</label>
                <input
                    id="email"
                    type="email"
                    autocomplete="username"
                    required
                    prop:value=email
                    on:input=move |ev| set_email.set(event_target_value(&ev))
                />
                <label for="password">{t("login.password")}</label>
                <input
                    id="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    prop:value=password
                    on:input=move |ev| set_password.set(event_target_value(&ev))
                />
                <p class="form-error" role="alert" aria-live="assertive">
                    {move || problem.get().map(|p| p.message())}
                </p>
                <button type="submit" disabled=move || sign_in.pending().get()>
                    {move || tr(if sign_in.pending().get() { "login.signing_in" } else { "login.submit" })}
                </button>
            </form>
        </main>
    }
}

/// Why the last sign-in did not go through. Kept as what happened, not as words, so that the
/// message follows a language switch.
#[derive(Clone)]
enum Problem {
    /// The server refused, or could not be reached ([`api::ApiError::user_message`]).
    Refused(api::ApiError),
    /// The browser refused to keep the session (`session::save`).
    StorageRefused,
}

impl Problem {
    fn message(&self) -> String {
        match self {
            Problem::Refused(e) => e.user_message(),
            Problem::StorageRefused => tr("session.storage_refused"),
        }
    }
}
