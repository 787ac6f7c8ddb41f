//! The consultation call as a provider-neutral state machine: `next(state, event) -> (state,
//! effects)`.
//!
//! Every transport (P2P, LiveKit, Twilio) feeds it the same events (entered the room, the other
//! party arrived or left, the media connected, was interrupted or was lost, a refusal) and carries
//! out the same effects (join, tell the others we leave, release everything). What a transport
//! does *inside* its media path (P2P's offers and ICE restarts) is its own business: see
//! [`crate::negotiation`] for P2P. States follow seed 003's minimal flow (idle, joining,
//! connecting, active, busy, ended, error) plus waiting, reconnecting and "the other party left",
//! which a consultation needs.
//!
//! The reasons and causes here ([`LeaveReason`], [`Refusal`], [`CallError`]) are the words the
//! app, the signaling hub and the call log share, so none of them matches strings by hand.

use serde::{Deserialize, Serialize};

use crate::{
    i18n::{text, text_with},
    media_error::MediaError,
};

/// Where the call stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CallState {
    /// Nothing started yet.
    Idle,
    /// Asking for connection details and the camera/microphone, then entering the room.
    Joining,
    /// In the clinic's waiting room with their own camera on: the doctor lets them in
    /// (`crate::admission`).
    WaitingRoom,
    /// In the room; the other party has not arrived.
    Waiting,
    /// The other party is in the room; media is being connected.
    Connecting,
    /// Media flows both ways.
    Active,
    /// Media was flowing and was interrupted; the transport is recovering it.
    Reconnecting,
    /// The other party was here and left; they may come back.
    PeerLeft {
        /// Why they left.
        reason: LeaveReason,
    },
    /// This person is already in the room from another tab or device.
    Busy,
    /// The call is over for this person.
    Ended {
        /// Why.
        reason: EndReason,
    },
    /// The call could not start or continue.
    Failed {
        /// What went wrong.
        error: CallError,
    },
}

/// Why a call ended for this person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// This person left.
    Hangup,
    /// The call moved to another tab or device of the same person.
    Moved,
}

/// Why a participant left a room, or why the call ended: the `reason` of the signaling frames
/// `call:end` and `room:peer-left` and of the call log. Wire names are snake_case
/// (`"hangup"`, `"disconnected"`, …); a name this version does not know reads as
/// [`LeaveReason::Ended`], so a newer client never breaks an older server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    /// The person chose to leave.
    Hangup,
    /// The connection dropped (tab closed, network lost) without a goodbye.
    Disconnected,
    /// The same person continued in another tab or on another device.
    Moved,
    /// Media could never be connected (firewall, no relay).
    ConnectionFailed,
    /// The person's camera and microphone could not start (refused by the browser or the
    /// system, missing, or in use): they were told how to fix it, and may come back.
    MediaUnavailable,
    /// Everyone left: the call is over (call log `ended` entries).
    AllLeft,
    /// Any other or unknown reason.
    #[serde(other)]
    Ended,
}

impl LeaveReason {
    /// The wire name, e.g. `"hangup"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LeaveReason::Hangup => "hangup",
            LeaveReason::Disconnected => "disconnected",
            LeaveReason::Moved => "moved",
            LeaveReason::ConnectionFailed => "connection_failed",
            LeaveReason::MediaUnavailable => "media_unavailable",
            LeaveReason::AllLeft => "all_left",
            LeaveReason::Ended => "ended",
        }
    }

    /// Parses a wire name; unknown names are [`LeaveReason::Ended`].
    pub fn parse(s: &str) -> LeaveReason {
        match s {
            "hangup" => LeaveReason::Hangup,
            "disconnected" => LeaveReason::Disconnected,
            "moved" => LeaveReason::Moved,
            "connection_failed" => LeaveReason::ConnectionFailed,
            "media_unavailable" => LeaveReason::MediaUnavailable,
            "all_left" => LeaveReason::AllLeft,
            _ => LeaveReason::Ended,
        }
    }
}

