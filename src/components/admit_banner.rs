//! On the doctor's consultation page: "The patient is in the waiting room — Admit".

use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::{expect_authorized_api, ApiError},
    config::expect_app_config,
    hooks::room_status::{use_room_status, UseRoomStatusOptions},
    i18n::t,
};

/// Watches the waiting room of `appointment_id` (the room-status poll, one request per interval)
/// and offers Admit while a patient waits there. An alert region, so a screen reader announces
/// the arrival mid-call.
#[component]
pub fn AdmitBanner(appointment_id: i64) -> impl IntoView {
    let config = expect_app_config();
    let status = use_room_status(
        Signal::derive(move || vec![appointment_id]),
        UseRoomStatusOptions {
            interval_ms: config.room_status_poll_ms,
        },
    );
    let admitted = RwSignal::new(false);
    let (error, set_error) = signal(None::<ApiError>);
    let waiting = move || {
        !admitted.get()
            && status
                .rooms
                .with(|rooms| rooms.iter().any(|r| !r.waiting_room.is_empty()))
    };
    let api = expect_authorized_api();
    let admit = Callback::new(move |()| {
        let api = api.clone();
        admitted.set(true);
        spawn_local(async move {
            if let Err(e) = api.admit(appointment_id).await {
                admitted.try_set(false);
                set_error.try_set(Some(e));
            }
        });
    });
    view! {
        <div role="alert" data-testid="admit-banner">
            <Show when=move || waiting() || error.with(Option::is_some)>
                <div class="admit-banner">
                    <Show when=waiting>
                        <p>
                            {t("admit.patient_waiting")}
                            " "
                            <button type="button" on:click=move |_| admit.run(())>
                                {t("admit.admit")}
                            </button>
                        </p>
                    </Show>
                    <p class="form-error">{move || error.get().map(|e| e.user_message())}</p>
                </div>
            </Show>
        </div>
    }
}
