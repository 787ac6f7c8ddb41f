//! `use_precall`: the pre-call check ("Check camera, microphone and connection").
//!
//! It opens the camera and microphone (the remembered choice, see `call::media::DeviceChoice`)
//! for a preview and a level meter, lists the devices and follows hot-plugging
//! (`devicechange`), plays a test sound on the chosen speaker, and tests the paths a consultation
//! of this clinic uses (`GET /api/connectivity`): the API, the signaling socket (P2P) or the video
//! service (LiveKit, Twilio), and, for P2P, which ICE candidates this network allows with the
//! clinic's STUN/TURN servers. The verdicts and their words are `teleconsult_core::precall`;
//! each line keeps what it found ([`Finding`]) and says it in the page's language, again in
//! another if the person switches.
//!
//! Ownership: the preview's media and meter are one [`Preview`] (tracks stopped and the
//! `AudioContext` closed on drop); the probes' socket and peer connection are closed when their
//! test ends; everything goes when the page unmounts.

use std::{cell::RefCell, rc::Rc};

use leptos::prelude::*;
use teleconsult_core::{
    api::{ConnectivityInfo, ProviderKind},
    media_error::MediaError,
    precall::{self, CandidateType, Status, Verdict},
};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{MediaDeviceKind, MediaStream};

use crate::{
    api::{ApiError, AuthorizedApi},
    call::{
        media::{self, DeviceChoice, LocalMedia},
        signaling,
    },
    i18n::{current, tr},
    session::{self, Session},
};

/// How long a reachability probe may take: seed 004's blocked socket must be told within 10 s.
const PROBE_TIMEOUT_MS: i32 = 10_000;
/// How long ICE gathering may take.
const GATHER_TIMEOUT_MS: i32 = 8_000;
/// RMS level above which the microphone counts as hearing something (0–1 full scale).
const HEARD_LEVEL: f64 = 0.01;

/// Where a passed check is remembered: the local date (`YYYY-MM-DD`) it passed on.
pub const PASS_KEY: &str = "teleconsult-precall-passed";

/// Today's local date, `YYYY-MM-DD`.
pub fn today() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

/// Remembers that the check passed today.
pub fn remember_pass() {
    use gloo_storage::Storage as _;
    let _ = gloo_storage::LocalStorage::set(PASS_KEY, today());
}

/// Whether the check passed today in this browser.
pub fn passed_today() -> bool {
    use gloo_storage::Storage as _;
    let passed: Option<String> = gloo_storage::LocalStorage::get(PASS_KEY).ok();
    teleconsult_core::precall::pass_is_current(passed.as_deref(), &today())
}

/// What one line of the check found, kept as facts so that [`Finding::verdict`] says it in the
/// page's language.
#[derive(Debug, Clone, PartialEq)]
enum Finding {
    /// Still being checked.
    Checking,
    /// The camera opened.
    CameraWorks,
    /// The microphone opened but has heard nothing yet.
    MicrophoneSilent,
    /// The microphone heard something.
    MicrophoneHeard,
    /// The camera and microphone could not be opened.
    Media(MediaError),
    /// The clinic's server could not tell what to test.
    Api(ApiError),
    /// Whether a connection the call needs could be opened: `Ok(())` or `Err(timed_out)`.
    Reach(Target, Result<(), bool>),
    /// The ICE candidates this network allows, and whether the clinic has STUN and TURN servers.
    Ice {
        gathered: Vec<CandidateType>,
        stun: bool,
        turn: bool,
    },
}

/// A connection the check tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The clinic's API.
    Api,
    /// The P2P signaling socket.
    Signaling,
    /// The clinic's video service (LiveKit, Twilio).
    VideoServer,
}

