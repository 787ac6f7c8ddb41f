//! The peer-to-peer transport: `getUserMedia` + `RTCPeerConnection` through web-sys, with the
//! signaling hub.
//!
//! The engine is three owned parts that report events — [`LocalMedia`] (camera, microphone,
//! screen), [`PeerLink`] (the `RTCPeerConnection`) and [`SignalingSocket`] — and one
//! [`handle`] that turns each event into decisions of the two core machines:
//! `teleconsult_core::call` (the provider-neutral phases) and `teleconsult_core::negotiation`
//! (offers, resets, ICE restarts, glare, which stream is the screen). The engine only carries
//! their effects out.
//!
//! Ownership: one [`P2pCall`] owns the parts. `leave()`, a terminal state, or dropping the value
//! stops every local track, closes the peer connection and closes the socket.

use std::{cell::RefCell, rc::Rc};

use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;
use teleconsult_core::{
    api::IceServer,
    call::{
        CallError, CallEvent, CallState, Effect, MediaPath, ANNOUNCE_WAIT_MS, CONNECT_DEADLINE_MS,
        SIGNALING_DEADLINE_MS,
    },
    media_error::MediaError,
    negotiation::{Negotiation, NegotiationEffect, StreamSlot},
    quality::{self, BandwidthGuard, GuardAction, PacketCounts, QualityMeter, SAMPLE_INTERVAL_MS},
    signaling::{ClientFrame, IceCandidate, ServerFrame},
    Role,
};
use wasm_bindgen_futures::spawn_local;
use web_sys::{MediaStream, RtcRtpSender, RtcSdpType};

use crate::api::TokenSource;

use super::{
    media::{self, LocalMedia, OpeningMedia, ScreenShare, TrackKind},
    peer_link::{self, LinkEvent, PeerLink, StatsRound},
    signaling::{SignalingSocket, SocketStatus},
    transport::{CallReporter, CallTransport, MediaFlags, Notice},
};

/// What a P2P call needs, from the join answer and the session.
#[derive(Debug, Clone)]
pub struct P2pParams {
    /// The appointment whose room to join.
    pub appointment_id: i64,
    /// The signed-in person's role (decides politeness on glare).
    pub role: Role,
    /// Absolute `ws://` or `wss://` URL of the signaling hub.
    pub signaling_url: String,
    /// The session's access token (renewed during the call), sent as the socket's first frame
    /// at every (re)connect, never in the URL.
    pub access_token: TokenSource,
    /// STUN/TURN servers for the peer connection.
    pub ice_servers: Vec<IceServer>,
}

/// A P2P consultation call. See the module documentation.
pub struct P2pCall(Rc<RefCell<Engine>>);

struct Engine {
    reporter: Rc<CallReporter>,
    params: P2pParams,
    /// This page load's id in the room (`sessionId`), so the peer can tell a reload.
    session_id: String,
    negotiation: Negotiation,
    media: Option<LocalMedia>,
    link: Option<PeerLink>,
    links_opened: u64,
    /// The sender of the shared screen on the current link.
    screen_sender: Option<RtcRtpSender>,
    /// The sender of the camera on the current link (its track is null while low-bandwidth
    /// mode pauses video).
    camera_sender: Option<RtcRtpSender>,
    /// Samples `getStats()` every [`SAMPLE_INTERVAL_MS`] while the call runs.
    sampler: Option<Interval>,
    /// This party's own connection quality, as shown.
    meter: QualityMeter,
    /// Low-bandwidth mode.
    guard: BandwidthGuard,
    /// The previous `getStats()` round's packet counts (video, audio) and its link generation.
    last_counts: Option<(u64, PacketCounts, PacketCounts)>,
    socket: Option<SignalingSocket>,
    call_id: Option<String>,
    takeover: bool,
    /// Until the signaling socket first opens: [`SIGNALING_DEADLINE_MS`] (dropping cancels it).
    signaling_deadline: Option<Timeout>,
    /// While media connects with both parties present: [`CONNECT_DEADLINE_MS`].
    connect_deadline: Option<Timeout>,
    /// A camera and microphone that failed while `room:join` was unanswered: the failure waits
    /// for `room:joined` (or any other answer, the socket's loss, or at most
    /// [`ANNOUNCE_WAIT_MS`]), so that the other party, who sees this person enter, is told why
    /// they leave (`media_unavailable`) instead of a dropped connection.
    failed_media: Option<(MediaError, Timeout)>,
    released: bool,
}

