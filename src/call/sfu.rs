//! The call engine shared by the SFU providers (LiveKit, Twilio Video): a room on a media
//! server, our own tracks published into it, the other party's tracks received from it.
//!
//! A provider supplies an [`SfuProvider`] (load its SDK, make a room, say what its disconnect
//! reasons mean) whose [`SfuRoom`] connects, publishes and reports [`RoomEvent`]s; everything else — local media, mute, screen share,
//! camera switch, what the events mean for the call, leaving — is here once. It shares
//! [`LocalMedia`] and [`ScreenShare`] with the P2P engine.
//!
//! Ownership: one [`SfuCall`] owns the local media and the room; `leave()`, a terminal state, or
//! dropping it disconnects and stops every local track.

// The traits' futures run on the browser's single thread (`spawn_local`), so they are not `Send`
// and no caller needs them to be.
#![allow(async_fn_in_trait)]

use std::{cell::RefCell, rc::Rc};

use futures_util::future::LocalBoxFuture;
use leptos::prelude::*;
use teleconsult_core::{
    call::{CallError, CallEvent, Effect, LeaveReason, MediaPath},
    media_error::MediaError,
    signaling::Peer,
    Role,
};
use wasm_bindgen_futures::spawn_local;
use web_sys::{MediaStream, MediaStreamTrack};

use super::{
    media::{self, LocalMedia, OpeningMedia, ScreenShare, TrackKind},
    transport::{CallReporter, CallTransport, MediaFlags, Notice},
};
pub use crate::bindings::sfu::{ProviderQuality, RoomEvent, TrackSource};

/// A provider's SDK, as the engine uses it.
pub trait SfuProvider: 'static {
    /// The provider's room.
    type Room: SfuRoom;
    /// Loads the SDK (once per page) and makes a room that reports its events to `report`.
    ///
    /// # Errors
    /// The call failure to show (SDK not loadable, browser unsupported).
    async fn create_room(&self, report: Box<dyn FnMut(RoomEvent)>)
        -> Result<Self::Room, CallError>;

    /// What a [`RoomEvent::Disconnected`] with the provider's `reason` means for the call (taken
    /// over in another tab, closed by the clinic, the server lost, …).
    fn disconnect_event(reason: Option<u32>) -> CallEvent;
}

/// One consultation's room on a media server.
pub trait SfuRoom: 'static {
    /// A published local track.
    type Publication: SfuPublication;
    /// Joins the room.
    ///
    /// # Errors
    /// `Some` failure to show; `None` when [`SfuRoom::disconnect`] cancelled the join.
    async fn connect(&self) -> Result<(), Option<CallError>>;
    /// Identities and names of the others already in the room.
    fn remote_participants(&self) -> Vec<(String, Option<String>)>;
    /// Whether media is end-to-end encrypted beyond the transport's own encryption.
    fn is_encrypted(&self) -> bool {
        false
    }
    /// Publishes `track` as `source`.
    ///
    /// # Errors
    /// The SDK's reason, for the log.
    async fn publish(
        &self,
        track: &MediaStreamTrack,
        source: TrackSource,
    ) -> Result<Self::Publication, String>;
    /// Sends `track` in place of the published camera `old`; returns the publication that now
    /// carries it.
    ///
    /// # Errors
    /// The SDK's reason, for the log.
    async fn replace_camera(
        &self,
        old: &Self::Publication,
        track: &MediaStreamTrack,
    ) -> Result<Self::Publication, String>;
    /// Stops publishing `track` (the track itself stays ours to stop).
    async fn unpublish(&self, track: &MediaStreamTrack);
    /// Leaves the room (or cancels a join in progress). Idempotent.
    fn disconnect(&self);
    /// Whether this provider carries the chat (a data path through the media server).
    fn has_chat(&self) -> bool {
        false
    }
    /// Sends a chat frame (JSON text) to the other party; false if it could not go.
    async fn send_chat(&self, _frame: &str) -> bool {
        false
    }
}

