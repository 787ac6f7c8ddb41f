//! The call's connection quality: an indicator for each party and, when something is wrong,
//! what it means and what to do (words from `teleconsult_core::quality`).

use leptos::prelude::*;
use teleconsult_core::{
    call::CallState,
    quality::{self, QualityLevel},
};

use crate::{
    call::transport::CallView,
    i18n::{current, t, tr, tr_with},
};

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
    // `own`: this person's connection, else the other party's.
    let chip = move |own: bool, level: Signal<Option<QualityLevel>>, test_id: &'static str| {
        view! {
            <Show when=move || active() && level.get().is_some()>
                {move || {
                    let level = level.get().unwrap_or(QualityLevel::Good);
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
                            {move || {
                                let word = tr(match level {
                                    QualityLevel::Good => "room.quality.good",
                                    QualityLevel::Fair => "room.quality.fair",
                                    QualityLevel::Poor => "room.quality.poor",
                                });
                                if own {
                                    tr_with("room.quality.own", &[("level", &word)])
                                } else {
                                    tr_with(
                                        "room.quality.other",
                                        &[("name", &other_name.get()), ("level", &word)],
                                    )
                                }
                            }}
                        </span>
                    }
                }}
            </Show>
        }
    };
    view! {
        <div class="call-quality" role="group" aria-label=t("room.quality.label")>
            {chip(true, call.local_quality, "quality-local")}
            {chip(false, call.remote_quality, "quality-remote")}
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
        // The words are core's: follow a language switch too.
        current();
        if !active() {
            return None;
        }
        if call.video_paused.get() {
            return Some(quality::own_video_paused_words());
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
                    {t("room.quality.resume_video")}
                </button>
            </Show>
        </div>
    }
}
