//! The controls bar of the consultation: microphone, camera, screen share, leave.

use leptos::{ev, prelude::*};

use crate::{
    call::transport::MediaFlags,
    i18n::{t, tr, tr_with},
};

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
    /// A camera without a label is named by its place in the list ("Camera 1").
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
        <div class="call-controls" role="toolbar" aria-label=t("room.controls.label")>
            <button
                type="button"
                data-testid="mute"
                aria-pressed=move || (!flags.get().audio).to_string()
                aria-keyshortcuts="Control+D"
                on:click=move |_| on_microphone.run(!flags.get_untracked().audio)
            >
                {move || tr(if flags.get().audio { "room.controls.mute" } else { "room.controls.unmute" })}
            </button>
            <button
                type="button"
                aria-pressed=move || (!flags.get().video).to_string()
                aria-keyshortcuts="Control+E"
                on:click=move |_| on_camera.run(!flags.get_untracked().video)
            >
                {move || tr(if flags.get().video { "room.controls.camera_off" } else { "room.controls.camera_on" })}
            </button>
            <button
                type="button"
                aria-pressed=move || flags.get().screen.to_string()
                on:click=move |_| on_screen.run(())
            >
                {move || tr(if flags.get().screen { "room.controls.stop_sharing" } else { "room.controls.share_screen" })}
            </button>
            <Show when=move || { cameras.with(|c| c.len() > 1) }>
                <label class="camera-picker">
                    <span class="visually-hidden">{t("room.controls.camera")}</span>
                    <select
                        aria-label=t("room.controls.camera")
                        prop:value=move || camera_id.get().unwrap_or_default()
                        on:change=move |ev| on_switch_camera.run(event_target_value(&ev))
                    >
                        {move || {
                            let current = camera_id.get();
                            cameras
                                .get()
                                .into_iter()
                                .enumerate()
                                .map(|(i, (id, label))| {
                                    let selected = current.as_deref() == Some(id.as_str());
                                    let label = if label.is_empty() {
                                        tr_with("room.controls.camera_n", &[("n", &(i + 1))])
                                    } else {
                                        label
                                    };
                                    view! { <option value=id selected=selected>{label}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </label>
            </Show>
            <button type="button" class="danger" data-testid="leave" on:click=move |_| on_leave.run(())>
                {t("room.controls.leave")}
            </button>
        </div>
    }
}