/// A published local track.
pub trait SfuPublication: Clone + 'static {
    /// Mutes (`on == false`) or unmutes it; the others are told at once.
    async fn set_enabled(&self, on: bool);
}

/// A consultation through a media server. See the module documentation.
pub struct SfuCall<P: SfuProvider>(Rc<RefCell<Engine<P>>>);

type Publication<P> = <<P as SfuProvider>::Room as SfuRoom>::Publication;

struct Publications<T> {
    audio: Option<T>,
    video: Option<T>,
    screen: Option<T>,
}

impl<T> Default for Publications<T> {
    fn default() -> Self {
        Publications {
            audio: None,
            video: None,
            screen: None,
        }
    }
}

struct Engine<P: SfuProvider> {
    reporter: Rc<CallReporter>,
    provider: Rc<P>,
    role: Role,
    busy: bool,
    media: Option<LocalMedia>,
    room: Option<Rc<P::Room>>,
    published: Publications<Publication<P>>,
    /// The other party's camera and microphone, gathered as their tracks arrive.
    remote_camera: Option<MediaStream>,
    /// In the room (`connect()` resolved): from then on a disconnect ends the call; before,
    /// `connect()`'s own rejection says why.
    connected: bool,
    /// The SDK is reconnecting: the others it reports gone meanwhile may well be there.
    reconnecting: bool,
    released: bool,
}

type Shared<P> = Rc<RefCell<Engine<P>>>;

enum Input {
    MediaReady(Result<LocalMedia, MediaError>),
    Event(RoomEvent),
    ScreenEnded,
}

impl<P: SfuProvider> SfuCall<P> {
    /// Starts the call: once `busy` has answered, joins the room through `provider` while
    /// `media` (the camera and microphone, opening since the join request) finishes opening,
    /// and publishes them once both are done — or, when `busy` (this person is already in the
    /// room from another tab or device), waits for the camera and then for "continue here",
    /// since joining would end the other session. A camera that fails ends the call and leaves
    /// the room. Progress and failures are reported through `reporter`.
    pub fn start(
        provider: P,
        role: Role,
        busy: LocalBoxFuture<'static, bool>,
        media: OpeningMedia,
        reporter: Rc<CallReporter>,
    ) -> SfuCall<P> {
        let rc = Rc::new(RefCell::new(Engine {
            reporter,
            provider: Rc::new(provider),
            role,
            busy: false,
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
            let busy = busy.await;
            // A call left meanwhile: `media` drops here and releases the camera.
            let Some(rc) = weak.upgrade() else { return };
            rc.borrow_mut().busy = busy;
            if !busy {
                // The room is joined while the camera opens: the other party can be seen and
                // heard before this person's own tracks are published.
                spawn_local(join(rc.clone()));
            }
            drop(rc);
            let media = media.open().await;
            if let Some(rc) = weak.upgrade() {
                handle(&rc, Input::MediaReady(media));
            }
        });
        SfuCall(rc)
    }
}

impl<P: SfuProvider> CallTransport for SfuCall<P> {
    fn flush_chat(&self) {
        flush_chat(&self.0);
    }

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

impl<P: SfuProvider> Drop for SfuCall<P> {
    fn drop(&mut self) {
        self.leave();
    }
}

fn dispatch<P: SfuProvider>(rc: &Shared<P>, event: CallEvent) {
    let reporter = rc.borrow().reporter.clone();
    for effect in reporter.dispatch(event) {
        match effect {
            // Joining ends this person's other session (the provider tells it so).
            Effect::Join { .. } => spawn_local(join(rc.clone())),
            // Leaving the room tells the others; nothing to send beforehand.
            Effect::AnnounceLeave(_) => {}
            Effect::ReleaseAll => release(rc),
        }
    }
}

fn handle<P: SfuProvider>(rc: &Shared<P>, input: Input) {
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
            let (busy, room) = {
                let mut e = rc.borrow_mut();
                e.media = Some(local);
                (e.busy, e.room.clone().filter(|_| e.connected))
            };
            spawn_local(async move {
                signals.cameras.try_set(media::cameras().await);
            });
            if busy {
                dispatch(rc, CallEvent::Busy);
            } else if let Some(room) = room {
                // In the room already (joined while the camera opened): publish now.
                let rc = rc.clone();
                spawn_local(async move { publish_local_tracks(&rc, &room).await });
            }
        }
        Input::Event(event) => on_event(rc, event),
        Input::ScreenEnded => stop_screen_share(rc),
    }
}

