//! P2P's own decisions, below the provider-neutral call ([`crate::call`]): when to offer, when
//! the `RTCPeerConnection` must start afresh, when to restart ICE, which offers to ignore on
//! glare, and which incoming stream is the camera and which the screen.
//!
//! Negotiation follows "perfect negotiation" (W3C WebRTC 1.0 §10.7; MDN "Establishing a
//! connection: The WebRTC perfect negotiation pattern"): either side may offer, and on glare the
//! polite side ([`crate::signaling::is_polite`]: the patient) yields. The participant already in
//! the room offers when the other one arrives; a newcomer waits for that offer.
//!
//! The browser engine feeds [`Negotiation`] what happens and carries out the
//! [`NegotiationEffect`]s; every decision is tested here, on the host.

use crate::{signaling::is_polite, Role};

/// State of the `RTCPeerConnection` (`connectionState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl PeerConnectionState {
    /// What it means for the call's media path; `None` for states that say nothing new.
    pub fn media_path(self) -> Option<crate::call::MediaPath> {
        use crate::call::MediaPath;
        match self {
            PeerConnectionState::Connected => Some(MediaPath::Connected),
            PeerConnectionState::Disconnected => Some(MediaPath::Interrupted),
            PeerConnectionState::Failed => Some(MediaPath::Failed),
            _ => None,
        }
    }
}

/// What the P2P engine must do to its peer connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NegotiationEffect {
    /// Close the peer connection and open a fresh one carrying the local tracks (the peer is a
    /// new page, or gone).
    ResetPeerConnection,
    /// Create an offer and send it.
    SendOffer,
    /// Renegotiate with an ICE restart (`RTCPeerConnection.restartIce()`).
    RestartIce,
}

/// Where an incoming stream belongs on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamSlot {
    /// The other party's camera and microphone.
    Camera,
    /// The other party's shared screen.
    Screen,
}

/// The negotiation state of one P2P call. See the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Negotiation {
    polite: bool,
    /// The page session (`sessionId`) of the peer our connection talks to.
    peer_session: Option<String>,
    /// The current connection has been `connected` at least once.
    connected_once: bool,
    /// The current connection has carried a description (an offer of ours was begun, or a remote
    /// one applied). One that has not is as good as a new one: nothing to reset.
    negotiated: bool,
    /// An offer of ours is being created (perfect negotiation's `makingOffer`).
    making_offer: bool,
    /// The last remote offer was ignored on glare (its candidates will fail, expectedly).
    ignoring_offer: bool,
    /// Stream id of the peer's camera, once seen.
    remote_camera: Option<String>,
    /// Stream id the peer announced for its screen (`media:state`'s `screenStreamId`).
    remote_screen: Option<String>,
}

impl Negotiation {
    /// A fresh negotiation for a participant of `role` (which decides politeness).
    pub fn new(role: Role) -> Negotiation {
        Negotiation {
            polite: is_polite(role),
            ..Negotiation::default()
        }
    }

    /// Whether a peer is known (an offer has someone to go to).
    pub fn has_peer(&self) -> bool {
        self.peer_session.is_some()
    }

    /// This person entered the room (first time or after a signaling outage); `peer_session` is
    /// the other party's page session when they are there. A peer that is a different page than
    /// the one our connection talks to (it reloaded meanwhile) needs a fresh connection. The
    /// newcomer never offers.
    pub fn room_joined(&mut self, peer_session: Option<&str>) -> Vec<NegotiationEffect> {
        let reloaded =
            matches!((&self.peer_session, peer_session), (Some(old), Some(new)) if old != new);
        if let Some(p) = peer_session {
            self.peer_session = Some(p.to_string());
        }
        if reloaded {
            self.reset()
        } else {
            vec![]
        }
    }

    /// The other party entered the room with page session `session_id`. Returns whether it is the
    /// same page our connection already talks to (`resumed`: media never stopped), and the
    /// effects: we were here first, so we offer; a new page needs a fresh connection first,
    /// unless ours has never negotiated (the usual first arrival: the connection opened while
    /// waiting is used as it is, which saves closing and opening one on the way to the offer).
    pub fn peer_joined(&mut self, session_id: &str) -> (bool, Vec<NegotiationEffect>) {
        let resumed = self.peer_session.as_deref() == Some(session_id);
        self.peer_session = Some(session_id.to_string());
        if resumed {
            (true, vec![NegotiationEffect::SendOffer])
        } else {
            let mut effects = self.reset();
            effects.push(NegotiationEffect::SendOffer);
            (false, effects)
        }
    }

    /// The other party left: the connection talks to nobody; start afresh for their return.
    pub fn peer_left(&mut self) -> Vec<NegotiationEffect> {
        self.peer_session = None;
        self.reset()
    }

