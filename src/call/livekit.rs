//! The LiveKit transport: the consultation through a LiveKit SFU, with LiveKit's browser SDK
//! (loaded on demand, see `bindings::livekit`).
//!
//! It shares [`LocalMedia`] and [`ScreenShare`] with the P2P engine: the SDK publishes our own
//! camera, microphone and screen tracks, and mute, camera switch and screen share work on them.
//! What LiveKit reports ([`RoomEvent`]) becomes the provider-neutral events of
//! `teleconsult_core::call`; LiveKit's connection errors and disconnect reasons become the same
//! [`CallError`]s the P2P call uses, so the words on screen are the same.
//!
//! Ownership: one [`LivekitCall`] owns the local media and the [`Room`]; `leave()`, a terminal
//! state, or dropping it disconnects and stops every local track.

use std::{cell::RefCell, rc::Rc};

use leptos::prelude::*;
use teleconsult_core::{
    call::{CallError, CallEvent, Effect, LeaveReason, MediaPath, Refusal},
    media_error::MediaError,
    signaling::Peer,
    Role,
};
use wasm_bindgen_futures::spawn_local;
use web_sys::{MediaStream, MediaStreamTrack};

use super::{
    media::{self, LocalMedia, ScreenShare, TrackKind},
    transport::{CallReporter, CallTransport, MediaFlags},
};
use crate::bindings::livekit::{
    ConnectFailure, Publication, Room, RoomEvent, Sdk, SdkError, Source,
};

/// How long joining the room may take before the person is told the video server cannot be
/// reached: `room.connect()` retries for a long time against an unreachable or wrong URL.
const CONNECT_TIMEOUT_MS: i32 = 15_000;

/// LiveKit's `DisconnectReason` values a consultation tells apart (livekit-client's
/// `DisconnectReason` enum).
const DUPLICATE_IDENTITY: u32 = 2;
const PARTICIPANT_REMOVED: u32 = 4;
const ROOM_DELETED: u32 = 5;
const ROOM_CLOSED: u32 = 10;

/// `ConnectionErrorReason` values (livekit-client).
const NOT_ALLOWED: u32 = 0;
const CANCELLED: u32 = 3;

/// What a LiveKit call needs, from the join answer.
#[derive(Debug, Clone)]
pub struct LivekitParams {
    /// The LiveKit server (`wss://…`).
    pub url: String,
    /// The join token for this room and identity.
    pub token: String,
    /// This person's role (the other party has the other one).
    pub role: Role,
    /// This person is already in the room from another tab or device: offer "continue here"
    /// instead of joining (joining would end the other session).
    pub busy: bool,
    /// The appointment's end-to-end encryption key, when the clinic encrypts consultations.
    pub e2ee_key: Option<String>,
}

/// A consultation through LiveKit. See the module documentation.
pub struct LivekitCall(Rc<RefCell<Engine>>);

#[derive(Default)]
struct Publications {
    audio: Option<Publication>,
    video: Option<Publication>,
    screen: Option<Publication>,
}

struct Engine {
    reporter: Rc<CallReporter>,
    params: LivekitParams,
    media: Option<LocalMedia>,
    room: Option<Rc<Room>>,
    published: Publications,
    /// The other party's camera and microphone, gathered as their tracks arrive.
    remote_camera: Option<MediaStream>,
    /// In the room (`connect()` resolved): from then on a disconnect ends the call; before,
    /// `connect()`'s own rejection says why.
    connected: bool,
    /// The SDK is reconnecting to the SFU: the others it reports gone meanwhile may well be there.
    reconnecting: bool,
    released: bool,
}

enum Input {
    MediaReady(Result<LocalMedia, MediaError>),
    Event(RoomEvent),
    ScreenEnded,
}

impl LivekitCall {
    /// Starts the call: asks for the camera and microphone, loads the SDK and joins the room
    /// (or, when `params.busy`, waits for "continue here"). Progress and failures are reported
    /// through `reporter`.
    pub fn start(params: LivekitParams, reporter: Rc<CallReporter>) -> LivekitCall {
        let rc = Rc::new(RefCell::new(Engine {
            reporter,
            params,
            media: None,
            room: None,
            published: Publications::default(),
            remote_camera: None,
            connected: false,
            reconnecting: false,
            released: false,
        }));
        let weak = Rc::downgrade(&rc);
        spawn_local(async move {
            let media = LocalMedia::acquire().await;
            if let Some(rc) = weak.upgrade() {
                handle(&rc, Input::MediaReady(media));
            }
        });
        LivekitCall(rc)
    }
}

impl CallTransport for LivekitCall {
    fn set_microphone(&self, on: bool) {
        set_enabled(&self.0, TrackKind::Audio, on);
    }

