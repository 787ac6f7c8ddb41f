//! The LiveKit provider of the SFU engine ([`super::sfu`]): LiveKit's browser SDK (loaded on
//! demand, see `bindings::livekit`) behind [`SfuProvider`] and [`SfuRoom`].
//!
//! LiveKit's connection errors and disconnect reasons become the same [`CallError`]s the other providers use, so the
//! words on screen are the same.

use teleconsult_core::{
    call::{CallError, CallEvent, Refusal},
    chat::CHAT_CHANNEL,
};
use web_sys::MediaStreamTrack;

use super::sfu::{RoomEvent, SfuCall, SfuProvider, SfuPublication, SfuRoom, TrackSource};
use crate::{
    bindings::livekit::{ConnectFailure, Publication, Room, Sdk, SdkError},
    i18n::tr,
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

/// A consultation through LiveKit.
pub type LivekitCall = SfuCall<Livekit>;

/// What a LiveKit call needs, from the join answer.
#[derive(Debug, Clone)]
pub struct Livekit {
    /// The LiveKit server (`wss://…`).
    pub url: String,
    /// The join token for this room and identity.
    pub token: String,
    /// The appointment's end-to-end encryption key, when the clinic encrypts consultations.
    pub e2ee_key: Option<String>,
}

/// A LiveKit room with the URL and token to join it.
pub struct LivekitRoom {
    room: Room,
    url: String,
    token: String,
}

impl SfuProvider for Livekit {
    type Room = LivekitRoom;

    async fn create_room(
        &self,
        report: Box<dyn FnMut(RoomEvent)>,
    ) -> Result<LivekitRoom, CallError> {
        let sdk = Sdk::load().await.map_err(|e| {
            leptos::logging::warn!("{e}");
            CallError::MediaServerUnreachable
        })?;
        let mut room = match sdk.new_room(self.e2ee_key.as_deref()).await {
            Ok(room) => room,
            Err(SdkError::E2eeUnsupported) => {
                return Err(CallError::Refused {
                    reason: Refusal::ProviderUnsupported,
                    // In the language of the moment: a refusal carries its words.
                    message: tr("room.error.e2ee_unsupported"),
                });
            }
            Err(e) => {
                leptos::logging::warn!("could not create a LiveKit room: {e}");
                return Err(CallError::MediaServerUnreachable);
            }
        };
        room.on_event(report);
        Ok(LivekitRoom {
            room,
            url: self.url.clone(),
            token: self.token.clone(),
        })
    }

    fn disconnect_event(reason: Option<u32>) -> CallEvent {
        match reason {
            Some(DUPLICATE_IDENTITY) => CallEvent::TakenOver,
            Some(PARTICIPANT_REMOVED | ROOM_DELETED | ROOM_CLOSED) => {
                CallEvent::Failed(CallError::ClosedByClinic)
            }
            _ => CallEvent::Failed(CallError::MediaServerUnreachable),
        }
    }
}

impl SfuRoom for LivekitRoom {
    type Publication = Publication;

    async fn connect(&self) -> Result<(), Option<CallError>> {
        self.room
            .connect(&self.url, &self.token, CONNECT_TIMEOUT_MS)
            .await
            .map_err(|failure| {
                if failure.reason == Some(CANCELLED) {
                    return None;
                }
                leptos::logging::warn!("LiveKit connect failed: {failure:?}");
                Some(connect_error(&failure))
            })
    }

    fn remote_participants(&self) -> Vec<(String, Option<String>)> {
        self.room.remote_participants()
    }

    fn is_encrypted(&self) -> bool {
        self.room.is_encrypted()
    }

    fn has_chat(&self) -> bool {
        true
    }

    async fn send_chat(&self, frame: &str) -> bool {
        self.room.publish_data(frame, CHAT_CHANNEL).await.is_ok()
    }

    async fn publish(
        &self,
        track: &MediaStreamTrack,
        source: TrackSource,
    ) -> Result<Publication, String> {
        self.room
            .publish(track, source)
            .await
            .map_err(|e| format!("{e:?}"))
    }

    /// `LocalTrack.replaceTrack`: the same publication, no renegotiation.
    async fn replace_camera(
        &self,
        old: &Publication,
        track: &MediaStreamTrack,
    ) -> Result<Publication, String> {
        old.replace_track(track)
            .await
            .map(|()| old.clone())
            .map_err(|e| format!("{e:?}"))
    }

    async fn unpublish(&self, track: &MediaStreamTrack) {
        self.room.unpublish(track).await;
    }

    fn disconnect(&self) {
        self.room.disconnect();
    }
}

impl SfuPublication for Publication {
    async fn set_enabled(&self, on: bool) {
        Publication::set_enabled(self, on).await;
    }
}

/// The failure a `room.connect()` rejection stands for.
fn connect_error(failure: &ConnectFailure) -> CallError {
    match (failure.reason, failure.status) {
        // The SFU refused the join token (401): a new one comes with a new sign-in and join.
        (Some(NOT_ALLOWED), Some(401)) => CallError::SessionExpired,
        (Some(NOT_ALLOWED), _) => CallError::Refused {
            reason: Refusal::Forbidden,
            message: tr("room.error.media_server_refused"),
        },
        _ => CallError::MediaServerUnreachable,
    }
}
