//! Who is in which consultation room, as the P2P signaling hub sees it.
//!
//! In-memory and per process: presence is live state that the hub rebuilds as clients reconnect
//! after a restart; what must survive is written to the call log instead.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use teleconsult_core::api::RoomParticipant;

/// Room → participants present, shared by the hub (writer) and room status (reader).
#[derive(Debug, Clone, Default)]
pub struct Presence(Arc<RwLock<HashMap<String, Vec<RoomParticipant>>>>);

impl Presence {
    /// Records `participant` in `room`, replacing an earlier entry of the same identity.
    pub fn enter(&self, room: &str, participant: RoomParticipant) {
        let mut rooms = self.0.write().unwrap_or_else(|e| e.into_inner());
        let list = rooms.entry(room.to_string()).or_default();
        list.retain(|p| p.identity != participant.identity);
        list.push(participant);
    }

    /// Removes `identity` from `room`; true if it was there.
    pub fn leave(&self, room: &str, identity: &str) -> bool {
        let mut rooms = self.0.write().unwrap_or_else(|e| e.into_inner());
        let Some(list) = rooms.get_mut(room) else {
            return false;
        };
        let before = list.len();
        list.retain(|p| p.identity != identity);
        let removed = list.len() != before;
        if list.is_empty() {
            rooms.remove(room);
        }
        removed
    }

    /// The participants in `room`, in order of arrival.
    pub fn participants(&self, room: &str) -> Vec<RoomParticipant> {
        let rooms = self.0.read().unwrap_or_else(|e| e.into_inner());
        rooms.get(room).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn p(identity: &str) -> RoomParticipant {
        RoomParticipant {
            identity: identity.into(),
            role: None,
            joined_at: datetime!(2026-11-21 12:00 UTC),
        }
    }

    #[test]
    fn enter_replaces_same_identity_and_leave_empties_the_room() {
        let presence = Presence::default();
        presence.enter("r", p("doctor_1"));
        presence.enter("r", p("patient_2"));
        presence.enter("r", p("doctor_1"));
        let ids: Vec<_> = presence
            .participants("r")
            .into_iter()
            .map(|p| p.identity)
            .collect();
        assert_eq!(ids, ["patient_2", "doctor_1"]);
        assert!(presence.leave("r", "patient_2"));
        assert!(!presence.leave("r", "patient_2"));
        assert!(presence.leave("r", "doctor_1"));
        assert!(presence.participants("r").is_empty());
    }
}
