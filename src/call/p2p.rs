//! The peer-to-peer call: `getUserMedia` + `RTCPeerConnection` through web-sys, with the
//! signaling hub, following the "perfect negotiation" pattern (W3C WebRTC 1.0 §10.7; MDN
//! "Establishing a connection: The WebRTC perfect negotiation pattern"): either side may offer,
//! and on glare the polite side (the patient) yields.
//!
//! Ownership: one [`P2pCall`] owns the camera/microphone stream, the screen stream, the peer
//! connection and the signaling socket. `leave()`, a terminal state, or dropping the value stops
//! every local track, closes the peer connection and closes the socket.
//!
//! The engine writes its [`CallSignals`] only with the `try_` methods: browser callbacks and the
//! cleanup on unmount can run after the component that owns the signals was disposed, and a
//! plain `set` would then panic.

use std::{cell::RefCell, rc::Rc};

use leptos::prelude::*;
use teleconsult_core::{
    api::{Connection, IceServer, JoinResponse},
    call::{CallError, CallEvent, CallState, Effect, PeerConnectionState},
    signaling::{is_polite, ClientFrame, IceCandidate, Peer, ServerFrame},
    Role,
};
use wasm_bindgen::{closure::Closure, JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{
    MediaStream, MediaStreamTrack, RtcConfiguration, RtcIceCandidateInit, RtcIceServer,
    RtcPeerConnection, RtcPeerConnectionIceEvent, RtcPeerConnectionState, RtcRtpSender, RtcSdpType,
    RtcSessionDescriptionInit, RtcSignalingState, RtcTrackEvent,
};

use super::{
    media,
    signaling::{resolve_url, SignalingSocket, SocketStatus},
    transport::{CallSignals, CallTransport, MediaFlags},
};
use crate::{api, api::ApiError, bindings::webrtc::PeerConnectionExt};

/// What a P2P call needs to start.
#[derive(Debug, Clone)]
pub struct CallParams {
    /// API base URL from `config.json` (empty = same origin).
    pub api_base_url: String,
    /// The signed-in person's access token.
    pub access_token: String,
    /// The appointment whose room to join.
    pub appointment_id: i64,
    /// The signed-in person's role (decides politeness on glare).
    pub role: Role,
}

struct PcHandle {
    pc: RtcPeerConnection,
    generation: u64,
    #[allow(clippy::type_complexity)]
    _handlers: (
        Closure<dyn FnMut(RtcPeerConnectionIceEvent)>,
        Closure<dyn FnMut(RtcTrackEvent)>,
        Closure<dyn FnMut()>,
        Closure<dyn FnMut()>,
    ),
}

impl Drop for PcHandle {
    fn drop(&mut self) {
        self.pc.set_onicecandidate(None);
        self.pc.set_ontrack(None);
        self.pc.set_onconnectionstatechange(None);
        self.pc.set_onnegotiationneeded(None);
        self.pc.close();
    }
}

struct Inner {
    params: CallParams,
    session_id: String,
    signals: CallSignals,
    state: CallState,
    join: Option<JoinResponse>,
    local: Option<MediaStream>,
    screen: Option<(MediaStream, RtcRtpSender)>,
    pc: Option<PcHandle>,
    pc_generation: u64,
    socket: Option<SignalingSocket>,
    call_id: Option<String>,
    peer: Option<Peer>,
    making_offer: bool,
    ignore_offer: bool,
    takeover: bool,
    released: bool,
    // Kept alive while the screen track is shared.
    screen_ended: Option<Closure<dyn FnMut()>>,
}

/// A P2P consultation call. See the module documentation.
pub struct P2pCall(Rc<RefCell<Inner>>);

impl P2pCall {
    /// A call in the `Idle` state; [`CallTransport::start`] begins joining.
    pub fn new(params: CallParams) -> P2pCall {
        let session_id = format!("{:x}{:x}", random_u32(), random_u32());
        P2pCall(Rc::new(RefCell::new(Inner {
            params,
            session_id,
            signals: CallSignals::new(),
            state: CallState::Idle,
            join: None,
            local: None,
            screen: None,
            pc: None,
            pc_generation: 0,
            socket: None,
            call_id: None,
            peer: None,
            making_offer: false,
            ignore_offer: false,
            takeover: false,
            released: false,
            screen_ended: None,
        })))
    }
}

fn random_u32() -> u32 {
    (js_sys::Math::random() * f64::from(u32::MAX)) as u32
}

impl CallTransport for P2pCall {
    fn signals(&self) -> CallSignals {
        self.0.borrow().signals
    }

    fn start(&self) {
        dispatch(&self.0, CallEvent::Start);
    }

    fn set_microphone(&self, on: bool) {
        set_media(&self.0, "audio", on);
    }

    fn set_camera(&self, on: bool) {
        set_media(&self.0, "video", on);
    }

    fn toggle_screen_share(&self) {
        let sharing = self.0.borrow().screen.is_some();
        if sharing {
            stop_screen_share(&self.0);
        } else {
            spawn_local(start_screen_share(self.0.clone()));
        }
    }

    fn switch_camera(&self, device_id: String) {
        spawn_local(switch_camera(self.0.clone(), device_id));
    }

    fn take_over(&self) {
        dispatch(&self.0, CallEvent::TakeOver);
    }

    fn leave(&self) {
        dispatch(&self.0, CallEvent::Leave);
        release(&self.0);
    }
}

impl Drop for P2pCall {
    fn drop(&mut self) {
        self.leave();
    }
}

// ------------------------------------------------------------------ state machine plumbing

fn dispatch(rc: &Rc<RefCell<Inner>>, event: CallEvent) {
    let (state, effects, signals) = {
        let mut i = rc.borrow_mut();
        let old = std::mem::replace(&mut i.state, CallState::Idle);
        let (state, effects) = old.next(event);
        i.state = state.clone();
        (state, effects, i.signals)
    };
    if state == CallState::Active && signals.active_since_ms.try_get_untracked() == Some(None) {
        signals.active_since_ms.try_set(Some(js_sys::Date::now()));
    }
    if signals
        .state
        .try_get_untracked()
        .is_some_and(|s| s != state)
    {
        signals.state.try_set(state);
    }
    for effect in effects {
        run_effect(rc, effect);
    }
}

fn run_effect(rc: &Rc<RefCell<Inner>>, effect: Effect) {
    match effect {
        Effect::Join => spawn_local(join_flow(rc.clone())),
        Effect::JoinWithTakeover => {
            rc.borrow_mut().takeover = true;
            send_join(rc);
        }
        Effect::SendOffer => spawn_local(negotiate(rc.clone())),
        Effect::ResetPeerConnection => reset_pc(rc),
        Effect::RestartIce => {
            if let Some(pc) = current_pc(rc) {
                // Fires negotiationneeded; the next offer restarts ICE on both ends.
                pc.restart_ice();
            }
        }
        Effect::SendEnd(reason) => {
            let i = rc.borrow();
            if let (Some(socket), Some(call_id)) = (&i.socket, &i.call_id) {
                socket.send(&ClientFrame::End {
                    call_id: call_id.clone(),
                    reason: reason.to_string(),
                });
            }
        }
        Effect::ReleaseAll => release(rc),
    }
}

fn fail(rc: &Rc<RefCell<Inner>>, error: CallError) {
    dispatch(rc, CallEvent::Failed(error));
}

fn api_failure(e: ApiError) -> CallError {
    match e {
        ApiError::Network(_) => CallError::Network,
        ApiError::Unauthorized(_) => CallError::SessionExpired,
        ApiError::Rejected {
            status,
            code,
            message,
        } if status < 500 => CallError::Refused { code, message },
        other => CallError::Refused {
            code: "server_error".into(),
            message: other.user_message(),
        },
    }
}

// ------------------------------------------------------------------ joining

async fn join_flow(rc: Rc<RefCell<Inner>>) {
    let params = rc.borrow().params.clone();
    let join = match api::join(
        &params.api_base_url,
        &params.access_token,
        params.appointment_id,
    )
    .await
    {
        Ok(j) => j,
        Err(e) => return fail(&rc, api_failure(e)),
    };
    if rc.borrow().released {
        return;
    }
    let signaling_url = match &join.connection {
        Connection::P2p { signaling_url, .. } => signaling_url.clone(),
        Connection::Livekit { .. } => {
            return fail(
                &rc,
                CallError::Refused {
                    code: "provider_unsupported".into(),
                    message: "This clinic runs consultations through LiveKit, which this version \
                              of the app cannot join yet. Please contact the clinic."
                        .into(),
                },
            )
        }
    };
    let stream = match media::camera_and_microphone().await {
        Ok(s) => s,
        Err(error) => return fail(&rc, CallError::Media { error }),
    };
    if rc.borrow().released {
        // The person left while the browser was asking for permission.
        media::stop_all(&stream);
        return;
    }
    let signals = {
        let mut i = rc.borrow_mut();
        i.join = Some(join);
        // `Clone::clone`, not `stream.clone()`: web-sys's inherent `MediaStream::clone` calls
        // JavaScript's `clone()`, which makes new tracks that leaving would not stop.
        i.local = Some(Clone::clone(&stream));
        i.signals
    };
    let camera_id = stream
        .get_video_tracks()
        .get(0)
        .dyn_into::<MediaStreamTrack>()
        .ok()
        .and_then(|t| {
            let settings = t.get_settings();
            js_sys::Reflect::get(&settings, &"deviceId".into())
                .ok()?
                .as_string()
        });
    signals.local_stream.try_set(Some(stream));
    signals.camera_id.try_set(camera_id);
    reset_pc(&rc);
    spawn_local(async move {
        signals.cameras.try_set(media::cameras().await);
    });

    let origin = window().location().origin().unwrap_or_default();
    let url = resolve_url(&signaling_url, &params.api_base_url, &origin);
    let weak_frame = Rc::downgrade(&rc);
    let weak_status = Rc::downgrade(&rc);
    let socket = SignalingSocket::connect(
        url,
        params.access_token.clone(),
        move |frame| {
            if let Some(rc) = weak_frame.upgrade() {
                on_frame(&rc, frame);
            }
        },
        move |status| {
            if let Some(rc) = weak_status.upgrade() {
                on_socket_status(&rc, status);
            }
        },
    );
    rc.borrow_mut().socket = Some(socket);
}

fn send_join(rc: &Rc<RefCell<Inner>>) {
    let i = rc.borrow();
    if let Some(socket) = &i.socket {
        socket.send(&ClientFrame::RoomJoin {
            appointment_id: i.params.appointment_id,
            session_id: i.session_id.clone(),
            takeover: i.takeover,
        });
    }
}

fn send_media_state(rc: &Rc<RefCell<Inner>>) {
    let i = rc.borrow();
    let flags = i
        .signals
        .local_media
        .try_get_untracked()
        .unwrap_or_default();
    if let (Some(socket), Some(call_id)) = (&i.socket, &i.call_id) {
        socket.send(&ClientFrame::MediaState {
            call_id: call_id.clone(),
            audio: flags.audio,
            video: flags.video,
            screen: flags.screen,
        });
    }
}

fn on_socket_status(rc: &Rc<RefCell<Inner>>, status: SocketStatus) {
    let signals = rc.borrow().signals;
    match status {
        SocketStatus::Ready => {
            signals.signaling_connected.try_set(true);
            send_join(rc);
        }
        SocketStatus::Lost => {
            signals.signaling_connected.try_set(false);
        }
    }
}

fn on_frame(rc: &Rc<RefCell<Inner>>, frame: ServerFrame) {
    match frame {
        ServerFrame::RoomJoined { call_id, peers, .. } => {
            let peer = peers.into_iter().next();
            let (signals, peer_reloaded) = {
                let mut i = rc.borrow_mut();
                i.call_id = Some(call_id);
                i.takeover = false;
                // Back after a signaling outage, and the peer is a new page (it reloaded
                // meanwhile): our connection talks to a page that is gone.
                let reloaded = matches!((&i.peer, &peer), (Some(old), Some(new)) if old.session_id != new.session_id);
                if peer.is_some() {
                    i.peer = peer.clone();
                }
                (i.signals, reloaded)
            };
            if peer_reloaded {
                reset_pc(rc);
            }
            if let Some(p) = &peer {
                signals.remote_peer.try_set(Some(p.clone()));
            }
            dispatch(
                rc,
                CallEvent::RoomJoined {
                    peer_present: peer.is_some(),
                },
            );
            send_media_state(rc);
        }
        ServerFrame::PeerJoined { peer } => {
            let (new_session, signals) = {
                let mut i = rc.borrow_mut();
                let new_session = i.peer.as_ref().map(|p| &p.session_id) != Some(&peer.session_id)
                    || i.pc.is_none();
                i.peer = Some(peer.clone());
                (new_session, i.signals)
            };
            signals.remote_peer.try_set(Some(peer));
            dispatch(rc, CallEvent::PeerJoined { new_session });
            send_media_state(rc);
        }
        ServerFrame::PeerLeft { reason, .. } | ServerFrame::End { reason, .. } => {
            let signals = {
                let mut i = rc.borrow_mut();
                i.peer = None;
                i.signals
            };
            signals.remote_stream.try_set(None);
            signals.remote_screen.try_set(None);
            signals.remote_media.try_set(MediaFlags::default());
            dispatch(rc, CallEvent::PeerLeft { reason });
        }
        ServerFrame::Offer { sdp, .. } => {
            spawn_local(on_description(rc.clone(), RtcSdpType::Offer, sdp))
        }
        ServerFrame::Answer { sdp, .. } => {
            spawn_local(on_description(rc.clone(), RtcSdpType::Answer, sdp))
        }
        ServerFrame::Ice { candidate, .. } => spawn_local(on_candidate(rc.clone(), candidate)),
        ServerFrame::MediaState {
            audio,
            video,
            screen,
            ..
        } => {
            let signals = rc.borrow().signals;
            signals.remote_media.try_set(MediaFlags {
                audio,
                video,
                screen,
            });
            if !screen {
                signals.remote_screen.try_set(None);
            }
        }
        ServerFrame::Busy { .. } => dispatch(rc, CallEvent::Busy),
        ServerFrame::TakenOver { .. } => dispatch(rc, CallEvent::TakenOver),
        ServerFrame::Error { code, message } => {
            let error = match code.as_str() {
                "invalid_token" | "token_expired" | "unauthorized" => CallError::SessionExpired,
                "not_confirmed" | "cancelled" | "completed" | "too_early" | "too_late"
                | "forbidden" | "not_found" | "room_full" => CallError::Refused { code, message },
                _ => {
                    leptos::logging::warn!("signaling error {code}: {message}");
                    return;
                }
            };
            let (joined, signals) = {
                let i = rc.borrow();
                (i.call_id.is_some(), i.signals)
            };
            if joined {
                // Refused while re-entering after a signaling outage (a token that outlived a long
                // call, a window that closed meanwhile): the media still flows peer to peer, so
                // the call goes on without signaling.
                signals.notice.try_set(Some(format!(
                    "The connection to the clinic's server could not be restored: {} The call \
                     continues; if it drops, you may not be able to rejoin.",
                    error.user_message()
                )));
            } else {
                fail(rc, error);
            }
        }
        ServerFrame::AuthOk { .. } | ServerFrame::Pong => {}
    }
}

// ------------------------------------------------------------------ the peer connection

fn current_pc(rc: &Rc<RefCell<Inner>>) -> Option<RtcPeerConnection> {
    rc.borrow().pc.as_ref().map(|h| h.pc.clone())
}

fn ice_servers(servers: &[IceServer]) -> js_sys::Array {
    let list = js_sys::Array::new();
    for s in servers {
        let server = RtcIceServer::new();
        let urls: js_sys::Array = s.urls.iter().map(|u| JsValue::from_str(u)).collect();
        server.set_urls(&urls);
        if let Some(u) = &s.username {
            server.set_username(u);
        }
        if let Some(c) = &s.credential {
            server.set_credential(c);
        }
        list.push(&server);
    }
    list
}

/// Replaces the peer connection with a fresh one carrying the local tracks.
fn reset_pc(rc: &Rc<RefCell<Inner>>) {
    let (servers, local, screen, generation) = {
        let mut i = rc.borrow_mut();
        if i.released {
            return;
        }
        i.pc = None; // closes the old one
        i.making_offer = false;
        i.ignore_offer = false;
        i.pc_generation += 1;
        let servers = match i.join.as_ref().map(|j| &j.connection) {
            Some(Connection::P2p { ice_servers, .. }) => ice_servers.clone(),
            _ => vec![],
        };
        let screen = i.screen.as_ref().map(|(s, _)| Clone::clone(s));
        (servers, i.local.clone(), screen, i.pc_generation)
    };
    let config = RtcConfiguration::new();
    config.set_ice_servers(&ice_servers(&servers));
    let pc = match RtcPeerConnection::new_with_configuration(&config) {
        Ok(pc) => pc,
        Err(_) => return fail(rc, CallError::ConnectionFailed),
    };
    let weak = Rc::downgrade(rc);
    let on_ice = Closure::<dyn FnMut(RtcPeerConnectionIceEvent)>::new({
        let weak = weak.clone();
        move |ev: RtcPeerConnectionIceEvent| {
            let (Some(rc), Some(c)) = (weak.upgrade(), ev.candidate()) else {
                return;
            };
            let i = rc.borrow();
            if let (Some(socket), Some(call_id)) = (&i.socket, &i.call_id) {
                socket.send(&ClientFrame::Ice {
                    call_id: call_id.clone(),
                    candidate: IceCandidate {
                        candidate: c.candidate(),
                        sdp_mid: c.sdp_mid(),
                        sdp_m_line_index: c.sdp_m_line_index(),
                    },
                });
            }
        }
    });
    let on_track = Closure::<dyn FnMut(RtcTrackEvent)>::new({
        let weak = weak.clone();
        move |ev: RtcTrackEvent| {
            let Some(rc) = weak.upgrade() else { return };
            let stream = ev
                .streams()
                .get(0)
                .dyn_into::<MediaStream>()
                .ok()
                .or_else(|| {
                    let s = MediaStream::new().ok()?;
                    s.add_track(&ev.track());
                    Some(s)
                });
            let Some(stream) = stream else { return };
            let signals = rc.borrow().signals;
            let camera = signals.remote_stream.try_get_untracked().flatten();
            match camera {
                Some(c) if c.id() != stream.id() => signals.remote_screen.try_set(Some(stream)),
                _ => signals.remote_stream.try_set(Some(stream)),
            };
        }
    });
    let on_state = Closure::<dyn FnMut()>::new({
        let weak = weak.clone();
        move || {
            let Some(rc) = weak.upgrade() else { return };
            let Some(pc) = current_pc(&rc) else { return };
            let state = match pc.connection_state() {
                RtcPeerConnectionState::New => PeerConnectionState::New,
                RtcPeerConnectionState::Connecting => PeerConnectionState::Connecting,
                RtcPeerConnectionState::Connected => PeerConnectionState::Connected,
                RtcPeerConnectionState::Disconnected => PeerConnectionState::Disconnected,
                RtcPeerConnectionState::Failed => PeerConnectionState::Failed,
                _ => PeerConnectionState::Closed,
            };
            dispatch(&rc, CallEvent::Connection(state));
        }
    });
    let on_negotiation = Closure::<dyn FnMut()>::new(move || {
        if let Some(rc) = weak.upgrade() {
            spawn_local(negotiate(rc));
        }
    });
    pc.set_onicecandidate(Some(on_ice.as_ref().unchecked_ref()));
    pc.set_ontrack(Some(on_track.as_ref().unchecked_ref()));
    pc.set_onconnectionstatechange(Some(on_state.as_ref().unchecked_ref()));
    pc.set_onnegotiationneeded(Some(on_negotiation.as_ref().unchecked_ref()));
    let screen_sender = screen.and_then(|s| {
        let track = s
            .get_video_tracks()
            .get(0)
            .dyn_into::<MediaStreamTrack>()
            .ok()?;
        let sender = pc.add_track_0(&track, &s);
        Some((s, sender))
    });
    if let Some(local) = &local {
        for track in local.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                pc.add_track_0(&track, local);
            }
        }
    }
    let signals = {
        let mut i = rc.borrow_mut();
        i.pc = Some(PcHandle {
            pc,
            generation,
            _handlers: (on_ice, on_track, on_state, on_negotiation),
        });
        if let Some(s) = screen_sender {
            i.screen = Some(s);
        }
        i.signals
    };
    signals.remote_stream.try_set(None);
    signals.remote_screen.try_set(None);
}

