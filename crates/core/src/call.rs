//! The consultation call as a state machine: `next(state, event) -> (state, effects)`.
//!
//! The browser engine feeds it what happens (signaling frames, peer-connection states, clicks)
//! and carries out the effects it returns; every transition is tested here, on the host. States
//! follow seed 003's minimal flow (idle, calling/joining, connecting, active, busy, ended, error)
//! plus waiting, reconnecting and "the other party left", which a consultation needs.

use serde::{Deserialize, Serialize};

use crate::media_error::MediaError;

/// Where the call stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CallState {
    /// Nothing started yet.
    Idle,
    /// Asking for connection details and the camera/microphone, then entering the room.
    Joining,
    /// In the room; the other party has not arrived.
    Waiting,
    /// The other party is in the room; media is being negotiated.
    Connecting,
    /// Media flows both ways.
    Active,
    /// Media was flowing and was interrupted; an ICE restart is under way.
    Reconnecting,
    /// The other party was here and left; they may come back.
    PeerLeft {
        /// Why, as signaling said (`hangup`, `disconnected`, `moved`).
        reason: String,
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

/// Why a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// This person left.
    Hangup,
    /// The call moved to another tab or device of the same person.
    Moved,
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
    /// with its reason code and message.
    Refused {
        /// Machine-readable reason (`too_early`, `cancelled`, `forbidden`, `room_full`, …).
        code: String,
        /// The server's explanation.
        message: String,
    },
    /// The session expired or the token was rejected (401): sign in again.
    SessionExpired,
    /// The server could not be reached.
    Network,
    /// Media could not be connected or re-connected (firewall, no TURN relay).
    ConnectionFailed,
}

impl CallError {
    /// What to tell the person, in plain words, with what to do.
    pub fn user_message(&self) -> String {
        match self {
            CallError::Media { error } => error.user_message().to_string(),
            CallError::Refused { message, .. } => message.clone(),
            CallError::SessionExpired => {
                "Your session has expired. Sign in again to join the consultation.".to_string()
            }
            CallError::Network => "We can't reach the Teleconsult server. Check your internet \
                connection and try again."
                .to_string(),
            CallError::ConnectionFailed => "The video connection could not be established. A \
                firewall or network may be blocking video calls: try another network (for \
                example your phone's hotspot), or ask the clinic whether a TURN relay is set up."
                .to_string(),
        }
    }
}

/// State of the `RTCPeerConnection` (`connectionState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeerConnectionState {
    /// `new`
    New,
    /// `connecting`
    Connecting,
    /// `connected`
    Connected,
    /// `disconnected`
    Disconnected,
    /// `failed`
    Failed,
    /// `closed`
    Closed,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// The person asked to join.
    Start,
    /// Signaling answered `room:joined`; `peer_present` when the other party is already there.
    RoomJoined {
        /// The other party is in the room.
        peer_present: bool,
    },
    /// The other party entered the room. `new_session` when it is a different page load than
    /// the one our peer connection talks to (a reload), so the connection must start afresh.
    PeerJoined {
        /// A new page load of the peer.
        new_session: bool,
    },
    /// The other party left (signaling `room:peer-left` or `call:end`).
    PeerLeft {
        /// Why.
        reason: String,
    },
    /// The peer connection's state changed.
    Connection(PeerConnectionState),
    /// Signaling answered `call:busy`.
    Busy,
    /// The person chose "continue the call here" after `call:busy`.
    TakeOver,
    /// Signaling answered `room:taken-over`: another tab took the call.
    TakenOver,
    /// The person left.
    Leave,
    /// Something failed.
    Failed(CallError),
}

/// What the engine must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Get connection details, the camera and microphone, open signaling and send `room:join`.
    Join,
    /// Send `room:join` again with `takeover: true`.
    JoinWithTakeover,
    /// Create an offer and send it (we were in the room first).
    SendOffer,
    /// Close the peer connection and create a fresh one (the peer is a new page).
    ResetPeerConnection,
    /// Renegotiate with an ICE restart.
    RestartIce,
    /// Send `call:end` with this reason.
    SendEnd(&'static str),
    /// Stop every local track, close the peer connection and the signaling socket.
    ReleaseAll,
}

