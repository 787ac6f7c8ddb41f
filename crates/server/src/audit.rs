//! The audit log: who read, changed or joined which appointment, when, and from which address.
//!
//! Written by the server for every appointment shown in a list, every change, every join grant,
//! every call event (from the join endpoint, the signaling hub and LiveKit's webhook), every read
//! of the call log or of the access log itself, and every refused attempt on someone else's
//! appointment. Append-only in the database (triggers of `migrations/0002_audit.sql`); kept for
//! `TELECONSULT_AUDIT_RETENTION_DAYS`. The doctor of an appointment reads its log through
//! `GET /api/appointments/{id}/access-log`.
//!
//! A read or a grant whose audit row cannot be written fails (500) rather than happen unrecorded.

use std::net::IpAddr;

use crate::db::{Db, DbConnection};
use axum::{extract::State, http::StatusCode, routing::get, Json, Router};
use serde::Deserialize;
use teleconsult_core::{
    api::{AccessLog, Appointment, AuditAction, AuditEvent},
    Role,
};
use time::{Duration, OffsetDateTime};

use crate::{
    appointments::load_for,
    auth::{AuthUser, ClientAddr},
    error::{AppError, ErrorBody},
    extract::{ApiPath, ApiQuery},
    AppState,
};

/// Most events one page of the access log holds.
pub const MAX_PAGE: u32 = 500;
/// Events per page when `limit` is not given.
pub const DEFAULT_PAGE: u32 = 100;

/// Who did something, from where.
#[derive(Debug, Clone)]
pub struct Actor {
    /// `{role}_{user id}`, or `livekit`.
    pub identity: String,
    /// The request's or socket's peer address.
    pub address: Option<IpAddr>,
}

impl Actor {
    /// `user` at `address`.
    pub fn user(user: &AuthUser, address: Option<IpAddr>) -> Actor {
        Actor {
            identity: user.identity(),
            address,
        }
    }
}

/// Appends one event per appointment in `appointments`, all at `at`.
///
/// # Errors
/// The database write fails.
pub async fn record(
    db: &Db,
    at: OffsetDateTime,
    actor: &Actor,
    action: AuditAction,
    appointments: &[i64],
    detail: Option<&str>,
) -> Result<(), AppError> {
    let mut conn = db.acquire().await?;
    insert(&mut conn, at, actor, action, appointments, detail).await
}

