//! The doctor's live queue: patients present now, in arrival order — in the waiting room (Admit)
//! or already in the consultation room (Start) — with how long they have waited.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_navigate;
use teleconsult_core::{
    admission::{waited, Place},
    Role,
};
use time::OffsetDateTime;

use crate::{
    api::{expect_authorized_api, ApiError},
    components::request_error::RequestError,
    hooks::{
        dashboard::WaitingEntry,
        waiting_alerts::{notice_text, use_waiting_alerts},
    },
    i18n::{t, tr_with},
    routes,
};

/// The queue, fed by the dashboard's one batched room-status poll (no request per patient). A
/// live region, so screen readers announce arrivals; while anyone waits the page title carries
/// their count, a chime sounds for each arrival and the desktop notification shows
/// ([`use_waiting_alerts`]). Admit lets the patient in (`POST …/admit`) and opens the
/// consultation.
#[component]
pub fn LiveQueue(
    /// Who waits, in arrival order.
    #[prop(into)]
    waiting: Signal<Vec<WaitingEntry>>,
    /// Now on the server's clock.
    now: Signal<OffsetDateTime>,
    /// The page title without a count, in the page's language.
    #[prop(into)]
    base_title: Signal<String>,
) -> impl IntoView {
    use_waiting_alerts(waiting, Role::Doctor, base_title);
    view! {
        <section class="live-queue" aria-labelledby="queue-heading" data-testid="live-queue">
            <h2 id="queue-heading">{t("queue.heading")}</h2>
            <div role="status" aria-live="polite" data-testid="waiting-notices">
                <Show when=move || waiting.with(Vec::is_empty)>
                    <p class="hint">{t("queue.nobody")}</p>
                </Show>
                <ol class="queue">
                    <For
                        each=move || waiting.get()
                        key=|w| (w.appointment_id, w.place == Place::WaitingRoom)
                        children=move |w| view! { <QueueEntry entry=w now=now /> }
                    />
                </ol>
            </div>
        </section>
    }
}

#[component]
fn QueueEntry(entry: WaitingEntry, now: Signal<OffsetDateTime>) -> impl IntoView {
    let id = entry.appointment_id;
    let since = entry.since;
    let href = routes::consultation(id, Role::Doctor);
    let (error, set_error) = signal(None::<ApiError>);
    let admitting = RwSignal::new(false);
    let api = expect_authorized_api();
    let navigate = use_navigate();
    let admit = move |_| {
        let (api, navigate) = (api.clone(), navigate.clone());
        admitting.set(true);
        spawn_local(async move {
            match api.admit(id).await {
                Ok(()) => navigate(&routes::consultation(id, Role::Doctor), Default::default()),
                Err(e) => {
                    admitting.try_set(false);
                    set_error.try_set(Some(e));
                }
            }
        });
    };
    let name = entry.name.clone();
    let action = match entry.place {
        Place::WaitingRoom => view! {
            <button type="button" disabled=move || admitting.get() on:click=admit>
                {move || tr_with("queue.admit", &[("name", &name)])}
            </button>
        }
        .into_any(),
        Place::CallRoom => view! {
            <a class="button" href=href>{move || tr_with("queue.start_with", &[("name", &name)])}</a>
        }
        .into_any(),
    };
    let (name, place) = (entry.name, entry.place);
    view! {
        <li class="waiting-notice" data-testid=format!("waiting-{id}") data-place=match entry.place {
            Place::WaitingRoom => "waiting-room",
            Place::CallRoom => "call-room",
        }>
            <span class="who">{move || notice_text(Role::Doctor, &name, place)}</span>
            " · "
            <span class="waited" data-testid=format!("waited-{id}")>
                {move || waited(since, now.get())}
            </span>
            " "
            {action}
            <RequestError error=error />
        </li>
    }
}
