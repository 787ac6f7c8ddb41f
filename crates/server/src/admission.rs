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
    cluster::Cluster,
    error::{AppError, ErrorBody},
    extract::ApiPath,
    AppState,
};

/// Routes: `POST /appointments/{id}/admit`.
pub fn router() -> Router<AppState> {
    Router::new().route("/appointments/{id}/admit", post(admit))
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Entry {
    participant: RoomParticipant,
    #[serde(with = "time::serde::timestamp")]
    last_seen: OffsetDateTime,
}

/// Appointment id → patients in its waiting room, in arrival order. Shared by the join endpoint
/// (writer) and room status (reader): in this process's memory (never locked across an await), or
/// with Redis in the hash `{prefix}waiting:{appointment id}` (identity → entry) that every instance
/// reads, so a patient's join requests may reach any instance.
#[derive(Clone, Default)]
pub struct WaitingRooms {
    local: Arc<Mutex<HashMap<i64, Vec<Entry>>>>,
    cluster: Option<Cluster>,
}

fn waiting_key(cluster: &Cluster, appointment_id: i64) -> String {
    cluster.key(&format!("waiting:{appointment_id}"))
}

/// How long a waiting room's Redis hash outlives its last renewal, in seconds (garbage
/// collection only: freshness is judged by [`WAITING_ROOM_TTL_S`]).
const WAITING_KEY_TTL_S: i64 = 60;

impl WaitingRooms {
    /// Waiting rooms in this process, or in `cluster`'s Redis.
    pub fn new(cluster: Option<Cluster>) -> WaitingRooms {
        WaitingRooms {
            local: Arc::default(),
            cluster,
        }
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Vec<Entry>>> {
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that `identity` (of `role`) is in the waiting room of `appointment_id` at `now`,
    /// keeping their first arrival if they were still there; returns that arrival.
    ///
    /// # Errors
    /// Redis cannot be reached (503).
    pub async fn check_in(
        &self,
        appointment_id: i64,
        identity: &str,
        role: Role,
        now: OffsetDateTime,
    ) -> Result<OffsetDateTime, AppError> {
        let fresh_entry = || Entry {
            participant: RoomParticipant {
                identity: identity.to_string(),
                role: Some(role),
                joined_at: now,
            },
            last_seen: now,
        };
        if let Some(cluster) = &self.cluster {
            let mut redis = cluster.redis();
            let key = waiting_key(cluster, appointment_id);
            let old: Option<String> = redis::cmd("HGET")
                .arg(&key)
                .arg(identity)
                .query_async(&mut redis)
                .await?;
            let mut entry = old
                .and_then(|raw| serde_json::from_str::<Entry>(&raw).ok())
                .filter(|e| is_fresh(e, now))
                .unwrap_or_else(fresh_entry);
            entry.last_seen = now;
            let raw = serde_json::to_string(&entry).map_err(AppError::internal)?;
            redis::pipe()
                .cmd("HSET")
                .arg(&key)
                .arg(identity)
                .arg(raw)
                .ignore()
                .cmd("EXPIRE")
                .arg(&key)
                .arg(WAITING_KEY_TTL_S)
                .ignore()
                .query_async::<()>(&mut redis)
                .await?;
            return Ok(entry.participant.joined_at);
        }
        let mut rooms = self.rooms();
        let list = rooms.entry(appointment_id).or_default();
        list.retain(|e| is_fresh(e, now));
        if let Some(e) = list.iter_mut().find(|e| e.participant.identity == identity) {
            e.last_seen = now;
            return Ok(e.participant.joined_at);
        }
        list.push(fresh_entry());
        Ok(now)
    }

    /// Takes `identity` out of the waiting room of `appointment_id` (they were let in).
    ///
    /// # Errors
    /// Redis cannot be reached (503).
    pub async fn remove(&self, appointment_id: i64, identity: &str) -> Result<(), AppError> {
        if let Some(cluster) = &self.cluster {
            let mut redis = cluster.redis();
            redis::cmd("HDEL")
                .arg(waiting_key(cluster, appointment_id))
                .arg(identity)
                .query_async::<i64>(&mut redis)
                .await?;
            return Ok(());
        }
        let mut rooms = self.rooms();
        if let Some(list) = rooms.get_mut(&appointment_id) {
            list.retain(|e| e.participant.identity != identity);
            if list.is_empty() {
                rooms.remove(&appointment_id);
            }
        }
        Ok(())
    }

    /// Who is in the waiting room of each of `appointment_ids` at `now`, in arrival order:
    /// entries renewed within the last [`WAITING_ROOM_TTL_S`] seconds.
    ///
    /// # Errors
    /// Redis cannot be reached (503).
    pub async fn waiting(
        &self,
        appointment_ids: &[i64],
        now: OffsetDateTime,
    ) -> Result<Vec<Vec<RoomParticipant>>, AppError> {
        if let Some(cluster) = &self.cluster {
            let mut pipe = redis::pipe();
            for id in appointment_ids {
                pipe.cmd("HVALS").arg(waiting_key(cluster, *id));
            }
            let mut redis = cluster.redis();
            let lists: Vec<Vec<String>> = pipe.query_async(&mut redis).await?;
            return Ok(lists
                .into_iter()
                .map(|raw| {
                    let mut live: Vec<Entry> = raw
                        .iter()
                        .filter_map(|r| serde_json::from_str::<Entry>(r).ok())
                        .filter(|e| is_fresh(e, now))
                        .collect();
                    live.sort_by_key(|e| (e.participant.joined_at, e.participant.identity.clone()));
                    live.into_iter().map(|e| e.participant).collect()
                })
                .collect());
        }
        let mut rooms = self.rooms();
        Ok(appointment_ids
            .iter()
            .map(|id| {
                let Some(list) = rooms.get_mut(id) else {
                    return Vec::new();
                };
                list.retain(|e| is_fresh(e, now));
                let people = list.iter().map(|e| e.participant.clone()).collect();
                if list.is_empty() {
                    rooms.remove(id);
                }
                people
            })
            .collect())
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

    #[tokio::test]
    async fn the_waiting_room_keeps_arrival_order_and_drops_who_stopped_asking() {
        let t = datetime!(2026-12-03 09:00 UTC);
        let rooms = WaitingRooms::default();
        let check_in = |id, who, at| rooms.check_in(id, who, Role::Patient, at);
        assert_eq!(check_in(1, "patient_2", t).await.unwrap(), t);
        check_in(1, "patient_3", t + Duration::seconds(4))
            .await
            .unwrap();
        // Asking again keeps the first arrival.
        assert_eq!(
            check_in(1, "patient_2", t + Duration::seconds(8))
                .await
                .unwrap(),
            t
        );
        let ids = |now| {
            let rooms = rooms.clone();
            async move {
                rooms.waiting(&[1], now).await.unwrap()[0]
                    .iter()
                    .map(|p| p.identity.clone())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            ids(t + Duration::seconds(10)).await,
            ["patient_2", "patient_3"]
        );
        // patient_3 last asked at +4 s: gone after +14 s; patient_2 (+8 s) stays until +18 s.
        assert_eq!(ids(t + Duration::seconds(15)).await, ["patient_2"]);
        assert!(ids(t + Duration::seconds(19)).await.is_empty());
        check_in(2, "patient_4", t).await.unwrap();
        rooms.remove(2, "patient_4").await.unwrap();
        assert!(rooms.waiting(&[2], t).await.unwrap()[0].is_empty());
    }
}
