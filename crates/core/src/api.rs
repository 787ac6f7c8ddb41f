//! Wire types of the HTTP API that both the app and the server use, so the two cannot drift.
//! JSON field names are snake_case; times are RFC 3339 strings in UTC.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::Role;

/// A signed-in account as the API shows it: `{"id": 2, "name": "Adib Hossain", "role": "patient"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Account id.
    pub id: i64,
    /// Display name, e.g. "Dr. Amina Rahman".
    pub name: String,
    /// Patient or doctor.
    pub role: Role,
}

/// Body of `POST /api/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// Account e-mail, compared case-insensitively.
    pub email: String,
    /// Password in clear text (sent over TLS in production, never logged).
    pub password: String,
}

/// Answer of `POST /api/auth/login` and `POST /api/auth/refresh`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Bearer access token (HS256 JWT).
    pub access_token: String,
    /// When the access token stops being accepted (UTC); refresh before.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
    /// The account that signed in.
    pub user: User,
    /// Single-use token for `POST /api/auth/refresh` (rotated by every refresh: use the newest).
    /// Absent from answers of servers without sessions.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// When the session ends whatever the refreshes (sign-in + the session lifetime, UTC).
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub session_expires_at: Option<OffsetDateTime>,
}

/// Body of `POST /api/auth/refresh` and `POST /api/auth/logout`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The newest refresh token of the session.
    pub refresh_token: String,
}

/// Every API error body: `{"error": {"code": "too_early", "message": "…", …}}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// The `error` member of [`ErrorBody`]; some codes add fields (e.g. `opens_at` with `too_early`),
/// which readers that do not need them ignore.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable machine-readable code in snake_case, e.g. `unauthorized`, `too_early`.
    pub code: String,
    /// Plain-language explanation.
    pub message: String,
}

/// One side of an appointment: `{"id": 1, "name": "Dr. Amina Rahman"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Party {
    /// Account id.
    pub id: i64,
    /// Display name.
    pub name: String,
}

/// An appointment as `GET /api/appointments` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appointment {
    /// Appointment id.
    pub id: i64,
    /// The patient.
    pub patient: Party,
    /// The doctor.
    pub doctor: Party,
    /// Scheduled start (UTC, RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub scheduled_at: OffsetDateTime,
    /// Planned length in minutes (5–240).
    pub duration_minutes: u32,
    /// Where the appointment stands.
    pub status: crate::AppointmentStatus,
    /// The patient's note when booking (may be empty).
    pub reason: String,
    /// The consultation room, `appointment_{id}_consultation`.
    pub room: String,
}

/// Answer of `GET /api/appointments`: the caller's appointments, soonest first, and the server's
/// clock, so that the app can place join windows without trusting the device's clock.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppointmentList {
    /// The server's time when answering (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub server_time: OffsetDateTime,
    /// The appointments.
    pub appointments: Vec<Appointment>,
}

/// Integers as JSON Schema reads them: a number with a zero fraction (`7.0`) is an integer
/// (JSON Schema 2020-12 Validation §6.1.1), so the API takes it wherever its contract says
/// `integer`; serde alone would refuse it. Anything with a fraction, or out of the target's range,
/// is refused.
mod json_integer {
    use serde::{de::Error, Deserialize, Deserializer};

    fn read<'de, D: Deserializer<'de>, T: TryFrom<i64>>(
        n: serde_json::Number,
    ) -> Result<T, D::Error> {
        let whole = match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Some(i),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            _ => None,
        };
        whole
            .and_then(|i| T::try_from(i).ok())
            .ok_or_else(|| D::Error::custom(format!("{n} is not an integer in range")))
    }

    /// A required integer.
    pub fn exact<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<T, D::Error> {
        read::<D, T>(serde_json::Number::deserialize(d)?)
    }

    /// An optional integer (`null` or absent = `None`).
    pub fn optional<'de, D: Deserializer<'de>, T: TryFrom<i64>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<serde_json::Number>::deserialize(d)?
            .map(read::<D, T>)
            .transpose()
    }
}