impl Finding {
    /// The line's status and words in the page's language; inside a reactive closure it follows
    /// a language switch.
    fn verdict(&self) -> Verdict {
        // The words are mostly core's: follow a language switch too.
        current();
        match self {
            Finding::Checking => Verdict::checking(),
            Finding::CameraWorks => Verdict {
                status: Status::Good,
                meaning: tr("check.camera_works"),
                fix: None,
            },
            Finding::MicrophoneSilent => Verdict {
                status: Status::Warning,
                meaning: tr("check.microphone_silent"),
                fix: Some(tr("check.microphone_silent_fix")),
            },
            Finding::MicrophoneHeard => Verdict {
                status: Status::Good,
                meaning: tr("check.microphone_heard"),
                fix: None,
            },
            Finding::Media(error) => Verdict {
                status: Status::Problem,
                meaning: error.user_message(),
                fix: None,
            },
            Finding::Api(error) => Verdict {
                status: Status::Problem,
                meaning: error.user_message(),
                fix: None,
            },
            Finding::Reach(target, result) => {
                let what = tr(match target {
                    Target::Api => "check.target.api",
                    Target::Signaling => "check.target.signaling",
                    Target::VideoServer => "check.target.video_server",
                });
                precall::reachability_verdict(&what, *result)
            }
            Finding::Ice {
                gathered,
                stun,
                turn,
            } => precall::ice_verdict(gathered, *stun, *turn),
        }
    }
}

/// The check's lines and controls, for the page.
#[derive(Clone, Copy)]
pub struct UsePrecallReturn {
    /// The camera preview.
    pub preview: Signal<Option<MediaStream>, LocalStorage>,
    /// Camera: works, or why not.
    pub camera: Signal<Verdict>,
    /// Microphone: heard something, or why not.
    pub microphone: Signal<Verdict>,
    /// The microphone's level now, 0–1.
    pub level: Signal<f64>,
    /// The clinic's server.
    pub api: Signal<Verdict>,
    /// The signaling socket (P2P) or the video service (SFU).
    pub path: Signal<Verdict>,
    /// Which connections this network allows (P2P only; `None` for SFU clinics).
    pub network: Signal<Option<Verdict>>,
    /// How long this sign-in lasts.
    pub session: Signal<Verdict>,
    /// Cameras, microphones and speakers: `(deviceId, label)`; the label is empty while the
    /// browser does not tell it (before permission).
    pub cameras: Signal<Vec<(String, String)>>,
    /// Microphones.
    pub microphones: Signal<Vec<(String, String)>>,
    /// Speakers (empty where the browser cannot choose one: no `setSinkId`).
    pub speakers: Signal<Vec<(String, String)>>,
    /// The chosen devices.
    pub choice: Signal<DeviceChoice>,
    /// Chooses devices (remembered; the preview reopens with them).
    pub choose: Callback<DeviceChoice>,
    /// Plays a one-second test tone on the chosen speaker.
    pub play_test_sound: Callback<()>,
    /// Every line is done and none is a problem.
    pub passed: Signal<bool>,
}

/// Camera and microphone opened for the check, with a level meter.
struct Preview {
    /// Held for its drop: stops the camera and microphone.
    _media: LocalMedia,
    audio: Option<web_sys::AudioContext>,
    timer: Option<i32>,
    _tick: Option<Closure<dyn FnMut()>>,
}

impl Drop for Preview {
    fn drop(&mut self) {
        if let Some(id) = self.timer.take() {
            leptos::prelude::window().clear_interval_with_handle(id);
        }
        if let Some(ctx) = self.audio.take() {
            let _ = ctx.close();
        }
        // `media` stops its tracks on drop.
    }
}

