//! The P2P signaling protocol: JSON text frames over a WebSocket (`GET /api/signal`), each with a
//! `type` field. This is a public contract, documented with examples in `docs/signaling.md`;
//! frame names follow the minimal call flow of seed 003 (`call:offer`, `call:answer`, `call:ice`,
//! `call:end`, `call:busy`).
//!
//! Order of a session: the client sends `auth` first (within 5 s), then `room:join`; the server
//! answers `room:joined` and thereafter relays `call:*`, `media:state` and `media:quality` frames between the two
//! participants, adding `from`.

use serde::{Deserialize, Serialize};

use crate::{call::LeaveReason, quality::QualityLevel, Role};

/// Largest accepted frame: 64 KiB. SDP with many candidates stays well below; larger frames get
/// an `error` frame with code `frame_too_large` and are dropped.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Seconds an unauthenticated socket may stay open before the server closes it.
pub const AUTH_TIMEOUT_SECS: u64 = 5;
/// Most participants in one consultation room.
pub const MAX_PARTICIPANTS: usize = 2;

/// Frames one socket may send per second, sustained. A call needs far fewer (an offer and an
/// answer, a few dozen ICE candidates, media states, pings); a flood gets the socket closed with
/// [`CLOSE_RATE_LIMITED`].
pub const FRAME_RATE_PER_SEC: u32 = 50;
/// Frames one socket may send in a burst above [`FRAME_RATE_PER_SEC`].
pub const FRAME_BURST: u32 = 200;

/// Close code: no valid `auth` frame in time, or the token refused (do not reconnect).
pub const CLOSE_UNAUTHORIZED: u16 = 4001;
/// Close code: this person continued the call in another tab or device (do not reconnect).
pub const CLOSE_TAKEN_OVER: u16 = 4002;
/// Signaling sockets one person (identity) may hold open at once: a few tabs and devices with
/// one socket each, and a reconnecting one overlapping the one it replaces. More is a runaway
/// client or abuse: each open socket costs the hub memory and a task.
pub const MAX_SOCKETS_PER_IDENTITY: usize = 8;
/// Close code: this person already holds [`MAX_SOCKETS_PER_IDENTITY`] sockets (RFC 6455 range
/// for applications; clients reconnect with backoff, by which time one has usually closed).
pub const CLOSE_TOO_MANY_SOCKETS: u16 = 4003;
/// Close code: more frames than [`FRAME_RATE_PER_SEC`]/[`FRAME_BURST`] allow (RFC 6455 1008,
/// policy violation).
pub const CLOSE_RATE_LIMITED: u16 = 1008;
/// Close code: a message over the protocol limit of 1 MiB (RFC 6455 1009, message too big).
/// Frames between [`MAX_FRAME_BYTES`] and 1 MiB get a `frame_too_large` error and the socket
/// stays open.
pub const CLOSE_TOO_BIG: u16 = 1009;

/// An ICE candidate as `RTCIceCandidateInit`: `{candidate, sdpMid, sdpMLineIndex}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceCandidate {
    /// The `candidate:` attribute line; empty for the end-of-candidates marker.
    pub candidate: String,
    /// Media stream identification tag.
    #[serde(rename = "sdpMid", default)]
    pub sdp_mid: Option<String>,
    /// Index of the m-line.
    #[serde(rename = "sdpMLineIndex", default)]
    pub sdp_m_line_index: Option<u16>,
}

/// A participant as other participants see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// `{role}_{user_id}`, e.g. `doctor_1`.
    pub identity: String,
    /// Doctor or patient.
    pub role: Role,
    /// Display name.
    pub name: String,
    /// The participant's page session (random per page load), so a peer can tell a reconnect of
    /// the same page (keep the peer connection) from a new page (start a new one).
    #[serde(rename = "sessionId")]
    pub session_id: String,
}

