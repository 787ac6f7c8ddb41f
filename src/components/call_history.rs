//! The call log of an appointment, loaded when opened.

use leptos::prelude::*;
use teleconsult_core::{
    api::{CallEvent, CallEventKind},
    call::LeaveReason,
    Role,
};

use crate::{
    format::local_time,
    hooks::call_log::use_call_log,
    i18n::{t, tr, tr_with},
};

/// A `<details>` that loads `GET /api/appointments/{id}/calls` when opened and lists who joined
/// and left when, and why the call ended.
#[component]
pub fn CallHistory(
    /// The appointment.
    appointment_id: i64,
) -> impl IntoView {
    let (open, set_open) = signal(false);
    let log = use_call_log(appointment_id, open.into());
    view! {
        <details
            class="history"
            data-testid=format!("history-{appointment_id}")
            on:toggle=move |ev| {
                use wasm_bindgen::JsCast;
                let open_now = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok())
                    .is_some_and(|d| d.open());
                set_open.set(open_now);
            }
        >
            <summary>{t("history.summary")}</summary>
            {move || match log.get() {
                None => view! { <p class="hint">{tr("history.loading")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="form-error">{e.user_message()}</p> }.into_any(),
                Some(Ok(events)) if events.is_empty() => {
                    view! { <p class="hint">{tr("history.empty")}</p> }.into_any()
                }
                Some(Ok(events)) => view! {
                    <ul class="history-list">
                        {events.into_iter().map(|e| view! { <li>{describe(&e)}</li> }).collect_view()}
                    </ul>
                }
                .into_any(),
            }}
        </details>
    }
}

fn who(identity: &str) -> String {
    match Role::parse_identity(identity) {
        Some((Role::Doctor, _)) => tr("history.who.doctor"),
        Some((Role::Patient, _)) => tr("history.who.patient"),
        None => tr("history.who.someone"),
    }
}

/// One line of the log in the page's language (called inside the log's reactive closure, so it
/// follows a language switch).
fn describe(e: &CallEvent) -> String {
    let at = local_time(e.at);
    let who = who(&e.identity);
    let args: [(&str, &dyn std::fmt::Display); 2] = [("at", &at), ("who", &who)];
    match e.kind {
        CallEventKind::JoinGranted => tr_with("history.opened", &args),
        CallEventKind::Joined => tr_with("history.joined", &args),
        CallEventKind::Left => match e.reason {
            Some(LeaveReason::Disconnected) => tr_with("history.lost_connection", &args),
            Some(LeaveReason::Moved) => tr_with("history.moved", &args),
            Some(LeaveReason::ConnectionFailed) => tr_with("history.could_not_connect", &args),
            Some(LeaveReason::MediaUnavailable) => tr_with("history.media_unavailable", &args),
            _ => tr_with("history.left", &args),
        },
        CallEventKind::Ended => tr_with("history.ended", &[("at", &at)]),
    }
}