/// Body of `POST /api/appointments` (patients only).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateAppointment {
    /// The doctor's account id (from `GET /api/doctors`).
    #[serde(deserialize_with = "json_integer::exact")]
    pub doctor_id: i64,
    /// Requested start (UTC, RFC 3339); must be in the future.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub scheduled_at: OffsetDateTime,
    /// Planned length in minutes, 5–240; 20 when absent.
    #[serde(default, deserialize_with = "json_integer::optional")]
    #[cfg_attr(feature = "openapi", schema(minimum = 5, maximum = 240))]
    pub duration_minutes: Option<u32>,
    /// A note for the doctor, at most 500 characters.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub reason: String,
}

/// An ICE server for `RTCPeerConnection`'s `iceServers`, in the browser's own shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IceServer {
    /// `stun:` or `turn:`/`turns:` URLs.
    pub urls: Vec<String>,
    /// TURN username (TURN REST scheme: `<expiry unix s>:<identity>`); absent for STUN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN password (base64 HMAC-SHA1 of the username with the TURN secret); absent for STUN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// How to connect to the consultation, by provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum Connection {
    /// Peer to peer through the server's signaling hub.
    P2p {
        /// WebSocket URL of the signaling hub; a path (`/api/signal`) is on the API's origin.
        signaling_url: String,
        /// ICE servers for the peer connection.
        ice_servers: Vec<IceServer>,
    },
    /// Through a LiveKit SFU.
    Livekit {
        /// LiveKit server URL (`wss://…`).
        url: String,
        /// LiveKit access token (JWT) for this room and identity only.
        token: String,
        /// When the token stops being accepted for joining (UTC).
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        token_expires_at: OffsetDateTime,
        /// The appointment's end-to-end encryption key (base64url, 32 bytes), when the clinic
        /// turned E2EE on; both participants get the same one, the SFU never does.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        e2ee_key: Option<String>,
    },
    /// Through Twilio Video (Twilio's cloud).
    Twilio {
        /// Twilio Access Token (JWT, `cty: twilio-fpa;v=1`) with a video grant for this room
        /// and identity only.
        token: String,
        /// When Twilio stops accepting the token for connecting or reconnecting (UTC): the join
        /// window's close, at most one hour after issue.
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        token_expires_at: OffsetDateTime,
        /// The other party's display name (a Twilio participant carries only its identity).
        peer_name: String,
    },
}

impl Connection {
    /// The provider this connection goes through (the `provider` tag of the join answer).
    pub fn provider(&self) -> ProviderKind {
        match self {
            Connection::P2p { .. } => ProviderKind::P2p,
            Connection::Livekit { .. } => ProviderKind::Livekit,
            Connection::Twilio { .. } => ProviderKind::Twilio,
        }
    }
}

/// The clinic's media provider, as the pre-call check needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Peer to peer through the signaling hub.
    P2p,
    /// A LiveKit SFU.
    Livekit,
    /// Twilio Video.
    Twilio,
}

impl ProviderKind {
    /// The wire name (`p2p`, `livekit`, `twilio`), as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::P2p => "p2p",
            ProviderKind::Livekit => "livekit",
            ProviderKind::Twilio => "twilio",
        }
    }

    /// The `<meta name>` by which `consultation.html` names the file of this provider's browser
    /// SDK, loaded when a call of this provider starts (`scripts/trunk-post-build.mjs` writes the
    /// content-hashed file name into it): `teleconsult-{wire name}-sdk`, the rule by which that
    /// page's inline script finds a remembered provider's SDK. `None` for P2P, which has no SDK.
    pub fn sdk_meta(self) -> Option<&'static str> {
        match self {
            ProviderKind::P2p => None,
            ProviderKind::Livekit => Some("teleconsult-livekit-sdk"),
            ProviderKind::Twilio => Some("teleconsult-twilio-sdk"),
        }
    }
}

/// Answer of `GET /api/connectivity`: what the pre-call check tests this network against, the
/// same paths a consultation of this clinic uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectivityInfo {
    /// The media provider consultations use.
    pub provider: ProviderKind,
    /// P2P: the signaling WebSocket URL (a path is on the API's origin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signaling_url: Option<String>,
    /// P2P: the ICE servers a call gets (STUN, and TURN with short-lived credentials), to test
    /// which connections this network allows. Empty for the SFU providers, whose SDKs bring
    /// their own.
    #[serde(default)]
    pub ice_servers: Vec<IceServer>,
    /// LiveKit or Twilio: an `https://`/`http://` URL of the video service to test that it can be
    /// reached (any HTTP answer counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_server_url: Option<String>,
}