/// Frames a client sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ClientFrame {
    /// First frame: the access token from login. `{"type":"auth","token":"…"}`
    #[serde(rename = "auth")]
    Auth {
        /// Bearer access token.
        token: String,
    },
    /// Enter the consultation room of an appointment. Same rules as the join endpoint.
    /// `takeover: true` moves the caller's presence from another tab or device to this socket.
    #[serde(rename = "room:join")]
    RoomJoin {
        /// The appointment.
        #[serde(rename = "appointmentId")]
        appointment_id: i64,
        /// Random id of this page load (see [`Peer::session_id`]).
        #[serde(rename = "sessionId")]
        session_id: String,
        /// Replace this identity's other session in the room.
        #[serde(default)]
        takeover: bool,
    },
    /// SDP offer for the peer.
    #[serde(rename = "call:offer")]
    Offer {
        /// The call.
        #[serde(rename = "callId")]
        call_id: String,
        /// Session description.
        sdp: String,
    },
    /// SDP answer for the peer.
    #[serde(rename = "call:answer")]
    Answer {
        /// The call.
        #[serde(rename = "callId")]
        call_id: String,
        /// Session description.
        sdp: String,
    },
    /// A trickled ICE candidate for the peer.
    #[serde(rename = "call:ice")]
    Ice {
        /// The call.
        #[serde(rename = "callId")]
        call_id: String,
        /// The candidate.
        candidate: IceCandidate,
    },
    /// The sender leaves the call (`reason`: `hangup`, `moved`, …). The server relays it and
    /// removes the sender from the room.
    #[serde(rename = "call:end")]
    End {
        /// The call.
        #[serde(rename = "callId")]
        call_id: String,
        /// Why.
        reason: LeaveReason,
    },
    /// The sender's microphone, camera and screen share state (a receiver cannot see a mute in
    /// the media itself).
    #[serde(rename = "media:state")]
    MediaState {
        /// The call.
        #[serde(rename = "callId")]
        call_id: String,
        /// Microphone on.
        audio: bool,
        /// Camera on.
        video: bool,
        /// Sharing the screen.
        screen: bool,
        /// The `MediaStream.id` of the shared screen while sharing, so the receiver can tell it
        /// from the camera whatever order the tracks arrive in.
        #[serde(
            rename = "screenStreamId",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        screen_stream_id: Option<String>,
    },
    /// The sender's own connection quality as it measures it, and whether it paused its video
    /// because its outgoing bandwidth is too low (`teleconsult_core::quality`). Sent when
    /// either changes.
    #[serde(rename = "media:quality")]
    MediaQuality {
        /// The call.
        #[serde(rename = "callId")]
        call_id: String,
        /// `good`, `fair` or `poor`.
        level: QualityLevel,
        /// Video sending paused for bandwidth (the person's camera is still on).
        #[serde(rename = "videoPaused", default)]
        video_paused: bool,
    },
    /// Keep-alive; answered with `pong`.
    #[serde(rename = "ping")]
    Ping,
}

