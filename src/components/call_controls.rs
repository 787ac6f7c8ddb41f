//! The controls bar of the consultation: microphone, camera, screen share, leave.

use leptos::{ev, prelude::*};

use crate::call::transport::MediaFlags;

/// Buttons with accessible names and pressed states, and keyboard shortcuts: Ctrl+D microphone,
/// Ctrl+E camera (as in common meeting apps).
#[component]
pub fn CallControls(
    /// What this person currently sends.
    #[prop(into)]
    flags: Signal<MediaFlags>,
    /// Toggle the microphone.
    on_microphone: Callback<bool>,
    /// Toggle the camera.
    on_camera: Callback<bool>,
    /// Start or stop sharing the screen.
    on_screen: Callback<()>,
    /// Cameras to choose from, `(deviceId, label)`; the picker shows when there are two or more.
    #[prop(into)]
    cameras: Signal<Vec<(String, String)>>,
    /// The camera in use.
    #[prop(into)]
    camera_id: Signal<Option<String>>,
    /// Switch to another camera.
    on_switch_camera: Callback<String>,
    /// Leave the consultation.
    on_leave: Callback<()>,
) -> impl IntoView {
    let shortcuts = window_event_listener(ev::keydown, move |e| {
        if !(e.ctrl_key() || e.meta_key()) || e.alt_key() {
            return;
        }
        match e.key().to_lowercase().as_str() {
            "d" => {
                e.prevent_default();
                on_microphone.run(!flags.get_untracked().audio);
            }
            "e" => {
                e.prevent_default();
                on_camera.run(!flags.get_untracked().video);
            }
            _ => {}
        }
    });
    on_cleanup(move || shortcuts.remove());

    view! {
        <div class="call-controls" role="toolbar" aria-label="Call controls">
            <button
                type="button"
                aria-pressed=move || (!flags.get().audio).to_string()
                aria-keyshortcuts="Control+D"
                on:click=move |_| on_microphone.run(!flags.get_untracked().audio)
            >
                {move || if flags.get().audio { "Mute microphone" } else { "Unmute microphone" }}
            </button>
            <button
                type="button"
                aria-pressed=move || (!flags.get().video).to_string()
                aria-keyshortcuts="Control+E"
                on:click=move |_| on_camera.run(!flags.get_untracked().video)
            >
                {move || if flags.get().video { "Turn camera off" } else { "Turn camera on" }}
            </button>
            <button
                type="button"
                aria-pressed=move || flags.get().screen.to_string()
                on:click=move |_| on_screen.run(())
            >
                {move || if flags.get().screen { "Stop sharing" } else { "Share screen" }}
            </button>
            <Show when=move || { cameras.with(|c| c.len() > 1) }>
                <label class="camera-picker">
                    <span class="visually-hidden">"Camera"</span>
                    <select
                        aria-label="Camera"
                        prop:value=move || camera_id.get().unwrap_or_default()
                        on:change=move |ev| on_switch_camera.run(event_target_value(&ev))
                    >
                        {move || {
                            let current = camera_id.get();
                            cameras
                                .get()
                                .into_iter()
                                .map(|(id, label)| {
                                    let selected = current.as_deref() == Some(id.as_str());
                                    view! { <option value=id selected=selected>{label}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </label>
            </Show>
            <button type="button" class="danger" on:click=move |_| on_leave.run(())>
                "Leave consultation"
            </button>
        </div>
    }
}
