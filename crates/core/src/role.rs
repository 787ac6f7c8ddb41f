//! Who a signed-in person is to the product.

use serde::{Deserialize, Serialize};

/// The role of an account. Serialized in lower case (`"patient"`, `"doctor"`), as in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Books appointments and joins consultations.
    Patient,
    /// Confirms appointments and opens the consultation room.
    Doctor,
}

impl Role {
    /// The lower-case wire name, as used in participant identities (`patient_2`) and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Patient => "patient",
            Role::Doctor => "doctor",
        }
    }

    /// Parses the wire name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "patient" => Some(Role::Patient),
            "doctor" => Some(Role::Doctor),
            _ => None,
        }
    }

    /// The participant identity of a user in a consultation room: `{role}_{user_id}`,
    /// e.g. `patient_2` (the scheme the LiveKit deployment in seed 000 uses).
    pub fn identity(self, user_id: i64) -> String {
        format!("{}_{}", self.as_str(), user_id)
    }

    /// The role and user id of a participant identity made by [`Role::identity`]
    /// (`"doctor_1"` → `(Doctor, 1)`); `None` for identities of any other shape.
    pub fn parse_identity(identity: &str) -> Option<(Role, i64)> {
        let (role, id) = identity.split_once('_')?;
        Some((Role::parse(role)?, id.parse().ok()?))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_follows_role_underscore_id() {
        assert_eq!(Role::Patient.identity(2), "patient_2");
        assert_eq!(Role::Doctor.identity(1), "doctor_1");
    }

    #[test]
    fn identities_parse_back() {
        for role in [Role::Patient, Role::Doctor] {
            assert_eq!(Role::parse_identity(&role.identity(42)), Some((role, 42)));
        }
        for bad in ["doctor", "doctor_", "nurse_1", "doctor_x", "_1", ""] {
            assert_eq!(Role::parse_identity(bad), None, "{bad}");
        }
    }

    #[test]
    fn parse_round_trips_and_rejects_others() {
        for role in [Role::Patient, Role::Doctor] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("Doctor"), None);
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn serializes_lower_case() {
        assert_eq!(serde_json::to_string(&Role::Doctor).unwrap(), "\"doctor\"");
    }
}