    fn set_camera(&self, on: bool) {
        set_enabled(&self.0, TrackKind::Video, on);
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

    fn leave(&self) {
        dispatch(&self.0, CallEvent::Leave);
        release(&self.0);
    }
}

impl Drop for LivekitCall {
    fn drop(&mut self) {
        self.leave();
    }
}

fn dispatch(rc: &Rc<RefCell<Engine>>, event: CallEvent) {
    let reporter = rc.borrow().reporter.clone();
    for effect in reporter.dispatch(event) {
        match effect {
            // Joining ends this person's other session (DUPLICATE_IDENTITY there).
            Effect::Join { .. } => spawn_local(join(rc.clone())),
            // Leaving the room tells the others; nothing to send beforehand.
            Effect::AnnounceLeave(_) => {}
            Effect::ReleaseAll => release(rc),
        }
    }
}

fn handle(rc: &Rc<RefCell<Engine>>, input: Input) {
    if rc.borrow().released {
        return;
    }
    let signals = rc.borrow().reporter.signals();
    match input {
        Input::MediaReady(Err(error)) => {
            dispatch(rc, CallEvent::Failed(CallError::Media { error }))
        }
        Input::MediaReady(Ok(local)) => {
            signals.local_stream.try_set(Some(local.stream()));
            signals.camera_id.try_set(local.camera_id());
            let busy = {
                let mut e = rc.borrow_mut();
                e.media = Some(local);
                e.params.busy
            };
            spawn_local(async move {
                signals.cameras.try_set(media::cameras().await);
            });
            if busy {
                dispatch(rc, CallEvent::Busy);
            } else {
                spawn_local(join(rc.clone()));
            }
        }
        Input::Event(event) => on_event(rc, event),
        Input::ScreenEnded => stop_screen_share(rc),
    }
}

/// Loads the SDK, joins the room and publishes the camera and microphone.
async fn join(rc: Rc<RefCell<Engine>>) {
    let sdk = match Sdk::load().await {
        Ok(sdk) => sdk,
        Err(e) => {
            leptos::logging::warn!("{e}");
            return dispatch(&rc, CallEvent::Failed(CallError::MediaServerUnreachable));
        }
    };
    let key = rc.borrow().params.e2ee_key.clone();
    let mut room = match sdk.new_room(key.as_deref()).await {
        Ok(room) => room,
        Err(SdkError::E2eeUnsupported) => {
            return dispatch(
                &rc,
                CallEvent::Failed(CallError::Refused {
                    reason: Refusal::ProviderUnsupported,
                    message: "This clinic encrypts its consultations end to end, and this \
                              browser cannot. Open the consultation in a current Chrome, Edge, \
                              Firefox or Safari."
                        .into(),
                }),
            );
        }
        Err(e) => {
            leptos::logging::warn!("could not create a LiveKit room: {e}");
            return dispatch(&rc, CallEvent::Failed(CallError::MediaServerUnreachable));
        }
    };
    let weak = Rc::downgrade(&rc);
    room.on_event(move |event| {
        if let Some(rc) = weak.upgrade() {
            handle(&rc, Input::Event(event));
        }
    });
    let room = Rc::new(room);
    let (url, token) = {
        let mut e = rc.borrow_mut();
        if e.released {
            return;
        }
        e.room = Some(room.clone());
        (e.params.url.clone(), e.params.token.clone())
    };
    if let Err(failure) = room.connect(&url, &token, CONNECT_TIMEOUT_MS).await {
        if rc.borrow().released || failure.reason == Some(CANCELLED) {
            return;
        }
        leptos::logging::warn!("LiveKit connect failed: {failure:?}");
        return dispatch(&rc, CallEvent::Failed(connect_error(&failure)));
    }
    let (signals, role) = {
        let mut e = rc.borrow_mut();
        if e.released {
            return;
        }
        e.connected = true;
        (e.reporter.signals(), e.params.role)
    };
    signals.signaling_connected.try_set(true);
    signals.encrypted.try_set(room.is_encrypted());
    let other = room.remote_participants().into_iter().next();
    let peer_present = other.is_some();
    if let Some((identity, name)) = other {
        signals
            .remote_peer
            .try_set(Some(peer_of(&identity, name, role)));
    }
    dispatch(&rc, CallEvent::RoomJoined { peer_present });
    // Tracks of someone already there may have arrived while joining, before the call could
    // take them as media flowing.
    let receiving = rc.borrow().remote_camera.is_some();
    if receiving {
        dispatch(&rc, CallEvent::Media(MediaPath::Connected));
    }
    publish_local_tracks(&rc, &room).await;
}

async fn publish_local_tracks(rc: &Rc<RefCell<Engine>>, room: &Room) {
    let (audio, video, flags) = {
        let e = rc.borrow();
        let Some(local) = &e.media else { return };
        let tracks = local.tracks();
        let find = |kind: &str| tracks.iter().find(|t| t.kind() == kind).cloned();
        (
            find("audio"),
            find("video"),
            e.reporter
                .signals()
                .local_media
                .try_get_untracked()
                .unwrap_or_default(),
        )
    };
    for (track, source, on) in [
        (audio, Source::Microphone, flags.audio),
        (video, Source::Camera, flags.video),
    ] {
        let Some(track) = track else { continue };
        match room.publish(&track, source).await {
            Ok(publication) => {
                if !on {
                    publication.set_enabled(false).await;
                }
                let mut e = rc.borrow_mut();
                match source {
                    Source::Microphone => e.published.audio = Some(publication),
                    _ => e.published.video = Some(publication),
                }
            }
            Err(err) => leptos::logging::warn!("could not publish the {source:?}: {err:?}"),
        }
    }
}

/// The failure a `room.connect()` rejection stands for.
fn connect_error(failure: &ConnectFailure) -> CallError {
    match (failure.reason, failure.status) {
        // The SFU refused the join token (401): a new one comes with a new sign-in and join.
        (Some(NOT_ALLOWED), Some(401)) => CallError::SessionExpired,
        (Some(NOT_ALLOWED), _) => CallError::Refused {
            reason: Refusal::Forbidden,
            message: "The clinic's video server did not let you into this consultation. Try \
                      again from your dashboard; if it keeps happening, contact the clinic."
                .into(),
        },
        _ => CallError::MediaServerUnreachable,
    }
}

/// The other party as the UI shows them, from their LiveKit identity (`{role}_{id}`) and name.
fn peer_of(identity: &str, name: Option<String>, my_role: Role) -> Peer {
    let role = Role::parse_identity(identity)
        .map(|(role, _)| role)
        .unwrap_or(match my_role {
            Role::Patient => Role::Doctor,
            Role::Doctor => Role::Patient,
        });
    Peer {
        identity: identity.to_string(),
        role,
        name: name.unwrap_or_else(|| identity.to_string()),
        session_id: String::new(),
    }
}

fn on_event(rc: &Rc<RefCell<Engine>>, event: RoomEvent) {
    let (signals, role) = {
        let e = rc.borrow();
        (e.reporter.signals(), e.params.role)
    };
    match event {
        RoomEvent::ParticipantConnected { identity, name } => {
            signals
                .remote_peer
                .try_set(Some(peer_of(&identity, name, role)));
            dispatch(rc, CallEvent::PeerJoined { resumed: false });
        }
        RoomEvent::ParticipantDisconnected { .. } => {
            let reconnecting = {
                let mut e = rc.borrow_mut();
                e.remote_camera = None;
                e.reconnecting
            };
            signals.clear_remote();
            signals.remote_media.try_set(MediaFlags::default());
            if reconnecting {
                // A full reconnect drops everyone and announces them again once back.
                return;
            }
            dispatch(
                rc,
                CallEvent::PeerLeft {
                    reason: LeaveReason::Hangup,
                },
            );
        }
        RoomEvent::TrackSubscribed {
            source,
            muted,
            track: Some(track),
            ..
        } => {
            match source {
                Source::ScreenShare => {
                    let stream = stream_of(&[track]);
                    signals.remote_screen.try_set(stream);
                    signals.remote_media.try_update(|f| f.screen = true);
                }
                Source::Camera | Source::Microphone => {
                    let stream = {
                        let mut e = rc.borrow_mut();
                        if let Some(s) = &e.remote_camera {
                            s.add_track(&track);
                        } else {
                            e.remote_camera = stream_of(&[track]);
                        }
                        e.remote_camera.clone()
                    };
                    signals.remote_stream.try_set(stream);
                    signals.remote_media.try_update(|f| match source {
                        Source::Camera => f.video = !muted,
                        _ => f.audio = !muted,
                    });
                }
                Source::Other => return,
            }
            dispatch(rc, CallEvent::Media(MediaPath::Connected));
        }
        RoomEvent::TrackSubscribed { track: None, .. } => {}
        RoomEvent::TrackUnsubscribed { source, track, .. } => match source {
            Source::ScreenShare => {
                signals.remote_screen.try_set(None);
                signals.remote_media.try_update(|f| f.screen = false);
            }
            _ => {
                if let (Some(s), Some(track)) = (&rc.borrow().remote_camera, track) {
                    s.remove_track(&track);
                }
            }
        },
        RoomEvent::TrackMuted { source, muted } => {
            signals.remote_media.try_update(|f| match source {
                Source::Camera => f.video = !muted,
                Source::Microphone => f.audio = !muted,
                _ => {}
            });
        }
        RoomEvent::Reconnecting => {
            rc.borrow_mut().reconnecting = true;
            signals.signaling_connected.try_set(false);
            dispatch(rc, CallEvent::Media(MediaPath::Interrupted));
        }
        RoomEvent::Reconnected => {
            rc.borrow_mut().reconnecting = false;
            signals.signaling_connected.try_set(true);
            dispatch(rc, CallEvent::Media(MediaPath::Connected));
        }
        RoomEvent::EncryptionChanged { enabled } => {
            signals.encrypted.try_set(enabled);
        }
        RoomEvent::EncryptionError => {
            signals.notice.try_set(Some(
                "The call's end-to-end encryption failed, so some of the other party's sound or \
                 picture cannot be shown. Leave and join again; if it keeps happening, tell the \
                 clinic."
                    .into(),
            ));
        }
        RoomEvent::Disconnected { reason } => {
            if !rc.borrow().connected {
                return; // connect() rejects with the cause
            }
            let event = match reason {
                Some(DUPLICATE_IDENTITY) => CallEvent::TakenOver,
                Some(PARTICIPANT_REMOVED | ROOM_DELETED | ROOM_CLOSED) => {
                    CallEvent::Failed(CallError::ClosedByClinic)
                }
                _ => CallEvent::Failed(CallError::MediaServerUnreachable),
            };
            dispatch(rc, event);
        }
    }
}

fn stream_of(tracks: &[MediaStreamTrack]) -> Option<MediaStream> {
    let stream = MediaStream::new().ok()?;
    for t in tracks {
        stream.add_track(t);
    }
    Some(stream)
}

// ------------------------------------------------------------------ local media

fn set_enabled(rc: &Rc<RefCell<Engine>>, kind: TrackKind, on: bool) {
    let (publication, signals) = {
        let e = rc.borrow();
        if let Some(local) = &e.media {
            local.set_enabled(kind, on);
        }
        let publication = match kind {
            TrackKind::Audio => e.published.audio.clone(),
            TrackKind::Video => e.published.video.clone(),
        };
        (publication, e.reporter.signals())
    };
    signals.local_media.try_update(|f| match kind {
        TrackKind::Audio => f.audio = on,
        TrackKind::Video => f.video = on,
    });
    if let Some(publication) = publication {
        spawn_local(async move { publication.set_enabled(on).await });
    }
}

async fn start_screen_share(rc: Rc<RefCell<Engine>>) {
    let weak = Rc::downgrade(&rc);
    let share = ScreenShare::start(move || {
        if let Some(rc) = weak.upgrade() {
            handle(&rc, Input::ScreenEnded);
        }
    })
    .await;
    let share = match share {
        Ok(share) => share,
        Err(e) => {
            leptos::logging::log!("screen share not started: {e}");
            return;
        }
    };
    let Some(room) = rc.borrow().room.clone() else {
        return;
    };
    let publication = room.publish(share.track(), Source::ScreenShare).await;
    let signals = {
        let mut e = rc.borrow_mut();
        let (Ok(publication), false) = (publication, e.released) else {
            return; // `share` drops: the capture stops
        };
        let Some(local) = e.media.as_mut() else {
            return;
        };
        local.set_screen(share);
        e.published.screen = Some(publication);
        e.reporter.signals()
    };
    signals.local_media.try_update(|f| f.screen = true);
}

fn stop_screen_share(rc: &Rc<RefCell<Engine>>) {
    let (room, track, signals) = {
        let mut e = rc.borrow_mut();
        let Some(track) = e
            .media
            .as_ref()
            .and_then(LocalMedia::screen)
            .map(|s| Clone::clone(s.track()))
        else {
            return;
        };
        e.published.screen = None;
        if let Some(local) = e.media.as_mut() {
            local.stop_screen();
        }
        (e.room.clone(), track, e.reporter.signals())
    };
    signals.local_media.try_update(|f| f.screen = false);
    if let Some(room) = room {
        spawn_local(async move { room.unpublish(&track).await });
    }
}

/// Sends another camera in place of the published one (`LocalTrack.replaceTrack`), then swaps
/// it into the local stream and stops the old track.
async fn switch_camera(rc: Rc<RefCell<Engine>>, device_id: String) {
    let signals = rc.borrow().reporter.signals();
    let Some(track) = media::open_camera_for_switch(&device_id, signals).await else {
        return;
    };
    let publication = rc.borrow().published.video.clone();
    if let Some(publication) = publication {
        if let Err(err) = publication.replace_track(&track).await {
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

/// Leaves the room and stops every local track. Idempotent.
fn release(rc: &Rc<RefCell<Engine>>) {
    let (room, media, signals) = {
        let mut e = rc.borrow_mut();
        if e.released {
            return;
        }
        e.released = true;
        e.published = Publications::default();
        e.remote_camera = None;
        (e.room.take(), e.media.take(), e.reporter.signals())
    };
    if let Some(room) = &room {
        room.disconnect();
    }
    drop((room, media));
    signals.local_stream.try_set(None);
    signals.clear_remote();
    signals.signaling_connected.try_set(false);
}