/// Starts the check for the signed-in `session` with `api`.
pub fn use_precall(api: AuthorizedApi, session: &Session) -> UsePrecallReturn {
    let preview = RwSignal::new_local(None::<MediaStream>);
    let camera = RwSignal::new(Finding::Checking);
    let microphone = RwSignal::new(Finding::Checking);
    let level = RwSignal::new(0.0);
    let api_line = RwSignal::new(Finding::Checking);
    let path = RwSignal::new(Finding::Checking);
    let network = RwSignal::new(Some(Finding::Checking));
    let remaining_s = session.ends_at() - session::now_s();
    let session_line = Signal::derive(move || {
        current();
        precall::session_verdict(remaining_s)
    });
    let cameras = RwSignal::new(Vec::new());
    let microphones = RwSignal::new(Vec::new());
    let speakers = RwSignal::new(Vec::new());
    let choice = RwSignal::new(DeviceChoice::load());
    // Dropped (devices released) when the page's owner is disposed.
    let held = StoredValue::new_local(None::<Preview>);

    let refresh_devices = move || {
        spawn_local(async move {
            cameras.try_set(media::devices(MediaDeviceKind::Videoinput).await);
            microphones.try_set(media::devices(MediaDeviceKind::Audioinput).await);
            if speaker_choice_supported() {
                speakers.try_set(media::devices(MediaDeviceKind::Audiooutput).await);
            }
        });
    };

    let open_preview = move |choice: DeviceChoice| {
        // Release the devices before opening others.
        held.try_update_value(|h| h.take());
        preview.try_set(None);
        camera.try_set(Finding::Checking);
        microphone.try_set(Finding::Checking);
        spawn_local(async move {
            match LocalMedia::acquire_with(&choice).await {
                Ok(media) => {
                    camera.try_set(Finding::CameraWorks);
                    microphone.try_set(Finding::MicrophoneSilent);
                    preview.try_set(Some(media.stream()));
                    let stream = media.stream();
                    let mut p = Preview {
                        _media: media,
                        audio: None,
                        timer: None,
                        _tick: None,
                    };
                    start_meter(&mut p, &stream, level, microphone);
                    // After unmount the value is gone and `p` drops here.
                    held.try_update_value(move |h| *h = Some(p));
                    refresh_devices(); // labels appear once access is granted
                }
                Err(error) => {
                    camera.try_set(Finding::Media(error.clone()));
                    microphone.try_set(Finding::Media(error));
                }
            }
        });
    };
    open_preview(choice.get_untracked());
    refresh_devices();

    // Hot-plugging: refresh the lists when a device comes or goes.
    if let Ok(devices) = leptos::prelude::window().navigator().media_devices() {
        let on_change = Closure::<dyn FnMut()>::new(refresh_devices);
        devices.set_ondevicechange(Some(on_change.as_ref().unchecked_ref()));
        let kept = send_wrapper::SendWrapper::new((devices, on_change));
        on_cleanup(move || kept.0.set_ondevicechange(None));
    }

    spawn_local(run_connectivity(api, api_line, path, network));

    on_cleanup(move || {
        held.try_update_value(|h| h.take());
    });

    let choose = Callback::new({
        move |next: DeviceChoice| {
            let reopen = {
                let current = choice.get_untracked();
                current.camera != next.camera || current.microphone != next.microphone
            };
            next.save();
            choice.set(next.clone());
            if reopen {
                open_preview(next);
            }
        }
    });
    let play_test_sound = Callback::new(move |()| {
        if let Err(e) = test_tone(choice.get_untracked().speaker) {
            leptos::logging::warn!("test sound: {e:?}");
        }
    });
    let verdict = |line: RwSignal<Finding>| Signal::derive(move || line.with(Finding::verdict));
    let (camera, microphone, api_line, path) = (
        verdict(camera),
        verdict(microphone),
        verdict(api_line),
        verdict(path),
    );
    let network = Signal::derive(move || network.with(|n| n.as_ref().map(Finding::verdict)));
    let passed = Signal::derive(move || {
        let mut lines = vec![
            camera.get(),
            microphone.get(),
            api_line.get(),
            path.get(),
            session_line.get(),
        ];
        lines.extend(network.get());
        lines
            .iter()
            .all(|v| matches!(v.status, Status::Good | Status::Warning))
            && camera.get().status == Status::Good
    });
    UsePrecallReturn {
        preview: preview.into(),
        camera,
        microphone,
        level: level.into(),
        api: api_line,
        path,
        network,
        session: session_line,
        cameras: cameras.into(),
        microphones: microphones.into(),
        speakers: speakers.into(),
        choice: choice.into(),
        choose,
        play_test_sound,
        passed,
    }
}

/// Whether this browser lets the page choose the speaker (`HTMLMediaElement.setSinkId`).
fn speaker_choice_supported() -> bool {
    js_sys::Reflect::get(&leptos::prelude::window(), &"HTMLMediaElement".into())
        .and_then(|class| js_sys::Reflect::get(&class, &"prototype".into()))
        .and_then(|proto| js_sys::Reflect::has(&proto, &"setSinkId".into()))
        .unwrap_or(false)
}