/// Answer of `POST /api/appointments/{id}/join`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinResponse {
    /// The room, `appointment_{id}_consultation`.
    pub room: String,
    /// The caller's participant identity, `{role}_{user_id}`.
    pub identity: String,
    /// When the join window closes (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub window_closes_at: OffsetDateTime,
    /// Provider-specific connection details.
    pub connection: Connection,
    /// LiveKit or Twilio: whether `identity` is already in the room (another tab or device of
    /// this person), as the video service's room list said at the join — the same list, and the
    /// same short cache, as `GET /api/rooms/status`. An SFU admits a second session of one
    /// identity and ends the first, so a client offers "continue here" before connecting when
    /// this is `true`. Absent when not known: peer-to-peer (the signaling hub answers this
    /// itself), or the video service did not answer in time; a client then asks
    /// `GET /api/rooms/status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub already_in_room: Option<bool>,
}

/// Answer of `POST /api/appointments/{id}/join` with `202 Accepted`: the patient is in the
/// waiting room until the doctor lets them in (`POST /api/appointments/{id}/admit`); no media
/// path and no video token exist for them before that. Asking again keeps their place: an entry
/// not renewed within [`crate::admission::WAITING_ROOM_TTL_S`] leaves the waiting room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WaitingRoom {
    /// The doctor who lets them in, e.g. `Dr. Amina Rahman`.
    pub doctor_name: String,
    /// When this patient entered the waiting room (UTC): their place in the doctor's queue.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub waiting_since: OffsetDateTime,
    /// Ask again (the same join request) after this many milliseconds.
    pub retry_after_ms: u32,
}

/// A participant present in a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomParticipant {
    /// Participant identity, `{role}_{user_id}`.
    pub identity: String,
    /// The participant's role, when the identity follows the `{role}_{id}` scheme.
    pub role: Option<Role>,
    /// When they joined (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub joined_at: OffsetDateTime,
}

/// The state of one appointment's room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomStatus {
    /// The appointment.
    pub appointment_id: i64,
    /// Its room.
    pub room: String,
    /// Whether anyone is in the room.
    pub active: bool,
    /// Who is in it.
    pub participants: Vec<RoomParticipant>,
    /// Patients in the appointment's waiting room, not yet let in (`joined_at` = when they
    /// arrived), in arrival order. Always empty when the clinic has no waiting room.
    #[serde(default)]
    pub waiting_room: Vec<RoomParticipant>,
}

/// Answer of `GET /api/rooms/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomStatusList {
    /// One entry per requested appointment, in the order asked.
    pub rooms: Vec<RoomStatus>,
}

/// What happened in a call, for the call log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallEventKind {
    /// The join endpoint handed out connection details.
    JoinGranted,
    /// The participant entered the room.
    Joined,
    /// The participant left the room (`reason` says how).
    Left,
    /// The call ended (`reason` says why).
    Ended,
}

/// What an audit event records: a read of an appointment, a change to it, or a step of its call.
/// The wire and database name is the `snake_case` variant name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// The appointment was in an answer of `GET /api/appointments` (its details were shown).
    Viewed,
    /// A patient requested it.
    Booked,
    /// Its doctor confirmed it.
    Confirmed,
    /// A party cancelled it.
    Cancelled,
    /// Its doctor marked it completed.
    Completed,
    /// The join endpoint handed out connection details (a token or the signaling address).
    JoinGranted,
    /// The participant entered the call's room.
    CallJoined,
    /// The participant left the room (`detail` gives the reason).
    CallLeft,
    /// The call ended (`detail` gives the reason).
    CallEnded,
    /// Its call log was read.
    CallLogViewed,
    /// Its access log was read.
    AccessLogViewed,
    /// Someone who is not a party asked for it and was refused (403).
    AccessRefused,
    /// The doctor let the patient in from the waiting room.
    Admitted,
}

