//! Appointments: listing, booking, confirming, cancelling, joining, and the call log.
//!
//! Rules enforced here, not only in the UI: only the appointment's patient and doctor may see,
//! join or read it (403; 404 when it does not exist); only its doctor confirms; either party
//! cancels; joining follows the join window of `teleconsult_core::join_window` (seed 001).

use crate::db::Db;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use teleconsult_core::{
    admission::{must_wait, WAITING_ROOM_RETRY_MS},
    api::{
        Appointment, AppointmentList, AuditAction, CallEvent, CallEventKind, Connection,
        CreateAppointment, JoinResponse, Party, WaitingRoom,
    },
    appointment::{room_name, ActionRefusal},
    join_window::check_join,
    AppointmentAction, AppointmentStatus, Role,
};
use time::{Duration, OffsetDateTime};

use crate::{
    admission,
    audit::{self, checked_load, Actor},
    auth::{AuthUser, ClientAddr},
    calls,
    config::Provider,
    error::{AppError, ErrorBody},
    extract::{ApiJson, ApiPath},
    turn, AppState,
};

/// Default length of a booked appointment, in minutes.
pub const DEFAULT_DURATION_MINUTES: u32 = 20;
/// Longest accepted booking note, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// Routes under `/api/appointments`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/appointments", get(list).post(create))
        .route("/appointments/{id}/confirm", post(confirm))
        .route("/appointments/{id}/cancel", post(cancel))
        .route("/appointments/{id}/complete", post(complete))
        .route("/appointments/{id}/join", post(join))
        .route("/appointments/{id}/calls", get(call_log))
}

const SELECT: &str = "SELECT a.id, a.patient_id, p.name, a.doctor_id, d.name, a.scheduled_at,
        a.duration_minutes, a.status, a.reason
    FROM appointments a
    JOIN users p ON p.id = a.patient_id
    JOIN users d ON d.id = a.doctor_id";

type Row = (i64, i64, String, i64, String, i64, i64, String, String);

fn from_row(r: Row) -> Result<Appointment, AppError> {
    let (id, patient_id, patient_name, doctor_id, doctor_name, at, duration, status, reason) = r;
    Ok(Appointment {
        id,
        patient: Party {
            id: patient_id,
            name: patient_name,
        },
        doctor: Party {
            id: doctor_id,
            name: doctor_name,
        },
        scheduled_at: OffsetDateTime::from_unix_timestamp(at).map_err(AppError::internal)?,
        duration_minutes: u32::try_from(duration).map_err(AppError::internal)?,
        status: AppointmentStatus::parse(&status).ok_or_else(|| {
            AppError::internal(format!("bad status {status:?} in appointment {id}"))
        })?,
        reason,
        room: room_name(id),
    })
}

/// Loads appointment `id` for `user`.
///
/// # Errors
/// 404 `not_found` if it does not exist; 403 `forbidden` if `user` is neither its patient nor
/// its doctor.
pub async fn load_for(db: &Db, id: i64, user: &AuthUser) -> Result<Appointment, AppError> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    let appointment = from_row(
        row.ok_or_else(|| AppError::not_found(format!("There is no appointment {id}.")))?,
    )?;
    if !is_participant(&appointment, user) {
        return Err(AppError::forbidden(
            "This appointment belongs to someone else; you cannot see or join it.",
        ));
    }
    Ok(appointment)
}

/// Whether `user` is the appointment's patient or doctor.
pub fn is_participant(a: &Appointment, user: &AuthUser) -> bool {
    is_party(user, a.patient.id, a.doctor.id)
}

/// Whether `user` is the patient `patient_id` or the doctor `doctor_id` of an appointment.
pub fn is_party(user: &AuthUser, patient_id: i64, doctor_id: i64) -> bool {
    match user.role {
        Role::Patient => patient_id == user.id,
        Role::Doctor => doctor_id == user.id,
    }
}

/// The caller's appointments, soonest first.
#[utoipa::path(
    get, path = "/api/appointments", tag = "appointments",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's appointments (as patient or as doctor) and the server's clock", body = AppointmentList),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    user: AuthUser,
    ClientAddr(address): ClientAddr,
) -> Result<Json<AppointmentList>, AppError> {
    let column = match user.role {
        Role::Patient => "a.patient_id",
        Role::Doctor => "a.doctor_id",
    };
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE {column} = $1 ORDER BY a.scheduled_at, a.id"
    ))
    .bind(user.id)
    .fetch_all(&state.db)
    .await?;
    let appointments: Vec<Appointment> =
        rows.into_iter().map(from_row).collect::<Result<_, _>>()?;
    let ids: Vec<i64> = appointments.iter().map(|a| a.id).collect();
    let now = state.clock.now();
    audit::record(
        &state.db,
        now,
        &Actor::user(&user, address),
        AuditAction::Viewed,
        &ids,
        None,
    )
    .await?;
    Ok(Json(AppointmentList {
        server_time: now,
        appointments,
    }))
}

