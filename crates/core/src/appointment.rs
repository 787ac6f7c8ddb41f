//! Appointment vocabulary shared by the API and the app.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{
    i18n::{text, text_with},
    Role,
};

/// Where an appointment stands. Serialized in lower case, as in the API's `status` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AppointmentStatus {
    /// Asked for by the patient; the doctor has not confirmed it yet.
    Requested,
    /// Confirmed by the doctor: the consultation will take place.
    Confirmed,
    /// Cancelled by either party.
    Cancelled,
    /// The consultation took place.
    Completed,
}

impl AppointmentStatus {
    /// The lower-case wire name, as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Requested => "requested",
            AppointmentStatus::Confirmed => "confirmed",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::Completed => "completed",
        }
    }

    /// Parses the wire name; `None` for anything else.
    pub fn parse(s: &str) -> Option<AppointmentStatus> {
        match s {
            "requested" => Some(AppointmentStatus::Requested),
            "confirmed" => Some(AppointmentStatus::Confirmed),
            "cancelled" => Some(AppointmentStatus::Cancelled),
            "completed" => Some(AppointmentStatus::Completed),
            _ => None,
        }
    }
}

/// What a party can do to an appointment (`POST /api/appointments/{id}/{action}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppointmentAction {
    /// The doctor confirms a requested appointment.
    Confirm,
    /// Either party cancels a requested or confirmed appointment.
    Cancel,
    /// The doctor marks a confirmed consultation completed, once its join window has opened
    /// (before that, nothing can have taken place).
    Complete,
}

/// Why an [`AppointmentAction`] is refused. The server answers 403 for
/// [`ActionRefusal::NotPermitted`] and 409 `invalid_transition` for the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionRefusal {
    /// This role may not take the action.
    NotPermitted,
    /// The appointment's status does not allow it (it is the status found).
    WrongStatus(AppointmentStatus),
    /// Completing before the join window has opened.
    WindowNotOpen,
}

impl AppointmentAction {
    /// Every action, in the order the dashboards show them.
    pub const ALL: [AppointmentAction; 3] = [
        AppointmentAction::Confirm,
        AppointmentAction::Complete,
        AppointmentAction::Cancel,
    ];

    /// The last segment of the action's path: `confirm`, `cancel`, `complete`.
    pub fn path(self) -> &'static str {
        match self {
            AppointmentAction::Confirm => "confirm",
            AppointmentAction::Cancel => "cancel",
            AppointmentAction::Complete => "complete",
        }
    }

    /// The statuses the action applies to.
    pub fn from_statuses(self) -> &'static [AppointmentStatus] {
        match self {
            AppointmentAction::Confirm => &[AppointmentStatus::Requested],
            AppointmentAction::Cancel => {
                &[AppointmentStatus::Requested, AppointmentStatus::Confirmed]
            }
            AppointmentAction::Complete => &[AppointmentStatus::Confirmed],
        }
    }

    /// The status the action leads to.
    pub fn target(self) -> AppointmentStatus {
        match self {
            AppointmentAction::Confirm => AppointmentStatus::Confirmed,
            AppointmentAction::Cancel => AppointmentStatus::Cancelled,
            AppointmentAction::Complete => AppointmentStatus::Completed,
        }
    }

    /// Whether a party of role `role` may take this action on an appointment in `status`
    /// scheduled at `scheduled_at`, at `now` (UTC). The server enforces this rule; the
    /// dashboards show only the buttons it allows.
    ///
    /// # Errors
    /// The [`ActionRefusal`], checked in this order: role, status, window.
    pub fn check(
        self,
        role: Role,
        status: AppointmentStatus,
        scheduled_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), ActionRefusal> {
        if role != Role::Doctor && self != AppointmentAction::Cancel {
            return Err(ActionRefusal::NotPermitted);
        }
        if !self.from_statuses().contains(&status) {
            return Err(ActionRefusal::WrongStatus(status));
        }
        if self == AppointmentAction::Complete
            && now < crate::join_window::window_for(scheduled_at).opens_at
        {
            return Err(ActionRefusal::WindowNotOpen);
        }
        Ok(())
    }

    /// The refusal in plain words, for the API's error `message`, in the current language
    /// ([`crate::i18n`]; English on the server).
    pub fn refusal_message(self, refusal: ActionRefusal) -> String {
        match (self, refusal) {
            (AppointmentAction::Confirm, ActionRefusal::NotPermitted) => {
                text("appointment.refusal.confirm_not_permitted")
            }
            (_, ActionRefusal::NotPermitted) => text("appointment.refusal.complete_not_permitted"),
            (AppointmentAction::Confirm, ActionRefusal::WrongStatus(s)) => text_with(
                "appointment.refusal.confirm_wrong_status",
                &[("status", &status_word(s))],
            ),
            (AppointmentAction::Cancel, ActionRefusal::WrongStatus(s)) => text_with(
                "appointment.refusal.cancel_wrong_status",
                &[("status", &status_word(s))],
            ),
            (AppointmentAction::Complete, ActionRefusal::WrongStatus(s)) => text_with(
                "appointment.refusal.complete_wrong_status",
                &[("status", &status_word(s))],
            ),
            (_, ActionRefusal::WindowNotOpen) => text("appointment.refusal.window_not_open"),
        }
    }
}

