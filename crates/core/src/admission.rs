//! The waiting room: who must wait to be let in, how often they ask, and how their wait reads.
//!
//! A clinic with a waiting room (the default) lets a patient into the consultation room only
//! after the doctor's Admit; the server enforces it (no video token, no signaling room before
//! that). The doctor is never kept waiting. Admission lasts for the appointment, so a patient
//! whose connection drops comes straight back.

use time::{Duration, OffsetDateTime};

use crate::{
    i18n::{text, text_with},
    Role,
};

/// How often a patient in the waiting room asks again whether they were let in (the join
/// request), in milliseconds: Admit reaches them within this time.
pub const WAITING_ROOM_RETRY_MS: u32 = 2_000;

/// A waiting-room entry not renewed by a join request within this many seconds has left (the
/// patient closed the page or lost the connection). Five missed requests at
/// [`WAITING_ROOM_RETRY_MS`].
pub const WAITING_ROOM_TTL_S: i64 = 10;

/// Whether someone of `role` must wait in the waiting room: a patient of a clinic with a waiting
/// room whom the doctor has not let in yet. Doctors never wait.
pub fn must_wait(waiting_room: bool, role: Role, admitted: bool) -> bool {
    waiting_room && role == Role::Patient && !admitted
}

/// Where a person waiting for the doctor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In the waiting room: the doctor's Admit lets them in.
    WaitingRoom,
    /// In the consultation room (let in earlier, or a clinic without a waiting room).
    CallRoom,
}

/// How long someone has waited since `since`, for the doctor's queue, in the current language
/// ([`crate::i18n`]): in English `just arrived` under a minute, `waiting 4 min`,
/// `waiting 1 h 05 min`. A `since` in the future (clocks a little apart) reads as just arrived.
pub fn waited(since: OffsetDateTime, now: OffsetDateTime) -> String {
    let minutes = (now - since).max(Duration::ZERO).whole_minutes();
    match minutes {
        0 => text("admission.waited.just_arrived"),
        1..=59 => text_with("admission.waited.minutes", &[("minutes", &minutes)]),
        _ => text_with(
            "admission.waited.hours",
            &[
                ("hours", &(minutes / 60)),
                ("minutes", &format!("{:02}", minutes % 60)),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn only_a_patient_not_yet_let_in_waits_and_only_with_a_waiting_room() {
        assert!(must_wait(true, Role::Patient, false));
        assert!(!must_wait(true, Role::Patient, true));
        assert!(!must_wait(true, Role::Doctor, false));
        assert!(!must_wait(false, Role::Patient, false));
    }

    #[test]
    fn waits_read_in_minutes_then_hours() {
        let t = datetime!(2026-12-03 09:00 UTC);
        assert_eq!(waited(t, t + Duration::seconds(59)), "just arrived");
        assert_eq!(waited(t, t - Duration::seconds(5)), "just arrived");
        assert_eq!(waited(t, t + Duration::seconds(60)), "waiting 1 min");
        assert_eq!(waited(t, t + Duration::minutes(4)), "waiting 4 min");
        assert_eq!(waited(t, t + Duration::minutes(59)), "waiting 59 min");
        assert_eq!(waited(t, t + Duration::minutes(65)), "waiting 1 h 05 min");
    }
}