/// A patient requests an appointment with a doctor; it starts as `requested`.
#[utoipa::path(
    post, path = "/api/appointments", tag = "appointments",
    security(("bearer" = [])),
    request_body = CreateAppointment,
    responses(
        (status = 201, description = "Requested", body = Appointment),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "`forbidden`: only patients book", body = ErrorBody),
        (status = 422, description = "`invalid_input`: unknown doctor, a time in the past, a duration outside 5–240 min, a note over 500 characters", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    user: AuthUser,
    ClientAddr(address): ClientAddr,
    ApiJson(req): ApiJson<CreateAppointment>,
) -> Result<(StatusCode, Json<Appointment>), AppError> {
    if user.role != Role::Patient {
        return Err(AppError::forbidden(
            "Only patients can request appointments.",
        ));
    }
    let now = state.clock.now();
    if req.scheduled_at <= now {
        return Err(AppError::invalid(
            "The requested time is in the past. Choose a later time.",
        ));
    }
    if req.scheduled_at > now + Duration::days(366) {
        return Err(AppError::invalid(
            "Appointments can be requested up to a year ahead.",
        ));
    }
    let duration = req.duration_minutes.unwrap_or(DEFAULT_DURATION_MINUTES);
    if !(5..=240).contains(&duration) {
        return Err(AppError::invalid(
            "The duration must be between 5 and 240 minutes.",
        ));
    }
    if req.reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::invalid(
            "The note may be at most 500 characters long.",
        ));
    }
    let is_doctor: Option<(String,)> =
        sqlx::query_as("SELECT role FROM users WHERE id = $1 AND role = 'doctor'")
            .bind(req.doctor_id)
            .fetch_optional(&state.db)
            .await?;
    if is_doctor.is_none() {
        return Err(AppError::invalid(format!(
            "There is no doctor {}.",
            req.doctor_id
        )));
    }
    let ts = now.unix_timestamp();
    let actor = Actor::user(&user, address);
    // The booking and its audit row commit together.
    let mut tx = state.db.begin().await?;
    let id: (i64,) = sqlx::query_as(
        "INSERT INTO appointments
            (patient_id, doctor_id, scheduled_at, duration_minutes, status, reason, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'requested', $5, $6, $6) RETURNING id",
    )
    .bind(user.id)
    .bind(req.doctor_id)
    .bind(req.scheduled_at.unix_timestamp())
    .bind(i64::from(duration))
    .bind(req.reason.trim())
    .bind(ts)
    .fetch_one(&mut *tx)
    .await?;
    audit::insert(&mut tx, now, &actor, AuditAction::Booked, &[id.0], None).await?;
    tx.commit().await?;
    let appointment = load_for(&state.db, id.0, &user).await?;
    Ok((StatusCode::CREATED, Json(appointment)))
}

/// Takes `action` on appointment `id` for `user`: access first ([`load_for`]: 404/403 for the
/// appointment itself), then the rule of `teleconsult_core::AppointmentAction::check` (the one the
/// dashboards use for their buttons), then the status change.
///
/// The change is a compare-and-set in one statement, so two concurrent changes cannot both
/// apply; it touches only the status, so the rest of the appointment is still what is stored.
///
/// # Errors
/// 403 `forbidden` when the role may not take the action; 409 `invalid_transition` when the
/// status (as loaded, or as stored at the moment of the write) does not allow it, or when
/// completing before the join window has opened.
async fn take_action(
    state: &AppState,
    user: &AuthUser,
    address: Option<std::net::IpAddr>,
    id: i64,
    action: AppointmentAction,
) -> Result<Appointment, AppError> {
    let actor = Actor::user(user, address);
    let current = checked_load(state, id, user, &actor).await?;
    let refused = |refusal: ActionRefusal| match refusal {
        ActionRefusal::NotPermitted => AppError::forbidden(action.refusal_message(refusal)),
        _ => AppError::conflict("invalid_transition", action.refusal_message(refusal)),
    };
    action
        .check(
            user.role,
            current.status,
            current.scheduled_at,
            state.clock.now(),
        )
        .map_err(refused)?;
    let allowed: Vec<String> = action
        .from_statuses()
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let to = action.target();
    // The change and its audit row commit together.
    let mut tx = state.db.begin().await?;
    let result = sqlx::query(&format!(
        "UPDATE appointments SET status = $1, updated_at = $2 WHERE id = $3 AND status IN ({})",
        allowed.join(",")
    ))
    .bind(to.as_str())
    .bind(state.clock.now().unix_timestamp())
    .bind(current.id)
    .execute(&mut *tx)
    .await?;
    if result.rows_affected() != 1 {
        drop(tx);
        // Changed by someone else since it was loaded.
        let stored = load_for(&state.db, id, user).await?;
        return Err(refused(ActionRefusal::WrongStatus(stored.status)));
    }
    let done = match to {
        AppointmentStatus::Confirmed => AuditAction::Confirmed,
        AppointmentStatus::Cancelled => AuditAction::Cancelled,
        AppointmentStatus::Completed => AuditAction::Completed,
        AppointmentStatus::Requested => AuditAction::Booked,
    };
    audit::insert(&mut tx, state.clock.now(), &actor, done, &[id], None).await?;
    tx.commit().await?;
    Ok(Appointment {
        status: to,
        ..current
    })
}

