//! `use_waiting_alerts`: what a dashboard does when someone starts waiting — the count in the
//! page title, a soft chime, and an operating-system notification if the person allowed them.
//!
//! The hook owns one `AudioContext` for all chimes (browsers limit how many a page may hold) and
//! closes it when the dashboard goes away.

use std::{cell::RefCell, rc::Rc};

use leptos::prelude::*;
use teleconsult_core::{admission::Place, Role};

use crate::{
    hooks::dashboard::WaitingEntry,
    i18n::{tr, tr_with},
};

/// The notice for `name` waiting at `place`, as the dashboard and the OS notification word it,
/// in the page's language (inside a reactive closure it follows a language switch).
pub fn notice_text(role: Role, name: &str, place: Place) -> String {
    match (role, place) {
        (_, Place::WaitingRoom) => tr_with("waiting.in_waiting_room", &[("name", &name)]),
        (Role::Patient, Place::CallRoom) => tr_with("waiting.in_your_room", &[("name", &name)]),
        (Role::Doctor, Place::CallRoom) => tr_with("waiting.in_the_room", &[("name", &name)]),
    }
}

/// Keeps the title at `"({count}) {base_title}"` while anyone waits (`base_title` otherwise,
/// which may change with the page's language), and chimes and notifies once for each newly
/// arrived entry of `waiting` (not for those already there when the dashboard opened). No reset
/// on unmount: the next page sets its own title.
pub fn use_waiting_alerts(
    waiting: Signal<Vec<WaitingEntry>>,
    role: Role,
    base_title: impl Into<Signal<String>>,
) {
    let base_title = base_title.into();
    let chime = Rc::new(Chime::default());
    Effect::new({
        let chime = chime.clone();
        move |previous: Option<Vec<i64>>| {
            let now = waiting.get();
            let ids: Vec<i64> = now.iter().map(|w| w.appointment_id).collect();
            let base_title = base_title.get();
            document().set_title(&if ids.is_empty() {
                base_title
            } else {
                format!("({}) {base_title}", ids.len())
            });
            if let Some(previous) = previous {
                let fresh: Vec<&WaitingEntry> = now
                    .iter()
                    .filter(|w| !previous.contains(&w.appointment_id))
                    .collect();
                if !fresh.is_empty() {
                    chime.play();
                    for w in fresh {
                        os_notification(&notice_text(role, &w.name, w.place));
                    }
                }
            }
            ids
        }
    });
    // Single-threaded wasm: the wrapper only satisfies on_cleanup's Send bound.
    let chime = send_wrapper::SendWrapper::new(chime);
    on_cleanup(move || chime.close());
}

/// A short, quiet two-tone chime (Web Audio) on one lazily created `AudioContext`. Browsers
/// block audio before any click on the page; then nothing sounds and nothing fails.
#[derive(Default)]
struct Chime {
    context: RefCell<Option<web_sys::AudioContext>>,
}

impl Chime {
    fn play(&self) {
        let mut context = self.context.borrow_mut();
        if context.is_none() {
            *context = web_sys::AudioContext::new().ok();
        }
        let Some(ctx) = context.as_ref() else {
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

    /// Releases the audio context (its audio thread and device).
    fn close(&self) {
        if let Some(ctx) = self.context.borrow_mut().take() {
            let _ = ctx.close();
        }
    }
}

fn os_notification(text: &str) {
    if web_sys::Notification::permission() != web_sys::NotificationPermission::Granted {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(text);
    options.set_tag("teleconsult-waiting");
    let _ = web_sys::Notification::new_with_options(&tr("waiting.notification_title"), &options);
}
