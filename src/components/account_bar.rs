//! The header of signed-in pages: clinic name, who is signed in, sign out.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use teleconsult_core::Role;

use crate::{
    config::expect_app_config,
    i18n::{t, tr},
    session::Session,
};

/// Page header with the clinic's name, the signed-in person and a sign-out button that clears
/// only this role's session.
#[component]
pub fn AccountBar(
    /// The session this page runs under.
    session: Session,
) -> impl IntoView {
    let config = expect_app_config();
    let role = session.user.role;
    let navigate = use_navigate();
    let api = crate::api::expect_authorized_api();
    let sign_out = move |_| {
        // Revokes the session at the server too (its refresh tokens), not only in this browser.
        let api = api.clone();
        leptos::task::spawn_local(async move { api.logout().await });
        crate::session::clear(role);
        navigate("/login", Default::default());
    };
    let role_label = move || match role {
        Role::Patient => tr("account.patient"),
        Role::Doctor => tr("account.doctor"),
    };
    view! {
        <header class="account-bar">
            <span class="brand">{config.clinic_name.clone()}</span>
            <span class="who" data-testid="signed-in-user">
                {session.user.name.clone()}
                <span class="role">{role_label}</span>
            </span>
            <button type="button" class="secondary" on:click=sign_out>
                {t("account.sign_out")}
            </button>
        </header>
    }
}
