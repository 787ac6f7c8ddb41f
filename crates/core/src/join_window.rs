//! The join window: when a consultation room may be entered.
//!
//! Rule (the clinic's scheduling guide, seed 001): the appointment is confirmed, and now lies from
//! 30 minutes before to 2 hours after the scheduled start, both ends included. The server enforces
//! it on every join; the app uses the same function to label its join buttons.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::AppointmentStatus;

/// How long before the scheduled start the room opens: 30 minutes.
pub const OPENS_BEFORE: Duration = Duration::minutes(30);
/// How long after the scheduled start the room stays open: 2 hours.
pub const CLOSES_AFTER: Duration = Duration::hours(2);

/// An open join window: the room may be entered now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinWindow {
    /// First instant the room may be entered (UTC): scheduled start − 30 min.
    pub opens_at: OffsetDateTime,
    /// Last instant the room may be entered (UTC): scheduled start + 2 h.
    pub closes_at: OffsetDateTime,
}

/// Why a join is refused. Serialized as the API's machine-readable `reason` object, e.g.
/// `{"code":"too_early","opens_at":"2026-11-21T13:30:00Z"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum JoinRefusal {
    /// The doctor has not confirmed the appointment yet.
    NotConfirmed,
    /// The appointment was cancelled.
    Cancelled,
    /// The appointment is marked completed; the consultation is over.
    Completed,
    /// The window has not opened yet; it opens at `opens_at` (UTC, RFC 3339).
    TooEarly {
        #[serde(with = "time::serde::rfc3339")]
        opens_at: OffsetDateTime,
    },
    /// The window closed at `closed_at` (UTC, RFC 3339).
    TooLate {
        #[serde(with = "time::serde::rfc3339")]
        closed_at: OffsetDateTime,
    },
}

impl JoinRefusal {
    /// The reason code sent by the API and the signaling hub (`not_confirmed`, `cancelled`,
    /// `completed`, `too_early`, `too_late`).
    pub fn code(&self) -> &'static str {
        match self {
            JoinRefusal::NotConfirmed => "not_confirmed",
            JoinRefusal::Cancelled => "cancelled",
            JoinRefusal::Completed => "completed",
            JoinRefusal::TooEarly { .. } => "too_early",
            JoinRefusal::TooLate { .. } => "too_late",
        }
    }
}

/// The window of an appointment scheduled to start at `scheduled_at`, whether or not it is open.
/// At the ends of the representable time (a malformed answer), the window stops at the end
/// instead of overflowing (found by `fuzz/fuzz_targets/join_window.rs`).
pub fn window_for(scheduled_at: OffsetDateTime) -> JoinWindow {
    JoinWindow {
        opens_at: scheduled_at.saturating_sub(OPENS_BEFORE),
        closes_at: scheduled_at.saturating_add(CLOSES_AFTER),
    }
}

/// Decides whether the appointment's room may be entered at `now`.
///
/// Returns the open window, or the first reason that forbids entry: the status is checked before
/// the time, so a cancelled appointment says "cancelled" even outside its window.
pub fn check_join(
    status: AppointmentStatus,
    scheduled_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<JoinWindow, JoinRefusal> {
    match status {
        AppointmentStatus::Confirmed => {}
        AppointmentStatus::Requested => return Err(JoinRefusal::NotConfirmed),
        AppointmentStatus::Cancelled => return Err(JoinRefusal::Cancelled),
        AppointmentStatus::Completed => return Err(JoinRefusal::Completed),
    }
    let window = window_for(scheduled_at);
    if now < window.opens_at {
        Err(JoinRefusal::TooEarly {
            opens_at: window.opens_at,
        })
    } else if now > window.closes_at {
        Err(JoinRefusal::TooLate {
            closed_at: window.closes_at,
        })
    } else {
        Ok(window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const START: OffsetDateTime = datetime!(2026-11-21 14:00 UTC);

    fn at(offset: Duration) -> Result<JoinWindow, JoinRefusal> {
        check_join(AppointmentStatus::Confirmed, START, START + offset)
    }

    #[test]
    fn opens_exactly_thirty_minutes_before() {
        assert!(at(-Duration::minutes(30)).is_ok());
        assert!(at(-(Duration::minutes(29) + Duration::seconds(59))).is_ok());
        assert_eq!(
            at(-(Duration::minutes(30) + Duration::seconds(1))),
            Err(JoinRefusal::TooEarly {
                opens_at: datetime!(2026-11-21 13:30 UTC)
            })
        );
    }

    #[test]
    fn closes_exactly_two_hours_after() {
        assert!(at(Duration::hours(2)).is_ok());
        assert_eq!(
            at(Duration::hours(2) + Duration::seconds(1)),
            Err(JoinRefusal::TooLate {
                closed_at: datetime!(2026-11-21 16:00 UTC)
            })
        );
    }

    #[test]
    fn status_is_checked_before_time() {
        let inside = START;
        let outside = START + Duration::days(3);
        for now in [inside, outside] {
            assert_eq!(
                check_join(AppointmentStatus::Requested, START, now),
                Err(JoinRefusal::NotConfirmed)
            );
            assert_eq!(
                check_join(AppointmentStatus::Cancelled, START, now),
                Err(JoinRefusal::Cancelled)
            );
            assert_eq!(
                check_join(AppointmentStatus::Completed, START, now),
                Err(JoinRefusal::Completed)
            );
        }
    }

    #[test]
    fn open_window_reports_its_bounds() {
        let w = at(Duration::ZERO).unwrap();
        assert_eq!(w.opens_at, datetime!(2026-11-21 13:30 UTC));
        assert_eq!(w.closes_at, datetime!(2026-11-21 16:00 UTC));
    }

    #[test]
    fn refusal_serializes_with_code_and_time() {
        let r = JoinRefusal::TooEarly {
            opens_at: datetime!(2026-11-21 13:30 UTC),
        };
        assert_eq!(
            serde_json::to_value(r).unwrap(),
            serde_json::json!({"code": "too_early", "opens_at": "2026-11-21T13:30:00Z"})
        );
        assert_eq!(r.code(), "too_early");
        assert_eq!(
            serde_json::to_value(JoinRefusal::NotConfirmed).unwrap(),
            serde_json::json!({"code": "not_confirmed"})
        );
    }

    #[test]
    fn a_start_at_the_ends_of_time_gives_a_window_not_a_panic() {
        let first = OffsetDateTime::new_utc(time::Date::MIN, time::Time::MIDNIGHT);
        let last = OffsetDateTime::new_utc(time::Date::MAX, time::Time::MIDNIGHT);
        assert_eq!(window_for(first).opens_at, first);
        assert!(check_join(AppointmentStatus::Confirmed, first, first).is_ok());
        assert!(check_join(AppointmentStatus::Confirmed, last, last).is_ok());
    }
}
