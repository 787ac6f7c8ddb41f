//! The pre-call check (`/check?role=patient|doctor`): "Check camera, microphone and
//! connection". Reachable from both dashboards at any time; each line says how it came out,
//! what it means and what to do (see `hooks::precall` and `teleconsult_core::precall`). A pass is
//! remembered for the day (`hooks::precall::remember_pass`).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use teleconsult_core::Role;

use crate::{
    api::expect_authorized_api,
    call::media::DeviceChoice,
    components::{account_bar::AccountBar, precall_lines::PrecallLines, video_tile::VideoTile},
    hooks::precall::{remember_pass, use_precall, UsePrecallReturn},
    pages::with_session,
    routes,
};

/// The check page, under the session of the `role` query parameter (patient by default).
#[component]
pub fn PrecallCheck() -> impl IntoView {
    let role = use_query_map()
        .read_untracked()
        .get("role")
        .and_then(|r| Role::parse(&r))
        .unwrap_or(Role::Patient);
    with_session(role, move |session| {
        let check = use_precall(expect_authorized_api(), &session);
        Effect::new(move |_| {
            if check.passed.get() {
                remember_pass();
            }
        });
        view! {
            <AccountBar session=session />
            <CheckPage check=check role=role />
        }
    })
}

#[component]
fn CheckPage(check: UsePrecallReturn, role: Role) -> impl IntoView {
    let UsePrecallReturn {
        preview,
        camera,
        level,
        cameras,
        microphones,
        speakers,
        choice,
        choose,
        play_test_sound,
        ..
    } = check;
    let pick = move |update: fn(&mut DeviceChoice, String)| {
        move |ev: leptos::ev::Event| {
            let mut next = choice.get_untracked();
            update(&mut next, event_target_value(&ev));
            choose.run(next);
        }
    };
    view! {
        <main class="page check">
            <h1>"Check camera, microphone and connection"</h1>
            <p class="hint">"This takes a few seconds. Nothing is recorded or sent to anyone."</p>
            <section class="check-devices" aria-label="Your camera and microphone">
                <VideoTile
                    stream=preview
                    video_on=Signal::derive(|| true)
                    muted=true
                    mirrored=true
                    label="Your camera"
                    placeholder=Signal::derive(move || camera.get().meaning)
                    test_id="check-preview"
                />
                <label class="meter">
                    "Microphone level "
                    <meter min="0" max="0.3" value=move || level.get() data-testid="mic-level"></meter>
                </label>
                <DevicePicker label="Camera" options=cameras selected=Signal::derive(move || choice.get().camera) on_change=pick(|c, id| c.camera = Some(id)) />
                <DevicePicker label="Microphone" options=microphones selected=Signal::derive(move || choice.get().microphone) on_change=pick(|c, id| c.microphone = Some(id)) />
                <Show when=move || !speakers.get().is_empty()>
                    <DevicePicker label="Speaker" options=speakers selected=Signal::derive(move || choice.get().speaker) on_change=pick(|c, id| c.speaker = Some(id)) />
                </Show>
                <button type="button" on:click=move |_| play_test_sound.run(())>"Play test sound"</button>
                <span class="hint">" You should hear a short tone."</span>
            </section>
            <PrecallLines check=check />
            <a href=routes::dashboard(role)>"Back to your appointments"</a>
        </main>
    }
}

#[component]
fn DevicePicker(
    label: &'static str,
    options: Signal<Vec<(String, String)>>,
    selected: Signal<Option<String>>,
    on_change: impl FnMut(leptos::ev::Event) + 'static,
) -> impl IntoView {
    view! {
        <label class="picker">
            {label}" "
            <select on:change=on_change>
                <For each=move || options.get() key=|(id, _)| id.clone() let:((id, name))>
                    <option value=id.clone() selected=move || selected.get().as_deref() == Some(id.as_str())>{name}</option>
                </For>
            </select>
        </label>
    }
}
