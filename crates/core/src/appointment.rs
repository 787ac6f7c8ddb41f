//! Appointment vocabulary shared by the API and the app.

use serde::{Deserialize, Serialize};

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