/// Frames the server sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ServerFrame {
    /// The token was accepted.
    #[serde(rename = "auth:ok")]
    AuthOk {
        /// The caller's identity.
        identity: String,
    },
    /// The caller is in the room.
    #[serde(rename = "room:joined")]
    RoomJoined {
        /// Room name.
        room: String,
        /// The call's id, shared by both participants while the room is occupied.
        #[serde(rename = "callId")]
        call_id: String,
        /// The others already in the room.
        peers: Vec<Peer>,
    },
    /// Someone entered the room. The participant already there creates the offer.
    #[serde(rename = "room:peer-joined")]
    PeerJoined {
        /// Who.
        peer: Peer,
    },
    /// Someone left the room (`reason`: `hangup`, `disconnected`, `moved`, …).
    #[serde(rename = "room:peer-left")]
    PeerLeft {
        /// Who.
        identity: String,
        /// Why.
        reason: LeaveReason,
    },
    /// The same identity is already in the room from another tab or device. Send `room:join`
    /// with `takeover: true` to move the call here.
    #[serde(rename = "call:busy")]
    Busy {
        /// The call in progress.
        #[serde(rename = "callId")]
        call_id: String,
    },
    /// This session was replaced by the same identity elsewhere; the socket closes after this.
    #[serde(rename = "room:taken-over")]
    TakenOver {
        /// The call that moved.
        #[serde(rename = "callId")]
        call_id: String,
    },
    /// Relayed offer.
    #[serde(rename = "call:offer")]
    Offer {
        /// Sender identity.
        from: String,
        /// The call.
        #[serde(rename = "callId")]
        call_id: String,
        /// Session description.
        sdp: String,
    },
    /// Relayed answer.
    #[serde(rename = "call:answer")]
    Answer {
        /// Sender identity.
        from: String,
        /// The call.
        #[serde(rename = "callId")]
        call_id: String,
        /// Session description.
        sdp: String,
    },
    /// Relayed ICE candidate.
    #[serde(rename = "call:ice")]
    Ice {
        /// Sender identity.
        from: String,
        /// The call.
        #[serde(rename = "callId")]
        call_id: String,
        /// The candidate.
        candidate: IceCandidate,
    },
    /// Relayed end of call.
    #[serde(rename = "call:end")]
    End {
        /// Sender identity.
        from: String,
        /// The call.
        #[serde(rename = "callId")]
        call_id: String,
        /// Why.
        reason: LeaveReason,
    },
    /// Relayed media state.
    #[serde(rename = "media:state")]
    MediaState {
        /// Sender identity.
        from: String,
        /// The call.
        #[serde(rename = "callId")]
        call_id: String,
        /// Microphone on.
        audio: bool,
        /// Camera on.
        video: bool,
        /// Sharing the screen.
        screen: bool,
        /// The `MediaStream.id` of the shared screen while sharing, so the receiver can tell it
        /// from the camera whatever order the tracks arrive in.
        #[serde(
            rename = "screenStreamId",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        screen_stream_id: Option<String>,
    },
    /// Relayed connection quality of the sender.
    #[serde(rename = "media:quality")]
    MediaQuality {
        /// Sender identity.
        from: String,
        /// The call.
        #[serde(rename = "callId")]
        call_id: String,
        /// `good`, `fair` or `poor`.
        level: QualityLevel,
        /// Video sending paused for bandwidth.
        #[serde(rename = "videoPaused", default)]
        video_paused: bool,
    },
    /// Answer to `ping`.
    #[serde(rename = "pong")]
    Pong,
    /// A refused or malformed frame. The socket stays open unless the code says otherwise
    /// (`auth_timeout`, `unauthorized` close it). Codes: `invalid_frame`, `frame_too_large`,
    /// `unauthorized`, `auth_timeout`, `not_in_room`, `room_full`, `forbidden`, `not_found`,
    /// and the join-window reasons `not_confirmed`, `cancelled`, `completed`, `too_early`,
    /// `too_late`.
    #[serde(rename = "error")]
    Error {
        /// Machine-readable code.
        code: String,
        /// Plain-language explanation.
        message: String,
    },
}