/// A status as a lower-case word inside a sentence ("this one is cancelled"), in the current
/// language.
fn status_word(status: AppointmentStatus) -> String {
    match status {
        AppointmentStatus::Requested => text("appointment.status_word.requested"),
        AppointmentStatus::Confirmed => text("appointment.status_word.confirmed"),
        AppointmentStatus::Cancelled => text("appointment.status_word.cancelled"),
        AppointmentStatus::Completed => text("appointment.status_word.completed"),
    }
}

/// The actions `role` may take now on an appointment, in [`AppointmentAction::ALL`]'s order.
pub fn available_actions(
    role: Role,
    status: AppointmentStatus,
    scheduled_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Vec<AppointmentAction> {
    AppointmentAction::ALL
        .into_iter()
        .filter(|a| a.check(role, status, scheduled_at, now).is_ok())
        .collect()
}

/// The appointment whose consultation room is `room` (the inverse of [`room_name`]); `None` for
/// any other name.
pub fn appointment_of_room(room: &str) -> Option<i64> {
    room.strip_prefix("appointment_")?
        .strip_suffix("_consultation")?
        .parse()
        .ok()
}

/// The consultation room of an appointment: `appointment_{id}_consultation` (the naming used by
/// the LiveKit deployment in seed 000; the P2P signaling hub uses the same names).
pub fn room_name(appointment_id: i64) -> String {
    format!("appointment_{appointment_id}_consultation")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_name_matches_the_deployed_scheme() {
        assert_eq!(room_name(10), "appointment_10_consultation");
        assert_eq!(appointment_of_room(&room_name(10)), Some(10));
        for other in [
            "appointment_x_consultation",
            "lobby",
            "appointment_10",
            "10_consultation",
        ] {
            assert_eq!(appointment_of_room(other), None, "{other}");
        }
    }

    #[test]
    fn actions_follow_role_status_and_window() {
        use time::{macros::datetime, Duration};
        use AppointmentAction as A;
        use AppointmentStatus as S;
        let at = datetime!(2026-11-21 14:00 UTC);
        let before_window = at - Duration::minutes(31);
        let in_window = at - Duration::minutes(30);
        assert_eq!(
            available_actions(Role::Doctor, S::Requested, at, before_window),
            vec![A::Confirm, A::Cancel]
        );
        assert_eq!(
            available_actions(Role::Doctor, S::Confirmed, at, before_window),
            vec![A::Cancel]
        );
        assert_eq!(
            available_actions(Role::Doctor, S::Confirmed, at, in_window),
            vec![A::Complete, A::Cancel]
        );
        assert_eq!(
            available_actions(Role::Patient, S::Confirmed, at, in_window),
            vec![A::Cancel]
        );
        for s in [S::Cancelled, S::Completed] {
            assert_eq!(available_actions(Role::Doctor, s, at, in_window), vec![]);
        }
        assert_eq!(
            A::Confirm.check(Role::Patient, S::Requested, at, in_window),
            Err(ActionRefusal::NotPermitted)
        );
        assert_eq!(
            A::Complete.check(Role::Doctor, S::Confirmed, at, before_window),
            Err(ActionRefusal::WindowNotOpen)
        );
        assert_eq!(
            A::Cancel.check(Role::Patient, S::Cancelled, at, in_window),
            Err(ActionRefusal::WrongStatus(S::Cancelled))
        );
        for a in AppointmentAction::ALL {
            assert!(a.from_statuses().iter().all(|s| *s != a.target()));
        }
    }

    #[test]
    fn status_round_trips() {
        for s in [
            AppointmentStatus::Requested,
            AppointmentStatus::Confirmed,
            AppointmentStatus::Cancelled,
            AppointmentStatus::Completed,
        ] {
            assert_eq!(AppointmentStatus::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(AppointmentStatus::parse("Confirmed"), None);
    }
}
