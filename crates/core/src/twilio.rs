//! What Twilio Video's errors mean for a consultation.
//!
//! twilio-video reports failures as `TwilioError`s with a numeric `code` (Twilio's error
//! dictionary, twilio.com/docs/api/errors, and twilio-video.js's `TwilioErrors`): `connect()`
//! rejects with one, and `Room` emits `reconnecting(error)` and `disconnected(room, error)`.
//! This module turns those codes into the provider-neutral events of [`crate::call`], so the
//! words on screen are the same as for the other providers.

use crate::{
    call::{CallError, CallEvent, Refusal},
    i18n::text,
};

/// Access Token errors: 20101 invalid, 20102 invalid header, 20103 invalid issuer/subject
/// (a token of another account or key), 20104 expired, 20105 not yet valid, 20106 invalid
/// grants, 20107 invalid signature. All are cured by a fresh token: sign in and join again.
pub const ACCESS_TOKEN_ERRORS: std::ops::RangeInclusive<u32> = 20101..=20107;
/// `SignalingConnectionError`: the WebSocket to Twilio's signaling gateway failed (seed 004:
/// "WebSocket connection to 'wss://sdkgw.us1.twilio.com/v1/VideoEvents' failed").
pub const SIGNALING_CONNECTION_ERROR: u32 = 53000;
/// `SignalingConnectionDisconnectedError`: the signaling connection dropped.
pub const SIGNALING_CONNECTION_DISCONNECTED: u32 = 53001;
/// `SignalingConnectionTooLargeError`: a signaling message was too large.
pub const SIGNALING_CONNECTION_TOO_LARGE: u32 = 53002;
/// `RoomMaxParticipantsExceededError`.
pub const ROOM_MAX_PARTICIPANTS_EXCEEDED: u32 = 53105;
/// `RoomCompletedError`: the room was completed (through the REST API, by the clinic).
pub const ROOM_COMPLETED: u32 = 53118;
/// `ParticipantDuplicateIdentityError`: the same identity connected elsewhere, which ends this
/// session.
pub const PARTICIPANT_DUPLICATE_IDENTITY: u32 = 53205;
/// `MediaConnectionError`: media (ICE) could not be connected — a firewall without a TURN path.
pub const MEDIA_CONNECTION_ERROR: u32 = 53405;

/// The failure a `connect()` rejection with `code` stands for. Codes not listed here mean the
/// video service could not be reached or used. A refusal's message is in the current language
/// ([`crate::i18n`]).
pub fn connect_error(code: Option<u32>) -> CallError {
    match code {
        Some(c) if ACCESS_TOKEN_ERRORS.contains(&c) => CallError::SessionExpired,
        Some(ROOM_MAX_PARTICIPANTS_EXCEEDED) => CallError::Refused {
            reason: Refusal::RoomFull,
            message: text("twilio.error.room_full"),
        },
        Some(ROOM_COMPLETED) => CallError::ClosedByClinic,
        Some(MEDIA_CONNECTION_ERROR) => CallError::ConnectionFailed,
        Some(SIGNALING_CONNECTION_TOO_LARGE) => too_large(),
        _ => CallError::MediaServerUnreachable,
    }
}

/// What a `disconnected` event with the error `code` (none: this app itself disconnected)
/// means for the call. A refusal's message is in the current language ([`crate::i18n`]).
pub fn disconnect_event(code: Option<u32>) -> CallEvent {
    match code {
        Some(PARTICIPANT_DUPLICATE_IDENTITY) => CallEvent::TakenOver,
        Some(c) if ACCESS_TOKEN_ERRORS.contains(&c) => CallEvent::Failed(CallError::SessionExpired),
        Some(ROOM_COMPLETED) => CallEvent::Failed(CallError::ClosedByClinic),
        Some(MEDIA_CONNECTION_ERROR) => CallEvent::Failed(CallError::ConnectionFailed),
        Some(SIGNALING_CONNECTION_TOO_LARGE) => CallEvent::Failed(too_large()),
        _ => CallEvent::Failed(CallError::MediaServerUnreachable),
    }
}

fn too_large() -> CallError {
    CallError::Refused {
        reason: Refusal::Other,
        message: text("twilio.error.too_large"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_errors_ask_to_sign_in_again() {
        for code in [20101, 20103, 20104, 20107] {
            assert_eq!(
                connect_error(Some(code)),
                CallError::SessionExpired,
                "{code}"
            );
            assert_eq!(
                disconnect_event(Some(code)),
                CallEvent::Failed(CallError::SessionExpired)
            );
        }
        assert!(CallError::SessionExpired
            .user_message()
            .contains("Sign in again"));
    }

    #[test]
    fn a_blocked_signaling_websocket_is_told_as_a_network_problem() {
        let e = connect_error(Some(SIGNALING_CONNECTION_ERROR));
        assert_eq!(e, CallError::MediaServerUnreachable);
        assert!(
            e.user_message().contains("firewall"),
            "{}",
            e.user_message()
        );
        assert_eq!(
            disconnect_event(Some(SIGNALING_CONNECTION_DISCONNECTED)),
            CallEvent::Failed(CallError::MediaServerUnreachable)
        );
        assert_eq!(connect_error(None), CallError::MediaServerUnreachable);
    }

    #[test]
    fn duplicate_identity_room_completed_and_media_failures() {
        assert_eq!(
            disconnect_event(Some(PARTICIPANT_DUPLICATE_IDENTITY)),
            CallEvent::TakenOver
        );
        assert_eq!(
            disconnect_event(Some(ROOM_COMPLETED)),
            CallEvent::Failed(CallError::ClosedByClinic)
        );
        let media = connect_error(Some(MEDIA_CONNECTION_ERROR));
        assert_eq!(media, CallError::ConnectionFailed);
        assert!(media.user_message().contains("TURN"));
        assert!(matches!(
            connect_error(Some(ROOM_MAX_PARTICIPANTS_EXCEEDED)),
            CallError::Refused {
                reason: Refusal::RoomFull,
                ..
            }
        ));
        match disconnect_event(Some(SIGNALING_CONNECTION_TOO_LARGE)) {
            CallEvent::Failed(CallError::Refused { message, .. }) => {
                assert!(message.contains("Join again"))
            }
            other => panic!("{other:?}"),
        }
    }
}