impl ServerFrame {
    /// An `error` frame.
    pub fn error(code: &str, message: impl Into<String>) -> ServerFrame {
        ServerFrame::Error {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// In "perfect negotiation" one side yields when both offer at once (glare). The patient is the
/// polite side and the doctor the impolite one: fixed by role, so both always agree.
pub fn is_polite(role: Role) -> bool {
    role == Role::Patient
}

/// What the hub does when a person joins a room they are already in on another socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejoin {
    /// Another page (tab or device) without `takeover`: answer `call:busy`, change nothing.
    Busy,
    /// Another page with `takeover`: the old socket gets `room:taken-over` and is closed; the
    /// others see `room:peer-left` with reason `moved`.
    TakeOver,
    /// The same page (same `sessionId`) back on a new socket while its old one is still held
    /// (the old connection has not timed out, or its server instance stopped): the old socket is
    /// closed quietly and the others see only `room:peer-joined` with that same `sessionId`, which
    /// tells them to keep their peer connection. The person never left the call, so the call log
    /// records neither a departure nor a second arrival.
    SamePage,
}

/// The rule for a join of someone already in the room on another socket, from the page
/// sessions (`Peer::session_id`) of the held socket and of the joining one.
pub fn rejoin(held_session: &str, joining_session: &str, takeover: bool) -> Rejoin {
    if held_session == joining_session {
        Rejoin::SamePage
    } else if takeover {
        Rejoin::TakeOver
    } else {
        Rejoin::Busy
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn client_frames_match_the_documented_json() {
        let f: ClientFrame = serde_json::from_value(json!({"type": "auth", "token": "t"})).unwrap();
        assert_eq!(f, ClientFrame::Auth { token: "t".into() });
        let f: ClientFrame = serde_json::from_value(
            json!({"type": "room:join", "appointmentId": 10, "sessionId": "s1"}),
        )
        .unwrap();
        assert_eq!(
            f,
            ClientFrame::RoomJoin {
                appointment_id: 10,
                session_id: "s1".into(),
                takeover: false
            }
        );
        let f: ClientFrame = serde_json::from_value(json!({
            "type": "call:ice", "callId": "c",
            "candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host", "sdpMid": "0", "sdpMLineIndex": 0}
        }))
        .unwrap();
        assert!(matches!(f, ClientFrame::Ice { .. }));
        let f: ClientFrame = serde_json::from_value(
            json!({"type": "media:quality", "callId": "c", "level": "fair"}),
        )
        .unwrap();
        assert_eq!(
            f,
            ClientFrame::MediaQuality {
                call_id: "c".into(),
                level: QualityLevel::Fair,
                video_paused: false
            }
        );
    }

    #[test]
    fn server_frames_serialize_with_type_and_camel_case_ids() {
        let v = serde_json::to_value(ServerFrame::RoomJoined {
            room: "appointment_10_consultation".into(),
            call_id: "c1".into(),
            peers: vec![Peer {
                identity: "doctor_1".into(),
                role: Role::Doctor,
                name: "Dr. Amina Rahman".into(),
                session_id: "s".into(),
            }],
        })
        .unwrap();
        assert_eq!(
            v,
            json!({"type": "room:joined", "room": "appointment_10_consultation", "callId": "c1",
                   "peers": [{"identity": "doctor_1", "role": "doctor", "name": "Dr. Amina Rahman", "sessionId": "s"}]})
        );
        assert_eq!(
            serde_json::to_value(ServerFrame::error("not_in_room", "x")).unwrap(),
            json!({"type": "error", "code": "not_in_room", "message": "x"})
        );
    }

    #[test]
    fn unknown_or_malformed_frames_are_errors_not_panics() {
        for bad in [
            json!({"type": "call:dance"}),
            json!({"type": "room:join", "appointmentId": "ten", "sessionId": "s"}),
            json!({"token": "no type"}),
            json!([1, 2, 3]),
        ] {
            assert!(serde_json::from_value::<ClientFrame>(bad).is_err());
        }
    }

    #[test]
    fn exactly_one_side_is_polite() {
        assert_ne!(is_polite(Role::Doctor), is_polite(Role::Patient));
    }

    #[test]
    fn the_same_page_is_never_busy_with_itself() {
        assert_eq!(rejoin("a", "a", false), Rejoin::SamePage);
        assert_eq!(rejoin("a", "a", true), Rejoin::SamePage);
        assert_eq!(rejoin("a", "b", false), Rejoin::Busy);
        assert_eq!(rejoin("a", "b", true), Rejoin::TakeOver);
    }
}