/// Sends the chat's outbox through the room, if joined; what cannot go waits for the next call
/// (after reconnecting, or the next message).
fn flush_chat<P: SfuProvider>(rc: &Shared<P>) {
    let (room, reporter) = {
        let e = rc.borrow();
        if !e.connected {
            return;
        }
        (e.room.clone(), e.reporter.clone())
    };
    let Some(room) = room else { return };
    spawn_local(async move {
        for (id, frame) in reporter.chat_outbox() {
            if !room.send_chat(&frame).await {
                break;
            }
            reporter.chat_sent(&id);
        }
    });
}

/// Makes the room, joins it and publishes the camera and microphone.
async fn join<P: SfuProvider>(rc: Shared<P>) {
    let provider = rc.borrow().provider.clone();
    let weak = Rc::downgrade(&rc);
    let report = Box::new(move |event| {
        if let Some(rc) = weak.upgrade() {
            handle(&rc, Input::Event(event));
        }
    });
    let room = match provider.create_room(report).await {
        Ok(room) => Rc::new(room),
        Err(error) => return dispatch(&rc, CallEvent::Failed(error)),
    };
    {
        let mut e = rc.borrow_mut();
        if e.released {
            return;
        }
        e.room = Some(room.clone());
    }
    let connected = room.connect().await;
    if rc.borrow().released {
        // Left (or failed) while connecting: leave now that the connection has settled.
        room.disconnect();
        return;
    }
    if let Err(failure) = connected {
        if let Some(error) = failure {
            dispatch(&rc, CallEvent::Failed(error));
        }
        return;
    }
    let (signals, role) = {
        let mut e = rc.borrow_mut();
        e.connected = true;
        (e.reporter.signals(), e.role)
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
    signals.chat_available.try_set(room.has_chat());
    flush_chat(&rc);
    // Through a media server our media path is the room's connection, up once `connect()` has
    // resolved: with the other party in the room the call is active, and their picture follows
    // when they publish (until then the page says their camera is starting, as it may still be
    // opening, or waiting at the browser's permission prompt).
    if peer_present {
        dispatch(&rc, CallEvent::Media(MediaPath::Connected));
    }
    // Published here if the camera opened first; otherwise once it opens (`MediaReady`).
    publish_local_tracks(&rc, &room).await;
}

async fn publish_local_tracks<P: SfuProvider>(rc: &Shared<P>, room: &P::Room) {
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
        (audio, TrackSource::Microphone, flags.audio),
        (video, TrackSource::Camera, flags.video),
    ] {
        let Some(track) = track else { continue };
        match room.publish(&track, source).await {
            Ok(publication) => {
                if !on {
                    publication.set_enabled(false).await;
                }
                let mut e = rc.borrow_mut();
                match source {
                    TrackSource::Microphone => e.published.audio = Some(publication),
                    _ => e.published.video = Some(publication),
                }
            }
            Err(err) => leptos::logging::warn!("could not publish the {source:?}: {err}"),
        }
    }
}

/// The other party as the UI shows them, from their identity (`{role}_{id}`) and name.
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

