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
    i18n::{t, tr, tr_with},
    pages::with_session,
    routes,
};

/// The check page, under the session of the `role` query parameter (patient by default).
#[component]
pub fn PrecallCheck() -> impl IntoView {
    crate::hooks::page::use_page("check.heading");
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
            <h1>{t("check.heading")}</h1>
            <p class="hint">{t("check.lead")}</p>
            <section class="check-devices" aria-label=t("check.devices_label")>
                <VideoTile
                    stream=preview
                    video_on=Signal::derive(|| true)
                    muted=true
                    mirrored=true
                    label=Signal::derive(|| tr("check.preview_label"))
                    placeholder=Signal::derive(move || camera.get().meaning)
                    test_id="check-preview"
                />
                <label class="meter">
                    {t("check.microphone_level")}" "
                    <meter min="0" max="0.3" value=move || level.get() data-testid="mic-level"></meter>
                </label>
                <DevicePicker kind=Device::Camera options=cameras selected=Signal::derive(move || choice.get().camera) on_change=pick(|c, id| c.camera = Some(id)) />
                <DevicePicker kind=Device::Microphone options=microphones selected=Signal::derive(move || choice.get().microphone) on_change=pick(|c, id| c.microphone = Some(id)) />
                <Show when=move || !speakers.get().is_empty()>
                    <DevicePicker kind=Device::Speaker options=speakers selected=Signal::derive(move || choice.get().speaker) on_change=pick(|c, id| c.speaker = Some(id)) />
                </Show>
                <button type="button" on:click=move |_| play_test_sound.run(())>
                    {t("check.play_test_sound")}
                </button>
                <span class="hint">" "{t("check.test_sound_hint")}</span>
            </section>
            <PrecallLines check=check />
            <a href=routes::dashboard(role)>{t("check.back")}</a>
        </main>
    }
}

/// A kind of device the check lets the person choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Device {
    Camera,
    Microphone,
    Speaker,
}

impl Device {
    /// The picker's label.
    fn label(self) -> String {
        tr(match self {
            Device::Camera => "check.device.camera",
            Device::Microphone => "check.device.microphone",
            Device::Speaker => "check.device.speaker",
        })
    }

    /// The name of a device the browser gives no label for: its place `n` (from 1) in the list.
    fn unnamed(self, n: usize) -> String {
        let n: &dyn std::fmt::Display = &n;
        match self {
            Device::Camera => tr_with("check.device.camera_n", &[("n", n)]),
            Device::Microphone => tr_with("check.device.microphone_n", &[("n", n)]),
            Device::Speaker => tr_with("check.device.speaker_n", &[("n", n)]),
        }
    }
}

/// A `<select>` of the devices of `kind`, `(deviceId, label)`; a device without a label is named
/// by its place in the list.
#[component]
fn DevicePicker(
    kind: Device,
    options: Signal<Vec<(String, String)>>,
    selected: Signal<Option<String>>,
    on_change: impl FnMut(leptos::ev::Event) + 'static,
) -> impl IntoView {
    view! {
        <label class="picker">
            {move || kind.label()}" "
            <select on:change=on_change>
                <For
                    each=move || options.get().into_iter().enumerate()
                    key=|(i, (id, name))| (*i, id.clone(), name.clone())
                    let:((i, (id, name)))
                >
                    <option value=id.clone() selected=move || selected.get().as_deref() == Some(id.as_str())>
                        {move || if name.is_empty() { kind.unnamed(i + 1) } else { name.clone() }}
                    </option>
                </For>
            </select>
        </label>
    }
}