impl std::fmt::Display for LeaveReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the server refused to let this person into the room: the machine-readable `code` of the
/// API's 403/404 answers to `POST /api/appointments/{id}/join` and of the signaling hub's `error`
/// frames. The join-window codes come from [`crate::JoinRefusal::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The doctor has not confirmed the appointment.
    NotConfirmed,
    /// The appointment was cancelled.
    Cancelled,
    /// The consultation was marked completed.
    Completed,
    /// The join window has not opened yet.
    TooEarly,
    /// The join window has closed.
    TooLate,
    /// Not a party of the appointment.
    Forbidden,
    /// No such appointment.
    NotFound,
    /// The room already holds two participants (`signaling::MAX_PARTICIPANTS`).
    RoomFull,
    /// The clinic's media provider is one this app cannot use.
    ProviderUnsupported,
    /// A patient asked to enter the room before the doctor let them in from the waiting room.
    NotAdmitted,
    /// Any other refusal, or a server error.
    Other,
}

impl Refusal {
    /// The wire code, e.g. `"room_full"`.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::NotConfirmed => "not_confirmed",
            Refusal::Cancelled => "cancelled",
            Refusal::Completed => "completed",
            Refusal::TooEarly => "too_early",
            Refusal::TooLate => "too_late",
            Refusal::Forbidden => "forbidden",
            Refusal::NotFound => "not_found",
            Refusal::RoomFull => "room_full",
            Refusal::ProviderUnsupported => "provider_unsupported",
            Refusal::NotAdmitted => "not_admitted",
            Refusal::Other => "other",
        }
    }

    /// Every refusal the server can give (all but [`Refusal::Other`]).
    pub const ALL: [Refusal; 10] = [
        Refusal::NotConfirmed,
        Refusal::Cancelled,
        Refusal::Completed,
        Refusal::TooEarly,
        Refusal::TooLate,
        Refusal::Forbidden,
        Refusal::NotFound,
        Refusal::RoomFull,
        Refusal::ProviderUnsupported,
        Refusal::NotAdmitted,
    ];

    /// The refusal of a wire code; `None` for codes that are not refusals.
    pub fn from_code(code: &str) -> Option<Refusal> {
        Some(match code {
            "not_confirmed" => Refusal::NotConfirmed,
            "cancelled" => Refusal::Cancelled,
            "completed" => Refusal::Completed,
            "too_early" => Refusal::TooEarly,
            "too_late" => Refusal::TooLate,
            "forbidden" => Refusal::Forbidden,
            "not_found" => Refusal::NotFound,
            "room_full" => Refusal::RoomFull,
            "provider_unsupported" => Refusal::ProviderUnsupported,
            "not_admitted" => Refusal::NotAdmitted,
            _ => return None,
        })
    }
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CallError {
    /// Camera or microphone.
    Media {
        /// The cause.
        error: MediaError,
    },
    /// The server refused to let this person in (join window, not a participant, room full),
    /// with its explanation.
    Refused {
        /// The cause.
        reason: Refusal,
        /// The server's explanation, in plain words.
        message: String,
    },
    /// The session expired or the token was rejected (401): sign in again.
    SessionExpired,
    /// The server could not be reached.
    Network,
    /// Media could not be connected or re-connected (firewall, no TURN relay).
    ConnectionFailed,
    /// The clinic's media server (an SFU such as LiveKit) could not be reached or stopped
    /// answering: a firewall, a proxy that blocks WebSockets, or the server is down.
    MediaServerUnreachable,
    /// The clinic ended the consultation for this person: the room was closed or they were
    /// removed from it.
    ClosedByClinic,
    /// The call's signaling connection (P2P: the WebSocket to the hub) did not open within
    /// [`SIGNALING_DEADLINE_MS`]: a firewall, a proxy that blocks WebSockets, or the server down.
    SignalingUnreachable,
}

/// How long the signaling connection may take to open before the person is told (seed 004: a
/// blocked WebSocket left people waiting without a word), in milliseconds.
pub const SIGNALING_DEADLINE_MS: u32 = 10_000;

/// How long media may take to connect once both parties are present (the `Connecting` phase)
/// before the call is told as a network problem with the TURN advice (seed 000 #3 and seed 003:
/// "remote video never appears"), in milliseconds.
pub const CONNECT_DEADLINE_MS: u32 = 20_000;

/// How long a camera and microphone that failed while the room's join was unanswered wait for
/// the answer, so that the leave can say why (`media_unavailable`) to the other party, who saw
/// this person enter; past it the person is told at once, without the announcement. In
/// milliseconds: a join is answered in one round trip, so this is many of them.
pub const ANNOUNCE_WAIT_MS: u32 = 3_000;