/// Feeds `level` from the microphone of `stream` ten times a second; the microphone line turns
/// good once something is heard.
fn start_meter(
    p: &mut Preview,
    stream: &MediaStream,
    level: RwSignal<f64>,
    microphone: RwSignal<Finding>,
) {
    let Ok(ctx) = web_sys::AudioContext::new() else {
        return;
    };
    let (Ok(source), Ok(analyser)) = (
        ctx.create_media_stream_source(stream),
        ctx.create_analyser(),
    ) else {
        return;
    };
    let _ = source.connect_with_audio_node(&analyser);
    analyser.set_fft_size(1024);
    let mut buffer = vec![0f32; 1024];
    let tick = Closure::<dyn FnMut()>::new(move || {
        analyser.get_float_time_domain_data(&mut buffer);
        let rms = (buffer.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / buffer.len() as f64)
            .sqrt();
        level.try_set(rms.min(1.0));
        if rms > HEARD_LEVEL
            && microphone
                .try_get_untracked()
                .is_some_and(|f| f != Finding::MicrophoneHeard)
        {
            microphone.try_set(Finding::MicrophoneHeard);
        }
    });
    p.timer = leptos::prelude::window()
        .set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 100)
        .ok();
    p._tick = Some(tick);
    p.audio = Some(ctx);
}

/// A 440 Hz tone for one second, on `speaker` where the browser can choose one.
fn test_tone(speaker: Option<String>) -> Result<(), JsValue> {
    let ctx = web_sys::AudioContext::new()?;
    if let Some(id) = speaker {
        if let Ok(set) = js_sys::Reflect::get(&ctx, &"setSinkId".into()) {
            if let Some(set) = set.dyn_ref::<js_sys::Function>() {
                let _ = set.call1(&ctx, &id.into());
            }
        }
    }
    let osc = ctx.create_oscillator()?;
    let gain = ctx.create_gain()?;
    gain.gain().set_value(0.2);
    osc.connect_with_audio_node(&gain)?;
    gain.connect_with_audio_node(&ctx.destination())?;
    osc.start()?;
    osc.stop_with_when(ctx.current_time() + 1.0)?;
    let close = Closure::once_into_js(move || {
        let _ = ctx.close();
    });
    leptos::prelude::window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(close.unchecked_ref(), 1_500)?;
    Ok(())
}

async fn run_connectivity(
    api: AuthorizedApi,
    api_line: RwSignal<Finding>,
    path: RwSignal<Finding>,
    network: RwSignal<Option<Finding>>,
) {
    let info: ConnectivityInfo = match api.connectivity().await {
        Ok(info) => {
            api_line.try_set(Finding::Reach(Target::Api, Ok(())));
            info
        }
        Err(e) => {
            api_line.try_set(Finding::Api(e.clone()));
            path.try_set(Finding::Api(e.clone()));
            network.try_set(Some(Finding::Api(e)));
            return;
        }
    };
    crate::call::remember_provider(info.provider);
    match info.provider {
        ProviderKind::P2p => {
            let origin = leptos::prelude::window()
                .location()
                .origin()
                .unwrap_or_default();
            let url = signaling::resolve_url(
                info.signaling_url.as_deref().unwrap_or("/api/signal"),
                api.base_url(),
                &origin,
            );
            let stun = info
                .ice_servers
                .iter()
                .any(|s| s.urls.iter().any(|u| u.starts_with("stun")));
            let turn = info
                .ice_servers
                .iter()
                .any(|s| s.urls.iter().any(|u| u.starts_with("turn")));
            let servers = info.ice_servers.clone();
            spawn_local(async move {
                let gathered = gather_candidates(&servers).await;
                network.try_set(Some(Finding::Ice {
                    gathered,
                    stun,
                    turn,
                }));
            });
            let opened = probe_socket(&url).await;
            path.try_set(Finding::Reach(Target::Signaling, opened));
        }
        ProviderKind::Livekit | ProviderKind::Twilio => {
            network.try_set(None);
            let result = match &info.media_server_url {
                Some(url) => probe_http(url).await,
                None => Err(false),
            };
            path.try_set(Finding::Reach(Target::VideoServer, result));
        }
    }
}

