//! The Twilio Video provider of the SFU engine ([`super::sfu`]): Twilio's browser SDK (loaded on
//! demand, see `bindings::twilio`) behind [`SfuProvider`] and [`SfuRoom`].
//!
//! TwilioError codes become the same [`CallError`]s the other providers use
//! (`teleconsult_core::twilio`): an expired token asks to sign in again, a blocked signaling
//! WebSocket (53000, seed 004) is told as a network or firewall problem, a duplicate identity
//! (53205) is "continued in another tab", a completed room is "closed by the clinic", a media
//! failure (53405) gets the TURN advice.

use teleconsult_core::{
    call::{CallError, CallEvent},
    twilio as codes,
};
use web_sys::MediaStreamTrack;

use super::sfu::{RoomEvent, SfuCall, SfuProvider, SfuPublication, SfuRoom, TrackSource};
use crate::bindings::twilio::{ConnectFailure, Publication, Room, Sdk};

/// How long joining may take before the person is told the video service cannot be reached.
const CONNECT_TIMEOUT_MS: i32 = 15_000;

/// A consultation through Twilio Video.
pub type TwilioCall = SfuCall<Twilio>;

/// What a Twilio call needs, from the join answer.
#[derive(Debug, Clone)]
pub struct Twilio {
    /// The Access Token for this room and identity.
    pub token: String,
    /// The room's unique name.
    pub room: String,
    /// The other party's display name (Twilio participants carry only an identity).
    pub peer_name: String,
}

/// A Twilio room, and the other party's name to show.
pub struct TwilioRoom {
    room: Room,
    peer_name: String,
}

impl SfuProvider for Twilio {
    type Room = TwilioRoom;

    async fn create_room(
        &self,
        mut report: Box<dyn FnMut(RoomEvent)>,
    ) -> Result<TwilioRoom, CallError> {
        let sdk = Sdk::load().await.map_err(|e| {
            leptos::logging::warn!("{e}");
            CallError::MediaServerUnreachable
        })?;
        let peer_name = self.peer_name.clone();
        let room = sdk.room(self.token.clone(), self.room.clone(), move |event| {
            report(match event {
                // A Twilio participant carries no name: the join answer gave it.
                RoomEvent::ParticipantConnected { identity, .. } => {
                    RoomEvent::ParticipantConnected {
                        identity,
                        name: Some(peer_name.clone()),
                    }
                }
                other => other,
            })
        });
        Ok(TwilioRoom {
            room,
            peer_name: self.peer_name.clone(),
        })
    }

    fn disconnect_event(reason: Option<u32>) -> CallEvent {
        codes::disconnect_event(reason)
    }
}

impl SfuRoom for TwilioRoom {
    type Publication = Publication;

    async fn connect(&self) -> Result<(), Option<CallError>> {
        match self.room.connect(CONNECT_TIMEOUT_MS).await {
            Ok(()) => Ok(()),
            Err(ConnectFailure::Cancelled) => Err(None),
            Err(ConnectFailure::Timeout) => Err(Some(CallError::MediaServerUnreachable)),
            Err(ConnectFailure::Error(code)) => {
                leptos::logging::warn!("Twilio connect failed: TwilioError {code:?}");
                Err(Some(codes::connect_error(code)))
            }
        }
    }

    fn remote_participants(&self) -> Vec<(String, Option<String>)> {
        self.room
            .remote_participants()
            .into_iter()
            .map(|identity| (identity, Some(self.peer_name.clone())))
            .collect()
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

    /// Twilio cannot swap the track of a publication made from a `MediaStreamTrack`: the old
    /// camera is unpublished and the new one published under the same name.
    async fn replace_camera(
        &self,
        old: &Publication,
        track: &MediaStreamTrack,
    ) -> Result<Publication, String> {
        self.room.unpublish(old.track());
        let publication = self.room.publish(track, TrackSource::Camera).await;
        let publication = publication.map_err(|e| format!("{e:?}"))?;
        if !old.track().enabled() {
            publication.set_enabled(false);
        }
        Ok(publication)
    }

    async fn unpublish(&self, track: &MediaStreamTrack) {
        self.room.unpublish(track);
    }

    fn disconnect(&self) {
        self.room.disconnect();
    }
}

impl SfuPublication for Publication {
    async fn set_enabled(&self, on: bool) {
        Publication::set_enabled(self, on);
    }
}