/// The doctor confirms a requested appointment.
#[utoipa::path(
    post, path = "/api/appointments/{id}/confirm", tag = "appointments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "Confirmed", body = Appointment),
        (status = 403, description = "`forbidden`: not this appointment's doctor", body = ErrorBody),
        (status = 404, description = "No such appointment", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: not in `requested`", body = ErrorBody),
    )
)]
pub async fn confirm(
    State(state): State<AppState>,
    user: AuthUser,
    ClientAddr(address): ClientAddr,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Appointment>, AppError> {
    take_action(&state, &user, address, id, AppointmentAction::Confirm)
        .await
        .map(Json)
}

/// The patient or the doctor cancels a requested or confirmed appointment.
#[utoipa::path(
    post, path = "/api/appointments/{id}/cancel", tag = "appointments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "Cancelled", body = Appointment),
        (status = 403, description = "`forbidden`: not a party of the appointment", body = ErrorBody),
        (status = 404, description = "No such appointment", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: already cancelled or completed", body = ErrorBody),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    user: AuthUser,
    ClientAddr(address): ClientAddr,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Appointment>, AppError> {
    take_action(&state, &user, address, id, AppointmentAction::Cancel)
        .await
        .map(Json)
}

/// The doctor marks a confirmed appointment completed, once its join window has opened. The room
/// then refuses joins with `completed`.
#[utoipa::path(
    post, path = "/api/appointments/{id}/complete", tag = "appointments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "Completed", body = Appointment),
        (status = 403, description = "`forbidden`: not this appointment's doctor", body = ErrorBody),
        (status = 404, description = "No such appointment", body = ErrorBody),
        (status = 409, description = "`invalid_transition`: not confirmed, or its window has not opened yet", body = ErrorBody),
    )
)]
pub async fn complete(
    State(state): State<AppState>,
    user: AuthUser,
    ClientAddr(address): ClientAddr,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Appointment>, AppError> {
    take_action(&state, &user, address, id, AppointmentAction::Complete)
        .await
        .map(Json)
}

/// Connection details for the consultation, if the join window is open.
#[utoipa::path(
    post, path = "/api/appointments/{id}/join", tag = "appointments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "Connection details for the configured provider", body = JoinResponse),
        (status = 202, description = "A patient the doctor has not let in yet: in the waiting room, with no connection details; ask again after `retry_after_ms`", body = WaitingRoom),
        (status = 403, description = "`forbidden` (not a party), or the join window's reason: `not_confirmed`, `cancelled`, `completed`, `too_early` (with `opens_at`), `too_late` (with `closed_at`)", body = ErrorBody),
        (status = 404, description = "No such appointment", body = ErrorBody),
        (status = 503, description = "`unavailable`: with several instances, their shared Redis did not answer; try again", body = ErrorBody),
    )
)]
pub async fn join(
    State(state): State<AppState>,
    user: AuthUser,
    ClientAddr(address): ClientAddr,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, AppError> {
    let a = checked_load(&state, id, &user, &Actor::user(&user, address)).await?;
    let now = state.clock.now();
    let window = check_join(a.status, a.scheduled_at, now).map_err(refusal_error)?;
    let identity = user.identity();
    if state.config.waiting_room && user.role == Role::Patient {
        let admitted = admission::is_admitted(&state.db, id).await?;
        if must_wait(true, user.role, admitted) {
            let waiting_since = state
                .waiting_rooms
                .check_in(id, &identity, user.role, now)
                .await?;
            return Ok((
                StatusCode::ACCEPTED,
                Json(WaitingRoom {
                    doctor_name: a.doctor.name,
                    waiting_since,
                    retry_after_ms: WAITING_ROOM_RETRY_MS,
                }),
            )
                .into_response());
        }
        state.waiting_rooms.remove(id, &identity).await?;
    }
    let connection = match state.config.provider {
        Provider::P2p => Connection::P2p {
            signaling_url: state.config.signaling_url.clone(),
            ice_servers: turn::ice_servers(&state.config, &identity, now),
        },
        Provider::Livekit => {
            let lk = state
                .livekit
                .as_ref()
                .ok_or_else(|| AppError::internal("provider livekit without a LiveKit client"))?;
            let (token, token_expires_at) = lk.join_token(&identity, &user.name, &a.room, now)?;
            Connection::Livekit {
                url: lk.url.clone(),
                token,
                token_expires_at,
                e2ee_key: state
                    .config
                    .livekit_e2ee_secret
                    .as_ref()
                    .map(|secret| crate::livekit::e2ee_key(secret, &a.room)),
            }
        }
        Provider::Twilio => {
            let twilio = state
                .twilio
                .as_ref()
                .ok_or_else(|| AppError::internal("provider twilio without a Twilio client"))?;
            let (token, token_expires_at) =
                twilio.join_token(&identity, &a.room, now, window.closes_at)?;
            let peer = match user.role {
                Role::Patient => &a.doctor,
                Role::Doctor => &a.patient,
            };
            Connection::Twilio {
                token,
                token_expires_at,
                peer_name: peer.name.clone(),
            }
        }
    };
    let event = CallEvent {
        at: now,
        identity: identity.clone(),
        kind: CallEventKind::JoinGranted,
        reason: None,
        call_id: None,
    };
    // The video service's room list is read while the grant is written.
    let (already_in_room, recorded) = tokio::join!(
        already_in_room(&state, &a.room, &identity, now),
        calls::record(&state.db, id, &event, address),
    );
    recorded?;
    tracing::info!(appointment_id = id, %identity, "join granted");
    Ok(Json(JoinResponse {
        room: a.room,
        identity,
        window_closes_at: window.closes_at,
        connection,
        already_in_room,
    })
    .into_response())
}

/// How long a join waits for the video service's room list ([`JoinResponse::already_in_room`]);
/// past it the answer leaves the field out, and the client asks `GET /api/rooms/status` itself.
const PRESENCE_WAIT: std::time::Duration = std::time::Duration::from_millis(1_500);

/// Whether `identity` is in `room` by the LiveKit or Twilio room list (through the room-status
/// cache, so a join right after a dashboard's poll costs no upstream call). `None` for
/// peer-to-peer (its signaling hub answers this itself), and when the video service fails or
/// takes longer than [`PRESENCE_WAIT`] (the failure is logged by the provider's client; the join
/// itself goes on).
async fn already_in_room(
    state: &AppState,
    room: &str,
    identity: &str,
    now: OffsetDateTime,
) -> Option<bool> {
    let rooms = [room.to_owned()];
    let lookup = async {
        match state.config.provider {
            Provider::P2p => None,
            Provider::Livekit => state.livekit.as_ref()?.participants(&rooms, now).await.ok(),
            Provider::Twilio => state.twilio.as_ref()?.participants(&rooms).await.ok(),
        }
    };
    let mut listed = tokio::time::timeout(PRESENCE_WAIT, lookup)
        .await
        .ok()
        .flatten()?;
    let people = listed.remove(room).unwrap_or_default();
    Some(people.iter().any(|p| p.identity == identity))
}

/// The 403 of a refused join, with the machine-readable reason and its time.
pub fn refusal_error(refusal: teleconsult_core::JoinRefusal) -> AppError {
    use teleconsult_core::JoinRefusal as R;
    // The app's own words for these refusals (core's catalogue), in English for API clients.
    let key = match refusal {
        R::NotConfirmed => "call.refusal.not_confirmed",
        R::Cancelled => "call.refusal.cancelled",
        R::Completed => "call.refusal.completed",
        R::TooEarly { .. } => "call.refusal.too_early",
        R::TooLate { .. } => "call.refusal.too_late",
    };
    let message = teleconsult_core::i18n::text_in(teleconsult_core::i18n::Lang::En, key);
    AppError::new(StatusCode::FORBIDDEN, refusal.code(), message).with_details(refusal)
}

/// The call log of an appointment, oldest first.
#[utoipa::path(
    get, path = "/api/appointments/{id}/calls", tag = "appointments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Appointment id")),
    responses(
        (status = 200, description = "Events, oldest first", body = Vec<CallEvent>),
        (status = 403, description = "Not a party of the appointment", body = ErrorBody),
        (status = 404, description = "No such appointment", body = ErrorBody),
    )
)]
pub async fn call_log(
    State(state): State<AppState>,
    user: AuthUser,
    ClientAddr(address): ClientAddr,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<CallEvent>>, AppError> {
    let actor = Actor::user(&user, address);
    checked_load(&state, id, &user, &actor).await?;
    audit::record(
        &state.db,
        state.clock.now(),
        &actor,
        AuditAction::CallLogViewed,
        &[id],
        None,
    )
    .await?;
    Ok(Json(calls::list(&state.db, id).await?))
}
