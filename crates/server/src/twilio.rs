//! Twilio Video: Access Tokens for browsers and the Rooms REST API for room status.
//!
//! Access Token format (Twilio, "Access Tokens" and "User Identity & Access Tokens" for Video):
//! an HS256 JWT signed with the API key secret, header `cty: twilio-fpa;v=1`; claims `jti` =
//! `<API key SID>-<issued at>`, `iss` = API key SID, `sub` = account SID, `iat`, `nbf`, `exp`,
//! and `grants: { identity, video: { room } }`. A browser's token names one room only.
//!
//! Room status: `GET {base}/v1/Rooms/{RoomNameOrSid}/Participants?Status=connected` with HTTP
//! Basic authentication (API key SID and secret). A room that is not in progress answers 404
//! (Twilio error 20404), which means nobody is there.

use std::sync::atomic::{AtomicU64, Ordering};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use teleconsult_core::{api::RoomParticipant, Role};
use time::{Duration, OffsetDateTime};

use crate::{
    config::Secret,
    error::AppError,
    room_cache::{upstream_unavailable, RoomCache, Rooms},
};

/// Longest lifetime of a browser's Access Token: 1 hour. Twilio checks the token when the SDK
/// connects and when it reconnects, so a token lives as long as the join window (a reconnect
/// after that is refused as expected), within this bound.
pub const MAX_TOKEN_TTL: Duration = Duration::hours(1);
/// Shortest lifetime, so a token given in the last seconds of the window can still connect.
const MIN_TOKEN_TTL: Duration = Duration::minutes(1);
/// Upper bound of one REST call.
const UPSTREAM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// Twilio's `cty` for Access Tokens.
pub const TOKEN_CONTENT_TYPE: &str = "twilio-fpa;v=1";

/// The `video` grant: the one room the token may join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoGrant {
    /// The room's unique name.
    pub room: String,
}

/// The grants of an Access Token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// The participant identity (`{role}_{id}`).
    pub identity: String,
    /// Video access.
    pub video: VideoGrant,
}

/// Claims of a Twilio Access Token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    /// `<API key SID>-<iat>`: unique per token.
    pub jti: String,
    /// The API key SID.
    pub iss: String,
    /// The account SID.
    pub sub: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Not before, Unix seconds.
    pub nbf: i64,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Identity and video grant.
    pub grants: Grants,
}

/// A configured Twilio account.
pub struct Twilio {
    account_sid: String,
    api_key_sid: String,
    api_key_secret: Secret,
    api_base: String,
    http: reqwest::Client,
    cache: RoomCache,
    upstream_calls: AtomicU64,
}

impl Twilio {
    /// A client for the account `account_sid` with the API key `api_key_sid`/`api_key_secret`,
    /// calling the REST API at `api_base` (`https://video.twilio.com`); room status answers are
    /// reused for `cache_ttl`.
    pub fn new(
        account_sid: String,
        api_key_sid: String,
        api_key_secret: Secret,
        api_base: String,
        cache_ttl: std::time::Duration,
    ) -> Twilio {
        Twilio {
            account_sid,
            api_key_sid,
            api_key_secret,
            api_base: api_base.trim_end_matches('/').to_string(),
            http: reqwest::Client::builder()
                .timeout(UPSTREAM_TIMEOUT)
                .build()
                .unwrap_or_default(),
            cache: RoomCache::new(cache_ttl),
            upstream_calls: AtomicU64::new(0),
        }
    }