/// Sends an offer if a peer is there and no negotiation is under way (perfect negotiation's
/// `onnegotiationneeded`).
async fn negotiate(rc: Rc<RefCell<Inner>>) {
    let (pc, generation) = {
        let mut i = rc.borrow_mut();
        let Some((pc, generation)) = i.pc.as_ref().map(|h| (h.pc.clone(), h.generation)) else {
            return;
        };
        let ready = i.peer.is_some() && i.call_id.is_some() && !i.released;
        if !ready || i.making_offer || pc.signaling_state() != RtcSignalingState::Stable {
            return;
        }
        i.making_offer = true;
        (pc, generation)
    };
    let result = JsFuture::from(pc.set_local_description_implicit()).await;
    let mut i = rc.borrow_mut();
    if i.pc.as_ref().map(|h| h.generation) != Some(generation) {
        return;
    }
    i.making_offer = false;
    if let Err(e) = result {
        leptos::logging::warn!("could not create an offer: {e:?}");
        return;
    }
    if let (Some(desc), Some(socket), Some(call_id)) =
        (pc.local_description(), &i.socket, &i.call_id)
    {
        socket.send(&ClientFrame::Offer {
            call_id: call_id.clone(),
            sdp: desc.sdp(),
        });
    }
}

async fn on_description(rc: Rc<RefCell<Inner>>, kind: RtcSdpType, sdp: String) {
    let (pc, generation) = {
        let mut i = rc.borrow_mut();
        let Some((pc, generation)) = i.pc.as_ref().map(|h| (h.pc.clone(), h.generation)) else {
            return;
        };
        let collision = kind == RtcSdpType::Offer
            && (i.making_offer || pc.signaling_state() != RtcSignalingState::Stable);
        i.ignore_offer = !is_polite(i.params.role) && collision;
        if i.ignore_offer {
            return;
        }
        (pc, generation)
    };
    let init = RtcSessionDescriptionInit::new(kind);
    init.set_sdp(&sdp);
    // On glare, the polite side's setRemoteDescription rolls back its own offer implicitly.
    if let Err(e) = JsFuture::from(pc.set_remote_description(&init)).await {
        leptos::logging::warn!("could not apply the remote description: {e:?}");
        return;
    }
    if kind != RtcSdpType::Offer {
        return;
    }
    if let Err(e) = JsFuture::from(pc.set_local_description_implicit()).await {
        leptos::logging::warn!("could not create an answer: {e:?}");
        return;
    }
    let i = rc.borrow();
    if i.pc.as_ref().map(|h| h.generation) != Some(generation) {
        return;
    }
    if let (Some(desc), Some(socket), Some(call_id)) =
        (pc.local_description(), &i.socket, &i.call_id)
    {
        socket.send(&ClientFrame::Answer {
            call_id: call_id.clone(),
            sdp: desc.sdp(),
        });
    }
}

