//! The seam between the consultation UI and a media transport.
//!
//! Modelled on LiveKit's client model (a room, a local participant and remote participants with
//! tracks, and events), so that the P2P engine, LiveKit and later Twilio plug in behind the same
//! UI. A transport owns every browser resource of the call and releases it on
//! [`CallTransport::leave`] or when dropped.
//!
//! A transport reports what happens through a [`CallReporter`]: it feeds the provider-neutral
//! state machine (`teleconsult_core::call`) and writes the [`CallSignals`]; the UI reads them
//! through the read-only [`CallView`].

use std::cell::RefCell;

use leptos::prelude::*;
use teleconsult_core::{
    api::WaitingRoom,
    call::{CallError, CallEvent, CallState, Effect},
    chat::{ChatFrame, ChatLog},
    media_error::MediaError,
    quality::QualityLevel,
    signaling::Peer,
};
use web_sys::MediaStream;

/// Microphone, camera and screen-share state of one participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaFlags {
    /// Microphone on.
    pub audio: bool,
    /// Camera on.
    pub video: bool,
    /// Sharing the screen.
    pub screen: bool,
}

impl Default for MediaFlags {
    fn default() -> Self {
        MediaFlags {
            audio: true,
            video: true,
            screen: false,
        }
    }
}

/// A problem that does not end the call. Kept as what happened, not as words, so the page tells
/// it in the language the person reads, and again in another if they switch ([`Notice::text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The camera the person switched to could not be opened (unplugged, in use).
    Camera(MediaError),
    /// P2P: the connection to the clinic's server could not be restored after an outage (the
    /// server refused the re-entry); the media still flows peer to peer.
    SignalingNotRestored(CallError),
    /// The call's end-to-end encryption failed: some of the other party's media cannot be shown.
    EncryptionFailed,
}

impl Notice {
    /// The notice in plain words, in the page's language; inside a reactive closure it follows a
    /// language switch.
    pub fn text(&self) -> String {
        use crate::i18n::{current, tr, tr_with};
        // The words from core follow the language too.
        current();
        match self {
            Notice::Camera(error) => error.user_message(),
            Notice::SignalingNotRestored(error) => tr_with(
                "room.notice.signaling_not_restored",
                &[("reason", &error.user_message())],
            ),
            Notice::EncryptionFailed => tr("room.notice.encryption_failed"),
        }
    }
}

/// What the consultation UI can ask of a transport. Every method returns at once; what follows
/// is reported through the transport's [`CallReporter`].
pub trait CallTransport {
    /// Mutes or unmutes the microphone, and tells the other party.
    fn set_microphone(&self, on: bool);
    /// Turns the camera off or on, and tells the other party.
    fn set_camera(&self, on: bool);
    /// Starts or stops sharing the screen.
    fn toggle_screen_share(&self);
    /// Sends the camera `device_id` instead of the current one, without renegotiating.
    fn switch_camera(&self, device_id: String);
    /// After "busy": moves the call from this person's other tab or device to this one.
    fn take_over(&self);
    /// Video was paused for low bandwidth and the person wants it back anyway: sends video again
    /// and stops pausing it by itself for the rest of the call (their choice wins). Only the
    /// P2P engine pauses video; the media servers adapt video themselves (LiveKit's dynacast,
    /// Twilio's bandwidth profile), so for them there is nothing to resume.
    fn resume_video(&self) {}
    /// Sends the chat's outbox ([`CallReporter::chat_outbox`]) over the call's data path if it
    /// is open (else it goes when the path opens). Providers without a data path here (Twilio)
    /// keep the default, and [`CallSignals::chat_available`] stays false.
    fn flush_chat(&self) {}
    /// Leaves: tells the other party, stops every local track, closes every connection.
    /// Idempotent.
    fn leave(&self);
}

