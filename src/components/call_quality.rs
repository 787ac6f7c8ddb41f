//! The call's connection quality: an indicator for each party and, when something is wrong,
//! what it means and what to do (words from `teleconsult_core::quality`).

use leptos::prelude::*;
use teleconsult_core::{
    call::CallState,
    quality::{self, QualityLevel},
};

use crate::call::transport::CallView;

/// Both parties' connection quality while the call is active: bars and a word each.
#[component]
pub fn QualityIndicator(
    /// The call.
    call: CallView,
    /// The other party's name as shown.
    #[prop(into)]
    other_name: Signal<String>,
) -> impl IntoView {
    let active = move || call.state.get() == CallState::Active;
    let chip = move |who: Option<&'static str>,
                     level: Signal<Option<QualityLevel>>,
                     test_id: &'static str| {
        view! {
            <Show when=move || active() && level.get().is_some()>
                {move || {
                    let level = level.get().unwrap_or(QualityLevel::Good);
                    let who = who.map_or_else(|| other_name.get(), str::to_string);
                    view! {
                        <span
                            class=format!("quality quality-{}", level.word())
                            data-testid=test_id
                            data-level=level.word()
                        >
                            <span class="bars" aria-hidden="true">
                                {(1..=3u8)
                                    .map(|n| view! { <span class:on=move || n <= level.bars()></span> })
                                    .collect_view()}
                            </span>
                            {format!("{who}: {}", level.word())}
                        </span>
                    }
                }}
            </Show>
        }
    };
    view! {
        <div class="call-quality" role="group" aria-label="Connection quality">
            {chip(Some("Your connection"), call.local_quality, "quality-local")}
            {chip(None, call.remote_quality, "quality-remote")}
        </div>
    }
}

/// What a poor connection means and what to do, told apart by whose it is; while this person's
/// video is paused for bandwidth, "Turn video back on".
#[component]
pub fn QualityMessage(
    /// The call.
    call: CallView,
    /// The other party's name as shown.
    #[prop(into)]
    other_name: Signal<String>,
    /// The person wants their video back although bandwidth is low.
    on_resume_video: Callback<()>,
) -> impl IntoView {
    let active = move || call.state.get() == CallState::Active;
    let message = move || {
        if !active() {
            return None;
        }
        if call.video_paused.get() {
            return Some(quality::OWN_VIDEO_PAUSED.to_string());
        }
        if call.local_quality.get() == Some(QualityLevel::Poor) {
            return Some(quality::poor_connection_words(true, &other_name.get()));
        }
        if call.remote_video_paused.get() {
            return Some(quality::remote_video_paused_words(&other_name.get()));
        }
        (call.remote_quality.get() == Some(QualityLevel::Poor))
            .then(|| quality::poor_connection_words(false, &other_name.get()))
    };
    view! {
        <div class="quality-message" role="status" data-testid="quality-message">
            {move || message().map(|m| view! { <p>{m}</p> })}
            <Show when=move || active() && call.video_paused.get()>
                <button type="button" on:click=move |_| on_resume_video.run(())>
                    "Turn video back on"
                </button>
            </Show>
        </div>
    }
}
