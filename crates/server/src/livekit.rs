//! LiveKit: access tokens for browsers and the RoomService client for room status.
//!
//! Tokens follow LiveKit's documented format (docs.livekit.io, "Authentication"): an HS256 JWT
//! with `iss` = API key, `sub` = participant identity, `name`, `nbf`/`exp`, and a `video` grant.
//! A browser's grant is limited to one room (`roomJoin`, `room`, `canPublish`, `canSubscribe`,
//! `canPublishData`) and never carries `roomAdmin` or `roomList`. Signing with `jsonwebtoken`
//! avoids the heavy `livekit-api` crate (reqwest + protobuf) for three claims.
//!
//! Room status uses RoomService over Twirp JSON: `POST /twirp/livekit.RoomService/ListRooms`
//! (`roomList` grant) and `…/ListParticipants` (`roomAdmin` grant for that room), with
//! short-lived server tokens minted per call.

use std::{
    collections::HashMap,
    sync::atomic::{AtomicU64, Ordering},
};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Deserializer, Serialize};
use teleconsult_core::{api::RoomParticipant, Role};
use time::{Duration, OffsetDateTime};

use crate::{
    config::Secret,
    error::AppError,
    room_cache::{upstream_unavailable, RoomCache, Rooms},
};

/// The end-to-end encryption key of `room`: HMAC-SHA256 of the room name with the clinic's
/// E2EE secret, base64url without padding (32 bytes). Deterministic, so both participants get the
/// same key without the server storing one.
pub fn e2ee_key(secret: &Secret, room: &str) -> String {
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(b"teleconsult-livekit-e2ee:");
    mac.update(room.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Lifetime of a browser's join token: 10 minutes (enough to connect; LiveKit refreshes the
/// session itself once connected).
pub const JOIN_TOKEN_TTL: Duration = Duration::minutes(10);
/// Lifetime of the server's own RoomService tokens: 1 minute.
const SERVICE_TOKEN_TTL: Duration = Duration::minutes(1);
/// Upper bound of one RoomService call.
const UPSTREAM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// LiveKit's `video` grant, camelCase as LiveKit reads it. Absent fields mean "not granted".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoGrant {
    /// May join `room`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub room_join: bool,
    /// The one room the grant applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// May publish tracks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_publish: Option<bool>,
    /// May subscribe to tracks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_subscribe: Option<bool>,
    /// May publish data messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_publish_data: Option<bool>,
    /// May list rooms (server only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub room_list: bool,
    /// May administer `room` (server only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub room_admin: bool,
}

/// Claims of a LiveKit access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveKitClaims {
    /// The API key.
    pub iss: String,
    /// Participant identity (empty for the server's own tokens).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sub: String,
    /// Participant display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Not before, Unix seconds.
    pub nbf: i64,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// The grant.
    pub video: VideoGrant,
}

/// A configured LiveKit deployment.
pub struct LiveKit {
    /// Client-facing URL (`wss://…`).
    pub url: String,
    http_base: String,
    api_key: String,
    api_secret: Secret,
    http: reqwest::Client,
    cache: RoomCache,
    upstream_calls: AtomicU64,
}

impl LiveKit {
    /// A client for the LiveKit at `url` (`wss://` or `ws://`); RoomService is reached over the
    /// matching `https://`/`http://` origin. Room status answers are reused for `cache_ttl`.
    pub fn new(
        url: String,
        api_key: String,
        api_secret: Secret,
        cache_ttl: std::time::Duration,
    ) -> LiveKit {
        let http_base = if let Some(rest) = url.strip_prefix("wss://") {
            format!("https://{rest}")
        } else if let Some(rest) = url.strip_prefix("ws://") {
            format!("http://{rest}")
        } else {
            url.clone()
        };
        LiveKit {
            url,
            http_base: http_base.trim_end_matches('/').to_string(),
            api_key,
            api_secret,
            http: reqwest::Client::builder()
                .timeout(UPSTREAM_TIMEOUT)
                .build()
                .unwrap_or_default(),
            cache: RoomCache::new(cache_ttl),
            upstream_calls: AtomicU64::new(0),
        }
    }

    /// The server's HTTP origin (`https://…` for `wss://…`), where it answers plain GETs.
    pub fn http_url(&self) -> String {
        self.http_base.clone()
    }