    /// A browser's Access Token to join `room` as `identity`, issued at `now` and valid until
    /// `window_closes_at`, but at least [`MIN_TOKEN_TTL`] and at most [`MAX_TOKEN_TTL`].
    /// Returns the token and its expiry.
    ///
    /// # Errors
    /// 500 if signing fails.
    pub fn join_token(
        &self,
        identity: &str,
        room: &str,
        now: OffsetDateTime,
        window_closes_at: OffsetDateTime,
    ) -> Result<(String, OffsetDateTime), AppError> {
        let ttl = (window_closes_at - now).clamp(MIN_TOKEN_TTL, MAX_TOKEN_TTL);
        let exp = now + ttl;
        let iat = now.unix_timestamp();
        let claims = AccessTokenClaims {
            jti: format!("{}-{iat}", self.api_key_sid),
            iss: self.api_key_sid.clone(),
            sub: self.account_sid.clone(),
            iat,
            nbf: iat,
            exp: exp.unix_timestamp(),
            grants: Grants {
                identity: identity.to_string(),
                video: VideoGrant {
                    room: room.to_string(),
                },
            },
        };
        let mut header = Header::new(Algorithm::HS256);
        header.cty = Some(TOKEN_CONTENT_TYPE.to_string());
        let token = jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(self.api_key_secret.expose().as_bytes()),
        )
        .map_err(AppError::internal)?;
        Ok((token, exp))
    }

    /// How many REST calls this client has made (for tests).
    pub fn upstream_calls(&self) -> u64 {
        self.upstream_calls.load(Ordering::Relaxed)
    }

    /// Who is connected to each of `rooms`, from the Rooms API, reusing answers younger than the
    /// cache TTL (see [`RoomCache`]). One request per stale room.
    ///
    /// # Errors
    /// 502 `twilio_unavailable` when Twilio cannot be reached, refuses the credentials or
    /// answers something else than its documented shapes.
    pub async fn participants(&self, rooms: &[String]) -> Result<Rooms, AppError> {
        self.cache
            .participants(rooms, |stale| async move {
                let mut fresh = Rooms::new();
                for room in stale {
                    let participants = self.list_participants(&room).await?;
                    fresh.insert(room, participants);
                }
                Ok(fresh)
            })
            .await
    }

    async fn list_participants(&self, room: &str) -> Result<Vec<RoomParticipant>, AppError> {
        self.upstream_calls.fetch_add(1, Ordering::Relaxed);
        let mut url = reqwest::Url::parse(&self.api_base)
            .map_err(|e| unavailable(format!("the API base URL is not a URL: {e}")))?;
        url.path_segments_mut()
            .map_err(|()| unavailable("the API base URL cannot have a path".into()))?
            .pop_if_empty()
            .extend(["v1", "Rooms", room, "Participants"]);
        url.query_pairs_mut()
            .append_pair("Status", "connected")
            .append_pair("PageSize", "50");
        let res = self
            .http
            .get(url)
            .basic_auth(&self.api_key_sid, Some(self.api_key_secret.expose()))
            .send()
            .await
            .map_err(|e| unavailable(format!("Participants: {}", e.without_url())))?;
        let status = res.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(Vec::new()); // no room in progress under that name
        }
        if !status.is_success() {
            let body: TwilioErrorBody = res.json().await.unwrap_or_default();
            return Err(unavailable(format!(
                "Participants answered {status}: Twilio error {} {}",
                body.code.unwrap_or_default(),
                body.message.unwrap_or_default()
            )));
        }
        let page: ParticipantPage = res
            .json()
            .await
            .map_err(|e| unavailable(format!("Participants sent an unexpected body: {e}")))?;
        Ok(page
            .participants
            .into_iter()
            .filter(|p| p.status.as_deref().is_none_or(|s| s == "connected"))
            .map(|p| RoomParticipant {
                role: Role::parse_identity(&p.identity).map(|(role, _)| role),
                joined_at: p
                    .start_time
                    .as_deref()
                    .and_then(|t| {
                        OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                            .ok()
                    })
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                identity: p.identity,
            })
            .collect())
    }
}

fn unavailable(detail: String) -> AppError {
    upstream_unavailable("twilio_unavailable", detail)
}

/// Twilio's REST error body: `{code, message, more_info, status}`.
#[derive(Default, Deserialize)]
struct TwilioErrorBody {
    code: Option<u32>,
    message: Option<String>,
}

/// A page of the Participants list (`{participants: […], meta: {…}}`).
#[derive(Deserialize)]
struct ParticipantPage {
    #[serde(default)]
    participants: Vec<TwilioParticipant>,
}

#[derive(Deserialize)]
struct TwilioParticipant {
    identity: String,
    #[serde(default)]
    status: Option<String>,
    /// ISO 8601, e.g. `2015-07-30T20:00:00Z`.
    #[serde(default)]
    start_time: Option<String>,
}
