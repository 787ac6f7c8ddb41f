//! The call log of an appointment, loaded when opened.

use leptos::prelude::*;
use teleconsult_core::api::{CallEvent, CallEventKind};

use crate::{api, format::local_time};

/// A `<details>` that loads `GET /api/appointments/{id}/calls` when opened and lists who joined
/// and left when, and why the call ended.
#[component]
pub fn CallHistory(
    /// The appointment.
    appointment_id: i64,
    /// API base URL.
    api_base_url: String,
    /// The session's access token.
    access_token: String,
) -> impl IntoView {
    let (open, set_open) = signal(false);
    let log = LocalResource::new(move || {
        let (base, token) = (api_base_url.clone(), access_token.clone());
        async move {
            if !open.get() {
                return None;
            }
            Some(api::call_log(&base, &token, appointment_id).await)
        }
    });
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
            {move || match log.get().flatten() {
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
    if identity.starts_with("doctor_") {
        "The doctor"
    } else {
        "The patient"
    }
}

fn describe(e: &CallEvent) -> String {
    let at = local_time(e.at);
    let who = who(&e.identity);
    match e.kind {
        CallEventKind::JoinGranted => format!("{at} — {who} opened the consultation"),
        CallEventKind::Joined => format!("{at} — {who} joined the call"),
        CallEventKind::Left => {
            let how = match e.reason.as_deref() {
                Some("hangup") => "left the call",
                Some("disconnected") => "lost the connection",
                Some("moved") => "moved the call to another device",
                _ => "left the call",
            };
            format!("{at} — {who} {how}")
        }
        CallEventKind::Ended => format!("{at} — The call ended"),
    }
}