/// Opens a WebSocket to `url` and closes it: `Ok` once it opened, `Err(timed_out)` otherwise.
async fn probe_socket(url: &str) -> Result<(), bool> {
    let Ok(socket) = web_sys::WebSocket::new(url) else {
        return Err(false);
    };
    let outcome = js_sys::Promise::new(&mut |resolve, _| {
        let ok = resolve.clone();
        let open = Closure::once_into_js(move || {
            let _ = ok.call1(&JsValue::NULL, &"open".into());
        });
        let fail = resolve.clone();
        let error = Closure::once_into_js(move || {
            let _ = fail.call1(&JsValue::NULL, &"error".into());
        });
        socket.set_onopen(Some(open.unchecked_ref()));
        socket.set_onerror(Some(error.unchecked_ref()));
        socket.set_onclose(Some(error.unchecked_ref()));
        let _ = leptos::prelude::window().set_timeout_with_callback_and_timeout_and_arguments_1(
            &resolve,
            PROBE_TIMEOUT_MS,
            &"timeout".into(),
        );
    });
    let result = JsFuture::from(outcome)
        .await
        .ok()
        .and_then(|v| v.as_string());
    socket.set_onopen(None);
    socket.set_onerror(None);
    socket.set_onclose(None);
    let _ = socket.close();
    match result.as_deref() {
        Some("open") => Ok(()),
        Some("timeout") => Err(true),
        _ => Err(false),
    }
}

/// Fetches `url` without reading it (`no-cors`): any HTTP answer means the service is reachable.
async fn probe_http(url: &str) -> Result<(), bool> {
    let init = web_sys::RequestInit::new();
    init.set_mode(web_sys::RequestMode::NoCors);
    let controller = web_sys::AbortController::new().ok();
    if let Some(c) = &controller {
        init.set_signal(Some(&c.signal()));
    }
    let timer = controller.as_ref().and_then(|c| {
        let c = c.clone();
        let abort = Closure::once_into_js(move || c.abort());
        leptos::prelude::window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                abort.unchecked_ref(),
                PROBE_TIMEOUT_MS,
            )
            .ok()
    });
    let result =
        JsFuture::from(leptos::prelude::window().fetch_with_str_and_init(url, &init)).await;
    if let Some(id) = timer {
        leptos::prelude::window().clear_timeout_with_handle(id);
    }
    match result {
        Ok(_) => Ok(()),
        Err(_) => Err(controller.is_some_and(|c| c.signal().aborted())),
    }
}

/// Gathers ICE candidates against `servers` for up to [`GATHER_TIMEOUT_MS`]; their types.
async fn gather_candidates(servers: &[teleconsult_core::api::IceServer]) -> Vec<CandidateType> {
    let config = web_sys::RtcConfiguration::new();
    let list = js_sys::Array::new();
    for s in servers {
        if let Ok(server) = serde_wasm_bindgen::to_value(s) {
            list.push(&server);
        }
    }
    config.set_ice_servers(&list);
    let Ok(pc) = web_sys::RtcPeerConnection::new_with_configuration(&config) else {
        return Vec::new();
    };
    let found: Rc<RefCell<Vec<CandidateType>>> = Rc::default();
    let mut resolver = None;
    let done = js_sys::Promise::new(&mut |resolve, _| resolver = Some(resolve));
    let Some(resolve) = resolver else {
        return Vec::new();
    };
    let on_candidate = {
        let (found, resolve) = (found.clone(), resolve.clone());
        Closure::<dyn FnMut(web_sys::RtcPeerConnectionIceEvent)>::new(
            move |e: web_sys::RtcPeerConnectionIceEvent| match e.candidate() {
                Some(c) => {
                    let kind = js_sys::Reflect::get(&c, &"type".into())
                        .ok()
                        .and_then(|t| t.as_string());
                    if let Some(kind) = kind.as_deref().and_then(CandidateType::parse) {
                        found.borrow_mut().push(kind);
                    }
                }
                // The end of gathering.
                None => {
                    let _ = resolve.call0(&JsValue::NULL);
                }
            },
        )
    };
    pc.set_onicecandidate(Some(on_candidate.as_ref().unchecked_ref()));
    let _ = leptos::prelude::window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, GATHER_TIMEOUT_MS);
    let _ = pc.create_data_channel("check");
    if let Ok(offer) = JsFuture::from(pc.create_offer()).await {
        let init: web_sys::RtcSessionDescriptionInit = offer.unchecked_into();
        let _ = JsFuture::from(pc.set_local_description(&init)).await;
        let _ = JsFuture::from(done).await;
    }
    pc.set_onicecandidate(None);
    pc.close();
    drop(on_candidate);
    let out = found.borrow().clone();
    out
}
