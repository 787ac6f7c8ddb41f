//! Accounts and access tokens: login, the bearer-token extractor, password hashing.
//!
//! Access tokens are HS256 JWTs: `{"sub": "2", "role": "patient", "name": "…", "iat": …,
//! "exp": …, "iss": "teleconsult"}`, valid for at most an hour. Their expiry is checked against the
//! server's [`Clock`](crate::clock::Clock), not the system clock, so tests control it.

use std::{num::NonZeroU32, path::Path, sync::Arc};

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use axum::{
    extract::{FromRequestParts, State},
    http::{header, request::Parts, StatusCode},
    routing::{get, post},
    Json, Router,
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use teleconsult_core::{
    api::{LoginRequest, LoginResponse, User},
    Role,
};
use time::{Duration, OffsetDateTime};

use crate::{error::AppError, extract::ApiJson, AppState};

const ISSUER: &str = "teleconsult";
/// Login attempts (successful or not) allowed per account per minute before 429 `rate_limited`:
/// slow enough to stop online guessing, loose enough for a person on several devices.
pub const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 10;
/// Login attempts allowed per client address per minute (across accounts) before 429: high
/// enough for a clinic whose staff sign in at opening time from one NAT address.
pub const LOGIN_ATTEMPTS_PER_CLIENT_PER_MINUTE: u32 = 100;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string (JWT convention).
    pub sub: String,
    /// The account's role.
    pub role: Role,
    /// Display name.
    pub name: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
    /// Always `teleconsult`.
    pub iss: String,
}

/// Signing and verification keys of access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl TokenKeys {
    /// Keys from a shared secret.
    pub fn from_secret(secret: &[u8]) -> TokenKeys {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Signs an access token for `user` valid from `now` for `ttl`.
    ///
    /// # Errors
    /// Only if signing itself fails (it does not for HS256).
    pub fn issue(
        &self,
        user: &User,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<(String, OffsetDateTime), AppError> {
        let exp = now + ttl;
        let claims = Claims {
            sub: user.id.to_string(),
            role: user.role,
            name: user.name.clone(),
            iat: now.unix_timestamp(),
            exp: exp.unix_timestamp(),
            iss: ISSUER.into(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(AppError::internal)?;
        Ok((token, exp))
    }

    /// Verifies `token` at `now`.
    ///
    /// # Errors
    /// 401 `invalid_token` for a bad signature, algorithm, issuer or shape; 401 `token_expired`
    /// once `now` ≥ `exp`.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Claims, AppError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        // Expiry is checked below against the injected clock.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map_err(|_| {
                AppError::unauthorized(
                    "invalid_token",
                    "Your sign-in is not valid for this service. Please sign in again.",
                )
            })?
            .claims;
        if now.unix_timestamp() >= claims.exp {
            return Err(AppError::unauthorized(
                "token_expired",
                "Your session has expired. Please sign in again.",
            ));
        }
        Ok(claims)
    }
}

/// Reads the token secret: the configured one, else `<data_dir>/jwt-secret`, generated (64 random
/// bytes, hex, mode 0600) on first start. Never a built-in default.
///
/// # Errors
/// The file cannot be read or written.
pub fn load_or_create_secret(data_dir: &Path) -> std::io::Result<Vec<u8>> {
    let path = data_dir.join("jwt-secret");
    match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 32 => return Ok(s.trim().as_bytes().to_vec()),
        Ok(_) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is shorter than 32 characters", path.display()),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut bytes = [0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(&path)?, hex.as_bytes())?;
    Ok(hex.into_bytes())
}

/// Hashes a password with argon2id (default parameters: 19 MiB, 2 passes).
///
/// # Errors
/// Only if the hasher fails (it does not for valid parameters).
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a random password, verified against when the e-mail is unknown so that unknown and
/// known accounts take the same time to refuse.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("dummy password for timing").unwrap_or_default())
}

/// Limits login attempts per e-mail address (guessing one account's password) and per client
/// address (trying many accounts). Behind a reverse proxy every client shares the proxy's
/// address, so the per-client limit then applies to all of them together.
///
/// In one process: a burst that refills over the minute (GCRA, `governor`). With Redis, counted
/// for all instances together over the sliding last minute (`{prefix}login:…`, keyed by a SHA-256
/// of the e-mail address so that no address is stored in Redis), so a guesser cannot multiply the
/// limit by the number of instances.
pub struct LoginLimiter {
    per_account: DefaultKeyedRateLimiter<String>,
    per_client: DefaultKeyedRateLimiter<std::net::IpAddr>,
    cluster: Option<crate::cluster::Cluster>,
}

