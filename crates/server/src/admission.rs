//! The waiting room: patients who asked to join before the doctor let them in, and the doctor's
//! Admit (`POST /api/appointments/{id}/admit`).
//!
//! Enforced here, not only in the app: until the appointment is admitted, a patient's join
//! request answers `202` with their place in the waiting room ([`WaitingRoom`]) instead of a
//! video token or ICE servers, and the signaling hub refuses them the room (`not_admitted`). The
//! rule is `teleconsult_core::admission::must_wait`. Admission is stored on the appointment
//! (`admitted_at`, migration `0004_admission.sql`); who is in the waiting room is live state,
//! kept in memory like the hub's presence and renewed by each join request.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use crate::db::Db;
use axum::{extract::State, http::StatusCode, routing::post, Router};
use teleconsult_core::{
    admission::WAITING_ROOM_TTL_S,
    api::{AuditAction, RoomParticipant},
    join_window::check_join,
    Role,
};
use time::{Duration, OffsetDateTime};

use crate::{
    appointments::refusal_error,
    audit::{self, checked_load, Actor},
    auth::{AuthUser, ClientAddr},
    error::{AppError, ErrorBody},
    extract::ApiPath,
    AppState,
};

/// Routes: `POST /appointments/{id}/admit`.
pub fn router() -> Router<AppState> {
    Router::new().route("/appointments/{id}/admit", post(admit))
}

struct Entry {
    participant: RoomParticipant,
    last_seen: OffsetDateTime,
}

/// Appointment id → patients in its waiting room, in arrival order. Shared by the join endpoint
/// (writer) and room status (reader); never locked across an await.
#[derive(Clone, Default)]
pub struct WaitingRooms(Arc<Mutex<HashMap<i64, Vec<Entry>>>>);

impl WaitingRooms {
    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Vec<Entry>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that `identity` (of `role`) is in the waiting room of `appointment_id` at `now`,
    /// keeping their first arrival if they were still there; returns that arrival.
    pub fn check_in(
        &self,
        appointment_id: i64,
        identity: &str,
        role: Role,
        now: OffsetDateTime,
    ) -> OffsetDateTime {
        let mut rooms = self.rooms();
        let list = rooms.entry(appointment_id).or_default();
        list.retain(|e| is_fresh(e, now));
        if let Some(e) = list.iter_mut().find(|e| e.participant.identity == identity) {
            e.last_seen = now;
            return e.participant.joined_at;
        }
        list.push(Entry {
            participant: RoomParticipant {
                identity: identity.to_string(),
                role: Some(role),
                joined_at: now,
            },
            last_seen: now,
        });
        now
    }

    /// Takes `identity` out of the waiting room of `appointment_id` (they were let in).
    pub fn remove(&self, appointment_id: i64, identity: &str) {
        let mut rooms = self.rooms();
        if let Some(list) = rooms.get_mut(&appointment_id) {
            list.retain(|e| e.participant.identity != identity);
            if list.is_empty() {
                rooms.remove(&appointment_id);
            }
        }
    }

    /// Who is in the waiting room of `appointment_id` at `now`, in arrival order: entries renewed
    /// within the last [`WAITING_ROOM_TTL_S`] seconds.
    pub fn waiting(&self, appointment_id: i64, now: OffsetDateTime) -> Vec<RoomParticipant> {
        let mut rooms = self.rooms();
        let Some(list) = rooms.get_mut(&appointment_id) else {
            return Vec::new();
        };
        list.retain(|e| is_fresh(e, now));
        let people = list.iter().map(|e| e.participant.clone()).collect();
        if list.is_empty() {
            rooms.remove(&appointment_id);
        }
        people
    }
}

fn is_fresh(e: &Entry, now: OffsetDateTime) -> bool {
    now - e.last_seen <= Duration::seconds(WAITING_ROOM_TTL_S)
}

/// Whether the doctor has let the patient of `appointment_id` in.
///
/// # Errors
/// Database errors (500).
pub async fn is_admitted(db: &Db, appointment_id: i64) -> Result<bool, AppError> {
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT admitted_at FROM appointments WHERE id = $1")
            .bind(appointment_id)
            .fetch_optional(db)
            .await?;
    Ok(at.flatten().is_some())
}

/// The doctor lets the patient in from the waiting room: the patient's next join request (within
/// `teleconsult_core::admission::WAITING_ROOM_RETRY_MS`) gets the connection. Idempotent;
/// admission lasts for the appointment.
#[utoipa::path(
    post, path = "/api/appointments/{id}/admit", tag = "appointments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Appointment id")),
    responses(
        (status = 204, description = "Admitted (or already admitted)"),
        (status = 403, description = "`forbidden`: not this appointment's doctor; or the join window's reason (`not_confirmed`, `cancelled`, `completed`, `too_early`, `too_late`)", body = ErrorBody),
        (status = 404, description = "No such appointment", body = ErrorBody),
    )
)]
pub async fn admit(
    State(state): State<AppState>,
    user: AuthUser,
    ClientAddr(address): ClientAddr,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    let actor = Actor::user(&user, address);
    let a = checked_load(&state, id, &user, &actor).await?;
    if user.role != Role::Doctor {
        return Err(AppError::forbidden(
            "Only the doctor can let a patient in from the waiting room.",
        ));
    }
    let now = state.clock.now();
    check_join(a.status, a.scheduled_at, now).map_err(refusal_error)?;
    // The admission and its audit row commit together; a second Admit changes nothing.
    let mut tx = state.db.begin().await?;
    let changed = sqlx::query(
        "UPDATE appointments SET admitted_at = $1 WHERE id = $2 AND admitted_at IS NULL",
    )
    .bind(now.unix_timestamp())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 1 {
        audit::insert(&mut tx, now, &actor, AuditAction::Admitted, &[id], None).await?;
    }
    tx.commit().await?;
    tracing::info!(appointment_id = id, "patient admitted");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_waiting_room_keeps_arrival_order_and_drops_who_stopped_asking() {
        let t = datetime!(2026-12-03 09:00 UTC);
        let rooms = WaitingRooms::default();
        assert_eq!(rooms.check_in(1, "patient_2", Role::Patient, t), t);
        let later = t + Duration::seconds(4);
        rooms.check_in(1, "patient_3", Role::Patient, later);
        // Asking again keeps the first arrival.
        assert_eq!(
            rooms.check_in(1, "patient_2", Role::Patient, t + Duration::seconds(8)),
            t
        );
        let ids = |now| {
            rooms
                .waiting(1, now)
                .into_iter()
                .map(|p| p.identity)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(t + Duration::seconds(10)), ["patient_2", "patient_3"]);
        // patient_3 last asked at +4 s: gone after +14 s; patient_2 (+8 s) stays until +18 s.
        assert_eq!(ids(t + Duration::seconds(15)), ["patient_2"]);
        assert!(ids(t + Duration::seconds(19)).is_empty());
        rooms.check_in(2, "patient_4", Role::Patient, t);
        rooms.remove(2, "patient_4");
        assert!(rooms.waiting(2, t).is_empty());
    }
}