impl AuditAction {
    /// Every action, in declaration order.
    pub const ALL: [AuditAction; 13] = [
        AuditAction::Viewed,
        AuditAction::Booked,
        AuditAction::Confirmed,
        AuditAction::Cancelled,
        AuditAction::Completed,
        AuditAction::JoinGranted,
        AuditAction::CallJoined,
        AuditAction::CallLeft,
        AuditAction::CallEnded,
        AuditAction::CallLogViewed,
        AuditAction::AccessLogViewed,
        AuditAction::AccessRefused,
        AuditAction::Admitted,
    ];

    /// The stored and wire name, e.g. `join_granted`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Viewed => "viewed",
            AuditAction::Booked => "booked",
            AuditAction::Confirmed => "confirmed",
            AuditAction::Cancelled => "cancelled",
            AuditAction::Completed => "completed",
            AuditAction::JoinGranted => "join_granted",
            AuditAction::CallJoined => "call_joined",
            AuditAction::CallLeft => "call_left",
            AuditAction::CallEnded => "call_ended",
            AuditAction::CallLogViewed => "call_log_viewed",
            AuditAction::AccessLogViewed => "access_log_viewed",
            AuditAction::AccessRefused => "access_refused",
            AuditAction::Admitted => "admitted",
        }
    }

    /// The action named `s`, if any.
    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The audit action of a call-log event.
    pub fn of_call_event(kind: CallEventKind) -> AuditAction {
        match kind {
            CallEventKind::JoinGranted => AuditAction::JoinGranted,
            CallEventKind::Joined => AuditAction::CallJoined,
            CallEventKind::Left => AuditAction::CallLeft,
            CallEventKind::Ended => AuditAction::CallEnded,
        }
    }
}

/// One entry of an appointment's access log (`GET /api/appointments/{id}/access-log`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    /// The event's id: increasing, so it orders events and pages the log (`before`).
    pub id: i64,
    /// When (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    /// Who: `{role}_{user_id}`, or `livekit` for an event reported by LiveKit's webhook.
    pub actor: String,
    /// What.
    pub action: AuditAction,
    /// The IP address the request or socket came from, as the server saw it (the proxy's
    /// address behind a reverse proxy); absent when unknown.
    pub address: Option<String>,
    /// More about it: a leave reason, a call id.
    pub detail: Option<String>,
}

/// Answer of `GET /api/appointments/{id}/access-log`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessLog {
    /// Up to `limit` events, newest first.
    pub events: Vec<AuditEvent>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}

/// One entry of `GET /api/appointments/{id}/calls`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallEvent {
    /// When (UTC).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    /// Who, `{role}_{user_id}`.
    pub identity: String,
    /// What.
    pub kind: CallEventKind,
    /// Why, for `left` and `ended` (`hangup`, `disconnected`, `moved`, `connection_failed`,
    /// `media_unavailable`, `all_left`; unknown reasons read as `ended`).
    pub reason: Option<crate::call::LeaveReason>,
    /// The signaling call id, when the event comes from the signaling hub.
    pub call_id: Option<String>,
}