/// Everything the engine reacts to, besides the person's clicks.
enum Input {
    MediaReady(Result<LocalMedia, MediaError>),
    Socket(SocketStatus),
    Frame(ServerFrame),
    Link(u64, LinkEvent),
    ScreenEnded,
    /// The signaling socket did not open in time.
    SignalingDeadline,
    /// Media did not connect in time.
    ConnectDeadline,
    /// A camera failure waited [`ANNOUNCE_WAIT_MS`] for `room:joined` in vain.
    FailedMediaDue,
    /// Time for a `getStats()` round.
    SampleDue,
    /// What a `getStats()` round of link `generation` measured.
    Stats(u64, StatsRound),
}

impl P2pCall {
    /// Starts the call: opens the peer connection and the signaling socket and enters the room
    /// at once, while `media` (the camera and microphone, opening since the join request)
    /// finishes opening. The other party can be seen and heard meanwhile (this party answers
    /// receiving only); once the camera is open its tracks join the connection, which
    /// renegotiates. Progress and failures are reported through `reporter`.
    pub fn start(params: P2pParams, media: OpeningMedia, reporter: Rc<CallReporter>) -> P2pCall {
        let session_id = format!("{:x}{:x}", random_u32(), random_u32());
        let negotiation = Negotiation::new(params.role);
        let rc = Rc::new(RefCell::new(Engine {
            reporter,
            params,
            session_id,
            negotiation,
            media: None,
            link: None,
            links_opened: 0,
            screen_sender: None,
            camera_sender: None,
            sampler: None,
            meter: QualityMeter::default(),
            guard: BandwidthGuard::default(),
            last_counts: None,
            socket: None,
            call_id: None,
            takeover: false,
            signaling_deadline: None,
            connect_deadline: None,
            failed_media: None,
            released: false,
        }));
        // The socket first: a peer connection that cannot be made fails the call, and the
        // failure's release then closes the socket too.
        open_signaling(&rc);
        open_link(&rc);
        let weak = Rc::downgrade(&rc);
        spawn_local(async move {
            let media = media.open().await;
            // A call dropped while the browser asked for permission: `media` drops here and
            // releases the camera.
            if let Some(rc) = weak.upgrade() {
                handle(&rc, Input::MediaReady(media));
            }
        });
        P2pCall(rc)
    }
}

fn random_u32() -> u32 {
    (js_sys::Math::random() * f64::from(u32::MAX)) as u32
}

impl CallTransport for P2pCall {
    fn set_microphone(&self, on: bool) {
        set_enabled(&self.0, TrackKind::Audio, on);
    }

    fn set_camera(&self, on: bool) {
        set_enabled(&self.0, TrackKind::Video, on);
    }

    fn flush_chat(&self) {
        flush_chat(&self.0);
    }

