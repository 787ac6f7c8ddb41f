//! The consultation room (`/consultation/:appointment_id?role=patient|doctor`).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use teleconsult_core::{
    call::{CallState, EndReason, LeaveReason},
    Role,
};

use crate::{
    api::expect_authorized_api,
    call::transport::CallView,
    components::{
        admit_banner::AdmitBanner,
        call_controls::CallControls,
        call_quality::{QualityIndicator, QualityMessage},
        chat_panel::ChatPanel,
        precall_lines::PrecallLines,
        video_tile::VideoTile,
    },
    hooks::{
        call::{use_call, UseCallReturn},
        precall::{passed_today, remember_pass, use_precall},
    },
    i18n::{current, t, tr, tr_with},
    pages::with_session,
    routes,
    session::{self, Session},
};

/// Seconds of token validity a call needs at the start; below it, the person is asked to sign in
/// again first rather than fail later (seed 004: expired tokens are the most common failure).
const MIN_TOKEN_SECONDS: i64 = 120;

/// The consultation of one appointment. The `role` query parameter (set by the dashboards)
/// chooses the session, so a browser signed in as both a doctor and a patient uses the right one;
/// without it, the patient session is used.
#[component]
pub fn Consultation() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let appointment_id = params
        .read_untracked()
        .get("appointment_id")
        .and_then(|id| id.parse::<i64>().ok());
    let role = query
        .read_untracked()
        .get("role")
        .and_then(|r| Role::parse(&r))
        .unwrap_or(Role::Patient);
    let Some(appointment_id) = appointment_id else {
        return view! {
            <main class="screen-message" role="alert">
                <h1>{t("room.no_such.heading")}</h1>
                <p>{t("room.no_such.text")}</p>
                <a href="/">{t("room.no_such.start_page")}</a>
            </main>
        }
        .into_any();
    };
    with_session(role, move |session| {
        // The session's end, not the access token's: tokens are renewed during the call.
        if session::now_s() + MIN_TOKEN_SECONDS >= session.ends_at() {
            let href = routes::login(role, &routes::consultation(appointment_id, role));
            return view! {
                <main class="screen-message" role="alert">
                    <h1>{t("room.expiring.heading")}</h1>
                    <p>{t("room.expiring.text")}</p>
                    <a href=href>{t("room.expiring.sign_in")}</a>
                </main>
            }
            .into_any();
        }
        view! { <CallRoom session=session appointment_id=appointment_id /> }.into_any()
    })
}

