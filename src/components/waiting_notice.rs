//! "Dr. Amina Rahman is waiting in your consultation room — Join now".

use leptos::prelude::*;
use teleconsult_core::Role;

use crate::{
    hooks::{
        dashboard::WaitingEntry,
        waiting_alerts::{notice_text, use_waiting_alerts},
    },
    i18n::t,
    routes,
};

/// The notices, in an ARIA live region so screen readers announce them. While any is shown, the
/// page title carries their count ("(1) Teleconsult"), a soft chime sounds when a new one
/// appears, and an operating-system notification is shown if the person allowed it
/// ([`NotificationOptIn`]); see [`use_waiting_alerts`].
#[component]
pub fn WaitingNotice(
    /// Who is waiting now.
    #[prop(into)]
    waiting: Signal<Vec<WaitingEntry>>,
    /// Whose dashboard this is.
    role: Role,
    /// The page title without a count, in the page's language.
    #[prop(into)]
    base_title: Signal<String>,
) -> impl IntoView {
    use_waiting_alerts(waiting, role, base_title);

    view! {
        <div class="waiting-notices" role="status" aria-live="polite" data-testid="waiting-notices">
            <For
                each=move || waiting.get()
                key=|w| w.appointment_id
                children=move |w| {
                    let href = routes::consultation(w.appointment_id, role);
                    let (name, place) = (w.name, w.place);
                    view! {
                        <p class="waiting-notice" data-testid=format!("waiting-{}", w.appointment_id)>
                            <span>{move || notice_text(role, &name, place)}</span>
                            " — "
                            <a class="button" href=href>{t("waiting.join_now")}</a>
                        </p>
                    }
                }
            />
        </div>
    }
}

/// "Notify me" button: asks for notification permission only when clicked (never on load), and
/// says so when notifications are on or blocked.
#[component]
pub fn NotificationOptIn() -> impl IntoView {
    let supported = js_sys::Reflect::has(&window(), &"Notification".into()).unwrap_or(false);
    let permission = RwSignal::new(if supported {
        web_sys::Notification::permission()
    } else {
        web_sys::NotificationPermission::Denied
    });
    let ask = move |_| {
        let Ok(promise) = web_sys::Notification::request_permission() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            permission.try_set(web_sys::Notification::permission());
        });
    };
    move || {
        if !supported {
            return ().into_any();
        }
        match permission.get() {
            web_sys::NotificationPermission::Granted => view! {
                <p class="hint">{t("waiting.notifications_on")}</p>
            }
            .into_any(),
            web_sys::NotificationPermission::Denied => view! {
                <p class="hint">{t("waiting.notifications_blocked")}</p>
            }
            .into_any(),
            _ => view! {
                <button type="button" class="secondary" on:click=ask>
                    {t("waiting.notify_me")}
                </button>
            }
            .into_any(),
        }
    }
}