    fn sign(&self, claims: &LiveKitClaims) -> Result<String, AppError> {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(self.api_secret.expose().as_bytes()),
        )
        .map_err(AppError::internal)
    }

    /// The claims of a token LiveKit signed with this deployment's key (webhooks): HS256 with the
    /// API secret, `iss` = the API key, unexpired.
    ///
    /// # Errors
    /// Any other signature, issuer or algorithm, an expired token, or claims of another shape.
    pub fn verify<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<T, jsonwebtoken::errors::Error> {
        let mut validation = jsonwebtoken::Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.api_key]);
        validation.set_required_spec_claims(&["exp", "iss"]);
        jsonwebtoken::decode::<T>(
            token,
            &jsonwebtoken::DecodingKey::from_secret(self.api_secret.expose().as_bytes()),
            &validation,
        )
        .map(|data| data.claims)
    }

    /// A browser's token to join `room` as `identity`, valid from `now` for [`JOIN_TOKEN_TTL`].
    pub fn join_token(
        &self,
        identity: &str,
        name: &str,
        room: &str,
        now: OffsetDateTime,
    ) -> Result<(String, OffsetDateTime), AppError> {
        let exp = now + JOIN_TOKEN_TTL;
        let claims = LiveKitClaims {
            iss: self.api_key.clone(),
            sub: identity.to_string(),
            name: Some(name.to_string()),
            nbf: now.unix_timestamp(),
            exp: exp.unix_timestamp(),
            video: VideoGrant {
                room_join: true,
                room: Some(room.to_string()),
                can_publish: Some(true),
                can_subscribe: Some(true),
                can_publish_data: Some(true),
                ..VideoGrant::default()
            },
        };
        Ok((self.sign(&claims)?, exp))
    }

    fn service_token(&self, video: VideoGrant, now: OffsetDateTime) -> Result<String, AppError> {
        self.sign(&LiveKitClaims {
            iss: self.api_key.clone(),
            sub: String::new(),
            name: None,
            nbf: now.unix_timestamp(),
            exp: (now + SERVICE_TOKEN_TTL).unix_timestamp(),
            video,
        })
    }

    /// How many RoomService calls this client has made (for tests and the benchmark).
    pub fn upstream_calls(&self) -> u64 {
        self.upstream_calls.load(Ordering::Relaxed)
    }

    /// Who is in each of `rooms`, from RoomService, reusing answers younger than the cache TTL
    /// (see [`RoomCache`]).
    ///
    /// # Errors
    /// 502 `livekit_unavailable` when LiveKit cannot be reached or refuses the call.
    pub async fn participants(
        &self,
        rooms: &[String],
        now: OffsetDateTime,
    ) -> Result<Rooms, AppError> {
        self.cache
            .participants(rooms, |stale| async move {
                let counts = self.list_rooms(&stale, now).await?;
                let mut fresh = Rooms::new();
                for room in stale {
                    if counts.get(&room).is_some_and(|n| *n > 0) {
                        let participants = self.list_participants(&room, now).await?;
                        fresh.insert(room, participants);
                    }
                }
                Ok(fresh)
            })
            .await
    }

    async fn twirp<Req: Serialize, Res: for<'de> Deserialize<'de>>(
        &self,
        method: &str,
        token: String,
        body: &Req,
    ) -> Result<Res, AppError> {
        self.upstream_calls.fetch_add(1, Ordering::Relaxed);
        let url = format!("{}/twirp/livekit.RoomService/{method}", self.http_base);
        let res = self
            .http
            .post(&url)
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .map_err(|e| unavailable(format!("{method}: {}", e.without_url())))?;
        let status = res.status();
        if !status.is_success() {
            let text = res.text().await.unwrap_or_default();
            return Err(unavailable(format!("{method} answered {status}: {text}")));
        }
        res.json::<Res>()
            .await
            .map_err(|e| unavailable(format!("{method} sent an unexpected body: {e}")))
    }

    async fn list_rooms(
        &self,
        names: &[String],
        now: OffsetDateTime,
    ) -> Result<HashMap<String, u64>, AppError> {
        let token = self.service_token(
            VideoGrant {
                room_list: true,
                ..VideoGrant::default()
            },
            now,
        )?;
        let res: ListRoomsResponse = self
            .twirp("ListRooms", token, &serde_json::json!({ "names": names }))
            .await?;
        Ok(res
            .rooms
            .into_iter()
            .map(|r| (r.name, r.num_participants))
            .collect())
    }

    async fn list_participants(
        &self,
        room: &str,
        now: OffsetDateTime,
    ) -> Result<Vec<RoomParticipant>, AppError> {
        let token = self.service_token(
            VideoGrant {
                room_admin: true,
                room: Some(room.to_string()),
                ..VideoGrant::default()
            },
            now,
        )?;
        let res: ListParticipantsResponse = self
            .twirp(
                "ListParticipants",
                token,
                &serde_json::json!({ "room": room }),
            )
            .await?;
        Ok(res
            .participants
            .into_iter()
            .map(|p| RoomParticipant {
                role: Role::parse_identity(&p.identity).map(|(role, _)| role),
                joined_at: OffsetDateTime::from_unix_timestamp(p.joined_at as i64)
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                identity: p.identity,
            })
            .collect())
    }
}

fn unavailable(detail: String) -> AppError {
    upstream_unavailable("livekit_unavailable", detail)
}

// Twirp JSON uses the protobuf field names (snake_case) and writes int64 as strings; both
// camelCase and numbers are accepted too.
#[derive(Deserialize)]
struct ListRoomsResponse {
    #[serde(default)]
    rooms: Vec<LkRoom>,
}

#[derive(Deserialize)]
struct LkRoom {
    name: String,
    #[serde(default, alias = "numParticipants", deserialize_with = "u64_lenient")]
    num_participants: u64,
}

#[derive(Deserialize)]
struct ListParticipantsResponse {
    #[serde(default)]
    participants: Vec<LkParticipant>,
}

#[derive(Deserialize)]
struct LkParticipant {
    identity: String,
    #[serde(default, alias = "joinedAt", deserialize_with = "u64_lenient")]
    joined_at: u64,
}

fn u64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        Num(u64),
        Str(String),
    }
    match N::deserialize(d)? {
        N::Num(n) => Ok(n),
        N::Str(s) => s.parse().map_err(serde::de::Error::custom),
    }
}
