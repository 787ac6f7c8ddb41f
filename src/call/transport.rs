//! The seam between the consultation UI and a media transport.
//!
//! Modelled on LiveKit's client model (a room, a local participant and remote participants with
//! tracks, and events), so that the P2P engine, LiveKit and later Twilio plug in behind the same
//! UI. A transport owns every browser resource of the call and releases it on
//! [`CallTransport::leave`] or when dropped.

use leptos::prelude::*;
use teleconsult_core::{call::CallState, signaling::Peer};
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

/// Reactive view of a call, written by the transport and read by the UI.
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
    /// What the other party sends (from `media:state`, since mutes are invisible in the media).
    pub remote_media: RwSignal<MediaFlags>,
    /// Whether the signaling connection is up (the call goes on without it).
    pub signaling_connected: RwSignal<bool>,
    /// When media first flowed (ms since the epoch), for the call timer.
    pub active_since_ms: RwSignal<Option<f64>>,
    /// Cameras to choose from: `(deviceId, label)`, known once camera access is granted.
    pub cameras: RwSignal<Vec<(String, String)>>,
    /// The camera in use (`deviceId`).
    pub camera_id: RwSignal<Option<String>>,
    /// A problem that does not end the call (e.g. the chosen camera is gone), in plain words.
    pub notice: RwSignal<Option<String>>,
}

impl CallSignals {
    /// Fresh signals in the `Idle` state.
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
        }
    }
}

impl Default for CallSignals {
    fn default() -> Self {
        CallSignals::new()
    }
}

/// What the consultation UI can ask of a transport.
pub trait CallTransport {
    /// The call's reactive view.
    fn signals(&self) -> CallSignals;
    /// Starts joining the consultation.
    fn start(&self);
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
    /// Leaves: tells the other party, stops every local track, closes every connection.
    fn leave(&self);
}