    fn toggle_screen_share(&self) {
        let sharing = self
            .0
            .borrow()
            .media
            .as_ref()
            .is_some_and(|m| m.screen().is_some());
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

    fn resume_video(&self) {
        let action = self.0.borrow_mut().guard.resume_by_person();
        if action == Some(GuardAction::ResumeVideo) {
            spawn_local(set_video_paused(self.0.clone(), false));
        }
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

// ------------------------------------------------------------------ the engine

/// Runs the provider-neutral machine and carries out its effects.
fn dispatch(rc: &Rc<RefCell<Engine>>, event: CallEvent) {
    let reporter = rc.borrow().reporter.clone();
    let effects = reporter.dispatch(event);
    watch_connect_deadline(rc);
    for effect in effects {
        match effect {
            // The first join is `call::connect`'s; this is the one after "continue here".
            Effect::Join { takeover } => {
                rc.borrow_mut().takeover = takeover;
                send_join(rc);
            }
            Effect::AnnounceLeave(reason) => {
                let e = rc.borrow();
                if let Some(call_id) = &e.call_id {
                    e.send(ClientFrame::End {
                        call_id: call_id.clone(),
                        reason,
                    });
                }
            }
            Effect::ReleaseAll => release(rc),
        }
    }
}

/// Arms the connect deadline when the call enters `Connecting` (both parties present, media not
/// yet flowing) and cancels it in any other state.
fn watch_connect_deadline(rc: &Rc<RefCell<Engine>>) {
    let connecting =
        rc.borrow().reporter.signals().state.try_get_untracked() == Some(CallState::Connecting);
    let mut e = rc.borrow_mut();
    if !connecting {
        e.connect_deadline = None;
    } else if e.connect_deadline.is_none() && !e.released {
        let weak = Rc::downgrade(rc);
        e.connect_deadline = Some(Timeout::new(CONNECT_DEADLINE_MS, move || {
            if let Some(rc) = weak.upgrade() {
                handle(&rc, Input::ConnectDeadline);
            }
        }));
    }
}

/// Carries out the P2P machine's effects.
fn negotiate(rc: &Rc<RefCell<Engine>>, effects: Vec<NegotiationEffect>) {
    for effect in effects {
        match effect {
            NegotiationEffect::ResetPeerConnection => open_link(rc),
            NegotiationEffect::SendOffer => spawn_local(send_offer(rc.clone())),
            NegotiationEffect::RestartIce => {
                if let Some(link) = &rc.borrow().link {
                    link.restart_ice();
                }
            }
        }
    }
}

/// Opens the signaling socket (it reconnects by itself) and arms [`SIGNALING_DEADLINE_MS`].
fn open_signaling(rc: &Rc<RefCell<Engine>>) {
    let (url, token) = {
        let e = rc.borrow();
        if e.released {
            return;
        }
        (
            e.params.signaling_url.clone(),
            e.params.access_token.clone(),
        )
    };
    let (on_frame, on_status) = (Rc::downgrade(rc), Rc::downgrade(rc));
    let socket = SignalingSocket::connect(
        url,
        token,
        move |frame| {
            if let Some(rc) = on_frame.upgrade() {
                handle(&rc, Input::Frame(frame));
            }
        },
        move |status| {
            if let Some(rc) = on_status.upgrade() {
                handle(&rc, Input::Socket(status));
            }
        },
    );
    let weak = Rc::downgrade(rc);
    let deadline = Timeout::new(SIGNALING_DEADLINE_MS, move || {
        if let Some(rc) = weak.upgrade() {
            handle(&rc, Input::SignalingDeadline);
        }
    });
    let mut e = rc.borrow_mut();
    e.socket = Some(socket);
    e.signaling_deadline = Some(deadline);
}

fn handle(rc: &Rc<RefCell<Engine>>, input: Input) {
    if rc.borrow().released {
        return;
    }
    let signals = rc.borrow().reporter.signals();
    match input {
        Input::MediaReady(Err(error)) => {
            // `room:join` is sent when the socket opens; without a call id it is unanswered.
            let joining = rc.borrow().call_id.is_none()
                && signals.signaling_connected.try_get_untracked() == Some(true);
            if joining {
                let weak = Rc::downgrade(rc);
                let due = Timeout::new(ANNOUNCE_WAIT_MS, move || {
                    if let Some(rc) = weak.upgrade() {
                        handle(&rc, Input::FailedMediaDue);
                    }
                });
                rc.borrow_mut().failed_media = Some((error, due));
            } else {
                dispatch(rc, CallEvent::Failed(CallError::Media { error }))
            }
        }
        Input::MediaReady(Ok(local)) => {
            // A microphone or camera turned off while it was opening stays off.
            let flags = signals.local_media.try_get_untracked().unwrap_or_default();
            local.set_enabled(TrackKind::Audio, flags.audio);
            local.set_enabled(TrackKind::Video, flags.video);
            signals.local_stream.try_set(Some(local.stream()));
            signals.camera_id.try_set(local.camera_id());
            {
                let mut e = rc.borrow_mut();
                e.media = Some(local);
                // Into the connection made at the start: it renegotiates
                // (`negotiationneeded`), and the other party receives them.
                add_local_tracks(&mut e);
            }
            spawn_local(async move {
                signals.cameras.try_set(media::cameras().await);
            });
            let weak = Rc::downgrade(rc);
            let sampler = Interval::new(SAMPLE_INTERVAL_MS, move || {
                if let Some(rc) = weak.upgrade() {
                    handle(&rc, Input::SampleDue);
                }
            });
            rc.borrow_mut().sampler = Some(sampler);
        }
        Input::Socket(SocketStatus::Ready) => {
            rc.borrow_mut().signaling_deadline = None;
            signals.signaling_connected.try_set(true);
            send_join(rc);
        }
        Input::SignalingDeadline => {
            rc.borrow_mut().signaling_deadline = None;
            dispatch(rc, CallEvent::Failed(CallError::SignalingUnreachable));
        }
        Input::ConnectDeadline => {
            rc.borrow_mut().connect_deadline = None;
            if signals.state.try_get_untracked() == Some(CallState::Connecting) {
                // Seen as a media failure while connecting: the TURN advice.
                dispatch(rc, CallEvent::Media(MediaPath::Failed));
            }
        }
        Input::Socket(SocketStatus::Lost) => {
            signals.signaling_connected.try_set(false);
            // No room to announce the leave in: the camera's failure is told at once.
            tell_failed_media(rc);
        }
        Input::FailedMediaDue => {
            tell_failed_media(rc);
        }
        Input::Frame(frame) => on_frame(rc, frame),
        Input::Link(generation, event) => {
            let current = rc.borrow().link.as_ref().map(PeerLink::generation);
            if current == Some(generation) {
                on_link_event(rc, event);
            }
        }
        Input::ScreenEnded => stop_screen_share(rc),
        Input::SampleDue => {
            // Only a call with media flowing has a connection to grade.
            if signals.state.try_get_untracked() != Some(CallState::Active) {
                return;
            }
            let e = rc.borrow();
            let Some(link) = &e.link else { return };
            let (pc, generation) = (link.connection(), link.generation());
            let camera = e.media.as_ref().and_then(LocalMedia::video_track);
            let weak = Rc::downgrade(rc);
            spawn_local(async move {
                let Ok(round) = peer_link::sample_stats(&pc, camera.as_ref()).await else {
                    return; // closed meanwhile
                };
                if let Some(rc) = weak.upgrade() {
                    handle(&rc, Input::Stats(generation, round));
                }
            });
        }
        Input::Stats(generation, round) => on_sample(rc, generation, round),
    }
}

/// Fails the call with the camera's failure that waited for `room:joined`, if one did (its
/// leave is announced if the call id is known by now). Returns whether there was one.
fn tell_failed_media(rc: &Rc<RefCell<Engine>>) -> bool {
    let failed = rc.borrow_mut().failed_media.take();
    let Some((error, _due)) = failed else {
        return false;
    };
    dispatch(rc, CallEvent::Failed(CallError::Media { error }));
    true
}

/// Grades this party's connection and runs low-bandwidth mode with one `getStats()` round.
fn on_sample(rc: &Rc<RefCell<Engine>>, generation: u64, round: StatsRound) {
    let signals = rc.borrow().reporter.signals();
    let wants_video = signals
        .local_media
        .try_get_untracked()
        .is_some_and(|f| f.video);
    let (changed, action) = {
        let mut e = rc.borrow_mut();
        if e.link.as_ref().map(PeerLink::generation) != Some(generation) {
            return;
        }
        // Loss since the previous round: of the video when video went out, else of the audio.
        let mut sample = round.sample;
        if let Some((last_generation, video, audio)) = e.last_counts {
            if last_generation == generation {
                sample.loss = quality::interval_loss(video, round.video)
                    .or_else(|| quality::interval_loss(audio, round.audio));
            }
        }
        e.last_counts = Some((generation, round.video, round.audio));
        let changed = quality::grade(&sample).and_then(|level| e.meter.observe(level));
        let action = if wants_video {
            e.guard.observe(js_sys::Date::now(), sample.usable_kbps())
        } else {
            None
        };
        (changed, action)
    };
    if let Some(level) = changed {
        signals.local_quality.try_set(Some(level));
        send_quality(rc);
    }
    match action {
        Some(GuardAction::PauseVideo) => spawn_local(set_video_paused(rc.clone(), true)),
        Some(GuardAction::ResumeVideo) => spawn_local(set_video_paused(rc.clone(), false)),
        None => {}
    }
}

/// Low-bandwidth mode: stops (`paused`) or restarts sending the camera on the current link
/// (`replaceTrack`, no renegotiation), and tells the screen and the other party.
async fn set_video_paused(rc: Rc<RefCell<Engine>>, paused: bool) {
    let (sender, camera, signals) = {
        let e = rc.borrow();
        (
            e.camera_sender.clone(),
            e.media.as_ref().and_then(LocalMedia::video_track),
            e.reporter.signals(),
        )
    };
    let Some(sender) = sender else { return };
    let result = match (paused, camera) {
        (true, _) => peer_link::pause_sender(&sender).await,
        (false, Some(camera)) => peer_link::replace_track(&sender, &camera).await,
        (false, None) => Ok(()),
    };
    if let Err(err) = result {
        leptos::logging::warn!("could not change the video sender: {err:?}");
    }
    if rc.borrow().released {
        return;
    }
    signals.video_paused.try_set(paused);
    send_quality(&rc);
}

fn on_frame(rc: &Rc<RefCell<Engine>>, frame: ServerFrame) {
    let signals = rc.borrow().reporter.signals();
    // The camera failed while `room:join` was unanswered, and the answer is not the room (a
    // refusal, "busy"): nothing to announce, the camera's failure is told.
    if !matches!(frame, ServerFrame::RoomJoined { .. }) && tell_failed_media(rc) {
        return;
    }
    match frame {
        ServerFrame::RoomJoined { call_id, peers, .. } => {
            let peer = peers.into_iter().next();
            rc.borrow_mut().call_id = Some(call_id);
            // The camera failed while joining: say why this person leaves (the call id is
            // known now), then leave.
            if tell_failed_media(rc) {
                return;
            }
            let effects = {
                let mut e = rc.borrow_mut();
                e.takeover = false;
                e.negotiation
                    .room_joined(peer.as_ref().map(|p| p.session_id.as_str()))
            };
            negotiate(rc, effects);
            let peer_present = peer.is_some();
            if peer.is_some() {
                signals.remote_peer.try_set(peer);
            }
            dispatch(rc, CallEvent::RoomJoined { peer_present });
            // In the room, the chat can be written: its outbox goes over the data channel
            // once it opens, while the camera may still be opening (as for the SFU providers).
            signals.chat_available.try_set(true);
            send_media_state(rc);
        }
        ServerFrame::PeerJoined { peer } => {
            let (resumed, effects) = rc.borrow_mut().negotiation.peer_joined(&peer.session_id);
            // Our media state goes out before the offer (which is created asynchronously), so
            // the peer knows which stream is our screen when the tracks arrive. The offer is
            // begun before the page re-renders for the newcomer: its task is queued first, and
            // the browser creates the offer while the view updates (measured by
            // bench/call_setup.sh's steps: the offer left about 55 ms after the peer arrived).
            send_media_state(rc);
            negotiate(rc, effects);
            signals.remote_peer.try_set(Some(peer));
            dispatch(rc, CallEvent::PeerJoined { resumed });
        }
        ServerFrame::PeerLeft { reason, .. } | ServerFrame::End { reason, .. } => {
            signals.clear_remote();
            signals.remote_media.try_set(MediaFlags::default());
            let effects = rc.borrow_mut().negotiation.peer_left();
            dispatch(rc, CallEvent::PeerLeft { reason });
            negotiate(rc, effects);
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
            screen_stream_id,
            ..
        } => {
            signals.remote_media.try_set(MediaFlags {
                audio,
                video,
                screen,
            });
            let misplaced = rc
                .borrow_mut()
                .negotiation
                .announce_screen(screen_stream_id.as_deref().filter(|_| screen));
            if misplaced {
                let stream = signals.remote_stream.try_get_untracked().flatten();
                signals.remote_stream.try_set(None);
                signals.remote_screen.try_set(stream);
            } else if !screen {
                signals.remote_screen.try_set(None);
            }
        }
        ServerFrame::MediaQuality {
            level,
            video_paused,
            ..
        } => {
            signals.remote_quality.try_set(Some(level));
            signals.remote_video_paused.try_set(video_paused);
        }
        ServerFrame::Busy { .. } => dispatch(rc, CallEvent::Busy),
        ServerFrame::TakenOver { .. } => dispatch(rc, CallEvent::TakenOver),
        ServerFrame::Error { code, message } => {
            let Some(error) = CallError::from_code(&code, message.clone()) else {
                leptos::logging::warn!("signaling error {code}: {message}");
                return;
            };
            if rc.borrow().call_id.is_some() {
                // Refused while re-entering after a signaling outage (a token that outlived a
                // long call, a window that closed meanwhile): the media still flows peer to
                // peer, so the call goes on without signaling.
                signals
                    .notice
                    .try_set(Some(Notice::SignalingNotRestored(error)));
            } else {
                dispatch(rc, CallEvent::Failed(error));
            }
        }
        ServerFrame::AuthOk { .. } | ServerFrame::Pong => {}
    }
}

fn on_link_event(rc: &Rc<RefCell<Engine>>, event: LinkEvent) {
    match event {
        LinkEvent::IceCandidate(candidate) => {
            let e = rc.borrow();
            if let Some(call_id) = &e.call_id {
                e.send(ClientFrame::Ice {
                    call_id: call_id.clone(),
                    candidate,
                });
            }
        }
        LinkEvent::Track(stream) => {
            let (slot, signals) = {
                let mut e = rc.borrow_mut();
                (e.negotiation.slot_for(&stream.id()), e.reporter.signals())
            };
            match slot {
                StreamSlot::Camera => signals.remote_stream.try_set(Some(stream)),
                StreamSlot::Screen => signals.remote_screen.try_set(Some(stream)),
            };
        }
        LinkEvent::State(state) => {
            let effects = rc.borrow_mut().negotiation.connection_state(state);
            if let Some(path) = state.media_path() {
                dispatch(rc, CallEvent::Media(path));
            }
            negotiate(rc, effects);
        }
        LinkEvent::NegotiationNeeded => spawn_local(send_offer(rc.clone())),
        LinkEvent::ChatOpen => flush_chat(rc),
        LinkEvent::ChatFrame(text) => {
            let e = rc.borrow();
            if let (Some(ack), Some(link)) = (e.reporter.chat_received(&text), &e.link) {
                link.send_chat(&ack);
            }
        }
    }
}

/// Sends the chat's outbox on the current connection's data channel, if open.
fn flush_chat(rc: &Rc<RefCell<Engine>>) {
    let e = rc.borrow();
    let Some(link) = &e.link else { return };
    for (id, frame) in e.reporter.chat_outbox() {
        if !link.send_chat(&frame) {
            break;
        }
        e.reporter.chat_sent(&id);
    }
}

impl Engine {
    /// Sends `frame` on the signaling socket, if it is open (frames sent while it is down are
    /// dropped: the state is sent again after the rejoin).
    fn send(&self, frame: ClientFrame) {
        if let Some(socket) = &self.socket {
            socket.send(&frame);
        }
    }
}

fn send_join(rc: &Rc<RefCell<Engine>>) {
    let e = rc.borrow();
    e.send(ClientFrame::RoomJoin {
        appointment_id: e.params.appointment_id,
        session_id: e.session_id.clone(),
        takeover: e.takeover,
    });
}

fn send_media_state(rc: &Rc<RefCell<Engine>>) {
    let e = rc.borrow();
    let Some(call_id) = &e.call_id else { return };
    let flags = e
        .reporter
        .signals()
        .local_media
        .try_get_untracked()
        .unwrap_or_default();
    let screen_stream_id = e
        .media
        .as_ref()
        .and_then(LocalMedia::screen)
        .map(|s| s.stream().id());
    e.send(ClientFrame::MediaState {
        call_id: call_id.clone(),
        audio: flags.audio,
        video: flags.video,
        screen: flags.screen,
        screen_stream_id,
    });
    drop(e);
    send_quality(rc);
}

/// Tells the other party this party's connection quality and whether its video is paused for
/// bandwidth (nothing before the first measurement).
fn send_quality(rc: &Rc<RefCell<Engine>>) {
    let e = rc.borrow();
    let (Some(call_id), Some(level)) = (&e.call_id, e.meter.shown()) else {
        return;
    };
    e.send(ClientFrame::MediaQuality {
        call_id: call_id.clone(),
        level,
        video_paused: e.guard.paused(),
    });
}

// ------------------------------------------------------------------ the peer connection

/// Replaces the peer connection with a fresh one carrying the local tracks, if open yet
/// ([`add_local_tracks`]).
fn open_link(rc: &Rc<RefCell<Engine>>) {
    let mut guard = rc.borrow_mut();
    let e = &mut *guard;
    if e.released {
        return;
    }
    e.link = None; // closes the old one
    e.screen_sender = None;
    e.camera_sender = None;
    // A new connection estimates its bandwidth afresh, sending everything.
    e.guard.reset();
    e.reporter.signals().video_paused.try_set(false);
    e.links_opened += 1;
    let weak = Rc::downgrade(rc);
    let link = PeerLink::open(
        &e.params.ice_servers,
        e.links_opened,
        move |generation, ev| {
            if let Some(rc) = weak.upgrade() {
                handle(&rc, Input::Link(generation, ev));
            }
        },
    );
    let link = match link {
        Ok(link) => link,
        Err(err) => {
            leptos::logging::warn!("could not create a peer connection: {err:?}");
            drop(guard);
            return dispatch(rc, CallEvent::Failed(CallError::ConnectionFailed));
        }
    };
    e.link = Some(link);
    add_local_tracks(e);
    e.reporter.signals().clear_remote();
}

/// Adds the local tracks to the current peer connection: the camera and microphone first, then
/// the screen if it is shared. Nothing before the camera and microphone are open.
fn add_local_tracks(e: &mut Engine) {
    let (Some(link), Some(local)) = (&e.link, &e.media) else {
        return;
    };
    let stream = local.stream();
    let mut camera = None;
    for track in local.tracks() {
        let sender = link.add_track(&track, &stream);
        if track.kind() == "video" {
            camera = Some(sender);
        }
    }
    let screen = local
        .screen()
        .map(|screen| link.add_track(screen.track(), &screen.stream()));
    e.camera_sender = camera;
    e.screen_sender = screen;
}

/// Perfect negotiation's `onnegotiationneeded`: creates and sends an offer when
/// [`Negotiation::begin_offer`] allows it.
async fn send_offer(rc: Rc<RefCell<Engine>>) {
    let (pc, generation) = {
        let mut guard = rc.borrow_mut();
        let e = &mut *guard;
        let Some(link) = &e.link else { return };
        if e.released || e.call_id.is_none() || !e.negotiation.begin_offer(link.is_stable()) {
            return;
        }
        (link.connection(), link.generation())
    };
    let result = peer_link::set_local_description(&pc).await;
    let mut e = rc.borrow_mut();
    if e.link.as_ref().map(PeerLink::generation) != Some(generation) {
        return; // replaced meanwhile; the new connection negotiates afresh
    }
    e.negotiation.offer_done();
    match (result, &e.call_id) {
        (Ok(sdp), Some(call_id)) => e.send(ClientFrame::Offer {
            call_id: call_id.clone(),
            sdp,
        }),
        (Err(err), _) => leptos::logging::warn!("could not create an offer: {err:?}"),
        _ => {}
    }
}

async fn on_description(rc: Rc<RefCell<Engine>>, kind: RtcSdpType, sdp: String) {
    let (pc, generation) = {
        let mut guard = rc.borrow_mut();
        let e = &mut *guard;
        let Some(link) = &e.link else { return };
        let stable = link.is_stable();
        if !e
            .negotiation
            .accept_description(kind == RtcSdpType::Offer, stable)
        {
            return;
        }
        (link.connection(), link.generation())
    };
    if let Err(err) = peer_link::set_remote_description(&pc, kind, &sdp).await {
        leptos::logging::warn!("could not apply the remote description: {err:?}");
        return;
    }
    if kind != RtcSdpType::Offer {
        return;
    }
    let answer = peer_link::set_local_description(&pc).await;
    let e = rc.borrow();
    if e.link.as_ref().map(PeerLink::generation) != Some(generation) {
        return;
    }
    match (answer, &e.call_id) {
        (Ok(sdp), Some(call_id)) => e.send(ClientFrame::Answer {
            call_id: call_id.clone(),
            sdp,
        }),
        (Err(err), _) => leptos::logging::warn!("could not create an answer: {err:?}"),
        _ => {}
    }
}

async fn on_candidate(rc: Rc<RefCell<Engine>>, candidate: IceCandidate) {
    let Some(pc) = rc.borrow().link.as_ref().map(PeerLink::connection) else {
        return;
    };
    if let Err(err) = peer_link::add_ice_candidate(&pc, &candidate).await {
        // Candidates of an offer we ignored on glare are expected to fail.
        if !rc.borrow().negotiation.ignoring_offer() {
            leptos::logging::warn!("could not add an ICE candidate: {err:?}");
        }
    }
}

// ------------------------------------------------------------------ local media

fn set_enabled(rc: &Rc<RefCell<Engine>>, kind: TrackKind, on: bool) {
    let (signals, was_paused) = {
        let mut e = rc.borrow_mut();
        if let Some(local) = &e.media {
            local.set_enabled(kind, on);
        }
        // Turning the camera off or on ends a low-bandwidth pause: the clock starts afresh.
        let was_paused = kind == TrackKind::Video && e.guard.paused();
        if kind == TrackKind::Video {
            e.guard.reset();
        }
        (e.reporter.signals(), was_paused)
    };
    if was_paused {
        spawn_local(set_video_paused(rc.clone(), false));
    }
    signals.local_media.try_update(|f| match kind {
        TrackKind::Audio => f.audio = on,
        TrackKind::Video => f.video = on,
    });
    send_media_state(rc);
}

async fn start_screen_share(rc: Rc<RefCell<Engine>>) {
    let weak = Rc::downgrade(&rc);
    // The browser's own "Stop sharing" button ends the track.
    let share = ScreenShare::start(move || {
        if let Some(rc) = weak.upgrade() {
            handle(&rc, Input::ScreenEnded);
        }
    })
    .await;
    let share = match share {
        Ok(share) => share,
        Err(e) => {
            // Cancelling the picker is a choice, not an error worth a message.
            leptos::logging::log!("screen share not started: {e}");
            return;
        }
    };
    let signals = {
        let mut guard = rc.borrow_mut();
        let e = &mut *guard;
        let (Some(link), Some(local), false) = (&e.link, &mut e.media, e.released) else {
            return; // `share` drops: the capture stops
        };
        // Adding a track fires negotiationneeded: the screen goes to the peer by renegotiation.
        e.screen_sender = Some(link.add_track(share.track(), &share.stream()));
        local.set_screen(share);
        e.reporter.signals()
    };
    signals.local_media.try_update(|f| f.screen = true);
    send_media_state(&rc);
}

fn stop_screen_share(rc: &Rc<RefCell<Engine>>) {
    let signals = {
        let mut guard = rc.borrow_mut();
        let e = &mut *guard;
        if !e.media.as_mut().is_some_and(LocalMedia::stop_screen) {
            return;
        }
        if let (Some(link), Some(sender)) = (&e.link, e.screen_sender.take()) {
            link.remove_track(&sender);
        }
        e.reporter.signals()
    };
    signals.local_media.try_update(|f| f.screen = false);
    send_media_state(rc);
}

/// Replaces the camera track in the peer connection's video sender (`RTCRtpSender.replaceTrack`:
/// no renegotiation) and in the local stream, then stops the old track.
async fn switch_camera(rc: Rc<RefCell<Engine>>, device_id: String) {
    let signals = rc.borrow().reporter.signals();
    let Some(track) = media::open_camera_for_switch(&device_id, signals).await else {
        return;
    };
    let sender = {
        let e = rc.borrow();
        let old = e.media.as_ref().and_then(LocalMedia::video_track);
        e.link
            .as_ref()
            .zip(old)
            .and_then(|(link, old)| link.sender_of(&old))
    };
    if let Some(sender) = sender {
        if let Err(err) = peer_link::replace_track(&sender, &track).await {
            leptos::logging::warn!("could not replace the camera track: {err:?}");
        }
    }
    let e = rc.borrow();
    match e.media.as_ref().filter(|_| !e.released) {
        Some(local) => local.finish_camera_switch(&track, device_id, signals),
        None => track.stop(),
    }
}

// ------------------------------------------------------------------ leaving

/// Stops every local track, closes the peer connection and the signaling socket. Idempotent.
fn release(rc: &Rc<RefCell<Engine>>) {
    let (media, link, socket, signals) = {
        let mut e = rc.borrow_mut();
        if e.released {
            return;
        }
        e.released = true;
        e.screen_sender = None;
        e.camera_sender = None;
        e.sampler = None;
        e.signaling_deadline = None;
        e.connect_deadline = None;
        (
            e.media.take(),
            e.link.take(),
            e.socket.take(),
            e.reporter.signals(),
        )
    };
    // Dropped outside the borrow: each releases its browser resources.
    drop((media, link));
    if let Some(socket) = socket {
        socket.close();
    }
    signals.local_stream.try_set(None::<MediaStream>);
    signals.clear_remote();
    signals.signaling_connected.try_set(false);
}