/// [`record`] on `conn`, e.g. inside a caller's transaction; one statement per 100 events.
///
/// # Errors
/// The database write fails.
pub async fn insert(
    conn: &mut DbConnection,
    at: OffsetDateTime,
    actor: &Actor,
    action: AuditAction,
    appointments: &[i64],
    detail: Option<&str>,
) -> Result<(), AppError> {
    let address = actor.address.map(|a| a.to_string());
    for chunk in appointments.chunks(100) {
        // One row of six numbered placeholders per event (`$1`… both engines read).
        let rows: Vec<String> = (0..chunk.len())
            .map(|r| {
                let p: Vec<String> = (1..=6).map(|c| format!("${}", r * 6 + c)).collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO audit_events (at, actor, action, appointment_id, address, detail) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q
                .bind(at.unix_timestamp())
                .bind(&actor.identity)
                .bind(action.as_str())
                .bind(*id)
                .bind(address.clone())
                .bind(detail);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// [`load_for`] as `actor`; a refusal because the appointment is someone else's (403) is
/// recorded as [`AuditAction::AccessRefused`] before it is returned.
///
/// # Errors
/// Those of [`load_for`]; a database error writing the refusal.
pub async fn checked_load(
    state: &AppState,
    id: i64,
    user: &AuthUser,
    actor: &Actor,
) -> Result<Appointment, AppError> {
    let result = load_for(&state.db, id, user).await;
    if let Err(e) = &result {
        if e.status == StatusCode::FORBIDDEN {
            record(
                &state.db,
                state.clock.now(),
                actor,
                AuditAction::AccessRefused,
                &[id],
                None,
            )
            .await?;
        }
    }
    result
}

/// Deletes the events older than `retention_days` before `now` (moving the horizon the
/// append-only trigger allows deletes below, in the same transaction). Returns how many went.
///
/// # Errors
/// The database write fails.
pub async fn purge(db: &Db, now: OffsetDateTime, retention_days: u32) -> Result<u64, AppError> {
    let horizon = (now - Duration::days(i64::from(retention_days))).unix_timestamp();
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE audit_retention SET purge_before = CASE WHEN purge_before > $1 THEN purge_before ELSE $1 END WHERE only_row = 1",
    )
    .bind(horizon)
    .execute(&mut *tx)
    .await?;
    let gone = sqlx::query("DELETE FROM audit_events WHERE at < $1")
        .bind(horizon)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(gone)
}

/// Purges once a day from a day after now, for as long as the server runs ([`AppState::open`]
/// purges at start).
pub fn spawn_daily_purge(state: AppState) {
    tokio::spawn(async move {
        let day = std::time::Duration::from_secs(24 * 60 * 60);
        let mut daily = tokio::time::interval_at(tokio::time::Instant::now() + day, day);
        loop {
            daily.tick().await;
            match purge(
                &state.db,
                state.clock.now(),
                state.config.audit_retention_days,
            )
            .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "audit events past their retention deleted"),
                Err(e) => tracing::warn!(error = %e.message, "could not purge the audit log"),
            }
        }
    });
}

/// Routes: `GET /appointments/{id}/access-log`.
pub fn router() -> Router<AppState> {
    Router::new().route("/appointments/{id}/access-log", get(access_log))
}

/// Query of `GET /api/appointments/{id}/access-log`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessLogQuery {
    /// Events per page, 1–500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Only events with an id below this (the previous page's `next_before`).
    pub before: Option<i64>,
}

/// `(id, at, actor, action, address, detail)` as stored.
type Row = (i64, i64, String, String, Option<String>, Option<String>);

/// The access log of an appointment, newest first: who saw, changed or joined it, when and from
/// where. Only the appointment's doctor may read it; the read is itself recorded.
#[utoipa::path(
    get, path = "/api/appointments/{id}/access-log", tag = "appointments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Appointment id"), AccessLogQuery),
    responses(
        (status = 200, description = "Events, newest first", body = AccessLog),
        (status = 400, description = "`invalid_query`: `limit` outside 1–500, an unreadable or unknown query parameter", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "`forbidden`: not this appointment's doctor", body = ErrorBody),
        (status = 404, description = "No such appointment", body = ErrorBody),
    )
)]
pub async fn access_log(
    State(state): State<AppState>,
    user: AuthUser,
    ClientAddr(address): ClientAddr,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<AccessLogQuery>,
) -> Result<Json<AccessLog>, AppError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            format!("limit must be between 1 and {MAX_PAGE}."),
        ));
    }
    let actor = Actor::user(&user, address);
    checked_load(&state, id, &user, &actor).await?;
    if user.role != Role::Doctor {
        return Err(AppError::forbidden(
            "Only the appointment's doctor can read its access log.",
        ));
    }
    record(
        &state.db,
        state.clock.now(),
        &actor,
        AuditAction::AccessLogViewed,
        &[id],
        None,
    )
    .await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, at, actor, action, address, detail FROM audit_events
         WHERE appointment_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(id)
    .bind(query.before.unwrap_or(i64::MAX))
    .bind(i64::from(limit) + 1)
    .fetch_all(&state.db)
    .await?;
    let more = rows.len() > limit as usize;
    let events: Vec<AuditEvent> = rows
        .into_iter()
        .take(limit as usize)
        .filter_map(|(id, at, actor, action, address, detail)| {
            Some(AuditEvent {
                id,
                at: OffsetDateTime::from_unix_timestamp(at).ok()?,
                actor,
                action: AuditAction::parse(&action)?,
                address,
                detail,
            })
        })
        .collect();
    Ok(Json(AccessLog {
        next_before: more.then(|| events.last().map(|e| e.id)).flatten(),
        events,
    }))
}
