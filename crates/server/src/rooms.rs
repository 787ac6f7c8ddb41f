//! `GET /api/rooms/status`: who is in the consultation rooms of many appointments at once.
//!
//! One request covers every appointment a dashboard watches, so polling costs one request per
//! interval whatever their number. Answers carry a strong `ETag` (a hash of the body); a client
//! that sends it back in `If-None-Match` gets `304 Not Modified` while nothing changed.

use std::collections::HashSet;

use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use teleconsult_core::{
    api::{RoomStatus, RoomStatusList},
    appointment::room_name,
};

use crate::{
    appointments,
    auth::AuthUser,
    config::Provider,
    error::{AppError, ErrorBody},
    extract::ApiQuery,
    signal, AppState,
};

/// Most appointments one status request may name (the app watches at most as many:
/// `teleconsult_core::dashboard::MAX_WATCHED`).
pub const MAX_APPOINTMENTS_PER_REQUEST: usize = teleconsult_core::dashboard::MAX_WATCHED;

/// Routes: `GET /rooms/status`.
pub fn router() -> Router<AppState> {
    Router::new().route("/rooms/status", get(status))
}

/// Query of `GET /api/rooms/status`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// Comma-separated appointment ids, 1 to 50, e.g. `3,4,9`; a repeated id is answered once.
    #[param(pattern = r"^[0-9]{1,18}(,[0-9]{1,18}){0,49}$")]
    pub appointment_ids: String,
}

/// The ids of `appointment_ids`, exactly as its documented pattern
/// `^[0-9]{1,18}(,[0-9]{1,18}){0,49}$` allows (so the contract and the server agree), repeats
/// dropped, in the order asked.
fn parse_ids(raw: &str) -> Result<Vec<i64>, AppError> {
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    let parts: Vec<&str> = raw.split(',').collect();
    if parts.len() > MAX_APPOINTMENTS_PER_REQUEST {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("appointment_ids must name 1 to {MAX_APPOINTMENTS_PER_REQUEST} appointments."),
        ));
    }
    for part in parts {
        let digits =
            !part.is_empty() && part.len() <= 18 && part.bytes().all(|b| b.is_ascii_digit());
        let id: i64 = digits.then(|| part.parse().ok()).flatten().ok_or_else(|| {
            AppError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!("appointment_ids must be comma-separated numbers; {part:?} is not one."),
            )
        })?;
        if seen.insert(id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Room status of several appointments.
#[utoipa::path(
    get, path = "/api/rooms/status", tag = "rooms",
    security(("bearer" = [])),
    params(StatusQuery, ("If-None-Match" = Option<String>, Header, description = "ETag of the previous answer")),
    responses(
        (status = 200, description = "One entry per appointment, in the order asked; `ETag` header set", body = RoomStatusList),
        (status = 304, description = "Unchanged since the ETag in If-None-Match"),
        (status = 400, description = "`invalid_query`", body = ErrorBody),
        (status = 403, description = "An appointment belongs to someone else", body = ErrorBody),
        (status = 404, description = "An appointment does not exist", body = ErrorBody),
        (status = 502, description = "`livekit_unavailable` or `twilio_unavailable`: the video service did not answer", body = ErrorBody),
        (status = 503, description = "`unavailable`: with several instances, their shared Redis did not answer; try again", body = ErrorBody),
    )
)]
pub async fn status(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(query): ApiQuery<StatusQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let ids = parse_ids(&query.appointment_ids)?;
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let placeholders = placeholders.join(",");
    let sql =
        format!("SELECT id, patient_id, doctor_id FROM appointments WHERE id IN ({placeholders})");
    let mut q = sqlx::query_as::<_, (i64, i64, i64)>(&sql);
    for id in &ids {
        q = q.bind(id);
    }
    let rows = q.fetch_all(&state.db).await?;
    for id in &ids {
        let Some(&(_, patient_id, doctor_id)) = rows.iter().find(|r| r.0 == *id) else {
            return Err(AppError::not_found(format!(
                "There is no appointment {id}."
            )));
        };
        let mine = appointments::is_party(&user, patient_id, doctor_id);
        if !mine {
            return Err(AppError::forbidden(format!(
                "Appointment {id} belongs to someone else; you cannot see its room."
            )));
        }
    }

    let rooms: Vec<String> = ids.iter().map(|id| room_name(*id)).collect();
    let mut participants = match state.config.provider {
        Provider::P2p => match &state.cluster {
            Some(cluster) => rooms
                .iter()
                .cloned()
                .zip(signal::cluster::presence(cluster, &rooms).await?)
                .collect(),
            None => rooms
                .iter()
                .map(|r| (r.clone(), state.presence.participants(r)))
                .collect(),
        },
        Provider::Livekit => {
            let lk = state
                .livekit
                .as_ref()
                .ok_or_else(|| AppError::internal("provider livekit without a LiveKit client"))?;
            lk.participants(&rooms, state.clock.now()).await?
        }
        Provider::Twilio => {
            let twilio = state
                .twilio
                .as_ref()
                .ok_or_else(|| AppError::internal("provider twilio without a Twilio client"))?;
            twilio.participants(&rooms).await?
        }
    };
    let now = state.clock.now();
    let mut waiting = state.waiting_rooms.waiting(&ids, now).await?;
    let body = RoomStatusList {
        rooms: ids
            .iter()
            .zip(rooms)
            .zip(waiting.iter_mut())
            .map(|((id, room), waiting_room)| {
                let people = participants.remove(&room).unwrap_or_default();
                RoomStatus {
                    appointment_id: *id,
                    active: !people.is_empty(),
                    participants: people,
                    room,
                    waiting_room: std::mem::take(waiting_room),
                }
            })
            .collect(),
    };
    let json = serde_json::to_vec(&body).map_err(AppError::internal)?;
    let digest = Sha256::digest(&json);
    let etag = format!(
        "\"{}\"",
        digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let etag_value = HeaderValue::from_str(&etag).map_err(AppError::internal)?;
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let cache = (
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    if unchanged {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag_value), cache],
        )
            .into_response());
    }
    Ok((
        [
            (header::ETAG, etag_value),
            cache,
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        json,
    )
        .into_response())
}
