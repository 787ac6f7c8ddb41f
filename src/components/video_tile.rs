//! A `<video>` showing a `MediaStream`.

use leptos::{html, prelude::*};
use wasm_bindgen::JsCast;
use web_sys::MediaStream;

use crate::i18n::t;

/// Plays `stream` in a `<video>`; shows `placeholder` instead while there is no stream or the
/// camera is off.
#[component]
pub fn VideoTile(
    /// The stream to play.
    #[prop(into)]
    stream: Signal<Option<MediaStream>, LocalStorage>,
    /// Whether the video track is on (a camera turned off still sends black frames).
    #[prop(into)]
    video_on: Signal<bool>,
    /// Mute the audio (always for one's own preview, to avoid echo).
    #[prop(optional)]
    muted: bool,
    /// Mirror the picture (one's own preview, as people expect).
    #[prop(optional)]
    mirrored: bool,
    /// Accessible name, e.g. "Video of Dr. Amina Rahman".
    #[prop(into)]
    label: Signal<String>,
    /// Text shown while there is no picture, and told to screen readers as a polite status
    /// ("… turned their camera off", "… camera and microphone are starting…"): the picture's
    /// own label says whose video it is, not that there is none.
    #[prop(into)]
    placeholder: Signal<String>,
    /// `data-testid` of the video element.
    test_id: &'static str,
) -> impl IntoView {
    let video = NodeRef::<html::Video>::new();
    // Browsers refuse to play sound before the person has interacted with the page (a link
    // opened directly, a reload): then the picture stays frozen too. Say so, with a button whose
    // click is the interaction the browser waits for.
    let blocked = RwSignal::new(false);
    Effect::new(move |_| {
        let s = stream.get();
        let Some(v) = video.get() else { return };
        v.set_src_object(s.as_ref());
        if s.is_none() || muted {
            blocked.set(false);
            return;
        }
        // The speaker chosen in the pre-call check, where the browser can route audio
        // (`HTMLMediaElement.setSinkId`); otherwise the system's default.
        if let Some(speaker) = crate::call::media::DeviceChoice::load().speaker {
            if let Ok(set) = js_sys::Reflect::get(&v, &"setSinkId".into()) {
                let routed = set
                    .dyn_ref::<js_sys::Function>()
                    .and_then(|set| set.call1(&v, &speaker.into()).ok())
                    .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
                if let Some(routed) = routed {
                    // A speaker unplugged since: the default plays; nothing to tell.
                    leptos::task::spawn_local(async move {
                        let _ = wasm_bindgen_futures::JsFuture::from(routed).await;
                    });
                }
            }
        }
        let Ok(playing) = v.play() else { return };
        leptos::task::spawn_local(async move {
            if let Err(e) = wasm_bindgen_futures::JsFuture::from(playing).await {
                let name = js_sys::Reflect::get(&e, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string());
                blocked.try_set(name.as_deref() == Some("NotAllowedError"));
            }
        });
    });
    let unblock = move |_| {
        if let Some(v) = video.get_untracked() {
            let _ = v.play();
        }
        blocked.set(false);
    };
    let showing = move || stream.with(|s| s.is_some()) && video_on.get();
    view! {
        <div class="video-tile" class:mirrored=mirrored>
            <video
                node_ref=video
                data-testid=test_id
                autoplay
                playsinline
                prop:muted=muted
                aria-label=label
                class:hidden=move || !showing()
            ></video>
            <div class="video-placeholder" class:hidden=showing role="status">
                {placeholder}
            </div>
            <Show when=move || blocked.get() && showing()>
                <button type="button" class="play-blocked" on:click=unblock>
                    {t("room.video.play_blocked")}
                </button>
            </Show>
        </div>
    }
}