/// The call itself: owns it (through [`use_call`]) for as long as it is shown. It never names a
/// transport: the provider is the server's choice.
#[component]
fn CallRoom(session: Session, appointment_id: i64) -> impl IntoView {
    crate::hooks::page::use_page("room.title");
    let role = session.user.role;
    let controls = use_call(appointment_id);
    let signals = controls.call;

    // Follows a language switch while the other party is not known yet: read it in closures
    // that only render text, never in one that decides which components exist.
    let other_name = move || {
        signals
            .remote_peer
            .get()
            .map(|p| p.name)
            .unwrap_or_else(|| match role {
                Role::Doctor => tr("room.other.patient"),
                Role::Patient => tr("room.other.doctor"),
            })
    };
    let dashboard = routes::dashboard(role);
    let state_name = move || signals.state.get().key();

    view! {
        <main class="call" data-testid="call" data-state=state_name>
            <h1 class="visually-hidden">{t("room.heading")}</h1>
            <div class="call-top">
                <StatusPill signals=signals />
                <span class="who" data-testid="remote-name">
                    {move || {
                        signals.remote_peer.get().map(|p| match p.role {
                            Role::Doctor => tr_with("room.remote_doctor", &[("name", &p.name)]),
                            Role::Patient => tr_with("room.remote_patient", &[("name", &p.name)]),
                        })
                    }}
                </span>
                <Show when=move || signals.encrypted.get()>
                    <span class="pill" data-testid="e2ee" title=t("room.e2ee.title")>
                        {t("room.e2ee.label")}
                    </span>
                </Show>
                <QualityIndicator call=signals other_name=Signal::derive(other_name) />
                <CallTimer signals=signals />
            </div>
            <div class="stage">
                <VideoTile
                    stream=signals.remote_stream
                    video_on=Signal::derive(move || {
                        signals.remote_media.get().video && !signals.remote_video_paused.get()
                    })
                    label=Signal::derive(move || tr_with("room.video.remote", &[("name", &other_name())]))
                    placeholder=Signal::derive(move || {
                        if signals.remote_video_paused.get() {
                            tr_with("room.video.remote_paused", &[("name", &other_name())])
                        } else if signals.remote_stream.with(|s| s.is_some()) {
                            tr_with("room.video.remote_camera_off", &[("name", &other_name())])
                        } else if signals.state.get() == CallState::Active {
                            // In the call before their camera has opened (a call enters the
                            // room while the camera opens), or still at a permission prompt.
                            tr_with("room.video.remote_starting", &[("name", &other_name())])
                        } else {
                            String::new()
                        }
                    })
                    test_id="remote-video"
                />
                <Show when=move || signals.remote_screen.with(|s| s.is_some())>
                    <VideoTile
                        stream=signals.remote_screen
                        video_on=true
                        label=Signal::derive(move || tr_with("room.video.remote_screen", &[("name", &other_name())]))
                        placeholder=String::new()
                        test_id="remote-screen"
                    />
                </Show>
                <div class="self-view">
                    <VideoTile
                        stream=signals.local_stream
                        video_on=Signal::derive(move || signals.local_media.get().video)
                        muted=true
                        mirrored=true
                        label=Signal::derive(|| tr("room.video.own"))
                        placeholder=Signal::derive(move || {
                            // The call enters the room while the camera opens (or while the
                            // browser asks for permission): not "off" yet.
                            let opening = signals.local_stream.with(|s| s.is_none())
                                && !signals.state.get().is_terminal();
                            tr(if opening { "room.video.own_starting" } else { "room.video.own_camera_off" })
                        })
                        test_id="local-video"
                    />
                </div>
                <p class="remote-muted" data-testid="remote-muted" aria-live="polite">
                    {move || {
                        let m = signals.remote_media.get();
                        let present = signals.remote_stream.with(|s| s.is_some());
                        (present && !m.audio)
                            .then(|| tr_with("room.remote_muted", &[("name", &other_name())]))
                    }}
                </p>
                <div class="stage-notices">
                    <p class="call-notice" role="alert" data-testid="call-notice">
                        {move || signals.notice.get().map(|n| n.text())}
                    </p>
                    <QualityMessage
                        call=signals
                        other_name=Signal::derive(other_name)
                        on_resume_video=controls.resume_video
                    />
                </div>
                <StatePanel signals=signals other_name=Signal::derive(other_name) dashboard=dashboard controls=controls session=session.clone() />
                {(role == Role::Doctor).then(|| view! { <AdmitBanner appointment_id=appointment_id /> })}
                <ChatPanel
                    chat=signals.chat
                    available=signals.chat_available
                    sending=Signal::derive(move || !signals.state.get().is_terminal())
                    me=session.user.name.clone()
                    other_name=Signal::derive(other_name)
                    on_send=controls.send_chat
                    on_open=controls.set_chat_open
                />
            </div>
            <Show when=move || !signals.state.get().is_terminal()>
                <CallControls
                    flags=signals.local_media
                    on_microphone=controls.set_microphone
                    on_camera=controls.set_camera
                    on_screen=controls.toggle_screen_share
                    cameras=signals.cameras
                    camera_id=signals.camera_id
                    on_switch_camera=controls.switch_camera
                    on_leave=controls.leave
                />
            </Show>
        </main>
    }
}

/// The connection-status pill.
#[component]
fn StatusPill(signals: CallView) -> impl IntoView {
    let text = move || {
        let state = signals.state.get();
        tr(match state {
            CallState::Active if !signals.signaling_connected.get() => {
                "room.status.active_signaling_down"
            }
            CallState::Active => "room.status.active",
            CallState::Reconnecting => "room.status.reconnecting",
            CallState::Connecting => "room.status.connecting",
            CallState::Waiting | CallState::PeerLeft { .. } => "room.status.waiting",
            CallState::Joining | CallState::Idle => "room.status.starting",
            CallState::WaitingRoom => "room.status.waiting_room",
            CallState::Busy => "room.status.busy",
            CallState::Ended { .. } => "room.status.ended",
            CallState::Failed { .. } => "room.status.failed",
        })
    };
    view! {
        <span class="pill" data-testid="status-pill" role="status">{text}</span>
    }
}

/// mm:ss since media first flowed.
#[component]
fn CallTimer(signals: CallView) -> impl IntoView {
    let (now, set_now) = signal(js_sys::Date::now());
    let tick = set_interval_with_handle(
        move || set_now.set(js_sys::Date::now()),
        std::time::Duration::from_secs(1),
    );
    on_cleanup(move || {
        if let Ok(t) = tick {
            t.clear();
        }
    });
    let text = move || {
        let since = signals.active_since_ms.get()?;
        if signals.state.get().is_terminal() {
            return None;
        }
        let secs = ((now.get() - since) / 1000.0).max(0.0) as u64;
        Some(format!("{:02}:{:02}", secs / 60, secs % 60))
    };
    view! { <span class="timer" role="timer" aria-label=t("room.timer_label")>{text}</span> }
}