    /// The connection's state changed. A connection that had worked and failed restarts ICE; one
    /// that never connected is the call's failure ([`crate::call`]), not a restart.
    pub fn connection_state(&mut self, state: PeerConnectionState) -> Vec<NegotiationEffect> {
        match state {
            PeerConnectionState::Connected => {
                self.connected_once = true;
                vec![]
            }
            PeerConnectionState::Failed if self.connected_once => {
                vec![NegotiationEffect::RestartIce]
            }
            _ => vec![],
        }
    }

    /// Perfect negotiation's `onnegotiationneeded`: whether to create an offer now (a peer is
    /// there, none is being made, and the connection is `stable`). When true, call
    /// [`Negotiation::offer_done`] once the offer is set or has failed.
    pub fn begin_offer(&mut self, signaling_stable: bool) -> bool {
        if !self.has_peer() || self.making_offer || !signaling_stable {
            return false;
        }
        self.making_offer = true;
        self.negotiated = true;
        true
    }

    /// The offer begun with [`Negotiation::begin_offer`] is set (or failed).
    pub fn offer_done(&mut self) {
        self.making_offer = false;
    }

    /// A remote description arrived: whether to apply it. An offer that collides with ours
    /// (we are making one, or are not `stable`) is ignored by the impolite side; the polite side
    /// applies it, which rolls its own offer back.
    pub fn accept_description(&mut self, is_offer: bool, signaling_stable: bool) -> bool {
        let collision = is_offer && (self.making_offer || !signaling_stable);
        self.ignoring_offer = !self.polite && collision;
        self.negotiated |= !self.ignoring_offer;
        !self.ignoring_offer
    }

    /// Whether the last remote offer was ignored on glare (so its ICE candidates are expected to
    /// fail and are not worth a warning).
    pub fn ignoring_offer(&self) -> bool {
        self.ignoring_offer
    }

    /// Where an incoming stream goes. The stream the peer announced as its screen is the screen;
    /// without an announcement, the first stream is the camera and another one the screen.
    pub fn slot_for(&mut self, stream_id: &str) -> StreamSlot {
        if self.remote_screen.as_deref() == Some(stream_id) {
            return StreamSlot::Screen;
        }
        match &self.remote_camera {
            Some(camera) if camera != stream_id => StreamSlot::Screen,
            _ => {
                self.remote_camera = Some(stream_id.to_string());
                StreamSlot::Camera
            }
        }
    }

    /// The peer announced the id of its screen stream (`None`: not sharing). Returns true when
    /// the stream taken as the camera is in fact that screen: move it to the screen slot (the
    /// camera's stream comes, or came, separately).
    pub fn announce_screen(&mut self, stream_id: Option<&str>) -> bool {
        self.remote_screen = stream_id.map(str::to_string);
        let misplaced = stream_id.is_some() && self.remote_camera.as_deref() == stream_id;
        if misplaced {
            self.remote_camera = None;
        }
        misplaced
    }