/// The call's reactive state, written by the transport (through [`CallReporter`]).
#[derive(Clone, Copy)]
pub struct CallSignals {
    /// The call's state (see `teleconsult_core::call`).
    pub state: RwSignal<CallState>,
    /// Camera and microphone of this person.
    pub local_stream: RwSignal<Option<MediaStream>, LocalStorage>,
    /// Camera and microphone of the other party.
    pub remote_stream: RwSignal<Option<MediaStream>, LocalStorage>,
    /// The other party's shared screen.
    pub remote_screen: RwSignal<Option<MediaStream>, LocalStorage>,
    /// The other party, once known.
    pub remote_peer: RwSignal<Option<Peer>>,
    /// What this person sends.
    pub local_media: RwSignal<MediaFlags>,
    /// What the other party sends (a mute is invisible in the media itself).
    pub remote_media: RwSignal<MediaFlags>,
    /// Whether the control connection (signaling, or the SFU's) is up; media may go on without it.
    pub signaling_connected: RwSignal<bool>,
    /// When media first flowed (ms since the epoch), for the call timer.
    pub active_since_ms: RwSignal<Option<f64>>,
    /// Cameras to choose from: `(deviceId, label)`; labels are known once camera access is
    /// granted (empty until then).
    pub cameras: RwSignal<Vec<(String, String)>>,
    /// The camera in use (`deviceId`).
    pub camera_id: RwSignal<Option<String>>,
    /// A problem that does not end the call (e.g. the chosen camera is gone).
    pub notice: RwSignal<Option<Notice>>,
    /// Media is end-to-end encrypted beyond the transport's own encryption (LiveKit E2EE: the
    /// SFU cannot see it). P2P media is always end to end (DTLS-SRTP between the browsers).
    pub encrypted: RwSignal<bool>,
    /// This person's connection quality, once measured (`teleconsult_core::quality`).
    pub local_quality: RwSignal<Option<QualityLevel>>,
    /// The other party's connection quality, as they measured and told it (or as the media
    /// server reports it).
    pub remote_quality: RwSignal<Option<QualityLevel>>,
    /// This person's video is paused because their outgoing bandwidth is too low
    /// (low-bandwidth mode); their camera stays on.
    pub video_paused: RwSignal<bool>,
    /// The other party's video is paused for their bandwidth.
    pub remote_video_paused: RwSignal<bool>,
    /// This patient's place in the waiting room, while the doctor has not let them in.
    pub waiting_room: RwSignal<Option<WaitingRoom>>,
    /// The in-call chat (`teleconsult_core::chat`).
    pub chat: RwSignal<ChatLog>,
    /// Whether this call has a data path for the chat (P2P and LiveKit; not Twilio).
    pub chat_available: RwSignal<bool>,
}

impl CallSignals {
    /// Fresh signals in the `Idle` state, owned by the current reactive owner.
    pub fn new() -> CallSignals {
        CallSignals {
            state: RwSignal::new(CallState::Idle),
            local_stream: RwSignal::new_local(None),
            remote_stream: RwSignal::new_local(None),
            remote_screen: RwSignal::new_local(None),
            remote_peer: RwSignal::new(None),
            local_media: RwSignal::new(MediaFlags::default()),
            remote_media: RwSignal::new(MediaFlags::default()),
            signaling_connected: RwSignal::new(false),
            active_since_ms: RwSignal::new(None),
            cameras: RwSignal::new(Vec::new()),
            camera_id: RwSignal::new(None),
            notice: RwSignal::new(None),
            encrypted: RwSignal::new(false),
            local_quality: RwSignal::new(None),
            remote_quality: RwSignal::new(None),
            video_paused: RwSignal::new(false),
            remote_video_paused: RwSignal::new(false),
            waiting_room: RwSignal::new(None),
            chat: RwSignal::new(ChatLog::default()),
            chat_available: RwSignal::new(false),
        }
    }

    /// The read-only view the UI gets.
    pub fn view(&self) -> CallView {
        CallView {
            state: self.state.into(),
            local_stream: self.local_stream.into(),
            remote_stream: self.remote_stream.into(),
            remote_screen: self.remote_screen.into(),
            remote_peer: self.remote_peer.into(),
            local_media: self.local_media.into(),
            remote_media: self.remote_media.into(),
            signaling_connected: self.signaling_connected.into(),
            active_since_ms: self.active_since_ms.into(),
            cameras: self.cameras.into(),
            camera_id: self.camera_id.into(),
            notice: self.notice.into(),
            encrypted: self.encrypted.into(),
            local_quality: self.local_quality.into(),
            remote_quality: self.remote_quality.into(),
            video_paused: self.video_paused.into(),
            remote_video_paused: self.remote_video_paused.into(),
            waiting_room: self.waiting_room.into(),
            chat: self.chat.into(),
            chat_available: self.chat_available.into(),
        }
    }

    /// Forgets the other party's media (they left, or the connection to them starts afresh).
    pub fn clear_remote(&self) {
        self.remote_stream.try_set(None);
        self.remote_screen.try_set(None);
        self.remote_quality.try_set(None);
        self.remote_video_paused.try_set(false);
    }
}

impl Default for CallSignals {
    fn default() -> Self {
        CallSignals::new()
    }
}