/// The waiting room: who lets this patient in, and — unless the pre-call check passed today —
/// the check itself, run here so the patient keeps their place (its own camera preview is not
/// shown: the page's self-view is the same camera).
#[component]
fn WaitingRoomPanel(signals: CallView, session: Session) -> impl IntoView {
    let doctor = Memo::new(move |_| signals.waiting_room.get().map(|w| w.doctor_name));
    let check = (!passed_today()).then(|| {
        let check = use_precall(expect_authorized_api(), &session);
        Effect::new(move |_| {
            if check.passed.get() {
                remember_pass();
            }
        });
        view! {
            // Focusable: on a small screen the panel scrolls, and a keyboard must reach what is
            // below (WCAG 2.1.1; axe's scrollable-region-focusable).
            <section
                class="waiting-room-check"
                tabindex="0"
                aria-label=t("room.waiting_room.check_label")
            >
                <h2>{t("room.waiting_room.check_heading")}</h2>
                <PrecallLines check=check />
            </section>
        }
    });
    view! {
        <div class="state-panel" role="status" data-testid="waiting-room">
            <p>
                {move || match doctor.get() {
                    Some(doctor) => tr_with("room.waiting_room.let_in", &[("doctor", &doctor)]),
                    None => tr("room.waiting_room.let_in_unnamed"),
                }}
            </p>
            <p class="hint">{t("room.waiting_room.hint")}</p>
        </div>
        {check}
    }
}

/// What is happening, in words, with the way forward.
#[component]
fn StatePanel(
    signals: CallView,
    other_name: Signal<String>,
    dashboard: &'static str,
    controls: UseCallReturn,
    session: Session,
) -> impl IntoView {
    // Rebuilt when the state changes, never when the language does: the texts are closures of
    // their own (the waiting room's check must not restart on a language switch).
    let back = move || view! { <a href=dashboard>{t("room.back_to_dashboard")}</a> };
    move || {
        let state = signals.state.get();
        match state {
            CallState::Active => ().into_any(),
            CallState::Idle | CallState::Joining => view! {
                <div class="state-panel" role="status">
                    <p>{t("room.state.starting")}</p>
                    <p class="hint">{t("room.state.starting_hint")}</p>
                </div>
            }
            .into_any(),
            CallState::WaitingRoom => view! { <WaitingRoomPanel signals=signals session=session.clone() /> }.into_any(),
            CallState::Waiting => view! {
                <div class="state-panel" role="status">
                    <p>{move || tr_with("room.state.waiting", &[("name", &other_name.get())])}</p>
                    <p class="hint">{t("room.state.waiting_hint")}</p>
                </div>
            }
            .into_any(),
            CallState::Connecting => view! {
                <div class="state-panel" role="status">
                    <p>{move || tr_with("room.state.connecting", &[("name", &other_name.get())])}</p>
                </div>
            }
            .into_any(),
            CallState::Reconnecting => view! {
                <div class="state-panel" role="status">
                    <p>{t("room.state.reconnecting")}</p>
                    <p class="hint">{t("room.state.reconnecting_hint")}</p>
                </div>
            }
            .into_any(),
            CallState::PeerLeft { reason } => {
                let text = move || {
                    let name = other_name.get();
                    if reason == LeaveReason::Disconnected {
                        tr_with("room.state.peer_dropped", &[("name", &name)])
                    } else if reason == LeaveReason::MediaUnavailable {
                        tr_with("room.state.peer_media_unavailable", &[("name", &name)])
                    } else {
                        tr_with("room.state.peer_left", &[("name", &name)])
                    }
                };
                view! {
                    <div class="state-panel" role="status" data-testid="peer-left">
                        <p>{text}</p>
                        {back()}
                    </div>
                }
                .into_any()
            }
            CallState::Busy => view! {
                <div class="state-panel" role="alert">
                    <p>{t("room.state.busy")}</p>
                    <button type="button" on:click=move |_| controls.take_over.run(())>
                        {t("room.state.take_over")}
                    </button>
                    {back()}
                </div>
            }
            .into_any(),
            CallState::Ended { reason } => {
                let text = move || {
                    tr(match reason {
                        EndReason::Hangup => "room.state.ended_hangup",
                        EndReason::Moved => "room.state.ended_moved",
                    })
                };
                view! {
                    <div class="state-panel" role="status" data-testid="ended">
                        <p>{text}</p>
                        {back()}
                    </div>
                }
                .into_any()
            }
            CallState::Failed { error } => view! {
                <div class="state-panel" role="alert" data-testid="call-error">
                    // Core's words: follow a language switch too.
                    <p>{move || { current(); error.user_message() }}</p>
                    <button type="button" on:click=|_| { let _ = window().location().reload(); }>
                        {t("room.state.try_again")}
                    </button>
                    {back()}
                </div>
            }
            .into_any(),
        }
    }
}