    /// Forgets everything tied to the current connection; the effect that replaces it, if it
    /// has negotiated (a connection that never has is left as it is).
    fn reset(&mut self) -> Vec<NegotiationEffect> {
        let negotiated = self.negotiated;
        self.connected_once = false;
        self.negotiated = false;
        self.making_offer = false;
        self.ignoring_offer = false;
        self.remote_camera = None;
        if negotiated {
            vec![NegotiationEffect::ResetPeerConnection]
        } else {
            vec![]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NegotiationEffect as N;
    use PeerConnectionState as Pc;

    #[test]
    fn the_first_in_offers_on_the_connection_it_opened_while_waiting() {
        let mut n = Negotiation::new(Role::Doctor);
        assert_eq!(n.room_joined(None), vec![]);
        assert!(!n.begin_offer(true), "nobody to offer to yet");
        let (resumed, fx) = n.peer_joined("s1");
        assert!(!resumed);
        assert_eq!(fx, vec![N::SendOffer], "never negotiated: nothing to reset");
        assert!(n.begin_offer(true));
        assert!(!n.begin_offer(true), "one offer at a time");
        n.offer_done();
        assert!(!n.begin_offer(false), "only from stable");
    }

    #[test]
    fn the_newcomer_does_not_offer() {
        let mut n = Negotiation::new(Role::Patient);
        assert_eq!(n.room_joined(Some("s1")), vec![]);
        assert!(n.has_peer());
    }

    #[test]
    fn the_same_page_back_keeps_the_connection_and_renegotiates() {
        let mut n = Negotiation::new(Role::Doctor);
        n.peer_joined("s1");
        assert!(n.begin_offer(true));
        n.offer_done();
        n.connection_state(Pc::Connected);
        assert_eq!(n.peer_joined("s1"), (true, vec![N::SendOffer]));
        // A reload is a new page: a fresh connection.
        assert_eq!(
            n.peer_joined("s2"),
            (false, vec![N::ResetPeerConnection, N::SendOffer])
        );
    }

    #[test]
    fn a_peer_that_reloaded_during_our_signaling_outage_gets_a_fresh_connection() {
        let mut n = Negotiation::new(Role::Patient);
        n.room_joined(Some("s1"));
        assert!(n.accept_description(true, true), "the doctor's offer");
        assert_eq!(n.room_joined(Some("s1")), vec![]);
        assert_eq!(n.room_joined(Some("s2")), vec![N::ResetPeerConnection]);
        // Back alone: nothing to reset; the peer is still the last one known.
        assert_eq!(n.room_joined(None), vec![]);
        // The fresh connection has carried nothing yet: another reload needs no second one.
        assert_eq!(n.room_joined(Some("s3")), vec![]);
    }

    #[test]
    fn a_peer_leaving_resets_and_forgets_them() {
        let mut n = Negotiation::new(Role::Doctor);
        n.peer_joined("s1");
        assert!(n.begin_offer(true));
        n.offer_done();
        assert_eq!(n.peer_left(), vec![N::ResetPeerConnection]);
        assert!(!n.has_peer());
        // They come back: the connection opened when they left is fresh, and used as it is.
        assert_eq!(n.peer_joined("s1"), (false, vec![N::SendOffer]));
    }

    #[test]
    fn an_ignored_offer_does_not_count_as_negotiating() {
        let mut doctor = Negotiation::new(Role::Doctor);
        doctor.room_joined(Some("p"));
        assert!(
            !doctor.accept_description(true, false),
            "impolite, colliding"
        );
        assert_eq!(doctor.peer_left(), vec![]);
        // A peer that left before anything was negotiated needs no new connection either.
        doctor.peer_joined("p2");
        assert_eq!(doctor.peer_left(), vec![]);
    }

    #[test]
    fn ice_restarts_only_after_the_connection_had_worked() {
        let mut n = Negotiation::new(Role::Doctor);
        n.peer_joined("s1");
        assert_eq!(n.connection_state(Pc::Failed), vec![]);
        n.connection_state(Pc::Connected);
        assert_eq!(n.connection_state(Pc::Disconnected), vec![]);
        assert_eq!(n.connection_state(Pc::Failed), vec![N::RestartIce]);
        // A fresh connection has not worked yet.
        n.peer_joined("s2");
        assert_eq!(n.connection_state(Pc::Failed), vec![]);
    }

    #[test]
    fn on_glare_the_impolite_doctor_ignores_and_the_polite_patient_yields() {
        let mut doctor = Negotiation::new(Role::Doctor);
        doctor.peer_joined("p");
        assert!(doctor.begin_offer(true));
        assert!(!doctor.accept_description(true, false));
        assert!(doctor.ignoring_offer());
        assert!(doctor.accept_description(false, false), "answers apply");
        let mut patient = Negotiation::new(Role::Patient);
        patient.peer_joined("d");
        assert!(patient.begin_offer(true));
        assert!(patient.accept_description(true, false));
        assert!(!patient.ignoring_offer());
        // No collision: both apply.
        let mut doctor = Negotiation::new(Role::Doctor);
        assert!(doctor.accept_description(true, true));
    }

    #[test]
    fn streams_go_to_their_slots_even_when_the_screen_arrives_first() {
        // The peer shares its screen and its connection is renegotiated afresh: the screen's
        // track may be the first to arrive. The announcement (sent before the offer) decides.
        let mut n = Negotiation::new(Role::Patient);
        n.peer_joined("d");
        assert!(!n.announce_screen(Some("screen")));
        assert_eq!(n.slot_for("screen"), StreamSlot::Screen);
        assert_eq!(n.slot_for("camera"), StreamSlot::Camera);
        assert_eq!(n.slot_for("camera"), StreamSlot::Camera);
    }

    #[test]
    fn a_late_announcement_moves_a_screen_taken_for_the_camera() {
        let mut n = Negotiation::new(Role::Patient);
        n.peer_joined("d");
        assert_eq!(n.slot_for("screen"), StreamSlot::Camera);
        assert!(n.announce_screen(Some("screen")));
        assert_eq!(n.slot_for("camera"), StreamSlot::Camera);
        assert_eq!(n.slot_for("screen"), StreamSlot::Screen);
        // Without any announcement: first the camera, then another stream is the screen.
        let mut n = Negotiation::new(Role::Patient);
        assert_eq!(n.slot_for("a"), StreamSlot::Camera);
        assert_eq!(n.slot_for("b"), StreamSlot::Screen);
        assert!(!n.announce_screen(None));
    }

    #[test]
    fn connection_states_map_to_the_media_path() {
        use crate::call::MediaPath;
        assert_eq!(Pc::Connected.media_path(), Some(MediaPath::Connected));
        assert_eq!(Pc::Disconnected.media_path(), Some(MediaPath::Interrupted));
        assert_eq!(Pc::Failed.media_path(), Some(MediaPath::Failed));
        assert_eq!(Pc::Connecting.media_path(), None);
    }
}