impl LoginLimiter {
    /// [`LOGIN_ATTEMPTS_PER_MINUTE`] per account and [`LOGIN_ATTEMPTS_PER_CLIENT_PER_MINUTE`] per
    /// client address, in this process or (with `cluster`) in its Redis.
    pub fn new(cluster: Option<crate::cluster::Cluster>) -> LoginLimiter {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        LoginLimiter {
            per_account: RateLimiter::keyed(quota(LOGIN_ATTEMPTS_PER_MINUTE)),
            per_client: RateLimiter::keyed(quota(LOGIN_ATTEMPTS_PER_CLIENT_PER_MINUTE)),
            cluster,
        }
    }

    async fn check(&self, email: &str, client: Option<std::net::IpAddr>) -> Result<(), AppError> {
        let limited = |who: &str| {
            AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Too many sign-in attempts {who}. Wait a minute and try again."),
            )
        };
        let account = email.trim().to_lowercase();
        if let Some(cluster) = &self.cluster {
            use sha2::{Digest, Sha256};
            if let Some(ip) = client {
                let n = crate::cluster::count_recent(cluster, &format!("login:ip:{ip}"), 60_000)
                    .await?;
                if n > i64::from(LOGIN_ATTEMPTS_PER_CLIENT_PER_MINUTE) {
                    return Err(limited("from this network"));
                }
            }
            let digest: String = Sha256::digest(account.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let n =
                crate::cluster::count_recent(cluster, &format!("login:account:{digest}"), 60_000)
                    .await?;
            if n > i64::from(LOGIN_ATTEMPTS_PER_MINUTE) {
                return Err(limited("for this account"));
            }
            return Ok(());
        }
        if let Some(ip) = client {
            self.per_client
                .check_key(&ip)
                .map_err(|_| limited("from this network"))?;
        }
        self.per_account
            .check_key(&account)
            .map_err(|_| limited("for this account"))
    }
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter::new(None)
    }
}

/// The authenticated caller of a request, from its `Authorization: Bearer` token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// User id.
    pub id: i64,
    /// Role from the token.
    pub role: Role,
    /// Display name from the token.
    pub name: String,
}

impl AuthUser {
    /// The caller's participant identity, `{role}_{id}`.
    pub fn identity(&self) -> String {
        self.role.identity(self.id)
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let Some(token) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
            return Err(AppError::unauthorized(
                "unauthorized",
                "Please sign in: this request needs an access token.",
            ));
        };
        let claims = state.keys.verify(token.trim(), state.clock.now())?;
        let id = claims.sub.parse::<i64>().map_err(|_| {
            AppError::unauthorized(
                "invalid_token",
                "Your sign-in is not valid. Please sign in again.",
            )
        })?;
        Ok(AuthUser {
            id,
            role: claims.role,
            name: claims.name,
        })
    }
}

/// The TCP peer's address, when the server was started with connection info (`main.rs` does);
/// `None` otherwise (tests through `oneshot`).
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let info =
            axum::extract::ConnectInfo::<std::net::SocketAddr>::from_request_parts(parts, state)
                .await
                .ok();
        Ok(ClientAddr(info.map(|c| c.0.ip())))
    }
}

/// Routes: `POST /auth/login`, `GET /me`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/me", get(me))
}

/// Signs in with e-mail and password.
#[utoipa::path(
    post, path = "/api/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in: an access token and the session's first refresh token", body = LoginResponse),
        (status = 400, description = "Malformed JSON", body = crate::error::ErrorBody),
        (status = 401, description = "`invalid_credentials`: wrong e-mail or password", body = crate::error::ErrorBody),
        (status = 429, description = "`rate_limited`: more than 10 attempts a minute for this account, or 100 from one client address", body = crate::error::ErrorBody),
        (status = 503, description = "`unavailable`: with several instances, their shared Redis did not answer; try again", body = crate::error::ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    state.login_limiter.check(&req.email, client).await?;
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, name, role, password_hash FROM users WHERE lower(email) = lower($1)",
    )
    .bind(req.email.trim())
    .fetch_optional(&state.db)
    .await?;
    let phc = row
        .as_ref()
        .map(|r| r.3.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let password = req.password;
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(AppError::internal)?;
    let (Some((id, name, role, _)), true) = (row, ok) else {
        return Err(AppError::unauthorized(
            "invalid_credentials",
            "The e-mail address or password is not right. Check them and try again.",
        ));
    };
    let role = Role::parse(&role).ok_or_else(|| AppError::internal("bad role in users table"))?;
    let user = User { id, name, role };
    tracing::info!(user_id = user.id, role = %user.role, "signed in");
    Ok(Json(crate::sessions::start(&state, user).await?))
}

/// The signed-in account.
#[utoipa::path(
    get, path = "/api/me", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = User),
        (status = 401, description = "`unauthorized`, `invalid_token` or `token_expired`", body = crate::error::ErrorBody),
    )
)]
pub async fn me(user: AuthUser) -> Json<User> {
    Json(User {
        id: user.id,
        name: user.name,
        role: user.role,
    })
}

/// Shared handle to the token keys.
pub type SharedKeys = Arc<TokenKeys>;