impl CallState {
    /// Whether the call is over (ended or failed) and its resources released.
    pub fn is_terminal(&self) -> bool {
        matches!(self, CallState::Ended { .. } | CallState::Failed { .. })
    }

    /// Applies `event`, returning the new state and the effects to carry out. Events that make
    /// no sense in the current state leave it unchanged with no effects.
    pub fn next(self, event: CallEvent) -> (CallState, Vec<Effect>) {
        use CallEvent as E;
        use CallState as S;
        if self.is_terminal() {
            return (self, vec![]);
        }
        match (self, event) {
            (_, E::Leave) => (
                S::Ended {
                    reason: EndReason::Hangup,
                },
                vec![Effect::SendEnd("hangup"), Effect::ReleaseAll],
            ),
            (_, E::TakenOver) => (
                S::Ended {
                    reason: EndReason::Moved,
                },
                vec![Effect::ReleaseAll],
            ),
            (_, E::Failed(error)) => (S::Failed { error }, vec![Effect::ReleaseAll]),
            (S::Idle, E::Start) => (S::Joining, vec![Effect::Join]),
            (S::Joining | S::Busy, E::Busy) => (S::Busy, vec![]),
            (S::Busy, E::TakeOver) => (S::Joining, vec![Effect::JoinWithTakeover]),
            // The one already in the room offers; a newcomer waits for that offer.
            (S::Joining, E::RoomJoined { peer_present }) => (
                if peer_present {
                    S::Connecting
                } else {
                    S::Waiting
                },
                vec![],
            ),
            // A rejoin after a signaling outage: media state is unchanged.
            (s @ (S::Active | S::Reconnecting | S::Connecting), E::RoomJoined { .. }) => {
                (s, vec![])
            }
            (S::Waiting | S::PeerLeft { .. }, E::RoomJoined { peer_present }) => (
                if peer_present {
                    S::Connecting
                } else {
                    S::Waiting
                },
                vec![],
            ),
            // The same page of the peer is back after a signaling outage: media never stopped,
            // so the state stays; an offer renegotiates (and carries a pending ICE restart).
            (s @ (S::Active | S::Reconnecting), E::PeerJoined { new_session: false }) => {
                (s, vec![Effect::SendOffer])
            }
            (
                S::Waiting | S::PeerLeft { .. } | S::Connecting | S::Active | S::Reconnecting,
                E::PeerJoined { new_session },
            ) => {
                let mut effects = vec![];
                if new_session {
                    effects.push(Effect::ResetPeerConnection);
                }
                effects.push(Effect::SendOffer);
                (S::Connecting, effects)
            }
            (
                S::Waiting | S::Connecting | S::Active | S::Reconnecting | S::PeerLeft { .. },
                E::PeerLeft { reason },
            ) => (S::PeerLeft { reason }, vec![Effect::ResetPeerConnection]),
            (
                S::Connecting | S::Reconnecting | S::Active,
                E::Connection(PeerConnectionState::Connected),
            ) => (S::Active, vec![]),
            (S::Active, E::Connection(PeerConnectionState::Disconnected)) => {
                (S::Reconnecting, vec![])
            }
            (S::Active | S::Reconnecting, E::Connection(PeerConnectionState::Failed)) => {
                (S::Reconnecting, vec![Effect::RestartIce])
            }
            (S::Connecting, E::Connection(PeerConnectionState::Failed)) => (
                S::Failed {
                    error: CallError::ConnectionFailed,
                },
                vec![Effect::SendEnd("connection_failed"), Effect::ReleaseAll],
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
    use PeerConnectionState as Pc;

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

    #[test]
    fn first_in_waits_then_offers_when_the_peer_arrives() {
        let (s, fx) = run([
            E::Start,
            E::RoomJoined {
                peer_present: false,
            },
            E::PeerJoined { new_session: true },
            E::Connection(Pc::Connected),
        ]);
        assert_eq!(s, S::Active);
        assert_eq!(fx[0], vec![Effect::Join]);
        assert_eq!(fx[1], vec![]);
        assert_eq!(fx[2], vec![Effect::ResetPeerConnection, Effect::SendOffer]);
    }

    #[test]
    fn second_in_connects_without_offering() {
        let (s, fx) = run([E::Start, E::RoomJoined { peer_present: true }]);
        assert_eq!(s, S::Connecting);
        assert_eq!(fx[1], vec![]);
    }

    #[test]
    fn peer_leaving_and_returning() {
        let (s, fx) = run([
            E::Start,
            E::RoomJoined { peer_present: true },
            E::Connection(Pc::Connected),
            E::PeerLeft {
                reason: "disconnected".into(),
            },
        ]);
        assert_eq!(
            s,
            S::PeerLeft {
                reason: "disconnected".into()
            }
        );
        assert_eq!(fx[3], vec![Effect::ResetPeerConnection]);
        let (s, fx) = s.next(E::PeerJoined { new_session: true });
        assert_eq!(s, S::Connecting);
        assert_eq!(fx, vec![Effect::ResetPeerConnection, Effect::SendOffer]);
    }

    #[test]
    fn media_interruption_restarts_ice_and_recovers() {
        let active = run([
            E::Start,
            E::RoomJoined { peer_present: true },
            E::Connection(Pc::Connected),
        ])
        .0;
        let (s, fx) = active.clone().next(E::Connection(Pc::Disconnected));
        assert_eq!((s.clone(), fx), (S::Reconnecting, vec![]));
        let (s, fx) = s.next(E::Connection(Pc::Failed));
        assert_eq!((s.clone(), fx), (S::Reconnecting, vec![Effect::RestartIce]));
        assert_eq!(s.next(E::Connection(Pc::Connected)).0, S::Active);
        // Signaling coming back mid-call changes nothing in the media.
        assert_eq!(
            active.next(E::RoomJoined { peer_present: true }),
            (S::Active, vec![])
        );
    }

    #[test]
    fn a_reconnect_of_the_same_page_keeps_the_connection() {
        let active = run([
            E::Start,
            E::RoomJoined { peer_present: true },
            E::Connection(Pc::Connected),
        ])
        .0;
        let (s, fx) = active.clone().next(E::PeerJoined { new_session: false });
        assert_eq!((s, fx), (S::Active, vec![Effect::SendOffer]));
        // A reload of the peer's page needs a fresh connection.
        let (s, fx) = active.next(E::PeerJoined { new_session: true });
        assert_eq!(
            (s, fx),
            (
                S::Connecting,
                vec![Effect::ResetPeerConnection, Effect::SendOffer]
            )
        );
    }

    #[test]
    fn failing_to_connect_at_all_is_a_failure_with_advice() {
        let (s, fx) = run([
            E::Start,
            E::RoomJoined { peer_present: true },
            E::Connection(Pc::Failed),
        ]);
        assert_eq!(
            s,
            S::Failed {
                error: CallError::ConnectionFailed
            }
        );
        assert_eq!(
            fx[2],
            vec![Effect::SendEnd("connection_failed"), Effect::ReleaseAll]
        );
        assert!(CallError::ConnectionFailed.user_message().contains("TURN"));
    }

    #[test]
    fn busy_then_take_over() {
        let (s, _) = run([E::Start, E::Busy]);
        assert_eq!(s, S::Busy);
        let (s, fx) = s.next(E::TakeOver);
        assert_eq!(
            (s.clone(), fx),
            (S::Joining, vec![Effect::JoinWithTakeover])
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
            assert_eq!(fx, vec![Effect::SendEnd("hangup"), Effect::ReleaseAll]);
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
            E::PeerJoined { new_session: true },
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
        assert_eq!(fx[1], vec![Effect::ReleaseAll]);
    }

    #[test]
    fn nonsense_events_change_nothing() {
        assert_eq!(
            S::Idle.next(E::Connection(Pc::Connected)),
            (S::Idle, vec![])
        );
        assert_eq!(S::Waiting.next(E::TakeOver), (S::Waiting, vec![]));
    }
}