fn on_event<P: SfuProvider>(rc: &Shared<P>, event: RoomEvent) {
    let (signals, role) = {
        let e = rc.borrow();
        (e.reporter.signals(), e.role)
    };
    match event {
        RoomEvent::ParticipantConnected { identity, name } => {
            signals
                .remote_peer
                .try_set(Some(peer_of(&identity, name, role)));
            dispatch(rc, CallEvent::PeerJoined { resumed: false });
            // Our path to them is the room's connection, up unless it is being recovered (then
            // `Reconnected` connects the call). Their tracks follow once they publish.
            if !rc.borrow().reconnecting {
                dispatch(rc, CallEvent::Media(MediaPath::Connected));
            }
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
                TrackSource::ScreenShare => {
                    let stream = stream_of(&[track]);
                    signals.remote_screen.try_set(stream);
                    signals.remote_media.try_update(|f| f.screen = true);
                }
                TrackSource::Camera | TrackSource::Microphone => {
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
                        TrackSource::Camera => f.video = !muted,
                        _ => f.audio = !muted,
                    });
                }
                TrackSource::Other => return,
            }
            dispatch(rc, CallEvent::Media(MediaPath::Connected));
        }
        RoomEvent::TrackSubscribed { track: None, .. } => {}
        RoomEvent::TrackUnsubscribed { source, track, .. } => match source {
            TrackSource::ScreenShare => {
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
                TrackSource::Camera => f.video = !muted,
                TrackSource::Microphone => f.audio = !muted,
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
            flush_chat(rc);
        }
        RoomEvent::ConnectionQuality { local, quality } => {
            let level = quality.as_ref().and_then(ProviderQuality::level);
            if local {
                signals.local_quality.try_set(level);
            } else {
                signals.remote_quality.try_set(level);
            }
        }
        RoomEvent::EncryptionChanged { enabled } => {
            signals.encrypted.try_set(enabled);
        }
        RoomEvent::Data { text } => {
            let (ack, room) = {
                let e = rc.borrow();
                (e.reporter.chat_received(&text), e.room.clone())
            };
            if let (Some(ack), Some(room)) = (ack, room) {
                spawn_local(async move {
                    room.send_chat(&ack).await;
                });
            }
        }
        RoomEvent::EncryptionError => {
            signals.notice.try_set(Some(Notice::EncryptionFailed));
        }
        RoomEvent::Disconnected { reason } => {
            if !rc.borrow().connected {
                return; // connect() rejects with the cause
            }
            dispatch(rc, P::disconnect_event(reason));
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

fn set_enabled<P: SfuProvider>(rc: &Shared<P>, kind: TrackKind, on: bool) {
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

async fn start_screen_share<P: SfuProvider>(rc: Shared<P>) {
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
    let publication = room.publish(share.track(), TrackSource::ScreenShare).await;
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

fn stop_screen_share<P: SfuProvider>(rc: &Shared<P>) {
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

/// Sends another camera in place of the published one, then swaps it into the local stream and
/// stops the old track.
async fn switch_camera<P: SfuProvider>(rc: Shared<P>, device_id: String) {
    let signals = rc.borrow().reporter.signals();
    let Some(track) = media::open_camera_for_switch(&device_id, signals).await else {
        return;
    };
    let (room, old) = {
        let e = rc.borrow();
        (e.room.clone(), e.published.video.clone())
    };
    if let (Some(room), Some(old)) = (room, old) {
        match room.replace_camera(&old, &track).await {
            Ok(publication) => rc.borrow_mut().published.video = Some(publication),
            Err(err) => leptos::logging::warn!("could not replace the camera track: {err}"),
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
fn release<P: SfuProvider>(rc: &Shared<P>) {
    let (room, media, signals, connecting) = {
        let mut e = rc.borrow_mut();
        if e.released {
            return;
        }
        e.released = true;
        e.published = Publications::default();
        e.remote_camera = None;
        (
            e.room.take(),
            e.media.take(),
            e.reporter.signals(),
            !e.connected,
        )
    };
    // A room still connecting is left by `join` once `connect()` has settled: livekit-client
    // 2.23, told to disconnect mid-connect, aborts and leaves open the peer connection it made
    // for the join (seen with a camera refused while the room connected).
    if let Some(room) = room.as_ref().filter(|_| !connecting) {
        room.disconnect();
    }
    drop((room, media));
    signals.local_stream.try_set(None);
    signals.clear_remote();
    signals.signaling_connected.try_set(false);
}
