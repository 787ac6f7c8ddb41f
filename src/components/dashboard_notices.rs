//! The top of both dashboards: who is waiting, the notification opt-in, and the list's state.

use leptos::prelude::*;
use teleconsult_core::Role;

use crate::{
    components::{
        live_queue::LiveQueue,
        waiting_notice::{NotificationOptIn, WaitingNotice},
    },
    hooks::dashboard::UseDashboardReturn,
    i18n::tr,
};

/// The waiting notices, the "notify me" button, "reconnecting…" while polling fails, and the
/// appointment list's loading or error line.
#[component]
pub fn DashboardNotices(
    /// The dashboard's data.
    dash: UseDashboardReturn,
    /// Whose dashboard this is.
    role: Role,
    /// The page title without a count, in the page's language.
    base_title: Signal<String>,
) -> impl IntoView {
    document().set_title(&base_title.get_untracked());
    let waiting = match role {
        Role::Doctor => {
            view! { <LiveQueue waiting=dash.waiting now=dash.now base_title=base_title /> }
                .into_any()
        }
        Role::Patient => {
            view! { <WaitingNotice waiting=dash.waiting role=role base_title=base_title /> }
                .into_any()
        }
    };
    view! {
        {waiting}
        <NotificationOptIn />
        <p class="hint" role="status">
            {move || {
                dash.reconnecting
                    .get()
                    .then(|| tr("notice.reconnecting"))
            }}
        </p>
        {move || {
            dash.appointments
                .with(Option::is_none)
                .then(|| view! { <p role="status">{tr("notice.loading_appointments")}</p> })
        }}
        {move || {
            dash.list_error
                .get()
                .map(|e| {
                    view! {
                        <p class="form-error" role="alert">
                            {e.user_message()} " " {tr("notice.list_retrying")}
                        </p>
                    }
                })
        }}
    }
}
