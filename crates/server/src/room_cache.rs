//! Who is in which room, for providers that keep presence upstream (LiveKit's RoomService,
//! Twilio's Rooms API), reused for a short time: many polling dashboards then cost at most one
//! upstream refresh per room per TTL.

use std::{collections::HashMap, future::Future, time::Duration, time::Instant};

use axum::http::StatusCode;
use teleconsult_core::api::RoomParticipant;

use crate::error::AppError;

/// The 502 of a room-status refresh the video service did not answer: `code` names the service
/// (`livekit_unavailable`, `twilio_unavailable`); `detail` goes to the log only.
pub fn upstream_unavailable(code: &'static str, detail: String) -> AppError {
    tracing::warn!(%detail, code, "room status: the video service call failed");
    AppError::new(
        StatusCode::BAD_GATEWAY,
        code,
        "The video service did not answer, so we cannot tell who is in the room right now.",
    )
}

/// Participants per room name, as a provider reports them.
pub type Rooms = HashMap<String, Vec<RoomParticipant>>;

/// A TTL cache of room participants. Refreshes are serialized, so concurrent pollers of a stale
/// room wait for one upstream call instead of each making their own.
pub struct RoomCache {
    ttl: Duration,
    rooms: tokio::sync::Mutex<HashMap<String, Cached>>,
}

struct Cached {
    at: Instant,
    participants: Vec<RoomParticipant>,
}

impl RoomCache {
    /// An empty cache whose answers are reused for `ttl`.
    pub fn new(ttl: Duration) -> RoomCache {
        RoomCache {
            ttl,
            rooms: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Who is in each of `rooms`: cached answers younger than the TTL, and `refresh` called once
    /// with the names of the others. A room `refresh` leaves out is empty.
    ///
    /// # Errors
    /// Whatever `refresh` returns; nothing is cached then.
    pub async fn participants<F, Fut>(
        &self,
        rooms: &[String],
        refresh: F,
    ) -> Result<Rooms, AppError>
    where
        F: FnOnce(Vec<String>) -> Fut,
        Fut: Future<Output = Result<Rooms, AppError>>,
    {
        let mut cache = self.rooms.lock().await;
        let stale: Vec<String> = rooms
            .iter()
            .filter(|r| cache.get(*r).is_none_or(|c| c.at.elapsed() >= self.ttl))
            .cloned()
            .collect();
        if !stale.is_empty() {
            let mut fresh = refresh(stale.clone()).await?;
            let at = Instant::now();
            for room in stale {
                let participants = fresh.remove(&room).unwrap_or_default();
                cache.insert(room, Cached { at, participants });
            }
        }
        Ok(rooms
            .iter()
            .map(|r| {
                let p = cache
                    .get(r)
                    .map(|c| c.participants.clone())
                    .unwrap_or_default();
                (r.clone(), p)
            })
            .collect())
    }
}