/// Error codes of the API and the signaling hub that mean "this session is over: sign in again".
const SESSION_CODES: [&str; 3] = ["unauthorized", "invalid_token", "token_expired"];

impl CallError {
    /// The failure an `error` code of the signaling hub (or the API) stands for, with the
    /// server's `message`. `None` for codes that do not end a call (`invalid_frame`,
    /// `not_in_room`, `frame_too_large`, unknown codes): the call goes on.
    pub fn from_code(code: &str, message: String) -> Option<CallError> {
        if SESSION_CODES.contains(&code) {
            return Some(CallError::SessionExpired);
        }
        Refusal::from_code(code).map(|reason| CallError::refused(reason, message))
    }

    /// A refusal for `reason`. The join window's, the room's and the appointment's refusals get
    /// the app's own words, in the current language ([`crate::i18n`]; the server's English says
    /// the same); any other keeps `server_message`, the explanation it came with.
    pub fn refused(reason: Refusal, server_message: String) -> CallError {
        let own = match reason {
            Refusal::NotConfirmed => Some("call.refusal.not_confirmed"),
            Refusal::Cancelled => Some("call.refusal.cancelled"),
            Refusal::Completed => Some("call.refusal.completed"),
            Refusal::TooEarly => Some("call.refusal.too_early"),
            Refusal::TooLate => Some("call.refusal.too_late"),
            Refusal::RoomFull => Some("call.refusal.room_full"),
            Refusal::NotAdmitted => Some("call.refusal.not_admitted"),
            Refusal::Forbidden => Some("call.refusal.forbidden"),
            Refusal::NotFound => Some("call.refusal.not_found"),
            Refusal::ProviderUnsupported | Refusal::Other => None,
        };
        CallError::Refused {
            reason,
            message: own.map(text).unwrap_or(server_message),
        }
    }

    /// What to tell the person, in plain words, with what to do, in the current language
    /// ([`crate::i18n`]). A refusal is the explanation it carries (see [`CallError::refused`]).
    pub fn user_message(&self) -> String {
        match self {
            CallError::Media { error } => error.user_message(),
            CallError::Refused { message, .. } => message.clone(),
            CallError::SessionExpired => text("call.error.session_expired"),
            CallError::Network => text("call.error.network"),
            CallError::ConnectionFailed => text("call.error.connection_failed"),
            CallError::MediaServerUnreachable => text("call.error.media_server_unreachable"),
            CallError::ClosedByClinic => text("call.error.closed_by_clinic"),
            CallError::SignalingUnreachable => text_with(
                "call.error.signaling_unreachable",
                &[("seconds", &(SIGNALING_DEADLINE_MS / 1_000))],
            ),
        }
    }
}

/// The state of the call's media path, as every transport can report it (P2P from
/// `RTCPeerConnection.connectionState`; an SFU SDK from its reconnecting/reconnected events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaPath {
    /// Media flows.
    Connected,
    /// Media stopped flowing; the transport may still recover it.
    Interrupted,
    /// The media path failed; only a restart of it can help.
    Failed,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// The person asked to join.
    Start,
    /// The server put this person in the waiting room.
    InWaitingRoom,
    /// The doctor let this person in from the waiting room; the call now joins the room.
    Admitted,
    /// This person entered the room; `peer_present` when the other party is already there.
    RoomJoined {
        /// The other party is in the room.
        peer_present: bool,
    },
    /// The other party entered the room. `resumed` when it is the same page load that was here
    /// before (back after a signaling outage), whose media never stopped.
    PeerJoined {
        /// The same page of the peer, back.
        resumed: bool,
    },
    /// The other party left.
    PeerLeft {
        /// Why.
        reason: LeaveReason,
    },
    /// The media path changed.
    Media(MediaPath),
    /// The room says this person is already in it elsewhere.
    Busy,
    /// The person chose "continue the call here" after [`CallEvent::Busy`].
    TakeOver,
    /// Another tab or device of this person took the call.
    TakenOver,
    /// The person left.
    Leave,
    /// Something failed.
    Failed(CallError),
}