/// The catalogue key of the app's own words for an API refusal a person can meet, by its
/// `code` (docs/openapi.json): a wrong e-mail or password (401 `invalid_credentials`) and too
/// many sign-in attempts (429 `rate_limited`), both from `POST /api/auth/login`. `None` for
/// other codes: their message comes from the server, in English.
pub fn refusal_key(code: &str) -> Option<&'static str> {
    match code {
        "invalid_credentials" => Some("api.refusal.invalid_credentials"),
        "rate_limited" => Some("api.refusal.rate_limited"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_with_a_zero_fraction_are_integers_as_the_schema_says() {
        let read = |json: &str| serde_json::from_str::<CreateAppointment>(json);
        let ok = read(r#"{"doctor_id": 7.0, "scheduled_at": "2026-12-01T10:00:00Z", "duration_minutes": 30.0}"#)
            .unwrap();
        assert_eq!((ok.doctor_id, ok.duration_minutes), (7, Some(30)));
        let ok = read(
            r#"{"doctor_id": 7, "scheduled_at": "2026-12-01T10:00:00Z", "duration_minutes": null}"#,
        )
        .unwrap();
        assert_eq!((ok.doctor_id, ok.duration_minutes), (7, None));
        for bad in [
            r#"{"doctor_id": 7.5, "scheduled_at": "2026-12-01T10:00:00Z"}"#,
            r#"{"doctor_id": "7", "scheduled_at": "2026-12-01T10:00:00Z"}"#,
            r#"{"doctor_id": 1e300, "scheduled_at": "2026-12-01T10:00:00Z"}"#,
            r#"{"doctor_id": 7, "scheduled_at": "2026-12-01T10:00:00Z", "duration_minutes": -5}"#,
            r#"{"doctor_id": 7, "scheduled_at": "2026-12-01T10:00:00Z", "duration_minutes": 4294967296}"#,
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_connection_names_the_provider_of_its_provider_tag() {
        let at = "2026-12-01T10:00:00Z";
        for (json, kind) in [
            (
                r#"{"provider": "p2p", "signaling_url": "/api/signal", "ice_servers": []}"#
                    .to_string(),
                ProviderKind::P2p,
            ),
            (
                format!(
                    r#"{{"provider": "livekit", "url": "wss://sfu", "token": "t", "token_expires_at": "{at}"}}"#
                ),
                ProviderKind::Livekit,
            ),
            (
                format!(
                    r#"{{"provider": "twilio", "token": "t", "token_expires_at": "{at}", "peer_name": "Dr. A"}}"#
                ),
                ProviderKind::Twilio,
            ),
        ] {
            let connection: Connection = serde_json::from_str(&json).unwrap();
            assert_eq!(connection.provider(), kind);
            // The tag and the provider's own wire name are the same word.
            let tag = serde_json::to_value(&connection).unwrap()["provider"].clone();
            assert_eq!(tag, serde_json::to_value(kind).unwrap());
            assert_eq!(tag, kind.as_str());
            // consultation.html's inline script finds the SDK of a remembered provider (its wire
            // name) by this rule, so it must hold for every provider with an SDK.
            if let Some(meta) = kind.sdk_meta() {
                assert_eq!(meta, format!("teleconsult-{}-sdk", kind.as_str()));
            }
        }
    }

    #[test]
    fn a_join_answer_without_presence_is_not_known_rather_than_not_busy() {
        let json = |extra: &str| {
            format!(
                r#"{{"room": "appointment_3_consultation", "identity": "doctor_1",
                    "window_closes_at": "2026-12-01T10:30:00Z",
                    "connection": {{"provider": "livekit", "url": "wss://sfu", "token": "t",
                                   "token_expires_at": "2026-12-01T10:10:00Z"}}{extra}}}"#
            )
        };
        let read = |extra: &str| {
            serde_json::from_str::<JoinResponse>(&json(extra))
                .unwrap()
                .already_in_room
        };
        // A server from before the field, or one whose video service did not answer.
        assert_eq!(read(""), None);
        assert_eq!(read(r#", "already_in_room": null"#), None);
        assert_eq!(read(r#", "already_in_room": true"#), Some(true));
        assert_eq!(read(r#", "already_in_room": false"#), Some(false));
        assert!(
            serde_json::from_str::<JoinResponse>(&json(r#", "already_in_room": "yes""#)).is_err()
        );
        // Not known is left out of the answer, not sent as null.
        let mut answer: JoinResponse = serde_json::from_str(&json("")).unwrap();
        assert!(!serde_json::to_string(&answer)
            .unwrap()
            .contains("already_in_room"));
        answer.already_in_room = Some(false);
        assert_eq!(
            serde_json::to_value(&answer).unwrap()["already_in_room"],
            false
        );
    }

    #[test]
    fn audit_action_names_are_the_wire_names_and_parse_back() {
        for action in AuditAction::ALL {
            let wire = serde_json::to_string(&action).unwrap();
            assert_eq!(wire, format!("\"{}\"", action.as_str()));
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("deleted"), None);
    }

    #[test]
    fn sign_in_refusals_have_the_apps_own_words() {
        for code in ["invalid_credentials", "rate_limited"] {
            // Bengali and Hindi have every English key (the catalogue tests in `i18n`).
            let key = refusal_key(code).expect(code);
            assert_ne!(
                crate::i18n::text_in(crate::i18n::Lang::En, key),
                key,
                "{code}"
            );
        }
        assert_eq!(refusal_key("invalid_input"), None);
        assert_eq!(refusal_key(""), None);
    }
}
