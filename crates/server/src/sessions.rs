//! Sessions that last a clinic day: short-lived access tokens renewed with rotating, revocable
//! refresh tokens (issue 14).
//!
//! Sign-in starts a *family*: one refresh token, valid until the family expires
//! (`TELECONSULT_SESSION_TTL_SECS` after sign-in; rotation never extends it). Each
//! `POST /api/auth/refresh` marks the presented token used and answers a new access token and
//! the family's next refresh token. Presenting a used token again means two holders: the family
//! is revoked and both are signed out (OAuth 2.0 Security BCP, RFC 9700 §4.14.2) — except within
//! [`REUSE_LEEWAY_SECS`] of its use, when it is most likely the same browser whose answer was
//! lost (a page navigated away mid-renewal, a dropped connection) or a second tab renewing at the
//! same moment; that is answered with another successor in the same family, like a first use.
//! `POST /api/auth/logout` revokes the family. Only SHA-256 hashes are stored.

use axum::{extract::State, http::StatusCode, routing::post, Json, Router};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use teleconsult_core::{
    api::{LoginResponse, RefreshRequest, User},
    Role,
};
use time::{Duration, OffsetDateTime};

use crate::{
    error::{AppError, ErrorBody},
    extract::ApiJson,
    AppState,
};

/// How long after a refresh token was used a second presentation is taken for the same browser
/// (a lost answer, a racing tab: answered with another successor) rather than a reuse (family
/// revoked): 10 s.
pub const REUSE_LEEWAY_SECS: i64 = 10;

/// Routes: `POST /auth/refresh`, `POST /auth/logout`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Issues the access token and the first refresh token of a new session for `user`.
///
/// # Errors
/// A database error.
pub async fn start(state: &AppState, user: User) -> Result<LoginResponse, AppError> {
    let now = state.clock.now();
    let family_expires_at = now + Duration::seconds(i64::from(state.config.session_ttl_secs));
    let family = new_token();
    issue(state, user, &family, family_expires_at, now).await
}

/// A new access token for `user` and the next refresh token of `family`.
async fn issue(
    state: &AppState,
    user: User,
    family: &str,
    family_expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<LoginResponse, AppError> {
    let refresh_token = new_token();
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, family, user_id, issued_at, family_expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash(&refresh_token))
    .bind(family)
    .bind(user.id)
    .bind(now.unix_timestamp())
    .bind(family_expires_at.unix_timestamp())
    .execute(&state.db)
    .await?;
    // The access token never outlives the session.
    let ttl = Duration::seconds(i64::from(state.config.token_ttl_secs))
        .min(family_expires_at - now)
        .max(Duration::ZERO);
    let (access_token, expires_at) = state.keys.issue(&user, now, ttl)?;
    Ok(LoginResponse {
        access_token,
        expires_at,
        user,
        refresh_token: Some(refresh_token),
        session_expires_at: Some(family_expires_at),
    })
}

fn invalid() -> AppError {
    AppError::unauthorized(
        "invalid_refresh_token",
        "Your session has ended. Sign in again.",
    )
}

/// `(id, family, user id, family expiry, used at, revoked at, name, role)` of a stored token.
type TokenRow = (
    i64,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    String,
    String,
);

/// Renews a session: a new access token and the family's next refresh token.
#[utoipa::path(
    post, path = "/api/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "Renewed; use the new refresh token next time", body = LoginResponse),
        (status = 401, description = "`invalid_refresh_token`: unknown, expired, revoked, or reused (a reuse signs the whole session out)", body = ErrorBody),
    )
)]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let now = state.clock.now();
    let ts = now.unix_timestamp();
    let row: Option<TokenRow> = sqlx::query_as(
        "SELECT t.id, t.family, t.user_id, t.family_expires_at, t.used_at, t.revoked_at, u.name, u.role
         FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(hash(&req.refresh_token))
    .fetch_optional(&state.db)
    .await?;
    let Some((id, family, user_id, family_expires_at, used_at, revoked_at, name, role)) = row
    else {
        return Err(invalid());
    };
    if revoked_at.is_some() || family_expires_at <= ts {
        return Err(invalid());
    }
    match used_at {
        Some(used) if ts - used > REUSE_LEEWAY_SECS => {
            revoke_family(&state, &family, ts).await?;
            tracing::warn!(
                user_id,
                "a used refresh token was presented again: session revoked"
            );
            return Err(invalid());
        }
        // Within the leeway: another successor; the first use's time is kept.
        Some(_) => {}
        None => {
            sqlx::query("UPDATE refresh_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                .bind(ts)
                .bind(id)
                .execute(&state.db)
                .await?;
        }
    }
    let role = Role::parse(&role).ok_or_else(|| AppError::internal("bad role in users table"))?;
    let user = User {
        id: user_id,
        name,
        role,
    };
    let expires =
        OffsetDateTime::from_unix_timestamp(family_expires_at).map_err(AppError::internal)?;
    Ok(Json(issue(&state, user, &family, expires, now).await?))
}

async fn revoke_family(state: &AppState, family: &str, ts: i64) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL",
    )
    .bind(ts)
    .bind(family)
    .execute(&state.db)
    .await?;
    Ok(())
}

/// Signs out: revokes the session of this refresh token (every token of its family). Access
/// tokens already handed out stay valid until they expire (at most `TELECONSULT_TOKEN_TTL_SECS`).
#[utoipa::path(
    post, path = "/api/auth/logout", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "Signed out (also when the token was unknown or already revoked)"),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<RefreshRequest>,
) -> Result<StatusCode, AppError> {
    let family: Option<(String,)> =
        sqlx::query_as("SELECT family FROM refresh_tokens WHERE token_hash = $1")
            .bind(hash(&req.refresh_token))
            .fetch_optional(&state.db)
            .await?;
    if let Some((family,)) = family {
        revoke_family(&state, &family, state.clock.now().unix_timestamp()).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
