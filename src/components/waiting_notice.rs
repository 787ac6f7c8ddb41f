//! "Dr. Amina Rahman is waiting in your consultation room — Join now".

use leptos::prelude::*;
use teleconsult_core::Role;

/// One notice: who waits in which appointment's room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingEntry {
    /// The appointment.
    pub appointment_id: i64,
    /// The other party's name.
    pub name: String,
}

/// The notices, in an ARIA live region so screen readers announce them. While any is shown, the
/// page title carries their count ("(1) Teleconsult"), a soft chime sounds when a new one
/// appears, and an operating-system notification is shown if the person allowed it
/// ([`NotificationOptIn`]).
#[component]
pub fn WaitingNotice(
    /// Who is waiting now.
    #[prop(into)]
    waiting: Signal<Vec<WaitingEntry>>,
    /// Whose dashboard this is.
    role: Role,
    /// The page title without a count.
    base_title: String,
) -> impl IntoView {
    // Title count, chime and OS notification for newly arrived entries. (No reset on unmount:
    // the next page sets its own title.)
    Effect::new({
        move |previous: Option<Vec<i64>>| {
            let now = waiting.get();
            let ids: Vec<i64> = now.iter().map(|w| w.appointment_id).collect();
            document().set_title(&if ids.is_empty() {
                base_title.clone()
            } else {
                format!("({}) {base_title}", ids.len())
            });
            let fresh: Vec<&WaitingEntry> = now
                .iter()
                .filter(|w| {
                    !previous
                        .as_ref()
                        .is_some_and(|p| p.contains(&w.appointment_id))
                })
                .collect();
            if !fresh.is_empty() && previous.is_some() {
                chime();
                for w in fresh {
                    os_notification(&notice_text(role, &w.name));
                }
            }
            ids
        }
    });

    view! {
        <div class="waiting-notices" role="status" aria-live="polite" data-testid="waiting-notices">
            <For
                each=move || waiting.get()
                key=|w| w.appointment_id
                children=move |w| {
                    let href = format!("/consultation/{}?role={role}", w.appointment_id);
                    view! {
                        <p class="waiting-notice" data-testid=format!("waiting-{}", w.appointment_id)>
                            <span>{notice_text(role, &w.name)}</span>
                            " — "
                            <a class="button" href=href>"Join now"</a>
                        </p>
                    }
                }
            />
        </div>
    }
}

fn notice_text(role: Role, name: &str) -> String {
    match role {
        Role::Patient => format!("{name} is waiting in your consultation room"),
        Role::Doctor => format!("{name} is waiting in the consultation room"),
    }
}

/// A short, quiet two-tone chime (Web Audio). Browsers block audio before any click on the
/// page; then nothing sounds and nothing fails.
fn chime() {
    let Ok(ctx) = web_sys::AudioContext::new() else {
        return;
    };
    let t = ctx.current_time();
    for (i, freq) in [660.0_f32, 880.0].into_iter().enumerate() {
        let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else {
            return;
        };
        let start = t + i as f64 * 0.18;
        osc.frequency().set_value(freq);
        let _ = gain.gain().set_value_at_time(0.0, start);
        let _ = gain.gain().linear_ramp_to_value_at_time(0.08, start + 0.02);
        let _ = gain.gain().linear_ramp_to_value_at_time(0.0, start + 0.3);
        let _ = osc.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&ctx.destination());
        let _ = osc.start_with_when(start);
        let _ = osc.stop_with_when(start + 0.32);
    }
}

fn os_notification(text: &str) {
    if web_sys::Notification::permission() != web_sys::NotificationPermission::Granted {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(text);
    options.set_tag("teleconsult-waiting");
    let _ = web_sys::Notification::new_with_options("Teleconsult", &options);
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
                <p class="hint">"Desktop notifications are on."</p>
            }
            .into_any(),
            web_sys::NotificationPermission::Denied => view! {
                <p class="hint">"Desktop notifications are blocked for this site; you will still see notices on this page."</p>
            }
            .into_any(),
            _ => view! {
                <button type="button" class="secondary" on:click=ask>
                    "Notify me when the other party is waiting"
                </button>
            }
            .into_any(),
        }
    }
}