async fn on_candidate(rc: Rc<RefCell<Inner>>, candidate: IceCandidate) {
    let Some(pc) = current_pc(&rc) else { return };
    let init = RtcIceCandidateInit::new(&candidate.candidate);
    init.set_sdp_mid(candidate.sdp_mid.as_deref());
    init.set_sdp_m_line_index(candidate.sdp_m_line_index);
    let result =
        JsFuture::from(pc.add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init))).await;
    if let Err(e) = result {
        // Candidates of an offer we ignored on glare are expected to fail.
        if !rc.borrow().ignore_offer {
            leptos::logging::warn!("could not add an ICE candidate: {e:?}");
        }
    }
}

// ------------------------------------------------------------------ local media

fn set_media(rc: &Rc<RefCell<Inner>>, kind: &str, on: bool) {
    let signals = {
        let i = rc.borrow();
        if let Some(local) = &i.local {
            media::set_enabled(local, kind, on);
        }
        i.signals
    };
    signals.local_media.try_update(|f| {
        if kind == "audio" {
            f.audio = on;
        } else {
            f.video = on;
        }
    });
    send_media_state(rc);
}

async fn start_screen_share(rc: Rc<RefCell<Inner>>) {
    let stream = match media::screen().await {
        Ok(s) => s,
        Err(e) => {
            // Cancelling the picker is a choice, not an error worth a message.
            leptos::logging::log!("screen share not started: {e}");
            return;
        }
    };
    let Some(track) = stream
        .get_video_tracks()
        .get(0)
        .dyn_into::<MediaStreamTrack>()
        .ok()
    else {
        return;
    };
    let Some(pc) = current_pc(&rc) else {
        media::stop_all(&stream);
        return;
    };
    if rc.borrow().released {
        media::stop_all(&stream);
        return;
    }
    // Adding a track fires negotiationneeded: the screen goes to the peer by renegotiation.
    let sender = pc.add_track_0(&track, &stream);
    let weak = Rc::downgrade(&rc);
    // The browser's own "Stop sharing" button ends the track.
    let on_ended = Closure::<dyn FnMut()>::new(move || {
        if let Some(rc) = weak.upgrade() {
            stop_screen_share(&rc);
        }
    });
    track.set_onended(Some(on_ended.as_ref().unchecked_ref()));
    let signals = {
        let mut i = rc.borrow_mut();
        i.screen = Some((stream, sender));
        i.screen_ended = Some(on_ended);
        i.signals
    };
    signals.local_media.try_update(|f| f.screen = true);
    send_media_state(&rc);
}