/// What the transport must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Enter the room; `takeover` moves this person's presence from their other tab or device.
    Join {
        /// Replace this person's other session.
        takeover: bool,
    },
    /// Tell the others this person leaves, and why.
    AnnounceLeave(LeaveReason),
    /// Stop every local track and close every connection.
    ReleaseAll,
}

impl CallState {
    /// Whether the call is over (ended or failed) and its resources released.
    pub fn is_terminal(&self) -> bool {
        matches!(self, CallState::Ended { .. } | CallState::Failed { .. })
    }

    /// A stable name for styling and tests (`data-state`): `idle`, `joining`, `waiting-room`, `waiting`,
    /// `connecting`, `active`, `reconnecting`, `peer-left`, `busy`, `ended`, `failed`.
    pub fn key(&self) -> &'static str {
        match self {
            CallState::Idle => "idle",
            CallState::Joining => "joining",
            CallState::WaitingRoom => "waiting-room",
            CallState::Waiting => "waiting",
            CallState::Connecting => "connecting",
            CallState::Active => "active",
            CallState::Reconnecting => "reconnecting",
            CallState::PeerLeft { .. } => "peer-left",
            CallState::Busy => "busy",
            CallState::Ended { .. } => "ended",
            CallState::Failed { .. } => "failed",
        }
    }

    /// Applies `event`, returning the new state and the effects to carry out. Events that make
    /// no sense in the current state leave it unchanged with no effects.
    pub fn next(self, event: CallEvent) -> (CallState, Vec<Effect>) {
        use CallEvent as E;
        use CallState as S;
        if self.is_terminal() {
            return (self, vec![]);
        }
        let waiting_or_connecting = |peer_present: bool| {
            if peer_present {
                S::Connecting
            } else {
                S::Waiting
            }
        };
        match (self, event) {
            (_, E::Leave) => (
                S::Ended {
                    reason: EndReason::Hangup,
                },
                vec![
                    Effect::AnnounceLeave(LeaveReason::Hangup),
                    Effect::ReleaseAll,
                ],
            ),
            (_, E::TakenOver) => (
                S::Ended {
                    reason: EndReason::Moved,
                },
                vec![Effect::ReleaseAll],
            ),
            // A camera that could not start is said to the other party (who may have seen this
            // person enter the room, which happens while the camera opens), not left to look
            // like a dropped connection.
            (_, E::Failed(error @ CallError::Media { .. })) => (
                S::Failed { error },
                vec![
                    Effect::AnnounceLeave(LeaveReason::MediaUnavailable),
                    Effect::ReleaseAll,
                ],
            ),
            (_, E::Failed(error)) => (S::Failed { error }, vec![Effect::ReleaseAll]),
            (S::Idle, E::Start) => (S::Joining, vec![Effect::Join { takeover: false }]),
            (S::Joining, E::InWaitingRoom) => (S::WaitingRoom, vec![]),
            (S::WaitingRoom, E::Admitted) => (S::Joining, vec![]),
            (S::Joining | S::Busy, E::Busy) => (S::Busy, vec![]),
            (S::Busy, E::TakeOver) => (S::Joining, vec![Effect::Join { takeover: true }]),
            (S::Joining | S::Waiting | S::PeerLeft { .. }, E::RoomJoined { peer_present }) => {
                (waiting_or_connecting(peer_present), vec![])
            }
            // A rejoin after a signaling outage: the media path is unchanged.
            (s @ (S::Active | S::Reconnecting | S::Connecting), E::RoomJoined { .. }) => {
                (s, vec![])
            }
            // The same page of the peer is back after a signaling outage: media never stopped.
            (s @ (S::Active | S::Reconnecting), E::PeerJoined { resumed: true }) => (s, vec![]),
            (
                S::Waiting | S::PeerLeft { .. } | S::Connecting | S::Active | S::Reconnecting,
                E::PeerJoined { .. },
            ) => (S::Connecting, vec![]),
            // The other side gave up because media between us never connected: the network
            // between us is the problem for this side too, not a hang-up.
            (
                S::Connecting,
                E::PeerLeft {
                    reason: LeaveReason::ConnectionFailed,
                },
            ) => (
                S::Failed {
                    error: CallError::ConnectionFailed,
                },
                vec![Effect::ReleaseAll],
            ),
            (
                S::Waiting | S::Connecting | S::Active | S::Reconnecting | S::PeerLeft { .. },
                E::PeerLeft { reason },
            ) => (S::PeerLeft { reason }, vec![]),
            (S::Connecting | S::Reconnecting | S::Active, E::Media(MediaPath::Connected)) => {
                (S::Active, vec![])
            }
            (S::Active | S::Reconnecting, E::Media(MediaPath::Interrupted | MediaPath::Failed)) => {
                (S::Reconnecting, vec![])
            }
            (S::Connecting, E::Media(MediaPath::Failed)) => (
                S::Failed {
                    error: CallError::ConnectionFailed,
                },
                vec![
                    Effect::AnnounceLeave(LeaveReason::ConnectionFailed),
                    Effect::ReleaseAll,
                ],
            ),
            (s, _) => (s, vec![]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CallEvent as E;
    use CallState as S;

    fn run(events: impl IntoIterator<Item = CallEvent>) -> (CallState, Vec<Vec<Effect>>) {
        let mut state = S::Idle;
        let mut all = vec![];
        for e in events {
            let (s, fx) = state.next(e);
            state = s;
            all.push(fx);
        }
        (state, all)
    }

    fn active() -> CallState {
        run([
            E::Start,
            E::RoomJoined { peer_present: true },
            E::Media(MediaPath::Connected),
        ])
        .0
    }

    #[test]
    fn first_in_waits_then_connects_when_the_peer_arrives() {
        let (s, fx) = run([
            E::Start,
            E::RoomJoined {
                peer_present: false,
            },
        ]);
        assert_eq!(s, S::Waiting);
        assert_eq!(fx[0], vec![Effect::Join { takeover: false }]);
        let (s, _) = s.next(E::PeerJoined { resumed: false });
        assert_eq!(s, S::Connecting);
        assert_eq!(s.next(E::Media(MediaPath::Connected)).0, S::Active);
    }

    #[test]
    fn second_in_connects() {
        let (s, fx) = run([E::Start, E::RoomJoined { peer_present: true }]);
        assert_eq!(s, S::Connecting);
        assert_eq!(fx[1], vec![]);
    }

    #[test]
    fn peer_leaving_and_returning() {
        let (s, _) = active().next(E::PeerLeft {
            reason: LeaveReason::Disconnected,
        });
        assert_eq!(
            s,
            S::PeerLeft {
                reason: LeaveReason::Disconnected
            }
        );
        assert_eq!(s.next(E::PeerJoined { resumed: false }).0, S::Connecting);
    }

    #[test]
    fn media_interruption_reconnects_and_recovers() {
        let (s, fx) = active().next(E::Media(MediaPath::Interrupted));
        assert_eq!((s.clone(), fx), (S::Reconnecting, vec![]));
        let (s, _) = s.next(E::Media(MediaPath::Failed));
        assert_eq!(s, S::Reconnecting);
        assert_eq!(s.next(E::Media(MediaPath::Connected)).0, S::Active);
        // Signaling coming back mid-call changes nothing in the media.
        assert_eq!(
            active().next(E::RoomJoined { peer_present: true }),
            (S::Active, vec![])
        );
    }

    #[test]
    fn a_resumed_peer_keeps_the_call_active_and_a_new_one_reconnects() {
        assert_eq!(
            active().next(E::PeerJoined { resumed: true }),
            (S::Active, vec![])
        );
        assert_eq!(
            active().next(E::PeerJoined { resumed: false }).0,
            S::Connecting
        );
    }

    #[test]
    fn failing_to_connect_at_all_is_a_failure_with_advice() {
        let (s, fx) = run([
            E::Start,
            E::RoomJoined { peer_present: true },
            E::Media(MediaPath::Failed),
        ]);
        assert_eq!(
            s,
            S::Failed {
                error: CallError::ConnectionFailed
            }
        );
        assert_eq!(
            fx[2],
            vec![
                Effect::AnnounceLeave(LeaveReason::ConnectionFailed),
                Effect::ReleaseAll
            ]
        );
        assert!(CallError::ConnectionFailed.user_message().contains("TURN"));
    }

    #[test]
    fn the_other_side_failing_to_connect_fails_this_side_too() {
        let (s, fx) = run([
            E::Start,
            E::RoomJoined { peer_present: true },
            E::PeerLeft {
                reason: LeaveReason::ConnectionFailed,
            },
        ]);
        assert_eq!(
            s,
            S::Failed {
                error: CallError::ConnectionFailed
            }
        );
        assert_eq!(fx[2], vec![Effect::ReleaseAll], "nobody left to tell");
        // Once media had flowed, the same reason is the other side leaving.
        let (s, _) = run([
            E::Start,
            E::RoomJoined { peer_present: true },
            E::Media(MediaPath::Connected),
            E::PeerLeft {
                reason: LeaveReason::ConnectionFailed,
            },
        ]);
        assert_eq!(
            s,
            S::PeerLeft {
                reason: LeaveReason::ConnectionFailed
            }
        );
    }

    #[test]
    fn a_signaling_path_that_never_opens_fails_the_join_with_words() {
        let (s, fx) = run([E::Start, E::Failed(CallError::SignalingUnreachable)]);
        assert_eq!(
            s,
            S::Failed {
                error: CallError::SignalingUnreachable
            }
        );
        assert_eq!(fx[1], vec![Effect::ReleaseAll]);
        let words = CallError::SignalingUnreachable.user_message();
        assert!(
            words.contains("10 seconds") && words.contains("WebSockets"),
            "{words}"
        );
        assert_eq!(SIGNALING_DEADLINE_MS, 10_000);
    }

    #[test]
    fn busy_then_take_over() {
        let (s, _) = run([E::Start, E::Busy]);
        assert_eq!(s, S::Busy);
        let (s, fx) = s.next(E::TakeOver);
        assert_eq!(
            (s.clone(), fx),
            (S::Joining, vec![Effect::Join { takeover: true }])
        );
        let (s, _) = s.next(E::RoomJoined { peer_present: true });
        assert_eq!(s, S::Connecting);
    }

    #[test]
    fn the_other_tab_ends_cleanly_when_taken_over() {
        let (s, fx) = run([
            E::Start,
            E::RoomJoined {
                peer_present: false,
            },
            E::TakenOver,
        ]);
        assert_eq!(
            s,
            S::Ended {
                reason: EndReason::Moved
            }
        );
        assert_eq!(fx[2], vec![Effect::ReleaseAll]);
    }

    #[test]
    fn leave_from_any_live_state_ends_and_releases_everything() {
        for prefix in [
            vec![E::Start],
            vec![
                E::Start,
                E::RoomJoined {
                    peer_present: false,
                },
            ],
            vec![E::Start, E::RoomJoined { peer_present: true }],
            vec![E::Start, E::Busy],
        ] {
            let (s, _) = run(prefix.clone());
            let (s, fx) = s.next(E::Leave);
            assert_eq!(
                s,
                S::Ended {
                    reason: EndReason::Hangup
                },
                "{prefix:?}"
            );
            assert_eq!(
                fx,
                vec![
                    Effect::AnnounceLeave(LeaveReason::Hangup),
                    Effect::ReleaseAll
                ]
            );
        }
    }

    #[test]
    fn terminal_states_ignore_everything() {
        let failed = S::Failed {
            error: CallError::Media {
                error: MediaError::PermissionDenied,
            },
        };
        for e in [
            E::Start,
            E::Leave,
            E::PeerJoined { resumed: false },
            E::Busy,
        ] {
            assert_eq!(failed.clone().next(e), (failed.clone(), vec![]));
        }
    }

    #[test]
    fn errors_release_resources() {
        let (s, fx) = run([
            E::Start,
            E::Failed(CallError::Media {
                error: MediaError::DeviceInUse,
            }),
        ]);
        assert!(s.is_terminal());
        // The other party is told why (they may have seen this person enter the room).
        assert_eq!(
            fx[1],
            vec![
                Effect::AnnounceLeave(LeaveReason::MediaUnavailable),
                Effect::ReleaseAll
            ]
        );
        let (s, fx) = run([
            E::Start,
            E::RoomJoined { peer_present: true },
            E::Failed(CallError::SignalingUnreachable),
        ]);
        assert!(s.is_terminal());
        assert_eq!(fx[2], vec![Effect::ReleaseAll]);
    }

    #[test]
    fn nonsense_events_change_nothing() {
        assert_eq!(
            S::Idle.next(E::Media(MediaPath::Connected)),
            (S::Idle, vec![])
        );
        assert_eq!(S::Waiting.next(E::TakeOver), (S::Waiting, vec![]));
    }

    #[test]
    fn leave_reasons_round_trip_and_unknown_ones_read_as_ended() {
        for r in [
            LeaveReason::Hangup,
            LeaveReason::Disconnected,
            LeaveReason::Moved,
            LeaveReason::ConnectionFailed,
            LeaveReason::MediaUnavailable,
            LeaveReason::AllLeft,
            LeaveReason::Ended,
        ] {
            assert_eq!(LeaveReason::parse(r.as_str()), r);
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
            assert_eq!(
                serde_json::from_str::<LeaveReason>(&format!("\"{r}\"")).unwrap(),
                r
            );
        }
        assert_eq!(
            serde_json::from_str::<LeaveReason>("\"went_for_tea\"").unwrap(),
            LeaveReason::Ended
        );
        assert_eq!(LeaveReason::parse("went_for_tea"), LeaveReason::Ended);
    }

    #[test]
    fn error_codes_map_to_causes() {
        for code in ["unauthorized", "invalid_token", "token_expired"] {
            assert_eq!(
                CallError::from_code(code, String::new()),
                Some(CallError::SessionExpired)
            );
        }
        assert_eq!(
            CallError::from_code("room_full", "full".into()),
            Some(CallError::Refused {
                reason: Refusal::RoomFull,
                // The app's own words, not the server's, so they read in the person's language.
                message: "This consultation room already has two participants.".into()
            })
        );
        assert_eq!(
            CallError::refused(Refusal::Other, "The server's own detail.".into()),
            CallError::Refused {
                reason: Refusal::Other,
                message: "The server's own detail.".into()
            }
        );
        for code in ["invalid_frame", "not_in_room", "frame_too_large", "what"] {
            assert_eq!(CallError::from_code(code, String::new()), None, "{code}");
        }
    }

    #[test]
    fn refusal_codes_round_trip_and_agree_with_the_join_window() {
        for r in Refusal::ALL {
            assert_eq!(Refusal::from_code(r.code()), Some(r));
        }
        let at = time::macros::datetime!(2026-11-21 13:30 UTC);
        for j in [
            crate::JoinRefusal::NotConfirmed,
            crate::JoinRefusal::Cancelled,
            crate::JoinRefusal::Completed,
            crate::JoinRefusal::TooEarly { opens_at: at },
            crate::JoinRefusal::TooLate { closed_at: at },
        ] {
            assert!(Refusal::from_code(j.code()).is_some(), "{}", j.code());
        }
    }

    #[test]
    fn state_keys_are_distinct() {
        let states = [
            S::Idle,
            S::Joining,
            S::Waiting,
            S::Connecting,
            S::Active,
            S::Reconnecting,
            S::PeerLeft {
                reason: LeaveReason::Hangup,
            },
            S::Busy,
            S::Ended {
                reason: EndReason::Hangup,
            },
            S::Failed {
                error: CallError::Network,
            },
        ];
        let mut keys: Vec<_> = states.iter().map(CallState::key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), states.len());
    }

    #[test]
    fn the_waiting_room_holds_until_admitted_and_a_leave_from_it_ends() {
        let (state, effects) = run([E::Start, E::InWaitingRoom]);
        assert_eq!(state, S::WaitingRoom);
        assert_eq!(effects[1], vec![]);
        // Nothing of the room reaches a person still in the waiting room.
        assert_eq!(
            state.clone().next(E::RoomJoined { peer_present: true }).0,
            S::WaitingRoom
        );
        let (state, _) = run([
            E::Start,
            E::InWaitingRoom,
            E::Admitted,
            E::RoomJoined { peer_present: true },
        ]);
        assert_eq!(state, S::Connecting);
        let (state, effects) = run([E::Start, E::InWaitingRoom, E::Leave]);
        assert_eq!(
            state,
            S::Ended {
                reason: EndReason::Hangup
            }
        );
        assert!(effects[2].contains(&Effect::ReleaseAll));
        assert_eq!(S::WaitingRoom.key(), "waiting-room");
        assert_eq!(
            Refusal::from_code("not_admitted"),
            Some(Refusal::NotAdmitted)
        );
    }
}
