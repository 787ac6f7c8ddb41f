//! The call log of an appointment, loaded when opened.

use leptos::prelude::*;
use teleconsult_core::{
    api::{CallEvent, CallEventKind},
    call::LeaveReason,
    Role,
};

use crate::{format::local_time, hooks::call_log::use_call_log};

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
            <summary>"Call history"</summary>
            {move || match log.get() {
                None => view! { <p class="hint">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="form-error">{e.user_message()}</p> }.into_any(),
                Some(Ok(events)) if events.is_empty() => {
                    view! { <p class="hint">"No call yet."</p> }.into_any()
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

fn who(identity: &str) -> &'static str {
    match Role::parse_identity(identity) {
        Some((Role::Doctor, _)) => "The doctor",
        Some((Role::Patient, _)) => "The patient",
        None => "Someone",
    }
}

fn describe(e: &CallEvent) -> String {
    let at = local_time(e.at);
    let who = who(&e.identity);
    match e.kind {
        CallEventKind::JoinGranted => format!("{at} — {who} opened the consultation"),
        CallEventKind::Joined => format!("{at} — {who} joined the call"),
        CallEventKind::Left => {
            let how = match e.reason {
                Some(LeaveReason::Disconnected) => "lost the connection",
                Some(LeaveReason::Moved) => "moved the call to another device",
                Some(LeaveReason::ConnectionFailed) => "could not connect",
                _ => "left the call",
            };
            format!("{at} — {who} {how}")
        }
        CallEventKind::Ended => format!("{at} — The call ended"),
    }
}