/// The call as the UI reads it: the same fields as [`CallSignals`], read-only (the leptos-use
/// `UseXReturn` shape).
#[derive(Clone, Copy)]
pub struct CallView {
    /// The call's state.
    pub state: Signal<CallState>,
    /// Camera and microphone of this person.
    pub local_stream: Signal<Option<MediaStream>, LocalStorage>,
    /// Camera and microphone of the other party.
    pub remote_stream: Signal<Option<MediaStream>, LocalStorage>,
    /// The other party's shared screen.
    pub remote_screen: Signal<Option<MediaStream>, LocalStorage>,
    /// The other party, once known.
    pub remote_peer: Signal<Option<Peer>>,
    /// What this person sends.
    pub local_media: Signal<MediaFlags>,
    /// What the other party sends.
    pub remote_media: Signal<MediaFlags>,
    /// Whether the control connection is up.
    pub signaling_connected: Signal<bool>,
    /// When media first flowed (ms since the epoch).
    pub active_since_ms: Signal<Option<f64>>,
    /// Cameras to choose from: `(deviceId, label)`.
    pub cameras: Signal<Vec<(String, String)>>,
    /// The camera in use (`deviceId`).
    pub camera_id: Signal<Option<String>>,
    /// A problem that does not end the call; [`Notice::text`] tells it.
    pub notice: Signal<Option<Notice>>,
    /// Media is end-to-end encrypted through the SFU (LiveKit E2EE).
    pub encrypted: Signal<bool>,
    /// This person's connection quality, once measured.
    pub local_quality: Signal<Option<QualityLevel>>,
    /// The other party's connection quality.
    pub remote_quality: Signal<Option<QualityLevel>>,
    /// This person's video is paused for bandwidth (low-bandwidth mode).
    pub video_paused: Signal<bool>,
    /// The other party's video is paused for their bandwidth.
    pub remote_video_paused: Signal<bool>,
    /// This patient's place in the waiting room, while not let in.
    pub waiting_room: Signal<Option<WaitingRoom>>,
    /// The in-call chat.
    pub chat: Signal<ChatLog>,
    /// Whether this call can chat.
    pub chat_available: Signal<bool>,
}

/// How a transport reports what happens: runs the provider-neutral state machine and writes the
/// [`CallSignals`]. The state machine's state lives here, outside the signals, so it stays
/// right even after the UI that owned the signals was disposed: every write uses the `try_`
/// methods, because browser callbacks and the cleanup on unmount can run after that.
pub struct CallReporter {
    signals: CallSignals,
    state: RefCell<CallState>,
}

impl CallReporter {
    /// A reporter writing `signals`, in the `Idle` state.
    pub fn new(signals: CallSignals) -> CallReporter {
        CallReporter {
            signals,
            state: RefCell::new(CallState::Idle),
        }
    }

    /// The chat frames (JSON text, with their message ids) waiting for the data path.
    pub fn chat_outbox(&self) -> Vec<(String, String)> {
        self.signals
            .chat
            .try_with_untracked(|log| {
                log.outbox()
                    .into_iter()
                    .filter_map(|f| match &f {
                        ChatFrame::Message { id, .. } => Some((id.clone(), f.encode())),
                        ChatFrame::Delivered { .. } => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Message `id` went out on the data path.
    pub fn chat_sent(&self, id: &str) {
        self.signals.chat.try_update(|log| log.mark_sent(id));
    }

    /// A chat frame from the other party (JSON text, unchecked): added to the conversation; the
    /// answer is the acknowledgement to send back. A malformed frame is dropped (its content is
    /// never logged: it may be health information).
    pub fn chat_received(&self, text: &str) -> Option<String> {
        let frame = ChatFrame::parse(text).ok()?;
        let now = js_sys::Date::now() as i64;
        self.signals
            .chat
            .try_update(|log| log.receive(frame, now))
            .flatten()
            .map(|ack| ack.encode())
    }

    /// The call's state now.
    pub fn state(&self) -> CallState {
        self.state.borrow().clone()
    }

    /// The signals to write what the state machine does not decide (streams, flags, notices).
    pub fn signals(&self) -> CallSignals {
        self.signals
    }

    /// Applies `event` to the call's state machine, publishes the new state, and returns the
    /// effects the transport must carry out.
    pub fn dispatch(&self, event: CallEvent) -> Vec<Effect> {
        let (state, effects) = {
            let mut current = self.state.borrow_mut();
            let (state, effects) = current.clone().next(event);
            *current = state.clone();
            (state, effects)
        };
        let signals = self.signals;
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
        effects
    }
}