fn stop_screen_share(rc: &Rc<RefCell<Inner>>) {
    let signals = {
        let mut i = rc.borrow_mut();
        let Some((stream, sender)) = i.screen.take() else {
            return;
        };
        media::stop_all(&stream);
        if let Some(h) = &i.pc {
            h.pc.remove_track(&sender);
        }
        i.screen_ended = None;
        i.signals
    };
    signals.local_media.try_update(|f| f.screen = false);
    send_media_state(rc);
}

/// Replaces the camera track in the local stream and in the peer connection's video sender
/// (`RTCRtpSender.replaceTrack`: no renegotiation), then stops the old track.
async fn switch_camera(rc: Rc<RefCell<Inner>>, device_id: String) {
    let signals = rc.borrow().signals;
    let track = match media::camera(&device_id).await {
        Ok(t) => t,
        Err(error) => {
            signals
                .notice
                .try_set(Some(error.user_message().to_string()));
            // Re-render the picker so it shows the camera still in use.
            signals.camera_id.try_update(|_| {});
            return;
        }
    };
    let (local, pc, released) = {
        let i = rc.borrow();
        (i.local.clone(), current_pc(&rc), i.released)
    };
    let Some(local) = local.filter(|_| !released) else {
        track.stop();
        return;
    };
    track.set_enabled(
        signals
            .local_media
            .try_get_untracked()
            .unwrap_or_default()
            .video,
    );
    let old = local
        .get_video_tracks()
        .get(0)
        .dyn_into::<MediaStreamTrack>()
        .ok();
    if let (Some(pc), Some(old)) = (&pc, &old) {
        for sender in pc.get_senders().iter() {
            let Ok(sender) = sender.dyn_into::<RtcRtpSender>() else {
                continue;
            };
            if sender.track().is_some_and(|t| t.id() == old.id()) {
                let _ = JsFuture::from(sender.replace_track(Some(&track))).await;
            }
        }
    }
    if let Some(old) = old {
        local.remove_track(&old);
        old.stop();
    }
    local.add_track(&track);
    signals.camera_id.try_set(Some(device_id));
    signals.notice.try_set(None);
    // The preview element keeps the same stream; re-set it so it shows the new track at once.
    signals.local_stream.try_set(Some(local));
}

// ------------------------------------------------------------------ leaving

/// Stops every local track, closes the peer connection and the signaling socket. Idempotent.
fn release(rc: &Rc<RefCell<Inner>>) {
    let signals = {
        let mut i = rc.borrow_mut();
        if i.released {
            return;
        }
        i.released = true;
        if let Some(local) = i.local.take() {
            media::stop_all(&local);
        }
        if let Some((screen, _)) = i.screen.take() {
            media::stop_all(&screen);
        }
        i.screen_ended = None;
        i.pc = None;
        if let Some(socket) = i.socket.take() {
            socket.close();
        }
        i.signals
    };
    signals.local_stream.try_set(None);
    signals.remote_stream.try_set(None);
    signals.remote_screen.try_set(None);
    signals.signaling_connected.try_set(false);
}
