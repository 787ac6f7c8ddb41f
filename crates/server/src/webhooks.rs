//! LiveKit's webhooks: the call log of LiveKit consultations.
//!
//! LiveKit posts an event for each participant that joins or leaves and for each room that
//! finishes (docs.livekit.io, "Webhooks"). The request is signed: its `Authorization` header is a
//! JWT signed with the API secret, whose `iss` is the API key and whose `sha256` claim is the
//! base64 SHA-256 of the body. Both are checked before the body is read; anything else is a 401.
//! The server writes the same call-log entries the P2P signaling hub writes.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
    Router,
};
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use teleconsult_core::{
    api::{CallEvent, CallEventKind},
    appointment::appointment_of_room,
    call::LeaveReason,
};

use crate::{calls, error::AppError, AppState};

/// `POST /api/livekit/webhook`.
pub fn router() -> Router<AppState> {
    Router::new().route("/livekit/webhook", post(receive))
}

/// Claims of a webhook's `Authorization` token.
#[derive(Debug, Deserialize)]
struct WebhookClaims {
    /// Base64 (standard, padded) SHA-256 of the request body.
    sha256: String,
}

/// The parts of LiveKit's `WebhookEvent` (protobuf JSON, camelCase) the call log needs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebhookEvent {
    /// `participant_joined`, `participant_left`, `room_finished`, ….
    event: String,
    room: Option<WebhookRoom>,
    participant: Option<WebhookParticipant>,
}

#[derive(Debug, Deserialize)]
struct WebhookRoom {
    name: String,
    #[serde(default)]
    sid: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebhookParticipant {
    identity: String,
    /// LiveKit's `DisconnectReason` name, e.g. `CLIENT_INITIATED`, `DUPLICATE_IDENTITY`.
    #[serde(default)]
    disconnect_reason: Option<String>,
}

/// Why someone left, from LiveKit's `DisconnectReason`.
fn leave_reason(disconnect_reason: Option<&str>) -> LeaveReason {
    match disconnect_reason {
        Some("CLIENT_INITIATED") => LeaveReason::Hangup,
        Some("DUPLICATE_IDENTITY") => LeaveReason::Moved,
        Some("UNKNOWN_REASON") | None => LeaveReason::Ended,
        Some(_) => LeaveReason::Disconnected,
    }
}

/// Receives one LiveKit webhook.
#[utoipa::path(
    post, path = "/api/livekit/webhook", tag = "livekit",
    request_body(content = String, content_type = "application/webhook+json",
        description = "LiveKit's WebhookEvent (protobuf JSON)"),
    params(("Authorization" = String, Header,
        description = "JWT signed with the LiveKit API secret: `iss` = API key, `sha256` = base64 SHA-256 of the body")),
    responses(
        (status = 200, description = "Accepted (events for rooms that are not consultations are ignored)"),
        (status = 400, description = "`bad_request`: not a webhook event", body = crate::error::ErrorBody),
        (status = 401, description = "`invalid_webhook`: missing or wrong signature, or the body does not match it", body = crate::error::ErrorBody),
        (status = 404, description = "`not_found`: this server does not use LiveKit", body = crate::error::ErrorBody),
    )
)]
pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let refused =
        || AppError::unauthorized("invalid_webhook", "The webhook signature is not valid.");
    // Unsigned requests are refused first (401), whatever the provider, as the contract says.
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_start_matches("Bearer ").trim())
        .ok_or_else(refused)?;
    let Some(livekit) = state.livekit.as_ref() else {
        return Err(AppError::not_found("This server does not use LiveKit."));
    };
    let claims: WebhookClaims = livekit.verify(token).map_err(|_| refused())?;
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&body));
    if claims.sha256 != digest {
        return Err(refused());
    }
    let event: WebhookEvent = serde_json::from_slice(&body)
        .map_err(|e| AppError::bad_request(format!("Not a LiveKit webhook event: {e}")))?;
    let Some(room) = &event.room else {
        return Ok(StatusCode::OK);
    };
    let Some(appointment_id) = appointment_of_room(&room.name) else {
        return Ok(StatusCode::OK);
    };
    let (kind, identity, reason) = match (event.event.as_str(), &event.participant) {
        ("participant_joined", Some(p)) => (CallEventKind::Joined, p.identity.clone(), None),
        ("participant_left", Some(p)) => (
            CallEventKind::Left,
            p.identity.clone(),
            Some(leave_reason(p.disconnect_reason.as_deref())),
        ),
        ("room_finished", _) => (
            CallEventKind::Ended,
            String::new(),
            Some(LeaveReason::AllLeft),
        ),
        _ => return Ok(StatusCode::OK),
    };
    let entry = CallEvent {
        at: state.clock.now(),
        identity,
        kind,
        reason,
        call_id: (!room.sid.is_empty()).then(|| room.sid.clone()),
    };
    // The participant's own address is not in the webhook; LiveKit's would mislead.
    calls::record(&state.db, appointment_id, &entry, None).await?;
    tracing::info!(appointment_id, event = %event.event, "LiveKit webhook");
    Ok(StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disconnect_reasons_map_to_leave_reasons() {
        assert_eq!(leave_reason(Some("CLIENT_INITIATED")), LeaveReason::Hangup);
        assert_eq!(leave_reason(Some("DUPLICATE_IDENTITY")), LeaveReason::Moved);
        assert_eq!(
            leave_reason(Some("SIGNAL_CLOSE")),
            LeaveReason::Disconnected
        );
        assert_eq!(leave_reason(None), LeaveReason::Ended);
    }
}
